#!/usr/bin/env bash
# Quick start: checks that Rust is new enough, installs what the steps and
# their tests need when it is missing (libseccomp's development files, strace
# and Python 3: scripts/install-prerequisites.sh), builds the four steps, and
# runs the tour through them with the same input. Options go to the tour
# (`./tour.sh --help`), e.g. `./tour.sh --input "some other line"`.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-prerequisites.sh
echo "Building the four steps (the first build takes a minute)..." >&2
cargo build --quiet --workspace --bins
cargo run --quiet -p common --bin tour -- "$@"
