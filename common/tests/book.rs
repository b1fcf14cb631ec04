//! The book (`docs/en`, `docs/zh`) stays true to the code: these tests fail when
//! something it includes or shows has drifted from the sources. Whether mdBook
//! builds it without a warning is checked by `scripts/build-book.sh`; what each
//! step prints is checked by each step's `tests/transcript.rs`.
//!
//! The book also says each idea with one word, the one its glossary chooses, in
//! both languages and in the code and its messages; its four steps explain each
//! of the glossary's terms before they use it; and its links to other sites are
//! well-formed addresses (CI has no network to follow them).
//!
//! The tests read Markdown as mdBook does, with pulldown-cmark
//! (`support/markdown.rs`): code blocks fenced with `~~~` or indented, and links
//! by reference, count as much as the others.

use std::collections::BTreeSet;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use common::filter::TUTORIAL_ALLOW_LIST;
use harness::running::run;
use libseccomp::{ScmpArch, ScmpSyscall};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Tag, TagEnd};

use crate::support::markdown::{self, Link};

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

/// Whether `line` is an anchor marker (`ANCHOR: name` or `ANCHOR_END: name`), as
/// mdBook finds them: anywhere in the line.
fn is_anchor_marker(line: &str) -> bool {
    ["ANCHOR: ", "ANCHOR_END: "]
        .iter()
        .any(|marker| !anchors(line, marker).is_empty())
}

/// The lines an include shows. mdBook drops the marker lines only from an anchored
/// include (`PATH:ANCHOR`: the lines between the anchor's markers, without the
/// markers of any anchor inside); a whole file (`PATH`) is shown as it is, markers
/// and all.
fn shown_lines<'a>(source: &'a str, anchor: Option<&str>) -> Vec<&'a str> {
    let Some(anchor) = anchor else {
        return source.lines().collect();
    };
    source
        .lines()
        .skip_while(|line| !anchors(line, "ANCHOR: ").contains(anchor))
        .skip(1)
        .take_while(|line| !anchors(line, "ANCHOR_END: ").contains(anchor))
        .filter(|line| !is_anchor_marker(line))
        .collect()
}

/// No include shows an `ANCHOR` marker line: a file with anchors is included by an
/// anchor, never whole.
#[test]
fn no_include_shows_anchor_markers() {
    let mut count = 0;
    for language in LANGUAGES {
        let src = workspace().join("docs").join(language).join("src");
        for (chapter, text) in chapters(language) {
            for (path, anchor) in includes(&text) {
                let source = fs::read_to_string(src.join(&path)).unwrap();
                let shown = shown_lines(&source, anchor.as_deref());
                assert!(
                    !shown.is_empty(),
                    "{language}/{chapter}: {path} shows nothing"
                );
                if let Some(marker) = shown.iter().find(|line| is_anchor_marker(line)) {
                    panic!(
                        "{language}/{chapter} includes {path} whole, which shows its marker \
                         `{}`: include it by an anchor",
                        marker.trim()
                    );
                }
                count += 1;
            }
        }
    }
    assert!(count > 0, "the book includes nothing");
    // The markers of an anchor inside another are not shown either; a whole file's are.
    let source =
        "a\n# ANCHOR: all\nb\n// ANCHOR: part\nc\n// ANCHOR_END: part\n# ANCHOR_END: all\n";
    assert_eq!(shown_lines(source, Some("all")), ["b", "c"]);
    assert_eq!(shown_lines(source, Some("part")), ["c"]);
    assert!(shown_lines(source, None)
        .iter()
        .any(|l| is_anchor_marker(l)));
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
        markdown::links(&summary)
            .into_iter()
            .map(|link| link.target)
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
/// A file of `images/` that a chapter names elsewhere, even in code, exists
/// too.
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
            for picture in markdown::links(&text).into_iter().filter(|l| l.picture) {
                let name = picture.target.strip_prefix("images/").unwrap_or_else(|| {
                    panic!(
                        "{language}/{chapter} shows {}, which is not in images/",
                        picture.target
                    )
                });
                count += 1;
                assert!(
                    images.join(name).is_file(),
                    "{language}/{chapter} shows images/{name}, which docs/images lacks"
                );
            }
            // A name in prose or in code is not a picture, but a learner may
            // still look for the file.
            for piece in text.split("images/").skip(1) {
                let name: String = piece
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || "-_.".contains(*c))
                    .collect();
                assert!(
                    images.join(&name).is_file(),
                    "{language}/{chapter} names images/{name}, which docs/images lacks"
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
    // The parser finds the breaks inside paragraphs only. A line that starts a
    // block of its own (a heading, a list item, a table row, code) is no break.
    for (chapter, text) in chapters("zh") {
        for (at, before, after) in markdown::soft_breaks(&text) {
            // The characters as the reader reads them: bold markers and link
            // syntax are not printed.
            let (Some(end), Some(start)) = (before, after) else {
                continue;
            };
            let gap = (wide(end) && wide(start)) || punctuation(end) || punctuation(start);
            assert!(
                !gap,
                "zh/{chapter}:{}: the line breaks between two Chinese characters or next \
                 to full-width punctuation, which shows as a space: join it with the next line",
                markdown::line_of(&text, at)
            );
        }
    }
}

/// What the book and the README give for typing their transcripts' commands as
/// they are shown: those commands call the steps by name, as a shell finds them
/// with `target/debug` (where `cargo build` puts them) on its `PATH`.
const PATH_LINE: &str = r#"export PATH="$PWD/target/debug:$PATH""#;

/// Whether `word` is the name of a step's binary.
fn is_step_binary(word: &str) -> bool {
    harness::tour::STEPS.iter().any(|step| step.binary == word)
}

/// The text of a chapter of `language`'s book as a reader sees it: every
/// `{{#include}}` replaced by the lines it shows.
fn shown_text(language: &str, text: &str) -> String {
    let src = workspace().join("docs").join(language).join("src");
    let mut shown = text.to_owned();
    for (path, anchor) in includes(text) {
        let source = fs::read_to_string(src.join(&path)).unwrap();
        let target = match &anchor {
            Some(anchor) => format!("{path}:{anchor}"),
            None => path.clone(),
        };
        let lines = shown_lines(&source, anchor.as_deref()).join("\n");
        shown = shown.replace(&format!("{{{{#include {target}}}}}"), &lines);
    }
    shown
}

/// Whether `command` calls a step by its bare name, as `printf ... |
/// step-3-reporting --learn` or `x=$(step-2-filter --print-filter=oci)` do: a
/// step's name as a word of its own between the characters a shell separates
/// commands and words with; not a path (`step-4-policy/policy.toml`), nor the
/// package of `cargo run -p STEP`.
fn calls_a_step_by_name(command: &str) -> bool {
    let words: Vec<&str> = command
        .split(|c: char| c.is_whitespace() || "|;&()<>`".contains(c))
        .filter(|word| !word.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, word)| {
        is_step_binary(word) && (i == 0 || !["-p", "--package", "--bin"].contains(&words[i - 1]))
    })
}

/// Whether `line` of a shell script starts a command with a step's bare name:
/// as its first word, or after `|`, `;`, `&`, `(` or `` ` ``, past assignments
/// (`LC_ALL=C`) and `sudo`, `env` or `time`. (An argument such as git's
/// `checkout -- step-1-baseline` names a directory.)
fn starts_a_step_by_name(line: &str) -> bool {
    line.split(|c: char| "|;&(`".contains(c)).any(|command| {
        command
            .split_whitespace()
            .find(|word| !word.contains('=') && !["sudo", "env", "time", "$"].contains(word))
            .is_some_and(is_step_binary)
    })
}

/// The commands `text` shows that call a step by its bare name, each with the
/// byte offset where it starts: its transcripts' lines `$ COMMAND`
/// ([`calls_a_step_by_name`]), the lines of its `sh` and `bash` blocks that
/// start one ([`starts_a_step_by_name`]), and the spans of inline code of its
/// prose that have more than one word, as `step-4-policy --learn` has and a
/// mere name does not ([`calls_a_step_by_name`]); a span may go on over a line
/// break.
fn commands_calling_a_step_by_name(text: &str) -> Vec<(usize, String)> {
    let mut commands = Vec::new();
    // Code blocks of any kind: fenced with ``` or ~~~, or indented.
    for block in markdown::code_blocks(text) {
        let shell = matches!(block.language(), "sh" | "bash");
        for (at, line) in block.lines() {
            if let Some(command) = line.strip_prefix("$ ") {
                if calls_a_step_by_name(command) {
                    commands.push((at, command.to_owned()));
                }
            } else if shell && starts_a_step_by_name(line) {
                commands.push((at, line.trim().to_owned()));
            }
        }
    }
    let mut in_code = false;
    for (event, range) in markdown::events(text) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            // A line of prose that looks like a transcript's.
            Event::Text(words) if !in_code => {
                if let Some(command) = words.strip_prefix("$ ") {
                    if calls_a_step_by_name(command) {
                        commands.push((range.start + 2, command.to_owned()));
                    }
                }
            }
            Event::Code(code) => {
                let words: Vec<&str> = code.split_whitespace().collect();
                if words.len() > 1 && calls_a_step_by_name(&code) {
                    // The command starts after the backticks that open the span.
                    let written = &text[range.clone()];
                    let skip = written.find(|c: char| c != '`' && !c.is_whitespace());
                    commands.push((range.start + skip.unwrap_or(0), words.join(" ")));
                }
            }
            _ => {}
        }
    }
    commands.sort_by_key(|(at, _)| *at);
    commands
}

/// The first command `text` shows that calls a step by its bare name, with its
/// offset ([`commands_calling_a_step_by_name`]).
fn first_command_calling_a_step_by_name(text: &str) -> Option<(usize, String)> {
    commands_calling_a_step_by_name(text).into_iter().next()
}

/// What [`first_command_calling_a_step_by_name`] finds, and what it leaves.
#[test]
fn commands_calling_a_step_by_name_are_found_in_transcripts_and_prose() {
    for called in [
        "$ printf 'hello seccomp\\n' | step-3-reporting --learn\n",
        "$ x=$(step-2-filter --print-filter=oci)\n",
        "$ cd x && step-4-policy --policy typo.toml\n",
        "Then run `step-4-policy --learn --policy\nmy-policy.toml` to see.\n",
        "```sh\ncargo build\n```\n\nRun `sudo step-3-reporting --learn`.\n",
        "```sh\nLC_ALL=C step-3-reporting --learn -- ls\n```\n",
        "```bash\nstep-2-filter --print-filter=oci > step-2.json\n```\n",
        // Blocks that a reading of "```" lines alone did not see.
        "~~~sh\nstep-1-baseline --help\n~~~\n",
        "Run:\n\n    $ step-1-baseline\n",
        "- In a list:\n\n  ~~~text\n  $ step-4-policy --learn\n  ~~~\n",
    ] {
        assert!(
            first_command_calling_a_step_by_name(called).is_some(),
            "{called:?}"
        );
    }
    for not_called in [
        "$ printf 'hello seccomp\\n' | cargo run -q -p step-3-reporting\n",
        "$ cp step-4-policy/policy.toml my-policy.toml\n",
        "$ grep 'comm=\"step-4-policy\"' log\n",
        "`step-3-reporting` is the binary; edit `step-4-policy/policy.toml`.\n",
        "```sh\ngit checkout -- step-1-baseline step-2-filter\n```\n",
        "```text\nstep-3-reporting: it made 5 syscalls\n```\n",
        "`cargo test -p step-2-filter` and `cargo run --bin step-1-baseline`\n",
        "~~~text\nstep-3-reporting: it made 5 syscalls\n```sh\nstep-1-baseline\n~~~\n",
    ] {
        assert_eq!(
            first_command_calling_a_step_by_name(not_called),
            None,
            "{not_called:?}"
        );
    }
    // The offset is where the command starts, for what comes before it.
    let text = "One.\n\nTwo `a b`, then `step-1-baseline --help`.\n";
    let (at, command) = first_command_calling_a_step_by_name(text).unwrap();
    assert_eq!(command, "step-1-baseline --help");
    assert!(
        text[at..].starts_with("step-1-baseline --help`"),
        "{:?}",
        &text[at..]
    );
}

