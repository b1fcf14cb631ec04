//! Asks the running kernel how wide one argument of a syscall is, without
//! trusting the policy's table of widths (`common::condition::ARGUMENT_WIDTHS`):
//! makes the syscall twice, each time in a child process of its own, once as
//! written here and once with `1 << 32` added to that argument (so that its upper
//! half is set, or changed), and prints what each call did, one line each:
//!
//! ```text
//! $ width-probe write 0
//! plain: returned 3; the pipe holds "abc"; exited 0
//! upper: returned 3; the pipe holds "abc"; exited 0
//! ```
//!
//! Where the kernel reads the argument as 32 bits, the upper half changes
//! nothing and the two lines agree after their first word; where it reads all 64,
//! the second call is another call (here a pointer the process does not own:
//! `width-probe write 1` prints `upper: failed with EFAULT; the pipe holds "";
//! exited 0`). `common/tests/widths.rs` runs it for every argument the table says
//! is 32 bits wide and for some of the others.
//!
//! Each call is written to do something a wrong width would change: the
//! descriptor it names is open, the signal is 0, the offset is inside the file.
//! What a call needs (a pipe, a socket, a memfd, a child to wait for) is made in
//! the child just before it, and the child then says what the call changed. A
//! syscall whose arguments' widths depend on another argument has several forms
//! (`--form`), one for each way the kernel reads them. No filter is loaded: this
//! is the kernel's reading alone. The calls are x86_64's; elsewhere the probe
//! says so and exits with status 2.

use std::process::ExitCode;

use clap::Parser;

