//! Step 3's `--learn`: run the program once under a user-notification filter and
//! name every syscall it needs beyond the allow list, in one run.
//!
//! A filter whose action is *Notify* (`SECCOMP_RET_USER_NOTIF`, Linux 5.0) does not
//! decide about a syscall itself: the kernel stops the calling thread and passes
//! the syscall to a *supervisor* through a *listener* file descriptor, and the
//! thread waits until the supervisor answers. Here the supervisor notes the
//! syscall and answers with the CONTINUE flag (Linux 5.5): run the syscall as if
//! no filter were there. So the program runs to the end, and the supervisor has
//! seen every syscall it made that the allow list does not allow.
//!
//! `--learn -- CMD` does the same for any command, from its `execve` on: the
//! supervisor here, the fork, the filter and the hand-over of its listener in
//! [`crate::tools::command`]. Step 4's `--learn` runs the program the same way under
//! its policy, with the Notify action for what no rule matches, and reports
//! what the policy lacks ([`crate::tools::refine`]). What a run compares the program
//! with is a trait of this module, `Allowed`. Step 3's allow list implements it
//! here, and a policy implements it in [`crate::tools::refine`]: so this supervisor
//! needs nothing of step 4.
//!
//! The design, and why:
//!
//! - **Two processes.** A filter applies to the thread that loads it and to every
//!   process forked after it, so the supervisor cannot be the filtered process:
//!   it would wait for its own answer. The step forks first: the child loads the
//!   filter and runs the program; the parent, unfiltered, supervises. The
//!   program's own fork happens under the filter, so its forked child is
//!   supervised through the same listener. The parent is the process the shell
//!   waits for: it prints the report once every supervised process has ended and
//!   exits with the program's status.
//! - **Handing the listener over.** The kernel returns the listener to the process
//!   that loads the filter, that is to the program's process, which passes it to
//!   the supervisor over a Unix socket (`SCM_RIGHTS`). Until the supervisor holds
//!   it, a notified syscall would wait forever, so the filter allows the syscalls
//!   of the hand-over itself (`sendmsg` on the socket, `close` of the socket and of
//!   the listener) by their descriptor argument, and the code between loading the
//!   filter and `sendmsg` allocates nothing. Closing the listener in the
//!   program's process matters: if the supervisor dies, the last reference goes
//!   away and notified syscalls fail with `ENOSYS` instead of hanging.
//! - **Dying with the supervisor.** `ENOSYS` is not enough: a program left
//!   without its supervisor runs on with every refused syscall failing, Rust's
//!   sleep panics on that, the panic needs refused syscalls too, and the process
//!   ends up looping on SIGSEGV. So the program's process, right after the fork
//!   and before its filter, has the kernel kill it with SIGKILL when the
//!   supervisor dies (`PR_SET_PDEATHSIG`), and ends at once if the supervisor
//!   died before that (`die_with`). The program's forked child has no death
//!   signal (fork clears it), but it is made after the sleep: with the listener
//!   closed its refused syscalls (`set_robust_list`, `sigaltstack`, `munmap`)
//!   fail with `ENOSYS`, which it shrugs off, and it prints its last line and
//!   exits. No process of the run is left behind. A supervisor that is
//!   terminated (SIGTERM, SIGHUP) does better: it kills every process it
//!   supervises before it dies (`terminate`).
//! - **Processes end at any moment.** The supervisor becomes a child subreaper,
//!   so the program's forked child is handed to it when the program's process
//!   ends; it waits for SIGCHLD through a signalfd next to the listener, and
//!   stops when no process is left. A notification whose process went away meanwhile
//!   is no longer valid (`ENOENT`, [`notify_id_valid`]): there is nobody to answer.
//!   One withdrawn before the supervisor received it takes its syscall with it:
//!   the supervisor counts it, and the report says what it may lack ([`Gaps`]).
//!
//! CONTINUE is for learning and for supervisors that only watch: the kernel runs
//! the syscall after the supervisor looked at it, so a supervisor that checks
//! arguments this way can be raced. Step 4's filter is the sandbox.

use std::io::IoSliceMut;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::process::ExitCode;

use libseccomp::{
    check_api, notify_id_valid, scmp_cmp, ScmpAction, ScmpArch, ScmpNotifReq, ScmpNotifResp,
    ScmpNotifRespFlags, ScmpSyscall, ScmpVersion,
};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::socket::{
    recvmsg, socketpair, AddressFamily, ControlMessageOwned, MsgFlags, SockFlag, SockType,
};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, getpid, getppid, ForkResult, Pid};

use crate::ending::Ending;
use crate::error::{fail_closed, StepError, EXIT_FILTER_FAILED};
use crate::filter::{allow_list_filter, bpf_instructions, Filter, TUTORIAL_ALLOW_LIST};
use crate::program::{write_all, Program, StackLine};
use crate::tools::callers::{Callers, Chain};

/// The libseccomp API level from which the notify API works with the CONTINUE
/// flag and the libseccomp crate accepts it (Linux 5.7 or later).
pub const NOTIFY_API_LEVEL: u32 = 6;

/// How long the supervisor waits for the listener. The program's process only
/// loads a filter and sends one message: this is a guard, not a pace. It ends a
/// hand-over that a notified syscall blocked, as under a tracer that skips a
/// syscall (`strace -e inject=...` turns its number into -1, which is notified).
pub(crate) const HANDOFF_TIMEOUT_MS: u16 = 10_000;

/// Runs the program once under step 3's allow list plus `also_allow`, with the
/// Notify action for every other syscall, and reports those syscalls on stderr.
///
/// It forks: in the program's process it returns what [`Program::run`] returns,
/// so that process ends by returning from `main`, exactly as in the other steps;
/// in the supervising process it returns the program's exit status once the
/// program and every process it forked have ended.
///
/// Call it only while the process has one thread, as a step's `main` does: after
/// the fork, the program's process allocates while it builds its filter, which
/// is sound only when no other thread could have held the allocator's lock.
/// With `callers`, the report shows under each syscall the functions that
/// made its first call ([`crate::tools::callers`]).
pub fn learn(
    step: &'static str,
    program: &mut Program,
    also_allow: &[&str],
    callers: bool,
) -> ExitCode {
    let allow_list = allow_list_with(also_allow);
    learn_with_filter(
        step,
        program,
        &|socket, listener| notify_filter(&allow_list, socket, listener),
        &mut AllowList { also_allow },
        callers,
    )
}

/// What a `--learn` run compares the program's syscalls with: what its notify
/// filter allows without asking the supervisor. That is step 3's allow list
/// ([`AllowList`]) or the rules of a policy ([`crate::tools::refine`]). The supervisor
/// is told of every other syscall, and the report lists those.
pub(crate) trait Allowed {
    /// How the report names it: `step 2's allow list`, `the policy in FILE`.
    fn name(&self) -> String;

    /// Whether a rule lets the calls of `syscall` run unseen by the supervisor:
    /// a rule whose action is allow or log.
    fn lets_run(&self, syscall: &str) -> bool;

    /// Notes a call the supervisor was told of: `syscall` on `arch`, with
    /// `args`. The advice for a policy needs the values of the arguments its
    /// rules compare. By default nothing is noted.
    fn note(&mut self, _arch: ScmpArch, _syscall: ScmpSyscall, _args: &[u64; 6]) {}

    /// What the report says after its list of syscalls: how to allow them.
    /// `seen` holds each syscall by architecture and number, and `learned`
    /// holds the same syscalls by name, both in the order first made.
    fn advice(
        &self,
        step: &str,
        subject: Subject,
        seen: &[(ScmpArch, ScmpSyscall)],
        learned: &[Learned],
    ) -> String;
}

/// The allow list of step 3's `--learn`: the tutorial's, plus the names given
/// with `--allow` (`also_allow`).
pub(crate) struct AllowList<'a> {
    /// The names given with `--allow`.
    pub(crate) also_allow: &'a [&'a str],
}

