//! What the filters hold against: each security property of step 2's filter and
//! step 4's policy, proven by loading the filter in a child process
//! (`filter-probe`) and making one hostile syscall there.
//!
//! Every hostile probe also runs without a filter, and survives: so a SIGSYS
//! below is the filter's doing, not the probe's. The fail-closed property (no
//! filter, no program) is tested in each step's own tests.

use common::runner::Ending;
use common::testing::{assert_killed_by_sigsys, run, StepRun};

const PROBE: &str = env!("CARGO_BIN_EXE_filter-probe");

/// The flags glibc's `fork` passes to `clone` on the tutorial's machines, minus
/// the two about thread IDs: a plain fork whose child sends SIGCHLD.
const PLAIN_FORK: u64 = libc::SIGCHLD as u64;

/// Every flag that creates a namespace through `clone`.
const NAMESPACE_FLAGS: &[(&str, i32)] = &[
    ("CLONE_NEWNS", libc::CLONE_NEWNS),
    ("CLONE_NEWCGROUP", libc::CLONE_NEWCGROUP),
    ("CLONE_NEWUTS", libc::CLONE_NEWUTS),
    ("CLONE_NEWIPC", libc::CLONE_NEWIPC),
    ("CLONE_NEWUSER", libc::CLONE_NEWUSER),
    ("CLONE_NEWPID", libc::CLONE_NEWPID),
    ("CLONE_NEWNET", libc::CLONE_NEWNET),
];

/// Runs `filter-probe FILTER PROBE ARGS...`.
fn probe(filter: &str, probe: &str, args: &[&str]) -> StepRun {
    let mut all = vec![filter, probe];
    all.extend_from_slice(args);
    run(PROBE, &all, b"")
}

/// `clone` with `flags`, under `filter`.
fn clone_with(filter: &str, flags: u64) -> StepRun {
    probe(filter, "clone", &["--flags", &flags.to_string()])
}

/// Asserts that the probe returned, one way or another, and exited 0.
#[track_caller]
fn assert_survived(run: &StepRun) {
    assert_eq!(
        run.ending(),
        Ending::Exited(0),
        "stdout {:?}, stderr {:?}",
        run.stdout_text(),
        run.stderr_text()
    );
    assert!(
        run.stdout_text().contains("survived: "),
        "{:?}",
        run.stdout_text()
    );
}

/// Asserts that the filter killed the probe before it could print anything.
#[track_caller]
fn assert_killed(run: &StepRun) {
    assert_killed_by_sigsys(run);
    assert_eq!(run.stdout_text(), "", "it died at the syscall");
}

/// The control: without a filter every probe returns (or, for `execve`, runs the
/// new program), and a clone's child exits 0. x32 and `int 0x80` return too,
/// with ENOSYS where the kernel has the ABI turned off.
#[test]
fn without_a_filter_every_probe_survives() {
    let mut probes = vec!["write-fd3", "read-fd3", "clone3", "execve"];
    if cfg!(target_arch = "x86_64") {
        probes.extend(["x32", "int80"]);
    }
    for name in probes {
        assert_survived(&probe("none", name, &[]));
    }
    for &(name, flag) in NAMESPACE_FLAGS {
        let run = clone_with("none", flag as u64 | PLAIN_FORK);
        assert_survived(&run);
        // As root the namespace is made and the child exits 0; without the
        // privilege the kernel refuses with EPERM and there is no child.
        assert!(
            run.forked.iter().all(|&ending| ending == Ending::Exited(0)),
            "{name}: {:?}",
            run.forked
        );
    }
    // CLONE_THREAD without CLONE_SIGHAND is invalid: EINVAL, nothing made.
    let run = clone_with("none", libc::CLONE_THREAD as u64);
    assert_eq!(
        run.stdout_text(),
        format!("survived: failed with errno {}\n", libc::EINVAL)
    );
    let child = probe("none", "write-fd3", &["--in-child"]);
    assert_eq!(child.ending(), Ending::Exited(0));
    assert_eq!(child.forked, [Ending::Exited(0)]);
}

/// An x32 syscall number (bit 30 set) is another syscall table: step 2's filter
/// kills it instead of letting `getpid`'s x32 twin through.
#[cfg(target_arch = "x86_64")]
#[test]
fn step_2_kills_an_x32_syscall() {
    assert_killed(&probe("step-2", "x32", &[]));
}

