#!/usr/bin/env bash
# Proves the README's container path: that the Dockerfile, as committed, builds,
# and that the README's two Quick start commands pass in a container made from
# it, the way a learner on macOS, Windows or any laptop runs them.
#
#   scripts/check-container-image.sh
#
# As root, with Podman (installed when it is missing). It clones HEAD into a
# scratch directory (so no target/ and no uncommitted file gets in), builds the
# Dockerfile with `podman build --no-cache`, then runs the commands of the first
# sh block after `## Quick start` in README.md, in order, in one container with
# the clone mounted as the workspace at /work. The container gets Podman's
# default seccomp profile and capabilities: no --privileged, no
# seccomp=unconfined, no --cap-add. It prints the image's build time and one
# line, `container: tour ok (N s); cargo test: P passed, 0 failed, I ignored
# (N s)`, and fails unless every command exits 0 and every `test result:` line
# says 0 failed, when a test says it skipped, and when the container did not run
# under a seccomp filter.
#
# No image registry is needed: the Dockerfile's base, Debian 13
# (docker.io/library/debian:trixie), is made here once with debootstrap from
# Debian's mirrors and imported under that name, and the build never pulls.
# Cached in $CHECK_CONTAINER_CACHE (default
# /var/cache/seccomp-tutorial/container): that base image's file system, the
# .deb files the build downloads, and the crates cargo downloads in the
# container (its registry). Not cached: the image's layers (--no-cache) and
# target/ (each run builds from scratch, as a learner's first run does). A
# run's logs are in $CACHE/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
. scripts/package-manager.sh

cache=${CHECK_CONTAINER_CACHE:-/var/cache/seccomp-tutorial/container}
base=docker.io/library/debian:trixie
image=localhost/seccomp-tutorial
logs=$cache/logs

say() { printf 'check-container-image: %s\n' "$*" >&2; }
# A line of the result: printed, and kept with the logs.
report() { echo "$*" | tee -a "$logs/summary.txt"; }

scratch=
cleanup() { [ -z "$scratch" ] || rm -rf "$scratch"; }
trap cleanup EXIT

# ---- Tools ----
need_tools() {
    if ! command -v podman >/dev/null 2>&1; then
        install_package "builds and runs the tutorial's container" podman podman podman
    fi
    if ! command -v debootstrap >/dev/null 2>&1; then
        install_package "makes the Debian 13 base image" debootstrap debootstrap debootstrap
    fi
    # The summary of each command's log is written in Python.
    if ! command -v python3 >/dev/null 2>&1; then
        install_package "sums up the test runs' logs" python3 python3 python
    fi
    command -v podman >/dev/null 2>&1 ||
        { say "podman is still missing after the install"; exit 1; }
}

# ---- The base image: Debian 13, made once from Debian's mirrors ----
# What the official image is, near enough for the Dockerfile: a minbase system
# whose apt sources are trixie, its updates and its security updates, with
# bash as the command.
make_base() {
    if podman image exists "$base"; then
        return
    fi
    local root=$cache/trixie started=$SECONDS
    if [ ! -e "$cache/trixie.tar" ]; then
        say "making the Debian 13 base image with debootstrap (once; a few minutes)"
        rm -rf "$root"
        debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian \
            >"$cache/debootstrap.log" 2>&1 || {
            tail -20 "$cache/debootstrap.log" >&2
            exit 1
        }
        rm -f "$root/etc/apt/sources.list"
        cat >"$root/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
        tar -C "$root" --numeric-owner -cf "$cache/trixie.tar.part" .
        mv "$cache/trixie.tar.part" "$cache/trixie.tar"
        rm -rf "$root"
    fi
    podman import -q --change 'CMD ["bash"]' "$cache/trixie.tar" "$base" >/dev/null
    report "container: base image $base made in $((SECONDS - started)) s"
}

# ---- The commands: the README's, as a learner copies them ----
. scripts/quick-start.sh

# ---- Build: the Dockerfile of the clone, as committed ----
build_image() {
    local context=$1 old new started=$SECONDS
    old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
    # --no-cache: every instruction runs, against today's Debian archive. The
    # .deb files apt downloads go to the cache, mounted for the build only.
    # The builder's network is the host's: what the check is about is the
    # container the image makes, not how the builder reaches Debian's mirrors.
    mkdir -p "$cache/apt-archives"
    podman build --pull=never --no-cache --network host \
        --volume "$cache/apt-archives:/var/cache/apt/archives" \
        -t "$image" "$context" >"$logs/build.log" 2>&1 || {
        tail -40 "$logs/build.log" >&2
        say "the image did not build (see $logs/build.log)"
        exit 1
    }
    report "container: image built in $((SECONDS - started)) s"
    new=$(podman image inspect --format '{{.Id}}' "$image")
    # The image it replaces would otherwise stay, untagged, at each run.
    if [ -n "$old" ] && [ "$old" != "$new" ]; then
        podman rmi "$old" >/dev/null 2>&1 || true
    fi
}

# The script the container runs: each command in order, in bash (the image's
# shell) at /work, its output and its exit status and time kept in /check.
# First, what the container's own filter is: the check must not pass unfiltered.
driver_script() {
    cat <<'EOF'
grep Seccomp /proc/self/status >/check/seccomp.txt
i=0
while IFS= read -r command; do
    i=$((i + 1))
    started=$SECONDS status=0
    bash -c "$command" </dev/null >"/check/command-$i.log" 2>&1 || status=$?
    echo "$status $((SECONDS - started))" >"/check/command-$i.status"
done </check/commands
EOF
}

