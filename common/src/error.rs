//! Errors a step meets before its program runs, and what the step does about them.
//!
//! Every step fails closed: when its filter cannot be built or loaded it prints one
//! line naming the cause on stderr and exits with [`EXIT_FILTER_FAILED`], before the
//! program prints anything. It never carries on unfiltered. A bad policy (step 4) is
//! refused the same way, with [`EXIT_USAGE`]: the mistake is in what was asked for,
//! not in the kernel. Errors *after* the filter is loaded are the program's own
//! (see [`crate::program::ProgramError`]); they are handled there without
//! allocating, because a filter may forbid the syscalls that allocation or a panic
//! would need.

use std::io::Write as _;
use std::process::ExitCode;

use libseccomp::error::SeccompError;

// ANCHOR: exit_statuses
/// Exit status of a step whose program ran to the end.
pub const EXIT_OK: u8 = 0;
/// Exit status when the program itself fails (reading stdin or writing stdout),
/// and the status step 3's reporter exits with after naming a refused syscall.
pub const EXIT_PROGRAM_FAILED: u8 = 1;
/// Exit status for bad command-line usage (the same status `clap` uses), an
/// unknown syscall name, a `--simulate` call that cannot be read, and a policy
/// file that is refused.
pub const EXIT_USAGE: u8 = 2;
/// Exit status when the filter could not be built or loaded: the step fails closed.
pub const EXIT_FILTER_FAILED: u8 = 3;
// ANCHOR_END: exit_statuses

/// Something that stops a step before its program runs.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// A syscall name that libseccomp does not know on any architecture.
    #[error("unknown syscall name `{name}`: libseccomp knows no syscall of that name")]
    UnknownSyscall {
        /// The name as it was given.
        name: String,
    },
    /// libseccomp refused to build the filter (a rule or an attribute).
    #[error("cannot build the seccomp filter ({what}), so the program will not run unfiltered: {source}{}", outer_filter_hint())]
    Build {
        /// What was being done, in the filter's vocabulary.
        what: &'static str,
        /// libseccomp's own error.
        source: SeccompError,
    },
    /// libseccomp refused one of a policy's rules.
    #[error("cannot build the seccomp filter (adding rule {rule}, {syscall}), so the program will not run unfiltered: {source}{}", outer_filter_hint())]
    BuildRule {
        /// The rule, counted from 1 in the policy's order.
        rule: usize,
        /// The rule's syscall.
        syscall: String,
        /// libseccomp's own error.
        source: SeccompError,
    },
    /// A `--simulate` CALL that cannot be read, or names no syscall of this architecture.
    #[error("--simulate '{call}': {reason}")]
    BadCall {
        /// The CALL as it was given.
        call: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A filter `--print-filter=oci` cannot write as a container runtime's
    /// profile, and why.
    #[error("--print-filter=oci: {0}")]
    NotExportable(String),
    /// A BPF program the kernel would refuse to load, as `--simulate` found it
    /// (a `simulate::Refused`, which converts itself).
    #[error("the kernel would refuse the BPF program: {0}")]
    Refused(Box<dyn std::error::Error + Send + Sync>),
    /// A policy file that cannot be used: it is refused before any filter is
    /// built. It holds a `policy_error::PolicyError`, boxed: it names the file, the rule
    /// and the problem, and is far larger than the other errors.
    #[error(transparent)]
    Policy(Box<dyn std::error::Error + Send + Sync>),
    /// The generated BPF program could not be read back.
    #[error("cannot read back the BPF program: {source}")]
    Export {
        /// The I/O error.
        source: std::io::Error,
    },
    /// Setting NO_NEW_PRIVS failed; without it an unprivileged process may not load a filter.
    #[error("cannot set NO_NEW_PRIVS: {0}")]
    NoNewPrivs(#[source] nix::Error),
    /// The kernel refused the filter: seccomp is not available, or an outer filter forbids it.
    #[error("cannot load the seccomp filter, so the program will not run unfiltered: {0}{hint}", hint = outer_filter_hint())]
    Load(#[source] SeccompError),
    /// Step 3 could not install its SIGSYS reporter.
    #[error("cannot install the SIGSYS reporter: {0}")]
    Reporter(#[source] nix::Error),
    /// `--learn` needs seccomp user notification with the CONTINUE flag, which this
    /// kernel or this libseccomp does not offer.
    #[error("seccomp user notification is not available here (Linux {kernel}, libseccomp {libseccomp} at API level {api_level}): --learn needs Linux 5.5 or later for its CONTINUE flag and libseccomp 2.5 or later at API level 6 or higher (which takes Linux 5.7), so the program will not run unfiltered{hint}", hint = outer_filter_hint())]
    NotifyUnavailable {
        /// The running kernel's release.
        kernel: String,
        /// libseccomp's version.
        libseccomp: String,
        /// The API level libseccomp reports for this kernel.
        api_level: u32,
    },
    /// Step 4's `--learn` cannot learn against this policy.
    #[error("--learn cannot learn against {file}: {why}")]
    LearnAgainst {
        /// The policy's file, as messages name it.
        file: String,
        /// Why not.
        why: String,
    },
    /// `--learn`'s supervisor could not set up or answer the program's notifications.
    #[error("--learn cannot supervise the program ({doing}): {source}")]
    Supervisor {
        /// What the supervisor was doing.
        doing: &'static str,
        /// The cause.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A hint for when libseccomp fails under a filter this process already runs under.
///
/// libseccomp probes the kernel with `seccomp(2)` before it builds anything; an outer
/// filter (a container runtime's, a sandbox's) that refuses those probes makes it
/// believe seccomp is missing or old, so even building the filter fails.
fn outer_filter_hint() -> &'static str {
    // SAFETY: a query without pointers.
    match unsafe { libc::prctl(libc::PR_GET_SECCOMP) } {
        2 => " (this process already runs under a seccomp filter, a container's or a sandbox's, which may refuse another one)",
        _ => "",
    }
}

impl StepError {
    /// The documented exit status for this error.
    pub fn exit_status(&self) -> u8 {
        match self {
            StepError::UnknownSyscall { .. }
            | StepError::BadCall { .. }
            | StepError::Policy(_)
            | StepError::LearnAgainst { .. }
            | StepError::NotExportable(_) => EXIT_USAGE,
            _ => EXIT_FILTER_FAILED,
        }
    }
}

/// Prints `STEP: error: CAUSE` on stderr, with every cause in the error's chain,
/// and returns the error's exit status. Called before any filter is loaded, so it
/// may format and allocate freely.
pub fn fail_closed(step: &str, err: &StepError) -> ExitCode {
    let mut line = format!("{step}: error: {err}");
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        let text = inner.to_string();
        // libseccomp's errors repeat their cause in their own text; skip echoes.
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = inner.source();
    }
    // Not `eprintln!`, which panics when stderr is a pipe nobody reads any more;
    // the exit status still says what happened.
    let _ = writeln!(std::io::stderr(), "{line}");
    ExitCode::from(err.exit_status())
}
