//! Step 3's `--learn -- CMD [ARG...]`: learn what any program needs, from its
//! `execve` on, with the supervisor of [`crate::tools::learn`].
//!
//! The step forks a process that loads the same user-notification filter (step
//! 2's allow list plus the `--allow` names; every other syscall is notified) and
//! then executes CMD. The filter stays across `execve` and passes to every process
//! CMD forks, so the supervisor sees all of them, from the `execve` itself on,
//! and lists what the allow list lacks, in the report `--learn` prints for the
//! tutorial program. It exits with CMD's status, or 128 plus the signal's number
//! when a signal killed CMD, as a shell does.
//!
//! What differs from the tutorial program, and why:
//!
//! - **Nothing to hand over.** The tutorial program's process sends the listener
//!   to the supervisor with `sendmsg`, which its filter allows on that one
//!   descriptor, with `close` of the two descriptors. CMD could make those very
//!   calls on those numbers, and the filter would let them through unreported.
//!   So the command's process is forked with `clone(CLONE_FILES)`: until its
//!   `execve` it shares its table of descriptors with the supervisor, and the
//!   listener the kernel puts there when the filter is loaded is the
//!   supervisor's at once. The process only says which number it got, with a
//!   `write` to a pipe (on the allow list). `execve` then gives CMD a table of its
//!   own and closes the listener and the pipe in it (both are close-on-exec).
//!   The filter is step 3's allow list with the Notify action, and nothing else.
//! - **Nothing between the filter and `execve` that could be notified, or
//!   allocate.** CMD is looked up on `PATH` before the fork, as `execvp` would
//!   (so a missing command is an error, status 127, before anything runs), its
//!   arguments and environment are made into C strings, and the filter into its
//!   BPF program. After the fork the process sets its death signal, resets the
//!   signal mask and SIGPIPE (the step's Rust runtime ignores SIGPIPE, and an
//!   ignored signal stays ignored across `execve`), sets NO_NEW_PRIVS and loads
//!   the program with one `seccomp(2)`; then comes the `write` of the number, and
//!   `execve`, whose notification the supervisor answers first. The report starts
//!   with `execve`: it is not on the allow list.
//! - **NO_NEW_PRIVS.** As for every filter a process without `CAP_SYS_ADMIN`
//!   loads, the kernel then grants no privileges through `execve`: a set-user-ID
//!   or set-group-ID program, or one with file capabilities, runs with the
//!   caller's own, as under any seccomp sandbox. Learning `passwd` or `ping` as
//!   a user learns what they do when they fail for lack of privileges.
//! - **Dying with the supervisor.** The death signal (`PR_SET_PDEATHSIG`, see
//!   [`crate::tools::learn`]) stays across `execve`: if the supervisor dies, CMD's
//!   process is killed with it, unless it changed its credentials (the kernel
//!   then clears the signal: a command run as root that drops them, as
//!   `setpriv --reuid` or `su` do) or cleared the signal itself. Processes CMD forked have
//!   none: a supervisor that is terminated (SIGTERM, SIGHUP) kills each of them
//!   first; one killed by SIGKILL cannot, and they run on, the kernel failing
//!   every syscall they make that the allow list lacks with ENOSYS (a tool for
//!   production would run the command in a cgroup or a PID namespace of its
//!   own, and kill that).
//!
//! - **Signals.** A syscall that waits for the supervisor can be interrupted by
//!   a signal, as any wait in the kernel: one interrupted before the supervisor
//!   received its notification is made again after a handler installed with
//!   `SA_RESTART`, and fails with EINTR after one without it, even one that no
//!   signal interrupts without a filter, such as an `open` of a file. The
//!   filter asks the kernel to let a syscall whose notification was
//!   received wait for its answer through any signal but a fatal one
//!   (`SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`, Linux 5.19), which leaves only
//!   the moment before: a command's behaviour under signals can differ.
//!
//! Left out on purpose: a script without `#!` that `execve` refuses with ENOEXEC
//! is run with `/bin/sh`, as `execvp` does, but a command is not looked for
//! again after the filter is loaded if it disappeared in between (the step says
//! so and exits with status 127, as a shell would). The filter knows this
//! machine's architecture only: a command of another ABI (an i386 program on
//! x86_64) is killed by SIGSYS at its first syscall, as every filter of the
//! tutorial kills a foreign ABI's. And `--learn` cannot run under `--learn`: the
//! kernel gives one listener to a process's chain of filters (EBUSY).

