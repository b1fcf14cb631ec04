#!/usr/bin/env bash
# Builds an OCI bundle that runs one program in a container, for runc:
#
#   scripts/container.sh [--profile FILE.json] BUNDLE PROGRAM [ARG...]
#
# BUNDLE/rootfs gets PROGRAM as /bin/NAME, with the shared libraries and the
# dynamic loader it needs (as ldd lists them) at their paths, and nothing else.
# BUNDLE/config.json is what `runc spec` writes, with the program (and its
# arguments) as the container's process, no terminal (so stdin and stdout are
# the caller's, and a pipe works), a read-only root, no core files (RLIMIT_CORE
# 0), and, with --profile, FILE's seccomp profile as `linux.seccomp`
# (step-4-policy --print-filter=oci writes one). Then, as root:
#
#   printf 'hello seccomp\n' | runc run --bundle BUNDLE NAME
#
# Needs runc, ldd and python3 (for the JSON). A bundle this script made at
# BUNDLE is replaced; anything else there is refused, and so are an empty
# BUNDLE and one that resolves to /.
set -euo pipefail

usage() { sed -n '2,18s/^# \{0,1\}//p' "$0"; }
# A usage error: what is wrong, then how to call the script; status 2.
refuse() {
    echo "error: $1" >&2
    usage >&2
    exit 2
}
profile=""
if [ "${1:-}" = "--profile" ]; then
    [ -n "${2:-}" ] || refuse "--profile needs a FILE.json"
    profile=$(realpath -m -- "$2")
    shift 2
fi
if [ "${1:-}" = "--help" ]; then
    usage
    exit 0
fi
if [ $# -lt 2 ]; then
    usage >&2
    exit 2
fi
bundle=$1
# BUNDLE's rootfs and config.json go inside it: an empty BUNDLE would put them
# in / (/rootfs, /config.json), and so would one that resolves to /.
[ -n "$bundle" ] || refuse "BUNDLE is empty, which would put the bundle in /: give a directory of its own"
[ "$(realpath -m -- "$bundle")" != / ] || refuse "BUNDLE $bundle resolves to /: give a directory of its own"
program=$(realpath "$2")
shift 2
for tool in runc ldd python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is missing" >&2; exit 1; }
done

# Everything is checked before anything is removed: the program, BUNDLE, and
# the profile, which must be JSON.
[ -f "$program" ] && [ -x "$program" ] || { echo "error: $program is not a program" >&2; exit 2; }
# BUNDLE is replaced only when this script made it (it leaves a marker file);
# anything else that exists is refused, a bundle made by hand included, and a
# symbolic link that points nowhere (which `-e` alone would miss).
marker=.made-by-seccomp-tutorial
if { [ -e "$bundle" ] || [ -L "$bundle" ]; } && [ ! -f "$bundle/$marker" ]; then
    echo "error: $bundle exists and was not made by $0; give a new directory" >&2
    exit 2
fi
# The config is made first, in a scratch directory, by one Python run that
# reads the profile too.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
runc spec --bundle "$scratch"
python3 - "$scratch/config.json" "/bin/$(basename "$program")" "$profile" "$@" <<'PY'
import json, sys
path, program, profile, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with open(path) as f:
    config = json.load(f)
config["process"]["args"] = [program, *args]
config["process"]["terminal"] = False
config["root"]["readonly"] = True
# A program a filter kills leaves no core file behind.
config["process"]["rlimits"] = [
    *[r for r in config["process"].get("rlimits", []) if r["type"] != "RLIMIT_CORE"],
    {"type": "RLIMIT_CORE", "hard": 0, "soft": 0},
]
if profile:
    try:
        with open(profile) as f:
            config["linux"]["seccomp"] = json.load(f)
    except (OSError, ValueError):
        print(f"error: {profile} is not a JSON profile", file=sys.stderr)
        sys.exit(2)
with open(path, "w") as f:
    json.dump(config, f, indent=2)
PY
rm -rf -- "$bundle"
mkdir -p -- "$bundle/rootfs/bin"
cp "$program" "$bundle/rootfs/bin/"
# The libraries and the loader: every absolute path ldd prints.
for library in $(ldd "$program" | grep -o '/[^ ]*'); do
    mkdir -p "$bundle/rootfs$(dirname "$library")"
    cp -L "$library" "$bundle/rootfs$library"
done
touch "$bundle/$marker"
mv "$scratch/config.json" "$bundle/config.json"
