//! Probes a step's filter from the inside: loads it, then makes one syscall that a
//! sandboxed program should not be able to make, and says whether it survived.
//!
//! The security tests (`common/tests/security.rs`) run this binary, never load a
//! filter themselves: libtest runs tests on threads of one process, and a filter
//! that kills the process would take them all. The filters are the ones the
//! steps ship: step 2's [`TUTORIAL_ALLOW_LIST`] with the kill action, step 3's
//! with the trap action and its SIGSYS reporter, and step 4's shipped policy (or,
//! with `--policy`, another).
//!
//! Everything a probe needs (numbers, paths, the descriptor it writes to) is
//! prepared before the filter is loaded. After it, the probe makes its syscall,
//! writes one line with `write(2)` and ends with `_exit`, which the filters allow:
//! no allocation, no formatting machinery, no panic. A probe that survives prints
//! `survived: returned N` or `survived: failed with errno N`; one the filter
//! kills prints nothing and dies by SIGSYS. With `none`, no filter is loaded: the
//! tests use it to show that each probe survives on its own.

use std::ffi::CString;
use std::os::fd::IntoRawFd;
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use common::error::EXIT_FILTER_FAILED;
use common::fail_closed;
use common::filter::{allow_list_filter, load, TUTORIAL_ALLOW_LIST};
use common::policy::Policy;
use common::program::{write_all, StackLine};
use common::reporter;
use libseccomp::{ScmpAction, ScmpArch, ScmpSyscall};
use nix::errno::Errno;

/// Makes one hostile syscall after loading a step's filter (used by the security tests).
///
/// Prints "survived: ..." when the syscall returned; dies by SIGSYS when the
/// filter killed it.
#[derive(Parser)]
struct Cli {
    /// The filter to load first.
    #[arg(value_enum)]
    filter: FilterChoice,
    /// The syscall to make.
    #[arg(value_enum)]
    probe: Probe,
    /// For `clone`: the flags argument, in decimal (17, SIGCHLD alone, is a plain fork).
    #[arg(long, default_value_t = libc::SIGCHLD as u64)]
    flags: u64,
    /// Fork (with glibc's `fork`, as the tutorial program does) after loading the
    /// filter, and make the syscall in the child; the parent exits 0 at once.
    #[arg(long)]
    in_child: bool,
    /// Make the syscall in a second thread, started before the filter is loaded,
    /// once the main thread has loaded it: a filter applies to the thread that
    /// loads it, not to the threads that already run (the steps load theirs
    /// without TSYNC). The main thread tells the thread with a `write` to a pipe,
    /// which the tutorial's allow list allows and step 4's policy does not.
    #[arg(long, conflicts_with = "in_child")]
    in_thread: bool,
    /// For `step-4`: the policy in this file instead of the shipped one.
    #[arg(long, value_name = "FILE")]
    policy: Option<std::path::PathBuf>,
}

/// Whose filter to load.
#[derive(Clone, Copy, ValueEnum)]
enum FilterChoice {
    /// No filter at all: the control.
    None,
    /// Step 2's: the tutorial's allow list, kill the rest.
    #[value(name = "step-2")]
    Step2,
    /// Step 3's: the same allow list, trap the rest into the SIGSYS reporter,
    /// which names the syscall on stdout and exits with status 1.
    #[value(name = "step-3")]
    Step3,
    /// Step 4's: the shipped policy.
    #[value(name = "step-4")]
    Step4,
}