/// A chapter (or the README) whose transcripts call a step by name says, before
/// the first of them, how to type them as they are shown; and that line, run in
/// a shell from the top of the repository, puts the workspace's `target/debug`
/// first on `PATH`.
#[test]
fn transcripts_that_call_the_steps_by_name_say_how_to_type_them() {
    let readme = fs::read_to_string(workspace().join("README.md")).unwrap();
    let mut texts = vec![("README.md".to_owned(), readme)];
    for language in LANGUAGES {
        for (chapter, text) in chapters(language) {
            texts.push((format!("{language}/{chapter}"), shown_text(language, &text)));
        }
    }
    let mut calling = Vec::new();
    let mut unexplained = Vec::new();
    for (name, text) in &texts {
        let Some((at, command)) = first_command_calling_a_step_by_name(text) else {
            continue;
        };
        if !text[..at].contains(PATH_LINE) {
            unexplained.push(format!("{name} shows `{command}`"));
        }
        calling.push(name.as_str());
    }
    assert!(
        unexplained.is_empty(),
        "these call a step by name without saying first how to type it (`cargo build`, \
         then `{PATH_LINE}`):\n{}",
        unexplained.join("\n")
    );
    for name in ["README.md", "en/discovering.md", "zh/discovering.md"] {
        assert!(
            calling.contains(&name),
            "{name} calls no step by name: {calling:?}"
        );
    }
    // The line, typed in a shell at the top of the repository (its PWD), puts
    // the repository's `target/debug` first on PATH. (That folder need not
    // exist here: a build for another architecture puts its binaries elsewhere.)
    let shell = std::process::Command::new("sh")
        .args(["-c", &format!("{PATH_LINE} && printf %s \"$PATH\"")])
        .current_dir(workspace())
        .env("PWD", workspace())
        .output()
        .expect("sh runs");
    let path = String::from_utf8(shell.stdout).unwrap();
    assert_eq!(
        Path::new(path.split(':').next().unwrap_or_default()),
        workspace().join("target/debug"),
        "{PATH_LINE} gives PATH={path}"
    );
}

/// The commands a `--learn` report tells the learner to run, in the transcripts the
/// book stores (`docs/transcripts/discovering/`): what follows `run in the
/// repository: ` on a line of the report, up to a note in brackets.
fn advised_commands() -> Vec<(String, String)> {
    let folder = workspace().join("docs/transcripts/discovering");
    let mut found = Vec::new();
    for entry in fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "txt") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for line in fs::read_to_string(&path).unwrap().lines() {
            if let Some((_, command)) = line.split_once(", run in the repository: ") {
                let command = command.split(" (").next().unwrap_or_default();
                found.push((name.clone(), command.to_owned()));
            }
        }
    }
    found.sort();
    found
}

/// A `--learn` report's advice runs as typed, in a fresh shell in any folder of the
/// repository: its commands run a step through Cargo (`cargo run -q -p STEP -- ...`),
/// never by its bare name, which a shell finds only with `target/debug` on its
/// `PATH`. Step 3's report on the tutorial program names a command for step 3 and
/// one for step 4.
#[test]
fn the_learn_reports_advise_commands_that_run_as_typed() {
    let advised = advised_commands();
    for step in ["step-3-reporting", "step-4-policy"] {
        assert!(
            advised.iter().any(|(file, command)| file == "learn.txt"
                && command.starts_with(&format!("cargo run -q -p {step} -- "))),
            "learn.txt advises no command for {step}: {advised:?}"
        );
    }
    for (file, command) in &advised {
        let words: Vec<&str> = command.split_whitespace().collect();
        assert!(
            words.len() > 6
                && words[..4] == ["cargo", "run", "-q", "-p"]
                && is_step_binary(words[4])
                && words[5] == "--",
            "{file}: the advice `{command}` is no `cargo run -q -p STEP -- ...`"
        );
        assert!(
            !calls_a_step_by_name(command),
            "{file}: the advice `{command}` calls a step by name"
        );
    }
}

