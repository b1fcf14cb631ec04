#!/usr/bin/env bash
# Builds the workspace for other architectures and runs its tests there: the
# step tests, common's tests (the security tests among them) and the test
# harness's own.
#
#   scripts/check-arches.sh [--save-transcripts] [ARCH...]
#                                  (default: i386 aarch64 armhf riscv64)
#
# With --save-transcripts it also runs the tour there and keeps its transcripts
# in docs/transcripts/ARCH/, which the transcript tests compare with when they
# run on that architecture.
#
# Everything comes from Debian's package registry: a Debian 13 (trixie) chroot
# holds rustc and cargo 1.85 with the standard library of each architecture,
# its cross gcc, and its libseccomp; Debian's kernels and qemu run the tests.
# i386 binaries run natively on an x86_64 kernel (in the chroot, which has
# i386's libraries); the others run in a qemu VM (TCG emulation) that boots
# Debian's kernel with an initramfs holding the test binaries, at the paths
# they were built at, with the sources they read, busybox and strace.
#
# For each architecture it prints one line, `ARCH: N passed, M failed`, and it
# exits non-zero if any test fails or a test binary does not run to its end.
#
# The chroot, the kernels and the crates are cached in $CHECK_ARCHES_CACHE
# (default /var/cache/seccomp-tutorial/arches), so a second run only builds and
# tests. CHECK_ARCHES_ONLY=NAME runs only the test binaries whose package's
# folder or name holds NAME (`step-4-policy`; `common/tests`, common's
# integration tests; `common/common`, its unit tests; `harness/`, the test
# harness's). Needs root (debootstrap, chroot) and the network to Debian's and the
# crate registry the first time. A run's logs are in $CACHE/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

cache=${CHECK_ARCHES_CACHE:-/var/cache/seccomp-tutorial/arches}
root=$cache/trixie
logs=$cache/logs
save_transcripts=
if [ "${1:-}" = --save-transcripts ]; then
    save_transcripts=1
    shift
fi
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(i386 aarch64 armhf riscv64)

# What each architecture is called by Debian, Rust and gcc, and how qemu boots it.
deb_arch() {
    case $1 in
        i386) echo i386 ;; aarch64) echo arm64 ;; armhf) echo armhf ;; riscv64) echo riscv64 ;;
        *) echo "check-arches: unknown architecture $1 (i386, aarch64, armhf or riscv64)" >&2; exit 2 ;;
    esac
}
rust_target() {
    case $1 in
        i386) echo i686-unknown-linux-gnu ;; aarch64) echo aarch64-unknown-linux-gnu ;;
        armhf) echo armv7-unknown-linux-gnueabihf ;; riscv64) echo riscv64gc-unknown-linux-gnu ;;
    esac
}
gnu_triple() {
    case $1 in
        i386) echo i686-linux-gnu ;; aarch64) echo aarch64-linux-gnu ;;
        armhf) echo arm-linux-gnueabihf ;; riscv64) echo riscv64-linux-gnu ;;
    esac
}
# Where Debian keeps the architecture's libraries (its multiarch tuple).
lib_dir() {
    case $1 in
        i386) echo /usr/lib/i386-linux-gnu ;; *) echo "/usr/lib/$(gnu_triple "$1")" ;;
    esac
}
kernel_package() {
    case $1 in
        aarch64) echo linux-image-arm64 ;; armhf) echo linux-image-armmp-lpae ;;
        riscv64) echo linux-image-riscv64 ;;
    esac
}

say() { printf 'check-arches: %s\n' "$*" >&2; }

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    CARGO_HOME=/root/.cargo DEBIAN_FRONTEND=noninteractive "$@"; }

# The mounts a chroot needs; undone when the script ends.
. scripts/chroot.sh
trap unmount_all EXIT

# ---- The chroot: Debian 13 with the toolchains of every architecture ----
setup_root() {
    if [ -e "$root/.base" ]; then
        return
    fi
    say "setting up a Debian 13 chroot in $root (once; a few minutes)"
    command -v debootstrap >/dev/null || {
        apt-get update -qq
        apt-get install -y -qq debootstrap >/dev/null
    }
    mkdir -p "$cache"
    rm -rf "$root"
    debootstrap --variant=minbase --include=ca-certificates trixie "$root" \
        http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 || {
        tail -20 "$cache/debootstrap.log" >&2
        exit 1
    }
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # This machine's trust store, in case the registries are reached through a
    # proxy that it trusts.
    cp /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/ca-certificates/host.crt"
    mount_root "$root"
    in_root update-ca-certificates >/dev/null 2>&1
    touch "$root/.base"
}