/// The syscall to make.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Probe {
    /// `write(1, ...)`: what the program does all the time.
    WriteStdout,
    /// `write` to descriptor 1 with the argument's upper 32 bits set (`1 << 32 | 1`):
    /// the kernel reads a descriptor as a 32-bit `int`, so it writes to stdout. (A
    /// 32-bit architecture's registers have no upper half: there it is `write(1, ...)`.)
    WriteStdoutHighBits,
    /// `write(3, ...)` to `/dev/null`, opened as descriptor 3 before the filter.
    WriteFd3,
    /// The same with the argument's upper 32 bits set (`1 << 32 | 3`): the kernel
    /// writes to descriptor 3 all the same.
    WriteFd3HighBits,
    /// `read(3, ...)` from that `/dev/null`.
    ReadFd3,
    /// `clone(FLAGS, 0, 0, 0, 0)`, made directly; a child it creates exits 0 at
    /// once, without touching memory (with CLONE_VM it shares the probe's).
    Clone,
    /// `clone3` with no flags (a plain fork); a child it creates exits 0 at once.
    Clone3,
    /// `execve` of this binary again, to probe `write-stdout` without a filter.
    Execve,
    /// `prctl(PR_SET_MM, 1 << 32 | PR_SET_MM_MAP_SIZE, &size, 0, 0)`: the kernel
    /// reads PR_SET_MM's sub-option as an `int`, so it runs PR_SET_MM_MAP_SIZE,
    /// which writes a size where the third argument points and returns 0.
    PrctlSetMmMapSizeHighBits,
    /// Opens this binary and reads its first 4096 bytes through io_uring, with
    /// a ring set up before the filter: neither the open nor the read is a
    /// syscall, and no filter sees them; `io_uring_enter` is the one syscall.
    IoUringRead,
    /// `getpid`, which no step's filter allows.
    Getpid,
    /// Syscalls 999 and then 998, numbers no architecture has given out, which
    /// libseccomp knows no name for; returns what the second returned.
    Unnamed,
    /// `getpid` by its x32-ABI number (the native number with bit 30 set); x86_64 only.
    X32,
    /// `umask(022)` through i386's `int 0x80` entry, with i386's number, which is
    /// the number of `exit` on x86_64; x86_64 only.
    Int80,
}

/// What a probe prepared before the filter.
#[derive(Clone)]
struct Prepared {
    getpid_x32: i64,
    umask_i386: i64,
    exe: CString,
    argv: [CString; 3],
    /// For `io-uring-read`: the ring, set up and mapped.
    ring: Option<uring::Ring>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let prepared = match prepare(cli.probe) {
        Ok(prepared) => prepared,
        Err(err) => {
            eprintln!("filter-probe: error: cannot prepare the probe: {err}");
            return ExitCode::from(EXIT_FILTER_FAILED);
        }
    };
    // Started before the filter is loaded, so that it runs when the filter comes.
    let mut thread = None;
    if cli.in_thread {
        match start_probe_thread(cli.probe, cli.flags, prepared.clone()) {
            Ok(go) => thread = Some(go),
            Err(err) => {
                eprintln!("filter-probe: error: cannot start the probe's thread: {err}");
                return ExitCode::from(EXIT_FILTER_FAILED);
            }
        }
    }
    let filter = match cli.filter {
        FilterChoice::None => None,
        FilterChoice::Step2 => Some(allow_list_filter(
            ScmpAction::KillProcess,
            TUTORIAL_ALLOW_LIST,
        )),
        // As step 3 does it: the reporter first, then a filter that traps into it.
        FilterChoice::Step3 => Some(
            reporter::install()
                .and_then(|()| allow_list_filter(ScmpAction::Trap, TUTORIAL_ALLOW_LIST)),
        ),
        // The probe loads the filter only: the policy it came with is not needed.
        FilterChoice::Step4 => Some(
            Policy::read_or_shipped(cli.policy.as_deref())
                .and_then(|policy| policy.filter())
                .map(|compiled| compiled.filter),
        ),
    };
    if let Some(filter) = filter {
        if let Err(err) = filter.and_then(|filter| load(&filter)) {
            return fail_closed("filter-probe", &err);
        }
    }
    // From here on: no allocation, no panic.
    if let Some(go) = thread {
        // The thread makes the syscall, writes its line and ends the process;
        // this thread waits in `read` on a pipe no one writes to.
        let _ = write_all(go.start, b"!");
        let mut byte = [0u8; 1];
        // SAFETY: reads into a buffer of this thread's stack.
        unsafe { libc::read(go.never, byte.as_mut_ptr().cast(), 1) };
        exit(0);
    }
    // SAFETY: the process has one thread; the child only makes raw syscalls.
    if cli.in_child && unsafe { libc::fork() } != 0 {
        exit(0);
    }
    report(make(cli.probe, cli.flags, &prepared))
}

/// The pipes through which the main thread, once it has loaded the filter, lets
/// the probe's thread go (`start`), and on which it then waits (`never`).
struct Go {
    start: i32,
    never: i32,
}

