//! Running a step for a test: [`run`] through the runner with the tutorial's
//! input, the binary of another package found or built ([`sibling_binary`]),
//! a step run where no filter can be loaded ([`run_with_seccomp_denied`]), a
//! step stopped and continued by a signal ([`runs_stopped_and_continued`]),
//! and a step whose forked child is held under ptrace until a shell has
//! printed its prompt ([`run_in_shell_with_slow_child`]).
//!
//! No test loads a filter in the test process itself: libtest runs each test on a
//! thread of one process, the filter would apply to that thread, and the first
//! syscall it made outside the allow list would kill the whole process, every
//! other test with it (a kill action ends the process, not the thread, and step
//! 3's reporter ends the process with `_exit`). So every step, and every probe
//! that loads a filter, runs in a child process of its own.

use std::path::{Path, PathBuf};
use std::process::Command;

use common::program::{FORK_LINE, PROMPT};
use libseccomp::ScmpSyscall;

use crate::runner::{Signal, StepRun};
use crate::syscalls::{sleep_syscall_numbers, syscall_numbers};

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

/// Does `one` and `other` side by side, on two threads, and returns what each
/// returned; a panic in either goes on in the caller. Runs of a step mostly
/// wait on the program's one-second sleep, so two that do not depend on each
/// other take a second together instead of two.
pub fn side_by_side<A: Send, B: Send>(
    one: impl FnOnce() -> A + Send,
    other: impl FnOnce() -> B + Send,
) -> (A, B) {
    std::thread::scope(|scope| {
        let one = scope.spawn(one);
        let other = other();
        let one = one
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (one, other)
    })
}

/// The binaries of the harness's own package (`src/bin/`): the tour, the
/// machine check and the probes the tests run. Every other binary of the
/// workspace is a step, whose package has the binary's name.
pub const HARNESS_BINARIES: [&str; 5] = [
    "filter-calls",
    "filter-probe",
    "preflight",
    "tour",
    "width-probe",
];

/// The binary `name` of the workspace, a step (`step-4-policy`) or one of
/// [`HARNESS_BINARIES`] (`filter-probe`), in the folder where Cargo put the
/// binaries of the running test's build: the test binary is in its `deps/`.
///
/// `cargo test -p` builds only the binaries of the package it tests (`cargo
/// test --workspace` builds them all), so under Cargo (which sets `CARGO`) the
/// binary is built first, or rebuilt if its sources changed: `cargo build -p
/// step-4-policy` for a step, `cargo build -p harness --bin filter-probe` for
/// the harness's own. Where the tests run without Cargo
/// (`scripts/check-arches.sh`), `cargo build --workspace --bins` built them all
/// with the tests.
#[track_caller]
pub fn sibling_binary(name: &str) -> PathBuf {
    let test = std::env::current_exe().expect("the running test binary has a path");
    let dir = test
        .parent()
        .filter(|deps| deps.file_name() == Some("deps".as_ref()))
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("{} is not in a deps/ folder of Cargo's", test.display()));
    // Once a test binary, for each name; tests that ask at once wait.
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let (Ok(cargo), false) = (std::env::var("CARGO"), built.iter().any(|n| n == name)) {
        let package = if HARNESS_BINARIES.contains(&name) {
            "harness"
        } else {
            name
        };
        // The profile of the running test's build: its folder's name, where
        // `debug` is Cargo's `dev` profile.
        let profile = match dir.file_name().and_then(|profile| profile.to_str()) {
            Some("debug") | None => "dev",
            Some(other) => other,
        };
        let status = Command::new(cargo)
            .args([
                "build",
                "-q",
                "--profile",
                profile,
                "-p",
                package,
                "--bin",
                name,
            ])
            .current_dir(crate::workspace_root())
            .status()
            .unwrap_or_else(|err| panic!("cannot run cargo to build {name}: {err}"));
        assert!(status.success(), "cannot build {name}");
        built.push(name.to_owned());
    }
    dir.join(name)
}

/// Turns core dumps off for the test process, and so for every process it
/// starts from then on (a limit is inherited): a step killed by SIGSYS would
/// otherwise leave a core file, or fill a system's crash collector. The runner
/// does this for each step it runs; a test that starts a step with assert_cmd's
/// `Command` calls this first.
pub fn no_core_dumps() {
    nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0)
        .expect("lowering a limit is always allowed");
}

/// Runs the step binary at `binary` under an *outer* filter that makes every
/// attempt to load another filter fail with `EPERM` (`seccomp(2)` and
/// `prctl(PR_SET_SECCOMP)`), as a container runtime's filter might. A step must
/// then fail closed: say why and exit, without running the program.
///
/// The outer filter is built here, in the test process, but loaded in the child
/// between `fork` and `execve`, with nothing but two `prctl` calls, which are safe
/// to make there. The test process itself is never filtered.
pub fn run_with_seccomp_denied(binary: impl AsRef<Path>, args: &[&str], stdin: &[u8]) -> StepRun {
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
    let program = common::filter::bpf_instructions(&outer).expect("BPF export");

    let binary = binary.as_ref();
    let mut command = Command::new(binary);
    command.args(args);
    // SAFETY: only `prctl` and `seccomp` run between fork and exec, and `program`
    // outlives the child's use of it (the kernel copies the filter during the call).
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            common::filter::load_instructions(&program).map_err(std::io::Error::from)
        });
    }
    crate::runner::run_step(&mut command, stdin).unwrap_or_else(|err| {
        panic!(
            "cannot run {} under the outer filter: {err}",
            binary.display()
        )
    })
}

