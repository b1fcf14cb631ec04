//! The tour binary, run against stand-in steps: shell scripts that end the way the
//! real steps do (exit 0 after a fork, death by SIGSYS, exit 1), so what the tour
//! shows is checked apart from what the steps do on this machine. Written with
//! assert_cmd and predicates: the tour's own process ends normally, so its exit
//! status and output are all there is to check.

use std::fs;

use assert_cmd::Command;
use harness::files::{write_executable, Scratch};
use predicates::prelude::*;

const TOUR: &str = env!("CARGO_BIN_EXE_tour");

/// A scratch directory of this test binary's, made anew.
fn scratch(name: &str) -> Scratch {
    Scratch::new(env!("CARGO_TARGET_TMPDIR"), name)
}

/// Makes a directory of stand-in steps and returns it.
fn stand_in_steps(name: &str) -> Scratch {
    let dir = scratch(name);
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
        write_executable(&dir.join(binary), &format!("#!/bin/sh\n{body}\n"), 0o755);
    }
    dir
}

/// Each step gets a titled section with the command, its output, the shell's
/// `Bad system call` for a SIGSYS death, `$?`, and how the step ended.
#[test]
fn shows_each_step_as_a_shell_transcript() {
    let dir = stand_in_steps("tour-all");
    let mut tour = Command::new(TOUR);
    let mut assert = tour
        .args(["--bin-dir", dir.to_str().unwrap(), "--input", "hi"])
        .write_stdin("")
        .assert()
        .success();
    for expected in [
        "== Step 1: the baseline (step-1-baseline) ==",
        "$ printf 'hi\\n' | cargo run -q -p step-1-baseline\ngot hi\nchild\n$ echo $?\n0\n",
        "$ printf 'hi\\n' | cargo run -q -p step-2-filter\ngot hi\nBad system call\n$ echo $?\n159\n\
         # step-2-filter: killed by SIGSYS (Bad system call), status 159 in a shell\n\
         # it forked no child\n",
        "Looks like you also need syscall: x(1)\n$ echo $?\n1\n",
        "| cargo run -q -p step-4-policy\noops\n$ echo $?\n3\n",
    ] {
        assert = assert.stdout(predicate::str::contains(expected));
    }
}

/// `--step` runs only the steps named.
#[test]
fn runs_only_the_steps_asked_for() {
    let dir = stand_in_steps("tour-some");
    Command::new(TOUR)
        .args(["--bin-dir", dir.to_str().unwrap(), "--step", "3"])
        .write_stdin("")
        .assert()
        .stdout(predicate::str::contains("step-3-reporting"))
        .stdout(predicate::str::contains("step-2-filter").not());
}

/// A missing step binary is one clear error, not a panic.
#[test]
fn says_how_to_build_missing_steps() {
    let empty = scratch("tour-empty");
    Command::new(TOUR)
        .args(["--bin-dir", empty.to_str().unwrap()])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cargo build --workspace --bins"));
}

/// `--save DIR` writes each step's transcript, exactly as the tour shows it, and
/// the platform they were made on, which reads back as this machine's.
#[test]
fn saves_one_transcript_per_step_and_the_platform() {
    use harness::tour::{transcript_file_name, Platform, PLATFORM_FILE, STEPS};

    let dir = stand_in_steps("tour-save");
    let scratch = scratch("tour-saved");
    let saved = scratch.join("saved");
    let output = Command::new(TOUR)
        .args(["--bin-dir", dir.to_str().unwrap()])
        .args(["--save", saved.to_str().unwrap()])
        .write_stdin("")
        .assert()
        .success()
        .get_output()
        .clone();
    let shown = String::from_utf8_lossy(&output.stdout);
    let told = String::from_utf8_lossy(&output.stderr);
    for step in STEPS {
        let path = saved.join(transcript_file_name(step.binary));
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(&format!(
                "$ printf 'hello seccomp\\n' | cargo run -q -p {}\n",
                step.binary
            )),
            "{text}"
        );
        assert!(
            shown.contains(&text),
            "{text:?} is not what the tour showed"
        );
        assert!(told.contains(&path.display().to_string()), "{told}");
    }
    let platform = fs::read_to_string(saved.join(PLATFORM_FILE)).unwrap();
    assert_eq!(Platform::parse(&platform), Some(Platform::current()));
}

/// Transcripts are saved with the tutorial's input only: `--input` with `--save`
/// is a usage error, and nothing is written.
#[test]
fn saves_nothing_with_another_input() {
    let dir = stand_in_steps("tour-save-input");
    let scratch = scratch("tour-not-saved");
    let saved = scratch.join("saved");
    Command::new(TOUR)
        .args(["--bin-dir", dir.to_str().unwrap()])
        .args(["--save", saved.to_str().unwrap(), "--input", "other"])
        .write_stdin("")
        .assert()
        .code(2);
    assert!(!saved.exists());
}