/// Starts the thread that makes the probe's syscall (once a byte arrives on the
/// `start` pipe), writes its line and ends the process.
fn start_probe_thread(probe: Probe, flags: u64, prepared: Prepared) -> Result<Go, String> {
    let pipe = || {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors.
        match unsafe { libc::pipe(fds.as_mut_ptr()) } {
            0 => Ok(fds),
            _ => Err(format!("pipe: {}", std::io::Error::last_os_error())),
        }
    };
    let [start_read, start] = pipe()?;
    // Its write end stays open and unused, so that a read of `never` waits.
    let [never, _] = pipe()?;
    std::thread::Builder::new()
        .name("probe".into())
        .spawn(move || {
            let mut byte = [0u8; 1];
            // SAFETY: reads into a buffer of this thread's stack.
            if unsafe { libc::read(start_read, byte.as_mut_ptr().cast(), 1) } != 1 {
                exit(i32::from(EXIT_FILTER_FAILED));
            }
            report(make(probe, flags, &prepared))
        })
        .map_err(|err| format!("spawning: {err}"))?;
    Ok(Go { start, never })
}

/// Writes what the probe's syscall did, `survived: ...`, and ends the process with
/// status 0.
fn report(result: Result<u64, i32>) -> ! {
    let mut line = StackLine::new();
    match result {
        Ok(value) => {
            line.push(b"survived: returned ");
            line.push_decimal(value);
        }
        Err(errno) => {
            line.push(b"survived: failed with errno ");
            line.push_decimal(errno as u64);
        }
    }
    line.push(b"\n");
    let _ = write_all(libc::STDOUT_FILENO, line.as_bytes());
    exit(0)
}

/// Opens `/dev/null` as descriptor 3 and looks up what the probes need, all
/// before the filter (libseccomp and `CString` allocate), and for
/// `io-uring-read` sets up its ring.
fn prepare(probe: Probe) -> Result<Prepared, String> {
    let null = std::fs::File::options()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(|err| format!("opening /dev/null: {err}"))?;
    // Kept open for the process's life, as descriptor 3.
    let null = null.into_raw_fd();
    // SAFETY: duplicates a descriptor this process owns onto 3, which it does not use.
    if null != 3 && unsafe { libc::dup2(null, 3) } != 3 {
        return Err(format!("dup2: {}", std::io::Error::last_os_error()));
    }
    let by_arch = |name, arch| {
        ScmpSyscall::from_name_by_arch(name, arch)
            .map(|nr| i64::from(nr.as_raw_syscall()))
            .map_err(|err| format!("{name} on {arch:?}: {err}"))
    };
    let exe = std::env::current_exe().map_err(|err| format!("finding this binary: {err}"))?;
    let exe = CString::new(exe.as_os_str().as_bytes()).map_err(|err| err.to_string())?;
    Ok(Prepared {
        getpid_x32: by_arch("getpid", ScmpArch::X32)?,
        umask_i386: by_arch("umask", ScmpArch::X86)?,
        argv: [
            exe.clone(),
            CString::from(c"none"),
            CString::from(c"write-stdout"),
        ],
        exe,
        ring: match probe {
            Probe::IoUringRead => Some(uring::Ring::new()?),
            _ => None,
        },
    })
}

