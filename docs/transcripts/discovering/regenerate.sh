#!/usr/bin/env bash
# Regenerates the transcripts the chapters "discovering syscalls" and "how
# --learn works" of the book include (and the step 3 chapter's --learn --callers): each file is a command as a learner types it, what it printed
# (stdout and stderr, in the order written) and `$?`. Run it from anywhere;
# it builds the steps first. With a Debian 13 tree at /tmp/trixie (see the
# README's "Trying another glibc") and root, it also runs --learn there, from
# /tmp/trixie/opt/tutorial. The order in which the program and its forked child
# make their syscalls can change from run to run, and so can these files.
set -euo pipefail
top="$(cd "$(dirname "$0")/../../.." && pwd)"
out="$top/docs/transcripts/discovering"
cd "$top"
cargo build -q --workspace --bins
export PATH="$top/target/debug:$PATH"

# transcript FILE COMMAND...: runs COMMAND with the tutorial's input line.
transcript() {
    local file="$1"
    shift
    {
        printf "\$ printf 'hello seccomp\\\\n' | %s\n" "$*"
        set +e
        printf 'hello seccomp\n' | "$@" 2>&1
        local status=$?
        set -e
        printf '$ echo $?\n%s\n' "$status"
    } >"$out/$file"
}

# plain FILE COMMAND...: runs COMMAND without input.
plain() {
    local file="$1"
    shift
    {
        printf '$ %s\n' "$*"
        set +e
        "$@" 2>&1 </dev/null
        local status=$?
        set -e
        printf '$ echo $?\n%s\n' "$status"
    } >"$out/$file"
}

# await COMMAND...: waits, ten seconds at most, until COMMAND succeeds.
await() {
    local tries=1000
    until "$@"; do
        tries=$((tries - 1))
        if [ "$tries" = 0 ]; then
            echo "regenerate.sh: gave up waiting for: $*" >&2
            exit 1
        fi
        sleep 0.01
    done
}

# stopped FILE COMMAND...: runs COMMAND with the tutorial's input line, stops it
# during its one-second sleep, as Ctrl-Z does (with SIGSTOP: the kernel drops
# Ctrl-Z's SIGTSTP in a process group it deems orphaned), and continues it, as
# `fg` does.
stopped() {
    local file="$1"
    shift
    printf "\$ printf 'hello seccomp\\\\n' | %s\n" "$*" >"$out/$file"
    printf 'hello seccomp\n' | "$@" >>"$out/$file" 2>&1 &
    local pid=$!
    await grep -q '^And now we fork' "$out/$file"
    await grep -qs nanosleep "/proc/$pid/wchan"
    kill -STOP "$pid"
    await grep -q '^State:[[:space:]]*T' "/proc/$pid/status"
    kill -CONT "$pid"
    set +e
    wait "$pid"
    local status=$?
    set -e
    printf '$ echo $?\n%s\n' "$status" >>"$out/$file"
}

# The tutorial's loop: run, add every syscall the reporter names, run again.
allow=""
for round in 1 2 3 4 5 6 7 8 9 10; do
    transcript "round-$round.txt" step-3-reporting ${allow:+--allow "$allow"}
    named=$(sed -n 's/^Looks like you also need syscall: \([a-z0-9_]*\)(.*/\1/p' \
        "$out/round-$round.txt" | sort -u | paste -sd, -)
    [ -n "$named" ] || break
    allow="${allow:+$allow,}$named"
done
transcript learn.txt step-3-reporting --learn
# --learn --callers, for the step 3 chapter, which runs the steps through Cargo: the
# report alone (stderr), with the functions under each syscall. Run from the top of
# the repository, so the program's files are shown from there (common/src/...).
{
    printf "\$ printf 'hello seccomp\\\\n' | cargo run -q -p step-3-reporting -- --learn --callers 2>&1 >/dev/null\n"
    set +e
    printf 'hello seccomp\n' | cargo run -q -p step-3-reporting -- --learn --callers 2>&1 >/dev/null
    status=$?
    set -e
    printf '$ echo $?\n%s\n' "$status"
} >"$out/learn-callers.txt"
# The sleep the first round reported, allowed; stopped and continued, the program
# resumes it with restart_syscall.
sleep_syscall=$(sed -n 's/^Looks like you also need syscall: \([a-z0-9_]*\)(.*/\1/p' \
    "$out/round-1.txt")
stopped stopped-sleep.txt step-3-reporting --allow "$sleep_syscall"
plain unknown-name.txt step-3-reporting --allow clone,clock_nanoslep
plain foreign-name.txt step-3-reporting --allow sigreturn --print-filter
plain step-2-pfc.txt step-2-filter --print-filter
plain step-2-bpf.txt step-2-filter --print-filter=bpf
plain step-3-bpf.txt step-3-reporting --print-filter=bpf
plain learn-bpf.txt step-3-reporting --learn --print-filter=bpf
# --learn -- CMD: the filter a command runs under, a command that is not found,
# and ls of the book's folder, in the C locale (another one can make ls load
# its files, and need more).
plain learn-command-bpf.txt step-3-reporting --learn --print-filter=bpf -- ls
plain learn-not-found.txt step-3-reporting --learn -- no-such-command
{
    printf '$ LC_ALL=C step-3-reporting --learn -- ls docs\n'
    set +e
    LC_ALL=C step-3-reporting --learn -- ls docs 2>&1 </dev/null
    status=$?
    set -e
    printf '$ echo $?\n%s\n' "$status"
} >"$out/learn-ls.txt"
# Step 4's --learn against a copy of its policy without the munmap rule, and
# with clone's rule narrowed to the flags SIGCHLD alone (which glibc's fork
# does not match), run in the copy's folder.
lacking="$(mktemp -d)"
trap 'rm -rf "$lacking"' EXIT
sed -e '/^\[\[rule\]\]$/{N;/\nsyscall = "munmap"$/{N;d}}' \
    -e 's/^args = \[{ arg = 0, op = "masked_eq", mask = 0xFEDFFFFF, value = 17 }\]$/args = [{ arg = 0, op = "eq", value = 17 }]/' \
    step-4-policy/policy.toml >"$lacking/lacking.toml"
(cd "$lacking" && transcript learn-policy.txt step-4-policy --learn --policy lacking.toml)
{
    printf "\$ printf 'hello seccomp\\\\n' | strace -f -qq step-1-baseline 2>&1 >/dev/null | sed -n '/^read(0/,\$p'\n"
    printf 'hello seccomp\n' | strace -f -qq step-1-baseline 2>&1 >/dev/null | sed -n '/^read(0/,$p'
} >"$out/strace.txt"

if [ -x /tmp/trixie/bin/sh ] && [ "$(id -u)" = 0 ]; then
    mkdir -p /tmp/trixie/opt/tutorial
    cp target/debug/step-3-reporting /tmp/trixie/opt/tutorial/
    {
        printf "\$ printf 'hello seccomp\\\\n' | chroot /tmp/trixie /opt/tutorial/step-3-reporting --learn\n"
        printf 'hello seccomp\n' | chroot /tmp/trixie /opt/tutorial/step-3-reporting --learn 2>&1
        printf '$ echo $?\n%s\n' "$?"
    } >"$out/learn-debian-13.txt"
fi
