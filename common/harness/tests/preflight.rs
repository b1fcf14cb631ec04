//! The machine check a teacher asks a room to run, `./tour.sh --check`: the
//! `preflight` binary, run as a learner runs it, on this machine, under an
//! outer filter that refuses `seccomp(2)`, and with tools missing from the
//! PATH; and the part of `./tour.sh --check` that runs before anything is
//! built, with a Rust that is too old.

use std::path::Path;
use std::process::Command;

use harness::files::{write_executable, Scratch};
use harness::runner::{run_step, Ending, StepRun};
use harness::running::run_with_seccomp_denied;

const PREFLIGHT: &str = env!("CARGO_BIN_EXE_preflight");

/// Runs the preflight with the PATH `path` (this process's when `None`).
fn preflight(path: Option<&Path>) -> StepRun {
    let mut command = Command::new(PREFLIGHT);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    run_step(&mut command, b"").expect("the preflight runs")
}

/// The report's lines: the checks, then the verdict.
fn lines(run: &StepRun) -> (Vec<String>, String) {
    let text = run.stdout_text();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let verdict = lines.pop().expect("a verdict line");
    (lines, verdict)
}

/// The line of check `what`, which the report must have.
fn line_of<'a>(checks: &'a [String], what: &str) -> &'a str {
    checks
        .iter()
        .find(|line| line[6..].starts_with(&format!("{what}:")))
        .unwrap_or_else(|| panic!("no line for {what}: {checks:#?}"))
}

/// Every line of the report is one check, marked ok, note or FAIL, and the
/// last is the verdict: `ready` exactly when no check failed, with exit status
/// 0, or `not ready` and 1. Each check of the kernel's seccomp that the other
/// tests of this workspace rely on is there and passes here.
#[test]
fn prints_one_line_per_check_and_a_verdict_that_agrees_with_them() {
    let run = preflight(None);
    let (checks, verdict) = lines(&run);
    for line in &checks {
        assert!(
            ["ok    ", "note  ", "FAIL  "]
                .iter()
                .any(|mark| line.starts_with(mark)),
            "{line:?}"
        );
    }
    let failed = checks.iter().any(|line| line.starts_with("FAIL"));
    if failed {
        assert!(verdict.starts_with("not ready: "), "{verdict}");
        assert_eq!(run.ending(), Ending::Exited(1));
    } else {
        assert!(verdict.starts_with("ready: "), "{verdict}");
        assert!(verdict.contains(std::env::consts::ARCH), "{verdict}");
        assert_eq!(run.ending(), Ending::Exited(0));
    }
    for what in [
        "architecture",
        "kernel seccomp",
        "NO_NEW_PRIVS",
        "action KILL_PROCESS (step 2)",
        "action TRAP (step 3)",
        "action ERRNO (step 4)",
        "action LOG",
        "action USER_NOTIF (--learn)",
        "libseccomp",
    ] {
        let line = line_of(&checks, what);
        assert!(line.starts_with("ok"), "{line}");
    }
    for what in ["container", "strace", "ptrace", "Python 3", "Rust"] {
        line_of(&checks, what);
    }
    assert!(run.stderr.is_empty(), "{}", run.stderr_text());
}

/// How many seccomp filters this process runs under (`Seccomp_filters:` of
/// /proc/self/status): none on a machine, one or more in a container.
fn filters_here() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("Seccomp_filters:"))
        .map_or(0, |count| count.trim().parse().unwrap())
}

/// Under an outer filter that refuses `seccomp(2)`, as a container runtime's
/// profile might, no action can be checked: each says so, and the verdict
/// says the steps cannot load a filter here, and what to do, with status 1.
#[test]
fn under_a_filter_that_refuses_seccomp_the_machine_is_not_ready() {
    let run = run_with_seccomp_denied(PREFLIGHT, &[], b"");
    let (checks, verdict) = lines(&run);
    assert_eq!(run.ending(), Ending::Exited(1), "{}", run.stdout_text());
    for what in [
        "action KILL_PROCESS (step 2)",
        "action TRAP (step 3)",
        "action ERRNO (step 4)",
        "action LOG",
        "action USER_NOTIF (--learn)",
    ] {
        let line = line_of(&checks, what);
        assert!(
            line.starts_with("FAIL") && line.contains("the filter cannot be loaded"),
            "{line}"
        );
    }
    // The outer filter, and those this process runs under already (in a
    // container, the runtime's).
    let filters = match filters_here() + 1 {
        1 => "1 filter".to_owned(),
        n => format!("{n} filters"),
    };
    assert!(
        line_of(&checks, "kernel seccomp").contains(&format!("already runs under {filters},")),
        "{checks:#?}"
    );
    assert!(
        verdict.starts_with(&format!(
            "not ready: the steps cannot load a filter here (seccomp(2) fails with EPERM: \
             Operation not permitted) under the {filters} this process already runs under"
        )) && verdict.contains("a container whose profile allows seccomp(2)")
            && verdict.ends_with("; then run ./tour.sh --check again"),
        "{verdict}"
    );
    // One cause, said once.
    assert_eq!(
        verdict.matches("cannot load a filter").count(),
        1,
        "{verdict}"
    );
}