/// Makes the probe's syscall; a child that `clone` or `clone3` creates exits 0
/// at once. Returns what the syscall returned, or its errno.
fn make(probe: Probe, flags: u64, prepared: &Prepared) -> Result<u64, i32> {
    // libc's functions return -1 and set errno; the assembly below returns
    // -errno itself, as the kernel does. Everything is read the kernel's way.
    let from_libc = |ret: i64| match ret {
        -1 => -i64::from(Errno::last_raw()),
        ret => ret,
    };
    // SAFETY: every call passes valid pointers or none; a child exits at once.
    let ret: i64 = unsafe {
        match probe {
            Probe::WriteStdout => from_libc(libc::write(1, b"x\n".as_ptr().cast(), 2) as i64),
            Probe::WriteStdoutHighBits => from_libc(libc::syscall(
                libc::SYS_write,
                with_upper_half(1),
                b"x\n".as_ptr(),
                2usize,
            ) as i64),
            Probe::WriteFd3 => from_libc(libc::write(3, b"x".as_ptr().cast(), 1) as i64),
            Probe::WriteFd3HighBits => {
                from_libc(
                    libc::syscall(libc::SYS_write, with_upper_half(3), b"x".as_ptr(), 1usize)
                        as i64,
                )
            }
            Probe::ReadFd3 => {
                let mut byte = [0u8; 1];
                from_libc(libc::read(3, byte.as_mut_ptr().cast(), 1) as i64)
            }
            Probe::Clone => clone_child_exits(flags),
            Probe::Clone3 => {
                // struct clone_args, its first version: flags, pidfd, child_tid,
                // parent_tid, exit_signal, stack, stack_size, tls.
                let args: [u64; 8] = [0, 0, 0, 0, libc::SIGCHLD as u64, 0, 0, 0];
                from_libc(libc::syscall(
                    libc::SYS_clone3,
                    args.as_ptr(),
                    std::mem::size_of_val(&args),
                ) as i64)
            }
            Probe::Execve => {
                let argv = [
                    prepared.argv[0].as_ptr(),
                    prepared.argv[1].as_ptr(),
                    prepared.argv[2].as_ptr(),
                    std::ptr::null(),
                ];
                let envp = [std::ptr::null()];
                from_libc(libc::execve(prepared.exe.as_ptr(), argv.as_ptr(), envp.as_ptr()) as i64)
            }
            Probe::PrctlSetMmMapSizeHighBits => {
                let mut size = 0u32;
                from_libc(libc::syscall(
                    libc::SYS_prctl,
                    libc::PR_SET_MM as libc::c_ulong,
                    with_upper_half(libc::PR_SET_MM_MAP_SIZE as u64),
                    &mut size as *mut u32,
                    0 as libc::c_ulong,
                    0 as libc::c_ulong,
                ) as i64)
            }
            Probe::Getpid => from_libc(libc::syscall(libc::SYS_getpid) as i64),
            Probe::Unnamed => {
                libc::syscall(999);
                from_libc(libc::syscall(998) as i64)
            }
            Probe::IoUringRead => {
                let mut buffer = [0u8; 4096];
                match &prepared.ring {
                    Some(ring) => match ring.open_and_read(&prepared.exe, &mut buffer) {
                        Ok(read) => read as i64,
                        Err(errno) => -i64::from(errno),
                    },
                    None => -i64::from(libc::EINVAL),
                }
            }
            Probe::X32 => from_libc(libc::syscall(prepared.getpid_x32 as libc::c_long) as i64),
            Probe::Int80 => int_0x80(prepared.umask_i386, 0o022),
        }
    };
    if ret == 0 && probe == Probe::Clone3 {
        exit(0); // the child of a successful clone3
    }
    if ret < 0 {
        return Err(-ret as i32);
    }
    Ok(ret as u64)
}

/// `clone(flags, 0, 0, 0, 0)`; the child, if one is made, ends at once with
/// `exit(0)` (which every filter allows) from inside the same assembly block.
///
/// With CLONE_VM the child runs in the probe's memory and on its stack: it must
/// not return into Rust code, whose stores would land in the parent's frame.
#[cfg(target_arch = "x86_64")]
unsafe fn clone_child_exits(flags: u64) -> i64 {
    let ret: i64;
    // SAFETY: no pointers are passed; the child only makes the `exit` syscall.
    unsafe {
        std::arch::asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "mov rax, r9",
            "xor edi, edi",
            "syscall",
            "2:",
            inlateout("rax") libc::SYS_clone => ret,
            in("rdi") flags, in("rsi") 0u64, in("rdx") 0u64, in("r10") 0u64, in("r8") 0u64,
            in("r9") libc::SYS_exit,
            out("rcx") _, out("r11") _,
            options(nostack),
        );
    }
    ret
}

/// The same on aarch64, whose `clone` takes the flags first too.
#[cfg(target_arch = "aarch64")]
unsafe fn clone_child_exits(flags: u64) -> i64 {
    let ret: i64;
    // SAFETY: no pointers are passed; the child only makes the `exit` syscall.
    unsafe {
        std::arch::asm!(
            "svc #0",
            "cbnz x0, 2f",
            "mov x8, x9",
            "svc #0",
            "2:",
            inlateout("x0") flags as i64 => ret,
            in("x1") 0u64, in("x2") 0u64, in("x3") 0u64, in("x4") 0u64,
            inlateout("x8") libc::SYS_clone => _,
            in("x9") libc::SYS_exit,
            options(nostack),
        );
    }
    ret
}