/// Makes one syscall twice, the second time with 1 << 32 added to one argument,
/// and prints what each call did (used by the width tests).
#[derive(Parser)]
struct Cli {
    /// The syscall, as step 4's policy names it.
    syscall: String,
    /// The argument to which the second call adds 1 << 32, 0 to 5.
    arg: usize,
    /// The form of the call, for a syscall with several (the first by default).
    #[arg(long)]
    form: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match probe::run(&cli.syscall, cli.arg, cli.form.as_deref()) {
        Ok(lines) => {
            print!("{lines}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("width-probe: error: {err}");
            ExitCode::from(2)
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod probe {
    /// The calls are x86_64's.
    pub fn run(_syscall: &str, _arg: usize, _form: Option<&str>) -> Result<String, String> {
        Err("the calls are written for x86_64 only".into())
    }
}

#[cfg(target_arch = "x86_64")]
mod probe {
    use std::ffi::CStr;
    use std::mem::{size_of, zeroed};

    use libc::{c_int, c_long};
    use nix::errno::Errno;

    /// What a second call adds to its argument: a 1 in the upper half. (Added,
    /// not or'ed: a pointer may have that bit set already.)
    const UPPER: u64 = 1 << 32;

    /// How long a child may take before SIGALRM ends it: no call here blocks,
    /// unless the kernel read an argument otherwise than the probe expects.
    const SECONDS: u32 = 10;

    /// One syscall, ready to be made: its number and arguments, and what to say
    /// of it afterwards, from what it returned (`-errno` when it failed).
    pub struct Call {
        nr: c_long,
        args: [u64; 6],
        said: Box<dyn FnOnce(i64) -> String>,
        /// The call makes a process that returns from it with 0 (`clone`).
        forks: bool,
    }

    impl Call {
        fn new(nr: c_long, args: [u64; 6], said: impl FnOnce(i64) -> String + 'static) -> Call {
            Call {
                nr,
                args,
                said: Box::new(said),
                forks: false,
            }
        }

        /// The same call, said of by what it returned alone.
        fn plain(nr: c_long, args: [u64; 6]) -> Call {
            Call::new(nr, args, returned)
        }
    }

    /// Makes the call's setup, run in the child, for argument `arg`.
    type Build = fn(usize) -> Result<Call, String>;

    /// Every call the probe makes: the syscall, the name of the form, and how to
    /// make it. The first form of a syscall is its default.
    const CALLS: &[(&str, &str, Build)] = &[
        ("accept", "", accept),
        ("accept4", "", accept4),
        ("bind", "", bind),
        ("clock_nanosleep", "", clock_nanosleep),
        ("clone", "", clone),
        ("close", "", close),
        ("close_range", "", close_range),
        ("connect", "", connect),
        ("dup", "", dup),
        ("dup2", "", dup2),
        ("dup3", "", dup3),
        ("exit", "", exit),
        ("exit_group", "", exit_group),
        ("fcntl", "dupfd", fcntl_dupfd),
        ("fcntl", "getlk", fcntl_getlk),
        ("fstat", "", fstat),
        ("futex", "wait-bitset", futex_wait_bitset),
        ("futex", "requeue", futex_requeue),
        ("getdents64", "", getdents64),
        ("getrandom", "", getrandom),
        ("ioctl", "", ioctl),
        ("kill", "", kill),
        ("listen", "", listen),
        ("lseek", "", lseek),
        ("madvise", "", madvise),
        ("mmap", "", mmap),
        ("mprotect", "", mprotect),
        ("newfstatat", "", newfstatat),
        ("openat", "", openat),
        ("personality", "", personality),
        ("prctl", "set-name", prctl_set_name),
        ("prctl", "set-mm-map-size", prctl_set_mm_map_size),
        ("prctl", "set-mm-exe-file", prctl_set_mm_exe_file),
        ("pread64", "", pread64),
        ("pwrite64", "", pwrite64),
        ("read", "", read),
        ("readv", "", readv),
        ("recvfrom", "", recvfrom),
        ("recvmsg", "", recvmsg),
        ("rt_sigaction", "", rt_sigaction),
        ("rt_sigprocmask", "", rt_sigprocmask),
        ("sendmsg", "", sendmsg),
        ("sendto", "", sendto),
        ("set_robust_list", "", set_robust_list),
        ("setgid", "", setgid),
        ("setns", "", setns),
        ("setuid", "", setuid),
        ("shutdown", "", shutdown),
        ("socket", "", socket),
        ("tgkill", "", tgkill),
        ("tkill", "", tkill),
        ("umask", "", umask),
        ("unshare", "", unshare),
        ("wait4", "", wait4),
        ("write", "", write),
        ("writev", "", writev),
    ];

    /// Makes the call of `syscall` (in `form`) twice, the second time with
    /// `1 << 32` added to argument `arg`, and says what each did.
    pub fn run(syscall: &str, arg: usize, form: Option<&str>) -> Result<String, String> {
        if arg > 5 {
            return Err(format!("argument {arg}: a syscall has arguments 0 to 5"));
        }
        let mut forms = CALLS.iter().filter(|(name, _, _)| *name == syscall);
        let found = match form {
            None => forms.next(),
            Some(form) => forms.find(|(_, name, _)| *name == form),
        };
        let Some(&(_, _, build)) = found else {
            return Err(match form {
                None => format!("no call of {syscall} is written here"),
                Some(form) => format!("no form {form:?} of {syscall} is written here"),
            });
        };
        let plain = in_child(build, arg, 0)?;
        let upper = in_child(build, arg, UPPER)?;
        Ok(format!("plain: {plain}\nupper: {upper}\n"))
    }

    /// Builds and makes the call in a child, with `upper` added to argument
    /// `arg`, and says what it did and how the child ended. Each child starts
    /// with the descriptors the probe started with, so the two get the same
    /// numbers for what they open.
    fn in_child(build: Build, arg: usize, upper: u64) -> Result<String, String> {
        let (report, reported) = pipe()?;
        // SAFETY: the probe has one thread; the child makes its call, writes one
        // report and ends with `_exit`.
        match unsafe { libc::fork() } {
            -1 => Err(format!("fork: {}", Errno::last())),
            0 => {
                // SAFETY: plain calls on the child's own descriptors.
                unsafe {
                    libc::close(report);
                    libc::alarm(SECONDS * harness::runner::time_scale());
                }
                let text = match build(arg) {
                    Ok(call) => make(call, arg, upper),
                    Err(err) => format!("could not prepare the call: {err}"),
                };
                let _ = common::program::write_all(reported, text.as_bytes());
                // SAFETY: nothing is left to clean up.
                unsafe { libc::_exit(0) }
            }
            child => {
                // SAFETY: this end belongs to the child.
                unsafe { libc::close(reported) };
                let text = drain(report);
                // SAFETY: this process's own descriptor, read to its end.
                unsafe { libc::close(report) };
                let mut status = 0;
                // SAFETY: waits for the child just forked.
                if unsafe { libc::waitpid(child, &mut status, 0) } != child {
                    return Err(format!("waitpid: {}", Errno::last()));
                }
                let ending = ending(status);
                Ok(match text.is_empty() {
                    true => ending,
                    false => format!("{text}; {ending}"),
                })
            }
        }
    }

    /// Makes the call, with `upper` added to argument `arg`, and says what it did.
    fn make(call: Call, arg: usize, upper: u64) -> String {
        let mut args = call.args;
        args[arg] = args[arg].wrapping_add(upper);
        let [a, b, c, d, e, f] = args.map(|arg| arg as c_long);
        // SAFETY: each call passes pointers to memory the child owns (or, with the
        // upper half set, to none, which the kernel refuses with EFAULT).
        let ret = match unsafe { libc::syscall(call.nr, a, b, c, d, e, f) } {
            -1 => -i64::from(Errno::last_raw()),
            ret => ret,
        };
        if call.forks && ret == 0 {
            // SAFETY: the new process ends at once.
            unsafe { libc::_exit(5) }
        }
        (call.said)(ret)
    }

    /// How a child ended.
    fn ending(status: c_int) -> String {
        if libc::WIFEXITED(status) {
            format!("exited {}", libc::WEXITSTATUS(status))
        } else if libc::WIFSIGNALED(status) {
            let signal = nix::sys::signal::Signal::try_from(libc::WTERMSIG(status));
            match signal {
                Ok(signal) => format!("killed by {signal}"),
                Err(_) => format!("killed by signal {}", libc::WTERMSIG(status)),
            }
        } else {
            format!("ended with status {status:#x}")
        }
    }

    // ---- What the calls need ----

    /// What a syscall returned: a number, or the errno it failed with.
    fn returned(ret: i64) -> String {
        match ret {
            -4095..=-1 => format!("failed with {:?}", Errno::from_raw(-ret as i32)),
            ret => format!("returned {ret}"),
        }
    }

    /// A libc call made while preparing one: its result, or what went wrong.
    fn check(what: &str, ret: impl Into<i64>) -> Result<i64, String> {
        match ret.into() {
            -1 => Err(format!("{what}: {}", Errno::last())),
            ret => Ok(ret),
        }
    }

    /// `value`, moved where it stays for the child's life, as an argument.
    fn leak<T>(value: T) -> *mut T {
        Box::into_raw(Box::new(value))
    }

    /// A pointer as an argument.
    fn at<T>(pointer: *const T) -> u64 {
        pointer as u64
    }

    /// A buffer of `len` zero bytes for the child's life.
    fn buffer(len: usize) -> *mut u8 {
        Box::leak(vec![0u8; len].into_boxed_slice()).as_mut_ptr()
    }

    /// The first `len` bytes at `buffer` (none when `len` is not a length), quoted.
    fn bytes_at(buffer: *const u8, len: i64) -> String {
        let len = usize::try_from(len).unwrap_or(0);
        // SAFETY: the callers' buffers are at least as long as what the call returned.
        let bytes = unsafe { std::slice::from_raw_parts(buffer, len) };
        format!("{:?}", String::from_utf8_lossy(bytes))
    }

    /// A pipe, as (read end, write end).
    fn pipe() -> Result<(c_int, c_int), String> {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for two descriptors.
        check("pipe2", unsafe {
            libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC)
        })?;
        Ok((fds[0], fds[1]))
    }

    /// A pipe that holds `bytes`, as (read end, write end).
    fn pipe_with(bytes: &[u8]) -> Result<(c_int, c_int), String> {
        let (read_end, write_end) = pipe()?;
        common::program::write_all(write_end, bytes).map_err(|err| format!("write: {err}"))?;
        Ok((read_end, write_end))
    }

    /// Everything `fd` holds now, or until its writers are gone, as text.
    fn drain(fd: c_int) -> String {
        let mut text = Vec::new();
        let mut chunk = [0u8; 256];
        loop {
            // SAFETY: reads into a buffer of this frame.
            match unsafe { libc::read(fd, chunk.as_mut_ptr().cast(), chunk.len()) } {
                n if n > 0 => text.extend_from_slice(&chunk[..n as usize]),
                _ => break,
            }
        }
        String::from_utf8_lossy(&text).into_owned()
    }

    /// What a descriptor holds without waiting, quoted.
    fn queued(fd: c_int) -> String {
        let buf = buffer(64);
        // SAFETY: reads into a buffer of 64 bytes.
        let n = unsafe { libc::recv(fd, buf.cast(), 64, libc::MSG_DONTWAIT) };
        bytes_at(buf, n as i64)
    }

    /// A memfd that holds `bytes`.
    fn memfd_with(bytes: &[u8]) -> Result<c_int, String> {
        // SAFETY: a name that is a C string.
        let fd = check("memfd_create", unsafe {
            libc::memfd_create(c"width-probe".as_ptr(), libc::MFD_CLOEXEC)
        })? as c_int;
        common::program::write_all(fd, bytes).map_err(|err| format!("write: {err}"))?;
        Ok(fd)
    }

    /// Opens `path` with `flags`.
    fn open(path: &CStr, flags: c_int) -> Result<c_int, String> {
        // SAFETY: a path that is a C string.
        check(&format!("open {path:?}"), unsafe {
            libc::open(path.as_ptr(), flags | libc::O_CLOEXEC)
        })
        .map(|fd| fd as c_int)
    }

    /// `/dev/null`, open for reading and writing.
    fn dev_null() -> Result<c_int, String> {
        open(c"/dev/null", libc::O_RDWR)
    }

    /// Whether `fd` is open, and with close-on-exec.
    fn fd_state(fd: c_int) -> String {
        if fd < 0 {
            return "no descriptor".into();
        }
        // SAFETY: a query.
        match unsafe { libc::fcntl(fd, libc::F_GETFD) } {
            -1 => format!("{fd} closed"),
            flags if flags & libc::FD_CLOEXEC != 0 => format!("{fd} open, close-on-exec"),
            _ => format!("{fd} open"),
        }
    }

    /// A socket of `kind` (`SOCK_STREAM`, `SOCK_DGRAM`) in the Unix domain.
    fn unix_socket(kind: c_int) -> Result<c_int, String> {
        // SAFETY: no pointers.
        check("socket", unsafe {
            libc::socket(libc::AF_UNIX, kind | libc::SOCK_CLOEXEC, 0)
        })
        .map(|fd| fd as c_int)
    }

    /// A connected pair of stream sockets.
    fn socket_pair() -> Result<(c_int, c_int), String> {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for two descriptors.
        check("socketpair", unsafe {
            libc::socketpair(
                libc::AF_UNIX,
                libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
                0,
                fds.as_mut_ptr(),
            )
        })?;
        Ok((fds[0], fds[1]))
    }

    /// An abstract Unix address of this process for `tag`, and its length
    /// (the same for every process: the process ID is written in ten digits).
    fn address(tag: &str) -> (*mut libc::sockaddr_un, u64) {
        // SAFETY: all zeros is a valid sockaddr_un.
        let mut addr: libc::sockaddr_un = unsafe { zeroed() };
        addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
        let name = format!("width-probe-{:010}-{tag}", std::process::id());
        // The first byte stays 0: an abstract name, which leaves no file behind.
        for (slot, byte) in addr.sun_path[1..].iter_mut().zip(name.bytes()) {
            *slot = byte as libc::c_char;
        }
        let len = size_of::<libc::sa_family_t>() + 1 + name.len();
        (leak(addr), len as u64)
    }

    /// A stream socket bound to the address for `tag`, listening.
    fn listener(tag: &str) -> Result<(c_int, *mut libc::sockaddr_un, u64), String> {
        let fd = unix_socket(libc::SOCK_STREAM)?;
        let (addr, len) = address(tag);
        // SAFETY: an address of `len` bytes.
        check("bind", unsafe {
            libc::bind(fd, addr.cast(), len as libc::socklen_t)
        })?;
        // SAFETY: no pointers.
        check("listen", unsafe { libc::listen(fd, 4) })?;
        Ok((fd, addr, len))
    }

    /// A listening socket with one connection waiting to be accepted.
    fn listener_with_a_connection() -> Result<c_int, String> {
        let (fd, addr, len) = listener("accept")?;
        let client = unix_socket(libc::SOCK_STREAM)?;
        // SAFETY: an address of `len` bytes.
        check("connect", unsafe {
            libc::connect(client, addr.cast(), len as libc::socklen_t)
        })?;
        Ok(fd)
    }

    /// An integer option of a socket.
    fn socket_option(fd: c_int, option: c_int) -> i64 {
        let mut value: c_int = -1;
        let mut len = size_of::<c_int>() as libc::socklen_t;
        // SAFETY: room for an int.
        unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                option,
                (&mut value as *mut c_int).cast(),
                &mut len,
            )
        };
        i64::from(value)
    }

    /// A page of anonymous memory, readable and writable, whose first byte is 1.
    fn page() -> Result<*mut u8, String> {
        // SAFETY: a new mapping, which nothing else uses.
        let page = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if page == libc::MAP_FAILED {
            return Err(format!("mmap: {}", Errno::last()));
        }
        let page = page.cast::<u8>();
        // SAFETY: the page is writable.
        unsafe { *page = 1 };
        Ok(page)
    }

    /// The kind of file `mode` says.
    fn file_kind(mode: libc::mode_t) -> &'static str {
        match mode & libc::S_IFMT {
            libc::S_IFCHR => "a character device",
            libc::S_IFLNK => "a symbolic link",
            libc::S_IFDIR => "a directory",
            libc::S_IFREG => "a regular file",
            _ => "another kind of file",
        }
    }

