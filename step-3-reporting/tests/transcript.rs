//! The book shows what step 3 prints (`docs/transcripts/step-3-reporting.txt`): this test
//! fails when that transcript no longer matches what the step prints here.

/// The step, run with the tutorial's input, prints what the book says it prints
/// and ends as the book says it ends.
#[test]
fn prints_what_the_book_shows() {
    harness::transcripts::assert_transcript_matches_book(env!("CARGO_BIN_EXE_step-3-reporting"));
}

/// The chapter on discovering syscalls shows step 3's `--allow` rounds, its refusal
/// of bad names, its `--print-filter` output and a command that `--learn -- CMD`
/// does not find; the chapter on how `--learn` works shows the filters of
/// `--learn` and of a command: these transcripts still match.
/// (The later rounds and `--learn` are left out: the step and its forked child
/// race to print there.)
#[test]
fn the_discovering_chapter_shows_what_step_3_prints() {
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_step-3-reporting"))
        .parent()
        .unwrap();
    harness::transcripts::assert_command_transcripts_match(
        bin_dir,
        &[
            "discovering/round-1.txt",
            "discovering/round-2.txt",
            "discovering/unknown-name.txt",
            "discovering/foreign-name.txt",
            "discovering/step-3-bpf.txt",
            "discovering/learn-bpf.txt",
            "discovering/learn-command-bpf.txt",
            "discovering/learn-not-found.txt",
        ],
    );
}

/// Runs `command` as a learner types it, in `sh` from `folder`, with the
/// steps on `PATH` and stderr merged into stdout, as a transcript shows it.
fn run_from(folder: &std::path::Path, command: &str) -> harness::runner::StepRun {
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_step-3-reporting"))
        .parent()
        .unwrap();
    let mut path = vec![bin_dir.to_path_buf()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    harness::runner::run_step(
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec 2>&1; {command}"))
            .env("PATH", std::env::join_paths(path).unwrap())
            .current_dir(folder),
        b"",
    )
    .unwrap()
}

/// The chapter shows `--learn -- ls docs` run from the top of the repository,
/// in the C locale: the command, run here again from there, prints the same.
#[test]
fn the_discovering_chapter_shows_what_learn_finds_for_ls() {
    let file = "discovering/learn-ls.txt";
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let stored = std::fs::read_to_string(root.join("docs/transcripts").join(file)).unwrap();
    let command = stored
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("$ "))
        .expect("a transcript starts with `$ COMMAND`");
    let run = run_from(&root, command);
    harness::transcripts::assert_run_matches_book(file, command, &run);
}

/// The chapter on discovering syscalls, in both languages, shows the run of the
/// bench of `--learn` against `strace` (`cargo bench -p step-3-reporting
/// --bench learn`) that `docs/images/learn-speed.csv` keeps, the bench's CSV as
/// it wrote it: each way's median time and ratio to the bare run, as its table
/// rounds them, `--learn`'s ratio to `strace` and `--callers`' to `--learn`,
/// the date, and how many syscalls
/// the command made. The numbers themselves are not checked: they are the
/// machine's, and speed is the bench's to measure, never a test's.
#[test]
fn the_discovering_chapter_shows_the_published_speed_run() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let csv = std::fs::read_to_string(root.join("docs/images/learn-speed.csv")).unwrap();
    let meta = |key: &str| -> String {
        csv.lines()
            .find_map(|line| line.strip_prefix(&format!("# {key}: ")))
            .unwrap_or_else(|| panic!("learn-speed.csv has no `# {key}:` line"))
            .to_owned()
    };
    let rows: Vec<(String, f64, f64)> = csv
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("way,"))
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 5, "way,ms,q1_ms,q3_ms,ratio_to_bare: {line}");
            (
                fields[0].to_owned(),
                fields[1].parse().unwrap(),
                fields[4].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows.len(),
        4,
        "bare, strace, --learn and --learn --callers: {csv}"
    );
    for chapter in ["en", "zh"] {
        let path = root.join(format!("docs/{chapter}/src/discovering.md"));
        let text = std::fs::read_to_string(&path).unwrap();
        for (way, ms, ratio) in &rows {
            let row = text
                .lines()
                .find(|line| line.starts_with(&format!("| {way} | ")))
                .unwrap_or_else(|| panic!("{}: no table row for `{way}`", path.display()));
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            let shown_ms: f64 = cells[1].parse().unwrap();
            let shown_ratio: f64 = cells[2].trim_end_matches('×').parse().unwrap();
            assert!(
                (shown_ms - ms).abs() <= 0.051 && (shown_ratio - ratio).abs() <= 0.0051,
                "{}: `{way}` shows {shown_ms} ms, {shown_ratio}×; the run has {ms} ms, {ratio}×",
                path.display()
            );
        }
        let ratio = format!("{}×", meta("learn to strace"));
        let callers = format!("{}×", meta("callers to learn"));
        for value in [ratio, callers, meta("date"), meta("syscalls")] {
            assert!(
                text.contains(&value),
                "{} should say the run's {value}",
                path.display()
            );
        }
    }
}

