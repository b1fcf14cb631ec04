#!/usr/bin/env python3
"""Draws the overhead bench's results as an SVG bar chart.

`cargo bench -p common --bench overhead` writes its results to
target/overhead.csv; this script turns that file into docs/images/overhead.svg,
the plot in the book's chapter on what a filter costs. It needs nothing but
Python's standard library: the SVG is written by hand.

For every case there are three bars, one per measured syscall, as long as the
median ns per call; a whisker spans the quartiles over the rounds, the label
gives the ratio to no filter, and a dashed line per syscall marks its cost
without a filter.
"""

import argparse
import csv
import math
import os
import sys
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# One colour per syscall, in the order of the bench's columns.
COLOURS = {"getppid": "#8c8c8c", "read": "#2b6cb0", "write": "#dd6b20"}
# The rows the tutorial's steps are about; drawn in bold.
TUTORIAL_ROWS = {"no filter", "allow-all", "step 2", "step 4"}

WIDTH = 900
LEFT = 300  # where the bars start; the case names end just before
RIGHT = 80  # room for the last ratio label
TOP = 112  # title, subtitle and legend
BAR = 10
BAR_GAP = 2
GROUP_GAP = 12
AXIS = 46


def default_csv():
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(target, "overhead.csv")


def read_results(path):
    """The `# key: value` lines and the rows of the bench's CSV."""
    meta, lines = {}, []
    with open(path, newline="", encoding="utf-8") as file:
        for line in file:
            if line.startswith("#"):
                key, _, value = line[1:].partition(":")
                meta[key.strip()] = value.strip()
            else:
                lines.append(line)
    rows = list(csv.DictReader(lines))
    if not rows:
        sys.exit(f"plot-overhead: error: {path} has no results")
    return meta, rows


