#!/usr/bin/env bash
# Installs Podman's default seccomp profile (/usr/share/containers/seccomp.json)
# when it is missing: the tests of step 4's --policy FILE.json read it as a
# policy and run the program under it. Debian and Ubuntu ship it in
# golang-github-containers-common, Fedora and Arch in containers-common. Uses
# sudo when not run as root.
set -euo pipefail
. "$(dirname "$0")/package-manager.sh"

profile=/usr/share/containers/seccomp.json
if [ -e "$profile" ]; then
    exit 0
fi
install_package "Podman's default seccomp profile, read by the tests of step 4" \
    golang-github-containers-common containers-common containers-common
if [ ! -e "$profile" ]; then
    echo "error: $profile is still missing after the install." >&2
    exit 1
fi
