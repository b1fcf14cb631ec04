#!/usr/bin/env bash
# What the checks of the README's quick start share (check-first-contact.sh,
# check-container-image.sh): the commands they run, read from the README as a
# learner copies them. Sourced, not run.
#
# quick_start_commands README
#   Prints the commands of the first sh block after README's `## Quick start`,
#   within that section, one a line, without comments and blank lines.

quick_start_commands() {
    awk '
        /^## / { section = ($0 == "## Quick start"); next }
        section && !block && /^```sh[[:space:]]*$/ { block = 1; next }
        block && /^```/ { exit }
        block && NF && $1 !~ /^#/ { print }
    ' "$1"
}
