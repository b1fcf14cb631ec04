//! Runs a step binary the way a shell pipeline would, and records how it ended.
//!
//! `printf 'hello seccomp\n' | step-2-filter` shows what the step printed and, in
//! `$?`, how the step's own process ended, but not how the child it forked ended:
//! that child is orphaned when its parent returns. The runner makes the calling
//! process a *child subreaper* (`PR_SET_CHILD_SUBREAPER`), so orphans of the step
//! are handed to it instead of to init, and it collects their endings too. The
//! tour shows them, and the tests assert them: a child killed by SIGSYS after it
//! printed its last line would otherwise go unnoticed.
//!
//! A step's stdout is normally a pipe the runner reads; [`run_step_with`] can
//! give it a hostile one instead ([`StdoutTo`]): closed, `/dev/full`, or a pipe
//! whose reader is gone, so the tests can check how each step's error paths end.
//!
//! Children run with `RLIMIT_CORE` 0, so a step killed by SIGSYS leaves no core
//! file behind, and in a process group of their own, which the runner kills when
//! a run takes longer than [`RUN_TIMEOUT`]: a hung step fails its test instead of
//! hanging it. Nothing here loads a filter: filters are loaded by the step
//! binaries, in their own processes.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::resource::{setrlimit, Resource};
use nix::sys::signal::{killpg, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

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

/// What one run of a step printed, and how its processes ended.
#[derive(Debug)]
pub struct StepRun {
    /// Everything written to stdout, by the step and by the child it forked.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
    /// The step's own exit status, as `std` reports it.
    pub status: ExitStatus,
    /// How each process the step forked ended, in the order they were collected.
    pub forked: Vec<Ending>,
}

impl StepRun {
    /// How the step's own process ended.
    pub fn ending(&self) -> Ending {
        Ending::from_status(self.status)
    }

    /// stdout as text (bytes that are not UTF-8 are replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (bytes that are not UTF-8 are replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The run as a `std::process::Output`, for `assert_cmd`'s assertions.
    pub fn output(&self) -> std::process::Output {
        std::process::Output {
            status: self.status,
            stdout: self.stdout.clone(),
            stderr: self.stderr.clone(),
        }
    }
}

/// Where a step's stdout goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdoutTo {
    /// A pipe the runner reads: [`StepRun::stdout`] holds what the step wrote.
    Captured,
    /// Nowhere: the step starts with descriptor 1 closed, as after `step >&-` in a
    /// shell. (Rust's runtime opens `/dev/null` on a closed standard descriptor
    /// before `main`, so a Rust step writes into `/dev/null`.)
    Closed,
    /// `/dev/full`, on which every write fails with `ENOSPC`.
    DevFull,
    /// A pipe whose read end is closed before the step starts, as in
    /// `step | true` once `true` has exited: every write fails with `EPIPE` (and
    /// raises SIGPIPE, which Rust's runtime ignores).
    ReaderGone,
}

/// How long one run may take before the runner kills every process left in it.
/// A step needs about a second (its program sleeps for one), so only a step that
/// hangs gets there.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// One run at a time per process: collecting orphans means waiting for *any*
/// child, which must not take a child that another thread is waiting for.
static ONE_RUN_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `command` with `stdin` as its standard input, captures its stdout and
/// stderr, and waits for it and for every process it forked.
///
/// Every child process of the calling process must be started through this
/// function or [`run_step_with`]: while they collect orphans they wait for any
/// child at all. A run that takes longer than [`RUN_TIMEOUT`] is killed, and is
/// an error of kind `TimedOut`.
pub fn run_step(command: &mut Command, stdin: &[u8]) -> io::Result<StepRun> {
    run_step_with(command, stdin, StdoutTo::Captured)
}

/// Like [`run_step`], with the step's stdout set up as `stdout` says; unless it is
/// [`StdoutTo::Captured`], the run's `stdout` is empty.
pub fn run_step_with(command: &mut Command, stdin: &[u8], stdout: StdoutTo) -> io::Result<StepRun> {
    run_within(command, stdin, stdout, RUN_TIMEOUT)
}

/// [`run_step_with`], killing the run's processes once it has taken `timeout`;
/// the run is then an error of kind `TimedOut`.
fn run_within(
    command: &mut Command,
    stdin: &[u8],
    stdout: StdoutTo,
    timeout: Duration,
) -> io::Result<StepRun> {
    let _one_run = ONE_RUN_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // Setting it again is harmless, and cheaper to read than remembering it was set.
    nix::sys::prctl::set_child_subreaper(true)?;

    command
        .stdin(Stdio::piped())
        .stdout(stdout_stdio(stdout)?)
        .stderr(Stdio::piped())
        // The step and every process it forks share this group, so the watchdog
        // below can kill them all at once, orphans included.
        .process_group(0);
    if stdout == StdoutTo::Closed {
        // SAFETY: `close` is async-signal-safe, so it may run between fork and exec.
        unsafe {
            command.pre_exec(|| {
                if libc::close(libc::STDOUT_FILENO) == 0 {
                    Ok(())
                } else {
                    Err(io::Error::last_os_error())
                }
            });
        }
    }
    // SAFETY: `setrlimit` is async-signal-safe, so it may run between fork and exec.
    unsafe {
        command.pre_exec(|| setrlimit(Resource::RLIMIT_CORE, 0, 0).map_err(io::Error::from));
    }
    let mut child = command.spawn()?;
    let watchdog = watchdog(child.id(), timeout);

    // Feed stdin from another thread so a step that reads little (or nothing) and
    // a large input cannot block each other. A step that stops reading closes the
    // pipe: that is its right, not an error of the run.
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_vec();
    let feeder = thread::spawn(move || match pipe.write_all(&input) {
        Err(err) if err.kind() != io::ErrorKind::BrokenPipe => Err(err),
        _ => Ok(()),
    });
    // Returns once stdout and stderr reach end of file, that is once the step and
    // every process it forked have closed them (normally by ending).
    let output = child.wait_with_output();
    // Collected even when the run failed, so that no process of this run is
    // taken for one the next run forked.
    let forked = collect_orphans();
    let timed_out = watchdog();
    let fed = feeder.join().expect("the stdin feeder does not panic");
    if timed_out {
        return Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "{} did not end within {} s, so its processes were killed",
                command.get_program().to_string_lossy(),
                timeout.as_secs_f32()
            ),
        ));
    }
    let output = output?;
    fed?;
    Ok(StepRun {
        stdout: output.stdout,
        stderr: output.stderr,
        status: output.status,
        forked: forked?,
    })
}

