//! What step 1 shows: without a filter the program runs to the end; and the
//! program's input handling, which every step shares.

use common::runner::Ending;
use common::testing::{run, StepRun, TUTORIAL_INPUT};

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

/// Empty input and a last line without a newline still get a line of their own.
#[test]
fn adds_a_newline_only_when_the_input_has_none() {
    for (input, echoed) in [(&b""[..], ""), (b"no newline", "no newline")] {
        let run = run_to_the_end(input);
        assert_eq!(
            run.stdout_text(),
            format!("Type stuff here: You typed: {echoed}\n{AFTER_ECHO}")
        );
    }
}

/// Like `fgets(buf, 1024, stdin)`, a long line is cut after 1023 bytes.
#[test]
fn cuts_a_long_line_after_1023_bytes() {
    let mut input = vec![b'x'; 1_000_000];
    input.push(b'\n');
    let run = run_to_the_end(&input);
    let expected = format!(
        "Type stuff here: You typed: {}\n{AFTER_ECHO}",
        "x".repeat(1023)
    );
    assert_eq!(run.stdout_text(), expected);
}

/// Bytes are echoed verbatim: not UTF-8, NUL and CR included.
#[test]
fn echoes_bytes_verbatim() {
    let input = b"\xff\xfe\x00nul\rcr\n";
    let run = run_to_the_end(input);
    let mut expected = b"Type stuff here: You typed: ".to_vec();
    expected.extend_from_slice(input);
    expected.extend_from_slice(AFTER_ECHO.as_bytes());
    assert_eq!(run.stdout, expected);
}

/// `--help` says what the step is.
#[test]
fn help_says_what_the_step_is() {
    let run = run(STEP, &["--help"], b"");
    assert!(run.status.success());
    assert!(
        run.stdout_text().contains("no filter"),
        "{}",
        run.stdout_text()
    );
}
