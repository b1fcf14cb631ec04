//! What step 4 shows: with what step 3 found added, the program runs to the end.

use common::runner::Ending;
use common::testing::{assert_fails_closed, run, Reach, TUTORIAL_INPUT};

const STEP: &str = env!("CARGO_BIN_EXE_step-4-policy");

/// Exactly step 1's output, and both the step and the child it forked exit 0:
/// neither is killed on its way out.
#[test]
fn runs_to_the_end_like_step_1() {
    let run = run(STEP, &[], TUTORIAL_INPUT);
    assert_eq!(
        run.stdout_text(),
        "Type stuff here: You typed: hello seccomp\n\
         And now we fork, which should do quite opposite...\n\
         You should not see this, because I am dead\n\
         You should not see this, because I am dead\n"
    );
    assert_eq!(run.stderr_text(), "");
    assert_eq!(run.ending(), Ending::Exited(0));
    assert_eq!(run.forked, [Ending::Exited(0)]);
}

/// When the filter cannot be loaded, step 4 says so and never runs the program.
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
        run.stdout_text().contains("finished policy"),
        "{}",
        run.stdout_text()
    );
}

// Empty input, a 1 MiB line, raw bytes, and stdout closed, full or without reader.
common::hostile_stdio_tests!(STEP, Reach::TheEnd);
