//! What step 2 shows: a strict allow list kills the program at its first other syscall.

use common::filter::TUTORIAL_ALLOW_LIST;
use common::runner::Ending;
use common::testing::{
    assert_bpf_checks_the_architecture_first, assert_fails_closed, assert_help_mentions,
    assert_killed_by_sigsys, assert_pfc_names, printed_filter, run, stdout_lines, Reach,
    TUTORIAL_INPUT,
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
    assert_help_mentions(STEP, &["strict allow list", "--print-filter[=<FORMAT>]"]);
}

/// `--print-filter` shows the filter without running the program: the pseudo
/// filter code names every syscall of the tutorial's allow list (those this
/// architecture has) and kills the rest; the BPF form starts with the
/// architecture check.
#[test]
fn print_filter_shows_the_allow_list_without_running_the_program() {
    let pfc = printed_filter(STEP, &["--print-filter"]);
    assert_pfc_names(&pfc, TUTORIAL_ALLOW_LIST);
    assert!(pfc.contains("action KILL_PROCESS;"), "{pfc}");

    let bpf = printed_filter(STEP, &["--print-filter=bpf"]);
    assert_bpf_checks_the_architecture_first(&bpf);
    assert!(bpf.contains("ret ALLOW\n"), "{bpf}");
    assert!(bpf.contains("ret KILL_PROCESS\n"), "{bpf}");
    assert!(!bpf.contains("ret TRAP"), "{bpf}");
}

/// An unknown format is a usage error.
#[test]
fn print_filter_refuses_an_unknown_format() {
    let run = run(STEP, &["--print-filter=xml"], b"");
    assert_eq!(run.ending(), Ending::Exited(2));
    assert_eq!(run.stdout_text(), "");
    assert!(run.stderr_text().contains("'xml'"), "{}", run.stderr_text());
}

// Empty input, a 1 MiB line, raw bytes, and stdout closed, full or without reader.
common::hostile_stdio_tests!(STEP, Reach::KilledAtTheSleep);
