#!/usr/bin/env bash
# Installs libseccomp's development files (the library the `libseccomp` crate links
# against) when they are missing. Knows apt-get, dnf, zypper, pacman and apk;
# elsewhere it says what to install. Uses sudo when not run as root.
set -euo pipefail
. "$(dirname "$0")/package-manager.sh"

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
install_package "libseccomp 2.5 or later with its development files, needed to build the steps" \
    libseccomp-dev libseccomp-devel libseccomp
if ! have_libseccomp; then
    echo "error: libseccomp's development files are still missing after the install." >&2
    exit 1
fi
