//! What step 1 shows: without a filter the program runs to the end; and the
//! program's input handling, which every step shares (the bad-input and
//! hostile-stdout cases run against every step).

use common::runner::Ending;
use common::testing::{assert_help_mentions, run, Reach, StepRun, TUTORIAL_INPUT};

const STEP: &str = env!("CARGO_BIN_EXE_step-1-baseline");

/// What the program prints after the echoed line when it runs to the end.
const AFTER_ECHO: &str = "And now we fork, which should do quite opposite...\n\
                          You should not see this, because I am dead\n\
                          You should not see this, because I am dead\n";

fn run_to_the_end(stdin: &[u8]) -> StepRun {
    let run = run(STEP, &[], stdin);
    assert_eq!(
        run.ending(),
        Ending::Exited(0),
        "stderr: {}",
        run.stderr_text()
    );
    assert_eq!(run.forked, [Ending::Exited(0)]);
    run
}

/// The tutorial's transcript: the prompt and the echo share a line (stdin is a
/// pipe, not a terminal), and the last line is printed twice, once per process.
#[test]
fn runs_to_the_end_and_both_processes_print_the_last_line() {
    let run = run_to_the_end(TUTORIAL_INPUT);
    assert_eq!(
        run.stdout_text(),
        format!("Type stuff here: You typed: hello seccomp\n{AFTER_ECHO}")
    );
    assert_eq!(run.stderr_text(), "");
}

/// Only the first line is read; the rest of the input is left alone.
#[test]
fn reads_only_the_first_line() {
    let run = run_to_the_end(b"first\nsecond\n");
    assert_eq!(
        run.stdout_text(),
        format!("Type stuff here: You typed: first\n{AFTER_ECHO}")
    );
}

/// A last line without a newline still gets a line of its own.
#[test]
fn adds_a_newline_when_the_input_has_none() {
    let run = run_to_the_end(b"no newline");
    assert_eq!(
        run.stdout_text(),
        format!("Type stuff here: You typed: no newline\n{AFTER_ECHO}")
    );
}

// Empty input, a 1 MiB line, raw bytes, and stdout closed, full or without reader.
common::hostile_stdio_tests!(STEP, Reach::TheEnd);

/// `--help` says what the step is.
#[test]
fn help_says_what_the_step_is() {
    assert_help_mentions(STEP, &["no filter"]);
}
