#!/usr/bin/env bash
# Proves the README's quick start on fresh machines, as a new learner meets it:
# an ordinary user, who may use sudo, clones the repository and runs the two
# commands of the README's "Quick start" section, one after the other, at the top
# of the clone. Each must exit 0, and the test run must show its results with no
# test failed and no line saying a test skipped.
#
#   scripts/check-first-contact.sh [SYSTEM...]     (default: debian13 debian12)
#
#   debian13  a minimal Debian 13 (trixie) with Debian's own cargo and rustc
#             (1.85), git, sudo and ca-certificates
#   debian12  a minimal Debian 12 (bookworm) with git, sudo, ca-certificates, gcc
#             and libc6-dev, and Rust from rustup: this machine's rustup and its
#             stable toolchain, set up in the user's home as rustup-init does
#             (Debian 12's own cargo, 1.65, is older than the 1.85 the README asks)
#
# Both are made by debootstrap --variant=minbase, with the packages above and
# nothing they only recommend: the fewest packages a learner can have, so that
# whatever the quick start needs and does not install fails here. The user is
# `learner` (uid 1000), with a sudoers.d entry that lets them use sudo without a
# password, as on a laptop. The clone is of the checkout's committed HEAD (changes
# not committed are not in it), from a git bundle of it. The commands are read from
# the clone's README.md, the first sh block after `## Quick start`, so the check
# follows the README when it changes; each runs in `bash -l`, started with nothing
# but HOME, USER, LOGNAME, SHELL, TERM=dumb and login's PATH, and stdin from
# /dev/null, and RUST_TEST_NOCAPTURE=1: libtest hides what a test that passes
# printed, and a test that passed because it skipped would say so there. For
# each system it prints one line, for instance
#
#   debian13: tour ok (87 s); cargo test: 329 passed, 0 failed, 15 ignored (136 s)
#
# and for a command that fails, the last lines of its log and the log's path. It
# exits 1 if any system fails, 2 when not run as root.
#
# Every run starts from a machine on which nothing of the quick start is installed
# yet: each system's base (debootstrap, the packages above, the user) is made once
# and kept as a tarball, and every run unpacks it into a scratch root, removed
# after the run. What is cached, in $CHECK_FIRST_CONTACT_CACHE (default
# /var/cache/seccomp-tutorial/first-contact), is only what makes no run less
# real: the bases (remove SYSTEM/base.tar to make one again), the .deb files apt
# downloads (SYSTEM/apt, mounted on the root's /var/cache/apt/archives) and the
# crates cargo downloads (SYSTEM/cargo-registry, mounted on the user's
# ~/.cargo/registry). The build and the packages installed are never kept. The
# logs of the last run are in $CACHE/logs/SYSTEM/. Needs root (debootstrap,
# chroot), and the network to Debian's mirror and the crate registry; debian12
# needs rustup's stable toolchain on this machine ($RUSTUP_HOME, default
# ~/.rustup, and rustup in $CARGO_HOME/bin, default ~/.cargo/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

# Resolved, as the roots' paths are compared with what /proc says of them.
cache=$(realpath -m "${CHECK_FIRST_CONTACT_CACHE:-/var/cache/seccomp-tutorial/first-contact}")
mirror=http://deb.debian.org/debian
learner=learner
uid=1000
home=/home/$learner
clone=$home/seccomp-tutorial
# What login(1) sets PATH to for a user who is not root (ENV_PATH in Debian's
# /etc/login.defs); /etc/profile sets the same, and the user's ~/.profile adds
# to it.
login_path=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games
host_rustup=${RUSTUP_HOME:-$HOME/.rustup}
host_cargo=${CARGO_HOME:-$HOME/.cargo}
toolchain=stable-$(uname -m)-unknown-linux-gnu
# How long one command of the quick start may take before it counts as hung.
command_timeout=3600