# ---- Run ----
# The container is a learner's but for three settings, and the crates' cache.
# The ulimits: Podman sets a container's open files and processes to its own
# large defaults, which runc cannot set when the hard limits Podman was started
# with are lower ("error setting rlimit type 7: operation not permitted" on
# some virtual machines); 16384 is plenty for the tests. The host's CA bundle,
# read-only: cargo reaches crates.io through whatever this machine trusts,
# while the image has Debian's bundle, which is what a learner's container
# uses. RUST_TEST_NOCAPTURE changes what libtest shows, not what runs: a test
# that passed because it skipped would say so on stderr, which libtest hides
# for a test that passes, and the check must see it.
run_commands() {
    local clone=$1 check=$2
    mkdir -p "$cache/cargo-registry"
    timeout 3600 podman run --rm --pull=never \
        --ulimit nofile=16384:16384 --ulimit nproc=16384:16384 \
        -v "$clone:/work" -w /work \
        -v "$check:/check" \
        -v "$cache/cargo-registry:/root/.cargo/registry" \
        -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
        -e RUST_TEST_NOCAPTURE=1 \
        "$image" bash /check/driver.sh >"$logs/podman.log" 2>&1 || {
        tail -40 "$logs/podman.log" >&2
        say "the container did not run to its end (see $logs/podman.log)"
        exit 1
    }
}

# One command's part of the summary line: `NAME ok (N s)`, or for cargo test
# `cargo test: P passed, F failed, I ignored (N s)`. What went wrong, if
# anything, goes to stderr, a line each, and the status is then 1.
summarize() {
    local command=$1 log=$2 status=$3 seconds=$4
    python3 - "$command" "$log" "$status" "$seconds" <<'EOF'
import os, re, sys
command, log, status, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
text = open(log, errors="replace").read()
words = command.split("#")[0].split()
problems = []
if status != 0:
    problems.append(f"it exited with status {status}")
if words[:2] == ["cargo", "test"]:
    results = re.findall(r"^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored",
                         text, re.M)
    passed, failed, ignored = (sum(int(r[i]) for r in results) for i in range(3))
    line = f"cargo test: {passed} passed, {failed} failed, {ignored} ignored ({seconds} s)"
    if not results:
        problems.append("no test ran")
    if failed:
        problems.append(f"{failed} tests failed")
    # A test that cannot do what it checks must be ignored, saying why, not
    # pass: each reason a test gave for skipping, once.
    reasons = sorted({re.sub(r"^.*?(skipped)", r"\1", l).strip()
                      for l in text.splitlines() if re.search(r"\bskipped\b", l)})
    problems += [f"a test passed without running: {reason}" for reason in reasons]
else:
    name = os.path.basename(words[0]).removesuffix(".sh")
    line = f"{name} {'ok' if status == 0 else 'FAILED'} ({seconds} s)"
print(line)
for problem in problems:
    print(f"{command}: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
}

[ "$(id -u)" = 0 ] || { say "needs root (debootstrap, and podman's storage)"; exit 2; }
started=$SECONDS
mkdir -p "$cache" "$logs"
rm -f "$logs/summary.txt"
need_tools
make_base

# HEAD, cloned: what is committed, with no target/ and no file of this checkout.
scratch=$(mktemp -d)
head=$(git rev-parse HEAD)
git clone -q "$repo" "$scratch/repo"
git -C "$scratch/repo" checkout -q --detach "$head"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
    say "checking HEAD ($head): the changes not committed are not in it"
build_image "$scratch/repo"

mkdir -p "$scratch/check"
driver_script >"$scratch/check/driver.sh"
quick_start_commands "$scratch/repo/README.md" >"$scratch/check/commands"
[ -s "$scratch/check/commands" ] || { say "no sh block after ## Quick start in README.md"; exit 1; }
say "running the README's commands in the container: $(paste -sd';' "$scratch/check/commands")"
run_commands "$scratch/repo" "$scratch/check"

status=0
cp "$scratch/check/seccomp.txt" "$logs/seccomp.txt"
grep -q '^Seccomp:[[:space:]]*2$' "$logs/seccomp.txt" || {
    say "the container ran without a seccomp filter:"
    cat "$logs/seccomp.txt" >&2
    status=1
}
parts=()
i=0
while IFS= read -r command; do
    i=$((i + 1))
    name=$(echo "$command" | tr -c 'a-zA-Z0-9\n' - | sed 's/--*/-/g; s/^-//; s/-$//')
    cp "$scratch/check/command-$i.log" "$logs/$name.log"
    read -r code seconds <"$scratch/check/command-$i.status"
    parts+=("$(summarize "$command" "$logs/$name.log" "$code" "$seconds" \
        2>"$scratch/problems" || true)")
    if [ -s "$scratch/problems" ]; then
        tail -40 "$logs/$name.log" >&2
        cat "$scratch/problems" >&2
        say "$command failed (its log: $logs/$name.log)"
        status=1
    fi
done <"$scratch/check/commands"
summary=$(printf '%s; ' "${parts[@]}")
report "container: ${summary%; }"
report "container: the check took $((SECONDS - started)) s"
exit $status