    /// This thread's ID.
    fn gettid() -> u64 {
        // SAFETY: no arguments.
        unsafe { libc::syscall(libc::SYS_gettid) as u64 }
    }

    /// This process's ID.
    fn getpid() -> u64 {
        u64::from(std::process::id())
    }

    /// A `struct iovec` of `len` bytes at `base`.
    fn iovec(base: *mut u8, len: usize) -> *mut libc::iovec {
        leak(libc::iovec {
            iov_base: base.cast(),
            iov_len: len,
        })
    }

    /// A `struct msghdr` of one `iovec`, without address or control data.
    fn msghdr(iov: *mut libc::iovec) -> *mut libc::msghdr {
        // SAFETY: all zeros is a valid msghdr.
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_iov = iov;
        msg.msg_iovlen = 1;
        leak(msg)
    }

    /// The kernel's `struct sigaction` on x86_64: handler, flags, restorer, mask.
    type KernelSigaction = [u64; 4];

    // ---- The calls ----

    fn accept(_: usize) -> Result<Call, String> {
        let fd = listener_with_a_connection()?;
        Ok(Call::plain(libc::SYS_accept, [fd as u64, 0, 0, 0, 0, 0]))
    }

    fn accept4(_: usize) -> Result<Call, String> {
        let fd = listener_with_a_connection()?;
        let flags = libc::SOCK_CLOEXEC as u64;
        Ok(Call::new(
            libc::SYS_accept4,
            [fd as u64, 0, 0, flags, 0, 0],
            |ret| format!("{}; {}", returned(ret), fd_state(ret as c_int)),
        ))
    }