/// Where [`runs_stopped_and_continued`] stops the tutorial program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopAt {
    /// While it waits for its input line, blocked in `read`.
    Read,
    /// During its one-second sleep, once it sleeps in the kernel (for `--learn`:
    /// once the supervisor has let the sleep run).
    Sleep,
}

/// Runs the step at `binary` with `args` and the tutorial's input twice, side
/// by side, and stops the program's process at `at` with each signal that stops
/// a process, SIGTSTP (as Ctrl-Z sends it) and SIGSTOP, then continues it with
/// SIGCONT, as `fg` does; returns each signal with its whole run.
#[track_caller]
pub fn runs_stopped_and_continued(
    binary: impl AsRef<Path>,
    args: &[&str],
    at: StopAt,
) -> [(Signal, StepRun); 2] {
    let binary = binary.as_ref();
    let stopped_by = |signal| (signal, run_stopped_and_continued(binary, args, at, signal));
    let (tstp, stop) = side_by_side(
        || stopped_by(Signal::SIGTSTP),
        || stopped_by(Signal::SIGSTOP),
    );
    [tstp, stop]
}

/// Runs the step at `binary` with `args` and the tutorial's input, and stops the
/// program's process with `signal` at `at`, then continues it with SIGCONT;
/// returns the whole run.
///
/// The program's process is the one of the run's processes that is blocked in
/// the syscall of `at`: the step's own, or with `--learn` the supervisor's child.
/// The drive checks, through `/proc`, that it is there, that the signal stopped
/// it, and only then continues it, so a run that passes really was stopped there.
fn run_stopped_and_continued(binary: &Path, args: &[&str], at: StopAt, signal: Signal) -> StepRun {
    use crate::runner::{drive_step, proc, send_signal, wait_until, wait_until_stopped};

    let in_syscall: Vec<i64> = match at {
        StopAt::Read => syscall_numbers(&["read"]),
        StopAt::Sleep => sleep_syscall_numbers(),
    };
    let (run, ()) = drive_step(Command::new(binary).args(args), |step| {
        let group = step.pid();
        match at {
            StopAt::Read => step.wait_for_stdout(PROMPT)?,
            StopAt::Sleep => {
                step.write_stdin(TUTORIAL_INPUT)?;
                step.wait_for_stdout(FORK_LINE)?;
            }
        }
        // Blocked in the syscall itself, not waiting for a supervisor's answer,
        // nor held by a supervisor that traces it for a moment (`--callers`).
        let program = wait_until(
            &format!("a process of the run blocks in syscall {in_syscall:?}"),
            || {
                proc::live_in_group(group).into_iter().find(|&pid| {
                    proc::blocked_in_syscall(pid).is_some_and(|nr| in_syscall.contains(&nr))
                        && !proc::wait_channel(pid).is_some_and(|wchan| wchan.contains("seccomp"))
                        && proc::state(pid) != Some('t')
                })
            },
            || proc::describe(&proc::live_in_group(group)),
        )?;
        send_signal(program, signal)?;
        wait_until_stopped(&format!("{signal} stops the program's process"), program)?;
        send_signal(program, Signal::SIGCONT)?;
        if at == StopAt::Read {
            step.write_stdin(TUTORIAL_INPUT)?;
        }
        Ok(())
    })
    .unwrap_or_else(|err| panic!("cannot run {}: {err}", binary.display()));
    run
}

/// What a terminal shows when the child a step forks is slower than the step: the
/// step at `binary`, fed with `input`, runs as a shell runs a command before it
/// prints its next prompt (`sh -c 'STEP; printf "$ "'`), and the child it forks is
/// held at its start, under ptrace, until the shell has printed that `$ `. The run's
/// stdout is then the terminal's text: the child's line comes after the prompt.
///
/// `Err` when this system does not let a process trace its grandchild (Yama's
/// `ptrace_scope` above 1, or a sandbox that refuses `ptrace`).
pub fn run_in_shell_with_slow_child(
    binary: impl AsRef<Path>,
    input: &[u8],
) -> std::io::Result<StepRun> {
    use crate::runner::{drive_step, proc, wait_until};

    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg("\"$0\"; printf '$ '")
        .arg(binary.as_ref());
    let (run, ()) = drive_step(&mut shell, |shell| {
        shell.write_stdin(input)?;
        // The step sleeps a second before it forks: time to start tracing it.
        shell.wait_for_stdout(FORK_LINE)?;
        let sh = shell.pid();
        let step = wait_until(
            "the shell's child, the step",
            || proc::children(sh).first().copied(),
            || proc::describe(&[sh]),
        )?;
        let child = ptrace::follow_fork(step)?;
        // The step goes on alone: its last line, its exit, then the shell's prompt.
        ptrace::run_to_exit(step)?;
        shell.wait_for_stdout("$ ")?;
        ptrace::detach(child)
    })?;
    Ok(run)
}

