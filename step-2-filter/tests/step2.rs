//! What step 2 shows: a strict allow list kills the program at its first other syscall.
//!
//! The tests run the step as Rust's CLI tests run a binary: assert_cmd's
//! `Command` starts it with the tutorial's line on stdin, and `.assert()` with
//! predicates checks its output and how it ended. What assert_cmd cannot tell,
//! which signal killed it and whether it forked a process, `harness::runner`
//! adds: it runs the step as a child subreaper and collects what it forked.

use assert_cmd::assert::OutputAssertExt;
use assert_cmd::Command;
use common::filter::TUTORIAL_ALLOW_LIST;
use harness::assertions::{
    assert_bpf_checks_the_architecture_first, assert_fails_closed, assert_killed_by_sigsys,
    assert_pfc_names, assert_profile_allows, printed_filter, simulated_action,
};
use harness::hostile::Reach;
use harness::runner::run_timeout;
use harness::running::{no_core_dumps, run, TUTORIAL_INPUT};
use harness::syscalls::foreign_syscall_name;
use libseccomp::ScmpSyscall;
use predicates::prelude::*;

const STEP: &str = env!("CARGO_BIN_EXE_step-2-filter");

// ANCHOR: killed
/// Step 2's binary as a CLI test starts it, core dumps off (the filter kills it).
fn step_2() -> Command {
    no_core_dumps();
    let mut command = Command::cargo_bin("step-2-filter").unwrap();
    command.timeout(run_timeout());
    command
}

/// What the program prints before the sleep: the prompt with the echoed line,
/// and the fork message.
const TWO_LINES: &str = "Type stuff here: You typed: hello seccomp\n\
                         And now we fork, which should do quite opposite...\n";

/// The program gets through its writes and its read, and a signal kills it at
/// the sleep, before the fork: two lines, and no message of its own.
#[test]
fn is_killed_at_the_sleep_after_two_lines() {
    step_2()
        .write_stdin(TUTORIAL_INPUT)
        .assert()
        .interrupted()
        .stdout(TWO_LINES)
        .stderr("");
}

/// The signal is SIGSYS, the filter's kill action, and the step forked no
/// process: what only the runner tells, on top of the same assertions.
#[test]
fn the_signal_is_sigsys_and_nothing_was_forked() {
    let run = run(STEP, &[], TUTORIAL_INPUT);
    run.output()
        .assert()
        .interrupted()
        .stdout(TWO_LINES)
        .stderr("");
    assert_killed_by_sigsys(&run.output());
    assert!(
        run.forked.is_empty(),
        "it died before fork: {:?}",
        run.forked
    );
}
// ANCHOR_END: killed

/// When the filter cannot be loaded, step 2 says so and never runs the program.
#[test]
fn fails_closed_when_no_filter_can_be_loaded() {
    assert_fails_closed(STEP);
}

/// `--help` says what the step teaches and its options, and the program does
/// not run: no prompt, although a line waits on stdin.
#[test]
fn help_says_what_the_step_teaches() {
    step_2()
        .arg("--help")
        .write_stdin(TUTORIAL_INPUT)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("strict allow list")
                .and(predicate::str::contains("--print-filter[=<FORMAT>]"))
                .and(predicate::str::contains("--simulate <CALL>"))
                .and(predicate::str::contains(common::program::PROMPT).not()),
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
/// (`docs/transcripts/real-world/step-2-oci.txt`, made on x86_64, whose
/// architecture it names: the test is built there only).
#[test]
#[cfg(target_arch = "x86_64")]
fn the_book_shows_the_profile_step_2_prints() {
    let stored = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/transcripts/real-world/step-2-oci.txt"
    ))
    .unwrap();
    let printed = printed_filter(STEP, &["--print-filter=oci"]);
    assert_eq!(
        stored,
        format!("$ step-2-filter --print-filter=oci\n{printed}")
    );
}

/// An unknown format is a usage error.
#[test]
fn print_filter_refuses_an_unknown_format() {
    step_2()
        .arg("--print-filter=xml")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("'xml'"));
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
    let by_name = step_2().args(["--simulate", "getpid()"]).assert().success();
    step_2()
        .args(["--simulate", &format!("{getpid:#x}")])
        .assert()
        .success()
        .stderr("")
        .stdout(by_name.get_output().stdout.clone());
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
        step_2()
            .args(["--simulate", call])
            .write_stdin(TUTORIAL_INPUT)
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
    step_2()
        .args(["--simulate", "write", "--print-filter"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("cannot be used with"));
}

// Empty input, a 1 MiB line, raw bytes, and stdout closed, full or without reader.
harness::hostile_stdio_tests!(STEP, Reach::KilledAtTheSleep);