    fn bind(_: usize) -> Result<Call, String> {
        let fd = unix_socket(libc::SOCK_STREAM)?;
        let (addr, len) = address("bind");
        Ok(Call::plain(
            libc::SYS_bind,
            [fd as u64, at(addr), len, 0, 0, 0],
        ))
    }

    /// Sleeps until the monotonic clock's second 1, which is past: at once.
    fn clock_nanosleep(_: usize) -> Result<Call, String> {
        let until = leak(libc::timespec {
            tv_sec: 1,
            tv_nsec: 0,
        });
        let args = [
            libc::CLOCK_MONOTONIC as u64,
            libc::TIMER_ABSTIME as u64,
            at(until),
            0,
            0,
            0,
        ];
        Ok(Call::plain(libc::SYS_clock_nanosleep, args))
    }

    /// A plain fork, whose child exits 5 and sends SIGCHLD.
    fn clone(_: usize) -> Result<Call, String> {
        let flags = libc::SIGCHLD as u64;
        let mut call = Call::new(libc::SYS_clone, [flags, 0, 0, 0, 0, 0], |ret| {
            if ret <= 0 {
                return returned(ret);
            }
            let mut status = 0;
            // SAFETY: waits for the child just made; without __WALL, only a child
            // that sends SIGCHLD is found.
            match unsafe { libc::waitpid(ret as c_int, &mut status, 0) } {
                -1 => format!("made a child, which waitpid cannot find: {}", Errno::last()),
                _ => format!("made a child, which {}", ending(status)),
            }
        });
        call.forks = true;
        Ok(call)
    }

    fn close(_: usize) -> Result<Call, String> {
        let (_, write_end) = pipe()?;
        Ok(Call::new(
            libc::SYS_close,
            [write_end as u64, 0, 0, 0, 0, 0],
            move |ret| format!("{}; {}", returned(ret), fd_state(write_end)),
        ))
    }

    /// Marks descriptors 10 and 11 close-on-exec, not 12.
    fn close_range(_: usize) -> Result<Call, String> {
        let null = dev_null()?;
        for fd in 10..=12 {
            // SAFETY: descriptors the child owns.
            check("dup2", unsafe { libc::dup2(null, fd) })?;
        }
        // CLOSE_RANGE_CLOEXEC.
        let flags = 1 << 2;
        Ok(Call::new(
            libc::SYS_close_range,
            [10, 11, flags, 0, 0, 0],
            |ret| {
                let states: Vec<String> = (10..=12).map(fd_state).collect();
                format!("{}; {}", returned(ret), states.join(", "))
            },
        ))
    }

    fn connect(_: usize) -> Result<Call, String> {
        let (_, addr, len) = listener("connect")?;
        let client = unix_socket(libc::SOCK_STREAM)?;
        Ok(Call::plain(
            libc::SYS_connect,
            [client as u64, at(addr), len, 0, 0, 0],
        ))
    }

    fn dup(_: usize) -> Result<Call, String> {
        let null = dev_null()?;
        Ok(Call::plain(libc::SYS_dup, [null as u64, 0, 0, 0, 0, 0]))
    }

    fn dup2(_: usize) -> Result<Call, String> {
        let null = dev_null()?;
        Ok(Call::new(
            libc::SYS_dup2,
            [null as u64, 20, 0, 0, 0, 0],
            |ret| format!("{}; {}", returned(ret), fd_state(20)),
        ))
    }

    fn dup3(_: usize) -> Result<Call, String> {
        let null = dev_null()?;
        let flags = libc::O_CLOEXEC as u64;
        Ok(Call::new(
            libc::SYS_dup3,
            [null as u64, 21, flags, 0, 0, 0],
            |ret| format!("{}; {}", returned(ret), fd_state(21)),
        ))
    }

    /// Ends the child (its only thread) with status 7.
    fn exit(_: usize) -> Result<Call, String> {
        Ok(Call::plain(libc::SYS_exit, [7, 0, 0, 0, 0, 0]))
    }

    /// Ends the child with status 7.
    fn exit_group(_: usize) -> Result<Call, String> {
        Ok(Call::plain(libc::SYS_exit_group, [7, 0, 0, 0, 0, 0]))
    }

    /// `F_DUPFD`, whose argument, the least new descriptor, is an `int`.
    fn fcntl_dupfd(_: usize) -> Result<Call, String> {
        let null = dev_null()?;
        let args = [null as u64, libc::F_DUPFD as u64, 30, 0, 0, 0];
        Ok(Call::plain(libc::SYS_fcntl, args))
    }

