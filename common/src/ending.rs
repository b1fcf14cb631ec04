//! How a process ended: the exit status it returned or the signal that killed
//! it, as `wait` reports it and as a shell shows it.
//!
//! The runner of the tour and the tests (in the `harness` crate) records these
//! endings, and the supervisor of `--learn` reports them; both build on this
//! module, which uses no other of the crate.

use std::fmt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;

/// How one process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It exited with this status.
    Exited(i32),
    /// It was killed by this signal number.
    Signaled(i32),
}

impl Ending {
    /// The ending recorded in a `std` exit status.
    pub fn from_status(status: ExitStatus) -> Ending {
        match (status.code(), status.signal()) {
            (Some(code), _) => Ending::Exited(code),
            (None, Some(signal)) => Ending::Signaled(signal),
            (None, None) => unreachable!("a process that was waited for exited or was killed"),
        }
    }

    /// The process and its ending in a `waitpid` status, when the status says it ended.
    pub fn from_wait_status(status: WaitStatus) -> Option<(nix::unistd::Pid, Ending)> {
        match status {
            WaitStatus::Exited(pid, code) => Some((pid, Ending::Exited(code))),
            WaitStatus::Signaled(pid, signal, _) => Some((pid, Ending::Signaled(signal as i32))),
            _ => None,
        }
    }

    /// `true` when the process was killed by SIGSYS, a seccomp filter's kill action.
    pub fn is_sigsys(self) -> bool {
        self == Ending::Signaled(libc::SIGSYS)
    }

    /// The status a shell puts in `$?` for this ending: the exit status, or 128
    /// plus the signal number.
    pub fn shell_status(self) -> i32 {
        match self {
            Ending::Exited(code) => code,
            Ending::Signaled(signal) => 128 + signal,
        }
    }
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ending::Exited(code) => write!(f, "exit status {code}"),
            Ending::Signaled(number) => {
                let name = Signal::try_from(number).map_or("an unknown signal", Signal::as_str);
                write!(
                    f,
                    "killed by {name} ({}), status {} in a shell",
                    signal_description(number),
                    self.shell_status()
                )
            }
        }
    }
}

/// The C library's description of signal `number`, as a shell prints it for a
/// command that signal killed: `Bad system call` for SIGSYS.
pub fn signal_description(number: i32) -> String {
    // SAFETY: `strsignal` returns a description for any number, valid until the next call.
    let description = unsafe { std::ffi::CStr::from_ptr(libc::strsignal(number)) };
    description.to_string_lossy().into_owned()
}
