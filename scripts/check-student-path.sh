#!/usr/bin/env bash
# Plays one participant of the workshop (docs/en/src/workshop.md) who does every
# exercise of the guide, in order, in one shell, as the guide says:
#
#   scripts/check-student-path.sh
#
# check-exercises.sh proves each exercise on its own, each from a fresh copy of the
# repository. A participant does them one after the other, in one terminal: what an
# exercise leaves behind (an edited step, a file, a shell variable) is there for the
# next one, unless the guide says to put the repository back. This script is that
# participant: one bash process, the session, is fed the guide's marked blocks (read as
# scripts/workshop-guide.sh says) in order, as a participant pastes them, and keeps its
# variables and its working directory from one block to the next. For each exercise
#
#   1. the commands it shows to try run first, whatever their status (a step that dies
#      is part of the lesson); then its check must fail: the exercise is not done yet,
#      whatever the exercises before it left, and whatever those commands set;
#   2. after its solution's commands, which must all succeed, its check must pass and
#      print `done` last;
#   3. as root, where dmesg can read the kernel's log, its root block must pass;
#   4. if the exercise shows the commands that put the repository back after its
#      solution, they run, and must succeed. Nothing else puts anything back: the
#      next exercise starts from what this one left.
#
# At the end of the session, as the guide says, the commands of "Checks and solutions"
# put the repository back once more: the copy must then be as it was, with no file
# changed or left behind.
#
# It prints one line per exercise, with the time its blocks took (the commands only:
# a participant also reads, thinks and types), and the totals; on a failure, the
# output of the block that failed, and it exits with status 1. The session's whole
# transcript, each block's commands before their output, is in
# target/check-student-path/session.log. The copy, made as check-exercises.sh makes its
# own, is in target/check-student-path/repo; its target/ is kept from one run to the
# next.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
guide="$top/docs/en/src/workshop.md"
work="$top/target/check-student-path"
copy="$work/repo"
blocks="$work/blocks"
transcript="$work/session.log"
commands="$work/commands"
statuses="$work/statuses"
# The longest a block may take, in seconds: a first build of a step takes less than a
# minute.
block_timeout=600

# shellcheck source=scripts/workshop-guide.sh
. "$top/scripts/workshop-guide.sh"