systems=("$@")
[ ${#systems[@]} -gt 0 ] || systems=(debian13 debian12)

say() { printf 'first-contact: %s\n' "$*" >&2; }

codename() {
    case $1 in
        debian13) echo trixie ;;
        debian12) echo bookworm ;;
        *) say "unknown system $1 (debian13 or debian12)"; exit 2 ;;
    esac
}

# The packages each base has on top of debootstrap's minbase.
base_packages() {
    case $1 in
        debian13) echo ca-certificates git sudo cargo rustc ;;
        # What rustup needs of the system: a linker and the C library's files.
        debian12) echo ca-certificates git sudo gcc libc6-dev ;;
    esac
}

# Runs a command as root in ROOT, with a clean environment.
as_root() {
    local root=$1
    shift
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        DEBIAN_FRONTEND=noninteractive "$@"
}

# Runs a shell command line as the learner in ROOT, in a login shell in their
# home, with only what login would give it: nothing of root's environment gets
# in. A command
# still running after $command_timeout s is killed, with what it started.
as_learner() {
    local root=$1
    timeout --kill-after=10 $command_timeout chroot --userspec=$uid:$uid --groups=$uid "$root" \
        /usr/bin/env -i HOME=$home USER=$learner LOGNAME=$learner SHELL=/bin/bash TERM=dumb \
        PATH=$login_path RUST_TEST_NOCAPTURE=1 /bin/bash -l -c "cd && $2" </dev/null
}

# ---- Mounts: what a chroot needs, and the caches; undone when the script ends ----
. scripts/chroot.sh

# What a test or a command left running in a root (a process whose root
# directory is that root) would keep its mounts busy: it is killed, by its id.
kill_processes_in() {
    local root=$1 proc
    for proc in /proc/[0-9]*; do
        if [ "$(readlink "$proc/root" 2>/dev/null)" = "$root" ]; then
            kill -KILL "${proc#/proc/}" 2>/dev/null || true
        fi
    done
}

# Removes a root, and refuses to while anything is still mounted in it: rm would
# go through a bind mount into /dev or a cache.
remove_root() {
    local root=$1
    [ -d "$root" ] || return 0
    kill_processes_in "$root"
    if awk -v root="$root" 'index($5, root "/") == 1 || $5 == root {found = 1}
            END {exit !found}' /proc/self/mountinfo; then
        say "not removing $root: something is still mounted in it"
        return 1
    fi
    rm -rf --one-file-system "$root"
}

scratch_roots=()
cleanup() {
    local root
    for root in "${scratch_roots[@]}"; do kill_processes_in "$root"; done
    unmount_all
    for root in "${scratch_roots[@]}"; do remove_root "$root" || true; done
}

# Gives a root this machine's name resolution and trust store: the registries may
# be reached through a proxy that this machine trusts.
connect_root() {
    local root=$1
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    cp /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/ca-certificates/host.crt"
    as_root "$root" update-ca-certificates >/dev/null 2>&1
}

# ---- The base of a system, made once ----

# Rust from rustup, as rustup-init leaves it in the learner's home: rustup and its
# proxies in ~/.cargo/bin, ~/.cargo/env added to ~/.profile and ~/.bashrc, and the
# stable toolchain, which is this machine's (rustup cannot download one here).
install_rustup() {
    local root=$1 link
    [ -x "$host_cargo/bin/rustup" ] && [ -x "$host_rustup/toolchains/$toolchain/bin/cargo" ] || {
        say "debian12 needs rustup and its $toolchain toolchain on this machine"
        say "(looked for $host_cargo/bin/rustup and $host_rustup/toolchains/$toolchain)"
        return 1
    }
    mkdir -p "$root$home/.cargo/bin" "$root$home/.rustup/toolchains" "$root$home/.rustup/update-hashes"
    cp "$host_cargo/bin/rustup" "$root$home/.cargo/bin/rustup"
    # The proxies: the names in ~/.cargo/bin that are rustup under another name.
    for link in "$host_cargo/bin/"*; do
        if [ -L "$link" ] && [ "$(readlink "$link")" = rustup ]; then
            ln -s rustup "$root$home/.cargo/bin/${link##*/}"
        fi
    done
    cp -a "$host_rustup/toolchains/$toolchain" "$root$home/.rustup/toolchains/"
    if [ -e "$host_rustup/update-hashes/$toolchain" ]; then
        cp "$host_rustup/update-hashes/$toolchain" "$root$home/.rustup/update-hashes/"
    fi
    printf '%s\n' 'version = "12"' "default_toolchain = \"$toolchain\"" 'profile = "default"' \
        '' '[overrides]' >"$root$home/.rustup/settings.toml"
    cat >"$root$home/.cargo/env" <<'EOF'
#!/bin/sh
# rustup shell setup
# affix colons on either side of $PATH to simplify matching
case ":${PATH}:" in
    *:"$HOME/.cargo/bin":*)
        ;;
    *)
        # Prepending path in case a system-installed rustc needs to be overridden
        export PATH="$HOME/.cargo/bin:$PATH"
        ;;