    /// `F_GETLK`, whose argument is a pointer to a `struct flock`.
    fn fcntl_getlk(_: usize) -> Result<Call, String> {
        let file = memfd_with(b"abcdef")?;
        // SAFETY: all zeros is a valid flock.
        let mut lock: libc::flock = unsafe { zeroed() };
        lock.l_type = libc::F_RDLCK as libc::c_short;
        lock.l_whence = libc::SEEK_SET as libc::c_short;
        let lock = leak(lock);
        let args = [file as u64, libc::F_GETLK as u64, at(lock), 0, 0, 0];
        Ok(Call::new(libc::SYS_fcntl, args, move |ret| {
            // SAFETY: the lock lives for the child's life.
            let unlocked = unsafe { (*lock).l_type } == libc::F_UNLCK as libc::c_short;
            format!("{}; nothing holds a lock: {unlocked}", returned(ret))
        }))
    }

    fn fstat(_: usize) -> Result<Call, String> {
        let null = dev_null()?;
        // SAFETY: all zeros is a valid stat.
        let stat = leak(unsafe { zeroed::<libc::stat>() });
        Ok(Call::new(
            libc::SYS_fstat,
            [null as u64, at(stat), 0, 0, 0, 0],
            move |ret| {
                // SAFETY: the stat lives for the child's life.
                let stat = unsafe { &*stat };
                let (major, minor) = (libc::major(stat.st_rdev), libc::minor(stat.st_rdev));
                format!(
                    "{}; {} {major}:{minor}",
                    returned(ret),
                    file_kind(stat.st_mode)
                )
            },
        ))
    }

