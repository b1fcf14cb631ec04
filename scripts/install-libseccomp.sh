#!/usr/bin/env bash
# Installs libseccomp's development files (the library the `libseccomp` crate links
# against) when they are missing. Knows apt-get, dnf, zypper, pacman and apk;
# elsewhere it says what to install. Uses sudo when not run as root.
set -euo pipefail

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

if have_libseccomp; then
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

echo "Installing libseccomp's development files (needed to build the steps)..." >&2
if command -v apt-get >/dev/null 2>&1; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libseccomp-dev >&2
elif command -v dnf >/dev/null 2>&1; then
    $sudo dnf install -y libseccomp-devel >&2
elif command -v zypper >/dev/null 2>&1; then
    $sudo zypper --non-interactive install libseccomp-devel >&2
elif command -v pacman >/dev/null 2>&1; then
    $sudo pacman -S --needed --noconfirm libseccomp >&2
elif command -v apk >/dev/null 2>&1; then
    $sudo apk add libseccomp-dev >&2
else
    echo "error: no known package manager found. Install libseccomp (version 2.5 or later)" >&2
    echo "with its development files (libseccomp-dev or libseccomp-devel), then run this again." >&2
    exit 1
fi

if ! have_libseccomp; then
    echo "error: libseccomp's development files are still missing after the install." >&2
    exit 1
fi