/// Whether `text` has a `text` block whose lines are `lines`, each ending with a
/// newline.
fn shows_text_block(text: &str, lines: &str) -> bool {
    markdown::code_blocks(text)
        .iter()
        .any(|block| block.language() == "text" && block.code == lines)
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
        shows_text_block(&readme, &transcript),
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
        let shown = format!("{command} 2>&1 >/dev/null\n{report}");
        assert!(
            shows_text_block(&readme, &shown),
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
    let section = markdown::section(&readme, 2, "What a filter costs")
        .expect("the README has a section on what a filter costs");
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
    let tables = markdown::tables(&readme);
    for table in tables.iter().filter(|t| section.contains(&t.range.start)) {
        for (index, cells) in table.rows.iter().enumerate() {
            let line = markdown::line_of(&readme, cells[0].range.start);
            let [case, ns, ratio] = &cells[..] else {
                panic!("README.md:{line}: a row of the cost table has other cells than 3");
            };
            assert!(
                !table.ragged.contains(&index),
                "README.md:{line}: a row of the cost table has other cells than 3"
            );
            // The header names the columns.
            if index == 0 {
                continue;
            }
            let (case, ns, ratio) = (case.text.as_str(), ns.text.as_str(), ratio.text.as_str());
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
    }
    assert!(
        rows >= 2,
        "README.md shows {rows} rows of the overhead bench"
    );
}

/// Asserts that every relative link of `file` (a Markdown file in `dir`) leads to a
/// file or folder that exists and, with `#anchor`, to a heading of that chapter;
/// and that every link by reference (`[text][ref]`) has its `[ref]: target` line.
/// mdBook builds a book with a dead link without a word.
fn assert_links_resolve(dir: &Path, file: &str) -> usize {
    let text = fs::read_to_string(dir.join(file)).unwrap();
    let mut count = 0;
    for link in markdown::links(&text) {
        let target = link.target;
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
                markdown::headings(&chapter)
                    .iter()
                    .any(|heading| heading.id == anchor),
                "{} links to {target}, but {} has no heading with the id `{anchor}`",
                dir.join(file).display(),
                linked.display()
            );
        }
    }
    if let Some((at, reference)) = markdown::undefined_references(&text).first() {
        panic!(
            "{}:{}: a link to `[{reference}]`, which no line `[{reference}]: target` defines",
            dir.join(file).display(),
            markdown::line_of(&text, *at)
        );
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
/// chapter shows it, with `corner` at its top left: a column per architecture, a
/// row per syscall of the policy's found section, with the number libseccomp gives
/// it there, in bold where step 3 reports it first in that architecture's
/// transcripts (made there by `scripts/check-arches.sh --save-transcripts`).
fn architecture_table(corner: &str) -> String {
    let transcripts = workspace().join("docs/transcripts");
    let mut columns = vec![("x86_64", ScmpArch::X8664, first_report(&transcripts))];
    for (name, arch) in OTHER_ARCHITECTURES {
        columns.push((name, arch, first_report(&transcripts.join(name))));
    }
    let names: Vec<&str> = columns.iter().map(|(name, _, _)| *name).collect();
    let mut table = format!(
        "| {corner} | {} |\n|---|{}\n",
        names.join(" | "),
        "---:|".repeat(columns.len())
    );
    let mut bold = 0;
    for syscall in FOUND {
        let cells: Vec<String> = columns
            .iter()
            .map(|(_, arch, first)| {
                let number = ScmpSyscall::from_name_by_arch(syscall, *arch)
                    .map_or("-".to_owned(), |nr| nr.as_raw_syscall().to_string());
                if *first == format!("{syscall}({number})") {
                    bold += 1;
                    format!("**{number}**")
                } else {
                    number
                }
            })
            .collect();
        table += &format!("| `{syscall}` | {} |\n", cells.join(" | "));
    }
    // Each architecture's first report names a syscall of the table, with the
    // number libseccomp gives it there.
    assert_eq!(
        bold,
        columns.len(),
        "a first report is not a syscall of the table with libseccomp's number: {:?}",
        columns
            .iter()
            .map(|(name, _, first)| format!("{name}: {first}"))
            .collect::<Vec<_>>()
    );
    table
}

/// The discovering chapter, in both languages, shows what step 3 reports first
/// on each verified architecture and the numbers of what its rounds find there:
/// the transcripts made on each and libseccomp's numbers, not typed by hand.
#[test]
fn the_book_shows_what_step_3_finds_on_each_architecture() {
    for (language, corner) in [("en", "syscall"), ("zh", "系统调用")] {
        let table = architecture_table(corner);
        let chapter = workspace().join(format!("docs/{language}/src/discovering.md"));
        let text = fs::read_to_string(&chapter).unwrap();
        assert!(
            text.contains(&table),
            "{} should show:\n{table}",
            chapter.display()
        );
    }
}

/// The ways the books write the descriptor `(1 << 32) | 1`.
const STDOUT_WITH_UPPER_BITS: [&str; 3] = ["`(1 << 32) | 1`", "`1 << 32 | 1`", "`0x100000001`"];

/// What the books say step 4's policy does with a `write` to `(1 << 32) | 1`
/// is what `step-4-policy --simulate` says it does: wherever either book names
/// that descriptor, the first verdict after it ("allowed" or "killed", "允许"
/// or "杀死") is the simulator's. (The kernel reads a descriptor as a 32-bit
/// `int`, so that is stdout, which the policy allows.)
#[test]
fn the_books_say_what_step_4_does_with_a_write_to_1_shl_32_or_1() {
    let step_4 = harness::running::sibling_binary("step-4-policy");
    let simulated = run(&step_4, &["--simulate", "write(0x100000001, 0, 5)"], b"");
    let stdout = simulated.stdout_text();
    let allowed = match stdout
        .lines()
        .find_map(|line| line.strip_prefix("action: "))
    {
        Some("ALLOW") => true,
        Some("KILL_PROCESS") => false,
        _ => panic!("--simulate says neither ALLOW nor KILL_PROCESS:\n{stdout}"),
    };
    for (language, verdicts) in [("en", ["allowed", "killed"]), ("zh", ["允许", "杀死"])] {
        let said = verdicts[usize::from(!allowed)];
        let mut found = 0;
        for (name, text) in chapters(language) {
            for spelling in STDOUT_WITH_UPPER_BITS {
                for (at, _) in text.match_indices(spelling) {
                    let after = &text[at + spelling.len()..];
                    let verdict = verdicts
                        .iter()
                        .filter_map(|&verdict| after.find(verdict).map(|i| (i, verdict)))
                        .min()
                        .map(|(_, verdict)| verdict);
                    let line = text[..at].matches('\n').count() + 1;
                    assert_eq!(
                        verdict,
                        Some(said),
                        "docs/{language}/src/{name}:{line}: a write to {spelling} is {said}, \
                         as --simulate says: {}",
                        stdout.lines().last().unwrap_or_default()
                    );
                    found += 1;
                }
            }
        }
        assert!(
            found >= 2,
            "the {language} book names (1 << 32) | 1 {found} times, where the policy chapter \
             names it in two sections"
        );
    }
}

/// The names of the `[[KIND]]` targets (`test`, `bench`) of crate `krate`.
fn targets(krate: &str, kind: &str) -> Vec<String> {
    let manifest = fs::read_to_string(workspace().join(krate).join("Cargo.toml")).unwrap();
    let header = format!("[[{kind}]]");
    let mut names = Vec::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == header;
        } else if let Some(name) = line
            .strip_prefix("name = \"")
            .and_then(|n| n.strip_suffix('"'))
        {
            if inside {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// Every `cargo test -p CRATE --test NAME` (or `cargo bench ... --bench NAME`)
/// that the books, the README and the scripts show names a target of that
/// crate: a learner who copies one gets the tests it names, not Cargo's "no
/// test target named".
#[test]
fn the_cargo_commands_shown_name_targets_that_exist() {
    let mut texts: Vec<(String, String)> = Vec::new();
    for language in LANGUAGES {
        for (name, text) in chapters(language) {
            texts.push((format!("docs/{language}/src/{name}"), text));
        }
    }
    let mut others = vec![workspace().join("README.md"), workspace().join(".ci/run")];
    for entry in fs::read_dir(workspace().join("scripts")).unwrap() {
        others.push(entry.unwrap().path());
    }
    for path in others {
        if let Ok(text) = fs::read_to_string(&path) {
            texts.push((path.display().to_string(), text));
        }
    }
    let mut checked = 0;
    for (file, text) in &texts {
        for line in text.lines() {
            for kind in ["test", "bench"] {
                let Some(command) = line
                    .find(&format!("cargo {kind} "))
                    .map(|start| &line[start..])
                else {
                    continue;
                };
                let words: Vec<&str> = command
                    .split(|c: char| c.is_whitespace() || "`()\"';".contains(c))
                    .collect();
                let after = |flag: &str| {
                    words
                        .iter()
                        .position(|&word| word == flag)
                        .and_then(|at| words.get(at + 1).copied())
                };
                let (Some(krate), Some(target)) = (after("-p"), after(&format!("--{kind}"))) else {
                    continue;
                };
                let known = targets(krate, kind);
                assert!(
                    known.iter().any(|name| name == target),
                    "{file}: `{}` names no {kind} target of {krate}, which has {known:?}",
                    line.trim()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 2, "only {checked} commands with a target found");
}

/// The workshop guide's command for a room without a network is the one
/// `scripts/check-offline.sh` runs in CI, in both languages: what the guide
/// tells a teacher is what is proven to build offline.
#[test]
fn the_workshop_guide_vendors_the_crates_as_check_offline_does() {
    let script = fs::read_to_string(workspace().join("scripts/check-offline.sh")).unwrap();
    let command = script
        .lines()
        .find_map(|line| line.strip_prefix("vendor='")?.strip_suffix('\''))
        .expect("check-offline.sh sets vendor='COMMAND'");
    for language in ["en", "zh"] {
        let guide =
            fs::read_to_string(workspace().join(format!("docs/{language}/src/workshop.md")))
                .unwrap();
        // A line of a shell block, which a teacher copies as it is.
        let shown = markdown::code_blocks(&guide).iter().any(|block| {
            block.language() == "sh" && block.code.lines().any(|line| line == command)
        });
        assert!(
            shown,
            "docs/{language}/src/workshop.md does not show `{command}` in a ```sh block"
        );
    }
}

/// Each book's glossary ends its definitions with a table of the words the book
/// does not use: its heading, and what separates several words in a cell.
const REJECTED_WORDS: [(&str, &str, &str); 2] = [
    ("en", "## Words this book does not use", ", "),
    ("zh", "## 本书不用的说法", "、"),
];

/// One row of that table: the words other texts use, and the book's word.
struct Rejected {
    words: Vec<String>,
    chosen: String,
}

/// A book's glossary, cut in two: its text without the table of the words the
/// book does not use, and that table's rows. The table is the one place where
/// the choice of each word is kept; the tests below read it from there.
struct Glossary {
    path: PathBuf,
    text: String,
    rejected: Vec<Rejected>,
}

/// Reads the glossary of the book in `language`.
fn glossary(language: &str) -> Glossary {
    let &(_, heading, separator) = REJECTED_WORDS
        .iter()
        .find(|(lang, _, _)| *lang == language)
        .expect("each book has a glossary");
    let path = workspace().join(format!("docs/{language}/src/glossary.md"));
    let whole = fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let title = heading.trim_start_matches("## ");
    let section = markdown::section(&whole, 2, title)
        .unwrap_or_else(|| panic!("{} has no `{heading}`", path.display()));
    let table = markdown::tables(&whole)
        .into_iter()
        .find(|table| section.contains(&table.range.start))
        .filter(|table| table.rows.len() > 1)
        .unwrap_or_else(|| {
            panic!(
                "{}: `{heading}` holds no table with a header",
                path.display()
            )
        });
    let rejected = table
        .rows
        .iter()
        .enumerate()
        .skip(1)
        .map(|(index, cells)| {
            let line = markdown::line_of(&whole, cells[0].range.start);
            let ([words, chosen], false) = (&cells[..], table.ragged.contains(&index)) else {
                panic!(
                    "{}:{line}: a row of `{heading}` has other cells than 2",
                    path.display()
                );
            };
            assert!(
                !words.text.trim().is_empty() && !chosen.text.trim().is_empty(),
                "{}:{line}: a row of `{heading}` has an empty cell",
                path.display()
            );
            Rejected {
                words: words.text.split(separator).map(str::to_owned).collect(),
                chosen: chosen.text.clone(),
            }
        })
        .collect();
    Glossary {
        path,
        text: format!("{}{}", &whole[..section.start], &whole[section.end..]),
        rejected,
    }
}

/// Whether `c` is a Chinese character (not punctuation).
fn ideograph(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}')
}

/// A line of prose without the English words that the Chinese text glosses in
/// full-width brackets, such as `导览（tour）`: what is left is the book's own
/// words.
fn without_glosses(line: &str) -> String {
    let mut rest = line;
    let mut kept = String::new();
    while let Some(start) = rest.find('（') {
        let Some(len) = rest[start..].find('）') else {
            break;
        };
        let gloss = &rest[start..start + len];
        kept.push_str(&rest[..start]);
        if gloss.chars().any(ideograph) {
            kept.push_str(gloss);
        }
        rest = &rest[start + len..];
    }
    kept.push_str(rest);
    kept
}

/// The lines of a Markdown file with their numbers, as a reader reads them, for
/// the search of words: outside code blocks, with inline code, link targets,
/// autolinks and HTML comments left out ([`markdown::prose_lines`]), and
/// without the English glosses of the Chinese text ([`without_glosses`]).
fn prose_lines(text: &str) -> Vec<(usize, String)> {
    markdown::prose_lines(text)
        .into_iter()
        .map(|(number, line)| (number, without_glosses(&line)))
        .collect()
}

/// A line of Markdown prose as a reader reads it ([`prose_lines`]).
fn words_of(line: &str) -> String {
    let lines: Vec<String> = prose_lines(line)
        .into_iter()
        .map(|(_, words)| words)
        .collect();
    lines.join(" ")
}

/// The text lines of an SVG drawing, without its tags.
fn drawing_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .map(|(number, line)| {
            let mut words = String::new();
            let mut in_tag = false;
            for c in line.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => words.push(c),
                    _ => {}
                }
            }
            (number + 1, words)
        })
        .collect()
}

/// Each rejected word `line` holds, with the word to use instead. A rejected word
/// inside an occurrence of the book's own word is not one (`默认配置` in
/// `默认配置文件`). Letters are compared regardless of case.
fn rejected_in<'a>(line: &str, rejected: &'a [Rejected]) -> Vec<(&'a str, &'a str)> {
    let original = line;
    let line = line.to_ascii_lowercase();
    // A name in camel case, `AllowList`, is two words, the book's own: a small
    // letter followed by a capital inside the match splits it.
    let camel_case = |at: usize, len: usize| {
        original.as_bytes()[at..at + len]
            .windows(2)
            .any(|pair| pair[0].is_ascii_lowercase() && pair[1].is_ascii_uppercase())
    };
    let mut found = Vec::new();
    for row in rejected {
        let chosen = row.chosen.to_ascii_lowercase();
        let covered: Vec<(usize, usize)> = line
            .match_indices(&chosen)
            .map(|(at, _)| (at, at + chosen.len()))
            .collect();
        for word in &row.words {
            let lower = word.to_ascii_lowercase();
            for (at, _) in line.match_indices(&lower) {
                if !covered
                    .iter()
                    .any(|&(start, end)| start <= at && at + lower.len() <= end)
                    && !camel_case(at, lower.len())
                {
                    found.push((word.as_str(), row.chosen.as_str()));
                }
            }
        }
    }
    found
}

/// The files whose words the tests below read: a name (relative to the
/// workspace) and its lines as a reader reads them.
type Lines = Vec<(String, Vec<(usize, String)>)>;

/// A book's chapters (its glossary without the table of rejected words), the
/// text of the drawings made for it (`docs/images/*-LANG.svg`) and, in Chinese, the
/// comments of the policy files it shows ([`POLICY_TWINS`]).
fn book_lines(language: &str) -> Lines {
    let glossary = glossary(language);
    let mut files: Lines = chapters(language)
        .into_iter()
        .map(|(name, text)| {
            let text = if name == "glossary.md" {
                glossary.text.clone()
            } else {
                text
            };
            (format!("docs/{language}/src/{name}"), prose_lines(&text))
        })
        .collect();
    let images = workspace().join("docs/images");
    let mut drawings: Vec<PathBuf> = fs::read_dir(&images)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name().is_some_and(|name| {
                name.to_string_lossy()
                    .ends_with(&format!("-{language}.svg"))
            })
        })
        .collect();
    drawings.sort();
    assert!(!drawings.is_empty(), "no drawing for the {language} book");
    // The comments of the policy files the Chinese book shows in Chinese.
    if language == "zh" {
        for (_, twin, _) in POLICY_TWINS {
            let text = fs::read_to_string(workspace().join(twin)).unwrap();
            files.push((twin.to_owned(), twin_comment_lines(&text)));
        }
    }
    for path in drawings {
        let name = format!(
            "docs/images/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        files.push((name, drawing_lines(&fs::read_to_string(&path).unwrap())));
    }
    files
}

/// The README, and every source file of the workspace outside `docs/` (Rust,
/// scripts, manifests, policies, CI): the code, its comments and its messages.
fn code_lines() -> Lines {
    let root = workspace();
    let mut files = vec![(
        "README.md".to_owned(),
        prose_lines(&fs::read_to_string(root.join("README.md")).unwrap()),
    )];
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let relative = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                if !["target", "docs", "vendor", ".git", ".cargo"].contains(&name.as_str()) {
                    folders.push(path);
                }
            } else if ["rs", "sh", "toml", "py"]
                .iter()
                .any(|ext| name.ends_with(&format!(".{ext}")))
                || relative == ".ci/run"
            {
                let text = fs::read_to_string(&path).unwrap();
                let lines = text
                    .lines()
                    .enumerate()
                    .map(|(number, line)| (number + 1, line.to_owned()))
                    .collect();
                files.push((relative, lines));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        files
            .iter()
            .any(|(name, _)| name == "common/src/lesson/filter.rs"),
        "the sources were not found"
    );
    files
}

