//! What step 3 shows: a trapping filter and a SIGSYS reporter name the missing syscall.

use common::runner::Ending;
use common::testing::{
    assert_fails_closed, report_line_for, run, stdout_lines, Reach, SLEEP_SYSCALLS, TUTORIAL_INPUT,
};

const STEP: &str = env!("CARGO_BIN_EXE_step-3-reporting");

/// After the same two lines as step 2, the reporter names the sleep syscall with
/// this architecture's number (computed through libseccomp, not written down)
/// and the process exits with status 1 instead of dying by a signal.
#[test]
fn reports_the_sleep_syscall_and_exits_1() {
    let run = run(STEP, &[], TUTORIAL_INPUT);
    let lines = stdout_lines(&run);
    assert_eq!(
        lines[..2],
        [
            "Type stuff here: You typed: hello seccomp",
            "And now we fork, which should do quite opposite...",
        ]
    );
    let expected: Vec<String> = SLEEP_SYSCALLS.iter().map(|s| report_line_for(s)).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        expected.contains(&lines[2]),
        "{:?} is none of {expected:?}",
        lines[2]
    );
    assert_eq!(
        run.ending(),
        Ending::Exited(1),
        "stderr: {}",
        run.stderr_text()
    );
    assert!(
        run.forked.is_empty(),
        "it stopped before fork: {:?}",
        run.forked
    );
}

/// When the filter cannot be loaded, step 3 says so and never runs the program.
#[test]
fn fails_closed_when_no_filter_can_be_loaded() {
    assert_fails_closed(STEP);
}

/// `--help` says what the step teaches.
#[test]
fn help_says_what_the_step_teaches() {
    let run = run(STEP, &["--help"], b"");
    assert!(run.status.success());
    assert!(
        run.stdout_text().contains("reporter"),
        "{}",
        run.stdout_text()
    );
}

// Empty input, a 1 MiB line, raw bytes, and stdout closed, full or without reader.
common::hostile_stdio_tests!(STEP, Reach::ReportedAtTheSleep);
