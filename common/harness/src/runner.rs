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
//! Each run collects only its own processes: those of the process group the step
//! starts in (`waitid(P_PGID)`). So runs may go on side by side on several
//! threads, as libtest runs tests, and a child started some other way (by
//! `assert_cmd`, say) is never taken by a run that is collecting orphans.
//!
//! A step's stdout is normally a pipe the runner reads; [`run_step_with`] can
//! give it a hostile one instead ([`StdoutTo`]): closed, `/dev/full`, or a pipe
//! whose reader is gone, so the tests can check how each step's error paths end.
//!
//! [`drive_step`] lets a test steer a run instead of feeding stdin at once: write
//! the input, wait for a line, stop the step or kill one of its processes, and
//! look at where each process is through [`proc`].
//!
//! Children run with `RLIMIT_CORE` 0, so a step killed by SIGSYS leaves no core
//! file behind, with the signals of Ctrl-C, Ctrl-\ and Ctrl-Z at their default
//! action however the test process inherited them, and in a process group of
//! their own, which the runner kills when a run takes longer than
//! [`run_timeout`]: a hung step fails its test instead of hanging it. Nothing
//! here loads a filter: filters are loaded by the step binaries, in their own
//! processes.

use std::fs::OpenOptions;
use std::io::{self, Read, Write};
use std::os::unix::process::CommandExt;
use std::panic::AssertUnwindSafe;
use std::process::{ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::resource::{setrlimit, Resource};
use nix::sys::signal::killpg;
use nix::sys::wait::{waitid, Id, WaitPidFlag};
use nix::unistd::Pid;

/// How a process ended, which [`StepRun::ending`] and [`StepRun::forked`] tell.
pub use common::ending::Ending;
/// The signals the tests send, so that a step's tests need no `nix` of their own.
pub use nix::sys::signal::Signal;

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

/// How long one run may take before the runner kills every process left in it,
/// natively: see [`run_timeout`].
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// How long one run may take before the runner kills every process left in it:
/// a minute, times [`time_scale`]. A step needs about a second (its program
/// sleeps for one), so only a step that hangs gets there.
pub fn run_timeout() -> Duration {
    RUN_TIMEOUT * time_scale()
}

/// How many times longer than natively the tests' time limits are: the number
/// in `TIME_SCALE`, or 1. `scripts/check-arches.sh` sets it where the tests run
/// under qemu's emulation, on which a run takes many times as long: a limit
/// that does not scale would fail a test that was only slow.
pub fn time_scale() -> u32 {
    scale_from(std::env::var("TIME_SCALE").ok().as_deref())
}

/// The scale `TIME_SCALE` set to `value` says: a whole number, at least 1.
fn scale_from(value: Option<&str>) -> u32 {
    value
        .and_then(|scale| scale.trim().parse::<u32>().ok())
        .unwrap_or(1)
        .max(1)
}

/// Runs `command` with `stdin` as its standard input, captures its stdout and
/// stderr, and waits for it and for every process it forked.
///
/// Runs may go on at once on several threads: each collects the processes of its
/// own process group only. A run that takes longer than [`run_timeout`] is
/// killed, and is an error of kind `TimedOut`.
pub fn run_step(command: &mut Command, stdin: &[u8]) -> io::Result<StepRun> {
    run_step_with(command, stdin, StdoutTo::Captured)
}

/// Like [`run_step`], with the step's stdout set up as `stdout` says; unless it is
/// [`StdoutTo::Captured`], the run's `stdout` is empty.
pub fn run_step_with(command: &mut Command, stdin: &[u8], stdout: StdoutTo) -> io::Result<StepRun> {
    run_within(command, stdin, stdout, run_timeout())
}

/// [`run_step_with`], killing the run's processes once it has taken `timeout`;
/// the run is then an error of kind `TimedOut`.
fn run_within(
    command: &mut Command,
    stdin: &[u8],
    stdout: StdoutTo,
    timeout: Duration,
) -> io::Result<StepRun> {
    // Setting it again is harmless, and cheaper to read than remembering it was set.
    nix::sys::prctl::set_child_subreaper(true)?;
    prepare(command, stdout)?;
    let mut child = command.spawn()?;
    let group = Pid::from_raw(child.id() as i32);
    let watchdog = watchdog(group, timeout);

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
    let forked = collect_orphans(group);
    let timed_out = watchdog();
    let fed = feeder.join().expect("the stdin feeder does not panic");
    if timed_out {
        return Err(timed_out_error(command, timeout));
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

/// The error of a run its watchdog had to kill.
fn timed_out_error(command: &Command, timeout: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "{} did not end within {} s, so its processes were killed",
            command.get_program().to_string_lossy(),
            timeout.as_secs_f32()
        ),
    )
}

/// Sets up `command` as every run starts a step: stdin and stderr piped, stdout
/// as `stdout` says, a process group of its own and no core dumps.
fn prepare(command: &mut Command, stdout: StdoutTo) -> io::Result<()> {
    command
        .stdin(Stdio::piped())
        .stdout(stdout_stdio(stdout)?)
        .stderr(Stdio::piped())
        // The step and every process it forks share this group, so the watchdog
        // can kill them all at once, orphans included.
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
    // A step starts with stdin, stdout and stderr only, as from a terminal's
    // shell. A descriptor the test process inherited without close-on-exec
    // (`time -o FILE cargo test` passes one) would otherwise reach the step and
    // shift the numbers of the descriptors it opens, which the book shows.
    // SAFETY: `close_range` and `fcntl` are async-signal-safe syscalls.
    unsafe {
        command.pre_exec(|| {
            close_on_exec_from(3);
            Ok(())
        });
    }
    // A step starts with the signals of the terminal's keys as a foreground job
    // of a terminal gets them: a test run in the background of a script, or
    // under `nohup`, inherits SIGINT (and SIGQUIT) ignored, and a step keeps
    // what it inherits, so a test's Ctrl-C would otherwise not reach it.
    // SAFETY: `signal` is async-signal-safe, so it may run between fork and exec.
    unsafe {
        command.pre_exec(|| {
            for signal in TERMINAL_KEY_SIGNALS {
                restore_default(signal)?;
            }
            Ok(())
        });
    }
    Ok(())
}

/// Marks every descriptor from `first` on close-on-exec, between fork and exec:
/// with `close_range` (Linux 5.11), or one by one up to 1024 on older kernels.
/// Descriptors that are already close-on-exec, such as the pipe through which
/// the child reports a failed exec, stay open until the exec.
fn close_on_exec_from(first: libc::c_uint) {
    // SAFETY: syscalls on descriptor numbers only; no memory is touched.
    unsafe {
        let marked = libc::syscall(
            libc::SYS_close_range,
            first,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        );
        if marked != 0 {
            for fd in first as libc::c_int..1024 {
                libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            }
        }
    }
}

/// The signals a terminal's keys send: Ctrl-C, Ctrl-\ and Ctrl-Z.
const TERMINAL_KEY_SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGQUIT, libc::SIGTSTP];

