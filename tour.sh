#!/usr/bin/env bash
# Quick start: checks that Rust is new enough, installs what the steps and
# their tests need when it is missing (libseccomp's development files, strace
# and Python 3: scripts/install-prerequisites.sh), builds the four steps, and
# runs the tour through them with the same input. Options go to the tour
# (`./tour.sh --help`), e.g. `./tour.sh --input "some other line"`.
#
# `./tour.sh --check` installs and runs nothing of the workshop: it checks
# whether this machine can run the steps and their tests, one line per check,
# and ends with one line, `ready: ...` or `not ready: ...` (what to do).
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = --check ]; then
    shift
    # Rust and libseccomp first: without them the checks cannot be built.
    scripts/install-prerequisites.sh --check || exit 1
    echo "Building the checks (the first build takes a minute)..." >&2
    if ! cargo build --quiet -p harness --bin preflight; then
        echo "not ready: the checks could not be built (cargo's error is above)"
        exit 1
    fi
    exec cargo run --quiet -p harness --bin preflight -- "$@"
fi
scripts/install-prerequisites.sh
echo "Building the four steps (the first build takes a minute)..." >&2
cargo build --quiet --workspace --bins
cargo run --quiet -p harness --bin tour -- "$@"