/// The few `ptrace` requests [`run_in_shell_with_slow_child`] makes, through libc
/// (the workspace's nix is built without its ptrace module). Each is made from the
/// calling thread, the tracer.
mod ptrace {
    use std::io;

    use nix::errno::Errno;
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
    use nix::unistd::Pid;

    /// Calls `ptrace(request, pid, 0, data)`.
    fn request(request: libc::c_uint, pid: Pid, data: usize) -> io::Result<libc::c_long> {
        // SAFETY: the requests made here read or write no memory of this process
        // except `PTRACE_GETEVENTMSG`'s, whose `data` points at a `c_ulong`.
        let result = unsafe {
            libc::ptrace(
                request,
                pid.as_raw(),
                std::ptr::null_mut::<libc::c_void>(),
                data as *mut libc::c_void,
            )
        };
        Errno::result(result).map_err(io::Error::from)
    }

    /// The next stop or end of the tracee `pid`.
    fn wait(pid: Pid) -> io::Result<WaitStatus> {
        waitpid(pid, Some(WaitPidFlag::__WALL)).map_err(io::Error::from)
    }

    /// Traces `parent` until it forks, and returns the child it forked, which
    /// stays stopped at its start; `parent` stays traced, stopped at its fork.
    pub fn follow_fork(parent: Pid) -> io::Result<Pid> {
        request(
            libc::PTRACE_SEIZE,
            parent,
            libc::PTRACE_O_TRACEFORK as usize,
        )?;
        loop {
            match wait(parent)? {
                WaitStatus::PtraceEvent(_, _, event) if event == libc::PTRACE_EVENT_FORK => break,
                WaitStatus::Stopped(_, signal) => {
                    request(libc::PTRACE_CONT, parent, signal as usize)?;
                }
                other => {
                    return Err(io::Error::other(format!(
                        "process {parent} never forked: {other:?}"
                    )))
                }
            }
        }
        let mut child: libc::c_ulong = 0;
        request(
            libc::PTRACE_GETEVENTMSG,
            parent,
            std::ptr::addr_of_mut!(child) as usize,
        )?;
        let child = Pid::from_raw(child as i32);
        // The child starts traced and stopped: wait until it is.
        match wait(child)? {
            WaitStatus::PtraceEvent(..) | WaitStatus::Stopped(..) => Ok(child),
            other => Err(io::Error::other(format!(
                "the forked child {child} did not stop at its start: {other:?}"
            ))),
        }
    }

    /// Lets the traced `pid` run, with the signals it gets, until it has ended.
    pub fn run_to_exit(pid: Pid) -> io::Result<()> {
        let mut signal = 0;
        loop {
            request(libc::PTRACE_CONT, pid, signal)?;
            match wait(pid)? {
                WaitStatus::Exited(..) | WaitStatus::Signaled(..) => return Ok(()),
                WaitStatus::Stopped(_, stopped_by) => signal = stopped_by as usize,
                _ => signal = 0,
            }
        }
    }

    /// Stops tracing the stopped `pid`, which runs on.
    pub fn detach(pid: Pid) -> io::Result<()> {
        request(libc::PTRACE_DETACH, pid, 0).map(drop)
    }
}

/// What a test that runs `strace` says when it cannot: that strace is not
/// installed and what installs it, or, when it is, what went wrong instead (a
/// run that did not end in time, say), without blaming a missing strace.
pub fn strace_failure(err: &std::io::Error) -> String {
    if err.kind() == std::io::ErrorKind::NotFound {
        "strace is not installed, and this test needs it: ./tour.sh installs it \
         (scripts/install-prerequisites.sh), or install your system's strace package"
            .to_owned()
    } else {
        format!("the run under strace failed: {err}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test that cannot run strace says that strace is missing only when it
    /// is: a run under strace that timed out (under emulation, say) says so.
    #[test]
    fn strace_failures_name_what_happened() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert!(strace_failure(&missing).starts_with("strace is not installed"));
        let slow = std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "strace did not end within 60 s, so its processes were killed",
        );
        assert_eq!(
            strace_failure(&slow),
            "the run under strace failed: strace did not end within 60 s, so its processes \
             were killed"
        );
    }

    /// `sibling_binary` builds a binary of the harness from the harness's
    /// package and any other from the package of its name: the list it reads
    /// is the harness's binaries, no more and no fewer.
    #[test]
    fn the_harness_binaries_are_the_files_of_src_bin() {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin");
        let mut files: Vec<String> = std::fs::read_dir(&bin)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
            .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, HARNESS_BINARIES);
    }
}
