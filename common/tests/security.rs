//! What the filters hold against: each security property of step 2's filter and
//! step 4's policy (and the architecture check of step 3's), proven by loading the
//! filter in a child process (`filter-probe`) and making one hostile syscall there.
//!
//! Every hostile probe also runs without a filter, and survives: so a SIGSYS
//! below is the filter's doing, not the probe's. The fail-closed property (no
//! filter, no program) is tested in each step's own tests.

use harness::assertions::assert_killed_by_sigsys;
use harness::runner::Ending;
use harness::runner::StepRun;
use harness::running::{run, sibling_binary};

/// A plain fork: no flag, and SIGCHLD for the parent when the child ends.
const PLAIN_FORK: u64 = libc::SIGCHLD as u64;

/// What glibc's `fork` passes to `clone`: a plain fork, and the two flags that
/// have the kernel keep the child's thread ID in the child's memory.
const GLIBC_FORK: u64 =
    (libc::CLONE_CHILD_SETTID | libc::CLONE_CHILD_CLEARTID | libc::SIGCHLD) as u64;

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

/// Flags of `clone` that make no namespace, and no plain fork either.
const OTHER_CLONE_FLAGS: &[(&str, i32)] = &[
    // A child that shares the process's memory.
    ("CLONE_VM", libc::CLONE_VM),
    // A new descriptor for the child, written where argument 2 points (the probe
    // passes a null pointer, so without a filter the kernel answers EFAULT).
    ("CLONE_PIDFD", libc::CLONE_PIDFD),
];

/// Runs `filter-probe FILTER PROBE ARGS...`.
fn probe(filter: &str, probe: &str, args: &[&str]) -> StepRun {
    let mut all = vec![filter, probe];
    all.extend_from_slice(args);
    run(sibling_binary("filter-probe"), &all, b"")
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
    assert_killed_by_sigsys(&run.output());
    assert_eq!(run.stdout_text(), "", "it died at the syscall");
}

