//! What step 3 shows: a trapping filter and a SIGSYS reporter name the missing syscall.
//!
//! As in step 1's tests, assert_cmd's `Command` runs the step and `.assert()`
//! checks what it printed and how it ended; `harness::runner` runs it where the
//! forked process's end matters too.

use assert_cmd::assert::OutputAssertExt;
use assert_cmd::Command;
use common::filter::TUTORIAL_ALLOW_LIST;
use harness::assertions::{
    assert_bpf_checks_the_architecture_first, assert_fails_closed, assert_pfc_names,
    assert_profile_allows, printed_filter, simulated_action,
};
use harness::hostile::Reach;
use harness::runner::{run_timeout, Ending};
use harness::running::{no_core_dumps, run, runs_stopped_and_continued, StopAt, TUTORIAL_INPUT};
use harness::syscalls::{foreign_syscall_name, report_line_for, reported_syscalls, SLEEP_SYSCALLS};
use harness::transcripts::assert_run_matches_book;
use predicates::prelude::*;

const STEP: &str = env!("CARGO_BIN_EXE_step-3-reporting");

/// Step 3's binary as a CLI test starts it, core dumps off.
fn step_3() -> Command {
    no_core_dumps();
    let mut command = Command::cargo_bin("step-3-reporting").unwrap();
    command.timeout(run_timeout());
    command
}

/// After the same two lines as step 2, the reporter names the sleep syscall with
/// this architecture's number (computed through libseccomp, not written down)
/// and the process exits with status 1 instead of dying by a signal, before it
/// forks (which the runner sees).
#[test]
fn reports_the_sleep_syscall_and_exits_1() {
    let two_lines = "Type stuff here: You typed: hello seccomp\n\
                     And now we fork, which should do quite opposite...\n";
    let reports: Vec<String> = SLEEP_SYSCALLS
        .iter()
        .map(|name| format!("{two_lines}{}\n", report_line_for(name)))
        .collect();
    let run = run(STEP, &[], TUTORIAL_INPUT);
    run.output()
        .assert()
        .code(1)
        .stderr("")
        .stdout(predicate::function(|out: &str| {
            reports.iter().any(|r| r == out)
        }));
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

/// `--help` says what the step teaches and its options, and the program does
/// not run: no prompt, although a line waits on stdin.
#[test]
fn help_says_what_the_step_teaches() {
    step_3()
        .arg("--help")
        .write_stdin(TUTORIAL_INPUT)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("reporter")
                .and(predicate::str::contains("--allow <NAME>"))
                .and(predicate::str::contains("--learn"))
                .and(predicate::str::contains("--print-filter[=<FORMAT>]"))
                .and(predicate::str::contains("--simulate <CALL>"))
                .and(predicate::str::contains(common::program::PROMPT).not()),
        );
}

/// A name libseccomp does not know on any architecture is refused before anything
/// runs: one line naming it on stderr, status 2, however it is given, and no
/// process forked (which the runner sees).
#[test]
fn an_unknown_name_is_refused_before_anything_runs() {
    for args in [
        &["--allow", "no_such_syscall"][..],
        &["--allow", "clone,no_such_syscall"],
        &["--allow", "clone", "--allow", "no_such_syscall"],
        &["--learn", "--allow", "no_such_syscall"],
        &["--print-filter", "--allow", "no_such_syscall"],
    ] {
        let run = run(STEP, args, TUTORIAL_INPUT);
        run.output().assert().code(2).stdout("").stderr(
            "step-3-reporting: error: unknown syscall name `no_such_syscall`: \
                 libseccomp knows no syscall of that name\n",
        );
        assert!(run.forked.is_empty(), "{args:?}");
    }
}

/// An empty name, as a comma too many gives, is a usage error that says so.
#[test]
fn an_empty_name_is_refused_before_anything_runs() {
    for list in ["clone,", ",clone", "clone,,munmap"] {
        step_3()
            .args(["--allow", list])
            .write_stdin(TUTORIAL_INPUT)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(
                "a syscall name cannot be empty (is there a comma too many?)",
            ));
    }
}

/// A name that only another architecture has is accepted with a warning, and
/// changes nothing: the program still stops at its sleep.
#[test]
fn a_name_of_another_architecture_is_accepted_with_a_warning() {
    let foreign = foreign_syscall_name();
    let sleep_reports: Vec<String> = SLEEP_SYSCALLS.iter().map(|s| report_line_for(s)).collect();
    step_3()
        .args(["--allow", foreign])
        .write_stdin(TUTORIAL_INPUT)
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(format!(
            "step-3-reporting: warning: `{foreign}` is not a syscall on "
        )))
        .stderr(predicate::function(|err: &str| {
            err.lines().count() == 1 && err.ends_with('\n')
        }))
        .stdout(predicate::function(|out: &str| {
            out.lines()
                .last()
                .is_some_and(|last| sleep_reports.iter().any(|r| r == last))
        }));
}

/// `--allow` lets the named syscall through: allowing the first one reported
/// moves the report past it.
#[test]
fn allow_moves_the_report_past_the_allowed_syscall() {
    let first = reported_syscalls(&run(STEP, &[], TUTORIAL_INPUT));
    let allowed = run(STEP, &["--allow", &first[0]], TUTORIAL_INPUT);
    let reported = reported_syscalls(&allowed);
    assert!(
        !reported.is_empty() && !reported.contains(&first[0]),
        "{reported:?}"
    );
}

