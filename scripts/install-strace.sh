#!/usr/bin/env bash
# Installs strace when it is missing: the tests of step 3's --learn use it to
# hold the supervisor or the program at a syscall. Knows apt-get, dnf, zypper,
# pacman and apk; elsewhere it says what to install. Uses sudo when not run as
# root.
set -euo pipefail

if command -v strace >/dev/null 2>&1; then
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

echo "Installing strace (needed by the tests of --learn)..." >&2
if command -v apt-get >/dev/null 2>&1; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq strace >&2
elif command -v dnf >/dev/null 2>&1; then
    $sudo dnf install -y strace >&2
elif command -v zypper >/dev/null 2>&1; then
    $sudo zypper --non-interactive install strace >&2
elif command -v pacman >/dev/null 2>&1; then
    $sudo pacman -S --needed --noconfirm strace >&2
elif command -v apk >/dev/null 2>&1; then
    $sudo apk add strace >&2
else
    echo "error: no known package manager found. Install strace, then run this again." >&2
    exit 1
fi

if ! command -v strace >/dev/null 2>&1; then
    echo "error: strace is still missing after the install." >&2
    exit 1
fi
