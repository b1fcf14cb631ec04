#!/usr/bin/env bash
# Proves that every exercise of the workshop guide (docs/en/src/workshop.md) has a
# check that tells done from not done, and that its solution does it:
#
#   scripts/check-exercises.sh [N.M...]     (default: every exercise, in order)
#
# The guide marks its blocks of commands with HTML comments, which the book does not
# show (scripts/workshop-guide.sh, which reads them, says how): each exercise's check,
# its solution, the commands that need root, the commands that put the repository back,
# and, hidden, commands that do the exercise wrong or halfway (a prediction that is off,
# a copy not yet edited). This script runs those very blocks, so the guide cannot say
# one thing and the script test another. For each exercise, in a copy of the
# repository as the guide expects it (every step built, as ./tour.sh leaves it), it
#
#   1. runs the check: it must fail (exit status not 0), as the exercise is not done;
#      then, for each not-done block, that block and the check: the check must fail;
#   2. runs the solution's commands, then the check in the same shell (exercise 3.2's
#      check reads the shell variable its solution sets): it must pass, and print
#      `done` last;
#   3. as root, where dmesg can read the kernel's log, runs the exercise's root block
#      after that: it must pass too;
#   4. runs the guide's restore commands (the exercise's own, where it shows them): the
#      copy must be as before, its tracked files unchanged and the files the exercise
#      made (answer-N.M.txt, step-1.txt, policy copies) gone, and its binaries rebuilt
#      from it (`cargo build` then finds nothing to do).
#
# Each exercise starts here from a fresh copy; scripts/check-student-path.sh plays one
# participant who does them all, one after the other, in one shell.
#
# It prints one line per exercise and exits with status 1 naming each exercise whose
# check does not tell done from not done, or whose solution or restore fails.
#
# The copy is made of the files git tracks, as they are in the working tree (changes
# not yet committed included), in target/check-exercises/repo, where it is a git
# repository of its own for the guide's `git apply`, `git diff` and `git checkout`. Its
# target/ directory is kept from one run to the next, so only the first run builds the
# dependencies. The solutions give the syscalls of the platform the book's transcripts
# were made on (docs/transcripts/platform.txt); elsewhere some of them fail, and the
# script says so first. The Chinese guide (docs/zh/src/workshop.md) holds the same
# blocks, which common/tests/book.rs checks.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
guide="$top/docs/en/src/workshop.md"
work="$top/target/check-exercises"
copy="$work/repo"
blocks="$work/blocks"

# shellcheck source=scripts/workshop-guide.sh
. "$top/scripts/workshop-guide.sh"

say() { printf 'check-exercises: %s\n' "$*"; }
seconds() { date +%s; }

# ---- The guide's blocks ----
workshop_blocks "$guide" "$blocks" || exit 1

