//! What step 1 shows: without a filter the program runs to the end; and the
//! program's input handling, which every step shares (the bad-input and
//! hostile-stdout cases run against every step).
//!
//! The tests run the step as Rust's CLI tests run a binary: assert_cmd's
//! `Command` starts it with a line on stdin, and `.assert()` with predicates
//! checks its output and its exit status. How the process it forked ended is
//! what assert_cmd cannot see (the parent does not wait for it):
//! `harness::runner` runs the step as a child subreaper, collects that process
//! too, and its output goes through the same `.assert()`.

use assert_cmd::assert::OutputAssertExt;
use assert_cmd::Command;
use harness::hostile::Reach;
use harness::runner::{run_timeout, Ending};
use harness::running::{no_core_dumps, run, run_in_shell_with_slow_child, TUTORIAL_INPUT};
use predicates::prelude::*;

const STEP: &str = env!("CARGO_BIN_EXE_step-1-baseline");

/// Step 1's binary as a CLI test starts it (core dumps off, as for every step).
fn step_1() -> Command {
    no_core_dumps();
    let mut command = Command::cargo_bin("step-1-baseline").unwrap();
    command.timeout(run_timeout());
    command
}

/// What the program prints after the echoed line when it runs to the end.
const AFTER_ECHO: &str = "And now we fork, which should do quite opposite...\n\
                          You should not see this, because I am dead\n\
                          You should not see this, because I am dead\n";

/// Runs step 1 on `stdin` and asserts that it ran to the end: exit status 0 and
/// nothing on stderr (assert_cmd), and the process it forked exited 0 too
/// (which only the runner sees); then that stdout is the prompt, the echo of
/// `echoed`, and the rest of the program's lines.
fn assert_runs_to_the_end(stdin: &[u8], echoed: &str) {
    let run = run(STEP, &[], stdin);
    assert_eq!(run.forked, [Ending::Exited(0)], "{}", run.stderr_text());
    run.output()
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::eq(format!(
            "Type stuff here: You typed: {echoed}\n{AFTER_ECHO}"
        )));
}

/// The tutorial's transcript: the prompt and the echo share a line (stdin is a
/// pipe, not a terminal), and the last line is printed twice, once per process.
#[test]
fn runs_to_the_end_and_both_processes_print_the_last_line() {
    step_1()
        .write_stdin(TUTORIAL_INPUT)
        .assert()
        .success()
        .stderr("")
        .stdout(format!(
            "Type stuff here: You typed: hello seccomp\n{AFTER_ECHO}"
        ));
}

/// The forked process ends as its parent does, with status 0: the runner's
/// addition to the same assertions.
#[test]
fn the_forked_process_exits_0_too() {
    assert_runs_to_the_end(TUTORIAL_INPUT, "hello seccomp");
}

/// Only the first line is read; the rest of the input is left alone.
#[test]
fn reads_only_the_first_line() {
    assert_runs_to_the_end(b"first\nsecond\n", "first");
}

/// A last line without a newline still gets a line of its own.
#[test]
fn adds_a_newline_when_the_input_has_none() {
    assert_runs_to_the_end(b"no newline", "no newline");
}

/// In a terminal the shell prints its next prompt as soon as the step's own process
/// has exited: when the child it forked is the slower (here it is held back until
/// the prompt), the child's last line comes after the prompt, as the step 1 chapter
/// of both books shows, below the command that runs the step.
#[test]
fn a_slower_child_prints_after_the_shells_prompt() {
    let run = match run_in_shell_with_slow_child(STEP, TUTORIAL_INPUT) {
        Ok(run) => run,
        Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => panic!(
            "this system does not let a test trace its grandchild ({err}): \
             ./tour.sh --check says why (its ptrace line) and what to do"
        ),
        Err(err) => panic!("{err}"),
    };
    assert_eq!(run.forked, [Ending::Exited(0)], "{}", run.stderr_text());
    let terminal = run.stdout_text();
    assert_eq!(
        terminal,
        format!("Type stuff here: You typed: hello seccomp\n{AFTER_ECHO}").replacen(
            "dead\nYou",
            "dead\n$ You",
            1
        )
    );
    let shown = format!(
        "```text\n$ {}\n{terminal}```",
        harness::tour::command("step-1-baseline", TUTORIAL_INPUT)
    );
    for language in ["en", "zh"] {
        let chapter = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../docs/{language}/src/step-1.md"));
        let text = std::fs::read_to_string(&chapter).unwrap();
        assert!(
            text.contains(&shown),
            "{} does not show what a terminal shows:\n{shown}",
            chapter.display()
        );
    }
}

// Empty input, a 1 MiB line, raw bytes, and stdout closed, full or without reader.
harness::hostile_stdio_tests!(STEP, Reach::TheEnd);

/// `--help` says what the step is, and the program does not run: no prompt,
/// although a line waits on stdin.
#[test]
fn help_says_what_the_step_is() {
    step_1()
        .arg("--help")
        .write_stdin(TUTORIAL_INPUT)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("no filter")
                .and(predicate::str::contains(common::program::PROMPT).not()),
        );
}