/// Gives `signal` its default action (async-signal-safe: one `signal` call).
fn restore_default(signal: libc::c_int) -> io::Result<()> {
    // SAFETY: setting a default disposition installs no handler.
    if unsafe { libc::signal(signal, libc::SIG_DFL) } == libc::SIG_ERR {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Starts a thread that kills the process group `group` with SIGKILL unless it
/// is stopped within `timeout`. The returned function stops it and says whether
/// it had to kill.
///
/// The group keeps its number until its last process is reaped, and the watchdog
/// is stopped right after that. A kill in between finds no group (`ESRCH`): the
/// kernel hands a number out again only after cycling through all the others.
fn watchdog(group: Pid, timeout: Duration) -> impl FnOnce() -> bool {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = thread::spawn(move || match stopped.recv_timeout(timeout) {
        Err(RecvTimeoutError::Timeout) => {
            let _ = killpg(group, Signal::SIGKILL);
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

/// Waits for every orphan of the run whose processes are in process group
/// `group` (handed to this subreaper once their parent ended) and returns their
/// endings. Children of other groups, another run's or a child that is no run's
/// at all, are left to whoever waits for them.
fn collect_orphans(group: Pid) -> io::Result<Vec<Ending>> {
    let mut endings = Vec::new();
    loop {
        match waitid(Id::PGid(group), WaitPidFlag::WEXITED | WaitPidFlag::__WALL) {
            Ok(status) => endings.extend(Ending::from_wait_status(status).map(|(_, e)| e)),
            Err(Errno::EINTR) => continue,
            Err(Errno::ECHILD) => return Ok(endings),
            Err(errno) => return Err(errno.into()),
        }
    }
}

/// How long a driven run waits for what it expects the step to do (a line on
/// stdout, a process that stops or ends), natively: see [`guard`].
const GUARD: Duration = Duration::from_secs(20);

/// How long a driven run waits for what it expects the step to do: 20 seconds,
/// times [`time_scale`]. A guard, not a pace: the step gets there in
/// milliseconds, and only a step that never does waits this long.
pub fn guard() -> Duration {
    GUARD * time_scale()
}

/// A step started by [`drive_step`], which the caller steers while it runs: it
/// writes stdin bit by bit, waits for what the step prints, and sends signals.
pub struct Driven {
    pid: Pid,
    stdin: ChildStdin,
    stdout: Arc<Stream>,
}

/// What a step has written to stdout or stderr so far, filled by a reader thread.
struct Stream {
    /// The bytes read, and whether the stream has reached end of file.
    read: Mutex<(Vec<u8>, bool)>,
    /// Notified whenever bytes arrive or the stream ends.
    grew: Condvar,
}

impl Stream {
    /// Starts a thread that reads `from` to its end into a new stream.
    fn read_from(
        mut from: impl Read + Send + 'static,
    ) -> (Arc<Stream>, JoinHandle<io::Result<()>>) {
        let stream = Arc::new(Stream {
            read: Mutex::new((Vec::new(), false)),
            grew: Condvar::new(),
        });
        let filled = Arc::clone(&stream);
        let reader = thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            let result = loop {
                match from.read(&mut buffer) {
                    Ok(0) => break Ok(()),
                    Ok(n) => filled.lock().0.extend_from_slice(&buffer[..n]),
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                    Err(err) => break Err(err),
                }
                filled.grew.notify_all();
            };
            filled.lock().1 = true;
            filled.grew.notify_all();
            result
        });
        (stream, reader)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<u8>, bool)> {
        self.read
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The bytes read so far.
    fn bytes(&self) -> Vec<u8> {
        self.lock().0.clone()
    }

    /// Waits, at most [`guard`], until the bytes read contain `text`.
    fn wait_for(&self, text: &[u8], name: &str) -> io::Result<()> {
        let deadline = Instant::now() + guard();
        let mut read = self.lock();
        loop {
            if read.0.windows(text.len().max(1)).any(|w| w == text) {
                return Ok(());
            }
            let now = Instant::now();
            if read.1 || now >= deadline {
                let why = if read.1 {
                    "it ended"
                } else {
                    "the guard ran out"
                };
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{name} never showed {:?} ({why}); it holds {:?}",
                        String::from_utf8_lossy(text),
                        String::from_utf8_lossy(&read.0)
                    ),
                ));
            }
            read = self
                .grew
                .wait_timeout(read, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }
}

impl Driven {
    /// The step's process: the one the command started.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Writes `bytes` to the step's stdin, which stays open until the end of
    /// the drive.
    pub fn write_stdin(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stdin.write_all(bytes)?;
        self.stdin.flush()
    }

    /// Waits, at most [`guard`], until the step has written `text` to stdout.
    pub fn wait_for_stdout(&self, text: &str) -> io::Result<()> {
        self.stdout.wait_for(text.as_bytes(), "stdout")
    }
}

/// Starts `command` as [`run_step`] does (its own process group, no core dumps,
/// stdout and stderr captured, orphans collected), hands it to `drive` with its
/// stdin open, and once `drive` returns, closes stdin and waits for the step and
/// every process it forked, as [`run_step`] does.
///
/// When `drive` fails, every process left in the run's group is killed with
/// SIGKILL and collected, and its error is returned with what the step had
/// printed: a failed drive leaves nothing behind. The run is subject to
/// [`run_timeout`] as well.
pub fn drive_step<T>(
    command: &mut Command,
    drive: impl FnOnce(&mut Driven) -> io::Result<T>,
) -> io::Result<(StepRun, T)> {
    nix::sys::prctl::set_child_subreaper(true)?;
    prepare(command, StdoutTo::Captured)?;
    let mut child = command.spawn()?;
    let group = Pid::from_raw(child.id() as i32);
    let timeout = run_timeout();
    let watchdog = watchdog(group, timeout);
    let (stdout, stdout_reader) = Stream::read_from(child.stdout.take().expect("stdout is piped"));
    let (stderr, stderr_reader) = Stream::read_from(child.stderr.take().expect("stderr is piped"));
    let mut driven = Driven {
        pid: group,
        stdin: child.stdin.take().expect("stdin is piped"),
        stdout: Arc::clone(&stdout),
    };
    // A drive that panics (a failed assertion) ends the run as one that fails,
    // then panics on once every process of the run is collected.
    let driven_result = std::panic::catch_unwind(AssertUnwindSafe(|| drive(&mut driven)));
    drop(driven);
    if !matches!(driven_result, Ok(Ok(_))) {
        let _ = killpg(group, Signal::SIGKILL);
    }
    let status = child.wait();
    let read = [stdout_reader, stderr_reader]
        .map(|reader| reader.join().expect("a stream reader does not panic"));
    let forked = collect_orphans(group);
    let timed_out = watchdog();
    let (stdout, stderr) = (stdout.bytes(), stderr.bytes());
    let driven_result = driven_result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let value = driven_result.map_err(|err| {
        io::Error::new(
            err.kind(),
            format!(
                "{err}\n(the run's processes were killed; stdout: {:?}, stderr: {:?})",
                String::from_utf8_lossy(&stdout),
                String::from_utf8_lossy(&stderr)
            ),
        )
    })?;
    if timed_out {
        return Err(timed_out_error(command, timeout));
    }
    for result in read {
        result?;
    }
    let run = StepRun {
        stdout,
        stderr,
        status: status?,
        forked: forked?,
    };
    Ok((run, value))
}

/// Calls `check` every few milliseconds until it returns something, and returns
/// that; after [`guard`], an error of kind `TimedOut` that says what was awaited
/// and what `check` last saw (`describe`).
pub fn wait_until<T>(
    what: &str,
    mut check: impl FnMut() -> Option<T>,
    describe: impl Fn() -> String,
) -> io::Result<T> {
    let guard = guard();
    let deadline = Instant::now() + guard;
    loop {
        if let Some(value) = check() {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{what}: not within {} s; {}", guard.as_secs(), describe()),
            ));
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Waits, as [`wait_until`] does, until process `pid` is stopped by a signal
/// (state `T`); `what` names the wait in the error.
pub fn wait_until_stopped(what: &str, pid: Pid) -> io::Result<()> {
    wait_until(
        what,
        || (proc::state(pid) == Some('T')).then_some(()),
        || proc::describe(&[pid]),
    )
}

/// Sends `signal` to process `pid`.
pub fn send_signal(pid: Pid, signal: Signal) -> io::Result<()> {
    nix::sys::signal::kill(pid, signal).map_err(io::Error::from)
}

/// What `/proc` tells of a process: how tests see where a step is.
pub mod proc {
    use std::fs;

    use nix::unistd::Pid;

    /// The state letter of process `pid` (`R` running, `S` sleeping, `T`
    /// stopped, `t` stopped by a tracer, `Z` ended but not collected), `None`
    /// when there is no such process.
    pub fn state(pid: Pid) -> Option<char> {
        stat_fields(pid).and_then(|fields| fields.first()?.chars().next())
    }

    /// `true` while process `pid` lives: it exists and has not ended.
    pub fn is_alive(pid: Pid) -> bool {
        state(pid).is_some_and(|state| state != 'Z' && state != 'X')
    }

    /// The fields of `/proc/PID/stat` after the command name, from the state on.
    fn stat_fields(pid: Pid) -> Option<Vec<String>> {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name is in parentheses and may hold spaces or parentheses.
        let rest = &stat[stat.rfind(')')? + 1..];
        Some(rest.split_whitespace().map(str::to_owned).collect())
    }

    /// The process group of process `pid`.
    pub fn group(pid: Pid) -> Option<Pid> {
        stat_fields(pid)?.get(2)?.parse().ok().map(Pid::from_raw)
    }

    /// The children of process `pid` (of all its threads).
    pub fn children(pid: Pid) -> Vec<Pid> {
        let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
            return Vec::new();
        };
        tasks
            .flatten()
            .filter_map(|task| fs::read_to_string(task.path().join("children")).ok())
            .flat_map(|list| {
                list.split_whitespace()
                    .filter_map(|child| child.parse().ok())
                    .collect::<Vec<_>>()
            })
            .map(Pid::from_raw)
            .collect()
    }

    /// Every live process (not ended) of process group `group`.
    pub fn live_in_group(group: Pid) -> Vec<Pid> {
        let Ok(entries) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
            .map(Pid::from_raw)
            .filter(|&pid| self::group(pid) == Some(group) && is_alive(pid))
            .collect()
    }

    /// The program file process `pid` runs (`/proc/PID/exe`).
    pub fn executable(pid: Pid) -> Option<std::path::PathBuf> {
        fs::read_link(format!("/proc/{pid}/exe")).ok()
    }

    /// The process tracing process `pid` (a debugger, `strace`), if any.
    pub fn tracer(pid: Pid) -> Option<Pid> {
        let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let tracer: i32 = status
            .lines()
            .find_map(|line| line.strip_prefix("TracerPid:"))?
            .trim()
            .parse()
            .ok()?;
        (tracer != 0).then(|| Pid::from_raw(tracer))
    }

    /// The syscall process `pid` is blocked in, by number, as
    /// `/proc/PID/syscall` gives it; `None` when it is running, in no syscall,
    /// or gone.
    pub fn blocked_in_syscall(pid: Pid) -> Option<i64> {
        syscall_fields(pid)?
            .first()?
            .parse()
            .ok()
            .filter(|&nr| nr >= 0)
    }

    /// `/proc/PID/syscall`: the syscall's number, then its arguments in hex.
    pub fn syscall_fields(pid: Pid) -> Option<Vec<String>> {
        let text = fs::read_to_string(format!("/proc/{pid}/syscall")).ok()?;
        Some(text.split_whitespace().map(str::to_owned).collect())
    }

    /// The kernel function process `pid` waits in (`/proc/PID/wchan`), when the
    /// kernel says.
    pub fn wait_channel(pid: Pid) -> Option<String> {
        let wchan = fs::read_to_string(format!("/proc/{pid}/wchan")).ok()?;
        (!wchan.is_empty() && wchan != "0").then_some(wchan)
    }

    /// Whether process `pid` is in one of the syscalls `numbers` and waits there
    /// for a supervisor's answer (in seccomp's wait, `/proc/PID/wchan` says).
    pub fn waits_for_supervisor(pid: Pid, numbers: &[i64]) -> bool {
        blocked_in_syscall(pid).is_some_and(|nr| numbers.contains(&nr))
            && wait_channel(pid).is_some_and(|wchan| wchan.contains("seccomp"))
    }

    /// A line for a test's message: each process's state and what it waits in.
    pub fn describe(pids: &[Pid]) -> String {
        let states: Vec<String> = pids
            .iter()
            .map(|&pid| {
                format!(
                    "process {pid}: state {}, in syscall {:?}, waiting in {:?}",
                    state(pid).map_or("gone".to_owned(), String::from),
                    blocked_in_syscall(pid),
                    wait_channel(pid)
                )
            })
            .collect();
        states.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TIME_SCALE` multiplies the time limits by a whole number; anything
    /// else, or nothing, leaves them as they are.
    #[test]
    fn time_scale_is_a_whole_number_of_at_least_one() {
        for (value, scale) in [
            (None, 1),
            (Some("10"), 10),
            (Some(" 4\n"), 4),
            (Some("0"), 1),
            (Some("2.5"), 1),
            (Some("-3"), 1),
            (Some("ten"), 1),
        ] {
            assert_eq!(scale_from(value), scale, "TIME_SCALE={value:?}");
        }
        assert_eq!(
            RUN_TIMEOUT * scale_from(Some("10")),
            Duration::from_secs(600)
        );
    }

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
        // The shell writes its process number, which is its group's, to a file:
        // the run's output is lost with the error.
        let pid_file = std::env::temp_dir().join(format!("runner-timeout-{}", std::process::id()));
        let err = run_within(
            Command::new("sh")
                .args(["-c", "echo $$ >\"$0\"; sleep 1000 & exec sleep 1000"])
                .arg(&pid_file),
            b"",
            StdoutTo::Captured,
            Duration::from_millis(500),
        )
        .expect_err("the run cannot end by itself");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert_eq!(
            err.to_string(),
            "sh did not end within 0.5 s, so its processes were killed"
        );
        let group = std::fs::read_to_string(&pid_file).unwrap();
        std::fs::remove_file(&pid_file).unwrap();
        assert_nothing_left_in(Pid::from_raw(group.trim().parse().unwrap()));
    }

    /// No process of the run's group `group` lives, and none is left to wait for.
    fn assert_nothing_left_in(group: Pid) {
        assert_eq!(proc::live_in_group(group), []);
        assert_eq!(
            waitid(
                Id::PGid(group),
                WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::__WALL
            ),
            Err(Errno::ECHILD)
        );
    }

    /// Runs on two threads at once each collect their own orphans, and a child
    /// started some other way, ended before the runs and not yet waited for, is
    /// left to the code that started it: a run takes only its own processes.
    #[test]
    fn runs_side_by_side_collect_only_their_own_processes() {
        let mut outsider = Command::new("sh").args(["-c", "exit 5"]).spawn().unwrap();
        // Until it has ended, a run that takes any child could not take it.
        wait_until(
            "the outsider ends",
            || (proc::state(Pid::from_raw(outsider.id() as i32)) == Some('Z')).then_some(()),
            || proc::describe(&[Pid::from_raw(outsider.id() as i32)]),
        )
        .unwrap();
        let orphan_ending = |code: i32| {
            thread::spawn(move || {
                let script = format!("(sleep 0.2; exit {code}) & exit 0");
                run_step(Command::new("sh").args(["-c", &script]), b"")
                    .unwrap()
                    .forked
            })
        };
        let (three, four) = (orphan_ending(3), orphan_ending(4));
        assert_eq!(three.join().unwrap(), [Ending::Exited(3)]);
        assert_eq!(four.join().unwrap(), [Ending::Exited(4)]);
        assert_eq!(
            Ending::from_status(outsider.wait().unwrap()),
            Ending::Exited(5)
        );
    }

    /// A driven run gets its input when the drive writes it and shows what the
    /// step printed meanwhile; a drive that fails kills what is left of the run,
    /// orphans included, and collects it.
    #[test]
    fn a_driven_run_is_steered_and_a_failed_drive_leaves_nothing() {
        let (run, ()) = drive_step(
            Command::new("sh").args(["-c", "echo ready; read line; echo \"got $line\""]),
            |step| {
                step.wait_for_stdout("ready\n")?;
                step.write_stdin(b"it\n")?;
                step.wait_for_stdout("got it\n")
            },
        )
        .unwrap();
        assert_eq!(run.stdout_text(), "ready\ngot it\n");
        assert_eq!(run.ending(), Ending::Exited(0));

        let mut group = None;
        let err = drive_step(
            Command::new("sh").args(["-c", "sleep 1000 & echo started; exec sleep 1000"]),
            |step| {
                step.wait_for_stdout("started")?;
                group = Some(step.pid());
                Err::<(), _>(io::Error::other("the drive gives up"))
            },
        )
        .expect_err("the drive failed");
        assert!(err.to_string().starts_with("the drive gives up\n"), "{err}");
        assert_nothing_left_in(group.unwrap());
    }

    /// `/proc` shows a stopped process as stopped, and the syscall a blocked one waits in.
    #[test]
    fn proc_shows_where_a_process_is() {
        let (_, ()) = drive_step(Command::new("sh").args(["-c", "exec cat"]), |step| {
            let pid = step.pid();
            let read = libseccomp::ScmpSyscall::from_name("read").unwrap();
            wait_until(
                "cat blocks in read",
                || {
                    (proc::blocked_in_syscall(pid) == Some(i64::from(read.as_raw_syscall())))
                        .then_some(())
                },
                || proc::describe(&[pid]),
            )?;
            send_signal(pid, Signal::SIGSTOP)?;
            wait_until_stopped("cat stops", pid)?;
            send_signal(pid, Signal::SIGCONT)?;
            assert_eq!(proc::group(pid), Some(pid));
            assert_eq!(proc::live_in_group(pid), [pid]);
            Ok(())
        })
        .unwrap();
    }

    /// A step starts with Ctrl-C's, Ctrl-\'s and Ctrl-Z's signals at their
    /// default action, as a terminal's foreground job does, even when the
    /// process that runs it inherited them ignored (a test run in the
    /// background of a script); a shell cannot undo an ignored signal itself.
    #[test]
    fn a_run_starts_with_the_terminal_s_signals_at_their_default() {
        // `cat` shows the signals it starts with ignored, in /proc's SigIgn
        // mask (bit N-1 for signal N): an ignored signal stays ignored across
        // execve, a default one default. (A shell could not show it: some
        // shells set dispositions of their own.)
        let mut command = Command::new("cat");
        command.arg("/proc/self/status");
        // SAFETY: `signal` is async-signal-safe, so it may run between fork and exec.
        unsafe {
            command.pre_exec(|| {
                for signal in TERMINAL_KEY_SIGNALS.into_iter().chain([libc::SIGUSR1]) {
                    libc::signal(signal, libc::SIG_IGN);
                }
                Ok(())
            });
        }
        let run = run_step(&mut command, b"").unwrap();
        let status = run.stdout_text();
        let ignored = status
            .lines()
            .find_map(|line| line.strip_prefix("SigIgn:"))
            .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
            .unwrap_or_else(|| panic!("no SigIgn in:\n{status}"));
        let bit = |signal: libc::c_int| 1u64 << (signal - 1);
        for signal in TERMINAL_KEY_SIGNALS {
            assert_eq!(ignored & bit(signal), 0, "signal {signal}: {ignored:#x}");
        }
        // A signal the terminal's keys do not send is left as it was.
        assert_ne!(ignored & bit(libc::SIGUSR1), 0, "{ignored:#x}");
        let mut command = Command::new("sh");
        command.args(["-c", "exec cat"]);
        // SAFETY: as above.
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGTSTP, libc::SIG_IGN);
                Ok(())
            });
        }
        let (_, ()) = drive_step(&mut command, |step| {
            let pid = step.pid();
            send_signal(pid, Signal::SIGTSTP)?;
            wait_until_stopped("Ctrl-Z's SIGTSTP stops cat", pid)?;
            send_signal(pid, Signal::SIGCONT)
        })
        .unwrap();
    }

    /// A descriptor the test process holds without close-on-exec, as `time -o
    /// FILE cargo test` passes one, does not reach a run: it starts with stdin,
    /// stdout and stderr. (`ls` then opens one or more of its own, below 200,
    /// to read its list: how many depends on which `ls` it is.)
    #[test]
    fn a_run_starts_with_stdin_stdout_and_stderr_only() {
        let file = std::fs::File::open("/dev/null").unwrap();
        // F_DUPFD copies without close-on-exec, at 200 or above: far from the
        // numbers the run opens.
        // SAFETY: a plain fcntl on a descriptor this test owns.
        let inherited =
            unsafe { libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&file), libc::F_DUPFD, 200) };
        assert!(inherited >= 200, "{}", io::Error::last_os_error());
        let run = run_step(Command::new("ls").arg("/proc/self/fd"), b"");
        // SAFETY: the descriptor made above, closed once.
        unsafe { libc::close(inherited) };
        let run = run.unwrap();
        let mut fds: Vec<i32> = run
            .stdout_text()
            .lines()
            .map(|fd| fd.parse().unwrap())
            .collect();
        fds.sort();
        assert_eq!(fds[..3], [0, 1, 2], "{fds:?}");
        assert!(
            fds.iter().all(|&fd| fd < 200),
            "descriptor {inherited} was open without close-on-exec: {fds:?}"
        );
    }

    /// A program that cannot be executed is an error of the run, not an exit
    /// status: the child reports its failed `execve` through a close-on-exec
    /// pipe, which marking descriptors close-on-exec must leave working.
    #[test]
    fn a_program_that_cannot_be_executed_is_an_error() {
        let err = run_step(&mut Command::new("/nonexistent/step"), b"").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
        let err = run_step(&mut Command::new("/dev/null"), b"").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied, "{err}");
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
