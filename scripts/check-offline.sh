#!/usr/bin/env bash
# Proves that the workspace builds without a network, the way the workshop
# guide tells a teacher to prepare a room without one: `cargo vendor` copies
# every crate the lock file names into vendor/, and a copy of the repository
# with it builds with `--offline` from an empty Cargo home, whose only
# configuration points crates.io at vendor/.
#
#   scripts/check-offline.sh
#
# It works in a temporary directory, and leaves the repository as it was.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "check-offline: vendoring the crates (this needs the crate registry, or its cache)" >&2
git ls-files -z | tar --null -T - -cf - | tar -C "$scratch" -xf -
# The guide's command, word for word (a test in common/tests/book.rs checks that
# the guide shows this line): it adds the vendored source to the workspace's
# own .cargo/config.toml.
vendor='cargo vendor --locked vendor >> .cargo/config.toml'
(cd "$scratch" && eval "$vendor" 2>"$scratch/vendor.log") ||
    { tail -20 "$scratch/vendor.log" >&2; exit 1; }

echo "check-offline: building from vendor/ alone, offline, with an empty Cargo home" >&2
mkdir -p "$scratch/cargo-home"
(cd "$scratch" && CARGO_HOME="$scratch/cargo-home" CARGO_TARGET_DIR="$scratch/target" \
    cargo build --offline --locked --quiet --workspace --bins --tests)
echo "check-offline: the workspace builds offline from vendor/" >&2
