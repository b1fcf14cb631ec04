//! The chapter on what a filter costs shows the results of one run of the overhead
//! bench in each book twice: as two tables (ns per call, and the ratio to no filter),
//! and as the plot, drawn in each book's language. The run itself is kept next to the
//! plots (`docs/images/overhead.csv`, the bench's CSV as it wrote it), and so are the
//! Chinese book's names of its cases (`docs/images/overhead-cases-zh.csv`). These
//! tests fail when a table or a plot no longer shows that run, for instance after a
//! new run replaced the CSV but not the tables, when the Chinese book names a case
//! otherwise than that file, or when a plot is not what `scripts/plot-overhead.py`
//! draws from them.
//!
//! The numbers themselves are not checked: they belong to the machine that measured
//! them, and performance is measured by the bench, never asserted by a test.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::markdown;

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

/// The cases of the published run, in its order, each with its name in the book in
/// `language`: the bench's own in English, the one `docs/images/overhead-cases-zh.csv`
/// gives in Chinese (which must name every case of the run, and no other).
fn case_names(language: &str) -> Vec<(String, String)> {
    let (_, rows) = published_run();
    let mut cases: Vec<String> = Vec::new();
    for row in &rows {
        if !cases.contains(&row.case) {
            cases.push(row.case.clone());
        }
    }
    if language == "en" {
        return cases.into_iter().map(|case| (case.clone(), case)).collect();
    }
    assert_eq!(language, "zh", "a book's language");
    let file = "docs/images/overhead-cases-zh.csv";
    let mut names: Vec<(String, String)> = Vec::new();
    let text = read(file);
    let mut lines = text.lines().filter(|line| !line.starts_with('#'));
    assert_eq!(lines.next(), Some("case,zh"), "{file}: its header");
    for line in lines {
        let (case, name) = line
            .rsplit_once(',')
            .unwrap_or_else(|| panic!("{file}: a line without a comma: {line}"));
        assert!(
            name.chars().any(|c| matches!(c, '\u{4e00}'..='\u{9fff}')),
            "{file}: `{case}` has no Chinese name: {name}"
        );
        assert!(
            !names.iter().any(|(c, n)| c == case || n == name),
            "{file}: `{case}` or `{name}` comes twice"
        );
        names.push((case.to_owned(), name.to_owned()));
    }
    let named: Vec<&String> = names.iter().map(|(case, _)| case).collect();
    assert_eq!(
        named,
        cases.iter().collect::<Vec<_>>(),
        "{file} names the cases of the published run, in its order"
    );
    names
}

/// The rows of the tables of the chapter `path` that have `width` cells, as the text of their
/// cells: the headers and the rows of data. A row written with another number
/// of cells than its header fails here: the reader would not see it as written.
fn table_rows(path: &str, chapter: &str, width: usize) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for table in markdown::tables(chapter) {
        if table.rows[0].len() != width {
            continue;
        }
        if let Some(&row) = table.ragged.first() {
            let cells = &table.rows[row];
            panic!(
                "{path}:{}: a row of the table of {width} columns has another number of cells",
                markdown::line_of(chapter, cells[0].range.start)
            );
        }
        for cells in table.rows {
            rows.push(cells.into_iter().map(|cell| cell.text).collect());
        }
    }
    rows
}

/// The cells of the row for `case` in the table with `width` cells a row of the
/// chapter `path`.
fn table_row(path: &str, chapter: &str, width: usize, case: &str) -> Vec<String> {
    let rows: Vec<Vec<String>> = table_rows(path, chapter, width)
        .into_iter()
        .filter(|cells| cells[0] == case)
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "one row for case `{case}` in the table of {width} columns"
    );
    rows[0].clone()
}

/// The columns of the chapter's two tables: case, filters, BPF instructions and ns
/// per call of each syscall; case and the ratio of each syscall.
const NS_COLUMNS: usize = 6;
const RATIO_COLUMNS: usize = 4;

