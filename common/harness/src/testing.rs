//! Helpers the integration tests of every step share.
//!
//! Each step's tests run the step's binary as a child process with [`run`], feed it
//! a line, and assert what it printed and how it, and the child it forked, ended.
//! No test loads a filter in the test process itself: libtest runs each test on a
//! thread of one process, the filter would apply to that thread, and the first
//! syscall it made outside the allow list would kill the whole process, every
//! other test with it (a kill action ends the process, not the thread, and step
//! 3's reporter ends the process with `_exit`).
//!
//! Every step also gets the same bad-input and hostile-stdout cases, one test
//! each, from [`hostile_stdio_tests!`](crate::hostile_stdio_tests); what each step
//! must do in each case is set out at [`HostileCase`].

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use libseccomp::ScmpSyscall;

pub use crate::runner::{Ending, StdoutTo, StepRun};
use common::program::{ECHO_PREFIX, FORK_LINE, LAST_LINE, LINE_CAPACITY, PROMPT};
/// The signals the tests send, so that a step's tests need no `nix` of their own.
pub use nix::sys::signal::Signal;

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

/// Asserts that the book's transcript of the step at `binary`
/// (`docs/transcripts/STEP.txt`) is what the step prints here with the tutorial's
/// input: the same command, output, ending and forked child, as the tour renders
/// them.
///
/// When they differ on the platform the transcripts were made on, the test fails
/// with the lines that differ and the command that remakes the transcripts. When
/// they differ on another platform (another architecture or C library, whose
/// syscalls differ), there is nothing to compare: it says so on stderr, past the
/// test harness's capture, with what the step printed here, and passes.
///
/// Under `cargo test` it also runs the transcript's command as a learner pastes it
/// at the top of the repository, `cargo run -q -p STEP` fed with the tutorial's
/// input ([`crate::tour::command`]), and holds it to the same transcript, side
/// by side with the first run. Test binaries run without Cargo (on the other
/// architectures, in a VM) leave that out, and so do tests of another profile
/// than `cargo run`'s (`cargo test --release`): `cargo run` would build its own
/// binary first, inside the test.
#[track_caller]
pub fn assert_transcript_matches_book(binary: impl AsRef<Path>) {
    use crate::tour;

    let binary = binary.as_ref();
    let name = binary
        .file_name()
        .and_then(|name| name.to_str())
        .expect("a step binary has a UTF-8 file name");
    let file = tour::transcript_file_name(name);
    let stored = read_book_transcript(&file, tour::SAVE_COMMAND);
    let dev_profile = binary.parent().and_then(Path::file_name) == Some("debug".as_ref());
    let cargo = std::env::var_os("CARGO").filter(|_| dev_profile);
    let (direct, pasted) = side_by_side(
        || run(binary, &[], TUTORIAL_INPUT),
        || {
            cargo.map(|cargo| {
                crate::runner::run_step(
                    Command::new(cargo)
                        .args(["run", "-q", "-p", name])
                        .current_dir(crate::workspace_root()),
                    TUTORIAL_INPUT,
                )
                .unwrap_or_else(|err| panic!("cannot run cargo run -p {name}: {err}"))
            })
        },
    );
    let actual = tour::transcript(name, TUTORIAL_INPUT, &direct);
    compare_with_book(&file, &stored, &actual, tour::SAVE_COMMAND);
    if let Some(pasted) = pasted {
        let pasted = tour::transcript(name, TUTORIAL_INPUT, &pasted);
        compare_with_book(&file, &stored, &pasted, tour::SAVE_COMMAND);
    }
}

/// The command that remakes the transcripts of the chapter on discovering syscalls.
pub const DISCOVERING_SAVE_COMMAND: &str = "docs/transcripts/discovering/regenerate.sh";

/// The command that remakes the book's transcript `file` (under
/// `docs/transcripts/`) of a command run in a shell: the `regenerate.sh` of its
/// folder (`discovering/` for the chapter on discovering syscalls, `filters/`
/// for the chapter on how a filter works).
pub fn save_command_for(file: &str) -> String {
    let folder = file.rsplit_once('/').map_or("", |(folder, _)| folder);
    format!("docs/transcripts/{folder}/regenerate.sh")
}