/// Asserts that `files` hold none of the glossary's rejected words, naming the
/// file, the line and the word to use for each; that each of the glossary's own
/// words is defined in bold in the glossary and used in `files`, so that the
/// table cannot pass by naming words nobody writes.
fn assert_one_word_for_each_idea(language: &str, files: &Lines) {
    let glossary = glossary(language);
    assert!(
        glossary.rejected.len() >= 5,
        "{}: the table of rejected words has only {} rows",
        glossary.path.display(),
        glossary.rejected.len()
    );
    let mut misused = Vec::new();
    for (name, lines) in files {
        for (number, line) in lines {
            for (word, chosen) in rejected_in(line, &glossary.rejected) {
                misused.push(format!("{name}:{number}: `{word}`: write `{chosen}`"));
            }
        }
    }
    assert!(
        misused.is_empty(),
        "the {language} glossary ({}) rejects these words:\n{}",
        glossary.path.display(),
        misused.join("\n")
    );
    let glossary_name = format!("docs/{language}/src/glossary.md");
    for row in &glossary.rejected {
        assert!(
            bold_words(&glossary.text).contains(&row.chosen),
            "{}: `{}` is the book's word, but the glossary defines no **{}**",
            glossary.path.display(),
            row.chosen,
            row.chosen
        );
        let chosen = row.chosen.to_ascii_lowercase();
        assert!(
            files.iter().any(|(name, lines)| *name != glossary_name
                && lines
                    .iter()
                    .any(|(_, line)| line.to_ascii_lowercase().contains(&chosen))),
            "{}: `{}` is the book's word, but nothing outside the glossary uses it",
            glossary.path.display(),
            row.chosen
        );
    }
}

/// The Chinese book uses one word for each idea (fail closed, blocking a signal,
/// supervisor, user notification, tracer, x32 guard, ...): the one its glossary
/// chooses. The glossary's table lists the other words, and each is refused in
/// every chapter and drawing of the book, outside code, link targets and the
/// English words glossed in brackets.
#[test]
fn the_chinese_book_uses_one_word_for_each_idea() {
    assert_one_word_for_each_idea("zh", &book_lines("zh"));
}

/// The English book, the README and the sources (code, comments and messages)
/// use the words the English glossary chooses, not the ones its table rejects.
#[test]
fn the_english_book_and_the_code_use_one_word_for_each_idea() {
    let mut files = book_lines("en");
    files.extend(code_lines());
    assert_one_word_for_each_idea("en", &files);
}

/// The search the two tests above rely on finds every rejected word in plain
/// prose, and only there: not in code, a link target or an English gloss in
/// brackets, nor inside the book's own word.
#[test]
fn the_search_for_rejected_words_finds_them_in_prose_only() {
    for language in LANGUAGES {
        let glossary = glossary(language);
        for row in &glossary.rejected {
            assert!(
                rejected_in(&words_of(&row.chosen), &glossary.rejected).is_empty(),
                "{language}: the book's word `{}` holds a rejected word",
                row.chosen
            );
            for word in &row.words {
                let found = |line: &str| rejected_in(&words_of(line), &glossary.rejected);
                assert!(
                    found(&format!("x {word} x"))
                        .iter()
                        .any(|&(w, chosen)| w == word && chosen == row.chosen),
                    "{language}: `{word}` is not found in prose"
                );
                // A target with a space is written in angle brackets, or it
                // is no target.
                for hidden in [
                    format!("x `{word}` x"),
                    format!("[x](<https://example.org/{word}>) x"),
                    format!("[x][r] x\n\n[r]: <https://example.org/{word}>"),
                    format!("x <!-- {word} --> x"),
                    format!("x\n\n~~~\n{word}\n~~~\n\n    {word}\n"),
                ] {
                    assert!(found(&hidden).is_empty(), "{language}: found in {hidden}");
                }
                let gloss = format!("词（{word}）");
                assert_eq!(
                    found(&gloss).is_empty(),
                    !word.chars().any(ideograph),
                    "{language}: {gloss}"
                );
            }
        }
    }
    // A name in camel case is two words: `AllowList` is the book's `allow list`,
    // and the same letters with a small `l` are one rejected word.
    let english = glossary("en");
    let found = |line: &str| rejected_in(&words_of(line), &english.rejected);
    assert!(found("x AllowList x").is_empty());
    assert!(!found(&format!("x Allow{} x", "list")).is_empty());
}

/// The words of a Markdown text in bold (`**word**`), as the reader reads them.
fn bold_words(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    // Bold may hold bold: each open span collects the words inside it.
    let mut open: Vec<String> = Vec::new();
    for (event, _) in markdown::events(text) {
        match event {
            Event::Start(Tag::Strong) => open.push(String::new()),
            Event::Text(words) | Event::Code(words) => {
                for bold in &mut open {
                    bold.push_str(&words);
                }
            }
            Event::SoftBreak => {
                for bold in &mut open {
                    bold.push(' ');
                }
            }
            Event::End(TagEnd::Strong) => found.extend(open.pop()),
            _ => {}
        }
    }
    found
}

/// The entries of a glossary: each paragraph that opens with a term in bold, as
/// (the term, the text of the paragraph after it).
fn glossary_entries(text: &str) -> Vec<(String, String)> {
    let events = markdown::events(text);
    let mut entries = Vec::new();
    // The entry being read, and whether its term has ended.
    let mut entry: Option<(String, String)> = None;
    let mut after_term = false;
    for (index, (event, _)) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Paragraph) => {
                if let Some((Event::Start(Tag::Strong), _)) = events.get(index + 1) {
                    entry = Some((String::new(), String::new()));
                    after_term = false;
                }
            }
            Event::End(TagEnd::Strong) => after_term = true,
            Event::Text(words) | Event::Code(words) => {
                if let Some((term, rest)) = entry.as_mut() {
                    if after_term { rest } else { term }.push_str(words);
                }
            }
            Event::SoftBreak => {
                if let Some((_, rest)) = entry.as_mut() {
                    rest.push(' ');
                }
            }
            Event::End(TagEnd::Paragraph) => entries.extend(entry.take()),
            _ => {}
        }
    }
    entries
}

/// Both glossaries define the same terms in the same order, the Chinese one with
/// the English term next to each, and list the same sources.
#[test]
fn both_glossaries_define_the_same_terms() {
    let terms = |language: &str| -> Vec<String> {
        glossary_entries(&glossary(language).text)
            .into_iter()
            .map(|(term, rest)| {
                let english = match rest.strip_prefix('（') {
                    Some(gloss) => gloss[..gloss.find('）').unwrap()].to_owned(),
                    None => term.to_owned(),
                };
                // `pseudo filter code (PFC)` and `pseudo filter code，PFC` alike.
                english
                    .split([',', '，', '('])
                    .next()
                    .unwrap()
                    .trim()
                    .to_owned()
            })
            .collect()
    };
    let (en, zh) = (terms("en"), terms("zh"));
    assert!(
        en.len() >= 20,
        "the English glossary defines {} terms",
        en.len()
    );
    assert_eq!(en, zh, "the glossaries define other terms");
    let urls = |language: &str| -> BTreeSet<String> { external_links(&glossary(language).text) };
    assert_eq!(urls("en"), urls("zh"), "the glossaries cite other sources");
}

/// In each glossary entry, the words that come just before the link to the
/// section that first explains the term.
const FIRST_EXPLAINED: [(&str, &str); 2] = [("en", "First explained in"), ("zh", "最先讲到它的是")];

/// The title of the section that may end a step chapter: what a learner on the
/// beginner's path may leave for later. The terms it uses need not be explained
/// yet.
const GOING_FURTHER: [(&str, &str); 2] = [("en", "Going further"), ("zh", "深入一步")];

/// The value `FIRST_EXPLAINED` or `GOING_FURTHER` holds for `language`.
fn in_language(table: &[(&'static str, &'static str)], language: &str) -> &'static str {
    table
        .iter()
        .find(|(lang, _)| *lang == language)
        .map(|(_, words)| *words)
        .unwrap_or_else(|| panic!("no words for the {language} book"))
}

/// The chapters a book's SUMMARY.md lists, in the order a reader meets them.
fn reading_order(language: &str) -> Vec<String> {
    let path = workspace().join(format!("docs/{language}/src/SUMMARY.md"));
    let summary = fs::read_to_string(&path).unwrap();
    markdown::links(&summary)
        .into_iter()
        .map(|link| link.target)
        .collect()
}

/// Whether `chapter` is one of the four step chapters, the beginner's path.
fn is_step_chapter(chapter: &str) -> bool {
    chapter
        .strip_prefix("step-")
        .and_then(|rest| rest.strip_suffix(".md"))
        .is_some_and(|number| number.parse::<u8>().is_ok())
}

/// A term of a glossary and the section that first explains it.
#[derive(Debug)]
struct Term {
    /// The term as the glossary writes it in bold: `block (a signal)`.
    term: String,
    /// What a chapter writes for it: the term without a note in brackets
    /// (`block`), and an abbreviation given in brackets (`PFC`).
    forms: Vec<String>,
    /// The chapter that first explains it (`step-2.md`), and the id of the
    /// section, if the link names one.
    chapter: String,
    anchor: Option<String>,
}

/// The words that a chapter writes for `term` ([`Term::forms`]).
fn term_forms(term: &str) -> Vec<String> {
    let Some((words, note)) = term.split_once(" (") else {
        return vec![term.to_owned()];
    };
    let mut forms = vec![words.trim().to_owned()];
    let note = note.trim_end_matches(')');
    if !note.is_empty() && note.chars().all(|c| c.is_ascii_uppercase()) {
        forms.push(note.to_owned());
    }
    forms
}

/// The terms of a glossary's entries (the paragraphs that open with a term in
/// bold), each with the section its entry names after the words of
/// [`FIRST_EXPLAINED`]: the first link after them. An entry that names none
/// is refused.
fn glossary_terms(language: &str, glossary: &str) -> Result<Vec<Term>, String> {
    let marker = in_language(&FIRST_EXPLAINED, language);
    let events = markdown::events(glossary);
    let mut terms = Vec::new();
    // The entry being read: where it starts, its term, whether the term has
    // ended, what the reader has read of it so far, and the link after the
    // marker.
    let mut entry: Option<(usize, String, bool, String, Option<String>)> = None;
    for (index, (event, range)) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Paragraph) => {
                if let Some((Event::Start(Tag::Strong), _)) = events.get(index + 1) {
                    entry = Some((range.start, String::new(), false, String::new(), None));
                }
            }
            Event::End(TagEnd::Strong) => {
                if let Some((_, _, ended, _, _)) = entry.as_mut() {
                    *ended = true;
                }
            }
            Event::Text(words) | Event::Code(words) => {
                if let Some((_, term, ended, read, _)) = entry.as_mut() {
                    if *ended { read } else { term }.push_str(words);
                }
            }
            Event::SoftBreak => {
                if let Some((_, _, _, read, _)) = entry.as_mut() {
                    read.push(' ');
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                if let Some((_, _, _, read, link @ None)) = entry.as_mut() {
                    if read.trim_end().ends_with(marker) {
                        *link = Some(dest_url.to_string());
                    }
                }
            }
            Event::End(TagEnd::Paragraph) => {
                let Some((start, term, _, _, link)) = entry.take() else {
                    continue;
                };
                let Some(link) = link else {
                    return Err(format!(
                        "line {}: the entry `{term}` names no section after `{marker}`",
                        markdown::line_of(glossary, start)
                    ));
                };
                let (chapter, anchor) = match link.split_once('#') {
                    Some((chapter, anchor)) => (chapter.to_owned(), Some(anchor.to_owned())),
                    None => (link, None),
                };
                terms.push(Term {
                    forms: term_forms(&term),
                    term,
                    chapter,
                    anchor,
                });
            }
            _ => {}
        }
    }
    Ok(terms)
}