use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use libseccomp::ScmpAction;
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::SignalFd;
use nix::unistd::{getpid, Pid};

use crate::error::{fail_closed, StepError, EXIT_FILTER_FAILED};
use crate::filter::StepFilter;
use crate::filter::{allow_list_filter, bpf_instructions};
use crate::program::{write_all, StackLine};
use crate::tools::learn::{
    allow_list_with, block_sigcont, check_available, die_with, load_with_listener, supervise,
    supervisor_error, take_signals, AllowList, HandOver, Subject, Supervision, HANDOFF_TIMEOUT_MS,
};

/// Exit status when CMD cannot be found, as a shell gives it.
pub const EXIT_COMMAND_NOT_FOUND: u8 = 127;
/// Exit status when CMD was found but cannot be executed, as a shell gives it.
pub const EXIT_COMMAND_NOT_EXECUTABLE: u8 = 126;

/// Where `execvp` looks for a command when `PATH` is not set (glibc's default).
const DEFAULT_PATH: &str = "/bin:/usr/bin";

/// The shell `execvp` runs a script without `#!` with.
const SHELL: &str = "/bin/sh";

/// How much stack the command's process gets between the fork and its
/// `execve`: it makes a handful of syscalls, and formats a message if one fails.
const CHILD_STACK: usize = 256 * 1024;

/// Why CMD cannot be run; nothing has run when the step says so.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// No file of that name on `PATH`.
    #[error("{name}: command not found")]
    NotFound {
        /// CMD as it was given.
        name: String,
    },
    /// A path that names no file, a directory, a file without execute
    /// permission, or an argument a C string cannot hold.
    #[error("{path}: {reason}")]
    CannotExecute {
        /// The path, as it was given or found on `PATH`.
        path: String,
        /// Why, as `strerror` says it.
        reason: String,
        /// The status: 127 when there is no such file, 126 otherwise.
        status: u8,
    },
}

impl CommandError {
    /// The status the step exits with, as a shell's.
    pub fn exit_status(&self) -> u8 {
        match self {
            CommandError::NotFound { .. } => EXIT_COMMAND_NOT_FOUND,
            CommandError::CannotExecute { status, .. } => *status,
        }
    }

    fn cannot_execute(path: &Path, errno: Errno) -> CommandError {
        CommandError::CannotExecute {
            path: path.display().to_string(),
            reason: errno.desc().to_owned(),
            status: match errno {
                Errno::ENOENT | Errno::ENOTDIR => EXIT_COMMAND_NOT_FOUND,
                _ => EXIT_COMMAND_NOT_EXECUTABLE,
            },
        }
    }
}

/// Finds CMD the way `execvp` does: a name with a `/` is a path, any other is
/// looked for in each directory of `PATH` in turn (an empty entry is the current
/// directory), and the first regular file there that may be executed is taken.
/// A file found that may not be executed is remembered: when no later one may
/// be, the error is "Permission denied" (status 126), as from `execvp`.
pub fn find_command(name: &OsStr, path_var: Option<&OsStr>) -> Result<PathBuf, CommandError> {
    if name.as_bytes().contains(&b'/') {
        let path = PathBuf::from(name);
        return match executable(&path) {
            Ok(()) => Ok(path),
            Err(errno) => Err(CommandError::cannot_execute(&path, errno)),
        };
    }
    let path_var = path_var.unwrap_or(OsStr::new(DEFAULT_PATH));
    let mut refused = None;
    if !name.is_empty() {
        for dir in path_var.as_bytes().split(|&b| b == b':') {
            let dir = if dir.is_empty() {
                Path::new(".")
            } else {
                Path::new(OsStr::from_bytes(dir))
            };
            let candidate = dir.join(name);
            match executable(&candidate) {
                Ok(()) => return Ok(candidate),
                Err(Errno::EACCES) => refused = refused.or(Some(candidate)),
                Err(_) => {}
            }
        }
    }
    match refused {
        Some(path) => Err(CommandError::cannot_execute(&path, Errno::EACCES)),
        None => Err(CommandError::NotFound {
            name: name.to_string_lossy().into_owned(),
        }),
    }
}

