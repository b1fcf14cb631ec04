#!/usr/bin/env bash
# Writes the diffs the book shows between consecutive steps' src/main.rs into
# docs/diffs/ (step-1-to-2.diff, ...), so that "each step is the previous one plus
# its lesson" is shown from the sources, never pasted. The book's anchor comments
# (`// ANCHOR: name`) are left out: they mark code for the book, they are not code;
# so are the hunks' line numbers, which would count the lines left out.
#
#   scripts/step-diffs.sh           write the diffs
#   scripts/step-diffs.sh --check   write nothing; fail when a stored diff is stale
set -euo pipefail
cd "$(dirname "$0")/.."

steps=(step-1-baseline step-2-filter step-3-reporting step-4-policy)
out=docs/diffs

check=false
case "${1:-}" in
"") ;;
--check) check=true ;;
-h | --help)
    sed -n '2,9s/^# \{0,1\}//p' "$0"
    exit 0
    ;;
*)
    echo "step-diffs.sh: unknown option '$1' (try --help)" >&2
    exit 2
    ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

without_anchors() {
    grep -v -E '^[[:space:]]*// ANCHOR(_END)?: ' "$1" || true
}

stale=()
for i in 1 2 3; do
    old=${steps[i - 1]}/src/main.rs
    new=${steps[i]}/src/main.rs
    name=step-$i-to-$((i + 1)).diff
    without_anchors "$old" >"$tmp/old"
    without_anchors "$new" >"$tmp/new"
    # diff exits with 1 when the files differ, as consecutive steps do.
    status=0
    diff -u --label "a/$old" --label "b/$new" "$tmp/old" "$tmp/new" >"$tmp/raw" || status=$?
    if [ "$status" -gt 1 ]; then
        echo "step-diffs.sh: diff failed on $old and $new" >&2
        exit 1
    fi
    sed -E 's/^@@ -[0-9,]+ \+[0-9,]+ @@/@@/' "$tmp/raw" >"$tmp/$name"
    if $check; then
        cmp -s "$tmp/$name" "$out/$name" || stale+=("$out/$name")
    else
        mkdir -p "$out"
        cp "$tmp/$name" "$out/$name"
        echo "wrote $out/$name"
    fi
done

if [ "${#stale[@]}" -gt 0 ]; then
    echo "step-diffs.sh: out of date with the steps' main.rs: ${stale[*]}" >&2
    echo "step-diffs.sh: remake them with: scripts/step-diffs.sh" >&2
    exit 1
fi