/// Checks that the chapter of the book in `language` shows every row of the published
/// run in its tables, each case under the book's name for it.
fn assert_table_shows_the_run(language: &str) {
    let path = &format!("docs/{language}/src/overhead.md");
    let chapter = read(path);
    let (meta, rows) = published_run();
    let names = case_names(language);
    let name_of = |case: &str| -> &str {
        &names
            .iter()
            .find(|(c, _)| c == case)
            .expect("every case has a name")
            .1
    };
    let syscalls = ["getppid", "read", "write"];
    for row in &rows {
        let name = name_of(&row.case);
        let cells = table_row(path, &chapter, NS_COLUMNS, name);
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
        let ns: f64 = cells[3 + column].parse().expect("ns in the table");
        let ratio: f64 = table_row(path, &chapter, RATIO_COLUMNS, name)[1 + column]
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
    // Each table has a row per case of the run (and a header), and no other.
    let cases = rows.len() / syscalls.len();
    for width in [NS_COLUMNS, RATIO_COLUMNS] {
        assert_eq!(
            table_rows(path, &chapter, width).len(),
            cases + 1,
            "{path}: the table of {width} columns has a row per case"
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
    assert_table_shows_the_run("en");
}

/// The Chinese chapter's table is the published run, with the Chinese names of its
/// cases.
#[test]
fn the_chinese_chapter_shows_the_published_run() {
    assert_table_shows_the_run("zh");
}

/// The Chinese chapter's table of cases gives each case's Chinese name and the name
/// the bench prints, as `docs/images/overhead-cases-zh.csv` has them, a row per case:
/// a reader who runs the bench finds its cases there.
#[test]
fn the_chinese_table_of_cases_names_each_case_in_both_languages() {
    let path = "docs/zh/src/overhead.md";
    let chapter = read(path);
    let table = markdown::tables(&chapter)
        .into_iter()
        .find(|table| table.rows[0].len() == 3)
        .expect("the table of cases: its Chinese name, the bench's name, the filters");
    let rows: Vec<(String, String)> = table.rows[1..]
        .iter()
        .map(|cells| (cells[1].text.clone(), cells[0].text.clone()))
        .collect();
    assert_eq!(rows, case_names("zh"), "{path}: the table of cases");
}

/// The plots were drawn from the published run: they name its machine and date and
/// every case (in the book's names: the Chinese plot has no case's English name),
/// and label every bar with its ratio. (`scripts/plot-overhead.py
/// docs/images/overhead.csv` redraws them.)
#[test]
fn the_plots_show_the_published_run() {
    let (meta, rows) = published_run();
    for language in ["en", "zh"] {
        let svg = read(&format!("docs/images/overhead-{language}.svg"));
        for key in ["cpu", "kernel", "date"] {
            let value = &meta
                .iter()
                .find(|(k, _)| k == key)
                .expect("a machine line")
                .1;
            assert!(
                svg.contains(value.as_str()),
                "the {language} plot names the run's {key}: {value}"
            );
        }
        for (case, name) in case_names(language) {
            assert!(
                svg.contains(&format!(">{name}<")),
                "the {language} plot has case `{case}` as `{name}`"
            );
            if name != case {
                assert!(
                    !svg.contains(&format!(">{case}<")),
                    "the {language} plot names case `{case}` in English"
                );
            }
        }
        // One bar per case and syscall, in the run's order, labelled with its ratio
        // as the bench's table prints it.
        let labels: Vec<&str> = svg
            .match_indices("×</text>")
            .map(|(end, _)| svg[..end].rsplit('>').next().unwrap_or_default())
            .collect();
        let ratios: Vec<String> = rows.iter().map(|row| format!("{:.2}", row.ratio)).collect();
        assert_eq!(
            labels, ratios,
            "the {language} plot's ratio labels are the run's"
        );
    }
}

/// The Chinese book's plot speaks Chinese (its title, axis and legend), the English
/// book's English, and each chapter shows its own.
#[test]
fn each_book_shows_the_plot_in_its_language() {
    let chinese = |text: &str| text.chars().any(|c| matches!(c, '\u{4e00}'..='\u{9fff}'));
    let texts = |svg: &str| -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .map(|piece| {
                piece[piece.find('>').unwrap() + 1..piece.find("</text>").unwrap()].to_owned()
            })
            .collect()
    };
    let en = read("docs/images/overhead-en.svg");
    let zh = read("docs/images/overhead-zh.svg");
    assert!(
        !texts(&en).iter().any(|text| chinese(text)),
        "the English plot has Chinese"
    );
    for title in [
        "seccomp 过滤器让每次系统调用多花多少时间",
        "每次调用的纳秒数",
    ] {
        assert!(
            texts(&zh).iter().any(|text| text == title),
            "the Chinese plot lacks {title}"
        );
    }
    for language in ["en", "zh"] {
        let chapter = read(&format!("docs/{language}/src/overhead.md"));
        let picture = format!("images/overhead-{language}.svg");
        assert!(
            markdown::links(&chapter)
                .iter()
                .any(|link| link.picture && link.target == picture),
            "docs/{language}/src/overhead.md shows overhead-{language}.svg"
        );
    }
}

/// The plots in docs/images are what `scripts/plot-overhead.py` draws from the
/// published run, byte for byte: neither was edited by hand nor left behind by a
/// change to the script.
#[test]
fn the_plots_are_what_the_script_draws() {
    let out = harness::files::Scratch::new(env!("CARGO_TARGET_TMPDIR"), "overhead-plots");
    let script = root().join("scripts/plot-overhead.py");
    let csv = root().join("docs/images/overhead.csv");
    let drawn = match Command::new("python3")
        .arg(&script)
        .arg(&csv)
        .arg("--out")
        .arg(&out)
        .output()
    {
        Ok(drawn) => drawn,
        Err(err) => panic!("cannot run python3 ({err}): ./tour.sh installs Python 3"),
    };
    assert!(
        drawn.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&drawn.stderr)
    );
    for language in ["en", "zh"] {
        let name = format!("overhead-{language}.svg");
        assert!(
            std::fs::read(out.join(&name)).unwrap()
                == read(&format!("docs/images/{name}")).as_bytes(),
            "docs/images/{name} is not what scripts/plot-overhead.py draws from \
             docs/images/overhead.csv: run `scripts/plot-overhead.py docs/images/overhead.csv`"
        );
    }
}
