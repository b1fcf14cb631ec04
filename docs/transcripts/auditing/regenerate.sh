#!/usr/bin/env bash
# Regenerates the transcripts the chapter on auditing a filter includes: each
# file is a command as a learner types it at the top of the repository, what
# it printed (stdout and stderr, in the order written) and `$?`. Run it from
# anywhere; it builds the steps first. Run it again whenever the audit's
# findings or a step's filter change: the tests
# (step-2-filter/tests/transcript.rs, step-4-policy/tests/transcript.rs) fail
# until the transcripts are remade. The real-world chapter shows the audit of
# Docker's and Podman's default profiles, as Debian 12 installs them
# (scripts/install-container-tools.sh): those two are remade only where the
# profiles are installed (step-4-policy/tests/profiles.rs checks them there).
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

podman_profile=/usr/share/containers/seccomp.json
docker_profile=/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
for profile in "$podman_profile" "$docker_profile"; do
    if [ ! -f "$profile" ]; then
        echo "regenerate.sh: $profile is not installed; podman.txt and docker.txt are left as they are (scripts/install-container-tools.sh installs it)" >&2
        exit 0
    fi
done
transcript podman.txt "step-4-policy --policy $podman_profile --audit"
transcript docker.txt "step-4-policy --policy $docker_profile --audit"
