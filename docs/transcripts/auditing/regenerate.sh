#!/usr/bin/env bash
# Regenerates the transcripts the chapter on auditing a filter includes: each
# file is a command as a learner types it at the top of the repository, what
# it printed (stdout and stderr, in the order written) and `$?`. Run it from
# anywhere; it builds the steps first. Run it again whenever the audit's
# findings or a step's filter change: the tests
# (step-2-filter/tests/transcript.rs, step-4-policy/tests/transcript.rs) fail
# until the transcripts are remade.
set -euo pipefail
top="$(cd "$(dirname "$0")/../../.." && pwd)"
out="$top/docs/transcripts/auditing"
cd "$top"
cargo build -q --workspace --bins
export PATH="$top/target/debug:$PATH"

# transcript FILE COMMAND: runs COMMAND in a shell, as the chapter shows it.
transcript() {
    local file="$1" command="$2"
    {
        printf '$ %s\n' "$command"
        set +e
        sh -c "exec 2>&1; $command" </dev/null
        local status=$?
        set -e
        printf '$ echo $?\n%s\n' "$status"
    } >"$out/$file"
}

transcript step-2.txt 'step-2-filter --audit'
transcript step-3-io-uring.txt 'step-3-reporting --allow io_uring_setup --audit'
transcript step-4.txt 'step-4-policy --audit'
transcript weak.txt 'step-4-policy --policy docs/transcripts/auditing/weak.toml --audit'