/// Asserts that the book's transcripts `files` (under `docs/transcripts/`) of
/// commands run in a shell still show what those commands print here.
///
/// Each such file starts with `$ COMMAND`, then holds what the command wrote to
/// stdout and stderr (as `2>&1` interleaves them), then `$ echo $?` and the status.
/// The command is run again with `sh -c`, with the step binaries of `bin_dir`
/// first on `PATH`, and the result rendered the same way. Only commands whose
/// output is the same from run to run belong here: not those whose forked child
/// and parent race to print. Platforms are handled as in
/// [`assert_transcript_matches_book`].
#[track_caller]
pub fn assert_command_transcripts_match(bin_dir: impl AsRef<Path>, files: &[&str]) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir.as_ref().to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(dirs).expect("PATH entries without ':'");
    for &file in files {
        let save_command = save_command_for(file);
        let stored = read_book_transcript(file, &save_command);
        let command = stored
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("$ "))
            .unwrap_or_else(|| panic!("docs/transcripts/{file} does not start with `$ COMMAND`"));
        let run = crate::runner::run_step(
            Command::new("sh")
                .arg("-c")
                .arg(format!("exec 2>&1; {command}"))
                .env("PATH", &path),
            b"",
        )
        .unwrap_or_else(|err| panic!("cannot run `{command}`: {err}"));
        compare_with_book(
            file,
            &stored,
            &shell_transcript(command, &run),
            &save_command,
        );
    }
}

/// A run as the book's transcripts of shell commands show it: `$ COMMAND`, what
/// it printed (stdout, then stderr), then `$ echo $?` and the status.
pub fn shell_transcript(command: &str, run: &StepRun) -> String {
    format!(
        "$ {command}\n{}{}$ echo $?\n{}\n",
        run.stdout_text(),
        run.stderr_text(),
        run.ending().shell_status()
    )
}

/// Asserts that the book's transcript `file` (under `docs/transcripts/`, one
/// that [`DISCOVERING_SAVE_COMMAND`] makes) is `actual`, what a test's own run
/// printed here, rendered by [`shell_transcript`] with the command the file
/// shows. For runs that a test must steer (stop the program, say), which
/// [`assert_command_transcripts_match`] cannot rerun. Platforms are handled as
/// in [`assert_transcript_matches_book`].
#[track_caller]
pub fn assert_run_matches_book(file: &str, command: &str, run: &StepRun) {
    let stored = read_book_transcript(file, DISCOVERING_SAVE_COMMAND);
    compare_with_book(
        file,
        &stored,
        &shell_transcript(command, run),
        DISCOVERING_SAVE_COMMAND,
    );
}

/// The book's transcript `file`, relative to `docs/transcripts/`.
fn read_book_transcript(file: &str, save_command: &str) -> String {
    let path = transcript_path(file);
    std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read {}: {err}; make the transcripts with: {save_command}",
            path.display()
        )
    })
}

/// Where the book's transcript `file` is: the tour's (a file name alone, and
/// `platform.txt`) in the folder of this architecture's when there is one
/// ([`crate::tour::transcripts_dir_here`]), the chapters' (`discovering/…`,
/// `filters/…`) in `docs/transcripts/`.
fn transcript_path(file: &str) -> std::path::PathBuf {
    if file.contains('/') {
        crate::tour::book_transcripts_dir().join(file)
    } else {
        crate::tour::transcripts_dir_here().join(file)
    }
}

/// Compares the book's transcript `file` (`stored`) with what was printed here
/// (`actual`): the same passes; a difference fails on the platform the transcripts
/// were made on and is only reported on another one.
#[track_caller]
fn compare_with_book(file: &str, stored: &str, actual: &str, save_command: &str) {
    use std::io::Write as _;

    use crate::tour::{self, Platform, TranscriptCheck};

    // The platform the folder of `file` was made on.
    let platform = match file.rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/../{}", tour::PLATFORM_FILE),
        None => tour::PLATFORM_FILE.to_owned(),
    };
    let recorded_text = read_book_transcript(&platform, tour::SAVE_COMMAND);
    let recorded = Platform::parse(&recorded_text).unwrap_or_else(|| {
        panic!(
            "docs/transcripts/{} lacks a field; make the transcripts with: {}",
            tour::PLATFORM_FILE,
            tour::SAVE_COMMAND
        )
    });
    let current = Platform::current();
    match tour::check_transcript(stored, actual, &recorded, &current) {
        TranscriptCheck::Same => {}
        TranscriptCheck::OtherPlatform => {
            // Written straight to stderr, not with `eprintln!`, which the test
            // harness captures and hides for a test that passes.
            let note = format!(
                "note: the book's docs/transcripts/{file} was made on {} and is not compared \
                 here, on {}, whose syscalls differ. What it prints here:\n{actual}",
                recorded.summary(),
                current.summary()
            );
            let _ = std::io::stderr().write_all(note.as_bytes());
        }
        TranscriptCheck::Drifted => panic!(
            "the book's transcript docs/transcripts/{file} no longer matches what is printed \
             on {}:\n{}If the change is meant, remake the transcripts with: {save_command}",
            current.summary(),
            tour::line_differences(stored, actual),
        ),
    }
}