/// The words of an English text, in small letters: its runs of letters, digits
/// and `_` (`NO_NEW_PRIVS`); a hyphen parts two words (`bad-architecture`).
fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether the English `word` is `form`'s word, or a form of it: `form`'s word
/// with letters after it (`kills`, `rules`, `blocked`), or a word in `y` with
/// `ies` for it (`policies`).
fn word_of(word: &str, form: &str) -> bool {
    let rest = word.strip_prefix(form).or_else(|| {
        let stem = form.strip_suffix('y')?;
        word.strip_prefix(stem)?.strip_prefix("ie")
    });
    rest.is_some_and(|rest| rest.chars().all(|c| c.is_ascii_lowercase()))
}

/// Whether a line of prose uses `form`: a Chinese form anywhere in the line; an
/// English one as words of their own, in any case, each word in any of its
/// forms (`fails closed` for `fail closed`, `Killed` for `kill`).
fn uses_form(line: &str, form: &str) -> bool {
    if form.chars().any(ideograph) {
        return line.contains(form);
    }
    let words = english_words(line);
    let form = english_words(form);
    !form.is_empty()
        && words.windows(form.len()).any(|window| {
            window
                .iter()
                .zip(&form)
                .all(|(word, form)| word_of(word, form))
        })
}

/// The part of a step chapter a learner on the beginner's path reads: all of it
/// but its last section, [`GOING_FURTHER`], if it has one. That section must
/// be the last: it cannot hide the middle of a chapter.
fn beginner_part<'a>(language: &str, chapter: &str, text: &'a str) -> Result<&'a str, String> {
    let title = in_language(&GOING_FURTHER, language);
    let Some(section) = markdown::section(text, 2, title) else {
        return Ok(text);
    };
    if section.end != text.len() {
        return Err(format!(
            "{chapter}:{}: `## {title}` is not the chapter's last section",
            markdown::line_of(text, section.end)
        ));
    }
    Ok(&text[..section.start])
}

/// The first line of `text`'s prose, as a reader reads it ([`prose_lines`]),
/// that uses one of `forms`, with the form; a term whose words run over a line
/// break counts on the line where it starts.
fn first_use(text: &str, forms: &[String]) -> Option<(usize, String)> {
    let lines = prose_lines(text);
    lines
        .iter()
        .enumerate()
        .find_map(|(index, (number, line))| {
            let next = lines.get(index + 1).map_or("", |(_, next)| next.as_str());
            let joined = format!("{line} {next}");
            forms.iter().find_map(|form| {
                let starts_here =
                    uses_form(line, form) || (uses_form(&joined, form) && !uses_form(next, form));
                starts_here.then(|| (*number, form.clone()))
            })
        })
}

/// The bytes of the section of `text` whose heading has the id `id`: from that
/// heading up to the next heading of the same level or above.
fn section_with_id(text: &str, id: &str) -> Option<Range<usize>> {
    let headings = markdown::headings(text);
    let index = headings.iter().position(|heading| heading.id == id)?;
    let level = headings[index].level;
    let end = headings[index + 1..]
        .iter()
        .find(|heading| heading.level <= level)
        .map_or(text.len(), |heading| heading.range.start);
    Some(headings[index].range.start..end)
}

/// What is wrong with the order in which a book's step chapters bring in the
/// glossary's terms, given the book's chapters in reading order, as (name,
/// text), and its terms. A term is explained by the section its glossary entry
/// names: that section uses the term in its prose, and in a step chapter it
/// lies before `Going further`. No step chapter before the one that explains a
/// term uses it in its prose: outside code, outside the English glosses of the
/// Chinese text, and outside its `Going further`.
fn terms_used_before_explained(
    language: &str,
    chapters: &[(String, String)],
    terms: &[Term],
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut read: Vec<(&str, &str)> = Vec::new();
    for (name, text) in chapters {
        if is_step_chapter(name) {
            match beginner_part(language, name, text) {
                Ok(part) => read.push((name, part)),
                Err(problem) => {
                    problems.push(problem);
                    read.push((name, text));
                }
            }
        } else {
            read.push((name, text));
        }
    }
    for term in terms {
        let Some(position) = read.iter().position(|(name, _)| *name == term.chapter) else {
            problems.push(format!(
                "glossary.md: `{}`: the entry names {}, a chapter SUMMARY.md does not list",
                term.term, term.chapter
            ));
            continue;
        };
        let (chapter, text) = read[position];
        let section = match &term.anchor {
            Some(id) => section_with_id(text, id),
            None => Some(0..text.len()),
        };
        match section {
            None => problems.push(format!(
                "glossary.md: `{}`: the entry names {chapter}#{}, a section that {}",
                term.term,
                term.anchor.as_deref().unwrap_or_default(),
                if is_step_chapter(chapter) {
                    "is not in the chapter, or in its `Going further`"
                } else {
                    "is not in the chapter"
                }
            )),
            Some(section) if first_use(&text[section.clone()], &term.forms).is_none() => problems
                .push(format!(
                    "glossary.md: `{}`: the entry names {chapter}#{}, a section whose prose \
                     does not use it",
                    term.term,
                    term.anchor.as_deref().unwrap_or_default()
                )),
            Some(_) => {}
        }
        let early = read[..position]
            .iter()
            .filter(|(name, _)| is_step_chapter(name))
            .find_map(|(name, text)| first_use(text, &term.forms).map(|found| (*name, found)));
        if let Some((name, (line, form))) = early {
            problems.push(format!(
                "{name}:{line}: uses `{form}` before {chapter} explains it (the glossary's \
                 `{}`): explain it here and point the glossary's entry here, or move the \
                 sentence to the chapter's last section, `## {}`",
                term.term,
                in_language(&GOING_FURTHER, language)
            ));
        }
    }
    problems
}

/// A learner who reads the four steps in order meets each of the glossary's
/// terms where it is explained, or later. Each glossary entry names the section
/// that first explains its term (the link after "First explained in", or
/// "最先讲到它的是"); a step chapter that comes before that section's chapter in
/// SUMMARY.md uses the term nowhere in its prose, but in its last section,
/// "Going further" (深入一步), which a beginner may leave for later. Both
/// glossaries name the same chapter for each term.
#[test]
fn the_steps_explain_each_term_before_they_use_it() {
    let mut explaining = Vec::new();
    let mut problems = Vec::new();
    for language in LANGUAGES {
        let glossary = glossary(language);
        let terms = glossary_terms(language, &glossary.text)
            .unwrap_or_else(|problem| panic!("{}: {problem}", glossary.path.display()));
        let texts = chapters(language);
        let chapters: Vec<(String, String)> = reading_order(language)
            .into_iter()
            .filter_map(|name| {
                let text = texts.iter().find(|(file, _)| *file == name)?.1.clone();
                Some((name, text))
            })
            .collect();
        problems.extend(
            terms_used_before_explained(language, &chapters, &terms)
                .into_iter()
                .map(|problem| format!("docs/{language}/src/{problem}")),
        );
        explaining.push(
            terms
                .into_iter()
                .map(|term| term.chapter)
                .collect::<Vec<_>>(),
        );
    }
    assert!(
        problems.is_empty(),
        "the books use terms before they explain them:\n{}",
        problems.join("\n")
    );
    assert_eq!(
        explaining[0], explaining[1],
        "the glossaries name other chapters for the same terms"
    );
}

/// The search for terms used too early, on small books: what it finds, and what
/// it leaves alone.
#[test]
fn terms_used_before_they_are_explained_are_found_in_prose_only() {
    let glossary = [
        "**trap** — What a filter does. First explained in [Step 2](step-2.md#trap).",
        "**pseudo filter code (PFC)** — Its text. First explained in\n[Step 2](step-2.md).",
        "**policy** — Rules. First explained in [Step 2](step-2.md#trap).",
    ]
    .join("\n\n");
    let terms = glossary_terms("en", &glossary).unwrap();
    assert_eq!(terms[1].forms, ["pseudo filter code", "PFC"]);
    let step_2 = "# Step 2\n\n## Trap\n\nA trap, in PFC, for a policy.\n";
    let book = |step_1: &str| {
        let chapters = [
            ("step-1.md".to_owned(), step_1.to_owned()),
            ("step-2.md".to_owned(), step_2.to_owned()),
        ];
        terms_used_before_explained("en", &chapters, &terms)
    };
    for quiet in [
        "# Step 1\n\nNothing yet.\n",
        "# Step 1\n\nRun `trap` and `PFC`.\n\n```text\ntrap\n```\n",
        "# Step 1\n\nA strap.\n\n## Going further\n\nA trap.\n\n### More\n\nPFC.\n",
    ] {
        assert_eq!(book(quiet), Vec::<String>::new(), "{quiet:?}");
    }
    for (early, found) in [
        ("# Step 1\n\nIt traps.\n", "step-1.md:3: uses `trap`"),
        (
            "# Step 1\n\nSee [the PFC](x.md).\n",
            "step-1.md:3: uses `PFC`",
        ),
        ("# Step 1\n\nTwo\npolicies.\n", "step-1.md:4: uses `policy`"),
        (
            "# Step 1\n\nA pseudo\nfilter code.\n",
            "step-1.md:3: uses `pseudo",
        ),
        (
            "# Step 1\n\nPseudo-filter codes.\n",
            "step-1.md:3: uses `pseudo",
        ),
        ("# Step 1\n\nTwo PFCs.\n", "step-1.md:3: uses `PFC`"),
        (
            "# Step 1\n\n## Going further\n\nA trap.\n\n## After\n",
            "step-1.md:7: `## Going further` is not the chapter's last section",
        ),
    ] {
        let problems = book(early);
        assert!(
            problems.iter().any(|problem| problem.starts_with(found)),
            "{early:?}: {problems:#?}"
        );
    }
    // The section named must use the term, before `Going further`.
    let chapters = [(
        "step-2.md".to_owned(),
        "# Step 2\n\n## Other {#trap}\n\nNo word.\n\n## Going further\n\nA trap.\n".to_owned(),
    )];
    let problems = terms_used_before_explained("en", &chapters, &terms[..1]);
    assert!(problems[0].contains("does not use it"), "{problems:#?}");
    // A Chinese term counts anywhere in a line.
    let glossary = "**陷入**（trap）：动作。最先讲到它的是[第 2 步](step-2.md)。\n";
    let terms = glossary_terms("zh", glossary).unwrap();
    let chapters = |step_1: &str| {
        [
            ("step-1.md".to_owned(), step_1.to_owned()),
            ("step-2.md".to_owned(), "# 第 2 步\n\n陷入。\n".to_owned()),
        ]
    };
    assert!(
        terms_used_before_explained("zh", &chapters("# 第 1 步\n\n默认陷入。\n"), &terms)[0]
            .starts_with("step-1.md:3")
    );
    assert_eq!(
        glossary_terms(
            "en",
            "**trap** — What a filter does. See [Step 2](step-2.md).\n"
        )
        .err()
        .as_deref(),
        Some("line 1: the entry `trap` names no section after `First explained in`")
    );
}

/// The outside sources every book links in its introduction and its glossary.
const SOURCES: [&str; 5] = [
    "https://www.kernel.org/doc/html/latest/userspace-api/seccomp_filter.html",
    "https://man7.org/linux/man-pages/man2/seccomp.2.html",
    "https://github.com/seccomp/libseccomp",
    "https://outflux.net/teach-seccomp/",
    "https://github.com/0x0916/notes/blob/master/code/c/seccomp-example/seccomp.md",
];

/// The targets of a Markdown text's links to other sites: inline links, links
/// by reference and autolinks (`<https://...>`), outside code.
fn external_links(text: &str) -> BTreeSet<String> {
    markdown::links(text)
        .into_iter()
        .map(|link| link.target)
        .filter(|target| target.contains("://"))
        .collect()
}

