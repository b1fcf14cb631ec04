#!/usr/bin/env bash
# Builds the book in both languages (docs/en, docs/zh) with mdBook 0.5, installing
# it with Cargo first when it is missing (compiling it takes about 10 minutes on 2
# cores, once), and fails when mdBook reports any warning or
# error: mdBook exits 0 after many of them (an include it cannot read, an
# unclosed HTML tag), and a book that says nothing where code should be is broken.
# It also checks that each book serves the shared pictures of docs/images. mdBook
# does not check links: `cargo test -p common --test tests book::` does.
set -euo pipefail
cd "$(dirname "$0")/.."

# The theme (docs/theme/head.hbs) is written for mdBook 0.5: its scripts find
# mdBook's search bar and buttons by the names 0.5 gives them.
MDBOOK_VERSION=0.5.4
fits() { "$1" --version 2>/dev/null | grep -Eq '^mdbook v?0\.5\.'; }
mdbook=$(command -v mdbook || true)
if [ -n "$mdbook" ] && ! fits "$mdbook"; then
    echo "build-book.sh: $mdbook is $("$mdbook" --version 2>&1), not mdBook 0.5, which" \
        "docs/theme needs: using Cargo's" >&2
    mdbook=""
fi
if [ -z "$mdbook" ]; then
    mdbook="${CARGO_HOME:-$HOME/.cargo}/bin/mdbook"
    if ! fits "$mdbook"; then
        cat >&2 <<EOF
Installing mdBook $MDBOOK_VERSION with cargo install: Cargo compiles it from source, once.
That takes about 10 minutes on a machine with 2 cores (9 min 23 s measured), less with
more cores; later runs use $mdbook at once. To skip the wait, put a prebuilt mdBook 0.5
on PATH instead: the mdBook project publishes Linux binaries with each release (Debian 12
has no mdbook package). To have the wait behind you before you need the book, run
\`cargo install --locked mdbook@$MDBOOK_VERSION\` once ahead of time.
EOF
        cargo install mdbook --locked --version "$MDBOOK_VERSION"
    fi
fi

status=0
for book in docs/en docs/zh; do
    if ! log=$("$mdbook" build "$book" 2>&1); then
        printf '%s\n' "$log" >&2
        echo "build-book.sh: mdbook build $book failed" >&2
        exit 1
    fi
    problems=0
    if grep -E '\b(WARN|ERROR)\b' <<<"$log" >&2; then
        echo "build-book.sh: mdbook reported the problems above while building $book" >&2
        problems=1
    fi
    for image in docs/images/*.svg; do
        if [ ! -f "$book/book/images/${image##*/}" ]; then
            echo "build-book.sh: $book/book lacks images/${image##*/}" >&2
            problems=1
        fi
    done
    if [ "$problems" -eq 0 ]; then
        echo "built $book/book/index.html"
    else
        status=1
    fi
done
exit "$status"
