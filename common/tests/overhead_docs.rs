//! The chapter on what a filter costs shows the results of one run of the overhead
//! bench three times: as a table in English, as a table in Chinese, and as the plot.
//! The run itself is kept next to the plot (`docs/images/overhead.csv`, the bench's
//! CSV as it wrote it). These tests fail when a table or the plot no longer shows
//! that run, for instance after a new run replaced the CSV but not the tables.
//!
//! The numbers themselves are not checked: they belong to the machine that measured
//! them, and performance is measured by the bench, never asserted by a test.

use std::path::{Path, PathBuf};

/// The top of the repository.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("common lives inside the workspace")
        .to_path_buf()
}

fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// One row of the bench's CSV.
struct Row {
    case: String,
    syscall: String,
    ns_per_call: f64,
    ratio: f64,
    filters: String,
    bpf_instructions: String,
}

/// The `# key: value` lines and the rows of the published run.
fn published_run() -> (Vec<(String, String)>, Vec<Row>) {
    let text = read("docs/images/overhead.csv");
    let mut meta = Vec::new();
    let mut rows = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            let (key, value) = comment.split_once(": ").expect("a `# key: value` line");
            meta.push((key.to_owned(), value.to_owned()));
        } else if !line.starts_with("case,") {
            rows.push(parse_row(line));
        }
    }
    assert!(!rows.is_empty(), "the published run has no rows");
    (meta, rows)
}

/// Splits a CSV line whose first field may be quoted.
fn parse_row(line: &str) -> Row {
    let (case, rest) = match line.strip_prefix('"') {
        Some(quoted) => {
            let end = quoted.find("\",").expect("a closing quote");
            (quoted[..end].replace("\"\"", "\""), &quoted[end + 2..])
        }
        None => {
            let (case, rest) = line.split_once(',').expect("a comma");
            (case.to_owned(), rest)
        }
    };
    let fields: Vec<&str> = rest.split(',').collect();
    assert_eq!(fields.len(), 7, "a row has 8 fields: {line}");
    Row {
        case,
        syscall: fields[0].to_owned(),
        ns_per_call: fields[1].parse().expect("ns per call"),
        ratio: fields[2].parse().expect("a ratio"),
        filters: fields[5].to_owned(),
        bpf_instructions: fields[6].to_owned(),
    }
}

/// The cells of the table row for `case` in a chapter.
fn table_row<'a>(chapter: &'a str, case: &str) -> Vec<&'a str> {
    let rows: Vec<Vec<&str>> = chapter
        .lines()
        .filter(|line| line.starts_with('|'))
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect::<Vec<_>>()
        })
        .filter(|cells| cells.len() == 9 && cells[0] == case)
        .collect();
    assert_eq!(rows.len(), 1, "one table row for case `{case}`");
    rows[0].clone()
}

/// Checks that `chapter`'s table shows every row of the published run.
fn assert_table_shows_the_run(path: &str) {
    let chapter = read(path);
    let (meta, rows) = published_run();
    let syscalls = ["getppid", "read", "write"];
    for row in &rows {
        let cells = table_row(&chapter, &row.case);
        assert_eq!(cells[1], row.filters, "{path}: filters of `{}`", row.case);
        assert_eq!(
            cells[2], row.bpf_instructions,
            "{path}: BPF instructions of `{}`",
            row.case
        );
        let column = syscalls
            .iter()
            .position(|&name| name == row.syscall)
            .unwrap_or_else(|| panic!("a measured syscall: {}", row.syscall));
        let ns: f64 = cells[3 + 2 * column].parse().expect("ns in the table");
        let ratio: f64 = cells[4 + 2 * column]
            .trim_end_matches('×')
            .parse()
            .expect("a ratio in the table");
        // The table rounds to 0.1 ns and 0.01; the CSV keeps one more digit.
        assert!(
            (ns - row.ns_per_call).abs() <= 0.051,
            "{path}: `{}` {}: the table says {ns} ns, the run {} ns",
            row.case,
            row.syscall,
            row.ns_per_call
        );
        assert!(
            (ratio - row.ratio).abs() <= 0.0051,
            "{path}: `{}` {}: the table says {ratio}×, the run {}×",
            row.case,
            row.syscall,
            row.ratio
        );
    }
    let date = &meta
        .iter()
        .find(|(key, _)| key == "date")
        .expect("the run's date")
        .1;
    assert!(
        chapter.contains(date.as_str()),
        "{path} says when it was measured ({date})"
    );
}

/// The English chapter's table is the published run.
#[test]
fn the_english_chapter_shows_the_published_run() {
    assert_table_shows_the_run("docs/en/src/overhead.md");
}

/// The Chinese chapter's table is the published run.
#[test]
fn the_chinese_chapter_shows_the_published_run() {
    assert_table_shows_the_run("docs/zh/src/overhead.md");
}

/// The plot was drawn from the published run: it names its machine and date and
/// every case. (`scripts/plot-overhead.py docs/images/overhead.csv` redraws it.)
#[test]
fn the_plot_shows_the_published_run() {
    let svg = read("docs/images/overhead.svg");
    let (meta, rows) = published_run();
    for key in ["cpu", "kernel", "date"] {
        let value = &meta
            .iter()
            .find(|(k, _)| k == key)
            .expect("a machine line")
            .1;
        assert!(
            svg.contains(value.as_str()),
            "the plot names the run's {key}: {value}"
        );
    }
    for row in &rows {
        assert!(
            svg.contains(&format!(">{}<", row.case)),
            "the plot has case `{}`",
            row.case
        );
    }
    // One bar per case and syscall, in the run's order, labelled with its ratio
    // as the bench's table prints it.
    let labels: Vec<&str> = svg
        .match_indices("×</text>")
        .map(|(end, _)| svg[..end].rsplit('>').next().unwrap_or_default())
        .collect();
    let ratios: Vec<String> = rows.iter().map(|row| format!("{:.2}", row.ratio)).collect();
    assert_eq!(labels, ratios, "the plot's ratio labels are the run's");
}
