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
