#!/usr/bin/env bash
# Installs what the container tests need, when it is missing: runc, which runs
# the tutorial program in a container under an exported profile, and Podman's
# and Docker's default seccomp profiles, which the tests of step 4's --policy
# FILE.json read as policies. Debian and Ubuntu ship Podman's in
# golang-github-containers-common (Fedora and Arch in containers-common), and
# Docker's in golang-github-docker-docker-dev. Uses sudo when not run as root.
set -euo pipefail
. "$(dirname "$0")/package-manager.sh"

if ! command -v runc >/dev/null 2>&1; then
    install_package "runs the tutorial program in a container, for the tests" runc runc runc
fi
profile=/usr/share/containers/seccomp.json
if [ ! -e "$profile" ]; then
    install_package "Podman's default seccomp profile, read by the tests of step 4" \
        golang-github-containers-common containers-common containers-common
fi
# Docker's default profile, which dockerd has compiled in, is a file in Debian's
# Go sources of Docker only; elsewhere its tests say they skip.
docker=/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
if [ ! -e "$docker" ] && command -v apt-get >/dev/null 2>&1; then
    install_package "Docker's default seccomp profile, read by the tests of step 4" \
        golang-github-docker-docker-dev golang-github-docker-docker-dev golang-github-docker-docker-dev
fi
command -v runc >/dev/null 2>&1 || { echo "error: runc is still missing after the install." >&2; exit 1; }
[ -e "$profile" ] || { echo "error: $profile is still missing after the install." >&2; exit 1; }