/// A syscall through i386's `int 0x80` entry is checked as the i386 architecture,
/// which the filter does not know: step 2's filter kills it.
#[cfg(target_arch = "x86_64")]
#[test]
fn step_2_kills_an_int_0x80_syscall() {
    assert_killed(&probe("step-2", "int80", &[]));
}

/// The same x32 guard holds under step 4's policy.
#[cfg(target_arch = "x86_64")]
#[test]
fn step_4_kills_an_x32_syscall() {
    assert_killed(&probe("step-4", "x32", &[]));
}

/// The same architecture check holds under step 4's policy.
#[cfg(target_arch = "x86_64")]
#[test]
fn step_4_kills_an_int_0x80_syscall() {
    assert_killed(&probe("step-4", "int80", &[]));
}

/// Step 2 allows `write` and `read` on any descriptor: the gap step 4 closes.
#[test]
fn step_2_allows_any_descriptor() {
    assert_eq!(
        probe("step-2", "write-fd3", &[]).stdout_text(),
        "survived: returned 1\n"
    );
    assert_eq!(
        probe("step-2", "read-fd3", &[]).stdout_text(),
        "survived: returned 0\n"
    );
}

/// Under step 4, writing to a descriptor other than stdout and stderr kills the process.
#[test]
fn step_4_kills_a_write_to_another_descriptor() {
    assert_killed(&probe("step-4", "write-fd3", &[]));
}

/// Under step 4, reading from a descriptor other than stdin kills the process.
#[test]
fn step_4_kills_a_read_from_another_descriptor() {
    assert_killed(&probe("step-4", "read-fd3", &[]));
}

/// Under step 4, writing to stdout is allowed: the kills above are about the descriptor.
#[test]
fn step_4_allows_a_write_to_stdout() {
    assert_eq!(
        probe("step-4", "write-stdout", &[]).stdout_text(),
        "x\nsurvived: returned 2\n"
    );
}

/// Under step 4, a `clone` with any namespace flag kills the process, and no
/// child is made.
#[test]
fn step_4_kills_a_clone_with_namespace_flags() {
    for &(name, flag) in NAMESPACE_FLAGS {
        let run = clone_with("step-4", flag as u64 | PLAIN_FORK);
        assert_killed_by_sigsys(&run);
        assert!(run.forked.is_empty(), "{name}: {:?}", run.forked);
    }
}

/// Under step 4, a `clone` with CLONE_THREAD kills the process.
#[test]
fn step_4_kills_a_clone_of_a_thread() {
    assert_killed(&clone_with("step-4", libc::CLONE_THREAD as u64));
}

/// Under step 4, a plain fork through `clone` is allowed and its child exits 0:
/// the kills above are about the flags.
#[test]
fn step_4_allows_a_plain_fork() {
    let run = clone_with("step-4", PLAIN_FORK);
    assert_survived(&run);
    assert_eq!(run.forked, [Ending::Exited(0)]);
}

/// Under step 4, `clone3` is answered with ENOSYS, so glibc would fall back to
/// `clone`; the process lives, and no child is made.
#[test]
fn step_4_answers_clone3_with_enosys() {
    let run = probe("step-4", "clone3", &[]);
    assert_eq!(
        run.stdout_text(),
        format!("survived: failed with errno {}\n", libc::ENOSYS)
    );
    assert_eq!(run.ending(), Ending::Exited(0));
    assert!(run.forked.is_empty(), "{:?}", run.forked);
}

/// Under step 4, `execve` kills the process: no other program can be run.
#[test]
fn step_4_kills_execve() {
    assert_killed(&probe("step-4", "execve", &[]));
}

/// The child forked after step 4's filter was loaded is under the same filter:
/// the parent exits 0, and the child dies by SIGSYS at its write to descriptor 3,
/// while a child that writes to stdout exits 0.
#[test]
fn the_forked_child_is_under_the_same_filter() {
    let run = probe("step-4", "write-fd3", &["--in-child"]);
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    assert_eq!(run.forked, [Ending::Signaled(libc::SIGSYS)]);
    assert_eq!(run.stdout_text(), "");

    let run = probe("step-4", "write-stdout", &["--in-child"]);
    assert_eq!(run.forked, [Ending::Exited(0)]);
    assert_eq!(run.stdout_text(), "x\nsurvived: returned 2\n");
}