exercises=()
while read -r id title; do
    for kind in check solution; do
        [ -s "$blocks/$kind-$id.sh" ] || { say "exercise $id has no $kind block"; exit 1; }
    done
    if [ $# -eq 0 ] || [[ " $* " == *" $id "* ]]; then
        exercises+=("$id")
    fi
done <"$blocks/exercises"
[ ${#exercises[@]} -gt 0 ] || { say "no exercise named $* in the guide"; exit 2; }

# ---- The platform ----
workshop_platform_warning "$top"

# ---- The copy ----
start=$(seconds)
say "building the copy in $copy"
workshop_copy "$top" "$copy"
cd "$copy"
unset CARGO_TARGET_DIR
say "copy ready ($(($(seconds) - start)) s)"

# The shell each block runs in: no profile, strict about nothing (a check's status is
# its last command's), and `sudo` as a plain call where root has none.
prelude="$work/prelude.sh"
cat >"$prelude" <<'PRELUDE'
if [ "$(id -u)" = 0 ] && ! command -v sudo >/dev/null; then sudo() { "$@"; }; fi
PRELUDE
can_read_kernel_log() { [ "$(id -u)" = 0 ] && dmesg >/dev/null 2>&1; }

failures=()
failed=0
fail() {
    say "FAIL exercise $1: $2"
    failures+=("$1: $2")
    failed=1
    if [ -n "${3:-}" ] && [ -s "$3" ]; then
        sed 's/^/    | /' "$3"
    fi
}
# The shell of one run: the prelude, then the given blocks, sourced in order; for the
# solution, `set -e`, so that a solution whose command fails is not taken for done.
run_blocks() {
    bash --noprofile --norc -c "$1" bash "$prelude" "${@:2}"
}

for id in "${exercises[@]}"; do
    title=$(sed -n "s/^$id //p" "$blocks/exercises")
    begin=$(seconds)
    failed=0
    log="$work/$id"
    check="$blocks/check-$id.sh"
    solution="$blocks/solution-$id.sh"
    root="$blocks/root-$id.sh"

    # 1. Not done yet: the check must fail.
    before=0
    run_blocks '. "$1"; . "$2"' "$check" >"$log.before" 2>&1 </dev/null || before=$?
    if [ "$before" = 0 ]; then
        fail "$id" "its check passes before the exercise is done" "$log.before"
    fi
    for wrong in "$blocks/not-done-$id-"*.sh; do
        [ -e "$wrong" ] || continue
        rm -f "$log.applied"
        status=0
        run_blocks '. "$1"; set -e; . "$2"; set +e; : >"$3"; . "$4"' \
            "$wrong" "$log.applied" "$check" >"$log.wrong" 2>&1 </dev/null || status=$?
        if [ ! -e "$log.applied" ]; then
            fail "$id" "the commands of $(basename "$wrong") fail" "$log.wrong"
        elif [ "$status" = 0 ]; then
            fail "$id" "its check passes after $(basename "$wrong"), which does it wrong" "$log.wrong"
        fi
        git checkout -q -- . && git clean -fdxq -e /target
    done

    # 2. Done: the solution, then the check, in one shell.
    rm -f "$log.applied"
    after=0
    run_blocks '. "$1"; set -e; . "$2"; set +e; : >"$3"; . "$4"' \
        "$solution" "$log.applied" "$check" >"$log.after" 2>&1 </dev/null || after=$?
    if [ ! -e "$log.applied" ]; then
        fail "$id" "its solution's commands fail" "$log.after"
    elif [ "$after" != 0 ]; then
        fail "$id" "its check fails after its solution (status $after)" "$log.after"
    elif [ "$(tail -n 1 "$log.after")" != done ]; then
        fail "$id" "its check passes after its solution but does not print done last" "$log.after"
    fi

    # 3. What needs root, after the solution, where the kernel's log can be read.
    if [ -e "$root" ]; then
        if can_read_kernel_log; then
            # The kernel prints at most 10 audit lines in 5 seconds; the checks above
            # killed steps, each logged: wait for a window of its own. Other
            # processes' kills can use up that window: a second try then.
            for attempt in 1 2; do
                git checkout -q -- . && git clean -fdxq -e /target
                sleep 5
                status=0
                run_blocks '. "$1"; set -e; . "$2"; set +e; . "$3"' \
                    "$solution" "$root" >"$log.root" 2>&1 </dev/null || status=$?
                [ "$status" != 0 ] || break
            done
            if [ "$status" != 0 ]; then
                fail "$id" "its root block fails after its solution (status $status)" "$log.root"
            fi
        else
            say "exercise $id: its root block needs root and a readable kernel log; not run"
        fi
    fi

    # 4. Back to the start: the guide's restore commands, then nothing left to build.
    restore="$blocks/restore-$id.sh"
    [ -e "$restore" ] || restore="$blocks/restore.sh"
    restored=0
    run_blocks '. "$1"; set -e; . "$2"' "$restore" >"$log.restore" 2>&1 </dev/null ||
        restored=$?
    changed=$(git status --porcelain --untracked-files=all | tr '\n' ' ')
    if [ "$restored" != 0 ]; then
        fail "$id" "the guide's restore commands fail (status $restored)" "$log.restore"
    elif [ -n "$changed" ]; then
        fail "$id" "the guide's restore commands leave changed or new files: $changed"
    elif cargo build --workspace --bins --message-format=json 2>/dev/null >"$log.build" &&
        grep -q '"fresh":false' "$log.build"; then
        fail "$id" "the guide's restore commands leave binaries built from the exercise's changes"
    fi
    git checkout -q -- . && git clean -fdxq -e /target
    if [ "$failed" = 0 ]; then
        say "exercise $id ($title): fails before, passes after, restored ($(($(seconds) - begin)) s)"
    fi
done

if [ ${#failures[@]} -gt 0 ]; then
    say "${#failures[@]} failure(s):"
    printf '  %s\n' "${failures[@]}"
    exit 1
fi
say "exercises checked: ${#exercises[@]}, in $(($(seconds) - start)) s"
