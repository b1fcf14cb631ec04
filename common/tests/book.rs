//! The book (`docs/en`, `docs/zh`) stays true to the code: these tests fail when
//! something it includes or shows has drifted from the sources. Whether mdBook
//! builds it without a warning is checked by `scripts/build-book.sh`; what each
//! step prints is checked by each step's `tests/transcript.rs`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::filter::TUTORIAL_ALLOW_LIST;
use common::testing::run;
use libseccomp::{ScmpArch, ScmpSyscall};

/// The two books.
const LANGUAGES: [&str; 2] = ["en", "zh"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("common sits in the workspace")
        .to_path_buf()
}

/// The chapter files of one book's `src/`, by name, with their text.
fn chapters(language: &str) -> Vec<(String, String)> {
    let src = workspace().join("docs").join(language).join("src");
    let mut chapters: Vec<(String, String)> = fs::read_dir(&src)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", src.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    chapters.sort();
    chapters
}

/// Every `{{#include PATH}}` or `{{#include PATH:ANCHOR}}` in `text`, as
/// (path, anchor).
fn includes(text: &str) -> Vec<(String, Option<String>)> {
    let mut found = Vec::new();
    for directive in ["{{#include ", "{{#rustdoc_include "] {
        let mut rest = text;
        while let Some(start) = rest.find(directive) {
            let after = &rest[start + directive.len()..];
            let end = after.find("}}").expect("an include ends with }}");
            let target = after[..end].trim();
            let (path, anchor) = match target.split_once(':') {
                Some((path, anchor)) => (path, Some(anchor.to_owned())),
                None => (target, None),
            };
            found.push((path.to_owned(), anchor));
            rest = &after[end..];
        }
    }
    found
}

/// The `// ANCHOR: name` markers of a source file.
fn anchors(text: &str, marker: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.split_once(marker))
        .map(|(_, name)| name.split_whitespace().next().unwrap_or("").to_owned())
        .collect()
}

/// Code comes in by named anchor only, never by line numbers, from files that
/// exist, with anchors that exist: mdBook includes nothing, silently, for an
/// anchor it cannot find.
#[test]
fn includes_name_files_and_anchors_that_exist() {
    let mut count = 0;
    for language in LANGUAGES {
        for (chapter, text) in chapters(language) {
            let src = workspace().join("docs").join(language).join("src");
            for (path, anchor) in includes(&text) {
                count += 1;
                let file = src.join(&path);
                let source = fs::read_to_string(&file).unwrap_or_else(|err| {
                    panic!("{language}/{chapter} includes {path}, which cannot be read: {err}")
                });
                let Some(anchor) = anchor else { continue };
                assert!(
                    !anchor.starts_with(|c: char| c.is_ascii_digit()),
                    "{language}/{chapter} includes {path} by line numbers ({anchor}): \
                     add an anchor to the source instead"
                );
                for marker in ["ANCHOR: ", "ANCHOR_END: "] {
                    assert!(
                        anchors(&source, marker).contains(&anchor),
                        "{language}/{chapter} includes {path}:{anchor}, but {path} has no \
                         `{marker}{anchor}`"
                    );
                }
            }
        }
    }
    assert!(count > 0, "the book includes nothing");
}

/// The diffs between steps that the book shows are those of the sources.
#[test]
fn step_diffs_are_up_to_date() {
    let script = workspace().join("scripts/step-diffs.sh");
    let run = run(&script, &["--check"], b"");
    assert!(
        run.status.success(),
        "{}{}",
        run.stdout_text(),
        run.stderr_text()
    );
}

/// The most lines of code (comments and blank lines aside) that may change from
/// one step's `main.rs` to the next: each diff is the lesson, and the tools of
/// discovery and inspection live in `common::tools`.
const MOST_CHANGED_LINES: usize = 20;

/// The lines of code a unified diff adds or removes: `+` and `-` lines that are
/// neither blank nor comments (`//`, `///`, `//!`).
fn changed_code_lines(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|line| !line.starts_with("+++") && !line.starts_with("---"))
        .filter_map(|line| line.strip_prefix('+').or_else(|| line.strip_prefix('-')))
        .filter(|code| {
            let code = code.trim();
            !code.is_empty() && !code.starts_with("//")
        })
        .collect()
}