/// Starts a thread that kills the process group `group` with SIGKILL unless it
/// is stopped within `timeout`. The returned function stops it and says whether
/// it had to kill.
///
/// The group keeps its number until its last process is reaped, and the watchdog
/// is stopped right after that. A kill in between finds no group (`ESRCH`): the
/// kernel hands a number out again only after cycling through all the others.
fn watchdog(group: u32, timeout: Duration) -> impl FnOnce() -> bool {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = thread::spawn(move || match stopped.recv_timeout(timeout) {
        Err(RecvTimeoutError::Timeout) => {
            let _ = killpg(Pid::from_raw(group as i32), Signal::SIGKILL);
            true
        }
        _ => false,
    });
    move || {
        drop(stop);
        thread.join().expect("the watchdog does not panic")
    }
}

/// The `Stdio` that sets up `stdout`; `Closed` starts as `/dev/null`, closed
/// in the child just before `execve`.
fn stdout_stdio(stdout: StdoutTo) -> io::Result<Stdio> {
    Ok(match stdout {
        StdoutTo::Captured => Stdio::piped(),
        StdoutTo::Closed => Stdio::null(),
        StdoutTo::DevFull => Stdio::from(OpenOptions::new().write(true).open("/dev/full")?),
        StdoutTo::ReaderGone => {
            let (reader, writer) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
            drop(reader);
            Stdio::from(writer)
        }
    })
}

/// Waits for every orphan handed to this subreaper and returns their endings.
fn collect_orphans() -> io::Result<Vec<Ending>> {
    let mut endings = Vec::new();
    loop {
        match waitpid(None, Some(WaitPidFlag::__WALL)) {
            Ok(status) => endings.extend(Ending::from_wait_status(status).map(|(_, e)| e)),
            Err(Errno::EINTR) => continue,
            Err(Errno::ECHILD) => return Ok(endings),
            Err(errno) => return Err(errno.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_read_as_a_shell_reports_them() {
        assert_eq!(Ending::Exited(0).to_string(), "exit status 0");
        assert_eq!(
            Ending::Signaled(libc::SIGSYS).to_string(),
            "killed by SIGSYS (Bad system call), status 159 in a shell"
        );
        assert!(Ending::Signaled(libc::SIGSYS).is_sigsys());
        assert!(!Ending::Signaled(libc::SIGKILL).is_sigsys());
    }

    /// Each hostile stdout makes a shell's `echo` fail the way it should; the
    /// shell is not a Rust program, so nothing reopens a closed descriptor.
    #[test]
    fn stdout_can_be_closed_full_or_a_pipe_without_reader() {
        let echo = |stdout| {
            run_step_with(
                Command::new("sh").args(["-c", "echo x || { echo failed >&2; exit 7; }"]),
                b"",
                stdout,
            )
            .unwrap()
        };
        let captured = echo(StdoutTo::Captured);
        assert_eq!(
            (captured.stdout_text(), captured.ending()),
            ("x\n".into(), Ending::Exited(0))
        );
        for stdout in [StdoutTo::Closed, StdoutTo::DevFull] {
            let run = echo(stdout);
            assert_eq!(run.ending(), Ending::Exited(7), "{stdout:?}");
            assert!(
                run.stderr_text().ends_with("failed\n"),
                "{stdout:?}: {}",
                run.stderr_text()
            );
            assert!(run.stdout.is_empty());
        }
        // A shell does not ignore SIGPIPE: the write to the pipe without reader kills it.
        assert_eq!(
            echo(StdoutTo::ReaderGone).ending(),
            Ending::Signaled(libc::SIGPIPE)
        );
    }

    /// A run that does not end is killed once it has taken its timeout, orphans
    /// included, and is an error; nothing of it is left to wait for.
    #[test]
    fn a_run_that_does_not_end_is_killed_at_its_timeout() {
        let err = run_within(
            Command::new("sh").args(["-c", "sleep 1000 & exec sleep 1000"]),
            b"",
            StdoutTo::Captured,
            Duration::from_secs(1),
        )
        .expect_err("the run cannot end by itself");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert_eq!(
            err.to_string(),
            "sh did not end within 1 s, so its processes were killed"
        );
        let _one_run = ONE_RUN_AT_A_TIME.lock();
        assert_eq!(
            waitpid(None, Some(WaitPidFlag::WNOHANG | WaitPidFlag::__WALL)),
            Err(Errno::ECHILD)
        );
    }

    #[test]
    fn orphans_of_a_run_are_collected() {
        // A shell that forks a child which outlives it and ends by a signal.
        let run = run_step(
            Command::new("sh").args(["-c", r#"(sleep 0.2; exec sh -c 'kill -TERM $$') & exit 3"#]),
            b"",
        )
        .unwrap();
        assert_eq!(run.ending(), Ending::Exited(3));
        assert_eq!(run.forked, [Ending::Signaled(libc::SIGTERM)]);
    }
}