# The packages one architecture needs, installed once.
# The packages of the tools the tests' root file system has, unpacked rather
# than installed: busybox's are not enough for strace, bash, diff and setpriv.
test_tools="strace bash diffutils util-linux"

setup_arch() {
    local arch=$1 deb marker
    deb=$(deb_arch "$arch")
    # The marker names the tools unpacked: a list that changed is unpacked again.
    marker="$root/.ready-$arch-$(echo "$test_tools" | tr ' ' '-')"
    [ -e "$marker" ] && return
    say "$arch: installing the $deb toolchain in the chroot (once)"
    mount_root "$root"
    in_root dpkg --add-architecture "$deb"
    in_root apt-get update -qq
    local packages=(rustc cargo gcc libc6-dev libseccomp-dev pkgconf
        "libstd-rust-dev:$deb" "gcc-$(gnu_triple "$arch")" "libc6-dev:$deb"
        "libseccomp-dev:$deb" "libseccomp2:$deb")
    case $arch in
        i386) ;;
        aarch64 | armhf) packages+=(qemu-system-arm cpio) ;;
        riscv64) packages+=(qemu-system-misc opensbi cpio) ;;
    esac
    in_root apt-get install -y -qq --no-install-recommends "${packages[@]}" \
        >"$cache/apt-$arch.log" 2>&1 || {
        tail -20 "$cache/apt-$arch.log" >&2
        exit 1
    }
    # What the tests' root file system needs, unpacked rather than installed:
    # busybox, strace, bash, diff and setpriv for the architecture, and for a VM the
    # kernel (its maintainer scripts would build an initramfs for this machine).
    local dir=/var/cache/arches/$arch kernel= tools
    tools=$(printf '%s:'"$deb"' ' $test_tools)
    if [ "$arch" != i386 ]; then
        kernel=$(in_root apt-cache depends --no-recommends "$(kernel_package "$arch"):$deb" |
            awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
        kernel=${kernel%:*}:$deb
    fi
    {
        in_root sh -c "rm -rf $dir && mkdir -p $dir/debs $dir/root && cd $dir/debs &&
            apt-get download -qq $kernel busybox-static:$deb $tools \
              \$(apt-cache depends --no-recommends $tools | awk '/Depends: lib/ {print \$2}' |
                 sed 's/:.*//; s/\$/:$deb/' | grep -v '^libc6:' | sort -u) &&
            for deb in *.deb; do dpkg-deb -x \$deb $dir/root; done" \
            >"$cache/download-$arch.log" 2>&1 || {
            tail -20 "$cache/download-$arch.log" >&2
            exit 1
        }
    }
    touch "$marker"
}

