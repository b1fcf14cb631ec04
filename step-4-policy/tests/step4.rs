//! What step 4 shows: with what step 3 found added, the program runs to the end.

use common::filter::TUTORIAL_ALLOW_LIST;
use common::runner::Ending;
use common::testing::{
    assert_bpf_checks_the_architecture_first, assert_fails_closed, run, SLEEP_SYSCALLS,
    TUTORIAL_INPUT,
};
use libseccomp::ScmpSyscall;

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

/// `--print-filter` shows the policy without running the program: every syscall
/// of the tutorial's allow list (those this architecture has) and the sleep are
/// named in the pseudo filter code, and the BPF form starts with the
/// architecture check.
#[test]
fn print_filter_shows_the_policy_without_running_the_program() {
    let pfc_run = run(STEP, &["--print-filter"], TUTORIAL_INPUT);
    assert_eq!(
        pfc_run.ending(),
        Ending::Exited(0),
        "{}",
        pfc_run.stderr_text()
    );
    let pfc = pfc_run.stdout_text();
    assert!(!pfc.contains("Type stuff here"), "{pfc}");
    for name in TUTORIAL_ALLOW_LIST.iter().chain(SLEEP_SYSCALLS) {
        if ScmpSyscall::from_name(name).unwrap().as_raw_syscall() >= 0 {
            assert!(
                pfc.contains(&format!("syscall \"{name}\"")),
                "{name}:\n{pfc}"
            );
        }
    }
    let bpf_run = run(STEP, &["--print-filter=bpf"], TUTORIAL_INPUT);
    assert_eq!(
        bpf_run.ending(),
        Ending::Exited(0),
        "{}",
        bpf_run.stderr_text()
    );
    assert_bpf_checks_the_architecture_first(&bpf_run.stdout_text());
}
