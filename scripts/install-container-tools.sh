#!/usr/bin/env bash
# Installs what the container tests need, when it is missing: runc, which runs
# the tutorial program in a container under an exported profile, and Podman's
# default seccomp profile (/usr/share/containers/seccomp.json), which the tests
# of step 4's --policy FILE.json read as a policy. Debian and Ubuntu ship the
# profile in golang-github-containers-common, Fedora and Arch in
# containers-common. Uses sudo when not run as root.
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
command -v runc >/dev/null 2>&1 || { echo "error: runc is still missing after the install." >&2; exit 1; }
[ -e "$profile" ] || { echo "error: $profile is still missing after the install." >&2; exit 1; }