# ---- Build: every binary and every test binary, for one architecture ----
build_arch() {
    local arch=$1 target triple
    target=$(rust_target "$arch")
    triple=$(gnu_triple "$arch")
    mount_root "$root"
    # The sources, at the path the tests will find them at: this checkout's
    # files only (a file removed here must not linger from an earlier run).
    rm -rf "$root/build/seccomp-tutorial"
    mkdir -p "$root/build/seccomp-tutorial"
    tar -C "$repo" --exclude=./target --exclude='./docs/*/book' --exclude=./.git -cf - . |
        tar -C "$root/build/seccomp-tutorial" -xf -
    # No debug information, which would make the VMs' initramfs too large
    # (680 MB with line tables everywhere), but the line tables of `common`,
    # kept in the binaries (no strip): `--learn --callers` names the file and
    # line of each caller in the tutorial program, and its tests read them on
    # aarch64. Cargo takes a package's profile from --config, not from the
    # environment.
    local env=(CARGO_TARGET_DIR=/build/target CARGO_PROFILE_DEV_DEBUG=0 CARGO_PROFILE_DEV_STRIP=none
        "CARGO_TARGET_$(echo "$target" | tr a-z- A-Z_)_LINKER=$triple-gcc"
        "PKG_CONFIG_PATH=$(lib_dir "$arch")/pkgconfig" PKG_CONFIG_ALLOW_CROSS=1
        "LIBSECCOMP_LIB_PATH=$(lib_dir "$arch")")
    local common_lines="--config 'profile.dev.package.common.debug=\"line-tables-only\"'"
    # `--workspace --bins` builds the binaries of every package: the steps, and
    # the test harness's tour and probes (filter-probe, filter-calls,
    # width-probe), which the tests find next to the steps (`sibling_binary`),
    # since no cargo runs there to build them.
    say "$arch: building the workspace and its tests for $target"
    in_root sh -c "cd /build/seccomp-tutorial && $(printf '%q ' env "${env[@]}") \
        cargo build -q --workspace --bins --target $target $common_lines &&
        $(printf '%q ' env "${env[@]}") cargo test -q --workspace --no-run --target $target \
        $common_lines --message-format=json" >"$logs/build-$arch.json" 2>"$logs/build-$arch.log" || {
        tail -30 "$logs/build-$arch.log" >&2
        return 1
    }
    # Each test binary, with the directory cargo runs it in (its package's);
    # with CHECK_ARCHES_ONLY=NAME, only the binaries whose PACKAGE/NAME holds NAME.
    python3 - "$logs/build-$arch.json" "${CHECK_ARCHES_ONLY:-}" >"$root/build/tests-$arch.list" <<'EOF'
import json, os, sys
only = sys.argv[2]
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("profile", {}).get("test") \
            and message.get("executable"):
        package = os.path.dirname(message["manifest_path"])
        if only in os.path.basename(package) + "/" + message["target"]["name"]:
            print(message["executable"], package)
EOF
}

# ---- Run: natively for i386, in a VM for the others ----

# The script each test run follows, in the chroot or as the VM's /init: run
# every test binary in its package's directory, and mark its end.
run_tests_script() {
    cat <<'EOF'
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root RUST_BACKTRACE=1
# The ignored tests run too, as CI runs them here, but for those this root file
# system cannot run: the container tests (no runc), the set-user-ID one
# (busybox's id is a link), the test of the book's plot (no Python 3), and the
# test that asks Cargo what each crate ships (no Cargo).
while read -r exe dir; do
    echo "== RUN $exe"
    (cd "$dir" && "$exe" --test-threads=2 --include-ignored --skip container:: \
        --skip a_set_user_id_command --skip the_plots_are_what_the_script_draws \
        --skip layers::no_crate_of_the_workspace_ships) </dev/null 2>&1
    echo "== STATUS $? $exe"
done </build/tests.list
echo "== ALL DONE"
EOF
}

# i386 runs natively, in a chroot of its own root file system: the tests'
# `sh`, `cat` and `strace` are i386 binaries too, as on an i386 system. Its
# environment is the VMs' (nothing of CI's: the root file system has no runc,
# so the container tests skip there, as in a VM).
run_i386() {
    local vm=$root/build/vm-i386 status=0
    make_rootfs i386
    chroot "$vm" /bin/busybox env -i PATH=/usr/bin:/bin HOME=/root /init || status=$?
    for dir in dev/pts dev tmp sys proc; do umount -l "$vm/$dir" 2>/dev/null || true; done
    return $status
}

# Copies file $1 of the chroot, and the shared libraries it needs, into $2
# (the architecture in $ARCH).
copy_with_libraries() {
    local file=$1 dest=$2 triple=$3 lib libs
    libs=$(lib_dir "$ARCH")
    mkdir -p "$dest$(dirname "$file")"
    cp -L "$root$file" "$dest$file"
    for lib in $(in_root "$triple-objdump" -p "$file" 2>/dev/null | awk '/NEEDED/ {print $2}'); do
        local found=
        for dir in $libs /var/cache/arches/$ARCH/root$libs; do
            if [ -e "$root$dir/$lib" ]; then
                found=$dir/$lib
                break
            fi
        done
        [ -n "$found" ] || { say "$file needs $lib, which is not found"; return 1; }
        if [ ! -e "$dest$libs/$lib" ]; then
            mkdir -p "$dest$libs"
            cp -L "$root$found" "$dest$libs/$lib"
            copy_with_libraries "$found" "$dest" "$triple"
        fi
    done
}