def nice_step(span, ticks=6):
    """A round tick step (1, 2 or 5 times a power of ten) giving about `ticks` ticks."""
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def plot(meta, rows):
    cases = list(dict.fromkeys(row["case"] for row in rows))
    syscalls = list(dict.fromkeys(row["syscall"] for row in rows))
    by_key = {(row["case"], row["syscall"]): row for row in rows}
    baseline = cases[0]

    top_value = max(float(row["q3_ns"]) for row in rows)
    step = nice_step(top_value)
    x_max = step * math.ceil(top_value * 1.05 / step)
    plot_width = WIDTH - LEFT - RIGHT

    def x(ns):
        return LEFT + plot_width * ns / x_max

    group = len(syscalls) * (BAR + BAR_GAP) - BAR_GAP
    height = TOP + len(cases) * (group + GROUP_GAP) + AXIS
    bottom = height - AXIS + 4

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Verdana, sans-serif" '
        'font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        '<text x="20" y="28" font-size="17" font-weight="bold">'
        "What a seccomp filter costs per syscall</text>",
    ]
    about = ", ".join(
        value
        for value in (
            meta.get("cpus") and f'{meta["cpus"]} CPUs',
            meta.get("cpu"),
            meta.get("kernel"),
            meta.get("libc"),
            meta.get("libseccomp") and f'libseccomp {meta["libseccomp"]}',
            meta.get("date"),
        )
        if value
    )
    out.append(f'<text x="20" y="48" fill="#444">{escape(about)}</text>')
    out.append(
        f'<text x="20" y="66" fill="#444">ns per call, median of {escape(meta.get("rounds", "?"))} '
        "rounds (whiskers: quartiles); labels: ratio to no filter</text>"
    )

    # Legend.
    legend_x = 20
    for name in syscalls:
        colour = COLOURS.get(name, "#555")
        out.append(
            f'<rect x="{legend_x}" y="80" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 17}" y="90.5">{escape(name)}</text>'
        )
        legend_x += 30 + 8 * len(name)
    out.append(
        f'<line x1="{legend_x}" y1="86" x2="{legend_x + 22}" y2="86" stroke="#555" '
        f'stroke-dasharray="4 3"/><text x="{legend_x + 28}" y="90.5">the same syscall '
        "without a filter</text>"
    )

    # A light band behind every other case, under everything else.
    for index in range(1, len(cases), 2):
        band_y = TOP + index * (group + GROUP_GAP) - GROUP_GAP / 2
        out.append(
            f'<rect x="10" y="{band_y}" width="{WIDTH - 20}" '
            f'height="{group + GROUP_GAP}" fill="#f4f4f4"/>'
        )

    # Grid and axis.
    tick = 0.0
    while tick <= x_max + 1e-9:
        tx = x(tick)
        out.append(
            f'<line x1="{tx:.1f}" y1="{TOP - 6}" x2="{tx:.1f}" y2="{bottom}" stroke="#e2e2e2"/>'
            f'<text x="{tx:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#444">'
            f"{tick:g}</text>"
        )
        tick += step
    out.append(
        f'<text x="{LEFT + plot_width / 2}" y="{bottom + 34}" text-anchor="middle" '
        'fill="#444">ns per call</text>'
    )

    # The cost of each syscall without a filter, across every group.
    for name in syscalls:
        row = by_key.get((baseline, name))
        if row is not None:
            bx = x(float(row["ns_per_call"]))
            out.append(
                f'<line x1="{bx:.1f}" y1="{TOP - 6}" x2="{bx:.1f}" y2="{bottom}" '
                f'stroke="{COLOURS.get(name, "#555")}" stroke-dasharray="4 3"/>'
            )
    # The bars, a group per case.
    y = TOP
    for index, case in enumerate(cases):
        weight = ' font-weight="bold"' if case in TUTORIAL_ROWS else ""
        out.append(
            f'<text x="{LEFT - 10}" y="{y + group / 2 + 4}" text-anchor="end"{weight}>'
            f"{escape(case)}</text>"
        )
        for name in syscalls:
            row = by_key.get((case, name))
            if row is not None:
                colour = COLOURS.get(name, "#555")
                median, q1, q3 = (float(row[k]) for k in ("ns_per_call", "q1_ns", "q3_ns"))
                mid = y + BAR / 2
                out.append(
                    f'<rect x="{LEFT}" y="{y}" width="{x(median) - LEFT:.1f}" height="{BAR}" '
                    f'fill="{colour}"/>'
                    f'<line x1="{x(q1):.1f}" y1="{mid}" x2="{x(q3):.1f}" y2="{mid}" stroke="#222"/>'
                    f'<line x1="{x(q1):.1f}" y1="{mid - 3}" x2="{x(q1):.1f}" y2="{mid + 3}" '
                    'stroke="#222"/>'
                    f'<line x1="{x(q3):.1f}" y1="{mid - 3}" x2="{x(q3):.1f}" y2="{mid + 3}" '
                    'stroke="#222"/>'
                    f'<text x="{x(q3) + 5:.1f}" y="{mid + 3.5}" font-size="10" fill="#333" '
                    'stroke="white" stroke-width="3" paint-order="stroke">'
                    f'{float(row["ratio"]):.2f}×</text>'
                )
            y += BAR + BAR_GAP
        y += GROUP_GAP - BAR_GAP

    out.append(
        f'<line x1="{LEFT}" y1="{TOP - 6}" x2="{LEFT}" y2="{bottom}" stroke="#444"/>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(
        description="Draw the overhead bench's CSV (cargo bench -p common --bench overhead) as SVG."
    )
    parser.add_argument(
        "csv", nargs="?", default=default_csv(), help="the bench's CSV [default: %(default)s]"
    )
    parser.add_argument(
        "svg",
        nargs="?",
        default=os.path.join(ROOT, "docs", "images", "overhead.svg"),
        help="the SVG to write [default: %(default)s]",
    )
    args = parser.parse_args()
    try:
        meta, rows = read_results(args.csv)
    except OSError as err:
        sys.exit(f"plot-overhead: error: cannot read {args.csv}: {err.strerror} "
                 "(run `cargo bench -p common --bench overhead` first)")
    svg = plot(meta, rows)
    os.makedirs(os.path.dirname(os.path.abspath(args.svg)), exist_ok=True)
    with open(args.svg, "w", encoding="utf-8") as file:
        file.write(svg)
    print(f"plot-overhead: wrote {args.svg}")


if __name__ == "__main__":
    main()
