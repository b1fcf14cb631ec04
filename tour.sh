#!/usr/bin/env bash
# Quick start: installs libseccomp when it is missing, builds the four steps, and
# runs the tour through them with the same input. Options go to the tour
# (`./tour.sh --help`), e.g. `./tour.sh --input "some other line"`.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-libseccomp.sh
echo "Building the four steps (the first build takes a minute)..." >&2
cargo build --quiet --workspace --bins
cargo run --quiet -p common --bin tour -- "$@"
