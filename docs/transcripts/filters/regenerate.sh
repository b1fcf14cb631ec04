#!/usr/bin/env bash
# Regenerates the transcripts the "how a filter works" chapter of the book
# includes: each file is a command as a learner types it, what it printed
# (stdout and stderr, in the order written) and `$?`. Run it from anywhere;
# it builds the steps first. Run it again whenever step 4's policy changes:
# the path of a syscall through its filter changes with it, and the tests
# (step-4-policy/tests/transcript.rs) fail until the transcript is remade.
set -euo pipefail
top="$(cd "$(dirname "$0")/../../.." && pwd)"
out="$top/docs/transcripts/filters"
cd "$top"
cargo build -q --workspace --bins
export PATH="$top/target/debug:$PATH"

# simulate FILE STEP CALL: runs `STEP --simulate 'CALL'`.
simulate() {
    local file="$1" step="$2" call="$3"
    {
        printf "\$ %s --simulate '%s'\n" "$step" "$call"
        set +e
        "$step" --simulate "$call" 2>&1 </dev/null
        local status=$?
        set -e
        printf '$ echo $?\n%s\n' "$status"
    } >"$out/$file"
}

simulate simulate-write-fd-3.txt step-4-policy 'write(3, 0, 5)'