/// The same on i386, through `int 0x80`: the flags in ebx. LLVM keeps esi for
/// itself there, and `clone` takes the TLS argument in it: saved, cleared and
/// restored around the call (the child never returns to restore it).
#[cfg(target_arch = "x86")]
unsafe fn clone_child_exits(flags: u64) -> i64 {
    let ret: i32;
    // SAFETY: no pointers are passed; the child only makes the `exit` syscall.
    unsafe {
        std::arch::asm!(
            "push esi",
            "xor esi, esi",
            "int 0x80",
            "test eax, eax",
            "jnz 2f",
            "xor ebx, ebx",
            "mov eax, {exit}",
            "int 0x80",
            "2:",
            "pop esi",
            exit = const libc::SYS_exit,
            inlateout("eax") libc::SYS_clone => ret,
            in("ebx") flags as u32, in("ecx") 0u32, in("edx") 0u32, in("edi") 0u32,
        );
    }
    i64::from(ret)
}

/// The same on 32-bit arm: the number in r7, the flags first.
#[cfg(target_arch = "arm")]
unsafe fn clone_child_exits(flags: u64) -> i64 {
    let ret: i32;
    // SAFETY: no pointers are passed; the child only makes the `exit` syscall.
    unsafe {
        std::arch::asm!(
            "svc #0",
            "cmp r0, #0",
            "bne 2f",
            "mov r7, r8",
            "svc #0",
            "2:",
            inlateout("r0") flags as i32 => ret,
            in("r1") 0u32, in("r2") 0u32, in("r3") 0u32, in("r4") 0u32,
            inlateout("r7") libc::SYS_clone => _,
            in("r8") libc::SYS_exit,
            options(nostack),
        );
    }
    i64::from(ret)
}

/// The same on riscv64: the number in a7, the flags first.
#[cfg(target_arch = "riscv64")]
unsafe fn clone_child_exits(flags: u64) -> i64 {
    let ret: i64;
    // SAFETY: no pointers are passed; the child only makes the `exit` syscall.
    unsafe {
        std::arch::asm!(
            "ecall",
            "bnez a0, 2f",
            "mv a7, t0",
            "ecall",
            "2:",
            inlateout("a0") flags as i64 => ret,
            in("a1") 0u64, in("a2") 0u64, in("a3") 0u64, in("a4") 0u64,
            inlateout("a7") libc::SYS_clone => _,
            in("t0") libc::SYS_exit,
            options(nostack),
        );
    }
    ret
}

/// Elsewhere, through libc, with the child's exit in Rust: fine for a plain fork,
/// not for a child that shares the probe's stack (CLONE_VM).
#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "x86",
    target_arch = "arm",
    target_arch = "riscv64"
)))]
unsafe fn clone_child_exits(flags: u64) -> i64 {
    // SAFETY: no pointers are passed. The flags are a register's width, as the
    // kernel takes them.
    let flags = flags as libc::c_ulong;
    match unsafe { libc::syscall(libc::SYS_clone, flags, 0usize, 0usize, 0usize, 0usize) } as i64 {
        0 => exit(0),
        -1 => -i64::from(Errno::last_raw()),
        ret => ret,
    }
}

/// Makes syscall `nr` with one argument, `arg0`, through i386's entry, `int 0x80`:
/// the kernel then reads the number from i386's table, and seccomp sees the i386
/// architecture.
#[cfg(target_arch = "x86_64")]
unsafe fn int_0x80(nr: i64, arg0: u64) -> i64 {
    let ret: i64;
    // SAFETY: the probe's syscall (`umask`) touches no memory. i386 passes the
    // first argument in ebx, which Rust's inline assembly may not name (LLVM
    // keeps rbx for itself), so it is swapped in and back out around the call.
    // The 32-bit entry may clobber r8 to r11.
    unsafe {
        std::arch::asm!(
            "xchg {arg0}, rbx",
            "int 0x80",
            "xchg {arg0}, rbx",
            arg0 = inout(reg) arg0 => _,
            inlateout("rax") nr => ret,
            out("r8") _, out("r9") _, out("r10") _, out("r11") _,
            options(nostack),
        );
    }
    // The 32-bit entry returns a 32-bit value.
    i64::from(ret as i32)
}