/// The control: without a filter every probe returns (or, for `execve`, runs the
/// new program), and a clone's child exits 0. An x32 syscall returns too, with
/// ENOSYS where the kernel has the x32 ABI turned off; `int 0x80` needs the
/// kernel's i386 entry (`CONFIG_IA32_EMULATION`), which the x86_64 kernels of
/// the usual distributions have.
#[test]
fn without_a_filter_every_probe_survives() {
    let mut probes = vec![
        "write-stdout-high-bits",
        "write-fd3",
        "write-fd3-high-bits",
        "read-fd3",
        "prctl-set-mm-map-size-high-bits",
        "clone3",
        "execve",
        "getpid",
    ];
    if cfg!(target_arch = "x86_64") {
        probes.extend(["x32", "int80"]);
    }
    for name in probes {
        assert_survived(&probe("none", name, &[]));
    }
    // The kernel reads only the lower 32 bits of a descriptor.
    assert_eq!(
        probe("none", "write-stdout-high-bits", &[]).stdout_text(),
        "x\nsurvived: returned 2\n"
    );
    assert_eq!(
        probe("none", "write-fd3-high-bits", &[]).stdout_text(),
        "survived: returned 1\n",
        "the byte went to descriptor 3"
    );
    for &(name, flag) in NAMESPACE_FLAGS.iter().chain(OTHER_CLONE_FLAGS) {
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

/// Syscalls through another ABI than the native one: x32 numbers and i386's
/// `int 0x80` entry, both on x86_64 only.
#[cfg(target_arch = "x86_64")]
mod other_abis {
    use common::filter::TUTORIAL_ALLOW_LIST;
    use common::policy::{Action, Policy};
    use harness::syscalls::report_line_for;
    use libseccomp::{ScmpArch, ScmpSyscall};

    use super::*;

    /// The `int80` probe makes i386's `umask`, whose number is x86_64's `exit`, a
    /// syscall steps 2 and 4 allow on every call: compared by number alone, it would
    /// pass. So when a filter kills it, the filter's architecture check did.
    #[track_caller]
    fn assert_int_0x80_probe_passes_a_check_by_number() {
        let number = |name, arch| {
            ScmpSyscall::from_name_by_arch(name, arch)
                .unwrap()
                .as_raw_syscall()
        };
        assert_eq!(
            number("umask", ScmpArch::X86),
            number("exit", ScmpArch::X8664)
        );
        assert!(TUTORIAL_ALLOW_LIST.contains(&"exit"));
        let policy = Policy::shipped().unwrap();
        assert!(policy.rules.iter().any(|rule| rule.syscall == "exit"
            && rule.action == Action::Allow
            && rule.conditions.is_empty()));
    }

    /// An x32 syscall number (bit 30 set) is another syscall table: step 2's filter
    /// kills it. (Its default action kills every number it does not allow anyway;
    /// that the x32 guard itself kills is shown under step 3's filter below.)
    #[test]
    fn step_2_kills_an_x32_syscall() {
        assert_killed(&probe("step-2", "x32", &[]));
    }

    /// A syscall through i386's `int 0x80` entry is checked as the i386 architecture,
    /// which the filter was not built for: step 2's filter kills it, although its
    /// number is that of `exit`, which the filter allows.
    #[test]
    fn step_2_kills_an_int_0x80_syscall() {
        assert_int_0x80_probe_passes_a_check_by_number();
        assert_killed(&probe("step-2", "int80", &[]));
    }

    /// A syscall through another ABI gets the bad-architecture action, `KillProcess`,
    /// even under a filter whose default action is to trap: step 3's reporter names
    /// a native `getpid`, while `getpid`'s x32 twin and an `int 0x80` syscall die by
    /// SIGSYS without a report.
    #[test]
    fn step_3_kills_other_abis_instead_of_reporting_them() {
        let native = probe("step-3", "getpid", &[]);
        assert_eq!(
            native.stdout_text(),
            format!("{}\n", report_line_for("getpid"))
        );
        assert_eq!(native.ending(), Ending::Exited(1));
        assert_killed(&probe("step-3", "x32", &[]));
        assert_killed(&probe("step-3", "int80", &[]));
    }

    /// Under step 4's policy too, an x32 syscall is killed.
    #[test]
    fn step_4_kills_an_x32_syscall() {
        assert_killed(&probe("step-4", "x32", &[]));
    }

    /// The same architecture check holds under step 4's policy, whose `exit` rule
    /// the `int 0x80` syscall's number would match.
    #[test]
    fn step_4_kills_an_int_0x80_syscall() {
        assert_int_0x80_probe_passes_a_check_by_number();
        assert_killed(&probe("step-4", "int80", &[]));
    }
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

/// Under step 4, a descriptor is compared on its lower 32 bits, the ones the
/// kernel reads: a write to `1 << 32 | 3` is a write to descriptor 3 and is
/// killed, and one to `1 << 32 | 1` is a write to stdout, which the policy allows.
#[test]
fn step_4_compares_a_descriptor_as_the_kernel_reads_it() {
    assert_killed(&probe("step-4", "write-fd3-high-bits", &[]));
    assert_eq!(
        probe("step-4", "write-stdout-high-bits", &[]).stdout_text(),
        "x\nsurvived: returned 2\n"
    );
}

/// A rule that allows `write` when the descriptor is not 3 keeps a write to
/// `1 << 32 | 3` out of descriptor 3: compared over all 64 bits, that value is
/// not 3, and the kernel then wrote to descriptor 3.
#[test]
fn an_ne_rule_on_a_descriptor_cannot_be_passed_with_the_upper_half() {
    let dir = std::env::temp_dir().join(format!("security-ne-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("ne.toml");
    std::fs::write(
        &policy,
        "default_action = \"kill\"\n\
         [[rule]]\nsyscall = \"write\"\naction = \"allow\"\nargs = [{ arg = 0, op = \"ne\", value = 3 }]\n\
         [[rule]]\nsyscall = \"exit_group\"\naction = \"allow\"\n",
    )
    .unwrap();
    let with_policy = |name| probe("step-4", name, &["--policy", policy.to_str().unwrap()]);
    assert_killed(&with_policy("write-fd3-high-bits"));
    assert_killed(&with_policy("write-fd3"));
    assert_eq!(
        with_policy("write-stdout-high-bits").stdout_text(),
        "x\nsurvived: returned 2\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A rule on the sub-option of `prctl(PR_SET_MM, ...)`, its second argument,
/// compares it as the kernel reads it: `prctl_set_mm(int opt, ...)` takes the
/// lower half, so `prctl(35, (1 << 32) | 15, ...)` is PR_SET_MM_MAP_SIZE (15).
/// How wide that argument is depends on the option (PR_SET_NAME's is a
/// pointer), so a condition on it states its width: with `width = 32`, a rule
/// allowing PR_SET_MM when the sub-option is not 15 keeps that call out;
/// without a width, the policy is refused, where it used to be compared over
/// 64 bits and let the call through; stated as 64 bits, it still does, and the
/// kernel runs PR_SET_MM_MAP_SIZE. (On a 32-bit architecture a register has no
/// upper half, and every argument is 32 bits wide.)
#[cfg(target_pointer_width = "64")]
#[test]
fn a_rule_on_prctl_s_sub_option_compares_it_as_the_kernel_reads_it() {
    let dir = std::env::temp_dir().join(format!("security-prctl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let with_width = |name: &str, width: &str| {
        let policy = dir.join(name);
        std::fs::write(
            &policy,
            format!(
                "default_action = \"kill\"\n\
                 [[rule]]\nsyscall = \"prctl\"\naction = \"allow\"\n\
                 args = [{{ arg = 0, op = \"eq\", value = 35 }}, \
                 {{ arg = 1, op = \"ne\", value = 15{width} }}]\n\
                 [[rule]]\nsyscall = \"write\"\naction = \"allow\"\n\
                 args = [{{ arg = 0, op = \"eq\", value = 1 }}]\n\
                 [[rule]]\nsyscall = \"exit_group\"\naction = \"allow\"\n"
            ),
        )
        .unwrap();
        let policy = policy.to_str().unwrap().to_owned();
        probe(
            "step-4",
            "prctl-set-mm-map-size-high-bits",
            &["--policy", &policy],
        )
    };
    // Without a filter, the kernel runs PR_SET_MM_MAP_SIZE (a kernel built
    // without CONFIG_CHECKPOINT_RESTORE would answer EINVAL).
    assert_eq!(
        probe("none", "prctl-set-mm-map-size-high-bits", &[]).stdout_text(),
        "survived: returned 0\n"
    );
    assert_killed(&with_width("32.toml", ", width = 32"));
    let refused = with_width("none.toml", "");
    assert_eq!(
        refused.ending(),
        Ending::Exited(2),
        "{}",
        refused.stderr_text()
    );
    assert!(
        refused
            .stderr_text()
            .contains("the kernel reads argument 1 of this syscall neither as 32 nor as 64 bits")
            && refused
                .stderr_text()
                .contains("add the `width` your call uses"),
        "{}",
        refused.stderr_text()
    );
    assert_eq!(
        with_width("64.toml", ", width = 64").stdout_text(),
        "survived: returned 0\n",
        "compared over 64 bits, (1 << 32) | 15 is not 15"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Under step 4, a `clone` with any namespace flag kills the process, and no
/// child is made.
#[test]
fn step_4_kills_a_clone_with_namespace_flags() {
    for &(name, flag) in NAMESPACE_FLAGS {
        let run = clone_with("step-4", flag as u64 | PLAIN_FORK);
        assert_killed(&run);
        assert!(run.forked.is_empty(), "{name}: {:?}", run.forked);
    }
}

/// Under step 4, a `clone` with a flag a plain fork does not use kills the
/// process too: a child sharing the process's memory, a new descriptor.
#[test]
fn step_4_kills_a_clone_with_other_flags() {
    for &(name, flag) in OTHER_CLONE_FLAGS {
        let run = clone_with("step-4", flag as u64 | PLAIN_FORK);
        assert_killed(&run);
        assert!(run.forked.is_empty(), "{name}: {:?}", run.forked);
    }
}

/// Under step 4, a `clone` with CLONE_THREAD kills the process.
#[test]
fn step_4_kills_a_clone_of_a_thread() {
    assert_killed(&clone_with("step-4", libc::CLONE_THREAD as u64));
}

/// Under step 4, a plain fork through `clone`, with or without glibc's two
/// thread-ID flags, is allowed and its child exits 0: the kills above are about
/// the flags.
#[test]
fn step_4_allows_a_plain_fork() {
    for flags in [PLAIN_FORK, GLIBC_FORK] {
        let run = clone_with("step-4", flags);
        assert_survived(&run);
        assert_eq!(run.forked, [Ending::Exited(0)], "flags {flags:#x}");
    }
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

/// A filter applies to the thread that loads it, not to the threads that already
/// run: the steps load theirs without TSYNC. Once the main thread has loaded step
/// 2's filter, `getpid` made there kills the process, while a thread started
/// before makes the same call and returns; so does it under step 3's, which would
/// have trapped the call into the reporter. (What a kill action ends is another
/// matter: `KILL_PROCESS` takes every thread, which is why no test loads a filter
/// in the test process.)
#[test]
fn a_filter_leaves_the_threads_that_already_run_unfiltered() {
    assert_killed(&probe("step-2", "getpid", &[]));
    let reported = probe("step-3", "getpid", &[]);
    assert_eq!(reported.ending(), Ending::Exited(1));
    assert!(
        reported
            .stdout_text()
            .starts_with("Looks like you also need syscall: getpid("),
        "{:?}",
        reported.stdout_text()
    );
    for filter in ["none", "step-2", "step-3"] {
        let run = probe(filter, "getpid", &["--in-thread"]);
        assert_survived(&run);
        assert!(
            run.stdout_text().starts_with("survived: returned "),
            "{filter}: {:?}",
            run.stdout_text()
        );
    }
}

/// What io_uring submits never passes a seccomp filter: under a policy that
/// allows `io_uring_enter` (and writing to stdout, and exiting) and nothing
/// that opens or reads a file, the probe opens its own binary and reads 4096
/// bytes of it all the same, through a ring set up before the filter. Step 4's
/// shipped policy does not allow `io_uring_enter`, and kills it. (Where io_uring
/// cannot be set up, the test is ignored: `common`'s build script tells.)
#[test]
#[cfg_attr(
    io_uring_refused,
    ignore = "needs io_uring, which cannot be set up where this was built (a container runtime's profile refuses io_uring_setup, or kernel.io_uring_disabled is set): run the tests outside the container"
)]
fn a_policy_that_allows_io_uring_enter_lets_files_be_read_through_it() {
    assert_eq!(
        probe("none", "io-uring-read", &[]).stdout_text(),
        "survived: returned 4096\n"
    );
    assert_killed(&probe("step-4", "io-uring-read", &[]));
    let dir = std::env::temp_dir().join(format!("security-uring-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("uring.toml");
    std::fs::write(
        &policy,
        "default_action = \"kill\"\n\
         [[rule]]\nsyscall = \"io_uring_enter\"\naction = \"allow\"\n\
         [[rule]]\nsyscall = \"write\"\naction = \"allow\"\nargs = [{ arg = 0, op = \"eq\", value = 1 }]\n\
         [[rule]]\nsyscall = \"exit_group\"\naction = \"allow\"\n",
    )
    .unwrap();
    let read = probe(
        "step-4",
        "io-uring-read",
        &["--policy", policy.to_str().unwrap()],
    );
    assert_eq!(read.stdout_text(), "survived: returned 4096\n");
    std::fs::remove_dir_all(&dir).unwrap();
}