/// A program stopped during its sleep (Ctrl-Z) and continued (`fg`) resumes the
/// sleep with `restart_syscall`, a syscall of its own: with the sleep allowed,
/// that is what the reporter names, with this architecture's number.
#[test]
fn a_stop_during_the_sleep_is_reported_as_restart_syscall() {
    let sleep = reported_syscalls(&run(STEP, &[], TUTORIAL_INPUT)).remove(0);
    assert!(SLEEP_SYSCALLS.contains(&&*sleep), "{sleep}");
    for (signal, run) in runs_stopped_and_continued(STEP, &["--allow", &sleep], StopAt::Sleep) {
        assert_eq!(
            run.stdout_text(),
            format!(
                "Type stuff here: You typed: hello seccomp\n\
                 And now we fork, which should do quite opposite...\n\
                 {}\n",
                report_line_for("restart_syscall")
            ),
            "{signal}"
        );
        assert_eq!(
            run.ending(),
            Ending::Exited(1),
            "{signal}: {}",
            run.stderr_text()
        );
        assert!(run.forked.is_empty(), "{signal}: {:?}", run.forked);
        // The chapter on discovering syscalls shows this run.
        assert_run_matches_book(
            "discovering/stopped-sleep.txt",
            &format!("printf 'hello seccomp\\n' | step-3-reporting --allow {sleep}"),
            &run,
        );
    }
}

/// `--print-filter` shows the filter without running the program: the pseudo
/// filter code names every allowed syscall, `--allow` names included, and traps
/// the rest; the BPF form starts with the architecture check.
#[test]
fn print_filter_shows_the_trapping_filter_without_running_the_program() {
    let pfc = printed_filter(STEP, &["--print-filter", "--allow", "clone"]);
    assert_pfc_names(&pfc, &[TUTORIAL_ALLOW_LIST, &["clone"]].concat());
    assert!(pfc.contains("action TRAP;"), "{pfc}");

    let bpf = printed_filter(STEP, &["--print-filter=bpf"]);
    assert_bpf_checks_the_architecture_first(&bpf);
    assert!(bpf.contains("ret TRAP\n"), "{bpf}");
    assert!(bpf.contains("ret KILL_PROCESS\n"), "{bpf}");
}

/// `--print-filter=oci` writes the trapping filter, with the `--allow` names, as
/// a container runtime's profile; `--learn`'s filter, which needs a supervisor,
/// is refused as a usage error.
#[test]
fn print_filter_writes_the_trapping_filter_as_an_oci_profile() {
    let allowed = [TUTORIAL_ALLOW_LIST, &["clone"]].concat();
    assert_profile_allows(STEP, &["--allow", "clone"], "SCMP_ACT_TRAP", &allowed);
    step_3()
        .args(["--learn", "--print-filter=oci"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "step-3-reporting: error: --print-filter=oci: --learn's filter notifies a supervisor",
        ));
}

/// With `--learn`, `--print-filter` shows the user-notification filter instead.
#[test]
fn print_filter_with_learn_shows_the_notify_filter() {
    let bpf = printed_filter(STEP, &["--learn", "--print-filter=bpf"]);
    assert!(bpf.contains("ret USER_NOTIF\n"), "{bpf}");
    assert!(bpf.contains("; sendmsg\n"), "{bpf}");
    assert!(!bpf.contains("ret TRAP"), "{bpf}");
}

/// `--simulate` runs one syscall through the filter step 3 would load: the
/// trapping one, with the `--allow` names, or with `--learn` the
/// user-notification one, as `--print-filter` shows them.
#[test]
fn simulate_follows_allow_and_learn() {
    for sleep in SLEEP_SYSCALLS {
        assert_eq!(simulated_action(STEP, &[], sleep), "TRAP");
        assert_eq!(simulated_action(STEP, &["--allow", sleep], sleep), "ALLOW");
        assert_eq!(simulated_action(STEP, &["--learn"], sleep), "USER_NOTIF");
        let both = ["--learn", "--allow", sleep];
        assert_eq!(simulated_action(STEP, &both, sleep), "ALLOW");
    }
    assert_eq!(simulated_action(STEP, &[], "write(1, 0, 5)"), "ALLOW");
    assert_eq!(
        simulated_action(STEP, &["--learn"], "write(1, 0, 5)"),
        "ALLOW"
    );
    assert_eq!(
        simulated_action(STEP, &["--allow", "clone"], "getpid"),
        "TRAP"
    );
}

/// A bad `--allow` name is refused as without `--simulate`, and so is a CALL
/// that cannot be read: status 2, one line, nothing run.
#[test]
fn simulate_refuses_bad_names_before_anything_runs() {
    step_3()
        .args(["--allow", "clone,clock_nanoslep", "--simulate", "clone"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("`clock_nanoslep`"));
    step_3()
        .args(["--learn", "--simulate", "clock_nanoslep(0)"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "step-3-reporting: error: --simulate 'clock_nanoslep(0)': \
             libseccomp knows no syscall named `clock_nanoslep`\n",
        );
}

// Empty input, a 1 MiB line, raw bytes, and stdout closed, full or without reader.
harness::hostile_stdio_tests!(STEP, Reach::ReportedAtTheSleep);
