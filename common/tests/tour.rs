//! The tour binary, run against stand-in steps: shell scripts that end the way the
//! real steps do (exit 0 after a fork, death by SIGSYS, exit 1), so what the tour
//! shows is checked apart from what the steps do on this machine.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::testing::run;

const TOUR: &str = env!("CARGO_BIN_EXE_tour");

/// Makes a directory of stand-in steps and returns it.
fn stand_in_steps(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    fs::create_dir_all(&dir).unwrap();
    let scripts = [
        (
            "step-1-baseline",
            "read line; echo \"got $line\"; (echo child) & wait; exit 0",
        ),
        (
            "step-2-filter",
            "read line; echo \"got $line\"; kill -SYS $$",
        ),
        (
            "step-3-reporting",
            "echo 'Looks like you also need syscall: x(1)'; exit 1",
        ),
        ("step-4-policy", "echo oops >&2; exit 3"),
    ];
    for (binary, body) in scripts {
        let path = dir.join(binary);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

/// Each step gets a titled section with the command, its output, the shell's
/// `Bad system call` for a SIGSYS death, `$?`, and how the step ended.
#[test]
fn shows_each_step_as_a_shell_transcript() {
    let dir = stand_in_steps("tour-all");
    let run = run(
        TOUR,
        &["--bin-dir", dir.to_str().unwrap(), "--input", "hi"],
        b"",
    );
    assert!(run.status.success(), "{}", run.stderr_text());
    let text = run.stdout_text();
    for expected in [
        "== Step 1: the baseline (step-1-baseline) ==",
        "$ printf 'hi\\n' | step-1-baseline\ngot hi\nchild\n$ echo $?\n0\n",
        "$ printf 'hi\\n' | step-2-filter\ngot hi\nBad system call\n$ echo $?\n159\n\
         # step-2-filter: killed by SIGSYS (Bad system call), status 159 in a shell\n\
         # it forked no child\n",
        "Looks like you also need syscall: x(1)\n$ echo $?\n1\n",
        "| step-4-policy\noops\n$ echo $?\n3\n",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
}

/// `--step` runs only the steps named.
#[test]
fn runs_only_the_steps_asked_for() {
    let dir = stand_in_steps("tour-some");
    let run = run(
        TOUR,
        &["--bin-dir", dir.to_str().unwrap(), "--step", "3"],
        b"",
    );
    let text = run.stdout_text();
    assert!(
        text.contains("step-3-reporting") && !text.contains("step-2-filter"),
        "{text}"
    );
}

/// A missing step binary is one clear error, not a panic.
#[test]
fn says_how_to_build_missing_steps() {
    let empty = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tour-empty");
    fs::create_dir_all(&empty).unwrap();
    let run = run(TOUR, &["--bin-dir", empty.to_str().unwrap()], b"");
    assert_eq!(run.status.code(), Some(1));
    assert!(
        run.stderr_text().contains("cargo build --workspace --bins"),
        "{}",
        run.stderr_text()
    );
}