esac
EOF
    echo '. "$HOME/.cargo/env"' >>"$root$home/.profile"
    echo '. "$HOME/.cargo/env"' >>"$root$home/.bashrc"
    chown -R $uid:$uid "$root$home/.cargo" "$root$home/.rustup"
}

make_base() {
    local system=$1 dist build log packages
    dist=$(codename "$system")
    read -ra packages <<<"$(base_packages "$system")"
    build=$cache/$system/build
    log=$cache/$system/base.log
    say "$system: making the base (once; a few minutes)"
    command -v debootstrap >/dev/null || {
        apt-get update -qq
        apt-get install -y -qq debootstrap >/dev/null
    }
    remove_root "$build"
    debootstrap --variant=minbase "$dist" "$build" "$mirror" >"$log" 2>&1 || {
        tail -20 "$log" >&2
        say "$system: debootstrap failed (the whole log: $log)"
        return 1
    }
    # The updates an installed Debian gets, as the installer sets them up.
    printf '%s\n' "deb $mirror $dist main" "deb $mirror $dist-updates main" \
        "deb ${mirror}-security $dist-security main" >"$build/etc/apt/sources.list"
    # The machine's name, known to /etc/hosts as the installer writes it: sudo
    # looks it up and complains when it cannot.
    hostname >"$build/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$(hostname)" >"$build/etc/hosts"
    cp /etc/resolv.conf "$build/etc/resolv.conf"
    scratch_roots+=("$build")
    mount_root "$build"
    mount_bind "$cache/$system/apt" "$build/var/cache/apt/archives"
    {
        as_root "$build" apt-get update &&
            as_root "$build" apt-get install -y --no-install-recommends "${packages[@]}" &&
            as_root "$build" useradd --create-home --uid $uid --user-group --shell /bin/bash $learner
    } >>"$log" 2>&1 || {
        tail -20 "$log" >&2
        say "$system: setting up the base failed (the whole log: $log)"
        return 1
    }
    echo "$learner ALL=(ALL:ALL) NOPASSWD: ALL" >"$build/etc/sudoers.d/$learner"
    chmod 0440 "$build/etc/sudoers.d/$learner"
    as_root "$build" visudo -cq
    if [ "$system" = debian12 ]; then
        install_rustup "$build"
    fi
    # What the learner's login shell finds, said once per run from here.
    as_learner "$build" 'echo "$(cargo --version) at $(command -v cargo), $(rustc --version)"' \
        >"$cache/$system/rust.txt" 2>>"$log" || {
        tail -20 "$log" >&2
        say "$system: the learner's login shell finds no working cargo (the whole log: $log)"
        return 1
    }
    unmount_all
    tar -C "$build" --numeric-owner --xattrs -cpf "$cache/$system/base.tar.part" .
    mv "$cache/$system/base.tar.part" "$cache/$system/base.tar"
    remove_root "$build"
}

# ---- One run ----