/// There is no i386 entry on other architectures.
#[cfg(not(target_arch = "x86_64"))]
unsafe fn int_0x80(_nr: i64, _arg0: u64) -> i64 {
    -i64::from(libc::ENOSYS)
}

/// `value` (a descriptor, a sub-option) with 1 in the argument's upper 32 bits
/// (`1 << 32 | value`), as a register holds it. On a 32-bit architecture a
/// register has no upper half: the argument is `value` itself, which is what the
/// kernel reads on a 64-bit one too.
fn with_upper_half(value: u64) -> libc::c_ulong {
    (1u64 << 32 | value) as libc::c_ulong
}

/// Ends the process at once with `exit_group`, which every filter allows.
fn exit(status: i32) -> ! {
    // SAFETY: nothing is left to clean up.
    unsafe { libc::_exit(status) }
}

/// io_uring, written against the kernel's interface directly
/// (`io_uring_setup(2)`, the rings mapped with `mmap`, `io_uring_enter(2)`), one
/// operation at a time: a tool would use liburing or a crate; this one shows
/// how little it takes to open and read a file with no `openat` and no `read`.
mod uring {
    use std::sync::atomic::{AtomicU32, Ordering};

    /// `struct io_sqring_offsets`: where the fields of the submission ring are.
    #[repr(C)]
    #[derive(Default, Clone, Copy)]
    struct SqOffsets {
        head: u32,
        tail: u32,
        ring_mask: u32,
        ring_entries: u32,
        flags: u32,
        dropped: u32,
        array: u32,
        resv1: u32,
        user_addr: u64,
    }

    /// `struct io_cqring_offsets`: where the fields of the completion ring are.
    #[repr(C)]
    #[derive(Default, Clone, Copy)]
    struct CqOffsets {
        head: u32,
        tail: u32,
        ring_mask: u32,
        ring_entries: u32,
        overflow: u32,
        cqes: u32,
        flags: u32,
        resv1: u32,
        user_addr: u64,
    }

    /// `struct io_uring_params`, filled in by `io_uring_setup`.
    #[repr(C)]
    #[derive(Default, Clone, Copy)]
    struct Params {
        sq_entries: u32,
        cq_entries: u32,
        flags: u32,
        sq_thread_cpu: u32,
        sq_thread_idle: u32,
        features: u32,
        wq_fd: u32,
        resv: [u32; 3],
        sq_off: SqOffsets,
        cq_off: CqOffsets,
    }

    /// `struct io_uring_sqe`: one operation to submit.
    #[repr(C)]
    #[derive(Default, Clone, Copy)]
    struct Sqe {
        opcode: u8,
        flags: u8,
        ioprio: u16,
        fd: i32,
        off: u64,
        addr: u64,
        len: u32,
        op_flags: u32,
        user_data: u64,
        buf_index: u16,
        personality: u16,
        splice_fd_in: i32,
        addr3: u64,
        pad: u64,
    }

    /// `struct io_uring_cqe`: one operation's result.
    #[repr(C)]
    struct Cqe {
        user_data: u64,
        res: i32,
        flags: u32,
    }

    const IORING_OP_OPENAT: u8 = 18;
    const IORING_OP_READ: u8 = 22;
    const IORING_ENTER_GETEVENTS: u32 = 1;
    const IORING_OFF_SQ_RING: libc::off_t = 0;
    const IORING_OFF_CQ_RING: libc::off_t = 0x800_0000;
    const IORING_OFF_SQES: libc::off_t = 0x1000_0000;

    /// A ring of one entry, mapped. One thread at a time uses it: the probe's.
    #[derive(Clone)]
    pub struct Ring {
        fd: i32,
        params: Params,
        sq: *mut u8,
        cq: *mut u8,
        sqes: *mut Sqe,
    }

    // SAFETY: the mappings belong to the process; the probe's one thread uses them.
    unsafe impl Send for Ring {}