    /// `FUTEX_WAIT_BITSET` on a word that holds the value waited for, until a
    /// time that is past (the monotonic clock's 0): times out at once. Its fourth
    /// argument is a pointer to that time. For the sixth, the bitset, it is 0,
    /// which the kernel refuses (a 64-bit reading of `1 << 32` would not be 0).
    fn futex_wait_bitset(arg: usize) -> Result<Call, String> {
        let word = leak(5u32);
        let until = leak(libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        });
        let op = (libc::FUTEX_WAIT_BITSET | libc::FUTEX_PRIVATE_FLAG) as u64;
        let bitset = match arg {
            5 => 0,
            _ => u64::from(u32::MAX),
        };
        let args = [at(word), op, 5, at(until), 0, bitset];
        Ok(Call::plain(libc::SYS_futex, args))
    }

    /// `FUTEX_REQUEUE`, whose fourth argument is a count, not a pointer: wakes
    /// one waiter and moves one to the second word (there are none).
    fn futex_requeue(_: usize) -> Result<Call, String> {
        let (word, other) = (leak(0u32), leak(0u32));
        let op = (libc::FUTEX_REQUEUE | libc::FUTEX_PRIVATE_FLAG) as u64;
        let args = [at(word), op, 1, 1, at(other), 0];
        Ok(Call::plain(libc::SYS_futex, args))
    }

    /// The first entries of `/`, as many as 64 bytes hold.
    fn getdents64(_: usize) -> Result<Call, String> {
        let root = open(c"/", libc::O_RDONLY | libc::O_DIRECTORY)?;
        let buf = buffer(4096);
        Ok(Call::plain(
            libc::SYS_getdents64,
            [root as u64, at(buf), 64, 0, 0, 0],
        ))
    }

    fn getrandom(_: usize) -> Result<Call, String> {
        let buf = buffer(16);
        let flags = libc::GRND_NONBLOCK as u64;
        Ok(Call::plain(
            libc::SYS_getrandom,
            [at(buf), 16, flags, 0, 0, 0],
        ))
    }

    /// `FIONREAD` on a pipe that holds three bytes.
    fn ioctl(_: usize) -> Result<Call, String> {
        let (read_end, _) = pipe_with(b"abc")?;
        let count = leak(-1 as c_int);
        // FIONREAD is an unsigned long in glibc's headers, an int in musl's.
        #[allow(clippy::unnecessary_cast)]
        let args = [read_end as u64, libc::FIONREAD as u64, at(count), 0, 0, 0];
        Ok(Call::new(libc::SYS_ioctl, args, move |ret| {
            // SAFETY: the count lives for the child's life.
            format!("{}; {} bytes to read", returned(ret), unsafe { *count })
        }))
    }

    /// Signal 0 to this process: whether it may be signalled.
    fn kill(_: usize) -> Result<Call, String> {
        Ok(Call::plain(libc::SYS_kill, [getpid(), 0, 0, 0, 0, 0]))
    }

    fn listen(_: usize) -> Result<Call, String> {
        let fd = unix_socket(libc::SOCK_STREAM)?;
        let (addr, len) = address("listen");
        // SAFETY: an address of `len` bytes.
        check("bind", unsafe {
            libc::bind(fd, addr.cast(), len as libc::socklen_t)
        })?;
        Ok(Call::new(
            libc::SYS_listen,
            [fd as u64, 3, 0, 0, 0, 0],
            move |ret| {
                let listening = socket_option(fd, libc::SO_ACCEPTCONN);
                format!("{}; listening: {listening}", returned(ret))
            },
        ))
    }

    /// To byte 2 of "abcdef".
    fn lseek(_: usize) -> Result<Call, String> {
        let file = memfd_with(b"abcdef")?;
        let args = [file as u64, 2, libc::SEEK_SET as u64, 0, 0, 0];
        Ok(Call::new(libc::SYS_lseek, args, move |ret| {
            let buf = buffer(1);
            // SAFETY: reads one byte into a buffer of one.
            let n = unsafe { libc::read(file, buf.cast(), 1) };
            format!(
                "{}; the next byte is {}",
                returned(ret),
                bytes_at(buf, n as i64)
            )
        }))
    }

    /// `MADV_DONTNEED` on a page whose first byte is 1: it reads 0 again.
    fn madvise(_: usize) -> Result<Call, String> {
        let page = page()?;
        let args = [at(page), 4096, libc::MADV_DONTNEED as u64, 0, 0, 0];
        Ok(Call::new(libc::SYS_madvise, args, move |ret| {
            // SAFETY: the page is still mapped.
            format!("{}; the first byte is {}", returned(ret), unsafe { *page })
        }))
    }

    /// A private mapping of a memfd that holds "abc".
    fn mmap(_: usize) -> Result<Call, String> {
        let file = memfd_with(b"abc")?;
        let (prot, flags) = (libc::PROT_READ as u64, libc::MAP_PRIVATE as u64);
        let args = [0, 4096, prot, flags, file as u64, 0];
        Ok(Call::new(libc::SYS_mmap, args, |ret| match ret {
            -4095..=-1 => returned(ret),
            // SAFETY: the mapping is readable, and its first byte is in the file.
            address => format!("mapped; the first byte is {}", unsafe {
                *(address as *const u8)
            }),
        }))
    }

    /// A page made read-only.
    fn mprotect(_: usize) -> Result<Call, String> {
        let page = page()?;
        let args = [at(page), 4096, libc::PROT_READ as u64, 0, 0, 0];
        Ok(Call::plain(libc::SYS_mprotect, args))
    }

    /// `/proc/self`, a symbolic link, not followed.
    fn newfstatat(_: usize) -> Result<Call, String> {
        let proc = open(c"/proc", libc::O_PATH | libc::O_DIRECTORY)?;
        // SAFETY: all zeros is a valid stat.
        let stat = leak(unsafe { zeroed::<libc::stat>() });
        let flags = libc::AT_SYMLINK_NOFOLLOW as u64;
        let args = [proc as u64, at(c"self".as_ptr()), at(stat), flags, 0, 0];
        Ok(Call::new(libc::SYS_newfstatat, args, move |ret| {
            // SAFETY: the stat lives for the child's life.
            let kind = file_kind(unsafe { (*stat).st_mode });
            format!("{}; {kind}", returned(ret))
        }))
    }

    /// `null` in `/dev`, for writing, close-on-exec.
    fn openat(_: usize) -> Result<Call, String> {
        let dev = open(c"/dev", libc::O_PATH | libc::O_DIRECTORY)?;
        let flags = (libc::O_WRONLY | libc::O_CLOEXEC) as u64;
        let args = [dev as u64, at(c"null".as_ptr()), flags, 0, 0, 0];
        Ok(Call::new(libc::SYS_openat, args, |ret| {
            let fd = ret as c_int;
            // SAFETY: a query.
            let mode = unsafe { libc::fcntl(fd, libc::F_GETFL) } & libc::O_ACCMODE;
            let write_only = mode == libc::O_WRONLY;
            format!(
                "{}; {}, write-only: {write_only}",
                returned(ret),
                fd_state(fd)
            )
        }))
    }

    /// `ADDR_NO_RANDOMIZE`, then the persona it made.
    fn personality(_: usize) -> Result<Call, String> {
        let args = [libc::ADDR_NO_RANDOMIZE as u64, 0, 0, 0, 0, 0];
        Ok(Call::new(libc::SYS_personality, args, |ret| {
            // SAFETY: 0xffffffff asks without changing.
            let now = unsafe { libc::personality(0xffff_ffff) };
            format!("{}; the persona is {now:#x}", returned(ret))
        }))
    }

    /// `PR_SET_NAME`, whose second argument is a pointer to the name.
    fn prctl_set_name(_: usize) -> Result<Call, String> {
        let args = [libc::PR_SET_NAME as u64, at(c"probed".as_ptr()), 0, 0, 0, 0];
        Ok(Call::new(libc::SYS_prctl, args, |ret| {
            let name = buffer(16);
            // SAFETY: PR_GET_NAME writes 16 bytes.
            unsafe { libc::prctl(libc::PR_GET_NAME, name) };
            // SAFETY: the kernel ends the name with a 0 within the 16 bytes.
            let name = unsafe { CStr::from_ptr(name.cast()) };
            format!("{}; the thread is named {name:?}", returned(ret))
        }))
    }

    /// `PR_SET_MM` with `PR_SET_MM_MAP_SIZE`, an `int`, which writes the size of
    /// `struct prctl_mm_map` where the third argument points.
    fn prctl_set_mm_map_size(_: usize) -> Result<Call, String> {
        let size = leak(0u32);
        let args = [
            libc::PR_SET_MM as u64,
            libc::PR_SET_MM_MAP_SIZE as u64,
            at(size),
            0,
            0,
            0,
        ];
        Ok(Call::new(libc::SYS_prctl, args, move |ret| {
            // SAFETY: the size lives for the child's life.
            format!("{}; the size written is {}", returned(ret), unsafe {
                *size
            })
        }))
    }

    /// `PR_SET_MM` with `PR_SET_MM_EXE_FILE`, whose third argument is a
    /// descriptor, read as an `unsigned int`: this binary, which the kernel
    /// refuses as the new executable while the old one is mapped (EBUSY), or
    /// without CAP_SYS_RESOURCE (EPERM); a bad descriptor would be EBADF.
    fn prctl_set_mm_exe_file(_: usize) -> Result<Call, String> {
        let exe = std::env::current_exe().map_err(|err| format!("this binary: {err}"))?;
        let exe = std::ffi::CString::new(exe.into_os_string().into_encoded_bytes())
            .map_err(|err| err.to_string())?;
        let fd = open(&exe, libc::O_RDONLY)?;
        let args = [
            libc::PR_SET_MM as u64,
            libc::PR_SET_MM_EXE_FILE as u64,
            fd as u64,
            0,
            0,
            0,
        ];
        Ok(Call::plain(libc::SYS_prctl, args))
    }

    /// Three bytes from byte 2 of "abcdef".
    fn pread64(_: usize) -> Result<Call, String> {
        let file = memfd_with(b"abcdef")?;
        let buf = buffer(64);
        Ok(Call::new(
            libc::SYS_pread64,
            [file as u64, at(buf), 3, 2, 0, 0],
            move |ret| format!("{}; read {}", returned(ret), bytes_at(buf, ret)),
        ))
    }

    /// "XY" at byte 1 of "abcdef".
    fn pwrite64(_: usize) -> Result<Call, String> {
        let file = memfd_with(b"abcdef")?;
        let args = [file as u64, at(b"XY".as_ptr()), 2, 1, 0, 0];
        Ok(Call::new(libc::SYS_pwrite64, args, move |ret| {
            let buf = buffer(64);
            // SAFETY: reads at most 64 bytes into a buffer of 64.
            let n = unsafe { libc::pread(file, buf.cast(), 64, 0) };
            format!(
                "{}; the file holds {}",
                returned(ret),
                bytes_at(buf, n as i64)
            )
        }))
    }

    /// Three bytes of a pipe that holds "abcdef", into a buffer of 64.
    fn read(_: usize) -> Result<Call, String> {
        let (read_end, _) = pipe_with(b"abcdef")?;
        let buf = buffer(64);
        Ok(Call::new(
            libc::SYS_read,
            [read_end as u64, at(buf), 3, 0, 0, 0],
            move |ret| format!("{}; read {}", returned(ret), bytes_at(buf, ret)),
        ))
    }

    fn readv(_: usize) -> Result<Call, String> {
        let (read_end, _) = pipe_with(b"abcdef")?;
        let buf = buffer(64);
        let iov = iovec(buf, 3);
        Ok(Call::new(
            libc::SYS_readv,
            [read_end as u64, at(iov), 1, 0, 0, 0],
            move |ret| format!("{}; read {}", returned(ret), bytes_at(buf, ret)),
        ))
    }

    /// A peek at what a socket holds: it is still there after.
    fn recvfrom(_: usize) -> Result<Call, String> {
        let (mine, theirs) = socket_pair()?;
        common::program::write_all(theirs, b"abc").map_err(|err| format!("write: {err}"))?;
        let buf = buffer(64);
        let flags = (libc::MSG_PEEK | libc::MSG_DONTWAIT) as u64;
        let args = [mine as u64, at(buf), 64, flags, 0, 0];
        Ok(Call::new(libc::SYS_recvfrom, args, move |ret| {
            let got = bytes_at(buf, ret);
            format!(
                "{}; got {got}, still queued {}",
                returned(ret),
                queued(mine)
            )
        }))
    }

    fn recvmsg(_: usize) -> Result<Call, String> {
        let (mine, theirs) = socket_pair()?;
        common::program::write_all(theirs, b"abc").map_err(|err| format!("write: {err}"))?;
        let buf = buffer(64);
        let msg = msghdr(iovec(buf, 64));
        let flags = (libc::MSG_PEEK | libc::MSG_DONTWAIT) as u64;
        let args = [mine as u64, at(msg), flags, 0, 0, 0];
        Ok(Call::new(libc::SYS_recvmsg, args, move |ret| {
            let got = bytes_at(buf, ret);
            format!(
                "{}; got {got}, still queued {}",
                returned(ret),
                queued(mine)
            )
        }))
    }

    /// Ignores SIGUSR1.
    fn rt_sigaction(_: usize) -> Result<Call, String> {
        let ignore: *mut KernelSigaction = leak([libc::SIG_IGN as u64, 0, 0, 0]);
        let args = [libc::SIGUSR1 as u64, at(ignore), 0, 8, 0, 0];
        Ok(Call::new(libc::SYS_rt_sigaction, args, |ret| {
            let now: *mut KernelSigaction = leak([u64::MAX; 4]);
            let (sig, asked) = (libc::SIGUSR1 as c_long, now as c_long);
            // SAFETY: room for the kernel's sigaction.
            unsafe { libc::syscall(libc::SYS_rt_sigaction, sig, 0 as c_long, asked, 8 as c_long) };
            // SAFETY: the answer lives for the child's life.
            let ignored = unsafe { (*now)[0] } == libc::SIG_IGN as u64;
            format!("{}; SIGUSR1 ignored: {ignored}", returned(ret))
        }))
    }

    /// Blocks SIGUSR1.
    fn rt_sigprocmask(_: usize) -> Result<Call, String> {
        let usr1 = 1u64 << (libc::SIGUSR1 - 1);
        let set = leak(usr1);
        let args = [libc::SIG_BLOCK as u64, at(set), 0, 8, 0, 0];
        Ok(Call::new(libc::SYS_rt_sigprocmask, args, move |ret| {
            let now = leak(0u64);
            let (how, asked) = (libc::SIG_BLOCK as c_long, now as c_long);
            // SAFETY: room for the kernel's sigset.
            unsafe {
                libc::syscall(
                    libc::SYS_rt_sigprocmask,
                    how,
                    0 as c_long,
                    asked,
                    8 as c_long,
                )
            };
            // SAFETY: the answer lives for the child's life.
            let blocked = unsafe { *now } & usr1 != 0;
            format!("{}; SIGUSR1 blocked: {blocked}", returned(ret))
        }))
    }

    fn sendmsg(_: usize) -> Result<Call, String> {
        let (mine, theirs) = socket_pair()?;
        let msg = msghdr(iovec(b"abc".as_ptr().cast_mut(), 3));
        let flags = (libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) as u64;
        Ok(Call::new(
            libc::SYS_sendmsg,
            [mine as u64, at(msg), flags, 0, 0, 0],
            move |ret| format!("{}; the peer got {}", returned(ret), queued(theirs)),
        ))
    }

    /// To a datagram socket bound to an address, from one bound to none.
    fn sendto(_: usize) -> Result<Call, String> {
        let receiver = unix_socket(libc::SOCK_DGRAM)?;
        let (addr, len) = address("sendto");
        // SAFETY: an address of `len` bytes.
        check("bind", unsafe {
            libc::bind(receiver, addr.cast(), len as libc::socklen_t)
        })?;
        let sender = unix_socket(libc::SOCK_DGRAM)?;
        let flags = libc::MSG_DONTWAIT as u64;
        let args = [sender as u64, at(b"abc".as_ptr()), 3, flags, at(addr), len];
        Ok(Call::new(libc::SYS_sendto, args, move |ret| {
            format!("{}; the receiver got {}", returned(ret), queued(receiver))
        }))
    }

    /// A robust-list head of the size the kernel expects, 24 bytes.
    fn set_robust_list(_: usize) -> Result<Call, String> {
        let head = leak([0u64; 3]);
        Ok(Call::plain(
            libc::SYS_set_robust_list,
            [at(head), 24, 0, 0, 0, 0],
        ))
    }

    /// This process's own group.
    fn setgid(_: usize) -> Result<Call, String> {
        // SAFETY: a query.
        let gid = unsafe { libc::getgid() };
        Ok(Call::new(
            libc::SYS_setgid,
            [u64::from(gid), 0, 0, 0, 0, 0],
            |ret| {
                // SAFETY: a query.
                let now = unsafe { libc::getgid() };
                format!("{}; the group is {now}", returned(ret))
            },
        ))
    }

    /// This process's own UTS namespace: allowed with CAP_SYS_ADMIN, refused with
    /// EPERM without; a bad descriptor would be EBADF, another type EINVAL.
    fn setns(_: usize) -> Result<Call, String> {
        let uts = open(c"/proc/self/ns/uts", libc::O_RDONLY)?;
        let args = [uts as u64, libc::CLONE_NEWUTS as u64, 0, 0, 0, 0];
        Ok(Call::plain(libc::SYS_setns, args))
    }

    /// This process's own user.
    fn setuid(_: usize) -> Result<Call, String> {
        // SAFETY: a query.
        let uid = unsafe { libc::getuid() };
        Ok(Call::new(
            libc::SYS_setuid,
            [u64::from(uid), 0, 0, 0, 0, 0],
            |ret| {
                // SAFETY: a query.
                let now = unsafe { libc::getuid() };
                format!("{}; the user is {now}", returned(ret))
            },
        ))
    }

    /// The writing half of a socket: the peer reads the end of the file.
    fn shutdown(_: usize) -> Result<Call, String> {
        let (mine, theirs) = socket_pair()?;
        let args = [mine as u64, libc::SHUT_WR as u64, 0, 0, 0, 0];
        Ok(Call::new(libc::SYS_shutdown, args, move |ret| {
            let buf = buffer(1);
            // SAFETY: reads at most one byte into a buffer of one.
            let n = unsafe { libc::recv(theirs, buf.cast(), 1, libc::MSG_DONTWAIT) };
            let end = match n {
                0 => "the end of the file".to_owned(),
                _ => returned(if n < 0 {
                    -i64::from(Errno::last_raw())
                } else {
                    n as i64
                }),
            };
            format!("{}; the peer reads {end}", returned(ret))
        }))
    }

    /// A stream socket in the Unix domain, close-on-exec.
    fn socket(_: usize) -> Result<Call, String> {
        let kind = (libc::SOCK_STREAM | libc::SOCK_CLOEXEC) as u64;
        let args = [libc::AF_UNIX as u64, kind, 0, 0, 0, 0];
        Ok(Call::new(libc::SYS_socket, args, |ret| {
            let fd = ret as c_int;
            let (domain, kind) = (
                socket_option(fd, libc::SO_DOMAIN),
                socket_option(fd, libc::SO_TYPE),
            );
            let state = fd_state(fd);
            format!("{}; {state}, domain {domain}, type {kind}", returned(ret))
        }))
    }

    /// Signal 0 to this thread, named by its process.
    fn tgkill(_: usize) -> Result<Call, String> {
        Ok(Call::plain(
            libc::SYS_tgkill,
            [getpid(), gettid(), 0, 0, 0, 0],
        ))
    }

    /// Signal 0 to this thread.
    fn tkill(_: usize) -> Result<Call, String> {
        Ok(Call::plain(libc::SYS_tkill, [gettid(), 0, 0, 0, 0, 0]))
    }

    fn umask(_: usize) -> Result<Call, String> {
        Ok(Call::new(libc::SYS_umask, [0o027, 0, 0, 0, 0, 0], |ret| {
            // SAFETY: sets a mask and returns the one before.
            let now = unsafe { libc::umask(0) };
            format!("{}; the mask is {now:#o}", returned(ret))
        }))
    }

    /// A descriptor table of the process's own.
    fn unshare(_: usize) -> Result<Call, String> {
        let flags = libc::CLONE_FILES as u64;
        Ok(Call::plain(libc::SYS_unshare, [flags, 0, 0, 0, 0, 0]))
    }

    /// Waits for a child that exits 5.
    fn wait4(_: usize) -> Result<Call, String> {
        // SAFETY: the child ends at once.
        let child = match unsafe { libc::fork() } {
            -1 => return Err(format!("fork: {}", Errno::last())),
            // SAFETY: nothing to clean up.
            0 => unsafe { libc::_exit(5) },
            child => child,
        };
        let status = leak(0 as c_int);
        let args = [child as u64, at(status), 0, 0, 0, 0];
        Ok(Call::new(libc::SYS_wait4, args, move |ret| match ret {
            // SAFETY: the status lives for the child's life.
            ret if ret == i64::from(child) => {
                format!("found the child, which {}", ending(unsafe { *status }))
            }
            ret => returned(ret),
        }))
    }

    fn write(_: usize) -> Result<Call, String> {
        let (read_end, write_end) = pipe()?;
        Ok(Call::new(
            libc::SYS_write,
            [write_end as u64, at(b"abc".as_ptr()), 3, 0, 0, 0],
            move |ret| {
                // SAFETY: the child's own descriptor, closed so the read ends.
                unsafe { libc::close(write_end) };
                format!("{}; the pipe holds {:?}", returned(ret), drain(read_end))
            },
        ))
    }

    fn writev(_: usize) -> Result<Call, String> {
        let (read_end, write_end) = pipe()?;
        let iov = iovec(b"abc".as_ptr().cast_mut(), 3);
        Ok(Call::new(
            libc::SYS_writev,
            [write_end as u64, at(iov), 1, 0, 0, 0],
            move |ret| {
                // SAFETY: the child's own descriptor, closed so the read ends.
                unsafe { libc::close(write_end) };
                format!("{}; the pipe holds {:?}", returned(ret), drain(read_end))
            },
        ))
    }
}
