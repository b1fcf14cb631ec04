//! What `--learn` cannot see, and how its report says so: operations a command
//! submits through io_uring, which pass no seccomp filter, and the syscalls a
//! filter of the command's own answers before the supervisor's notification.
//! The commands are `filter-probe`'s probes, run under `step-3-reporting
//! --learn -- CMD` as a learner would run them.

use std::path::PathBuf;
use std::process::Command;

use harness::runner::{run_step, Ending, StepRun};
use harness::running::sibling_binary;
use harness::syscalls::learned_syscalls;

/// The probe that makes the syscalls `--learn` does not see.
fn probe() -> PathBuf {
    sibling_binary("filter-probe")
}

/// Step 3, built if `cargo test -p common` has not built it.
fn step_3() -> PathBuf {
    sibling_binary("step-3-reporting")
}

/// `step-3-reporting --learn ARGS -- filter-probe PROBE_ARGS`.
fn learn(args: &[&str], probe_args: &[&str]) -> StepRun {
    run_step(
        Command::new(step_3())
            .arg("--learn")
            .args(args)
            .arg("--")
            .arg(probe())
            .args(probe_args),
        b"",
    )
    .expect("step 3 runs")
}

/// A command that reads a file through io_uring: the supervisor sees
/// `io_uring_setup` and `io_uring_enter`, not the open and the read, and the
/// report says why. Rerun with everything the report listed allowed, the
/// report finds nothing more, and says that the allow list lets io_uring
/// through. (Where io_uring cannot be set up, as under a container runtime's
/// default profile, the test is ignored: `common`'s build script tells.)
#[test]
#[cfg_attr(
    io_uring_refused,
    ignore = "needs io_uring, which cannot be set up where this was built (a container runtime's profile refuses io_uring_setup, or kernel.io_uring_disabled is set): run the tests outside the container"
)]
fn learn_says_that_what_io_uring_submits_passes_no_filter() {
    let run = learn(&[], &["none", "io-uring-read"]);
    let report = run.stderr_text();
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
    let dir = harness::files::Scratch::new(env!("CARGO_TARGET_TMPDIR"), "own-filter");
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
    let log = dir.join("strace.log");
    run_step(
        Command::new("strace")
            .args(["-f", "-qq", "-e", "trace=getpid", "-o"])
            .arg(&log)
            .arg(probe())
            .args(probe_args),
        b"",
    )
    .unwrap_or_else(|err| panic!("{}", harness::running::strace_failure(&err)));
    let getpid = std::fs::read_to_string(&log).unwrap();
    assert!(
        getpid.contains("getpid()") && getpid.contains("= -1 EPERM"),
        "{getpid}"
    );
}

/// A syscall libseccomp knows no name for is listed by its number, `(999)`, and
/// the advice names the numbers it leaves out of `--allow`, which takes names,
/// instead of dropping them: the probe makes syscalls 999 and 998, numbers no
/// architecture has given out. (Under a container runtime's profile, which
/// answers them itself before `--learn`'s filter could, the test is ignored:
/// `common`'s build script tells.)
#[test]
#[cfg_attr(
    under_a_filter,
    ignore = "needs syscalls that no filter answers before --learn's, and this was built under a filter already (a container runtime's profile, which answers what it does not name): run the tests outside the container"
)]
fn the_advice_names_the_syscalls_it_leaves_out_of_allow() {
    let run = learn(&[], &["none", "unnamed"]);
    let stderr = run.stderr_text();
    assert_eq!(
        run.stdout_text(),
        format!("survived: failed with errno {}\n", libc::ENOSYS),
        "{stderr}"
    );
    assert_eq!(run.ending(), Ending::Exited(0), "{stderr}");
    assert!(stderr.contains("\n(999)\n(998)\n"), "{stderr}");
    let learned = learned_syscalls(&run);
    assert!(
        stderr.ends_with(&format!(
            "\nstep-3-reporting: to allow them in step 3: --allow {}\n\
             step-3-reporting: left out of --allow: 999, 998 (--allow takes names, and \
             libseccomp knows no name for these numbers on this architecture)\n",
            learned.join(",")
        )),
        "{stderr}"
    );
}