    impl Ring {
        /// `io_uring_setup` and the three mappings its rings need.
        pub fn new() -> Result<Ring, String> {
            let mut params = Params::default();
            // SAFETY: the kernel fills `params`, which lives through the call.
            let fd = unsafe { libc::syscall(libc::SYS_io_uring_setup, 1u32, &mut params) };
            if fd < 0 {
                return Err(format!(
                    "io_uring_setup: {}",
                    std::io::Error::last_os_error()
                ));
            }
            let fd = fd as i32;
            let map = |size: usize, offset: libc::off_t| {
                // SAFETY: a shared mapping of the ring's own descriptor.
                let at = unsafe {
                    libc::mmap(
                        std::ptr::null_mut(),
                        size,
                        libc::PROT_READ | libc::PROT_WRITE,
                        libc::MAP_SHARED | libc::MAP_POPULATE,
                        fd,
                        offset,
                    )
                };
                if at == libc::MAP_FAILED {
                    Err(format!("mmap: {}", std::io::Error::last_os_error()))
                } else {
                    Ok(at.cast::<u8>())
                }
            };
            let sq_size = params.sq_off.array as usize + params.sq_entries as usize * 4;
            let cq_size = params.cq_off.cqes as usize + params.cq_entries as usize * 16;
            let sq = map(sq_size, IORING_OFF_SQ_RING)?;
            let cq = map(cq_size, IORING_OFF_CQ_RING)?;
            let sqes = map(
                params.sq_entries as usize * std::mem::size_of::<Sqe>(),
                IORING_OFF_SQES,
            )?
            .cast::<Sqe>();
            Ok(Ring {
                fd,
                params,
                sq,
                cq,
                sqes,
            })
        }

        /// The u32 at `offset` in a ring, as an atomic shared with the kernel.
        fn field(ring: *mut u8, offset: u32) -> &'static AtomicU32 {
            // SAFETY: the offset comes from the kernel, inside the mapping, aligned.
            unsafe { &*ring.add(offset as usize).cast::<AtomicU32>() }
        }

        /// Submits `sqe`, waits for its completion, and returns its result.
        fn run(&self, sqe: Sqe) -> i32 {
            let sq = &self.params.sq_off;
            let tail = Ring::field(self.sq, sq.tail).load(Ordering::Acquire);
            let index = tail & Ring::field(self.sq, sq.ring_mask).load(Ordering::Relaxed);
            // SAFETY: `index` is within the ring's entries, which the kernel mapped.
            unsafe {
                *self.sqes.add(index as usize) = sqe;
                *self
                    .sq
                    .add(sq.array as usize)
                    .cast::<u32>()
                    .add(index as usize) = index;
            }
            Ring::field(self.sq, sq.tail).store(tail.wrapping_add(1), Ordering::Release);
            // SAFETY: no pointer arguments but a NULL signal mask.
            let entered = unsafe {
                libc::syscall(
                    libc::SYS_io_uring_enter,
                    self.fd,
                    1u32,
                    1u32,
                    IORING_ENTER_GETEVENTS,
                    std::ptr::null::<libc::sigset_t>(),
                    0usize,
                )
            };
            if entered < 0 {
                return -std::io::Error::last_os_error().raw_os_error().unwrap_or(1);
            }
            let cq = &self.params.cq_off;
            let head = Ring::field(self.cq, cq.head).load(Ordering::Acquire);
            let index = head & Ring::field(self.cq, cq.ring_mask).load(Ordering::Relaxed);
            // SAFETY: the completion the kernel wrote, within the mapped ring.
            let res = unsafe {
                (*self
                    .cq
                    .add(cq.cqes as usize)
                    .cast::<Cqe>()
                    .add(index as usize))
                .res
            };
            Ring::field(self.cq, cq.head).store(head.wrapping_add(1), Ordering::Release);
            res
        }

        /// Opens `path` and reads up to `buffer.len()` bytes of it, both through
        /// the ring: only `io_uring_enter` is a syscall. Returns the bytes read, or
        /// the errno of the operation that failed.
        pub fn open_and_read(&self, path: &std::ffi::CStr, buffer: &mut [u8]) -> Result<u64, i32> {
            let opened = self.run(Sqe {
                opcode: IORING_OP_OPENAT,
                fd: libc::AT_FDCWD,
                addr: path.as_ptr() as u64,
                op_flags: libc::O_RDONLY as u32,
                ..Sqe::default()
            });
            if opened < 0 {
                return Err(-opened);
            }
            let read = self.run(Sqe {
                opcode: IORING_OP_READ,
                fd: opened,
                addr: buffer.as_mut_ptr() as u64,
                len: buffer.len() as u32,
                ..Sqe::default()
            });
            if read < 0 {
                return Err(-read);
            }
            Ok(read as u64)
        }
    }
}
