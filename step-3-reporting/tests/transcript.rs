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
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_step-3-reporting"))
        .parent()
        .unwrap();
    let mut path = vec![bin_dir.to_path_buf()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let run = harness::runner::run_step(
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec 2>&1; {command}"))
            .env("PATH", std::env::join_paths(path).unwrap())
            .current_dir(&root),
        b"",
    )
    .unwrap();
    harness::transcripts::assert_run_matches_book(file, command, &run);
}

/// The chapter on discovering syscalls, in both languages, shows the run of the
/// bench of `--learn` against `strace` (`cargo bench -p step-3-reporting
/// --bench learn`) that `docs/images/learn-speed.csv` keeps, the bench's CSV as
/// it wrote it: each way's median time and ratio to the bare run, as its table
/// rounds them, `--learn`'s ratio to `strace`, the date, and how many syscalls
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
    assert_eq!(rows.len(), 3, "bare, strace and --learn: {csv}");
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
        for value in [ratio, meta("date"), meta("syscalls")] {
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
