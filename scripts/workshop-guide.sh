# What the scripts that run the workshop guide's exercises share (check-exercises.sh,
# check-student-path.sh): reading the guide's marked blocks, and the copy of the
# repository they run in. Sourced, not run.
#
# The guide (docs/en/src/workshop.md) marks its blocks of commands with HTML comments,
# which the book does not show, each followed by a ```sh block: `<!-- check N.M -->`
# before the check of exercise N.M, `<!-- solution N.M -->` before the commands of its
# folded solution, `<!-- root N.M -->` before commands that need root,
# `<!-- restore -->` before the commands of "Checks and solutions" that put the
# repository back, and `<!-- restore N.M -->` before the same commands where exercise
# N.M, which edits a step, shows them after its solution. Hidden in a comment of its
# own, `<!-- not-done N.M: ...` up to a line `-->` holds commands that do the exercise
# wrong, or halfway: a prediction that is off, a copy not yet edited. The ```sh blocks
# of an exercise that no marker names are the commands it shows a participant to try
# (run the step, look at its syscalls, set a variable).
#
# workshop_blocks GUIDE DIR
#   Writes each marked block of GUIDE to DIR/KIND-N.M.sh (DIR/not-done-N.M-I.sh for the
#   hidden ones, DIR/restore.sh for the restore block of "Checks and solutions"), each
#   block of an exercise that no marker names to DIR/try-N.M-I.sh, and
#   the exercises, in order, to DIR/exercises ("N.M title"). Fails, with a message,
#   when a marker is not followed by a ```sh block or sits in another exercise's
#   section, when there is no restore block, or when an exercise's restore block is
#   not the one of "Checks and solutions".
#
# workshop_platform_warning TOP
#   Says so when this machine is not the platform the book's transcripts were made on
#   (TOP/docs/transcripts/platform.txt), whose syscalls the solutions give.
#
# workshop_copy TOP COPY
#   Makes COPY a copy of the files git tracks in TOP, as they are in the working tree
#   (changes not yet committed included), and a git repository of its own, for the
#   guide's `git apply`, `git diff` and `git checkout`; then builds every step in it,
#   as ./tour.sh leaves a participant's repository. COPY/target is kept from one run to
#   the next, so only the first run builds the dependencies.

workshop_name() { basename "$0" .sh; }

workshop_blocks() {
    local guide="$1" dir="$2" restore
    rm -rf "$dir"
    mkdir -p "$dir"
    awk -v dir="$dir" -v name="$(workshop_name)" '
        function fail(message) { printf "%s: %s, line %d: %s\n", name, FILENAME, FNR, message > "/dev/stderr"; bad = 1 }
        /^### / {
            section = ""
            if (match($0, /[0-9]+\.[0-9]+/)) {
                section = substr($0, RSTART, RLENGTH)
                title = substr($0, RSTART + RLENGTH)
                sub(/^[: ]*/, "", title)
                gsub(/\*/, "", title)
                print section " " title > (dir "/exercises")
            }
        }
        # A hidden block, `<!-- not-done N.M: what it leaves undone`, its commands, then
        # `-->`: a way of getting the exercise wrong, which its check must not pass.
        inside_hidden {
            if ($0 == "-->") { inside_hidden = 0; close(file); next }
            print > file
            next
        }
        /^<!-- not-done / {
            split($0, word, " ")
            id = word[3]
            sub(/:$/, "", id)
            if (id != section)
                fail("the not-done block of exercise " id " is in the section of exercise " section)
            file = dir "/not-done-" id "-" (++wrong[id]) ".sh"
            printf "" > file
            inside_hidden = 1
            next
        }
        /^<!-- / && / -->$/ {
            split($0, word, " ")
            if (word[2] == "restore" && word[3] == "-->") {
                pending = "restore"
            } else if (word[2] == "check" || word[2] == "solution" || word[2] == "root" || word[2] == "restore") {
                if (word[3] != section)
                    fail("the " word[2] " block of exercise " word[3] " is in the section of exercise " section)
                pending = word[2] "-" word[3]
            }
            next
        }
        # A block that no marker names, in an exercise: commands to try.
        pending == "" && !inside && section != "" && $0 == "```sh" {
            inside = 1
            file = dir "/try-" section "-" (++tries[section]) ".sh"
            printf "" > file
            next
        }
        pending != "" && !inside {
            if ($0 != "```sh") {
                fail("a marker must be followed by a ```sh block")
                pending = ""
                next
            }
            inside = 1
            file = dir "/" pending ".sh"
            if (file in seen) fail("a second " pending " block")
            seen[file] = 1
            printf "" > file
            next
        }
        inside {
            if ($0 == "```") { inside = 0; pending = ""; close(file); next }
            print > file
        }
        END { exit bad }
    ' "$guide" || return 1
    [ -s "$dir/restore.sh" ] || {
        printf '%s: %s has no restore block\n' "$(workshop_name)" "$guide" >&2
        return 1
    }
    # One way to put the repository back: where an exercise shows the commands, they
    # are those of "Checks and solutions".
    for restore in "$dir"/restore-*.sh; do
        [ -e "$restore" ] || continue
        cmp -s "$restore" "$dir/restore.sh" || {
            printf '%s: the restore block of exercise %s is not the one of Checks and solutions\n' \
                "$(workshop_name)" "$(basename "$restore" .sh | sed 's/^restore-//')" >&2
            return 1
        }
    done
}

workshop_platform_warning() {
    local platform="$1/docs/transcripts/platform.txt" here there
    here="$(uname -m) with glibc $(getconf GNU_LIBC_VERSION 2>/dev/null | sed 's/^glibc //')"
    there="$(sed -n 's/^architecture: //p' "$platform") with $(sed -n 's/^c library: //p' "$platform")"
    if [ "$here" != "$there" ]; then
        printf '%s: warning: this is %s; the solutions give the syscalls of %s, so some may fail here\n' \
            "$(workshop_name)" "$here" "$there"
    fi
}

workshop_copy() {
    local top="$1" copy="$2"
    mkdir -p "$copy"
    find "$copy" -mindepth 1 -maxdepth 1 ! -name target -exec rm -rf {} +
    # Extracted with the time of extraction (-m), newer than anything in the copy's
    # target/, so Cargo rebuilds the workspace's crates from these sources.
    (cd "$top" && git ls-files -z | tar --null --files-from=- --ignore-failed-read -cf -) |
        tar -xmf - -C "$copy"
    (
        cd "$copy"
        unset CARGO_TARGET_DIR
        git init -q
        git add -A
        git -c user.name="$(workshop_name)" -c user.email="$(workshop_name)@localhost" \
            commit -q -m "The repository as the workshop starts"
        cargo build -q --workspace --bins
    )
}
