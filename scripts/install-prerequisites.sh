#!/usr/bin/env bash
# What ./tour.sh runs first: checks that Rust is new enough to build the
# workspace, then installs, in one go, what the steps and their tests need
# and the system lacks: libseccomp's development files (the library the
# `libseccomp` crate links against), strace (the tests of step 3's --learn hold
# the supervisor or the program at a syscall with it) and Python 3 (a test
# redraws the book's overhead plot with scripts/plot-overhead.py). Knows
# apt-get, dnf, zypper, pacman and apk; elsewhere it says what to install. Uses
# sudo when not run as root.
#
#   scripts/install-prerequisites.sh            check Rust, install what is missing
#   scripts/install-prerequisites.sh --check    change nothing: say what keeps the
#                                               workspace from building, if anything
#
# With --check (./tour.sh --check runs it before it builds the checks of the
# machine) it prints nothing when Rust and libseccomp's development files are
# there; otherwise one line for each that is not and a last line `not ready:
# ...`, and exits 1. strace and Python 3 are checked later, with the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/package-manager.sh

# The oldest Rust the workspace builds with: the manifest's rust-version.
needed=$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' Cargo.toml)
if command -v rustup >/dev/null 2>&1; then
    rustup_hint="run \`rustup update stable\`"
else
    rustup_hint="install it with rustup, from https://rustup.rs"
fi
checking=
[ "${1:-}" = --check ] && checking=1

# Says on stderr, in one line, why this Rust will not do, and returns 1. It runs
# before cargo does: an older cargo stops at the lock file, with an error that
# does not name the version the workspace needs.
check_rust() {
    local version
    if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
        echo "error: Rust $needed or later is needed and cargo or rustc is not installed: $rustup_hint (or your distribution's cargo, if it is $needed or later)." >&2
        return 1
    fi
    version=$(rustc --version 2>/dev/null | awk '{print $2}') || true
    version=${version%%-*}
    if [ -z "$version" ]; then
        echo "error: Rust $needed or later is needed and \`rustc --version\` does not answer: $rustup_hint." >&2
        return 1
    fi
    if ! at_least "$version" "$needed"; then
        echo "error: Rust $needed or later is needed and this rustc ($(command -v rustc)) is $version: $rustup_hint." >&2
        return 1
    fi
}

# Whether version $1 (1.85.0) is $2 (1.85) or later, part by part.
at_least() {
    local have want i
    IFS=. read -r -a have <<<"$1"
    IFS=. read -r -a want <<<"$2"
    for i in 0 1 2; do
        [ "${have[i]:-0}" -gt "${want[i]:-0}" ] && return 0
        [ "${have[i]:-0}" -lt "${want[i]:-0}" ] && return 1
    done
    return 0
}

have_libseccomp() {
    if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists 'libseccomp >= 2.5'; then
        return 0
    fi
    # Without pkg-config: the unversioned libseccomp.so that linking needs.
    compgen -G '/usr/lib/libseccomp.so' >/dev/null ||
        compgen -G '/usr/lib64/libseccomp.so' >/dev/null ||
        compgen -G '/usr/lib/*-linux-*/libseccomp.so' >/dev/null ||
        compgen -G '/usr/local/lib/libseccomp.so' >/dev/null
}

have() { command -v "$1" >/dev/null 2>&1; }

if [ -n "$checking" ]; then
    blocked=()
    if ! why=$(check_rust 2>&1); then
        echo "FAIL  Rust: ${why#error: }"
        blocked+=("install Rust $needed or later")
    fi
    if ! have_libseccomp; then
        echo "FAIL  libseccomp: its development files (2.5 or later) are missing, and the workspace cannot be built without them: ./tour.sh installs them."
        blocked+=("run ./tour.sh, which installs libseccomp's development files")
    fi
    [ ${#blocked[@]} -eq 0 ] && exit 0
    verdict="not ready: ${blocked[0]}"
    [ ${#blocked[@]} -eq 1 ] || verdict="$verdict; ${blocked[1]}"
    echo "$verdict; then run ./tour.sh --check again"
    exit 1
fi
check_rust || exit 1
# What is missing, as each family of systems names it.
debian=() fedora=() arch=()
have_libseccomp || { debian+=(libseccomp-dev); fedora+=(libseccomp-devel); arch+=(libseccomp); }
have strace || { debian+=(strace); fedora+=(strace); arch+=(strace); }
have python3 || { debian+=(python3); fedora+=(python3); arch+=(python); }
if [ ${#debian[@]} -eq 0 ]; then
    exit 0
fi
install_package "what the steps and their tests need" "${debian[*]}" "${fedora[*]}" "${arch[*]}"
have_libseccomp || { echo "error: libseccomp's development files (2.5 or later) are still missing after the install." >&2; exit 1; }
have strace || { echo "error: strace is still missing after the install." >&2; exit 1; }
have python3 || { echo "error: python3 is still missing after the install." >&2; exit 1; }