say() { printf 'check-student-path: %s\n' "$*"; }
# Milliseconds since the epoch (bash 5's EPOCHREALTIME; its decimal point follows the
# locale).
now() {
    local time=${EPOCHREALTIME//[.,]/}
    echo $((time / 1000))
}
# The time since $1 (from now), in seconds with one decimal.
since() {
    local spent=$(($(now) - $1))
    printf '%d.%d s' $((spent / 1000)) $((spent % 1000 / 100))
}

workshop_blocks "$guide" "$blocks" || exit 1
exercises=()
while read -r id _; do
    for kind in check solution; do
        [ -s "$blocks/$kind-$id.sh" ] || { say "exercise $id has no $kind block"; exit 1; }
    done
    exercises+=("$id")
done <"$blocks/exercises"
workshop_platform_warning "$top"

start=$(now)
say "building the copy in $copy"
workshop_copy "$top" "$copy"
cd "$copy"
unset CARGO_TARGET_DIR
say "copy ready ($(since "$start"))"

# ---- The session ----
# The session reads its commands from one named pipe, and writes the status of each
# block to another. This script holds both open for reading and writing, so that
# neither open waits for the other side; the session does not inherit them.
rm -f "$commands" "$statuses"
mkfifo "$commands" "$statuses"
exec 4<>"$commands" 5<>"$statuses"
: >"$transcript"
bash --noprofile --norc <"$commands" >>"$transcript" 2>&1 4<&- 5<&- &
session=$!
end_session() {
    if kill -0 "$session" 2>/dev/null; then
        kill "$session" 2>/dev/null || true
    fi
    rm -f "$commands" "$statuses"
}
trap end_session EXIT

# `sudo` as a plain call where root has none, as check-exercises.sh does.
cat >&4 <<'PRELUDE'
if [ "$(id -u)" = 0 ] && ! command -v sudo >/dev/null; then sudo() { "$@"; }; fi
PRELUDE

# run_in_session WHAT FILE [all]
#   Feeds the session the commands of FILE, WHAT naming them in the transcript, then a
#   line that reports their status, and waits for it. Sets $status to the status of
#   their last command and $output to what they printed. With `all`, $status is also
#   not 0 when any of them failed, as `set -e` would have it (the session cannot
#   `set -e`: a failing check would end it): an ERR trap counts the failures.
run_in_session() {
    local what="$1" file="$2" all="${3:-}" failures waited=0 from
    {
        printf '\n#### %s\n' "$what"
        sed 's/^/$ /' "$file"
    } >>"$transcript"
    from=$(($(wc -c <"$transcript") + 1))
    if [ -n "$all" ]; then
        printf '%s\n' "__failures=0; trap '__failures=\$((__failures + 1))' ERR" >&4
    fi
    cat "$file" >&4
    printf '\n%s\n' "printf '%s %s\\n' \"\$?\" \"\${__failures:-0}\" >'$statuses'; trap - ERR" >&4
    # A read that times out keeps what it read of the line so far (the
    # timeout can fall between two of its bytes): the line is put together
    # from the pieces before it is split.
    local line="" part=""
    until IFS= read -r -t 1 part <&5; do
        line+="$part"
        if ! kill -0 "$session" 2>/dev/null; then
            say "the session ended during $what"
            exit 1
        fi
        waited=$((waited + 1))
        if [ "$waited" -ge "$block_timeout" ]; then
            say "$what did not end in $block_timeout s"
            exit 1
        fi
    done
    line+="$part"
    read -r status failures <<<"$line"
    if [ -n "$all" ] && [ "$status" = 0 ] && [ "$failures" != 0 ]; then
        status="$failures failed"
    fi
    output=$(tail -c "+$from" "$transcript")
}
can_read_kernel_log() { [ "$(id -u)" = 0 ] && dmesg >/dev/null 2>&1; }

failures=()
fail() {
    say "FAIL exercise $1: $2"
    failures+=("$1: $2")
    printf '%s\n' "$output" | sed 's/^/    | /'
}

core_time=0
optional_time=0
begin_session=$(now)
for id in "${exercises[@]}"; do
    title=$(sed -n "s/^$id //p" "$blocks/exercises")
    begin=$(now)
    failed=${#failures[@]}
    did="not done, then done"

    # 1. The commands the exercise shows, then not done yet: the check must fail.
    for try in "$blocks/try-$id-"*.sh; do
        [ -e "$try" ] || continue
        run_in_session "exercise $id: what it shows to try ($(basename "$try" .sh))" "$try"
    done
    run_in_session "exercise $id: its check, before it is done" "$blocks/check-$id.sh"
    if [ "$status" = 0 ]; then
        fail "$id" "its check passes before the exercise is done, after the exercises before it and what it shows to try"
    fi

    # 2. Done: the solution, then the check.
    run_in_session "exercise $id: its solution" "$blocks/solution-$id.sh" all
    if [ "$status" != 0 ]; then
        fail "$id" "its solution's commands fail ($status)"
    else
        run_in_session "exercise $id: its check, once done" "$blocks/check-$id.sh"
        if [ "$status" != 0 ]; then
            fail "$id" "its check fails after its solution (status $status)"
        elif [ "$(printf '%s\n' "$output" | tail -n 1)" != done ]; then
            fail "$id" "its check passes after its solution but does not print done last"
        fi
    fi

    # 3. What needs root, where the kernel's log can be read.
    if [ -e "$blocks/root-$id.sh" ]; then
        if can_read_kernel_log; then
            # The kernel logs at most a few seccomp lines a second, and the checks
            # before killed steps, each logged: wait for a window of its own, and
            # try a second time, as other processes' kills can use it up.
            for attempt in 1 2; do
                sleep 5
                run_in_session "exercise $id: as root (try $attempt)" "$blocks/root-$id.sh" all
                [ "$status" != 0 ] || break
            done
            if [ "$status" != 0 ]; then
                fail "$id" "its root block fails after its solution ($status)"
            else
                did="$did, and as root"
            fi
        else
            say "exercise $id: its root block needs root and a readable kernel log; not run"
        fi
    fi

    # 4. The repository put back, where the exercise says so.
    if [ -e "$blocks/restore-$id.sh" ]; then
        run_in_session "exercise $id: the repository put back" "$blocks/restore-$id.sh" all
        if [ "$status" != 0 ]; then
            fail "$id" "the commands that put the repository back fail ($status)"
        else
            did="$did, then put back"
        fi
    fi

    spent=$(($(now) - begin))
    case "$title" in
        *"(optional)"*) optional_time=$((optional_time + spent)) ;;
        *) core_time=$((core_time + spent)) ;;
    esac
    if [ "${#failures[@]}" = "$failed" ]; then
        say "exercise $id ($title): $did ($(since "$begin"))"
    fi
done

# ---- The end of the session ----
begin=$(now)
run_in_session "the end of the session: the repository put back" "$blocks/restore.sh" all
if [ "$status" != 0 ]; then
    fail end "the commands that put the repository back fail at the end ($status)"
else
    left=$(git status --porcelain --untracked-files=all | tr '\n' ' ')
    if [ -n "$left" ]; then
        output=""
        fail end "the repository is not as it was at the end of the session: $left"
    else
        say "end of the session: the repository is as it was ($(since "$begin"))"
    fi
fi
printf 'exit\n' >&4
wait "$session" || true

seconds() { printf '%d.%d s' $(($1 / 1000)) $(($1 % 1000 / 100)); }
if [ ${#failures[@]} -gt 0 ]; then
    say "${#failures[@]} failure(s), the session's transcript in $transcript:"
    printf '  %s\n' "${failures[@]}"
    exit 1
fi
say "one participant, ${#exercises[@]} exercises in order in one shell: $(since "$begin_session") of commands" \
    "($(seconds "$core_time") for the exercises of the plan, $(seconds "$optional_time") for the optional ones);" \
    "$(since "$start") with the copy's build"
