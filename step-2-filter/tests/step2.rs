//! What step 2 shows: a strict allow list kills the program at its first other syscall.

use common::testing::{
    assert_fails_closed, assert_killed_by_sigsys, run, stdout_lines, Reach, TUTORIAL_INPUT,
};

const STEP: &str = env!("CARGO_BIN_EXE_step-2-filter");

/// The program gets through its writes and its read, and SIGSYS kills it at the
/// sleep, before the fork: two lines, no child, no message of its own.
#[test]
fn is_killed_by_sigsys_at_the_sleep_after_two_lines() {
    let run = run(STEP, &[], TUTORIAL_INPUT);
    assert_eq!(
        stdout_lines(&run),
        [
            "Type stuff here: You typed: hello seccomp",
            "And now we fork, which should do quite opposite...",
        ]
    );
    assert_killed_by_sigsys(&run);
    assert_eq!(run.stderr_text(), "");
    assert!(
        run.forked.is_empty(),
        "it died before fork: {:?}",
        run.forked
    );
}

/// When the filter cannot be loaded, step 2 says so and never runs the program.
#[test]
fn fails_closed_when_no_filter_can_be_loaded() {
    assert_fails_closed(STEP);
}

/// `--help` says what the step teaches, and the program does not run.
#[test]
fn help_says_what_the_step_teaches() {
    let run = run(STEP, &["--help"], b"");
    assert!(run.status.success());
    assert!(
        run.stdout_text().contains("strict allow list"),
        "{}",
        run.stdout_text()
    );
}

// Empty input, a 1 MiB line, raw bytes, and stdout closed, full or without reader.
common::hostile_stdio_tests!(STEP, Reach::KilledAtTheSleep);
