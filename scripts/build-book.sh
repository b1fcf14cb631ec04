#!/usr/bin/env bash
# Builds the book in both languages (docs/en, docs/zh) with mdBook, installing
# mdBook first when it is missing, and fails when mdBook reports any warning or
# error: mdBook exits 0 after many of them (an include it cannot read, an
# unclosed HTML tag), and a book that says nothing where code should be is broken.
# It also checks that each book serves the shared pictures of docs/images. mdBook
# does not check links: `cargo test -p common --test tests book::` does.
set -euo pipefail
cd "$(dirname "$0")/.."

MDBOOK_VERSION=0.5.4
mdbook=$(command -v mdbook || true)
if [ -z "$mdbook" ]; then
    mdbook="${CARGO_HOME:-$HOME/.cargo}/bin/mdbook"
    if [ ! -x "$mdbook" ]; then
        echo "Installing mdBook $MDBOOK_VERSION (the first time takes a few minutes)..." >&2
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