/// A directory of links to the commands on this process's PATH named in
/// `commands` that exist, to be a PATH on which the others are missing.
fn path_with_only(name: &str, commands: &[&str]) -> Scratch {
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), name);
    let path = std::env::var_os("PATH").unwrap_or_default();
    for command in commands {
        if let Some(found) = std::env::split_paths(&path)
            .map(|dir| dir.join(command))
            .find(|file| file.is_file())
        {
            std::os::unix::fs::symlink(found, dir.join(command)).unwrap();
        }
    }
    dir
}

/// Without strace on the PATH, the strace line fails and names the fix, and so
/// does the verdict.
#[test]
fn without_strace_it_says_what_installs_it() {
    let path = path_with_only("preflight-no-strace", &["rustc", "python3"]);
    let run = preflight(Some(&path));
    let (checks, verdict) = lines(&run);
    assert_eq!(run.ending(), Ending::Exited(1), "{}", run.stdout_text());
    let line = line_of(&checks, "strace");
    assert_eq!(
        line,
        "FAIL  strace: not installed; the tests of step 3's --learn need it"
    );
    assert!(
        verdict.starts_with("not ready: ")
            && verdict.contains("run ./tour.sh, which installs strace"),
        "{verdict}"
    );
}

/// A Rust older than the workspace's rust-version fails the Rust line, which
/// names both versions, and the verdict says how to get a newer one.
#[test]
fn a_rust_too_old_is_named_with_the_version_needed() {
    let path = path_with_only("preflight-old-rust", &["strace", "python3"]);
    write_executable(
        &path.join("rustc"),
        "#!/bin/sh\necho 'rustc 1.65.0 (897e37553 2022-11-02)'\n",
        0o755,
    );
    let run = preflight(Some(&path));
    let (checks, verdict) = lines(&run);
    let needed = env!("CARGO_PKG_RUST_VERSION");
    assert_eq!(
        line_of(&checks, "Rust"),
        format!("FAIL  Rust: rustc 1.65.0, and the workspace needs {needed} or later")
    );
    assert!(
        verdict.contains(&format!("install Rust {needed} or later")),
        "{verdict}"
    );
    assert_eq!(run.ending(), Ending::Exited(1));
}

/// Before it builds anything, `./tour.sh --check` checks Rust itself: a cargo
/// that old would stop at the lock file without naming the version needed. So
/// does `./tour.sh`, in one line on stderr; neither runs cargo.
#[test]
fn tour_sh_names_the_rust_needed_before_cargo_runs() {
    let path = Scratch::new(env!("CARGO_TARGET_TMPDIR"), "tour-old-rust");
    write_executable(
        &path.join("rustc"),
        "#!/bin/sh\necho 'rustc 1.65.0 (897e37553 2022-11-02)'\n",
        0o755,
    );
    // A cargo that says when it is run, which it must not be.
    write_executable(
        &path.join("cargo"),
        "#!/bin/sh\necho 'cargo ran' >&2\nexit 101\n",
        0o755,
    );
    let system_path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![path.to_path_buf()];
    dirs.extend(std::env::split_paths(&system_path));
    let joined = std::env::join_paths(dirs).unwrap();
    let needed = env!("CARGO_PKG_RUST_VERSION");

    let checked = run_step(
        Command::new(harness::workspace_root().join("tour.sh"))
            .arg("--check")
            .env("PATH", &joined),
        b"",
    )
    .unwrap();
    assert_eq!(checked.ending(), Ending::Exited(1));
    // The Rust line first; a machine without libseccomp's development files
    // (a test machine of another architecture) has a line for them too.
    let stdout = checked.stdout_text();
    assert!(
        stdout.starts_with(&format!(
            "FAIL  Rust: Rust {needed} or later is needed and this rustc ("
        )) && stdout.contains(&format!("\nnot ready: install Rust {needed} or later; "))
            && stdout.ends_with("; then run ./tour.sh --check again\n"),
        "{stdout}"
    );
    assert!(!checked.stderr_text().contains("cargo ran"));

    let toured = run_step(
        Command::new(harness::workspace_root().join("tour.sh")).env("PATH", &joined),
        b"",
    )
    .unwrap();
    assert_eq!(toured.ending(), Ending::Exited(1));
    let stderr = toured.stderr_text();
    assert!(
        stderr.starts_with(&format!(
            "error: Rust {needed} or later is needed and this rustc ("
        )) && stderr.contains(") is 1.65.0: ")
            && stderr.ends_with(".\n")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(toured.stdout.is_empty());
}
