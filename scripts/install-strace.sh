#!/usr/bin/env bash
# Installs strace when it is missing: the tests of step 3's --learn use it to
# hold the supervisor or the program at a syscall. Knows apt-get, dnf, zypper,
# pacman and apk; elsewhere it says what to install. Uses sudo when not run as
# root.
set -euo pipefail
. "$(dirname "$0")/package-manager.sh"

if command -v strace >/dev/null 2>&1; then
    exit 0
fi
install_package "needed by the tests of --learn" strace strace strace
if ! command -v strace >/dev/null 2>&1; then
    echo "error: strace is still missing after the install." >&2
    exit 1
fi