impl Allowed for AllowList<'_> {
    fn name(&self) -> String {
        match self.also_allow {
            [] => "step 2's allow list".to_owned(),
            _ => "the allow list (step 2's and --allow)".to_owned(),
        }
    }

    fn lets_run(&self, syscall: &str) -> bool {
        TUTORIAL_ALLOW_LIST.contains(&syscall) || self.also_allow.contains(&syscall)
    }

    fn advice(
        &self,
        step: &str,
        subject: Subject,
        _: &[(ScmpArch, ScmpSyscall)],
        learned: &[Learned],
    ) -> String {
        allow_list_advice(step, subject, self.also_allow, learned)
    }
}

/// A notify filter made for the two descriptors of the hand-over: the socket,
/// then the listener ([`notify_filter`], [`crate::tools::refine::notify_filter`]).
pub(crate) type NotifyFilter<'a> = dyn Fn(RawFd, RawFd) -> Result<Filter, StepError> + 'a;

/// The body of [`learn`], for any notify filter: the program runs under the
/// filter `notify` makes, and the report compares what it made with `allowed`,
/// what that filter allows.
pub(crate) fn learn_with_filter(
    step: &'static str,
    program: &mut Program,
    notify: &NotifyFilter,
    allowed: &mut dyn Allowed,
    callers: bool,
) -> ExitCode {
    let (supervisor_end, program_end) = match check_available().and_then(|()| handoff_socket()) {
        Ok(ends) => ends,
        Err(err) => return fail_closed(step, &err),
    };
    // Orphans of the program (its forked child) are handed to the supervisor.
    if let Err(errno) = nix::sys::prctl::set_child_subreaper(true) {
        return fail_closed(step, &supervisor_error("becoming a child subreaper", errno));
    }
    let supervisor = getpid();
    let mask_before = match block_sigcont() {
        Ok(mask) => mask,
        Err(err) => return fail_closed(step, &err),
    };
    // SAFETY: the step has no other threads (see above), so the child may do
    // anything the parent may, allocation included.
    match unsafe { fork() } {
        Err(errno) => fail_closed(step, &supervisor_error("forking", errno)),
        Ok(ForkResult::Child) => {
            drop(supervisor_end);
            let ready = die_with(supervisor)
                .and_then(|()| restore_mask(mask_before))
                .and_then(|()| load_and_hand_over(step, notify, program_end));
            match ready {
                Ok(()) => program.run(),
                Err(err) => fail_closed(step, &err),
            }
        }
        Ok(ForkResult::Parent { child }) => {
            drop(program_end);
            let mut hand_over = SocketHandOver(Some(supervisor_end));
            supervise(
                step,
                Subject::Program,
                child,
                allowed,
                &mut hand_over,
                callers,
            )
        }
    }
}

// ANCHOR: die_with
/// In the program's process, first thing after the fork: have the kernel kill it
/// with SIGKILL when the supervisor dies (`PR_SET_PDEATHSIG`).
///
/// Without a supervisor nobody answers, the listener is closed, and every syscall
/// the allow list refuses fails with ENOSYS: Rust's sleep panics on it, the panic
/// needs more refused syscalls, and the process ends up looping on SIGSEGV.
/// The supervisor may die before the death signal is set, and the program's
/// process then has another parent already: it ends at once, by the same SIGKILL.
pub(crate) fn die_with(supervisor: Pid) -> Result<(), StepError> {
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)
        .map_err(|errno| supervisor_error("asking to die with the supervisor", errno))?;
    if getppid() != supervisor {
        let _ = nix::sys::signal::raise(Signal::SIGKILL);
        // SAFETY: `_exit` ends the process at once; SIGKILL cannot fail to, but
        // nothing of the program may run without its supervisor.
        unsafe { libc::_exit(i32::from(EXIT_FILTER_FAILED)) }
    }
    Ok(())
}
// ANCHOR_END: die_with

/// The allow list of step 3's `--learn`: the tutorial's, plus the names given
/// with `--allow` (`also_allow`).
pub(crate) fn allow_list_with<'a>(also_allow: &[&'a str]) -> Vec<&'a str> {
    [TUTORIAL_ALLOW_LIST, also_allow].concat()
}

/// Checks that libseccomp and the kernel offer user notification with CONTINUE.
pub fn check_available() -> Result<(), StepError> {
    let version = ScmpVersion::current();
    let api_level = libseccomp::get_api();
    if check_api(NOTIFY_API_LEVEL, ScmpVersion::from((2, 5, 0))).unwrap_or(false) {
        return Ok(());
    }
    Err(StepError::NotifyUnavailable {
        kernel: kernel_release(),
        libseccomp: version.map_or_else(|_| "(unknown version)".to_owned(), |v| v.to_string()),
        api_level,
    })
}

/// The running kernel's release, as `uname -r` prints it.
fn kernel_release() -> String {
    // SAFETY: `uname` fills the zeroed struct, whose fields are NUL-terminated.
    unsafe {
        let mut name: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut name) != 0 {
            return "(unknown release)".to_owned();
        }
        std::ffi::CStr::from_ptr(name.release.as_ptr())
            .to_string_lossy()
            .into_owned()
    }
}

pub(crate) fn supervisor_error(doing: &'static str, errno: Errno) -> StepError {
    StepError::Supervisor {
        doing,
        source: Box::new(std::io::Error::from(errno)),
    }
}

/// The Unix socket the listener is handed over on: the supervisor's end, then
/// the program's end.
fn handoff_socket() -> Result<(OwnedFd, OwnedFd), StepError> {
    socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .map_err(|errno| supervisor_error("making the socket for the listener", errno))
}

// ANCHOR: notify_filter
/// Step 3's allow list with the Notify action instead of Trap: an allowed syscall
/// runs at once, any other waits for the supervisor's answer.
///
/// The syscalls that hand the listener over to the supervisor are allowed too,
/// but only on their descriptors (`socket`, `listener`): nobody could answer them
/// yet. A descriptor is an `int`, so only the low 32 bits of the argument count.
/// These rules stay for the whole run: a `sendmsg` or `close` the program made
/// on those two numbers would not be reported (the tutorial program makes none).
pub fn notify_filter(
    allow_list: &[&str],
    socket: RawFd,
    listener: RawFd,
) -> Result<Filter, StepError> {
    let mut filter = allow_list_filter(ScmpAction::Notify, allow_list)?;
    for (name, fd) in [("sendmsg", socket), ("close", socket), ("close", listener)] {
        filter.add_rule(
            ScmpAction::Allow,
            name,
            &[scmp_cmp!($arg0 & 0xffff_ffff == fd as u64)],
        )?;
    }
    Ok(filter)
}
// ANCHOR_END: notify_filter

/// The filter `--learn` would load, for `--print-filter`, with the descriptor
/// numbers the program's process would use.
pub fn filter_to_print(also_allow: &[&str]) -> Result<Filter, StepError> {
    let allow_list = allow_list_with(also_allow);
    notify_filter_to_print(&|socket, listener| notify_filter(&allow_list, socket, listener))
}

/// The filter `notify` makes, with the descriptor numbers the program's process
/// would use, for `--print-filter`.
pub(crate) fn notify_filter_to_print(notify: &NotifyFilter) -> Result<Filter, StepError> {
    let (supervisor_end, program_end) = handoff_socket()?;
    // As in the program's process: the supervisor's end is closed first.
    drop(supervisor_end);
    notify(program_end.as_raw_fd(), lowest_free_fd()?)
}

/// The number the next new descriptor of this process gets (the lowest free one),
/// which is where the kernel will put the listener.
fn lowest_free_fd() -> Result<RawFd, StepError> {
    // SAFETY: duplicating stdin's number (open or not) creates no aliasing; the
    // duplicate is closed at once.
    let fd = unsafe { libc::fcntl(libc::STDIN_FILENO, libc::F_DUPFD_CLOEXEC, 0) };
    match Errno::result(fd) {
        Ok(fd) => {
            // SAFETY: `fd` was just made here and nothing else refers to it.
            unsafe { libc::close(fd) };
            Ok(fd)
        }
        // With stdin closed, no descriptor can be duplicated; 0 is then the lowest free one.
        Err(Errno::EBADF) => Ok(0),
        Err(errno) => Err(supervisor_error("finding a free descriptor", errno)),
    }
}

