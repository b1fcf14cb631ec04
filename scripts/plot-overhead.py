#!/usr/bin/env python3
"""Draws the overhead bench's results as an SVG bar chart, in English and Chinese.

`cargo bench -p common --bench overhead` writes its results to
target/overhead.csv; this script turns that file into docs/images/overhead-en.svg
and overhead-zh.svg, the plot in the book's chapter on what a filter costs, with
its texts in each book's language: the Chinese plot names the cases as the
Chinese book does (docs/images/overhead-cases-zh.csv). It needs nothing but
Python's standard library: the SVG is written by hand.
common/tests/overhead_docs.rs checks that the SVGs in docs/images are what it
draws from docs/images/overhead.csv.

The plot is as wide as the book's text (750 px), so that a browser shows it at
its own size and its smallest text, the ratio labels, at 12 px.

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

WIDTH = 750  # mdBook's text width: the plot is shown at its own size
LEFT = 215  # where the bars start; the case names end just before
RIGHT = 50  # room for the last ratio label
TOP = 130  # title, two lines about the run, and the legend
BAR = 12
BAR_GAP = 2
GROUP_GAP = 12
AXIS = 46

# The plot's texts in each book's language. The English plot names the cases as the
# bench does; the Chinese one as the Chinese book does, from CASE_NAMES.
LABELS = {
    "en": {
        "font": "DejaVu Sans, Verdana, sans-serif",
        "title": "What a seccomp filter costs per syscall",
        "cpus": "{} CPUs",
        "separator": ", ",
        "rounds": "ns per call, median of {rounds} rounds (whiskers: quartiles); "
        "labels: ratio to {baseline}",
        "baseline": "the same syscall without a filter",
        "axis": "ns per call",
    },
    "zh": {
        # Digits, Latin letters and × as in English; the Chinese characters from a CJK font.
        "font": "DejaVu Sans, Verdana, Noto Sans CJK SC, Source Han Sans SC, "
        "WenQuanYi Micro Hei, PingFang SC, Microsoft YaHei, sans-serif",
        "title": "seccomp 过滤器让每次系统调用多花多少时间",
        "cpus": "{} 个 CPU",
        "separator": "，",
        "rounds": "每次调用的纳秒数，{rounds} 轮的中位数（须线：四分位数）；标注：与“{baseline}”的比值",
        "baseline": "同一系统调用不加过滤器时的开销",
        "axis": "每次调用的纳秒数",
    },
}


# The Chinese book's names of the bench's cases: a `case,zh` CSV.
CASE_NAMES = {"zh": os.path.join(ROOT, "docs", "images", "overhead-cases-zh.csv")}


def read_case_names(path, cases):
    """The names in `path` (a `case,zh` CSV, `#` lines aside) of each of `cases`."""
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(line for line in file if not line.startswith("#")))
    names = {row["case"]: row["zh"] for row in rows}
    missing = [case for case in cases if case not in names]
    if missing:
        sys.exit(f"plot-overhead: error: {path} does not name the case"
                 f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    return names


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


def plot(meta, rows, language):
    text = LABELS[language]
    cases = list(dict.fromkeys(row["case"] for row in rows))
    names = read_case_names(CASE_NAMES[language], cases) if language in CASE_NAMES else {}
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
        f'viewBox="0 0 {WIDTH} {height}" font-family="{text["font"]}" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="10" y="26" font-size="17" font-weight="bold">{escape(text["title"])}</text>',
    ]
    # The machine on one line, its software and the date on the next.
    machine = (
        meta.get("cpus") and text["cpus"].format(meta["cpus"]),
        meta.get("cpu"),
        meta.get("kernel"),
    )
    software = (
        meta.get("libc"),
        meta.get("libseccomp") and f'libseccomp {meta["libseccomp"]}',
        meta.get("date"),
    )
    for line_y, values in ((48, machine), (65, software)):
        about = text["separator"].join(value for value in values if value)
        out.append(f'<text x="10" y="{line_y}" fill="#444">{escape(about)}</text>')
    rounds = text["rounds"].format(rounds=meta.get("rounds", "?"),
                                   baseline=names.get(baseline, baseline))
    out.append(f'<text x="10" y="82" fill="#444">{escape(rounds)}</text>')

    # Legend.
    legend_x = 10
    for name in syscalls:
        colour = COLOURS.get(name, "#555")
        out.append(
            f'<rect x="{legend_x}" y="98" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 17}" y="108.5">{escape(name)}</text>'
        )
        legend_x += 30 + 8 * len(name)
    out.append(
        f'<line x1="{legend_x}" y1="104" x2="{legend_x + 22}" y2="104" stroke="#555" '
        f'stroke-dasharray="4 3"/><text x="{legend_x + 28}" y="108.5">'
        f'{escape(text["baseline"])}</text>'
    )

    # A light band behind every other case, under everything else.
    for index in range(1, len(cases), 2):
        band_y = TOP + index * (group + GROUP_GAP) - GROUP_GAP / 2
        out.append(
            f'<rect x="0" y="{band_y}" width="{WIDTH}" '
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
        f'fill="#444">{escape(text["axis"])}</text>'
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
            f"{escape(names.get(case, case))}</text>"
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
                    f'<text x="{x(q3) + 4:.1f}" y="{mid + 4.5}" fill="#333" '
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
        description="Draw the overhead bench's CSV (cargo bench -p common --bench overhead) "
        "as SVG, in English and Chinese: OUT/overhead-en.svg and OUT/overhead-zh.svg."
    )
    parser.add_argument(
        "csv", nargs="?", default=default_csv(), help="the bench's CSV [default: %(default)s]"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=os.path.join(ROOT, "docs", "images"),
        help="the folder to write the SVGs to [default: %(default)s]",
    )
    args = parser.parse_args()
    try:
        meta, rows = read_results(args.csv)
    except OSError as err:
        sys.exit(f"plot-overhead: error: cannot read {args.csv}: {err.strerror} "
                 "(run `cargo bench -p common --bench overhead` first)")
    os.makedirs(args.out, exist_ok=True)
    for language in LABELS:
        path = os.path.join(args.out, f"overhead-{language}.svg")
        with open(path, "w", encoding="utf-8") as file:
            file.write(plot(meta, rows, language))
        print(f"plot-overhead: wrote {path}")


if __name__ == "__main__":
    main()