/// Each diff the book shows between consecutive steps changes at most
/// [`MOST_CHANGED_LINES`] lines of code.
#[test]
fn each_step_changes_at_most_20_lines_of_code() {
    let diffs = workspace().join("docs/diffs");
    let mut checked = 0;
    for (from, to) in [(1, 2), (2, 3), (3, 4)] {
        let file = format!("step-{from}-to-{to}.diff");
        let diff = std::fs::read_to_string(diffs.join(&file)).unwrap();
        let changed = changed_code_lines(&diff);
        assert!(!changed.is_empty(), "{file} changes nothing");
        assert!(
            changed.len() <= MOST_CHANGED_LINES,
            "{file} changes {} lines of code, more than {MOST_CHANGED_LINES}: \
             move what is not the lesson into common:\n{}",
            changed.len(),
            changed.join("\n")
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
    assert_eq!(
        changed_code_lines("+++ b/x\n--- a/x\n+// c\n+\n+let a = 1;\n-    /// d\n-b();\n"),
        ["let a = 1;", "b();"]
    );
}

/// Both books list the same chapter files in their SUMMARY.md, have the same
/// chapter files, and show every stored transcript and step diff.
#[test]
fn both_books_have_the_same_chapters_and_show_the_same_output() {
    let listed = |language: &str| -> Vec<String> {
        let summary = chapters(language)
            .into_iter()
            .find(|(name, _)| name == "SUMMARY.md")
            .expect("SUMMARY.md")
            .1;
        summary
            .split("](")
            .skip(1)
            .map(|rest| rest[..rest.find(')').unwrap()].to_owned())
            .collect()
    };
    assert_eq!(listed("en"), listed("zh"), "SUMMARY.md lists differ");
    let names = |language: &str| -> BTreeSet<String> {
        chapters(language)
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    };
    assert_eq!(names("en"), names("zh"), "chapter files differ");

    // Every transcript and diff, in subfolders too; the scripts that make them are
    // not shown, nor are the tour's transcripts of the other architectures
    // (`docs/transcripts/ARCH/`): the transcript tests compare with them there, and
    // the discovering chapter's table of what step 3 finds is made from them
    // (`the_book_shows_what_step_3_finds_on_each_architecture`).
    let mut shown = Vec::new();
    let mut folders = vec![PathBuf::from("transcripts"), PathBuf::from("diffs")];
    let architectures: Vec<PathBuf> = OTHER_ARCHITECTURES
        .iter()
        .map(|(name, _)| Path::new("transcripts").join(name))
        .collect();
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(workspace().join("docs").join(&folder)).unwrap() {
            let entry = entry.unwrap();
            let relative = folder.join(entry.file_name());
            if architectures.contains(&relative) {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                folders.push(relative);
            } else if relative.extension().is_some_and(|ext| ext != "sh") {
                shown.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    for language in LANGUAGES {
        let included: Vec<String> = chapters(language)
            .iter()
            .flat_map(|(_, text)| includes(text))
            .map(|(path, _)| path)
            .collect();
        for file in &shown {
            assert!(
                included.iter().any(|path| path.ends_with(file.as_str())),
                "the {language} book does not show {file}"
            );
        }
    }
}

/// Every picture a chapter shows exists in docs/images, and each book's
/// `src/images` is docs/images itself, so both books serve the same pictures.
#[test]
fn pictures_exist_and_both_books_serve_them() {
    let images = workspace().join("docs/images");
    for language in LANGUAGES {
        let served = workspace().join("docs").join(language).join("src/images");
        assert_eq!(
            fs::canonicalize(&served).unwrap(),
            fs::canonicalize(&images).unwrap(),
            "{} must lead to docs/images",
            served.display()
        );
        let mut count = 0;
        for (chapter, text) in chapters(language) {
            for piece in text.split("images/").skip(1) {
                let name: String = piece
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || "-_.".contains(*c))
                    .collect();
                count += 1;
                assert!(
                    images.join(&name).is_file(),
                    "{language}/{chapter} shows images/{name}, which docs/images lacks"
                );
            }
        }
        assert!(count >= 2, "the {language} book shows {count} pictures");
    }
}

/// The drawing of step 2's filter names every syscall of the tutorial's allow
/// list with its number, as libseccomp resolves it for x86_64 (the drawing's
/// architecture) and for aarch64 (its notes); a syscall x86_64 lacks, such as
/// `sigreturn`, is not drawn.
#[test]
fn the_step_2_drawing_shows_the_allow_list() {
    for language in LANGUAGES {
        let path = workspace().join(format!("docs/images/step-2-filter-{language}.svg"));
        let drawing = fs::read_to_string(&path).unwrap();
        for &name in TUTORIAL_ALLOW_LIST {
            for (arch, shown) in [
                (ScmpArch::X8664, "== {name} ({nr})"),
                (ScmpArch::Aarch64, "{name} {nr}"),
            ] {
                let nr = ScmpSyscall::from_name_by_arch(name, arch)
                    .unwrap()
                    .as_raw_syscall();
                let text = shown
                    .replace("{name}", name)
                    .replace("{nr}", &nr.to_string());
                if nr >= 0 {
                    assert!(drawing.contains(&text), "{} lacks {text}", path.display());
                } else if arch == ScmpArch::X8664 {
                    assert!(
                        !drawing.contains(&format!("== {name} (")),
                        "{} draws {name}, which {arch:?} does not have",
                        path.display()
                    );
                }
            }
        }
    }
}

/// In the Chinese book no line of a paragraph breaks between two Chinese
/// characters, nor next to full-width punctuation: Markdown turns the line break
/// into a space, which reads as a stray gap there. (A break between a Chinese
/// character and a Latin word is left alone: a space is usual there.)
#[test]
fn chinese_paragraphs_do_not_break_between_chinese_characters() {
    // Full-width punctuation, and the dashes, ellipses and quotes Chinese text uses.
    let punctuation = |c: char| {
        matches!(c, '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}' | '\u{2018}'..='\u{201d}')
            || c == '\u{2014}'
            || c == '\u{2026}'
    };
    let wide = |c: char| matches!(c, '\u{3400}'..='\u{9fff}') || punctuation(c);
    let starts_block = |line: &str| {
        let line = line.trim_start();
        ["#", "|", "<", "```", "- ", "* ", "![", "> "]
            .iter()
            .any(|start| line.starts_with(start) && !line.starts_with("<http"))
            || line
                .split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
    };
    for (chapter, text) in chapters("zh") {
        let mut in_code = false;
        let lines: Vec<&str> = text.lines().collect();
        for (number, pair) in lines.windows(2).enumerate() {
            if pair[0].trim_start().starts_with("```") {
                in_code = !in_code;
            }
            // Bold markers are not printed: look at the characters inside them.
            let (Some(end), Some(start)) = (
                pair[0].trim_end().trim_end_matches('*').chars().last(),
                pair[1].trim().trim_start_matches('*').chars().next(),
            ) else {
                continue;
            };
            let gap = (wide(end) && wide(start)) || punctuation(end) || punctuation(start);
            assert!(
                in_code || starts_block(pair[1]) || !gap,
                "zh/{chapter}:{}: the line breaks between two Chinese characters or next \
                 to full-width punctuation, which shows as a space: join it with the next line",
                number + 1
            );
        }
    }
}

/// The README's quick start shows step 2's transcript as the book stores it, so the
/// first output a learner reads is kept true by the transcript tests too.
#[test]
fn the_readme_shows_the_stored_step_2_transcript() {
    let root = workspace();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let transcript =
        std::fs::read_to_string(root.join("docs/transcripts/step-2-filter.txt")).unwrap();
    assert!(
        readme.contains(&format!("```text\n{transcript}```")),
        "README.md's quick start no longer shows docs/transcripts/step-2-filter.txt:\n{transcript}"
    );
}

/// The README's section on finding syscalls shows the reports of step 3's
/// `--learn` and of step 4's `--learn` against `lacking.toml` as the book
/// stores them (`discovering/learn.txt`, `discovering/learn-policy.txt`): the
/// lines the supervisor wrote on stderr, after the program's output.
#[test]
fn the_readme_shows_the_stored_learn_reports() {
    let root = workspace();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for (file, step) in [
        ("learn.txt", "step-3-reporting"),
        ("learn-policy.txt", "step-4-policy"),
    ] {
        let path = root.join("docs/transcripts/discovering").join(file);
        let transcript = std::fs::read_to_string(path).unwrap();
        let command = transcript.lines().next().unwrap();
        let report: String = transcript
            .lines()
            .skip_while(|line| !line.starts_with(&format!("{step}: ")))
            .take_while(|line| !line.starts_with("$ echo $?"))
            .map(|line| format!("{line}\n"))
            .collect();
        assert!(!report.is_empty(), "{file} has no report:\n{transcript}");
        let shown = format!("```text\n{command} 2>&1 >/dev/null\n{report}```");
        assert!(
            readme.contains(&shown),
            "README.md no longer shows the report of docs/transcripts/discovering/{file}:\n{shown}"
        );
    }
}

/// The README's table of what a `read` costs under the tutorial's filters shows
/// the run the book publishes (`docs/images/overhead.csv`): a new run that
/// replaced the CSV and the chapter's tables must not leave the README behind.
#[test]
fn the_readme_shows_the_published_overhead_run() {
    let root = workspace();
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("## What a filter costs")
        .expect("the README has a section on what a filter costs");
    let section = &readme[start..];
    let section = &section[..section[3..]
        .find("\n## ")
        .map_or(section.len(), |end| end + 3)];
    let csv = fs::read_to_string(root.join("docs/images/overhead.csv")).unwrap();
    // case,syscall,ns_per_call,ratio,q1_ns,q3_ns,filters,bpf_instructions; only the
    // case may hold a comma (and is then quoted), so the fields are counted from the end.
    let published = |case: &str| -> Option<(f64, f64)> {
        csv.lines().find_map(|line| {
            let fields: Vec<&str> = line.rsplitn(8, ',').collect();
            let name = fields.last()?.trim_matches('"').replace("\"\"", "\"");
            (fields.len() == 8 && name == case && fields[6] == "read")
                .then(|| (fields[5].parse().unwrap(), fields[4].parse().unwrap()))
        })
    };
    let mut rows = 0;
    for line in section.lines().filter(|line| line.starts_with("| ")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let [case, ns, ratio] = cells[..] else {
            panic!("README.md: a row of the cost table has other cells than 3: {line}");
        };
        if case == "case" {
            continue;
        }
        let (csv_ns, csv_ratio) = published(case).unwrap_or_else(|| {
            panic!("README.md shows the case `{case}`, which docs/images/overhead.csv lacks")
        });
        let ns: f64 = ns.parse().unwrap();
        let ratio: f64 = ratio.trim_end_matches('×').parse().unwrap();
        assert!(
            (ns - csv_ns).abs() <= 0.05 + 1e-9 && (ratio - csv_ratio).abs() <= 0.005 + 1e-9,
            "README.md shows `{case}` at {ns} ns, {ratio}×; the published run has {csv_ns} ns, \
             {csv_ratio}×"
        );
        rows += 1;
    }
    assert!(
        rows >= 2,
        "README.md shows {rows} rows of the overhead bench"
    );
}

/// The text of a Markdown file without its fenced code blocks, where `](` is code.
fn prose(text: &str) -> String {
    let mut in_code = false;
    let mut kept = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

/// The targets of the inline links and pictures (`[text](target)`) of Markdown prose.
fn link_targets(prose: &str) -> Vec<String> {
    prose
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.find(')').map(|end| rest[..end].trim().to_owned()))
        .collect()
}

/// The ids mdBook gives the headings of a chapter: lower case, letters, digits, `-`
/// and `_` kept, spaces turned into `-`, everything else dropped.
fn heading_ids(text: &str) -> BTreeSet<String> {
    prose(text)
        .lines()
        .filter_map(|line| line.strip_prefix('#'))
        .map(|heading| {
            heading
                .trim_start_matches('#')
                .trim()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .flat_map(char::to_lowercase)
                .collect()
        })
        .collect()
}

/// Asserts that every relative link of `file` (a Markdown file in `dir`) leads to a
/// file or folder that exists and, with `#anchor`, to a heading of that chapter.
/// mdBook builds a book with a dead link without a word.
fn assert_links_resolve(dir: &Path, file: &str) -> usize {
    let text = fs::read_to_string(dir.join(file)).unwrap();
    let mut count = 0;
    for target in link_targets(&prose(&text)) {
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        count += 1;
        let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
        let linked = dir.join(if path.is_empty() { file } else { path });
        assert!(
            linked.exists(),
            "{} links to {target}, which does not exist",
            dir.join(file).display()
        );
        if !anchor.is_empty() {
            let chapter = fs::read_to_string(&linked).unwrap();
            assert!(
                heading_ids(&chapter).contains(anchor),
                "{} links to {target}, but {} has no heading with the id `{anchor}`",
                dir.join(file).display(),
                linked.display()
            );
        }
    }
    count
}

/// Every link between chapters, to pictures and to files of the repository, in both
/// books and in the README, leads somewhere, anchors included.
#[test]
fn links_resolve() {
    let mut count = 0;
    for language in LANGUAGES {
        let src = workspace().join("docs").join(language).join("src");
        for (chapter, _) in chapters(language) {
            count += assert_links_resolve(&src, &chapter);
        }
    }
    count += assert_links_resolve(&workspace(), "README.md");
    assert!(count > 20, "only {count} links were checked");
}

/// The architectures `scripts/check-arches.sh` verifies besides x86_64, as the
/// book names them, with libseccomp's name for each.
const OTHER_ARCHITECTURES: [(&str, ScmpArch); 4] = [
    ("i386", ScmpArch::X86),
    ("aarch64", ScmpArch::Aarch64),
    ("armhf", ScmpArch::Arm),
    ("riscv64", ScmpArch::Riscv64),
];

/// The syscalls step 3's rounds find, in the order the table lists them.
const FOUND: [&str; 6] = [
    "clock_nanosleep",
    "clone",
    "set_robust_list",
    "rt_sigprocmask",
    "sigaltstack",
    "munmap",
];

/// What step 3 reports first in the tour's transcript `dir/step-3-reporting.txt`.
fn first_report(dir: &Path) -> String {
    let file = dir.join("step-3-reporting.txt");
    let text = fs::read_to_string(&file)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", file.display()));
    text.lines()
        .find_map(|line| line.strip_prefix("Looks like you also need syscall: "))
        .unwrap_or_else(|| panic!("{} reports no syscall", file.display()))
        .to_owned()
}

/// The table of what step 3 finds on each architecture, as the discovering
/// chapter shows it: the first report from each architecture's transcripts
/// (made there by `scripts/check-arches.sh --save-transcripts`), and the number
/// libseccomp gives each syscall of the policy's found section there.
fn architecture_table(header: &str) -> String {
    let transcripts = workspace().join("docs/transcripts");
    let mut rows = vec![("x86_64", ScmpArch::X8664, first_report(&transcripts))];
    for (name, arch) in OTHER_ARCHITECTURES {
        rows.push((name, arch, first_report(&transcripts.join(name))));
    }
    let mut table = format!("{header}\n|---|---|{}\n", "---|".repeat(FOUND.len()));
    for (name, arch, first) in rows {
        let numbers: Vec<String> = FOUND
            .iter()
            .map(|syscall| {
                ScmpSyscall::from_name_by_arch(syscall, arch)
                    .map_or("-".to_owned(), |nr| nr.as_raw_syscall().to_string())
            })
            .collect();
        table += &format!("| {name} | `{first}` | {} |\n", numbers.join(" | "));
    }
    table
}

/// The discovering chapter, in both languages, shows what step 3 reports first
/// on each verified architecture and the numbers of what its rounds find there:
/// the transcripts made on each and libseccomp's numbers, not typed by hand.
#[test]
fn the_book_shows_what_step_3_finds_on_each_architecture() {
    let columns = FOUND.map(|name| format!("`{name}`")).join(" | ");
    for (language, header) in [
        (
            "en",
            format!("| architecture | step 3 reports first | {columns} |"),
        ),
        ("zh", format!("| 架构 | 第 3 步最先报告 | {columns} |")),
    ] {
        let table = architecture_table(&header);
        let chapter = workspace().join(format!("docs/{language}/src/discovering.md"));
        let text = fs::read_to_string(&chapter).unwrap();
        assert!(
            text.contains(&table),
            "{} should show:\n{table}",
            chapter.display()
        );
    }
}

/// `common::error` names no other module of the crate outside its comments:
/// the modules that fail (policy, simulate) convert their errors into a
/// `StepError` themselves, so no import goes round in a circle through it.
#[test]
fn the_error_module_depends_on_no_other() {
    let path = workspace().join("common/src/error.rs");
    let text = fs::read_to_string(&path).unwrap();
    let code: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .filter(|line| line.contains("crate::") || line.contains("super::"))
        .collect();
    assert!(code.is_empty(), "{}: {code:?}", path.display());
}
