//! What `--learn` cannot see, and how its report says so: operations a command
//! submits through io_uring, which pass no seccomp filter, and the syscalls a
//! filter of the command's own answers before the supervisor's notification.
//! The commands are `filter-probe`'s probes, run under `step-3-reporting
//! --learn -- CMD` as a learner would run them.

use std::path::PathBuf;
use std::process::Command;

use common::runner::{run_step, Ending, StepRun};
use common::testing::{learned_syscalls, sibling_binary};

const PROBE: &str = env!("CARGO_BIN_EXE_filter-probe");

/// Step 3, built if `cargo test -p common` has not built it.
fn step_3() -> PathBuf {
    sibling_binary(PROBE, "step-3-reporting")
}

/// `step-3-reporting --learn ARGS -- filter-probe PROBE_ARGS`.
fn learn(args: &[&str], probe_args: &[&str]) -> StepRun {
    run_step(
        Command::new(step_3())
            .arg("--learn")
            .args(args)
            .arg("--")
            .arg(PROBE)
            .args(probe_args),
        b"",
    )
    .expect("step 3 runs")
}

/// A command that reads a file through io_uring: the supervisor sees
/// `io_uring_setup` and `io_uring_enter`, not the open and the read, and the
/// report says why. Rerun with everything the report listed allowed, the
/// report finds nothing more, and says that the allow list lets io_uring
/// through. (Under a container runtime's default profile, which refuses
/// `io_uring_setup`, the probe cannot set up its ring and says so, and the
/// supervisor sees no io_uring at all: that profile's errno comes first.)
#[test]
fn learn_says_that_what_io_uring_submits_passes_no_filter() {
    let run = learn(&[], &["none", "io-uring-read"]);
    let report = run.stderr_text();
    if run.stdout_text().is_empty() {
        assert!(
            report.contains("filter-probe: error: cannot prepare the probe: io_uring_setup: ")
                && !report.contains("io_uring (io_uring_setup)"),
            "{report}"
        );
        return;
    }
    assert_eq!(run.stdout_text(), "survived: returned 4096\n", "{report}");
    assert_eq!(run.ending(), Ending::Exited(0), "{report}");
    let learned = learned_syscalls(&run);
    assert!(
        learned.iter().any(|name| name == "io_uring_setup")
            && learned.iter().any(|name| name == "io_uring_enter"),
        "{learned:?}"
    );
    assert!(
        report.contains(
            "\nstep-3-reporting: the command set up io_uring (io_uring_setup): what it submits \
             through io_uring (opening, reading and writing files, sockets) passes no seccomp \
             filter, so none of that is in this list, and a filter that allows io_uring_enter \
             lets all of it through\n"
        ),
        "{report}"
    );
    let all = learned.join(",");
    let again = learn(&["--allow", &all], &["none", "io-uring-read"]);
    let report = again.stderr_text();
    assert_eq!(again.stdout_text(), "survived: returned 4096\n", "{report}");
    assert!(
        report.contains(
            "\nstep-3-reporting: the allow list (step 2's and --allow) allows io_uring_setup: \
             what the command may have submitted through io_uring passes no seccomp filter, and \
             is in no list\n"
        ) && report.contains(
            "\nstep-3-reporting: it made no syscall that the allow list (step 2's and --allow) \
             does not allow\n"
        ),
        "{report}"
    );
}

/// A command that loads a filter of its own, which answers `getpid` with
/// EPERM, and then calls `getpid`: its own filter's errno outranks the
/// supervisor's notification, so the supervisor never sees `getpid`, though
/// `strace -f` does; the report says the command loaded a filter, and that
/// what it answers may be missing.
#[test]
fn learn_says_that_a_command_s_own_filter_hides_what_it_answers() {
    let dir = common::testing::Scratch::new(env!("CARGO_TARGET_TMPDIR"), "own-filter");
    let policy = dir.join("own.toml");
    std::fs::write(
        &policy,
        "default_action = \"kill\"\n\
         [[rule]]\nsyscall = \"getpid\"\naction = \"errno EPERM\"\n\
         [[rule]]\nsyscall = \"write\"\naction = \"allow\"\n\
         [[rule]]\nsyscall = \"exit_group\"\naction = \"allow\"\n",
    )
    .unwrap();
    let probe_args = ["step-4", "getpid", "--policy", policy.to_str().unwrap()];
    let run = learn(&[], &probe_args);
    let report = run.stderr_text();
    assert_eq!(
        run.stdout_text(),
        format!("survived: failed with errno {}\n", libc::EPERM),
        "{report}"
    );
    let learned = learned_syscalls(&run);
    assert!(learned.iter().any(|name| name == "seccomp"), "{learned:?}");
    assert!(!learned.iter().any(|name| name == "getpid"), "{learned:?}");
    assert!(
        report.contains(
            "\nstep-3-reporting: the command loaded a seccomp filter of its own: a syscall that \
             filter answers with an errno, a trap or a kill never reaches the supervisor, and \
             may be missing from this list (strace -f sees it)\n"
        ),
        "{report}"
    );
    // strace sees the getpid the supervisor did not.
    let traced = run_step(
        Command::new("strace")
            .args(["-f", "-qq", "-e", "trace=getpid", "-o", "/dev/stdout"])
            .arg(PROBE)
            .args(probe_args),
        b"",
    )
    .unwrap_or_else(|err| panic!("{}", common::testing::strace_failure(&err)));
    let getpid = traced.stdout_text();
    assert!(
        getpid.contains("getpid()") && getpid.contains("= -1 EPERM"),
        "{getpid}"
    );
}