# The root file system the tests run in, for a VM's initramfs or a chroot:
# busybox, strace, bash, diff, the test and step binaries with their libraries,
# at the paths they were built at, and the sources they read.
make_rootfs() {
    local arch=$1 triple vm unpacked
    triple=$(gnu_triple "$arch")
    vm=$root/build/vm-$arch
    unpacked=/var/cache/arches/$arch/root
    rm -rf "$vm"
    mkdir -p "$vm"/{bin,proc,sys,dev,tmp,root,etc}
    # busybox, strace and the dynamic loader with what every binary needs.
    cp "$root$unpacked/usr/bin/busybox" "$vm/bin/busybox"
    # The rest of busybox's commands are installed by /init.
    for tool in sh mount; do
        ln -sf busybox "$vm/bin/$tool"
    done
    mkdir -p "$vm/usr/bin"
    for tool in strace bash diff setpriv; do
        ARCH=$arch copy_with_libraries "$unpacked/usr/bin/$tool" "$vm" "$triple"
        mv "$vm$unpacked/usr/bin/$tool" "$vm/usr/bin/$tool"
    done
    ln -s /usr/bin/bash "$vm/bin/bash"
    rm -rf "${vm:?}/var"
    local loader
    loader=$(in_root "$triple-readelf" -l "/build/target/$(rust_target "$arch")/debug/step-1-baseline" |
        sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    mkdir -p "$vm$(dirname "$loader")"
    cp -L "$root$loader" "$vm$loader"
    # The test binaries and every binary of the workspace (the steps, the tour
    # and the probes), at their paths, and the sources.
    mkdir -p "$vm/build"
    cp "$root/build/tests-$arch.list" "$vm/build/tests.list"
    local exe dir
    while read -r exe dir; do
        ARCH=$arch copy_with_libraries "$exe" "$vm" "$triple"
    done <"$root/build/tests-$arch.list"
    for exe in "$root/build/target/$(rust_target "$arch")/debug/"*; do
        [ -f "$exe" ] && [ -x "$exe" ] || continue
        ARCH=$arch copy_with_libraries "${exe#"$root"}" "$vm" "$triple"
    done
    # The system the libraries come from, as the tour's platform.txt names it.
    cp -L "$root/etc/os-release" "$vm/etc/os-release"
    # Podman's and Docker's default profiles, which the tests of step 4's JSON
    # profiles read: one file for every architecture, whose entries each
    # architecture selects.
    local profile
    for profile in /usr/share/containers/seccomp.json \
        /usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json \
        /usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/fixtures/default-old-format.json; do
        if [ -e "$profile" ]; then
            mkdir -p "$vm$(dirname "$profile")"
            cp "$profile" "$vm$profile"
        fi
    done
    mkdir -p "$vm/build/seccomp-tutorial" "$vm/build/target/tmp"
    cp -a "$root/build/seccomp-tutorial/." "$vm/build/seccomp-tutorial/"
    {
        echo '#!/bin/sh'
        echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev'
        echo 'mount -t tmpfs tmp /tmp; mkdir -p /dev/pts; mount -t devpts devpts /dev/pts'
        echo '/bin/busybox --install -s'
        # Under emulation, the generated tests run a quarter of their cases,
        # and every time limit of the tests is ten times as long: a run there
        # takes many times what it takes natively.
        [ "$arch" = i386 ] || echo 'export SAMPLE_PERCENT=25 TIME_SCALE=10'
        run_tests_script
        if [ -n "$save_transcripts" ]; then
            # The tour's transcripts made here, printed between markers for
            # the host to put in docs/transcripts/ARCH/.
            echo "tour=/build/target/$(rust_target "$arch")/debug/tour"
            cat <<'EOF'
rm -rf /tmp/transcripts && mkdir -p /tmp/transcripts
"$tour" --save /tmp/transcripts >/dev/null 2>&1 </dev/null
for file in /tmp/transcripts/*; do
    echo "== FILE ${file##*/}"
    cat "$file"
    echo "== END FILE"
done
EOF
        fi
        echo '[ $$ = 1 ] && poweroff -f'
    } >"$vm/init"
    chmod +x "$vm/init"
}