/// `Ok` when `path` is a file `execve` may be asked to run: it exists, is not a
/// directory, and may be executed (`access(X_OK)`, which for root means that
/// one of its execute bits is set).
fn executable(path: &Path) -> Result<(), Errno> {
    let metadata =
        std::fs::metadata(path).map_err(|err| Errno::from_raw(err.raw_os_error().unwrap_or(0)))?;
    if metadata.is_dir() {
        return Err(Errno::EISDIR);
    }
    nix::unistd::access(path, nix::unistd::AccessFlags::X_OK)
}

/// What `execve` gets, made before the fork: nothing after the filter may
/// allocate. The pointer arrays point into the C strings, whose bytes do not
/// move when the struct does.
struct Exec {
    /// CMD as given, for messages.
    name: CString,
    /// The file found.
    path: CString,
    /// CMD and its arguments (`argv[0]` is CMD as given, as a shell passes it),
    /// as `execve` takes them.
    argv: Pointers,
    /// `/bin/sh`, the file, and the arguments: for a file `execve` refuses as no
    /// program (ENOEXEC), which `execvp` hands to the shell.
    sh_argv: Pointers,
    /// The step's environment, `NAME=value`.
    envp: Pointers,
}

/// C strings and the NULL-terminated array of pointers to them that `execve`
/// takes.
struct Pointers {
    strings: Vec<CString>,
    pointers: Vec<*const libc::c_char>,
}