// ANCHOR: handoff
/// In the program's process: load the notify filter and hand its listener to the
/// supervisor. Errors before the filter is loaded are returned; after it, they
/// end the process (see [`abandon`]).
fn load_and_hand_over(
    step: &'static str,
    notify: &NotifyFilter,
    socket: OwnedFd,
) -> Result<(), StepError> {
    let listener = lowest_free_fd()?;
    let filter = notify(socket.as_raw_fd(), listener)?;
    let program = bpf_instructions(&filter)?;
    nix::sys::prctl::set_no_new_privs().map_err(StepError::NoNewPrivs)?;
    let loaded = load_with_listener(&program).map_err(|errno| {
        supervisor_error(
            "loading the filter, so the program will not run unfiltered",
            errno,
        )
    })?;
    // The filter is in force, and until the supervisor holds the listener nobody
    // answers a notified syscall: only the allowed ones may be made until then.
    if loaded != listener {
        abandon(step, b"the listener is not where it was expected");
    }
    let socket = socket.into_raw_fd();
    if let Err(errno) = send_fd(socket, listener) {
        abandon(step, errno.desc().as_bytes());
    }
    // Closed with plain `close(2)`: dropping an `OwnedFd` may first check the
    // descriptor with `fcntl`, which the filter does not allow.
    // SAFETY: both are this process's own copies, closed once; the supervisor
    // holds its own copy of the listener.
    unsafe {
        libc::close(listener);
        libc::close(socket);
    }
    Ok(())
}
// ANCHOR_END: handoff

/// Loads the BPF `program` with one `seccomp(2)` call that asks for a listener
/// (`SECCOMP_FILTER_FLAG_NEW_LISTENER`), and returns the listener: what
/// libseccomp's `load` does, without its allocations and frees around the call.
/// NO_NEW_PRIVS must be set already.
///
/// It also asks that a syscall whose notification the supervisor has received
/// wait for the answer through any signal but a fatal one
/// (`SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`, Linux 5.19; an older kernel
/// refuses the flag, and the filter is loaded without it). A signal interrupts
/// a syscall that waits for the supervisor, which a syscall running without a
/// filter would not always allow: `fork`, interrupted, starts again by itself,
/// but a notified one returns EINTR to a handler installed without
/// `SA_RESTART`. The flag narrows that to the moment between the notification
/// and its receipt. Both `--learn` and `--learn -- CMD` load their filter so.
pub(crate) fn load_with_listener(program: &[libc::sock_filter]) -> Result<RawFd, Errno> {
    let fprog = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_ptr().cast_mut(),
    };
    let load = |flags: libc::c_ulong| {
        // SAFETY: `fprog` points to live instructions; the kernel copies them.
        let listener = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                flags,
                &fprog as *const libc::sock_fprog,
            )
        };
        Errno::result(listener).map(|fd| fd as RawFd)
    };
    let listener = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER;
    match load(listener | libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
        Err(Errno::EINVAL) => load(listener),
        loaded => loaded,
    }
}

/// Whether the kernel knows `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV` (Linux
/// 5.19), asked without loading anything, the way libseccomp asks about a
/// flag: `seccomp(SECCOMP_SET_MODE_FILTER, flags, NULL)` fails with EFAULT, at
/// the missing program, only once the flags were accepted; unknown flags fail
/// with EINVAL first.
pub fn wait_killable_recv_known() -> bool {
    let flags =
        libc::SECCOMP_FILTER_FLAG_NEW_LISTENER | libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    // SAFETY: the kernel reads nothing at a NULL program; it fails with EFAULT.
    let result = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            std::ptr::null::<libc::sock_fprog>(),
        )
    };
    result == -1 && Errno::last() == Errno::EFAULT
}

/// Ends the program's process after its filter is loaded but before the listener
/// reached the supervisor: one line on stderr with `write(2)` and `_exit`, the only
/// syscalls it can still make without an answer, and no allocation. The
/// supervisor sees the socket close and exits with this status.
fn abandon(step: &'static str, why: &[u8]) -> ! {
    let mut line = StackLine::new();
    line.push(step.as_bytes());
    line.push(b": error: --learn cannot hand the listener to the supervisor: ");
    line.push(why);
    line.push(b"\n");
    // Nothing more can be done if stderr fails too.
    let _ = write_all(libc::STDERR_FILENO, line.as_bytes());
    // SAFETY: `_exit` ends the process at once.
    unsafe { libc::_exit(i32::from(EXIT_FILTER_FAILED)) }
}

/// Sends descriptor `fd` over the Unix socket `socket` (`SCM_RIGHTS`), with one
/// byte of data, which a stream socket needs to carry the descriptor.
///
/// Written with `libc` and stack buffers because it runs under the notify filter
/// before the supervisor can answer: nix's `sendmsg` allocates its control buffer.
fn send_fd(socket: RawFd, fd: RawFd) -> Result<(), Errno> {
    /// Room for one `cmsghdr` and one descriptor, aligned as a `cmsghdr`.
    #[repr(C)]
    union Control {
        header: libc::cmsghdr,
        bytes: [u8; 64],
    }
    let mut byte = [0u8; 1];
    let mut data = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: byte.len(),
    };
    let mut control = Control { bytes: [0; 64] };
    let fd_size = std::mem::size_of::<RawFd>() as u32;
    // SAFETY: every pointer refers to a live stack value; the control buffer is
    // zeroed, aligned for a `cmsghdr` and larger than CMSG_SPACE of one descriptor.
    unsafe {
        let mut message: libc::msghdr = std::mem::zeroed();
        message.msg_iov = &mut data;
        message.msg_iovlen = 1;
        message.msg_control = std::ptr::addr_of_mut!(control).cast();
        message.msg_controllen = libc::CMSG_SPACE(fd_size) as _;
        let header = libc::CMSG_FIRSTHDR(&message);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(fd_size) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(header).cast::<RawFd>(), fd);
        loop {
            match Errno::result(libc::sendmsg(socket, &message, libc::MSG_NOSIGNAL)) {
                Err(Errno::EINTR) => continue,
                result => return result.map(drop),
            }
        }
    }
}

/// In the supervisor: waits for the listener on `socket`. `None` when the socket
/// closed without one: the program's process failed before the hand-over, and
/// has said why.
fn receive_listener(socket: &OwnedFd) -> Result<Option<OwnedFd>, StepError> {
    let mut ready = [PollFd::new(socket.as_fd(), PollFlags::POLLIN)];
    loop {
        match poll(&mut ready, PollTimeout::from(HANDOFF_TIMEOUT_MS)) {
            Ok(0) => {
                return Err(StepError::Supervisor {
                    doing: "waiting for the listener",
                    source: "the program's process did not send it in time".into(),
                })
            }
            Ok(_) => break,
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(supervisor_error("waiting for the listener", errno)),
        }
    }
    let mut byte = [0u8; 1];
    let mut data = [IoSliceMut::new(&mut byte)];
    let mut control = nix::cmsg_space!(RawFd);
    let message = recvmsg::<()>(
        socket.as_raw_fd(),
        &mut data,
        Some(&mut control),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )
    .map_err(|errno| supervisor_error("receiving the listener", errno))?;
    let control = message
        .cmsgs()
        .map_err(|errno| supervisor_error("receiving the listener", errno))?;
    for item in control {
        if let ControlMessageOwned::ScmRights(fds) = item {
            if let Some(&fd) = fds.first() {
                // SAFETY: the kernel just installed this descriptor for this process.
                return Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }));
            }
        }
    }
    Ok(None)
}

/// A syscall the supervisor was notified of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learned {
    /// Its name on the architecture it was made on, when libseccomp knows one.
    pub name: Option<String>,
    /// Its number on that architecture.
    pub nr: i32,
    /// With `--callers`, the functions that made its first call, innermost
    /// first ([`crate::tools::callers`]); empty otherwise.
    pub callers: Chain,
}

impl Learned {
    /// `NAME(NR)`, the form step 3's reporter uses.
    pub fn report_form(&self) -> String {
        format!("{}({})", self.name.as_deref().unwrap_or(""), self.nr)
    }
}

/// What the supervisor supervises: the tutorial program (`--learn`) or a
/// command (`--learn -- CMD`, [`crate::tools::command`]). Only the report's words differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The tutorial program, in the step's own forked process.
    Program,
    /// A command, executed by the step's forked process.
    Command,
}