/// Asserts that the process whose `output` this is (a step's own) was killed by
/// SIGSYS, the filter's kill action. assert_cmd's `interrupted()` cannot tell
/// SIGSYS from any other death, so the signal number is checked.
#[track_caller]
pub fn assert_killed_by_sigsys(output: &std::process::Output) {
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGSYS),
        "expected death by SIGSYS, got {}; stderr: {}",
        Ending::from_status(output.status),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// One test's scratch directory, `NAME-PID` in `base` (the test binary's
/// `CARGO_TARGET_TMPDIR`), made anew and empty. The process number keeps two
/// runs of the same tests at once (two terminals, an editor that tests on
/// save) out of each other's files. It is removed with its files when the test
/// is done with it, unless the test failed: then it is left to look at.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    /// Makes the directory `NAME-PID` in `base`, emptied if a run of this
    /// process number left it behind.
    pub fn new(base: impl AsRef<Path>, name: &str) -> Scratch {
        let dir = base.as_ref().join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|err| panic!("cannot make {}: {err}", dir.display()));
        Scratch(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Makes `path` a file holding `text` with permissions `mode` (an executable
/// script, say), written by a child process (`sh` and `cat`), not by the test
/// process. A file the test process writes is open for writing in it, and a
/// process another test thread forks meanwhile holds it open too until its
/// `execve`: running the file then fails with ETXTBSY ("Text file busy").
pub fn write_executable(path: &Path, text: &str, mode: u32) {
    use std::io::Write;

    let mut writer = Command::new("sh")
        .args(["-c", "cat >\"$1\" && chmod \"$2\" \"$1\"", "sh"])
        .arg(path)
        .arg(format!("{mode:o}"))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("sh runs");
    writer
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(text.as_bytes())
        .expect("sh reads its input");
    let status = writer.wait().expect("sh ends");
    assert!(
        status.success(),
        "cannot write {}: {status}",
        path.display()
    );
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

/// The report line step 3 prints for syscall `name` on this machine's
/// architecture, with the number libseccomp resolves it to.
pub fn report_line_for(name: &str) -> String {
    let nr = ScmpSyscall::from_name(name)
        .unwrap_or_else(|err| panic!("libseccomp does not know `{name}`: {err}"))
        .as_raw_syscall();
    format!("{}{name}({nr})", common::reporter::REPORT_PREFIX)
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
    let run = run_with_seccomp_denied(binary, args, TUTORIAL_INPUT);
    let stderr = run.stderr_text();
    assert_eq!(run.stdout_text(), "", "the program must not run unfiltered");
    assert_eq!(
        run.ending(),
        Ending::Exited(i32::from(common::error::EXIT_FILTER_FAILED)),
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

/// How far the tutorial program gets under a step's filter with ordinary
/// input and stdout; it decides how the step ends in each [`HostileCase`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Steps 1 and 4: to the end. Both processes print the last line and exit 0.
    TheEnd,
    /// Step 2: SIGSYS kills it at the sleep, after two lines, before the fork.
    KilledAtTheSleep,
    /// Step 3: the reporter names the sleep syscall on stdout and exits with
    /// status 1, before the fork.
    ReportedAtTheSleep,
}

/// Bad input and hostile stdout, and what every step must do with them.
///
/// The input cases feed stdin a pipe with bad bytes; the program echoes at most
/// the first 1023 bytes of the first line, as `fgets` would, and carries on to
/// where its [`Reach`] ends it: status 0 with a child that exits 0 (steps 1 and 4),
/// death by SIGSYS (step 2), the report line and status 1 (step 3).
///
/// The stdout cases feed the tutorial's line and break stdout instead:
///
/// | case | step 1 | step 2 | step 3 | step 4 |
/// |---|---|---|---|---|
/// | stdout closed | status 0, child 0 | SIGSYS at the sleep | status 1 (reported) | status 0, child 0 |
/// | reader gone | status 1, nothing on stderr | the same | the same | the same |
/// | `/dev/full` | status 1, one line on stderr | the same | the same | the same |
///
/// A closed stdout does not stop any step: Rust's runtime opens `/dev/null` as
/// descriptor 1 before `main`, so the writes succeed into nothing and each step
/// ends as with ordinary stdout (step 3's report goes to `/dev/null` too). The
/// other two fail at the first write, the prompt, before the read and the sleep,
/// so even steps 2 and 3 end by the program's own error path: an `EPIPE` quietly,
/// `ENOSPC` with `STEP: error: writing to stdout failed: No space left on device`
/// on stderr (a `write` to descriptor 2, which every filter allows). Nothing
/// panics and nothing is forked, and stderr holds nothing else in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostileCase {
    /// No input at all: the echoed line is empty.
    EmptyStdin,
    /// One line of 1 MiB: only its first 1023 bytes are echoed.
    MegabyteLine,
    /// Bytes that are not UTF-8, a NUL and a CR: echoed verbatim.
    RawBytes,
    /// stdout closed ([`StdoutTo::Closed`]).
    StdoutClosed,
    /// stdout a pipe whose reader is gone ([`StdoutTo::ReaderGone`]).
    StdoutReaderGone,
    /// stdout is `/dev/full` ([`StdoutTo::DevFull`]).
    StdoutFull,
}

impl HostileCase {
    /// What the case feeds stdin, and where it sends stdout.
    fn setup(self) -> (Vec<u8>, StdoutTo) {
        match self {
            HostileCase::EmptyStdin => (Vec::new(), StdoutTo::Captured),
            HostileCase::MegabyteLine => {
                let mut line = vec![b'x'; 1 << 20];
                line.push(b'\n');
                (line, StdoutTo::Captured)
            }
            HostileCase::RawBytes => (b"\xff\xfe\x00nul\rcr\n".to_vec(), StdoutTo::Captured),
            HostileCase::StdoutClosed => (TUTORIAL_INPUT.to_vec(), StdoutTo::Closed),
            HostileCase::StdoutReaderGone => (TUTORIAL_INPUT.to_vec(), StdoutTo::ReaderGone),
            HostileCase::StdoutFull => (TUTORIAL_INPUT.to_vec(), StdoutTo::DevFull),
        }
    }
}

/// Runs the step at `binary`, whose program gets to `reach`, in `case`, and
/// asserts the exact outcome [`HostileCase`] sets out: stdout, stderr, how the
/// step ended and how the child it forked ended.
#[track_caller]
pub fn assert_hostile_case(binary: impl AsRef<Path>, reach: Reach, case: HostileCase) {
    let binary = binary.as_ref();
    let step = binary
        .file_name()
        .expect("a step binary has a file name")
        .to_string_lossy();
    let (stdin, stdout) = case.setup();
    let run = crate::runner::run_step_with(&mut Command::new(binary), &stdin, stdout)
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", binary.display()));
    let context = format!("{step} in case {case:?}, stderr {:?}", run.stderr_text());

    // What the program ends with once it got past its writes and its read.
    let (reached, reached_forked) = match reach {
        Reach::TheEnd => (Ending::Exited(0), vec![Ending::Exited(0)]),
        Reach::KilledAtTheSleep => (Ending::Signaled(libc::SIGSYS), vec![]),
        Reach::ReportedAtTheSleep => (Ending::Exited(1), vec![]),
    };
    let (ending, forked, stderr) = match stdout {
        StdoutTo::Captured | StdoutTo::Closed => (reached, reached_forked, String::new()),
        StdoutTo::ReaderGone => (Ending::Exited(1), vec![], String::new()),
        StdoutTo::DevFull => (
            Ending::Exited(1),
            vec![],
            format!("{step}: error: writing to stdout failed: No space left on device\n"),
        ),
    };
    assert_eq!(run.ending(), ending, "{context}");
    assert_eq!(run.forked, forked, "{context}");
    assert_eq!(run.stderr_text(), stderr, "{context}");

    if stdout != StdoutTo::Captured {
        return;
    }
    let line_end = stdin
        .iter()
        .position(|&b| b == b'\n')
        .map_or(stdin.len(), |newline| newline + 1);
    let echoed = &stdin[..line_end.min(LINE_CAPACITY - 1)];
    let mut expected = [PROMPT.as_bytes(), ECHO_PREFIX.as_bytes(), echoed].concat();
    if !echoed.ends_with(b"\n") {
        expected.push(b'\n');
    }
    expected.extend_from_slice(FORK_LINE.as_bytes());
    match reach {
        Reach::TheEnd => {
            expected.extend_from_slice(LAST_LINE.as_bytes());
            expected.extend_from_slice(LAST_LINE.as_bytes());
            assert_eq!(run.stdout, expected, "{context}");
        }
        Reach::KilledAtTheSleep => assert_eq!(run.stdout, expected, "{context}"),
        Reach::ReportedAtTheSleep => {
            let report = run.stdout.strip_prefix(expected.as_slice());
            let reports: Vec<String> = SLEEP_SYSCALLS
                .iter()
                .map(|name| format!("{}\n", report_line_for(name)))
                .collect();
            assert!(
                report.is_some_and(|r| reports.iter().any(|line| line.as_bytes() == r)),
                "{context}: stdout is the program's lines and then one of {reports:?}"
            );
        }
    }
}

/// One test per [`HostileCase`] for the step binary at `$binary`, whose program
/// gets to `$reach` (a [`Reach`]), in a module `bad_input_and_hostile_stdio`:
///
/// ```ignore
/// harness::hostile_stdio_tests!(env!("CARGO_BIN_EXE_step-2-filter"), Reach::KilledAtTheSleep);
/// ```
#[macro_export]
macro_rules! hostile_stdio_tests {
    ($binary:expr, $reach:expr) => {
        /// Bad input and hostile stdout: each case of `harness::testing::HostileCase`.
        mod bad_input_and_hostile_stdio {
            #[allow(unused_imports)]
            use super::*;
            use $crate::testing::{assert_hostile_case, HostileCase};

            /// No input: an empty line is echoed, and the step ends as usual.
            #[test]
            fn empty_stdin() {
                assert_hostile_case($binary, $reach, HostileCase::EmptyStdin);
            }

            /// A 1 MiB line: the first 1023 bytes are echoed, as `fgets` would.
            #[test]
            fn one_megabyte_line() {
                assert_hostile_case($binary, $reach, HostileCase::MegabyteLine);
            }

            /// Not UTF-8, NUL and CR bytes are echoed verbatim.
            #[test]
            fn raw_bytes() {
                assert_hostile_case($binary, $reach, HostileCase::RawBytes);
            }

            /// stdout closed: the runtime's `/dev/null` takes its place.
            #[test]
            fn stdout_closed() {
                assert_hostile_case($binary, $reach, HostileCase::StdoutClosed);
            }

            /// stdout a pipe whose reader is gone: status 1, quietly.
            #[test]
            fn stdout_reader_gone() {
                assert_hostile_case($binary, $reach, HostileCase::StdoutReaderGone);
            }

            /// stdout `/dev/full`: one line on stderr, status 1.
            #[test]
            fn stdout_full() {
                assert_hostile_case($binary, $reach, HostileCase::StdoutFull);
            }
        }
    };
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

/// Asserts that a `--print-filter=bpf` listing starts with the architecture
/// check: load the architecture, compare it with this machine's `AUDIT_ARCH_*`
/// token (as libseccomp gives it), and, on x86_64, guard against x32 numbers.
#[track_caller]
pub fn assert_bpf_checks_the_architecture_first(listing: &str) {
    let token = common::bpf::native_arch();
    let arch = common::bpf::arch_name(token).expect("libseccomp names its own architecture");
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

/// Runs the step at `binary` with `args` (which include `--print-filter`) and returns
/// the filter it printed, after asserting that it exited 0 without running the
/// program.
#[track_caller]
pub fn printed_filter(binary: impl AsRef<Path>, args: &[&str]) -> String {
    let run = run(binary, args, TUTORIAL_INPUT);
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    let filter = run.stdout_text();
    assert!(
        !filter.contains(common::program::PROMPT),
        "the program ran:\n{filter}"
    );
    filter
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

/// The text of the file at `path`, which Debian's `package` installs (and
/// `scripts/install-container-tools.sh` with it). A test that needs such a file
/// is ignored unless asked for; asked for where the file is missing, it fails,
/// saying what installs it.
#[track_caller]
pub fn installed_file(path: &str, package: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| {
        panic!(
            "cannot read {path} ({err}): install {package} (scripts/install-container-tools.sh \
             does), or leave this test ignored"
        )
    })
}

/// Policy `text` without its (first) rule for `syscall`: what a learner gets
/// after deleting that rule from a copy of the file. The rule ends at the next
/// blank line.
#[track_caller]
pub fn policy_without_rule(text: &str, syscall: &str) -> String {
    let rule = format!("[[rule]]\nsyscall = \"{syscall}\"\n");
    let start = text
        .find(&rule)
        .unwrap_or_else(|| panic!("the policy has a rule for {syscall}"));
    let end = text[start..]
        .find("\n\n")
        .map_or(text.len(), |end| start + end);
    format!("{}{}", &text[..start], &text[end..])
}

/// The shipped policy without its `clone` rule: what a learner gets after
/// deleting that rule from a copy of `policy.toml`.
pub fn shipped_policy_without_clone() -> String {
    policy_without_rule(common::policy::SHIPPED_POLICY, "clone")
}

/// Asserts that every `[[rule]]` of policy `text` has a comment right above
/// it, saying why it is there.
#[track_caller]
pub fn assert_every_rule_says_why(text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("[[rule]]") {
            let above = lines[..index].last().map(|l| l.trim_start());
            assert!(
                above.is_some_and(|l| l.starts_with('#') && l.len() > 2),
                "the rule on line {} has no comment above it",
                index + 1
            );
        }
    }
}

/// The profile `--print-filter=oci` prints with `args`, parsed, after checking
/// that it has one entry without comparisons allowing every name of `allowed`,
/// the default action `default_action`, and this architecture.
#[track_caller]
pub fn assert_profile_allows(
    binary: impl AsRef<Path>,
    args: &[&str],
    default_action: &str,
    allowed: &[&str],
) -> serde_json::Value {
    let mut print = args.to_vec();
    print.push("--print-filter=oci");
    let text = printed_filter(binary, &print);
    let profile: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|err| {
        panic!(
            "not JSON: {err}
{text}"
        )
    });
    assert_eq!(profile["defaultAction"], default_action, "{text}");
    assert_eq!(
        profile["architectures"],
        serde_json::json!([common::oci::native_architecture()]),
        "{text}"
    );
    let entries = profile["syscalls"].as_array().expect("syscalls");
    for name in allowed {
        assert!(
            entries
                .iter()
                .any(|entry| entry["action"] == "SCMP_ACT_ALLOW"
                    && entry.get("args").is_none()
                    && entry["names"]
                        .as_array()
                        .is_some_and(|names| names.iter().any(|n| n == name))),
            "{name} is not allowed:\n{text}"
        );
    }
    profile
}

/// Asserts that libseccomp's pseudo filter code `pfc` has a rule for each syscall
/// of `names` that this architecture has (a name of another architecture's only,
/// such as `sigreturn` on x86_64, has none).
#[track_caller]
pub fn assert_pfc_names(pfc: &str, names: &[&str]) {
    for name in names {
        let native = ScmpSyscall::from_name(name)
            .unwrap_or_else(|err| panic!("libseccomp does not know `{name}`: {err}"))
            .as_raw_syscall()
            >= 0;
        if native {
            assert!(
                pfc.contains(&format!("syscall \"{name}\"")),
                "{name}:\n{pfc}"
            );
        }
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

/// Where [`runs_stopped_and_continued`] stops the tutorial program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopAt {
    /// While it waits for its input line, blocked in `read`.
    Read,
    /// During its one-second sleep, once it sleeps in the kernel (for `--learn`:
    /// once the supervisor has let the sleep run).
    Sleep,
}

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
        // Blocked in the syscall itself, not waiting for a supervisor's answer.
        let program = wait_until(
            &format!("a process of the run blocks in syscall {in_syscall:?}"),
            || {
                proc::live_in_group(group).into_iter().find(|&pid| {
                    proc::blocked_in_syscall(pid).is_some_and(|nr| in_syscall.contains(&nr))
                        && !proc::wait_channel(pid).is_some_and(|wchan| wchan.contains("seccomp"))
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

/// Runs the step at `binary` with `args` and `--simulate CALL`, and returns the
/// action it names on its last line (`ALLOW`, `KILL_PROCESS`, ...), after
/// asserting what `--simulate` promises: it exits 0 without running the program,
/// and every other line is a line of the `--print-filter=bpf` listing (of the
/// same `args`), exactly, from `(000)` on, each instruction one that can follow
/// the one before, down to a `ret` of that action.
#[track_caller]
pub fn simulated_action(binary: impl AsRef<Path>, args: &[&str], call: &str) -> String {
    let binary = binary.as_ref();
    let mut simulate = args.to_vec();
    simulate.extend(["--simulate", call]);
    let run = run(binary, &simulate, TUTORIAL_INPUT);
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    assert_eq!(run.stderr_text(), "");
    let printed = run.stdout_text();
    assert!(
        !printed.contains(common::program::PROMPT),
        "the program ran:\n{printed}"
    );
    let mut print_filter = args.to_vec();
    print_filter.push("--print-filter=bpf");
    let listing = printed_filter(binary, &print_filter);
    let listed: Vec<&str> = listing.lines().collect();
    let lines: Vec<&str> = printed.lines().collect();
    let (last, path) = lines.split_last().expect("--simulate printed something");
    let action = last
        .strip_prefix(common::print_filter::ACTION_PREFIX)
        .unwrap_or_else(|| panic!("no action on the last line:\n{printed}"));
    let index_of = |line: &str| -> usize {
        line.get(1..4)
            .and_then(|digits| digits.parse().ok())
            .unwrap_or_else(|| panic!("not a listing line: {line}"))
    };
    let mut expected_next = vec![0];
    for line in path {
        let index = index_of(line);
        assert!(
            expected_next.contains(&index),
            "{line} cannot follow the line before:\n{printed}\nlisting:\n{listing}"
        );
        assert_eq!(listed.get(index), Some(line), "listing:\n{listing}");
        expected_next = successors(line, index);
    }
    let ret = path.last().expect("a path through the program");
    assert_eq!(
        ret.split_once(") ").map(|(_, text)| text.trim_end()),
        Some(&*format!("ret {action}")),
        "{printed}"
    );
    action.to_owned()
}

/// The instruction numbers that can follow the listing's `line`, numbered
/// `index`: where its jump targets point, or the next one.
fn successors(line: &str, index: usize) -> Vec<usize> {
    let text = line.split(';').next().unwrap_or(line);
    let words: Vec<&str> = text.split_whitespace().collect();
    let after = |word: &str| {
        words
            .iter()
            .position(|w| *w == word)
            .and_then(|at| words.get(at + 1))
            .and_then(|n| n.parse().ok())
    };
    match (words.get(1), after("jt"), after("jf")) {
        (_, Some(jt), Some(jf)) => vec![jt, jf],
        (Some(&"ja"), ..) => after("ja").into_iter().collect(),
        _ => vec![index + 1],
    }
}

/// How many of a generated test's `full` cases to run: all of them, unless
/// `SAMPLE_PERCENT` says less (at least one). `scripts/check-arches.sh` runs the
/// tests under qemu's emulation, where each instruction costs tens of times what
/// it costs natively, with a quarter; every native run runs them all.
pub fn sample_size(full: usize) -> usize {
    let percent = std::env::var("SAMPLE_PERCENT")
        .ok()
        .and_then(|percent| percent.parse::<usize>().ok())
        .unwrap_or(100)
        .min(100);
    (full * percent / 100).max(1)
}

/// A small pseudo-random generator for the tests that generate their cases
/// (splitmix64: a few lines, no dependency, the same numbers everywhere), so that
/// a failure can print its seed and be run again.
pub struct Rng(pub u64);

impl Rng {
    /// The seed in environment variable `var` (hexadecimal, `0x` optional), or `default`.
    pub fn seed_from_env(var: &str, default: u64) -> u64 {
        std::env::var(var)
            .ok()
            .and_then(|seed| u64::from_str_radix(seed.trim_start_matches("0x"), 16).ok())
            .unwrap_or(default)
    }

    /// The next number.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_transcript_folder_has_its_own_save_command() {
        assert_eq!(
            save_command_for("discovering/step-2-bpf.txt"),
            DISCOVERING_SAVE_COMMAND
        );
        assert_eq!(
            save_command_for("filters/simulate-write-fd-3.txt"),
            "docs/transcripts/filters/regenerate.sh"
        );
    }

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
}