/// Whether `url` is a well-formed web address: `http` or `https`, a host name of
/// letters, digits, dots and dashes with a dot in it (or `localhost`, which the
/// README's `mdbook serve` uses), and then only characters an address may hold
/// unescaped. (CI has no network: what is behind an address
/// is not checked.)
fn well_formed(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, path) = rest.split_at(rest.find(['/', '#', '?']).unwrap_or(rest.len()));
    let host = host.split(':').next().unwrap();
    !host.is_empty()
        && (host.contains('.') || host == "localhost")
        && !host.starts_with(['.', '-'])
        && !host.ends_with(['.', '-'])
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c))
        && !path.ends_with(['.', ',', ';', ':'])
}

/// Every link to another site, in both books and the README, is a well-formed
/// address, and each book links the outside sources it follows (the kernel's
/// documentation, seccomp(2), libseccomp, the original tutorial and the Chinese
/// post) in its introduction and its glossary.
#[test]
fn links_to_other_sites_are_well_formed_and_name_the_sources() {
    let mut count = 0;
    let mut texts: Vec<(String, String)> = LANGUAGES
        .iter()
        .flat_map(|language| {
            chapters(language)
                .into_iter()
                .map(move |(name, text)| (format!("docs/{language}/src/{name}"), text))
        })
        .collect();
    texts.push((
        "README.md".to_owned(),
        fs::read_to_string(workspace().join("README.md")).unwrap(),
    ));
    for (name, text) in &texts {
        for url in external_links(text) {
            count += 1;
            assert!(
                well_formed(&url),
                "{name} links to `{url}`, which is no web address"
            );
        }
        // Markdown takes an address in angle brackets for a link only when it
        // holds no space and no other bracket. Otherwise the reader sees it as
        // it is written, brackets and all.
        for (line, words) in markdown::prose_lines(text) {
            assert!(
                !words.contains("<http"),
                "{name}:{line}: an address in angle brackets is shown as text, not as a link: \
                 {words}"
            );
        }
    }
    assert!(
        count >= 20,
        "only {count} links to other sites were checked"
    );
    for language in LANGUAGES {
        for chapter in ["introduction.md", "glossary.md"] {
            let path = workspace().join(format!("docs/{language}/src/{chapter}"));
            let links = external_links(&fs::read_to_string(&path).unwrap());
            for source in SOURCES {
                assert!(
                    links.contains(source),
                    "{} does not link {source}",
                    path.display()
                );
            }
        }
    }
    for (url, good) in [
        ("https://outflux.net/teach-seccomp/", true),
        ("https://example.org/a_(b)#c", true),
        ("http://localhost:3000", true),
        ("https://example/", false),
        ("https://example.org/a b", false),
        ("https://example.org/。", false),
        ("https://example.org/page.", false),
        ("ftp://example.org/", false),
        ("https:/example.org/", false),
    ] {
        assert_eq!(well_formed(url), good, "{url}");
    }
}

/// One exercise of the workshop guide: its number (`2.2`), whether it is optional,
/// the minutes it says it takes, and its blocks of commands that
/// `scripts/check-exercises.sh` and `scripts/check-student-path.sh` run, by kind
/// (`check`, `solution`, `root`, `restore`, `not-done`, and `try` for a `sh` block
/// that no marker names), in order.
#[derive(Debug)]
struct Exercise {
    number: String,
    optional: bool,
    minutes: Option<u32>,
    blocks: Vec<(String, String)>,
}

/// The exercises of one language's workshop guide, and its restore block.
///
/// An exercise is a `###` heading with its number, then a paragraph that opens
/// with its minutes in italics (`*About 5 minutes.*`), then blocks of commands.
/// An HTML comment names the kind and the exercise of the `sh` block that
/// follows it (`<!-- check 2.2 -->`), or holds the commands itself
/// (`<!-- not-done 2.2: ...` up to a line `-->`). `<!-- restore -->` comes before
/// the block that puts the repository back. A `sh` block of an exercise that no
/// marker names holds commands to try.
fn workshop_exercises(language: &str) -> (Vec<Exercise>, String) {
    let path = workspace()
        .join("docs")
        .join(language)
        .join("src/workshop.md");
    let text = fs::read_to_string(&path).unwrap();
    let events = markdown::events(&text);
    let mut exercises: Vec<Exercise> = Vec::new();
    let mut restore = String::new();
    // The event that starts the code block the last marker names.
    let mut marked = None;
    let place = |at: usize| format!("{}:{}", path.display(), markdown::line_of(&text, at));
    // The commands of the `sh` block that starts at event `index`, which a
    // marker names. scripts/workshop-guide.sh, which reads them, looks for a
    // line ```sh right after the marker's line, and so does this test.
    // The commands of the code block that starts at event `index`, without the
    // last newline.
    let code_of = |index: usize| -> String {
        let code: String = events[index + 1..]
            .iter()
            .map_while(|(event, _)| match event {
                Event::Text(code) => Some(code.as_ref()),
                _ => None,
            })
            .collect();
        code.strip_suffix('\n').unwrap_or(&code).to_owned()
    };
    let sh_block = |index: usize, marker: usize| -> String {
        let info = match events.get(index) {
            Some((Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))), _)) => info.as_ref(),
            _ => "",
        };
        assert!(
            info == "sh" && text[marker..].lines().nth(1) == Some("```sh"),
            "{}: a marker must be followed by a ```sh block",
            place(marker)
        );
        code_of(index)
    };
    for (index, (event, range)) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H3,
                ..
            }) => {
                let heading = markdown::inline_text(&events[index + 1..]);
                if let Some(number) = heading.split_whitespace().find(|word| {
                    word.contains('.') && word.starts_with(|c: char| c.is_ascii_digit())
                }) {
                    let number: String = number
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.')
                        .collect();
                    exercises.push(Exercise {
                        number,
                        optional: heading.contains("optional") || heading.contains("选做"),
                        minutes: None,
                        blocks: Vec::new(),
                    });
                }
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info.as_ref() == "sh" && marked != Some(index) =>
            {
                if let Some(exercise) = exercises.last_mut() {
                    exercise.blocks.push(("try".to_owned(), code_of(index)));
                }
            }
            // A paragraph that opens with words in italics.
            Event::Start(Tag::Paragraph) => {
                let Some((Event::Start(Tag::Emphasis), _)) = events.get(index + 1) else {
                    continue;
                };
                let opening = markdown::inline_text(&events[index + 2..]);
                if let Some(rest) = opening
                    .strip_prefix("About ")
                    .or_else(|| opening.strip_prefix("大约 "))
                {
                    let minutes: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let exercise = exercises.last_mut().expect("a duration in an exercise");
                    exercise.minutes = minutes.parse().ok();
                }
            }
            Event::Start(Tag::HtmlBlock) => {
                let html: String = events[index + 1..]
                    .iter()
                    .map_while(|(event, _)| match event {
                        Event::Html(html) => Some(html.as_ref()),
                        _ => None,
                    })
                    .collect();
                let Some(marker) = html.strip_prefix("<!-- ") else {
                    continue;
                };
                // The event after the end of the HTML block.
                let next = index
                    + events[index..]
                        .iter()
                        .position(|(event, _)| *event == Event::End(TagEnd::HtmlBlock))
                        .expect("an HTML block ends")
                    + 1;
                if marker.trim_end() == "restore -->" {
                    restore = sh_block(next, range.start);
                    marked = Some(next);
                    continue;
                }
                let mut lines = marker.lines();
                let mut words = lines.next().unwrap_or("").split_whitespace();
                let kind = words.next().unwrap_or("").to_owned();
                let number = words.next().unwrap_or("").trim_end_matches(':').to_owned();
                let commands = if kind == "not-done" {
                    let commands: Vec<&str> = lines.take_while(|l| *l != "-->").collect();
                    assert!(
                        html.lines().last() == Some("-->"),
                        "{}: a block never ends",
                        place(range.start)
                    );
                    commands.join("\n")
                } else {
                    marked = Some(next);
                    sh_block(next, range.start)
                };
                let exercise = exercises.last_mut().expect("a block in an exercise");
                assert_eq!(
                    exercise.number,
                    number,
                    "{}: the block of exercise {number} is in exercise {}",
                    place(range.start),
                    exercise.number
                );
                exercise.blocks.push((kind, commands));
            }
            _ => {}
        }
    }
    (exercises, restore)
}

/// The workshop guide's two languages give the same exercises, each with a check
/// and a solution (which `scripts/check-exercises.sh` runs) and the time it takes,
/// with the same commands, and the same commands to put the repository back.
#[test]
fn both_workshop_guides_run_the_same_commands() {
    let (english, restore) = workshop_exercises("en");
    assert!(english.len() >= 14, "{english:?}");
    assert!(restore.contains("git checkout") && restore.contains("cargo build"));
    for exercise in &english {
        for kind in ["check", "solution"] {
            assert!(
                exercise.blocks.iter().any(|(k, _)| k == kind),
                "exercise {} has no {kind} block",
                exercise.number
            );
        }
        assert!(
            exercise.minutes.is_some(),
            "exercise {} does not say how long it takes",
            exercise.number
        );
    }
    let (chinese, chinese_restore) = workshop_exercises("zh");
    assert_eq!(restore, chinese_restore);
    assert_eq!(english.len(), chinese.len());
    for (en, zh) in english.iter().zip(&chinese) {
        assert_eq!(en.number, zh.number);
        assert_eq!(en.optional, zh.optional, "exercise {}", en.number);
        assert_eq!(en.minutes, zh.minutes, "exercise {}", en.number);
        assert_eq!(
            en.blocks, zh.blocks,
            "the commands of exercise {}",
            en.number
        );
    }
}

/// The words of the shell commands `commands`, as a shell splits them into
/// words and commands (quotes are not read: the guide's file names have none).
fn shell_words(commands: &str) -> Vec<&str> {
    commands
        .split(|c: char| c.is_whitespace() || "|;&()<>".contains(c))
        .filter(|word| !word.is_empty())
        .collect()
}

/// The steps whose sources the patches of `commands` edit (`--- a/STEP/...`).
fn steps_edited(commands: &str) -> BTreeSet<String> {
    commands
        .lines()
        .filter_map(|line| line.strip_prefix("--- a/"))
        .filter_map(|path| path.split_once('/'))
        .map(|(step, _)| step.to_owned())
        .filter(|step| step.starts_with("step-"))
        .collect()
}

/// The steps that `commands` run: `cargo run -p STEP`, `cargo build -p STEP`
/// and `./target/debug/STEP`.
fn steps_run(commands: &str) -> BTreeSet<String> {
    let words = shell_words(commands);
    let mut steps = BTreeSet::new();
    for (i, word) in words.iter().enumerate() {
        if let Some(step) = word.strip_prefix("./target/debug/") {
            steps.insert(step.to_owned());
        } else if *word == "-p" {
            steps.extend(words.get(i + 1).map(|step| (*step).to_owned()));
        }
    }
    steps
}

/// The steps whose changes a check's `git diff --stat --exit-code -- PATH...`
/// looks for: the first folder of each path.
fn steps_guarded(check: &str) -> BTreeSet<String> {
    let mut steps = BTreeSet::new();
    for line in check.lines() {
        let Some((_, paths)) = line.split_once("git diff --stat --exit-code --") else {
            continue;
        };
        let paths = paths.split("&&").next().unwrap_or("");
        for path in paths.split_whitespace() {
            steps.insert(path.split('/').next().unwrap_or(path).to_owned());
        }
    }
    steps
}