# The commands of the README's quick start (quick_start_commands).
. scripts/quick-start.sh

# A command's short name, for the result line and its log's name: `cargo SUB`
# for cargo, otherwise the program's name without .sh (`./tour.sh`: tour).
label() {
    local words
    read -ra words <<<"$1"
    if [ "${words[0]}" = cargo ]; then
        echo "cargo ${words[1]:-}"
    else
        words[0]=${words[0]##*/}
        echo "${words[0]%.sh}"
    fi
}

is_test_run() { [[ $1 == cargo\ test* ]]; }

# Sums a test run's `test result:` lines: prints `RESULTS PASSED FAILED IGNORED`.
test_counts() {
    awk '
        /^test result: / {
            results++
            for (i = 2; i <= NF; i++) {
                if ($i ~ /^passed;?$/) passed += $(i - 1)
                if ($i ~ /^failed;?$/) failed += $(i - 1)
                if ($i ~ /^ignored;?$/) ignored += $(i - 1)
            }
        }
        END { printf "%d %d %d %d\n", results, passed, failed, ignored }
    ' "$1"
}

# The end of a log that shows why a command failed, and where the rest is.
show_failure() {
    local system=$1 log=$2
    say "$system: the last lines of $log:"
    tail -40 "$log" | sed 's/^/    /' >&2
    say "$system: the whole log: $log"
}

# A fresh root for one run, unpacked from the base into $root, with its mounts,
# the caches, and this machine's name resolution and trust store.
fresh_root() {
    local system=$1 present
    root=$(mktemp -d "$cache/$system/root.XXXXXX")
    scratch_roots+=("$root")
    tar -C "$root" --numeric-owner --xattrs -xpf "$cache/$system/base.tar"
    mount_root "$root"
    mount_bind "$cache/$system/apt" "$root/var/cache/apt/archives"
    mkdir -p "$cache/$system/cargo-registry" "$root$home/.cargo"
    chown $uid:$uid "$cache/$system/cargo-registry" "$root$home/.cargo"
    mount_bind "$cache/$system/cargo-registry" "$root$home/.cargo/registry"
    connect_root "$root"
    # The check means nothing on a machine that already has what the quick start
    # installs. (dpkg-query fails for a package it does not even know of.)
    present=$({ as_root "$root" dpkg-query -W -f '${db:Status-Status} ${Package}\n' \
        libseccomp-dev strace python3 pkgconf 2>/dev/null || true; } |
        awk '$1 == "installed" {print $2}')
    if [ -n "$present" ]; then
        say "$system: the base already has ${present//$'\n'/ }; remove $cache/$system/base.tar"
        return 1
    fi
}

# The learner clones the checkout's committed HEAD, from a bundle of it, into
# ~/seccomp-tutorial, and the quick start's commands are read from the clone.
clone_repository() {
    local system=$1 logs=$2
    git -C "$repo" diff --quiet HEAD 2>/dev/null ||
        say "$system: changes not committed are not in the clone"
    mkdir -p "$root/srv"
    git -C "$repo" bundle create "$root/srv/seccomp-tutorial.bundle" HEAD \
        "$(git -C "$repo" symbolic-ref -q HEAD || echo HEAD)" >/dev/null 2>&1
    as_learner "$root" "git clone /srv/seccomp-tutorial.bundle ${clone##*/}" \
        >"$logs/clone.log" 2>&1 || {
        show_failure "$system" "$logs/clone.log"
        echo "$system: the clone failed"
        return 1
    }
    mapfile -t commands < <(quick_start_commands "$root$clone/README.md")
    if [ ${#commands[@]} -eq 0 ]; then
        echo "$system: README.md has no sh block under '## Quick start'"
        return 1
    fi
}

# Judges the log of a test run: sets $verdict, and fails when a test failed, no
# test result was printed, or a line says a test skipped.
judge_test_run() {
    local system=$1 log=$2 exit_status=$3 results passed failed ignored skipped bad=0
    read -r results passed failed ignored < <(test_counts "$log")
    verdict="$passed passed, $failed failed, $ignored ignored"
    [ "$exit_status" = 0 ] || { verdict+=", exit status $exit_status"; bad=1; }
    [ "$failed" = 0 ] || bad=1
    [ "$results" != 0 ] || { verdict+=", no test result"; bad=1; }
    skipped=$(grep -ciw skipped "$log" || true)
    if [ "$skipped" != 0 ]; then
        verdict+=", $skipped lines say skipped"
        say "$system: the lines of $log that say skipped:"
        grep -iw skipped "$log" | head -20 | sed 's/^/    /' >&2
        bad=1
    fi
    return $bad
}

# Runs the quick start's commands one after the other, each logged, and adds
# each one's result to $summary; fails if any of them fails.
run_quick_start() {
    local system=$1 logs=$2 status=0 tests=0 i cmd name log exit_status took verdict ok
    for i in "${!commands[@]}"; do
        cmd=${commands[$i]}
        name=$(label "$cmd")
        log=$logs/$((i + 1))-${name// /-}.log
        say "$system: running $cmd"
        started=$SECONDS
        exit_status=0
        as_learner "$root" "cd $clone && $cmd" >"$log" 2>&1 || exit_status=$?
        took=$((SECONDS - started))
        say "$system: $cmd: exit status $exit_status after $took s"
        ok=1
        if is_test_run "$cmd"; then
            tests=1
            judge_test_run "$system" "$log" "$exit_status" || ok=
            summary+=("$name: $verdict ($took s)")
        elif [ "$exit_status" = 0 ]; then
            summary+=("$name ok ($took s)")
        else
            ok=
            summary+=("$name failed, exit status $exit_status ($took s)")
        fi
        if [ -z "$ok" ]; then
            [ "$exit_status" != 124 ] || say "$system: $cmd did not end within $command_timeout s"
            show_failure "$system" "$log"
            status=1
        fi
    done
    if [ "$tests" = 0 ]; then
        summary+=("no cargo test in the quick start")
        status=1
    fi
    return $status
}

run_system() {
    local system=$1 logs=$cache/logs/$1 started status=0
    local root commands=() summary=()
    mkdir -p "$cache/$system" "$logs"
    if [ ! -e "$cache/$system/base.tar" ]; then
        started=$SECONDS
        make_base "$system"
        say "$system: base made in $((SECONDS - started)) s"
    fi
    rm -f "$logs"/*.log

    started=$SECONDS
    say "$system: a fresh root from the base"
    fresh_root "$system"
    say "$system: root ready in $((SECONDS - started)) s; $(cat "$cache/$system/rust.txt")"

    started=$SECONDS
    clone_repository "$system" "$logs"
    say "$system: cloned $(git -C "$repo" rev-parse --short HEAD) in $((SECONDS - started)) s;" \
        "the quick start: $(printf '%s; ' "${commands[@]}" | sed 's/; $//')"

    run_quick_start "$system" "$logs" || status=1

    started=$SECONDS
    kill_processes_in "$root"
    unmount_all
    remove_root "$root"
    say "$system: root removed in $((SECONDS - started)) s; logs in $logs"
    echo "$system: $(printf '%s; ' "${summary[@]}" | sed 's/; $//')"
    return $status
}

[ "$(id -u)" = 0 ] || { say "needs root (debootstrap and chroot)"; exit 2; }
for system in "${systems[@]}"; do codename "$system" >/dev/null; done
mkdir -p "$cache"
status=0
for system in "${systems[@]}"; do
    started=$SECONDS
    # Each system in a subshell of its own, where set -e holds (it does not in
    # a function whose status is tested) and which undoes its mounts and removes
    # its scratch root when it ends, however it ends.
    set +e
    (
        set -e
        trap cleanup EXIT
        run_system "$system"
    )
    result=$?
    set -e
    [ "$result" = 0 ] || status=1
    say "$system: done in $((SECONDS - started)) s"
done
exit $status