impl Subject {
    /// The word the report uses for it.
    pub fn noun(self) -> &'static str {
        match self {
            Subject::Program => "program",
            Subject::Command => "command",
        }
    }

    /// What the report says of the processes the supervisor collected besides
    /// the program's or command's own: the tutorial program's forked child; for a
    /// command, the processes it left behind (those whose parent ended before
    /// them are handed to the supervisor, a subreaper; those their parent
    /// waited for are the parent's to collect).
    fn others(self, endings: &[Ending]) -> String {
        let (none, one, many) = match self {
            Subject::Program => (
                "it forked no process",
                "the process it forked",
                "processes it forked",
            ),
            Subject::Command => (
                "it left no process behind",
                "the process it left behind",
                "processes it left behind",
            ),
        };
        match endings {
            [] => none.to_owned(),
            [ending] => format!("{one}: {ending}"),
            all => format!(
                "the {} {many}: {}",
                all.len(),
                all.iter()
                    .map(Ending::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// How the supervisor comes to hold the listener: the program's process sends
/// it over a Unix socket ([`SocketHandOver`]); the command's process shares its
/// descriptors with the supervisor until its `execve` ([`crate::tools::command`]).
pub(crate) trait HandOver {
    /// Waits for the listener; `None` when the supervised process ended, or
    /// failed and said why, before handing one over. `supervision` collects the
    /// processes that end meanwhile, `signals` says when one does ([`take_signals`]).
    fn listener(
        &mut self,
        supervision: &mut Supervision,
        signals: &SignalFd,
    ) -> Result<Option<OwnedFd>, StepError>;

    /// Once every supervised process has ended: `true` when what the supervisor
    /// saw is worth a report (the command was executed, for instance).
    fn ran(&mut self) -> bool {
        true
    }
}

/// The program's hand-over: the listener arrives on this socket (`SCM_RIGHTS`).
struct SocketHandOver(Option<OwnedFd>);

impl HandOver for SocketHandOver {
    fn listener(
        &mut self,
        _: &mut Supervision,
        _: &SignalFd,
    ) -> Result<Option<OwnedFd>, StepError> {
        // The socket is closed once the listener is in: it has done its job.
        match self.0.take() {
            Some(socket) => receive_listener(&socket),
            None => Ok(None),
        }
    }
}

/// What the supervisor saw while the program ran.
pub(crate) struct Supervision {
    /// What it supervises.
    subject: Subject,
    /// The program's process (or the command's).
    program: Pid,
    /// Every notified syscall (by architecture and number), in first-seen order.
    seen: Vec<(ScmpArch, ScmpSyscall)>,
    /// With `--callers`: the reader of chains, and the chain of each syscall in
    /// `seen`, read while its first call waited.
    callers: Option<Callers>,
    chains: Vec<Chain>,
    /// How the program's process ended.
    program_ending: Option<Ending>,
    /// How each other process collected ended.
    forked_endings: Vec<Ending>,
    /// Notifications withdrawn before they could be received, seen as a
    /// receive that found none (`ENOENT`).
    lost: usize,
    /// The ids of the notifications received ([`Ids`]).
    ids: Ids,
    /// Whether the supervisor was stopped (and continued) meanwhile.
    stopped: bool,
    /// Whether a supervised process loaded a seccomp filter of its own
    /// (`seccomp(SECCOMP_SET_MODE_FILTER, ...)` or `prctl(PR_SET_SECCOMP, ...)`).
    own_filter: bool,
}

/// In the supervisor, after the fork: receives the listener, answers every
/// notification until no supervised process is left, reports, and returns the
/// program's exit status (128 plus the signal's number when a signal killed it,
/// as a shell says it).
pub(crate) fn supervise(
    step: &str,
    subject: Subject,
    program: Pid,
    allowed: &mut dyn Allowed,
    hand_over: &mut dyn HandOver,
    callers: bool,
) -> ExitCode {
    let mut supervision = Supervision {
        subject,
        program,
        seen: Vec::new(),
        callers: callers.then(Callers::default),
        chains: Vec::new(),
        program_ending: None,
        forked_endings: Vec::new(),
        lost: 0,
        ids: Ids::default(),
        stopped: false,
        own_filter: false,
    };
    // Without SIGCHLD or the listener, nobody could answer the program: it is
    // stopped rather than left waiting.
    let stop_program = || {
        let _ = nix::sys::signal::kill(program, Signal::SIGKILL);
    };
    let signals = match ignore_interrupts().and_then(|()| watch_signals()) {
        Ok(signals) => signals,
        Err(err) => {
            stop_program();
            return fail_closed(step, &err);
        }
    };
    let (listener, failure) = match hand_over.listener(&mut supervision, &signals) {
        Ok(listener) => (listener, None),
        Err(err) => {
            stop_program();
            (None, Some(err))
        }
    };
    let handed_over = listener.is_some();
    if let Some(fd) = &listener {
        take_turns(fd);
    }
    let served = supervision.serve(listener, &signals, allowed);
    if let Some(err) = failure.or(served.err()) {
        return fail_closed(step, &err);
    }
    let Some(ending) = supervision.program_ending else {
        return fail_closed(
            step,
            &StepError::Supervisor {
                doing: "waiting for the program",
                source: "its ending was not collected".into(),
            },
        );
    };
    // A program's process that failed before the hand-over has said why itself,
    // and ran nothing to report on. A stderr that went away (`2>&1 | head`) loses
    // the report, but must not turn the program's status into a panic's.
    if handed_over && hand_over.ran() {
        let report = supervision.report(step, allowed, ending);
        let _ = write_all(libc::STDERR_FILENO, report.as_bytes());
    }
    ExitCode::from(u8::try_from(ending.shell_status()).unwrap_or(u8::MAX))
}

/// `SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP` (Linux 6.6), which the `libc` crate
/// does not have yet.
const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: libc::c_ulong = 1;

/// Tells the kernel that the supervisor and the processes it answers take turns
/// (`SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP`, Linux 6.6): each waits while the other
/// runs, so the kernel wakes the other side on the CPU it is on, instead of
/// waking an idle CPU for it, which on a virtual machine costs far more. Each of
/// the program's notified syscalls is one such exchange, and `ls -R /usr/share`
/// makes tens of thousands. An older kernel refuses the flag, and nothing changes.
fn take_turns(listener: &OwnedFd) {
    // SAFETY: the ioctl takes the flags by value and touches no memory.
    unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS,
            SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP,
        )
    };
}

/// Has the supervisor ignore SIGINT and SIGQUIT, as GNU `time` does while its
/// command runs: Ctrl-C and Ctrl-\ reach the whole foreground process group, so
/// the program gets them itself and does with them what it does; the supervisor
/// stays to collect it and to report. (Its process was forked before this, so
/// it keeps the dispositions the step started with.)
fn ignore_interrupts() -> Result<(), StepError> {
    for signal in [Signal::SIGINT, Signal::SIGQUIT] {
        // SAFETY: no handler is installed, only the disposition changed to "ignore".
        unsafe { nix::sys::signal::signal(signal, nix::sys::signal::SigHandler::SigIgn) }
            .map_err(|errno| supervisor_error("ignoring SIGINT and SIGQUIT", errno))?;
    }
    Ok(())
}

/// The signals that end the supervisor (`kill PID`, a terminal that hangs up):
/// it ends every process it supervises first ([`terminate`]).
const TERMINATING: [Signal; 2] = [Signal::SIGTERM, Signal::SIGHUP];

/// Blocks SIGCHLD and the [`TERMINATING`] signals in the supervisor and returns
/// a descriptor that becomes readable when one is pending, so one `poll` waits
/// for notifications, for processes that end and for the supervisor's own end.
fn watch_signals() -> Result<SignalFd, StepError> {
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGCHLD);
    // A blocked SIGCONT still continues the supervisor, and waits to be read.
    signals.add(Signal::SIGCONT);
    for signal in TERMINATING {
        signals.add(signal);
    }
    signals.thread_block().map_err(|errno| {
        supervisor_error("blocking SIGCHLD, SIGCONT, SIGTERM and SIGHUP", errno)
    })?;
    SignalFd::with_flags(&signals, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
        .map_err(|errno| supervisor_error("making a signalfd for SIGCHLD", errno))
}

/// Blocks SIGCONT in the step, before it forks the process it supervises, and
/// returns the signal mask it had: a blocked SIGCONT still continues a stopped
/// process, and waits to be read from the signalfd ([`watch_signals`]), so that
/// a stop of the supervisor is heard from the fork on, even one before it
/// starts to answer, while what it supervises may already have made a syscall
/// that a signal withdrew.
pub(crate) fn block_sigcont() -> Result<SigSet, StepError> {
    let mut cont = SigSet::empty();
    cont.add(Signal::SIGCONT);
    cont.thread_swap_mask(nix::sys::signal::SigmaskHow::SIG_BLOCK)
        .map_err(|errno| supervisor_error("blocking SIGCONT", errno))
}

/// In the program's process: the signal mask the step had before
/// [`block_sigcont`].
fn restore_mask(mask: SigSet) -> Result<(), StepError> {
    mask.thread_set_mask()
        .map_err(|errno| supervisor_error("restoring the signal mask", errno))
}

/// What the signals pending on the supervisor's signalfd said.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Taken {
    /// SIGCHLD: a supervised process may have ended.
    pub(crate) children_ended: bool,
    /// SIGCONT: the supervisor had been stopped (Ctrl-Z, SIGSTOP), and a
    /// signal meanwhile may have interrupted a notified syscall it never saw.
    pub(crate) continued: bool,
}

/// Whether a SIGCONT is pending, blocked as the supervisor blocks it: the
/// supervisor was stopped and continued since its signalfd was last read.
fn continue_pending() -> bool {
    let mut pending = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `sigpending` fills the set, which is read only if it succeeded.
    unsafe {
        libc::sigpending(pending.as_mut_ptr()) == 0
            && libc::sigismember(pending.as_ptr(), libc::SIGCONT) == 1
    }
}

/// Reads every signal pending on `signals`. A [`TERMINATING`] signal does not
/// return.
pub(crate) fn take_signals(signals: &SignalFd) -> Taken {
    let mut taken = Taken::default();
    while let Ok(Some(info)) = signals.read_signal() {
        match Signal::try_from(info.ssi_signo as i32) {
            Ok(Signal::SIGCHLD) => taken.children_ended = true,
            Ok(Signal::SIGCONT) => taken.continued = true,
            Ok(signal) => terminate(signal),
            Err(_) => {}
        }
    }
    taken
}

/// Ends every process the supervisor supervises, then the supervisor itself by
/// `signal`, which it took from its signalfd, as if it had not caught it.
///
/// The death signal ends only the program's (or the command's) own process;
/// the processes it forked would run on without an answer to any syscall the
/// allow list lacks. So each descendant of the supervisor is killed with
/// SIGKILL, again until none is left running (a second at most; found through
/// `/proc/PID/task/TID/children`). They are not collected here: those that are
/// the supervisor's children pass to its own parent, or subreaper, with it.
/// SIGKILL cannot be caught: a supervisor killed by it leaves the processes
/// the command forked to their ENOSYS.
fn terminate(signal: Signal) -> ! {
    for _ in 0..1000 {
        let alive: Vec<Pid> = descendants(getpid())
            .into_iter()
            .filter(|&pid| running(pid))
            .collect();
        if alive.is_empty() {
            break;
        }
        for pid in alive {
            let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let mut only = SigSet::empty();
    only.add(signal);
    // SAFETY: the default disposition installs no handler.
    let _ = unsafe { nix::sys::signal::signal(signal, nix::sys::signal::SigHandler::SigDfl) };
    let _ = only.thread_unblock();
    let _ = nix::sys::signal::raise(signal);
    // SAFETY: `_exit` ends the process at once, should the signal not have.
    unsafe { libc::_exit(128 + signal as i32) }
}

/// Every descendant of process `pid` that `/proc` lists.
fn descendants(pid: Pid) -> Vec<Pid> {
    let mut found = Vec::new();
    let mut parents = vec![pid];
    while let Some(parent) = parents.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{parent}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for child in children.split_whitespace().filter_map(|n| n.parse().ok()) {
                let child = Pid::from_raw(child);
                if !found.contains(&child) {
                    found.push(child);
                    parents.push(child);
                }
            }
        }
    }
    found
}

/// `true` while process `pid` has not ended (it exists and is no zombie).
fn running(pid: Pid) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The state follows the command name, which is in parentheses.
    stat.rfind(')')
        .and_then(|end| stat[end + 1..].split_whitespace().next())
        .is_some_and(|state| state != "Z" && state != "X")
}