run_vm() {
    local arch=$1 unpacked=/var/cache/arches/$1/root
    make_rootfs "$arch"
    in_root sh -c "cd /build/vm-$arch && find . | cpio -o -H newc --quiet" >"$root/build/initrd-$arch"
    local kernel_image qemu
    kernel_image=$(ls "$root$unpacked"/boot/vmlinu* | head -1)
    case $arch in
        aarch64) qemu=(qemu-system-aarch64 -M virt -cpu max -append "console=ttyAMA0 quiet panic=-1 rdinit=/init") ;;
        armhf) qemu=(qemu-system-arm -M virt -cpu cortex-a15 -append "console=ttyAMA0 quiet panic=-1 rdinit=/init") ;;
        riscv64) qemu=(qemu-system-riscv64 -M virt -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
            -append "console=ttyS0 quiet panic=-1 rdinit=/init") ;;
    esac
    in_root timeout 3600 "${qemu[@]}" -m 2048 -smp 2 -nographic -no-reboot -nic none \
        -kernel "${kernel_image#"$root"}" -initrd "/build/initrd-$arch"
}

# Sums up one architecture's log: `ARCH: N passed, M failed`; false when a test
# failed or a test binary did not end with status 0.
summarize() {
    local arch=$1 log=$2
    python3 - "$arch" "$log" <<'EOF'
import re, sys
arch, log = sys.argv[1], sys.argv[2]
text = open(log, errors="replace").read().replace("\r", "")
passed = sum(int(n) for n in re.findall(r"test result: \w+\. (\d+) passed", text))
failed = sum(int(n) for n in re.findall(r"test result: \w+\. \d+ passed; (\d+) failed", text))
runs = re.findall(r"^== RUN (\S+)$", text, re.M)
ends = re.findall(r"^== STATUS (\d+) (\S+)$", text, re.M)
bad = [exe for status, exe in ends if status != "0"]
unended = [exe for exe in runs if exe not in {e for _, e in ends}]
complete = "== ALL DONE" in text and runs
print(f"{arch}: {passed} passed, {failed} failed")
for exe in bad:
    print(f"{arch}:   {exe.rsplit('/', 1)[-1]} ended with a non-zero status", file=sys.stderr)
for exe in unended:
    print(f"{arch}:   {exe.rsplit('/', 1)[-1]} did not end", file=sys.stderr)
if not complete:
    print(f"{arch}:   the run did not get to its end (see {log})", file=sys.stderr)
sys.exit(0 if complete and failed == 0 and not bad and not unended else 1)
EOF
}

[ "$(id -u)" = 0 ] || { say "needs root (debootstrap and chroot)"; exit 2; }
for arch in "${arches[@]}"; do deb_arch "$arch" >/dev/null; done
mkdir -p "$cache"
setup_root
mkdir -p "$logs"
status=0
for arch in "${arches[@]}"; do
    setup_arch "$arch"
    started=$SECONDS
    if ! build_arch "$arch"; then
        echo "$arch: 0 passed, 0 failed (the build failed; see $logs/build-$arch.log)"
        status=1
        continue
    fi
    say "$arch: running the tests"
    if [ "$arch" = i386 ]; then
        run_i386 >"$logs/test-$arch.log" 2>&1 || true
    else
        run_vm "$arch" >"$logs/test-$arch.log" 2>&1 || true
    fi
    summarize "$arch" "$logs/test-$arch.log" || status=1
    if [ -n "$save_transcripts" ]; then
        python3 - "$logs/test-$arch.log" "$repo/docs/transcripts/$arch" <<'EOF' || status=1
import os, sys
log, out = sys.argv[1], sys.argv[2]
files, name = {}, None
for line in open(log, errors="replace").read().replace("\r", "").splitlines():
    if name is None and line.startswith("== FILE "):
        name, files[line[8:]] = line[8:], []
    elif name is not None and line == "== END FILE":
        name = None
    elif name is not None:
        files[name].append(line)
if "platform.txt" not in files:
    sys.exit(f"no transcripts in {log}")
os.makedirs(out, exist_ok=True)
for name, lines in files.items():
    with open(os.path.join(out, name), "w") as f:
        f.write("".join(line + "\n" for line in lines))
print(f"saved {len(files)} transcripts in {out}", file=sys.stderr)
EOF
    fi
    say "$arch: done in $((SECONDS - started)) s"
done
exit $status