impl Pointers {
    fn new(strings: Vec<CString>) -> Pointers {
        let pointers = strings
            .iter()
            .map(|s| s.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect();
        Pointers { strings, pointers }
    }

    /// The array, for `execve`.
    fn as_ptr(&self) -> *const *const libc::c_char {
        self.pointers.as_ptr()
    }
}

impl Exec {
    fn new(command: &[OsString]) -> Result<Exec, CommandError> {
        let name = command.first().map_or(OsStr::new(""), OsString::as_os_str);
        let path = find_command(name, std::env::var_os("PATH").as_deref())?;
        let c_string = |text: &OsStr| {
            CString::new(text.as_bytes()).map_err(|_| CommandError::CannotExecute {
                path: path.display().to_string(),
                reason: "an argument holds a NUL byte".to_owned(),
                status: EXIT_COMMAND_NOT_EXECUTABLE,
            })
        };
        let argv = command
            .iter()
            .map(|arg| c_string(arg))
            .collect::<Result<Vec<_>, _>>()?;
        let mut sh_argv = vec![c_string(OsStr::new(SHELL))?, c_string(path.as_os_str())?];
        sh_argv.extend(argv.iter().skip(1).cloned());
        let envp = std::env::vars_os()
            .map(|(key, value)| {
                let mut pair = key;
                pair.push("=");
                pair.push(value);
                c_string(&pair)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Exec {
            name: c_string(name)?,
            path: c_string(path.as_os_str())?,
            argv: Pointers::new(argv),
            sh_argv: Pointers::new(sh_argv),
            envp: Pointers::new(envp),
        })
    }
}

/// The filter `--learn -- CMD` loads: step 3's allow list plus `also_allow`,
/// every other syscall notified, nothing else (for `--print-filter`).
pub fn command_filter(also_allow: &[&str]) -> StepFilter {
    allow_list_filter(ScmpAction::Notify, &allow_list_with(also_allow))
}

/// Runs `command` (CMD and its arguments) under the notify filter of step 3's
/// allow list plus `also_allow`, from its `execve` on, and reports on stderr the
/// syscalls the list lacks, as [`crate::tools::learn::learn`] does for the program.
/// Returns the status the step exits with: CMD's (128 plus the signal's number
/// when a signal killed it), 127 or 126 when it cannot be found or executed, 3
/// when the filter cannot be loaded.
///
/// Call it only while the process has one thread, as a step's `main` does.
/// With `callers`, the report shows the functions that made each syscall's
/// first call ([`crate::tools::callers`]).
pub fn learn_command(
    step: &'static str,
    command: &[OsString],
    also_allow: &[&str],
    callers: bool,
) -> ExitCode {
    if let Err(err) = check_available() {
        return fail_closed(step, &err);
    }
    let exec = match Exec::new(command) {
        Ok(exec) => exec,
        Err(err) => {
            // One line, as `fail_closed` writes it; nothing has run.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("{step}: error: {err}\n").as_bytes(),
            );
            return ExitCode::from(err.exit_status());
        }
    };
    let prepared = command_filter(also_allow)
        .and_then(|filter| bpf_instructions(&filter))
        .and_then(|program| {
            let (from_child, to_supervisor) =
                nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|errno| {
                    supervisor_error("making the pipe for the listener's number", errno)
                })?;
            Ok((program, from_child, to_supervisor))
        });
    let (program, from_child, to_supervisor) = match prepared {
        Ok(prepared) => prepared,
        Err(err) => return fail_closed(step, &err),
    };
    // Orphans of the command are handed to the supervisor.
    if let Err(errno) = nix::sys::prctl::set_child_subreaper(true) {
        return fail_closed(step, &supervisor_error("becoming a child subreaper", errno));
    }
    let supervisor = getpid();
    // The command's process resets its signal mask before `execve`.
    if let Err(err) = block_sigcont() {
        return fail_closed(step, &err);
    }
    let mut stack = vec![0u8; CHILD_STACK];
    let child = Box::new(|| -> isize {
        run_command(step, supervisor, &exec, &program, to_supervisor.as_raw_fd())
    });
    // SAFETY: the step has no other threads, so the child may do anything the
    // parent may; it runs on its own stack, in its own copy of the memory (no
    // CLONE_VM), and ends in `execve` or `_exit`, never by returning.
    let cloned = unsafe {
        nix::sched::clone(
            child,
            &mut stack,
            nix::sched::CloneFlags::CLONE_FILES,
            Some(libc::SIGCHLD),
        )
    };
    match cloned {
        Err(errno) => fail_closed(step, &supervisor_error("forking", errno)),
        Ok(child) => {
            // The pipe's ends stay open in the supervisor: until the command's
            // `execve`, closing one here would close it for both processes.
            let mut hand_over = SharedTable {
                from_child,
                _to_supervisor: to_supervisor,
                exec_failed: false,
            };
            supervise(
                step,
                Subject::Command,
                child,
                &mut AllowList { also_allow },
                &mut hand_over,
                callers,
            )
        }
    }
}