impl Supervision {
    // ANCHOR: supervisor
    /// Answers notifications on `listener` until every supervised process has
    /// ended and been collected.
    ///
    /// Processes are collected before the first wait, so one that ended before
    /// SIGCHLD was blocked is not missed, and then whenever SIGCHLD says one has:
    /// a notification costs one `poll`, one receive and one answer, the least the
    /// kernel's interface allows. When the supervisor cannot go on, it closes the
    /// listener: the kernel then fails every notified syscall with ENOSYS, so the
    /// program ends one way or another instead of waiting forever. `allowed`
    /// notes each call ([`Allowed::note`]).
    fn serve(
        &mut self,
        listener: Option<OwnedFd>,
        signals: &SignalFd,
        allowed: &mut dyn Allowed,
    ) -> Result<(), StepError> {
        let mut listener = listener;
        let mut failure = None;
        // Processes that ended before SIGCHLD was blocked are collected first;
        // from then on, once SIGCHLD says one has.
        let mut children_ended = true;
        loop {
            if children_ended && self.collect_ended()? {
                // A stop the loop did not hear of: its SIGCONT, still pending.
                self.stopped |= continue_pending();
                break;
            }
            // With no listener, only SIGCHLD is waited for.
            let fds = match &listener {
                Some(fd) => [signals.as_fd(), fd.as_fd()],
                None => [signals.as_fd(); 2],
            };
            let mut ready = fds.map(|fd| PollFd::new(fd, PollFlags::POLLIN));
            let waited = usize::from(listener.is_some()) + 1;
            match poll(&mut ready[..waited], PollTimeout::NONE) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(errno) => return Err(supervisor_error("waiting for notifications", errno)),
            }
            let events = |fd: &PollFd| fd.revents().unwrap_or(PollFlags::empty());
            let signalled = events(&ready[0]).contains(PollFlags::POLLIN);
            let notified = if waited == 2 {
                events(&ready[1])
            } else {
                PollFlags::empty()
            };
            // Reading a pending SIGCHLD clears it; `collect_ended` does the rest.
            children_ended = signalled && self.heard(take_signals(signals));
            if notified.contains(PollFlags::POLLIN) {
                if let Some(fd) = &listener {
                    if let Err(err) = self.answer(fd.as_raw_fd(), allowed) {
                        failure = Some(err);
                        listener = None;
                    }
                }
            } else if notified.intersects(PollFlags::POLLHUP | PollFlags::POLLERR) {
                // No process uses the filter any more (Linux 5.8 and later say so).
                listener = None;
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// Receives one notification, notes the syscall, and lets it run.
    fn answer(&mut self, listener: RawFd, allowed: &mut dyn Allowed) -> Result<(), StepError> {
        let request = match ScmpNotifReq::receive(listener) {
            Ok(request) => request,
            // The process was killed, or its syscall interrupted by a signal, since
            // `poll`: the kernel withdrew the notification, and nothing is waiting.
            // Which syscall it was is lost with it, so the report says that it
            // cannot be complete. (libseccomp 2.5 turns every failure of the ioctl
            // into ECANCELED; the kernel's own errno is still in errno.)
            Err(_) if Errno::last() == Errno::ENOENT => {
                self.lost += 1;
                return Ok(());
            }
            Err(source) => {
                return Err(StepError::Supervisor {
                    doing: "receiving a notification",
                    source: Box::new(source),
                })
            }
        };
        self.ids.note(request.id);
        self.own_filter |= loads_a_filter(&request.data);
        let syscall = (request.data.arch, request.data.syscall);
        if !self.seen.contains(&syscall) {
            self.seen.push(syscall);
            // The thread waits for the answer below: its stack holds still.
            if let Some(callers) = &mut self.callers {
                let read = callers.of(listener, &request);
                self.chains.push(read.chain);
                if let Some(status) = read.ended {
                    self.ended(status);
                }
                // Answered with ERESTARTNOINTR, the syscall is made again, and
                // noted and answered when it is notified again.
                if read.answered {
                    return Ok(());
                }
            }
        }
        allowed.note(request.data.arch, request.data.syscall, &request.data.args);
        let answer = ScmpNotifResp::new_continue(request.id, ScmpNotifRespFlags::empty());
        if let Err(source) = answer.respond(listener) {
            // A notification that is no longer valid has nobody waiting for it: its
            // process ended, or a signal interrupted the syscall (which is made, and
            // notified, again after the signal handler).
            if notify_id_valid(listener, request.id).is_ok() {
                return Err(StepError::Supervisor {
                    doing: "answering a notification",
                    source: Box::new(source),
                });
            }
        }
        Ok(())
    }
    // ANCHOR_END: supervisor

    /// Collects every supervised process that has ended, without waiting; `true`
    /// once no process is left.
    pub(crate) fn collect_ended(&mut self) -> Result<bool, StepError> {
        loop {
            match waitpid(None, Some(WaitPidFlag::WNOHANG | WaitPidFlag::__WALL)) {
                Ok(WaitStatus::StillAlive) => return Ok(false),
                // A process that asked to be traced (`PTRACE_TRACEME`) has the
                // supervisor, its parent, for a tracer, and stops for it at each
                // signal. The supervisor is no debugger: it lets go, and the
                // process goes on with its signal, as it would untraced; but for
                // SIGTRAP, which a traced `execve` sends for its tracer alone.
                Ok(WaitStatus::Stopped(pid, signal)) => {
                    let signal = Some(signal).filter(|&signal| signal != Signal::SIGTRAP);
                    let _ = nix::sys::ptrace::detach(pid, signal);
                }
                Ok(WaitStatus::PtraceEvent(pid, ..)) => {
                    let _ = nix::sys::ptrace::detach(pid, None);
                }
                Ok(status) => self.ended(status),
                Err(Errno::EINTR) => {}
                Err(Errno::ECHILD) => return Ok(true),
                Err(errno) => return Err(supervisor_error("collecting ended processes", errno)),
            }
        }
    }

    /// Notes how a supervised process ended, from its wait status.
    fn ended(&mut self, status: WaitStatus) {
        match Ending::from_wait_status(status) {
            Some((pid, ending)) if pid == self.program => self.program_ending = Some(ending),
            Some((_, ending)) => self.forked_endings.push(ending),
            None => {}
        }
    }

    /// The syscalls seen, named on the architecture they were made on.
    fn learned(&self) -> Vec<Learned> {
        self.seen
            .iter()
            .enumerate()
            .map(|(at, &(arch, syscall))| Learned {
                name: syscall.get_name_by_arch(arch).ok(),
                nr: syscall.as_raw_syscall(),
                callers: self.chains.get(at).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// The report printed on stderr once the program has ended: what it made
    /// that `allowed` lacks, then how to allow it.
    fn report(&self, step: &str, allowed: &dyn Allowed, ending: Ending) -> String {
        let others = self.subject.others(&self.forked_endings);
        let list = allowed.name();
        let gaps = Gaps {
            killed: std::iter::once(&ending)
                .chain(&self.forked_endings)
                .filter(|ending| matches!(ending, Ending::Signaled(_)))
                .count(),
            lost: self.lost.max(self.ids.missing()),
            stopped: self.stopped,
        };
        let learned = self.learned();
        let mut text = report_text(
            step,
            self.subject,
            &learned,
            &list,
            &format!("{ending}; {others}"),
            gaps,
        );
        text.push_str(&self.blind_spots(step, allowed));
        if !learned.is_empty() {
            text.push_str(&allowed.advice(step, self.subject, &self.seen, &learned));
        }
        text
    }

    /// What no supervisor sees, said where the run may have had it: what a
    /// process submits through io_uring, which passes no seccomp filter, and
    /// the syscalls a filter of the process's own answers before the
    /// supervisor's notification (an errno, a trap or a kill outranks it).
    fn blind_spots(&self, step: &str, allowed: &dyn Allowed) -> String {
        let noun = self.subject.noun();
        let seen = |name: &str| {
            self.seen
                .iter()
                .any(|&(arch, nr)| nr.get_name_by_arch(arch).is_ok_and(|seen| seen == name))
        };
        let mut text = String::new();
        if seen("io_uring_setup") {
            text.push_str(&format!(
                "{step}: the {noun} set up io_uring (io_uring_setup): what it submits through \
                 io_uring (opening, reading and writing files, sockets) passes no seccomp \
                 filter, so none of that is in this list, and a filter that allows \
                 io_uring_enter lets all of it through\n"
            ));
        } else if allowed.lets_run("io_uring_setup") {
            text.push_str(&format!(
                "{step}: {} allows io_uring_setup: what the {noun} may have submitted through \
                 io_uring passes no seccomp filter, and is in no list\n",
                allowed.name()
            ));
        }
        if self.own_filter {
            text.push_str(&format!(
                "{step}: the {noun} loaded a seccomp filter of its own: a syscall that filter \
                 answers with an errno, a trap or a kill never reaches the supervisor, and may be \
                 missing from this list (strace -f sees it)\n"
            ));
        } else if allowed.lets_run("seccomp") {
            // (A filter loaded through prctl, which so many programs call for
            // other things, is said when prctl is notified, not when allowed.)
            text.push_str(&format!(
                "{step}: {} allows seccomp: a filter the {noun} may have loaded of its own goes \
                 unseen, and so do the syscalls it answers with an errno, a trap or a kill\n",
                allowed.name()
            ));
        }
        text
    }

    /// Notes what the signals read said of a stop ([`Taken::continued`]), and
    /// returns whether a supervised process may have ended.
    pub(crate) fn heard(&mut self, taken: Taken) -> bool {
        self.stopped |= taken.continued;
        taken.children_ended
    }

    /// `true` once the program's process (or the command's) has been collected.
    pub(crate) fn program_ended(&self) -> bool {
        self.program_ending.is_some()
    }
}

/// Whether the notified call `data` loads a seccomp filter:
/// `seccomp(SECCOMP_SET_MODE_FILTER, ...)` or `prctl(PR_SET_SECCOMP,
/// SECCOMP_MODE_FILTER, ...)`.
fn loads_a_filter(data: &libseccomp::ScmpNotifData) -> bool {
    let name = data.syscall.get_name_by_arch(data.arch).unwrap_or_default();
    let filter_mode = libc::SECCOMP_MODE_FILTER as u64;
    // The kernel reads seccomp's operation as an unsigned int, prctl's option
    // as an int: their lower halves.
    let lower = |arg: u64| arg as u32;
    match name.as_str() {
        "seccomp" => lower(data.args[0]) == libc::SECCOMP_SET_MODE_FILTER,
        "prctl" => {
            lower(data.args[0]) == libc::PR_SET_SECCOMP as u32 && data.args[1] == filter_mode
        }
        _ => false,
    }
}

/// The ids of the notifications received. The kernel numbers the
/// notifications of one filter one after another (from a random start), and
/// a notification withdrawn before the supervisor received it (a signal
/// interrupted its syscall, or killed its process) leaves its number out:
/// every number missing between the lowest and the highest received is one
/// notification the supervisor never saw. (Older kernels hand notifications
/// over newest first, so the ids are kept as offsets from the first, either
/// way.)
#[derive(Debug, Default, Clone, Copy)]
struct Ids {
    /// The first id received.
    first: Option<u64>,
    /// The lowest and the highest offset from it.
    lowest: i64,
    highest: i64,
    /// How many were received.
    received: u64,
}

impl Ids {
    fn note(&mut self, id: u64) {
        let first = *self.first.get_or_insert(id);
        let offset = id.wrapping_sub(first) as i64;
        self.lowest = self.lowest.min(offset);
        self.highest = self.highest.max(offset);
        self.received += 1;
    }

    /// How many ids are missing between the lowest and the highest.
    fn missing(&self) -> usize {
        if self.received == 0 {
            return 0;
        }
        let span = self.highest.abs_diff(self.lowest) + 1;
        usize::try_from(span.saturating_sub(self.received)).unwrap_or(usize::MAX)
    }
}

/// Why a report may not hold every syscall the program needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gaps {
    /// Supervised processes killed by a signal: they did not get to make the
    /// rest of their syscalls.
    pub killed: usize,
    /// Notifications the kernel withdrew before the supervisor could receive
    /// them (`ENOENT`): their process was killed, or a signal interrupted the
    /// syscall, in between. The syscall is unknown; an interrupted one that is
    /// made again is notified, and listed, again.
    pub lost: usize,
    /// The supervisor was stopped (and continued) while the program ran: a
    /// notification withdrawn meanwhile leaves no trace when no other comes
    /// after it.
    pub stopped: bool,
}

impl Gaps {
    /// `true` when the supervisor may have missed something.
    pub fn any(self) -> bool {
        self.killed > 0 || self.lost > 0 || self.stopped
    }
}

/// The report: how the processes ended, what may be missing from it ([`Gaps`]),
/// and each learned syscall as `NAME(NR)` in the order first seen; how to allow
/// them follows ([`allow_list_advice`], or [`crate::tools::refine`] for a policy). It
/// never claims more than the supervisor saw: with a gap, the program made *at
/// least* the syscalls listed. `subject` names what ran: "the program's
/// process" or "the command's process".
pub fn report_text(
    step: &str,
    subject: Subject,
    learned: &[Learned],
    list: &str,
    endings: &str,
    gaps: Gaps,
) -> String {
    let noun = subject.noun();
    let mut text = format!("{step}: the {noun}'s process: {endings}\n");
    match gaps.killed {
        0 => {}
        1 => text.push_str(&format!(
            "{step}: the run was cut short: 1 supervised process was killed by a signal, \
             so the {noun} may need syscalls it did not get to make\n"
        )),
        n => text.push_str(&format!(
            "{step}: the run was cut short: {n} supervised processes were killed by a signal, \
             so the {noun} may need syscalls they did not get to make\n"
        )),
    }
    match gaps.lost {
        0 => {}
        1 => text.push_str(&format!(
            "{step}: 1 notification was lost: its process was killed, or a signal interrupted \
             its syscall, before the supervisor received it; that syscall is listed only if \
             it was made again\n"
        )),
        n => text.push_str(&format!(
            "{step}: {n} notifications were lost: their processes were killed, or signals \
             interrupted their syscalls, before the supervisor received them; those syscalls \
             are listed only if they were made again\n"
        )),
    }
    if gaps.stopped {
        text.push_str(&format!(
            "{step}: the supervisor was stopped while the {noun} ran: a syscall that a signal \
             interrupted meanwhile, before the supervisor received it, is listed only if it was \
             made again\n"
        ));
    }
    let count = match learned.len() {
        0 if gaps.any() => {
            text.push_str(&format!(
                "{step}: the supervisor saw no syscall that {list} does not allow\n"
            ));
            return text;
        }
        0 => {
            text.push_str(&format!(
                "{step}: it made no syscall that {list} does not allow\n"
            ));
            return text;
        }
        1 => "1 syscall".to_owned(),
        n => format!("{n} syscalls"),
    };
    let at_least = if gaps.any() { "at least " } else { "" };
    text.push_str(&format!(
        "{step}: it made {at_least}{count} that {list} does not allow, first made in this order:\n"
    ));
    for syscall in learned {
        text.push_str(&syscall.report_form());
        text.push('\n');
        for caller in &syscall.callers {
            text.push_str("    ");
            text.push_str(caller);
            text.push('\n');
        }
    }
    text
}

/// The commands the advice prints: they run as typed in any folder of the
/// repository, in a shell that has only Cargo on its `PATH` (not the steps,
/// which `cargo build` puts in `target/debug`), and build the step first.
const STEP_3_COMMAND: &str = "cargo run -q -p step-3-reporting --";
const STEP_4_COMMAND: &str = "cargo run -q -p step-4-policy --";

/// How step 3's report says to allow the `learned` syscalls: in step 3 with
/// `--allow`; for the tutorial program, in step 4 by learning against its
/// policy ([`crate::tools::refine`]), which tells what that policy lacks of them, as
/// rules that can be appended to it.
/// For the tutorial program each is a command to run ([`STEP_3_COMMAND`],
/// [`STEP_4_COMMAND`]), whose `--allow` keeps the names given before (`also_allow`);
/// for a command, the `--allow` option with the names learned.
/// A syscall libseccomp cannot name (`(462)`) is left out of `--allow`, which
/// takes names, in a line of its own.
pub fn allow_list_advice(
    step: &str,
    subject: Subject,
    also_allow: &[&str],
    learned: &[Learned],
) -> String {
    let names: Vec<&str> = learned.iter().filter_map(|s| s.name.as_deref()).collect();
    let unnamed: Vec<String> = learned
        .iter()
        .filter(|s| s.name.is_none())
        .map(|s| s.nr.to_string())
        .collect();
    let mut text = String::new();
    if !names.is_empty() {
        match subject {
            Subject::Program => {
                let mut allow = also_allow.to_vec();
                allow.extend(names.iter().filter(|name| !also_allow.contains(name)));
                text.push_str(&format!(
                    "{step}: to allow them in step 3, run in the repository: \
                     {STEP_3_COMMAND} --allow {}\n",
                    allow.join(",")
                ));
            }
            Subject::Command => text.push_str(&format!(
                "{step}: to allow them in step 3: --allow {}\n",
                names.join(",")
            )),
        }
    }
    if !unnamed.is_empty() {
        let numbers = match unnamed.len() {
            1 => "this number",
            _ => "these numbers",
        };
        text.push_str(&format!(
            "{step}: left out of --allow: {} (--allow takes names, and libseccomp knows no \
             name for {numbers} on this architecture)\n",
            unnamed.join(", ")
        ));
    }
    if subject == Subject::Program {
        text.push_str(&format!(
            "{step}: to find which of them step 4's policy lacks, with rules to append to it, \
             run in the repository: {STEP_4_COMMAND} --learn (for a copy of the policy, \
             add --policy FILE)\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learned(name: &str) -> Learned {
        let nr = ScmpSyscall::from_name(name).unwrap().as_raw_syscall();
        Learned {
            name: Some(name.to_owned()),
            nr,
            callers: Vec::new(),
        }
    }

    /// With `--callers`, each syscall's chain is under it, indented, so that a
    /// line that starts with a name is still a syscall the run made.
    #[test]
    fn the_callers_of_each_syscall_are_indented_under_it() {
        let mut sleep = learned("clock_nanosleep");
        sleep.callers = vec![
            "← clock_nanosleep (libc.so.6)".to_owned(),
            "← main (main.c:6)".to_owned(),
        ];
        let text = report_text(
            "s",
            Subject::Command,
            &[sleep, learned("getpid")],
            "the list",
            "exit status 0",
            Gaps::default(),
        );
        assert!(
            text.ends_with(&format!(
                "clock_nanosleep({})\n    ← clock_nanosleep (libc.so.6)\n    ← main (main.c:6)\ngetpid({})\n",
                learned("clock_nanosleep").nr,
                learned("getpid").nr
            )),
            "{text}"
        );
    }

    #[test]
    fn the_report_lists_each_syscall_then_how_to_allow_it() {
        let learned = [learned("clone"), learned("munmap")];
        let text = report_text(
            "step-x",
            Subject::Program,
            &learned,
            "step 2's allow list",
            "exit status 0; it forked no process",
            Gaps::default(),
        ) + &allow_list_advice("step-x", Subject::Program, &[], &learned);
        let clone = ScmpSyscall::from_name("clone").unwrap().as_raw_syscall();
        let munmap = ScmpSyscall::from_name("munmap").unwrap().as_raw_syscall();
        assert_eq!(
            text,
            format!(
                "step-x: the program's process: exit status 0; it forked no process\n\
                 step-x: it made 2 syscalls that step 2's allow list does not allow, first made in this order:\n\
                 clone({clone})\n\
                 munmap({munmap})\n\
                 step-x: to allow them in step 3, run in the repository: \
                 cargo run -q -p step-3-reporting -- --allow clone,munmap\n\
                 step-x: to find which of them step 4's policy lacks, with rules to append to it, \
                 run in the repository: cargo run -q -p step-4-policy -- --learn (for a copy of \
                 the policy, add --policy FILE)\n"
            )
        );
    }

    /// For the tutorial program, step 3's command allows the names given with
    /// `--allow` before and those learned, each once, and step 4's follows.
    #[test]
    fn the_program_s_step_3_command_keeps_the_names_given_before() {
        let text = allow_list_advice(
            "s",
            Subject::Program,
            &["clock_nanosleep", "clone"],
            &[learned("clone"), learned("munmap")],
        );
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(
                "s: to allow them in step 3, run in the repository: cargo run -q -p \
                 step-3-reporting -- --allow clock_nanosleep,clone,munmap"
            )
        );
        assert!(
            lines
                .next()
                .is_some_and(|line| line.contains(": cargo run -q -p step-4-policy -- --learn")),
            "{text}"
        );
    }

    /// A command's report says how to allow what it made in step 3 only: step
    /// 4's policy is the tutorial program's.
    #[test]
    fn a_command_s_report_ends_with_the_allow_option() {
        let learned = [learned("execve")];
        assert_eq!(
            allow_list_advice("s", Subject::Command, &["brk"], &learned),
            "s: to allow them in step 3: --allow execve\n"
        );
    }

    /// A syscall libseccomp cannot name is reported by number, and the advice
    /// says why `--allow` leaves it out instead of dropping it silently.
    #[test]
    fn the_advice_names_the_numbers_left_out_of_the_allow_option() {
        let unnamed = |nr| Learned {
            name: None,
            nr,
            callers: Vec::new(),
        };
        let text = allow_list_advice(
            "s",
            Subject::Command,
            &[],
            &[
                learned("execve"),
                unnamed(999),
                learned("brk"),
                unnamed(462),
            ],
        );
        assert_eq!(
            text,
            "s: to allow them in step 3: --allow execve,brk\n\
             s: left out of --allow: 999, 462 (--allow takes names, and libseccomp knows no \
             name for these numbers on this architecture)\n"
        );
        assert_eq!(
            allow_list_advice("s", Subject::Command, &[], &[unnamed(999)]),
            "s: left out of --allow: 999 (--allow takes names, and libseccomp knows no name \
             for this number on this architecture)\n"
        );
    }

    #[test]
    fn one_syscall_is_counted_in_the_singular() {
        let text = report_text(
            "s",
            Subject::Program,
            &[learned("clone")],
            "the list",
            "exit status 0",
            Gaps::default(),
        );
        assert!(
            text.contains("\ns: it made 1 syscall that the list does not allow, first"),
            "{text}"
        );
    }

    #[test]
    fn a_program_that_needs_nothing_more_is_told_so() {
        assert_eq!(
            report_text(
                "s",
                Subject::Program,
                &[],
                "step 2's allow list",
                "exit status 0; it forked no process",
                Gaps::default(),
            ),
            "s: the program's process: exit status 0; it forked no process\n\
             s: it made no syscall that step 2's allow list does not allow\n"
        );
    }

    /// The ids the kernel gave the notifications received tell how many were
    /// withdrawn between them, whichever order they came in and wherever the
    /// numbering started (it wraps around past the largest u64).
    #[test]
    fn missing_ids_are_the_notifications_withdrawn_between_those_received() {
        let missing = |ids: &[u64]| {
            let mut seen = Ids::default();
            for &id in ids {
                seen.note(id);
            }
            seen.missing()
        };
        assert_eq!(missing(&[]), 0);
        assert_eq!(missing(&[7]), 0);
        assert_eq!(missing(&[7, 8, 9]), 0);
        assert_eq!(missing(&[7, 9]), 1);
        assert_eq!(missing(&[9, 7, 8, 12]), 2);
        assert_eq!(missing(&[u64::MAX - 1, u64::MAX, 0, 2]), 1);
    }

    /// A supervisor that was stopped cannot say that no notification was
    /// withdrawn meanwhile: the report says so, and "at least".
    #[test]
    fn a_stopped_supervisor_claims_no_complete_list() {
        let text = report_text(
            "s",
            Subject::Command,
            &[Learned {
                name: Some("umask".to_owned()),
                nr: 95,
                callers: Vec::new(),
            }],
            "the allow list",
            "exit status 0",
            Gaps {
                stopped: true,
                ..Gaps::default()
            },
        );
        assert!(
            text.contains(
                "\ns: the supervisor was stopped while the command ran: a syscall that a signal \
                 interrupted meanwhile, before the supervisor received it, is listed only if it \
                 was made again\ns: it made at least 1 syscall that the allow list does not allow"
            ),
            "{text}"
        );
    }

    /// A run cut short by a signal, with a notification lost on the way, never
    /// reads as a program that needs nothing more.
    #[test]
    fn a_run_cut_short_that_lost_a_notification_claims_nothing_it_did_not_see() {
        let text = report_text(
            "s",
            Subject::Program,
            &[],
            "step 2's allow list",
            "killed by SIGKILL (Killed), status 137 in a shell; it forked no process",
            Gaps {
                killed: 1,
                lost: 1,
                stopped: false,
            },
        );
        assert_eq!(
            text,
            "s: the program's process: killed by SIGKILL (Killed), status 137 in a shell; \
             it forked no process\n\
             s: the run was cut short: 1 supervised process was killed by a signal, so the \
             program may need syscalls it did not get to make\n\
             s: 1 notification was lost: its process was killed, or a signal interrupted its \
             syscall, before the supervisor received it; that syscall is listed only if it \
             was made again\n\
             s: the supervisor saw no syscall that step 2's allow list does not allow\n"
        );
        assert!(!text.contains("made no syscall"), "{text}");
    }

    /// Each gap alone is said, in the plural when it counts more than one, and a
    /// list that may be incomplete says "at least".
    #[test]
    fn each_gap_is_said_and_an_incomplete_list_says_at_least() {
        let lost = report_text(
            "s",
            Subject::Program,
            &[learned("clone")],
            "the list",
            "exit status 0",
            Gaps {
                killed: 0,
                lost: 2,
                stopped: false,
            },
        );
        assert!(
            lost.contains(
                "\ns: 2 notifications were lost: their processes were killed, or signals \
                 interrupted their syscalls, before the supervisor received them; those \
                 syscalls are listed only if they were made again\n"
            ),
            "{lost}"
        );
        assert!(!lost.contains("cut short"), "{lost}");
        assert!(
            lost.contains("\ns: it made at least 1 syscall that the list does not allow, first"),
            "{lost}"
        );
        let killed = report_text(
            "s",
            Subject::Program,
            &[],
            "the list",
            "killed by SIGTERM (Terminated), status 143 in a shell; the process it forked: \
             killed by SIGTERM (Terminated), status 143 in a shell",
            Gaps {
                killed: 2,
                lost: 0,
                stopped: false,
            },
        );
        assert!(
            killed.contains(
                "\ns: the run was cut short: 2 supervised processes were killed by a signal, \
                 so the program may need syscalls they did not get to make\n"
            ),
            "{killed}"
        );
        assert!(!killed.contains("lost"), "{killed}");
        assert!(
            killed.ends_with("\ns: the supervisor saw no syscall that the list does not allow\n"),
            "{killed}"
        );
    }

    /// The notify filter allows the hand-over only on its two descriptors, and
    /// sends every other syscall to the supervisor.
    #[test]
    fn the_notify_filter_allows_the_hand_over_by_descriptor() {
        let filter = notify_filter(TUTORIAL_ALLOW_LIST, 41, 42).unwrap();
        let pfc = crate::filter::pfc_text(&filter).unwrap();
        for name in ["sendmsg", "close"] {
            assert!(pfc.contains(&format!("\"{name}\"")), "{pfc}");
        }
        assert!(pfc.contains("== 41"), "{pfc}");
        assert!(pfc.contains("== 42"), "{pfc}");
        let bpf = crate::tools::bpf::listing(&crate::filter::bpf_program(&filter).unwrap());
        assert!(bpf.contains("ret USER_NOTIF"), "{bpf}");
    }
}