/// The chapter on auditing a filter shows what `--audit` says of step 3 with `--allow io_uring_setup`:
/// those transcripts still match.
#[test]
fn the_auditing_chapter_shows_what_the_audit_prints() {
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_step-3-reporting"))
        .parent()
        .unwrap();
    harness::transcripts::assert_command_transcripts_match(
        bin_dir,
        &["auditing/step-3-io-uring.txt"],
    );
}

/// A `--learn --callers` report, as the step 3 chapter compares it: each syscall
/// it lists, with the lines under it (its callers, innermost first), and the
/// report's other lines but the `--allow` advice, whose order is the list's.
#[cfg(target_arch = "x86_64")]
struct CallersReport {
    chains: std::collections::BTreeMap<String, Vec<String>>,
    other_lines: Vec<String>,
}

#[cfg(target_arch = "x86_64")]
impl CallersReport {
    /// Reads a report from the lines of a transcript (or a run): a line
    /// `NAME(NR)` starts a syscall, the indented lines after it are its callers.
    fn read(text: &str) -> CallersReport {
        let mut chains = std::collections::BTreeMap::new();
        let mut other_lines = Vec::new();
        let mut current: Option<String> = None;
        for line in text.lines() {
            if let Some(caller) = line.strip_prefix("    ") {
                let syscall = current
                    .clone()
                    .unwrap_or_else(|| panic!("a caller before any syscall: {line}"));
                chains
                    .entry(syscall)
                    .or_insert_with(Vec::new)
                    .push(caller.to_owned());
                continue;
            }
            current = line
                .strip_suffix(')')
                .and_then(|line| line.split_once('('))
                .filter(|(name, number)| {
                    !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && number.chars().all(|c| c.is_ascii_digit())
                })
                .map(|(name, _)| name.to_owned());
            if current.is_none() && !line.contains(" --allow ") {
                other_lines.push(line.to_owned());
            }
        }
        CallersReport {
            chains,
            other_lines,
        }
    }
}

/// The step 3 chapter shows `--learn --callers` run from the top of the
/// repository, through Cargo (`docs/transcripts/discovering/learn-callers.txt`):
/// the command, run here again from there (the step's binary for `cargo run`),
/// lists the same syscalls, each under a chain whose first function is in libc
/// and whose last line, the program's own code or `main`, is the stored one.
/// The lines between depend on Rust's standard library and glibc, and the order
/// of the syscalls on a race between the program's process and its child: they
/// are not compared. Nor is anything on another platform than the transcript's.
#[test]
#[cfg(target_arch = "x86_64")]
fn the_step_3_chapter_shows_which_code_makes_each_syscall() {
    use harness::tour::book_transcripts_dir;

    let file = "discovering/learn-callers.txt";
    let stored = std::fs::read_to_string(book_transcripts_dir().join(file)).unwrap();
    let shown = stored
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("$ "))
        .expect("a transcript starts with `$ COMMAND`");
    let through_cargo = "cargo run -q -p step-3-reporting --";
    assert!(shown.contains(through_cargo), "{file}: {shown}");
    let command = shown.replacen(through_cargo, "step-3-reporting", 1);
    let run = run_from(&harness::workspace_root(), &command);
    let printed = format!(
        "$ {shown}\n{}{}$ echo $?\n{}\n",
        run.stdout_text(),
        run.stderr_text(),
        run.ending().shell_status()
    );

    let expected = CallersReport::read(&stored);
    let actual = CallersReport::read(&printed);
    // What the chapter says of every chain, true of the stored one.
    assert!(expected.chains.len() >= 5, "{file}:\n{stored}");
    for (name, chain) in &expected.chains {
        assert!(chain[0].contains("libc.so.6"), "{file}: {name}: {chain:?}");
    }
    if !harness::transcripts::compared_here(file, &printed) {
        return;
    }
    let remake = "remake it with docs/transcripts/discovering/regenerate.sh";
    assert_eq!(
        actual.other_lines, expected.other_lines,
        "the report's other lines and the status differ from docs/transcripts/{file}; {remake}"
    );
    assert_eq!(
        actual.chains.keys().collect::<Vec<_>>(),
        expected.chains.keys().collect::<Vec<_>>(),
        "other syscalls than docs/transcripts/{file} lists; {remake}:\n{printed}"
    );
    for (name, chain) in &actual.chains {
        let stored_chain = &expected.chains[name];
        assert!(
            chain[0].contains("libc.so.6"),
            "{name}: its first caller is not in libc: {chain:?}"
        );
        assert_eq!(
            chain.last(),
            stored_chain.last(),
            "{name}: its chain ends elsewhere than docs/transcripts/{file} says; {remake}:\n{printed}"
        );
    }
}