/// The command's process, from the fork to `execve`.
///
/// Before the filter, anything may fail with a message and an exit status. From
/// the filter on, only syscalls on the allow list, until `execve`, with
/// nothing allocated; should `execve` fail, one line on stderr, a byte on the
/// pipe (so the supervisor prints no report), and `_exit`.
fn run_command(
    step: &str,
    supervisor: Pid,
    exec: &Exec,
    program: &[libc::sock_filter],
    pipe: RawFd,
) -> ! {
    if let Err(err) = die_with(supervisor)
        .and_then(|()| reset_signals())
        .and_then(|()| nix::sys::prctl::set_no_new_privs().map_err(StepError::NoNewPrivs))
    {
        let _ = fail_closed(step, &err);
        // SAFETY: `_exit` ends the process at once.
        unsafe { libc::_exit(i32::from(err.exit_status())) }
    }
    let listener = match load_with_listener(program) {
        Ok(listener) => listener,
        Err(errno) => {
            // The kernel lets one filter of a process's chain have a listener:
            // under another supervisor (`--learn -- step-3-reporting --learn`),
            // the second one asks in vain.
            let doing = if errno == Errno::EBUSY {
                "loading the filter: this process runs under another supervisor's already, \
                 and the kernel gives one listener only, so the command will not run unfiltered"
            } else {
                "loading the filter, so the command will not run unfiltered"
            };
            let err = supervisor_error(doing, errno);
            let _ = fail_closed(step, &err);
            // SAFETY: `_exit` ends the process at once.
            unsafe { libc::_exit(i32::from(EXIT_FILTER_FAILED)) }
        }
    };
    // ANCHOR: exec
    // The filter is in force. The supervisor holds the listener already (the
    // descriptor table is shared); it learns its number from the pipe.
    if let Err(errno) = write_all(pipe, &listener.to_ne_bytes()) {
        exec_failed(step, exec, pipe, errno);
    }
    // SAFETY: both arrays are NULL-terminated and point into C strings that
    // live as long as `exec`; `execve` returns only when it failed.
    let mut errno = unsafe {
        libc::execve(exec.path.as_ptr(), exec.argv.as_ptr(), exec.envp.as_ptr());
        Errno::last()
    };
    // ANCHOR_END: exec
    if errno == Errno::ENOEXEC {
        // SAFETY: as above.
        errno = unsafe {
            let shell = exec.sh_argv.strings[0].as_ptr();
            libc::execve(shell, exec.sh_argv.as_ptr(), exec.envp.as_ptr());
            Errno::last()
        };
    }
    exec_failed(step, exec, pipe, errno)
}

/// Sets the signal mask and SIGPIPE's disposition back to a new process's, as
/// `std::process::Command` does before it executes a program: a program
/// inherits both through `execve`, the step's Rust runtime ignores SIGPIPE, and
/// most programs expect neither blocked nor ignored signals.
fn reset_signals() -> Result<(), StepError> {
    let reset = |errno| supervisor_error("resetting the signals for the command", errno);
    SigSet::empty().thread_set_mask().map_err(reset)?;
    // SAFETY: the default disposition installs no handler.
    unsafe { nix::sys::signal::signal(Signal::SIGPIPE, nix::sys::signal::SigHandler::SigDfl) }
        .map(drop)
        .map_err(reset)
}

/// Ends the command's process when `execve` failed under the filter: one line
/// on stderr (`write`), one byte on the pipe so the supervisor prints no
/// report, and `_exit` with a shell's status, 127 when there is no such file,
/// 126 otherwise. Nothing here allocates.
fn exec_failed(step: &str, exec: &Exec, pipe: RawFd, errno: Errno) -> ! {
    let mut line = StackLine::new();
    line.push(step.as_bytes());
    line.push(b": error: ");
    line.push(exec.name.as_bytes());
    line.push(b": ");
    line.push(errno.desc().as_bytes());
    line.push(b"\n");
    // Nothing more can be done if stderr fails too.
    let _ = write_all(libc::STDERR_FILENO, line.as_bytes());
    let _ = write_all(pipe, b"!");
    let status = match errno {
        Errno::ENOENT | Errno::ENOTDIR => EXIT_COMMAND_NOT_FOUND,
        _ => EXIT_COMMAND_NOT_EXECUTABLE,
    };
    // SAFETY: `_exit` ends the process at once.
    unsafe { libc::_exit(i32::from(status)) }
}

/// The command's hand-over: the listener is in the descriptor table the
/// supervisor shares with the command's process until its `execve`, at the
/// number that process writes to the pipe.
struct SharedTable {
    /// The pipe's read end.
    from_child: OwnedFd,
    /// Its write end, kept open: closing it would close the command's too.
    _to_supervisor: OwnedFd,
    /// Set when the command's process said its `execve` failed.
    exec_failed: bool,
}

