//! Helpers the integration tests of every step share.
//!
//! Each step's tests run the step's binary as a child process with [`run`], feed it
//! a line, and assert what it printed and how it, and the child it forked, ended.
//! No test loads a filter in the test process itself: libtest runs tests on
//! threads, and a filter applies to the whole thread group it is loaded in.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

use libseccomp::ScmpSyscall;

pub use crate::runner::{Ending, StepRun};

/// The line the tutorial types in every step.
pub const TUTORIAL_INPUT: &[u8] = b"hello seccomp\n";

/// What the program prints for [`TUTORIAL_INPUT`] when it runs to the end, as in
/// step 1: the last line twice, once per process.
pub const OUTPUT_TO_THE_END: &str = "Type stuff here: You typed: hello seccomp\n\
                                     And now we fork, which should do quite opposite...\n\
                                     You should not see this, because I am dead\n\
                                     You should not see this, because I am dead\n";

/// Runs the step binary at `binary` with `args` and `stdin`, through
/// [`crate::runner::run_step`] (core dumps off, forked children collected).
pub fn run(binary: impl AsRef<Path>, args: &[&str], stdin: &[u8]) -> StepRun {
    let binary = binary.as_ref();
    crate::runner::run_step(Command::new(binary).args(args), stdin)
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", binary.display()))
}

/// The lines of the run's stdout, without their newlines.
pub fn stdout_lines(run: &StepRun) -> Vec<String> {
    run.stdout_text().lines().map(str::to_owned).collect()
}

/// Asserts that the step's own process was killed by SIGSYS, the filter's kill
/// action. assert_cmd's `failure()` or `interrupted()` cannot tell SIGSYS from any
/// other death, so the signal number is checked.
#[track_caller]
pub fn assert_killed_by_sigsys(run: &StepRun) {
    assert_eq!(
        run.status.signal(),
        Some(libc::SIGSYS),
        "expected death by SIGSYS, got {}; stderr: {}",
        run.ending(),
        run.stderr_text()
    );
}

/// The report line step 3 prints for syscall `name` on this machine's
/// architecture, with the number libseccomp resolves it to.
pub fn report_line_for(name: &str) -> String {
    let nr = ScmpSyscall::from_name(name)
        .unwrap_or_else(|err| panic!("libseccomp does not know `{name}`: {err}"))
        .as_raw_syscall();
    format!("{}{name}({nr})", crate::reporter::REPORT_PREFIX)
}

/// The syscalls through which glibc's `sleep` may reach the kernel: `clock_nanosleep`
/// since glibc 2.31 on x86_64, `nanosleep` before. Tests accept either, as the
/// kernel's own seccomp selftests do.
pub const SLEEP_SYSCALLS: &[&str] = &["clock_nanosleep", "nanosleep"];

/// Runs the step binary at `binary` under an *outer* filter that makes every
/// attempt to load another filter fail with `EPERM` (`seccomp(2)` and
/// `prctl(PR_SET_SECCOMP)`), as a container runtime's filter might. A step must
/// then fail closed: say why and exit, without running the program.
///
/// The outer filter is built here, in the test process, but loaded in the child
/// between `fork` and `execve`, with nothing but two `prctl` calls, which are safe
/// to make there. The test process itself is never filtered.
pub fn run_with_seccomp_denied(binary: impl AsRef<Path>, stdin: &[u8]) -> StepRun {
    run_with_seccomp_denied_args(binary, &[], stdin)
}