/// Each exercise of the workshop guide starts from the repository as it is
/// before the workshop, whatever the exercises before it changed. An exercise
/// whose solution edits a step shows, after it, the commands that put the
/// repository back, the same as those of "Checks and solutions"; those
/// commands undo the edits of every step an exercise edits and remove every
/// file the exercises make at the top of the repository (the answers, the
/// policy copies); and the check of every exercise after one that edits a step
/// it runs makes sure that the edit is gone, so that a participant who skips
/// the restore is told instead of misled. `scripts/check-student-path.sh` runs
/// the exercises so, one after the other, in one shell.
#[test]
fn each_workshop_exercise_starts_from_the_repository_as_it_was() {
    for language in LANGUAGES {
        let (exercises, restore) = workshop_exercises(language);
        let restore_words = shell_words(&restore);
        let mut edited_before: BTreeSet<String> = BTreeSet::new();
        for exercise in &exercises {
            let number = &exercise.number;
            let blocks = |kind: &str| -> Vec<&str> {
                exercise
                    .blocks
                    .iter()
                    .filter(|(k, _)| k == kind)
                    .map(|(_, commands)| commands.as_str())
                    .collect()
            };
            let edits: BTreeSet<String> = blocks("solution")
                .iter()
                .flat_map(|commands| steps_edited(commands))
                .collect();
            let restores = blocks("restore");
            for commands in &restores {
                assert_eq!(
                    *commands, restore,
                    "{language}: exercise {number} puts the repository back with other commands than Checks and solutions"
                );
            }
            assert_eq!(
                restores.len(),
                usize::from(!edits.is_empty()),
                "{language}: exercise {number} edits {edits:?}: it shows the commands that put the repository back after its solution, once, and only then"
            );
            for step in &edits {
                assert!(
                    restore_words.contains(&step.as_str()),
                    "{language}: the commands that put the repository back leave {step} as exercise {number} edits it"
                );
            }
            for check in blocks("check") {
                let guarded = steps_guarded(check);
                for step in steps_run(check).intersection(&edited_before) {
                    assert!(
                        guarded.contains(step),
                        "{language}: the check of exercise {number} runs {step}, which an exercise before it edits, without making sure the edit is gone (git diff --stat --exit-code -- {step})"
                    );
                }
            }
            for (kind, commands) in &exercise.blocks {
                for word in shell_words(commands) {
                    let made =
                        !word.contains('/') && (word.ends_with(".txt") || word.ends_with(".toml"));
                    assert!(
                        !made || restore_words.contains(&word),
                        "{language}: the {kind} block of exercise {number} names {word}, which the commands that put the repository back do not remove"
                    );
                }
            }
            edited_before.extend(edits);
        }
        assert!(
            edited_before.len() >= 3,
            "{language}: the exercises edit {edited_before:?}"
        );
    }
}

/// The exercises a piece of the workshop plan names, with the minutes it gives each.
type Planned = Vec<(String, u32)>;

/// How each language's workshop plan names its buffer and its break (the words that
/// open the cell of the row's block), and the words after the number of minutes in
/// the sentence before the table that states the buffer.
const PLAN_WORDS: [(&str, &str, &str, &str); 2] = [
    ("en", "Buffer", "Break", " minutes of buffer"),
    ("zh", "机动时间", "休息", " 分钟机动时间"),
];

/// One block of the workshop plan, a row of its table.
struct PlanRow {
    /// When it starts and ends, in minutes from the start.
    start: u32,
    end: u32,
    /// The words of its block.
    block: String,
    /// The minutes of talk the row gives it, if any.
    talk: Option<u32>,
    /// The exercises it names.
    exercises: Planned,
    /// Its line in the guide.
    line: usize,
}

/// The workshop plan.
struct Plan {
    /// The rows of its table.
    rows: Vec<PlanRow>,
    /// The exercises that the paragraphs after the table name, up to the next
    /// section: the optional ones.
    optional: Planned,
    /// The minutes of buffer the plan's text before the table states.
    stated_buffer: Option<u32>,
}

/// The workshop plan of one language's workshop guide: a table whose columns are
/// the time (`0:06–0:18`), the block, its chapters, its talk (`5 min`) and its
/// exercises.
fn workshop_plan(language: &str) -> Plan {
    let path = workspace()
        .join("docs")
        .join(language)
        .join("src/workshop.md");
    let text = fs::read_to_string(&path).unwrap();
    let minutes = |time: &str| -> u32 {
        let (hours, minutes) = time.split_once(':').expect("H:MM");
        hours.trim().parse::<u32>().unwrap() * 60 + minutes.trim().parse::<u32>().unwrap()
    };
    let links = markdown::links(&text);
    let table = markdown::tables(&text)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{} has no plan", path.display()));
    assert!(
        table.rows[0].len() == 5 && table.ragged.is_empty(),
        "{}: the plan's table has five columns: time, block, chapter, talk, exercises",
        path.display()
    );
    let rows = table.rows[1..]
        .iter()
        .map(|cells| {
            let line = markdown::line_of(&text, cells[0].range.start);
            let time = &cells[0].text;
            let (start, end) = time.split_once('–').unwrap_or_else(|| {
                panic!(
                    "{}:{line}: a row of the plan starts with `{time}`, not with START–END",
                    path.display(),
                )
            });
            let talk: String = cells[3]
                .text
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            PlanRow {
                start: minutes(start),
                end: minutes(end),
                block: cells[1].text.clone(),
                talk: talk.parse().ok(),
                exercises: exercise_minutes(&text, &links, cells[4].range.clone()),
                line,
            }
        })
        .collect();
    let headings = markdown::headings(&text);
    let next_section = headings
        .iter()
        .find(|heading| heading.level <= 2 && heading.range.start >= table.range.end)
        .map_or(text.len(), |heading| heading.range.start);
    let optional = exercise_minutes(&text, &links, table.range.end..next_section);
    let section_start = headings
        .iter()
        .rfind(|heading| heading.level <= 2 && heading.range.start < table.range.start)
        .map_or(0, |heading| heading.range.end);
    let &(_, _, _, buffer_words) = PLAN_WORDS
        .iter()
        .find(|(lang, ..)| *lang == language)
        .expect("each guide names its buffer");
    let stated_buffer = text[section_start..table.range.start]
        .find(buffer_words)
        .and_then(|at| {
            let before = &text[section_start..section_start + at];
            let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            before[before.len() - digits..].parse().ok()
        });
    Plan {
        rows,
        optional,
        stated_buffer,
    }
}

/// The exercises that the bytes `within` of `text` name (`[2.2](#...) (5 min)`
/// or `[2.2](#...)（5 分钟）`), with their minutes: the text of each link in
/// `links` there, and the first number after it, before the next link.
fn exercise_minutes(text: &str, links: &[Link], within: Range<usize>) -> Planned {
    let links: Vec<&Link> = links
        .iter()
        .filter(|link| within.contains(&link.range.start))
        .collect();
    links
        .iter()
        .enumerate()
        .filter_map(|(i, link)| {
            let until = links.get(i + 1).map_or(within.end, |next| next.range.start);
            let minutes: String = text[link.range.end..until]
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            Some((link.text.clone(), minutes.parse().ok()?))
        })
        .collect()
}

/// The workshop plan fits its 90 minutes with the buffer it states: its rows
/// follow each other from 0:00 to 1:30; each row but the break and the buffer is
/// exactly its talk plus its exercises; the buffer is one row of its own, with
/// neither talk nor exercises, as long as the text before the table says and at
/// least 10 minutes; every exercise that is not optional has a row and the
/// optional ones are listed after the table, each with the minutes its own
/// section gives it.
#[test]
fn the_workshop_plan_fits_in_90_minutes_with_its_buffer() {
    for language in LANGUAGES {
        let (exercises, _) = workshop_exercises(language);
        let Plan {
            rows,
            optional,
            stated_buffer,
        } = workshop_plan(language);
        let &(_, buffer_word, break_word, buffer_words) = PLAN_WORDS
            .iter()
            .find(|(lang, ..)| *lang == language)
            .expect("each guide names its buffer");
        let mut clock = 0;
        let mut planned = Vec::new();
        let mut buffers = Vec::new();
        for row in &rows {
            let (start, end, line) = (row.start, row.end, row.line);
            assert_eq!(
                start, clock,
                "{language}, line {line}: the plan's rows must follow each other"
            );
            assert!(end > start, "{language}, line {line}: an empty row");
            let busy: u32 = row.exercises.iter().map(|(_, minutes)| minutes).sum();
            let is_buffer = row.block.starts_with(buffer_word);
            if is_buffer {
                buffers.push(end - start);
            }
            if is_buffer || row.block.starts_with(break_word) {
                assert!(
                    row.talk.is_none() && row.exercises.is_empty(),
                    "{language}, line {line}: the break and the buffer have neither talk nor exercises"
                );
            } else {
                let talk = row.talk.unwrap_or_else(|| {
                    panic!("{language}, line {line}: a block says how long its talk is")
                });
                assert_eq!(
                    talk + busy,
                    end - start,
                    "{language}, line {line}: {talk} minutes of talk and {busy} of exercises in {} minutes",
                    end - start
                );
            }
            planned.extend(row.exercises.iter().cloned());
            clock = end;
        }
        assert_eq!(clock, 90, "{language}: the plan ends at {clock} minutes");
        assert_eq!(
            buffers.len(),
            1,
            "{language}: the plan has one row of buffer (`{buffer_word}...`)"
        );
        assert_eq!(
            stated_buffer,
            Some(buffers[0]),
            "{language}: the text before the plan states its buffer (`N{buffer_words}`) as long as its row"
        );
        assert!(
            buffers[0] >= 10,
            "{language}: a buffer of {} minutes is too short for a room of rebuilds and stragglers",
            buffers[0]
        );
        for exercise in &exercises {
            let listed = if exercise.optional {
                &optional
            } else {
                &planned
            };
            let found = listed.iter().find(|(number, _)| *number == exercise.number);
            assert_eq!(
                found.map(|(_, minutes)| *minutes),
                exercise.minutes,
                "{language}: exercise {} (optional: {}) is not in the plan with the minutes it says",
                exercise.number,
                exercise.optional
            );
        }
    }
}

/// The words, in bold, that open the three notes of each block of the workshop's
/// speaker notes: what to show on the projector, the one question to ask the
/// room, and the usual mistake.
const NOTE_LABELS: [(&str, [&str; 3]); 2] = [
    ("en", ["**Show.**", "**Ask.**", "**Usual mistake.**"]),
    ("zh", ["**投影。**", "**提问。**", "**常见错误。**"]),
];

/// The inline code of `text` within the bytes `within`, in order.
fn code_spans(text: &str, within: Range<usize>) -> Vec<String> {
    markdown::events(text)
        .into_iter()
        .filter(|(_, range)| within.contains(&range.start))
        .filter_map(|(event, _)| match event {
            Event::Code(code) => Some(code.to_string()),
            _ => None,
        })
        .collect()
}

