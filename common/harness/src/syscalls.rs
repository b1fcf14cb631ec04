//! Syscalls as the tests name them on this architecture: the sleep's, the
//! numbers `/proc/PID/syscall` shows, a name that only another architecture
//! has, and the `NAME(NR)` lines that step 3's reporter and `--learn` print.

use libseccomp::ScmpSyscall;

use crate::runner::StepRun;

/// The syscalls through which glibc's `sleep` may reach the kernel: `clock_nanosleep`
/// since glibc 2.31 on x86_64, `nanosleep` before. Tests accept either, as the
/// kernel's own seccomp selftests do.
pub const SLEEP_SYSCALLS: &[&str] = &["clock_nanosleep", "nanosleep"];

/// The numbers, on this architecture, of the syscalls `names` that it has (as
/// libseccomp resolves them; names it lacks are left out), as `/proc/PID/syscall`
/// shows them.
pub fn syscall_numbers(names: &[&str]) -> Vec<i64> {
    names
        .iter()
        .filter_map(|name| ScmpSyscall::from_name(name).ok())
        .map(|syscall| i64::from(syscall.as_raw_syscall()))
        .filter(|&nr| nr >= 0)
        .collect()
}

/// The numbers of the sleep syscalls ([`SLEEP_SYSCALLS`]) this architecture has.
pub fn sleep_syscall_numbers() -> Vec<i64> {
    syscall_numbers(SLEEP_SYSCALLS)
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

/// The report line step 3 prints for syscall `name` on this machine's
/// architecture, with the number libseccomp resolves it to.
pub fn report_line_for(name: &str) -> String {
    let nr = ScmpSyscall::from_name(name)
        .unwrap_or_else(|err| panic!("libseccomp does not know `{name}`: {err}"))
        .as_raw_syscall();
    format!("{}{name}({nr})", common::reporter::REPORT_PREFIX)
}

/// Splits `NAME(NR)` into the name and the number, checking that libseccomp gives
/// the name that number on this machine's architecture. `None` when `text` does
/// not have that form.
#[track_caller]
fn parse_syscall(text: &str) -> Option<String> {
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
    run.stdout_text()
        .lines()
        .filter_map(|line| line.strip_prefix(common::reporter::REPORT_PREFIX))
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