/// [`run_with_seccomp_denied`] with command-line arguments.
pub fn run_with_seccomp_denied_args(
    binary: impl AsRef<Path>,
    args: &[&str],
    stdin: &[u8],
) -> StepRun {
    use std::os::unix::process::CommandExt;

    use libseccomp::{scmp_cmp, ScmpAction, ScmpFilterContext};

    let mut outer = ScmpFilterContext::new(ScmpAction::Allow).expect("filter context");
    let deny = ScmpAction::Errno(libc::EPERM);
    outer
        .add_rule(deny, ScmpSyscall::from_name("seccomp").unwrap())
        .expect("seccomp rule");
    outer
        .add_rule_conditional(
            deny,
            ScmpSyscall::from_name("prctl").unwrap(),
            &[scmp_cmp!($arg0 == libc::PR_SET_SECCOMP as u64)],
        )
        .expect("prctl rule");
    let program = crate::filter::bpf_program(&outer).expect("BPF export");
    let instructions = program.len() / std::mem::size_of::<libc::sock_filter>();

    let binary = binary.as_ref();
    let mut command = Command::new(binary);
    command.args(args);
    // SAFETY: only `prctl` runs between fork and exec, and `program` outlives the child's
    // use of it (the kernel copies the filter during the call).
    unsafe {
        command.pre_exec(move || {
            let fprog = libc::sock_fprog {
                len: instructions as u16,
                filter: program.as_ptr() as *mut libc::sock_filter,
            };
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &fprog as *const libc::sock_fprog,
                ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    crate::runner::run_step(&mut command, stdin).unwrap_or_else(|err| {
        panic!(
            "cannot run {} under the outer filter: {err}",
            binary.display()
        )
    })
}

/// Asserts that the step at `binary` fails closed when no filter can be loaded:
/// nothing on stdout, one line on stderr saying that the program will not run
/// unfiltered and why, and exit status 3, a plain exit, not a signal.
#[track_caller]
pub fn assert_fails_closed(binary: impl AsRef<Path>) {
    assert_fails_closed_with_args(binary, &[]);
}

/// [`assert_fails_closed`] for the step run with `args`.
#[track_caller]
pub fn assert_fails_closed_with_args(binary: impl AsRef<Path>, args: &[&str]) {
    let run = run_with_seccomp_denied_args(binary, args, TUTORIAL_INPUT);
    let stderr = run.stderr_text();
    assert_eq!(run.stdout_text(), "", "the program must not run unfiltered");
    assert_eq!(
        run.ending(),
        Ending::Exited(i32::from(crate::error::EXIT_FILTER_FAILED)),
        "stderr: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr}");
    assert!(
        stderr.contains("the program will not run unfiltered")
            && stderr.contains("already runs under a seccomp filter"),
        "stderr names the cause: {stderr}"
    );
    assert!(
        run.forked.is_empty(),
        "nothing was forked: {:?}",
        run.forked
    );
}

/// Splits `NAME(NR)` into the name and the number, checking that libseccomp gives
/// the name that number on this machine's architecture. `None` when `text` does
/// not have that form.
#[track_caller]
pub fn parse_syscall(text: &str) -> Option<String> {
    let (name, rest) = text.split_once('(')?;
    let nr: i32 = rest.strip_suffix(')')?.parse().ok()?;
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let expected = ScmpSyscall::from_name(name)
        .unwrap_or_else(|err| panic!("libseccomp does not know `{name}`: {err}"))
        .as_raw_syscall();
    assert_eq!(nr, expected, "{text}: the number of `{name}` here");
    Some(name.to_owned())
}

/// The syscalls step 3's reporter named on stdout, in the order printed (a name
/// twice when the step and its forked child both report it).
#[track_caller]
pub fn reported_syscalls(run: &StepRun) -> Vec<String> {
    stdout_lines(run)
        .iter()
        .filter_map(|line| line.strip_prefix(crate::reporter::REPORT_PREFIX))
        .map(|report| parse_syscall(report).unwrap_or_else(|| panic!("not NAME(NR): {report:?}")))
        .collect()
}

/// The syscalls `step-3-reporting --learn` listed on stderr, one `NAME(NR)` line
/// each, in the order listed.
#[track_caller]
pub fn learned_syscalls(run: &StepRun) -> Vec<String> {
    run.stderr_text()
        .lines()
        .filter_map(parse_syscall)
        .collect()
}

/// Where cargo put the binary `name` of another package of the workspace: next
/// to `binary`. `None` when it has not been built (`cargo test -p` builds only
/// the binaries of the package it tests; `cargo test --workspace` builds them all).
pub fn sibling_binary(binary: impl AsRef<Path>, name: &str) -> Option<std::path::PathBuf> {
    let path = binary.as_ref().parent()?.join(name);
    path.exists().then_some(path)
}

/// Asserts that a `--print-filter=bpf` listing starts with the architecture
/// check: load the architecture, compare it with this machine's `AUDIT_ARCH_*`
/// token (as libseccomp gives it), and, on x86_64, guard against x32 numbers.
#[track_caller]
pub fn assert_bpf_checks_the_architecture_first(listing: &str) {
    let token = crate::bpf::native_arch();
    let arch = crate::bpf::arch_name(token).expect("libseccomp names its own architecture");
    let lines: Vec<&str> = listing.lines().collect();
    assert!(
        lines.len() > 2
            && lines[0].starts_with("(000) ld [4] ")
            && lines[0].ends_with("; A = architecture"),
        "{listing}"
    );
    assert!(
        lines[1].starts_with(&format!("(001) jeq #{token:#x} jt 2 jf "))
            && lines[1].ends_with(&format!("; {arch}")),
        "{listing}"
    );
    if token == libseccomp_sys::SCMP_ARCH_X86_64 {
        assert!(
            listing.contains(" jge #0x40000000 jt ") && listing.contains("; x32 syscall numbers"),
            "{listing}"
        );
    }
}

/// A syscall name libseccomp knows from another architecture but not from this
/// one: `sigreturn` exists on i386 and 32-bit ARM only, and where it does,
/// `socketcall` or `arm_fadvise64_64` is missing.
pub fn foreign_syscall_name() -> &'static str {
    ["sigreturn", "socketcall", "arm_fadvise64_64"]
        .into_iter()
        .find(|name| ScmpSyscall::from_name(name).is_ok_and(|s| s.as_raw_syscall() < 0))
        .expect("one of them belongs to another architecture")
}
