#!/usr/bin/env bash
# What the scripts that install packages share (install-prerequisites.sh,
# install-container-tools.sh, install-chromium.sh, check-container-image.sh):
# one function that installs packages with the system's package manager.
# Sourced, not run.
#
# install_package WHY DEBIAN FEDORA ARCH
#   Installs the packages named DEBIAN on Debian, Ubuntu and Alpine (apt-get,
#   apk), FEDORA on Fedora and openSUSE (dnf, zypper), ARCH on Arch (pacman),
#   saying WHY first. Each of the three may name several packages, separated by
#   spaces. Uses sudo when not run as root. Without a known package manager it
#   says what to install and exits 1.

install_package() {
    local why="$1" debian="$2" fedora="$3" arch="$4"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    echo "Installing $debian ($why)..." >&2
    # The lists are left unquoted on purpose: each word is one package.
    if command -v apt-get >/dev/null 2>&1; then
        # sudo starts its command with a clean environment, so the setting that
        # keeps apt from asking questions goes through env, after sudo.
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $debian >&2
    elif command -v dnf >/dev/null 2>&1; then
        "${sudo[@]}" dnf install -y $fedora >&2
    elif command -v zypper >/dev/null 2>&1; then
        "${sudo[@]}" zypper --non-interactive install $fedora >&2
    elif command -v pacman >/dev/null 2>&1; then
        "${sudo[@]}" pacman -S --needed --noconfirm $arch >&2
    elif command -v apk >/dev/null 2>&1; then
        "${sudo[@]}" apk add $debian >&2
    else
        echo "error: no known package manager found. Install $debian ($fedora on Fedora" >&2
        echo "and openSUSE, $arch on Arch), then run this again." >&2
        exit 1
    fi
}