/// The teacher's page of the workshop, `workshop-notes.md`, follows the plan and
/// the exercises: every block of the plan that has talk has a section whose
/// heading opens with the block's time, with what to show, what to ask and the
/// usual mistake; and its answer key, the last table, gives every exercise of
/// the guide a row, in order, that links to the exercise and whose answer opens
/// with code that the exercise's check or solution writes, so that the key
/// cannot say one answer and the guide check another.
#[test]
fn the_workshop_notes_follow_the_plan_and_answer_every_exercise() {
    for language in LANGUAGES {
        let src = workspace().join("docs").join(language).join("src");
        let path = src.join("workshop-notes.md");
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        let headings = markdown::headings(&text);
        let &(_, labels) = NOTE_LABELS
            .iter()
            .find(|(lang, _)| *lang == language)
            .expect("each book has speaker notes");
        let clock = |minutes: u32| format!("{}:{:02}", minutes / 60, minutes % 60);
        let Plan { rows, .. } = workshop_plan(language);
        let mut blocks = 0;
        for row in rows.iter().filter(|row| row.talk.is_some()) {
            let time = format!("{}–{}", clock(row.start), clock(row.end));
            let heading = headings
                .iter()
                .find(|heading| heading.level == 2 && heading.text.starts_with(&time))
                .unwrap_or_else(|| {
                    panic!(
                        "{}: no section `## {time} ...` for the block of the plan at line {}",
                        path.display(),
                        row.line
                    )
                });
            let section = markdown::section(&text, 2, &heading.text).expect("a section");
            for label in labels {
                assert!(
                    text[section.clone()].contains(label),
                    "{}: the notes of {time} have no {label}",
                    path.display()
                );
            }
            blocks += 1;
        }
        assert!(blocks >= 6, "{language}: notes for {blocks} blocks");

        let (exercises, _) = workshop_exercises(language);
        let guide = fs::read_to_string(src.join("workshop.md")).unwrap();
        let guide_headings = markdown::headings(&guide);
        let key = markdown::tables(&text)
            .pop()
            .unwrap_or_else(|| panic!("{} has no answer key", path.display()));
        let links = markdown::links(&text);
        assert_eq!(
            key.rows.len() - 1,
            exercises.len(),
            "{}: the answer key has a row for each exercise",
            path.display()
        );
        for (cells, exercise) in key.rows[1..].iter().zip(&exercises) {
            let number = &exercise.number;
            let line = markdown::line_of(&text, cells[0].range.start);
            let heading = guide_headings
                .iter()
                .find(|heading| {
                    heading.level == 3
                        && heading.text.split_whitespace().any(|word| {
                            word.trim_end_matches(|c: char| !c.is_ascii_digit()) == number
                        })
                })
                .expect("each exercise has a heading");
            let link = links
                .iter()
                .find(|link| cells[0].range.contains(&link.range.start))
                .unwrap_or_else(|| panic!("{}:{line}: no link to the exercise", path.display()));
            assert_eq!(
                (link.text.as_str(), link.target.as_str()),
                (
                    number.as_str(),
                    format!("workshop.md#{}", heading.id).as_str()
                ),
                "{}:{line}: the answer key's rows follow the exercises, each linking to its own",
                path.display()
            );
            let answer = code_spans(&text, cells[1].range.clone());
            let written = exercise
                .blocks
                .iter()
                .filter(|(kind, _)| kind == "check" || kind == "solution")
                .any(|(_, commands)| {
                    answer
                        .first()
                        .is_some_and(|code| commands.contains(code.as_str()))
                });
            assert!(
                written,
                "{}:{line}: the answer to exercise {number} opens with {:?}, which its check and solution do not write",
                path.display(),
                answer.first()
            );
        }
    }
}

/// What the README's quick start says of the tests `cargo test --workspace`
/// ignores, and the words that open the reason of each kind (`#[ignore =
/// "..."]`): every ignored test gives one of these reasons, and the README
/// names what each needs.
const IGNORED_KINDS: [(&str, &str); 6] = [
    ("needs root and runc", "runc, and for most of them root too"),
    ("needs runc", "runc"),
    (
        "needs root, to make a set-user-ID copy of id",
        "set-user-ID copy of `id`",
    ),
    (
        "needs root, to change a command's credentials",
        "a command that changes its credentials",
    ),
    (
        "needs Podman's",
        "container runtimes' default seccomp profiles",
    ),
    (
        "needs Docker's",
        "container runtimes' default seccomp profiles",
    ),
];

/// Every test that `cargo test --workspace` ignores says why and how to run
/// it, and the README's quick start names what it needs and the command that
/// runs it: a count of ignored tests in the summary is explained where a
/// learner reads the command.
#[test]
fn the_readme_says_which_tests_are_ignored_and_how_to_run_them() {
    let readme = fs::read_to_string(workspace().join("README.md")).unwrap();
    let quick_start = &readme[readme.find("## Quick start").unwrap()..];
    let quick_start = &quick_start[..quick_start[3..].find("\n## ").unwrap()];
    // Its words, wherever its lines break.
    let quick_start = quick_start.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut reasons = Vec::new();
    for krate in [
        "common",
        "common/harness",
        "step-1-baseline",
        "step-2-filter",
        "step-3-reporting",
        "step-4-policy",
    ] {
        for entry in fs::read_dir(workspace().join(krate).join("tests")).unwrap() {
            let text = fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            for piece in text.split("ignore = \"").skip(1) {
                reasons.push(piece[..piece.find('"').unwrap()].to_owned());
            }
        }
    }
    assert!(reasons.len() >= 10, "{reasons:#?}");
    for reason in &reasons {
        if reason.starts_with("checks libseccomp 2.5.4") {
            assert!(quick_start.contains("libseccomp 2.5.4"), "{quick_start}");
            continue;
        }
        if reason.starts_with("needs io_uring, which cannot be set up where this was built")
            || reason.starts_with("needs syscalls that no filter answers before --learn's")
        {
            assert!(
                quick_start.contains(
                    "in a container whose runtime's profile refuses them, io_uring and syscalls \
                     that profile does not name"
                ),
                "{quick_start}"
            );
            continue;
        }
        let (_, needs) = IGNORED_KINDS
            .iter()
            .find(|(opening, _)| reason.starts_with(opening))
            .unwrap_or_else(|| panic!("an ignored test gives a reason of no known kind: {reason}"));
        assert!(
            reason.ends_with("run cargo test --workspace -- --include-ignored"),
            "{reason}"
        );
        assert!(
            quick_start.contains(needs),
            "the quick start does not say {needs:?}"
        );
    }
    assert!(quick_start.contains("`cargo test --workspace -- --include-ignored`"));
    assert!(quick_start.contains("scripts/install-container-tools.sh"));
}

/// Every section a line of `--audit` points to (`(see auditing.md#execve)`)
/// is a heading of the chapter on auditing, in both books.
#[test]
fn the_audit_points_to_sections_that_exist() {
    for language in LANGUAGES {
        let path = workspace().join(format!("docs/{language}/src/auditing.md"));
        let chapter = fs::read_to_string(&path).unwrap();
        let ids: Vec<String> = markdown::headings(&chapter)
            .into_iter()
            .map(|heading| heading.id)
            .collect();
        for section in common::tools::audit::SECTIONS {
            assert!(
                ids.iter().any(|id| id == section),
                "{} has no heading with the id `{section}`",
                path.display()
            );
        }
    }
}

/// The policy files the Chinese book shows with Chinese comments (`docs/zh/policies/`),
/// each with the file the steps read, and whether its lines must stay where the file
/// has them: a refused policy's message names its rules by line, and the chapter shows
/// that message under the file.
const POLICY_TWINS: [(&str, &str, bool); 3] = [
    (
        "step-4-policy/policy.toml",
        "docs/zh/policies/policy.toml",
        false,
    ),
    (
        "step-4-policy/policies/overlap.toml",
        "docs/zh/policies/overlap.toml",
        true,
    ),
    (
        "step-4-policy/policies/typo.toml",
        "docs/zh/policies/typo.toml",
        true,
    ),
];

/// Whether a line of TOML is a comment (an anchor marker too) or blank.
fn toml_comment_or_blank(line: &str) -> bool {
    let line = line.trim();
    line.is_empty() || line.starts_with('#')
}

/// The lines of a policy file that make its policy, with their numbers, and its
/// anchor markers, in order.
fn policy_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| is_anchor_marker(line) || !toml_comment_or_blank(line))
        .map(|(number, line)| (number + 1, line.trim().to_owned()))
        .collect()
}

/// The comment lines of a Chinese twin, without their `#`, as the glossary's test
/// reads them (no anchor markers).
fn twin_comment_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.trim_start().starts_with('#') && !is_anchor_marker(line))
        .map(|(number, line)| {
            let words = line.trim_start().trim_start_matches('#').trim();
            (number + 1, without_glosses(words))
        })
        .collect()
}

/// Three English words in a row, outside `code` and "quoted" TOML values: a sentence
/// left in English.
fn english_sentence(line: &str) -> Option<String> {
    let mut kept = String::new();
    let mut inside = None;
    for c in line.chars() {
        match inside {
            Some(close) if c == close => inside = None,
            Some(_) => {}
            None if c == '`' || c == '"' => inside = Some(c),
            None => kept.push(c),
        }
    }
    let words: Vec<&str> = kept.split(' ').collect();
    words
        .windows(3)
        .find(|three| {
            three
                .iter()
                .all(|word| word.len() >= 2 && word.chars().all(|c| c.is_ascii_alphabetic()))
        })
        .map(|three| three.join(" "))
}

/// The Chinese book shows step 4's policy files with Chinese comments, and they are
/// the same policies: each twin has the lines of TOML of its file, no more, no less,
/// in the same order, with the same anchors (at the same line numbers where a message
/// names lines), and parses into the same tables; every rule of a twin follows a
/// comment in Chinese, and no comment of a twin is an English sentence. The Chinese
/// policy chapter shows the twins, not the files.
#[test]
fn the_chinese_book_shows_the_policies_with_chinese_comments_and_the_same_rules() {
    let read = |path: &str| {
        fs::read_to_string(workspace().join(path))
            .unwrap_or_else(|err| panic!("cannot read {path}: {err}"))
    };
    let chapter = read("docs/zh/src/policy.md");
    let shown: Vec<String> = includes(&chapter)
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    for (original, twin, same_lines) in POLICY_TWINS {
        let (file, chinese) = (read(original), read(twin));
        let (file_lines, twin_lines) = (policy_lines(&file), policy_lines(&chinese));
        if same_lines {
            assert_eq!(
                twin_lines, file_lines,
                "{twin}: the lines of TOML differ from {original}'s, or stand on other lines"
            );
        } else {
            let text = |lines: &[(usize, String)]| -> Vec<String> {
                lines.iter().map(|(_, line)| line.clone()).collect()
            };
            assert_eq!(
                text(&twin_lines),
                text(&file_lines),
                "{twin}: the lines of TOML or the anchors differ from {original}'s"
            );
        }
        let parse = |path: &str, text: &str| -> toml::Table {
            toml::from_str(text).unwrap_or_else(|err| panic!("{path} is not TOML: {err}"))
        };
        assert_eq!(
            parse(twin, &chinese),
            parse(original, &file),
            "{twin} is another policy than {original}"
        );

        let lines: Vec<&str> = chinese.lines().collect();
        let mut rules = 0;
        for (index, line) in lines.iter().enumerate() {
            if line.trim() != "[[rule]]" {
                continue;
            }
            rules += 1;
            let comment: String = lines[..index]
                .iter()
                .rev()
                .take_while(|line| line.trim_start().starts_with('#'))
                .copied()
                .collect();
            assert!(
                comment.chars().any(ideograph),
                "{twin}:{}: the rule has no comment in Chinese above it",
                index + 1
            );
        }
        assert!(rules > 0, "{twin} has no rule");
        for (number, line) in twin_comment_lines(&chinese) {
            if let Some(words) = english_sentence(&line) {
                panic!("{twin}:{number}: a comment in English ({words}): write it in Chinese");
            }
        }
        let relative = format!("../{}", twin.trim_start_matches("docs/zh/"));
        assert!(
            shown.contains(&relative),
            "docs/zh/src/policy.md does not show {twin} (shows {shown:?})"
        );
        assert!(
            !shown.iter().any(|path| path.ends_with(original)),
            "docs/zh/src/policy.md shows {original}, with its English comments: show {twin}"
        );
    }
    // The test tells an English sentence from Chinese with English names in it.
    assert!(english_sentence("the syscall is not run").is_some());
    assert!(english_sentence("用 `cargo test -p step-4-policy` 检查").is_none());
    assert!(english_sentence("\"errno NAME\" 或 \"errno N\"（不执行）").is_none());
}