impl SharedTable {
    /// Reads the listener's number from the pipe.
    fn read_listener(&self) -> Result<OwnedFd, StepError> {
        let mut number = [0u8; 4];
        let got = nix::unistd::read(&self.from_child, &mut number)
            .map_err(|errno| supervisor_error("reading the listener's number", errno))?;
        if got != number.len() {
            return Err(StepError::Supervisor {
                doing: "reading the listener's number",
                source: format!("{got} bytes instead of 4").into(),
            });
        }
        // SAFETY: the kernel put the listener at this number of the table the two
        // processes share; nothing else in the supervisor owns it.
        Ok(unsafe { OwnedFd::from_raw_fd(RawFd::from_ne_bytes(number)) })
    }
}

impl HandOver for SharedTable {
    fn listener(
        &mut self,
        supervision: &mut Supervision,
        signals: &SignalFd,
    ) -> Result<Option<OwnedFd>, StepError> {
        // The pipe never ends (the supervisor holds its write end, see above):
        // a command's process that ends before it wrote is seen by SIGCHLD, or,
        // when it ended before SIGCHLD was blocked, collected here first. One
        // that ended has written all it wrote: the pipe is looked at once more.
        let mut children_ended = true;
        loop {
            if children_ended {
                supervision.collect_ended()?;
            }
            let ended = supervision.program_ended();
            let mut ready = [
                PollFd::new(self.from_child.as_fd(), PollFlags::POLLIN),
                PollFd::new(signals.as_fd(), PollFlags::POLLIN),
            ];
            let wait = if ended {
                PollTimeout::ZERO
            } else {
                PollTimeout::from(HANDOFF_TIMEOUT_MS)
            };
            let count = match poll(&mut ready, wait) {
                Ok(count) => count,
                Err(Errno::EINTR) => continue,
                Err(errno) => return Err(supervisor_error("waiting for the listener", errno)),
            };
            let events = |fd: &PollFd| fd.revents().unwrap_or(PollFlags::empty());
            if events(&ready[0]).contains(PollFlags::POLLIN) {
                return self.read_listener().map(Some);
            }
            if ended {
                return Ok(None);
            }
            if count == 0 {
                return Err(StepError::Supervisor {
                    doing: "waiting for the listener",
                    source: "the command's process did not say where it is in time".into(),
                });
            }
            children_ended = events(&ready[1]).contains(PollFlags::POLLIN)
                && supervision.heard(take_signals(signals));
        }
    }

    fn ran(&mut self) -> bool {
        // The command's process wrote a byte after the number only if its
        // `execve` failed; it said why itself.
        let mut ready = [PollFd::new(self.from_child.as_fd(), PollFlags::POLLIN)];
        if let Ok(1) = poll(&mut ready, PollTimeout::ZERO) {
            self.exec_failed = true;
        }
        !self.exec_failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_looked_for_on_path_in_order() {
        let found = find_command(OsStr::new("sh"), Some(OsStr::new("/nonexistent::/bin"))).unwrap();
        assert_eq!(found, Path::new("/bin/sh"));
    }

    #[test]
    fn a_missing_name_is_not_found_with_status_127() {
        let err = find_command(
            OsStr::new("no-such-command-here"),
            Some(OsStr::new("/usr/bin:/bin")),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "no-such-command-here: command not found");
        assert_eq!(err.exit_status(), 127);
    }

    #[test]
    fn a_path_is_taken_as_it_is() {
        let err = find_command(OsStr::new("./no/such/file"), None).unwrap_err();
        assert_eq!(err.to_string(), "./no/such/file: No such file or directory");
        assert_eq!(err.exit_status(), 127);
        let err = find_command(OsStr::new("/usr"), None).unwrap_err();
        assert_eq!(err.to_string(), "/usr: Is a directory");
        assert_eq!(err.exit_status(), 126);
    }
}
