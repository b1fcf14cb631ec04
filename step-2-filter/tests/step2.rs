//! What step 2 shows: a strict allow list kills the program at its first other syscall.

use assert_cmd::assert::OutputAssertExt;
use common::filter::TUTORIAL_ALLOW_LIST;
use common::runner::Ending;
use common::testing::{
    assert_bpf_checks_the_architecture_first, assert_fails_closed, assert_help_mentions,
    assert_killed_by_sigsys, assert_pfc_names, assert_profile_allows, foreign_syscall_name,
    printed_filter, run, simulated_action, stdout_lines, Reach, TUTORIAL_INPUT,
};
use libseccomp::ScmpSyscall;
use predicates::prelude::*;

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
    assert_help_mentions(
        STEP,
        &[
            "strict allow list",
            "--print-filter[=<FORMAT>]",
            "--simulate <CALL>",
        ],
    );
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

/// `--print-filter=oci` writes the same filter as a container runtime's profile:
/// the allow list in one entry, kill the rest.
#[test]
fn print_filter_writes_the_allow_list_as_an_oci_profile() {
    let profile = assert_profile_allows(STEP, &[], "SCMP_ACT_KILL_PROCESS", TUTORIAL_ALLOW_LIST);
    assert_eq!(
        profile["syscalls"].as_array().unwrap().len(),
        1,
        "{profile}"
    );
}

/// The real-world chapter, in every language, shows the profile step 2 prints
/// (`docs/transcripts/real-world/step-2-oci.txt`, made on x86_64).
#[test]
fn the_book_shows_the_profile_step_2_prints() {
    let stored = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/transcripts/real-world/step-2-oci.txt"
    ))
    .unwrap();
    if std::env::consts::ARCH != "x86_64" {
        eprintln!("not compared: the stored profile names x86_64");
        return;
    }
    let printed = printed_filter(STEP, &["--print-filter=oci"]);
    assert_eq!(
        stored,
        format!("$ step-2-filter --print-filter=oci\n{printed}")
    );
}

/// An unknown format is a usage error.
#[test]
fn print_filter_refuses_an_unknown_format() {
    let run = run(STEP, &["--print-filter=xml"], b"");
    assert_eq!(run.ending(), Ending::Exited(2));
    assert_eq!(run.stdout_text(), "");
    assert!(run.stderr_text().contains("'xml'"), "{}", run.stderr_text());
}

/// `--simulate` runs one syscall through step 2's filter, without running the
/// program: what the allow list names is allowed, the rest killed, and a
/// number (this architecture's, from libseccomp) means the same as the name.
#[test]
fn simulate_shows_the_path_of_a_syscall_and_the_action() {
    for name in TUTORIAL_ALLOW_LIST {
        if ScmpSyscall::from_name(name).unwrap().as_raw_syscall() >= 0 {
            assert_eq!(
                simulated_action(STEP, &[], &format!("{name}(1, 0, 5)")),
                "ALLOW"
            );
        }
    }
    assert_eq!(simulated_action(STEP, &[], "getpid"), "KILL_PROCESS");
    assert_eq!(
        simulated_action(STEP, &[], "clock_nanosleep"),
        "KILL_PROCESS"
    );
    let getpid = ScmpSyscall::from_name("getpid").unwrap().as_raw_syscall();
    let by_name = run(STEP, &["--simulate", "getpid()"], b"");
    run(STEP, &["--simulate", &format!("{getpid:#x}")], b"")
        .output()
        .assert()
        .success()
        .stderr("")
        .stdout(by_name.stdout_text());
}

/// A CALL that cannot be read is a usage error: exit status 2, one line on
/// stderr saying what is wrong, nothing on stdout.
#[test]
fn simulate_refuses_a_call_it_cannot_read_in_one_line() {
    let foreign = foreign_syscall_name();
    for (call, reason) in [
        ("write(1, 0", "missing ')' after the arguments".to_owned()),
        ("write(1,,5)", "argument 1 is empty".to_owned()),
        (
            "write(1,2,3,4,5,6,7)",
            "7 arguments; a syscall has at most 6".to_owned(),
        ),
        (
            "write(one)",
            "argument 0, `one` is not a number (decimal, or hex with 0x)".to_owned(),
        ),
        (
            "no_such_syscall",
            "libseccomp knows no syscall named `no_such_syscall`".to_owned(),
        ),
        (foreign, format!("`{foreign}` is not a syscall on ")),
    ] {
        run(STEP, &["--simulate", call], TUTORIAL_INPUT)
            .output()
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(format!(
                "step-2-filter: error: --simulate '{call}': {reason}"
            )))
            .stderr(predicate::str::ends_with("\n"))
            .stderr(predicate::function(|err: &str| err.lines().count() == 1));
    }
    // With --print-filter it is clap's usage error.
    run(STEP, &["--simulate", "write", "--print-filter"], b"")
        .output()
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("cannot be used with"));
}

// Empty input, a 1 MiB line, raw bytes, and stdout closed, full or without reader.
common::hostile_stdio_tests!(STEP, Reach::KilledAtTheSleep);
