//! Step 3's reporter: a SIGSYS handler that names the syscall a filter refused.
//!
//! When a filter's action is `Trap`, the kernel does not run the refused syscall;
//! it sends the thread a SIGSYS whose `siginfo` says which syscall it was
//! (`si_syscall`), on which architecture (`si_arch`) and that seccomp sent it
//! (`si_code == SYS_SECCOMP`). The handler writes
//! `Looks like you also need syscall: NAME(NR)` on stdout and ends the process.
//!
//! A signal handler may only do async-signal-safe things, and under a filter it may
//! only make syscalls the filter allows. So the handler formats nothing, allocates
//! nothing and takes no lock: the table of names is built by [`install`] before the
//! filter is loaded (libseccomp's name lookup allocates), the number is formatted
//! by hand into a stack buffer, and the line goes out with one `write(2)` before
//! `_exit(2)`. This is a teaching tool: a production sandbox would log the refused
//! syscall and carry on or fail, not end the process from a signal handler.

use std::ffi::{c_int, c_uint, c_void};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use libseccomp::{ScmpArch, ScmpSyscall};
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};

use crate::error::{StepError, EXIT_PROGRAM_FAILED};
use crate::program::{write_all, StackLine};

/// What the reporter prints before the syscall's name.
pub const REPORT_PREFIX: &str = "Looks like you also need syscall: ";

/// `si_code` of a SIGSYS sent by a seccomp filter (`SYS_SECCOMP` in `<signal.h>`).
const SYS_SECCOMP: c_int = 1;

/// The highest syscall number the name table covers, exclusive. Both x86_64 and
/// aarch64 number their syscalls well below this; a number past it is printed
/// without a name.
const TABLE_SIZE: usize = 1024;

/// Names of the native architecture's syscalls, indexed by number; built by
/// [`install`] before any filter is loaded, only read by the handler.
static NAMES: OnceLock<Vec<Option<Box<str>>>> = OnceLock::new();

/// The native architecture's `AUDIT_ARCH_*` token, as the kernel puts it in `si_arch`.
static NATIVE_ARCH: AtomicU32 = AtomicU32::new(0);

/// The SIGSYS part of the kernel's `siginfo_t` on Linux (`_sigsys` in
/// `<asm-generic/siginfo.h>`), which the `libc` crate does not expose.
///
/// `repr(C)` lays it out as the kernel does on the architectures this tutorial
/// supports: three `int`s, then the union, aligned for a pointer.
#[repr(C)]
struct SigsysInfo {
    si_signo: c_int,
    si_errno: c_int,
    si_code: c_int,
    call_addr: *mut c_void,
    syscall: c_int,
    arch: c_uint,
}

// ANCHOR: install
/// Installs the reporter for this process: builds the name table, installs the
/// SIGSYS handler with `SA_SIGINFO`, and makes sure SIGSYS is not blocked.
///
/// Call it before loading a filter whose action is `Trap`.
pub fn install() -> Result<(), StepError> {
    NAMES.get_or_init(native_names);
    NATIVE_ARCH.store(crate::kernel::native_arch(), Ordering::Relaxed);

    let action = SigAction::new(
        SigHandler::SigAction(report_refused_syscall),
        SaFlags::SA_SIGINFO,
        SigSet::empty(),
    );
    // SAFETY: the handler only reads data built above, writes with `write(2)` and
    // ends with `_exit(2)`: all async-signal-safe.
    unsafe { signal::sigaction(Signal::SIGSYS, &action) }.map_err(StepError::Reporter)?;
    let mut sigsys = SigSet::empty();
    sigsys.add(Signal::SIGSYS);
    sigsys.thread_unblock().map_err(StepError::Reporter)
}
// ANCHOR_END: install

/// Looks up the name of every syscall number below [`TABLE_SIZE`] on the native
/// architecture. libseccomp allocates for each lookup, which is why this runs
/// before the filter, not in the handler.
fn native_names() -> Vec<Option<Box<str>>> {
    (0..TABLE_SIZE as i32)
        .map(|nr| {
            ScmpSyscall::from(nr)
                .get_name_by_arch(ScmpArch::Native)
                .ok()
                .map(String::into_boxed_str)
        })
        .collect()
}

/// The name of syscall `nr` on the native architecture, from the table [`install`] built.
pub fn syscall_name(nr: i32) -> Option<&'static str> {
    let names = NAMES.get()?;
    names.get(usize::try_from(nr).ok()?)?.as_deref()
}

/// Writes the report line for syscall `nr` made on architecture `arch` into `line`:
/// `Looks like you also need syscall: NAME(NR)`, or `(NR)` alone when the number has
/// no name on this architecture.
pub fn report_line(line: &mut StackLine, nr: i32, arch: u32) {
    line.push(REPORT_PREFIX.as_bytes());
    if arch == NATIVE_ARCH.load(Ordering::Relaxed) {
        if let Some(name) = syscall_name(nr) {
            line.push(name.as_bytes());
        }
    }
    line.push(b"(");
    if nr < 0 {
        line.push(b"-");
    }
    line.push_decimal(u64::from(nr.unsigned_abs()));
    line.push(b")\n");
}

// ANCHOR: handler
/// The SIGSYS handler: report the refused syscall, then `_exit(1)`.
extern "C" fn report_refused_syscall(_signal: c_int, info: *mut libc::siginfo_t, _: *mut c_void) {
    // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo, and for SIGSYS its
    // union holds the `_sigsys` fields that `SigsysInfo` lays out.
    let info = unsafe { &*info.cast::<SigsysInfo>() };
    let mut line = StackLine::new();
    if info.si_code == SYS_SECCOMP {
        report_line(&mut line, info.syscall, info.arch);
    } else {
        line.push(b"Received a SIGSYS that no seccomp filter sent\n");
    }
    // Nothing more can be done if stdout is gone.
    let _ = write_all(libc::STDOUT_FILENO, line.as_bytes());
    // SAFETY: `_exit` is async-signal-safe and ends the process at once.
    unsafe { libc::_exit(i32::from(EXIT_PROGRAM_FAILED)) }
}
// ANCHOR_END: handler

#[cfg(test)]
mod tests {
    use super::*;

    fn line_for(nr: i32, arch: u32) -> String {
        let mut line = StackLine::new();
        report_line(&mut line, nr, arch);
        String::from_utf8(line.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn names_a_native_syscall_as_the_c_reporter_does() {
        NAMES.get_or_init(native_names);
        NATIVE_ARCH.store(crate::kernel::native_arch(), Ordering::Relaxed);
        let nr = ScmpSyscall::from_name("getppid").unwrap().as_raw_syscall();
        assert_eq!(
            line_for(nr, crate::kernel::native_arch()),
            format!("Looks like you also need syscall: getppid({nr})\n")
        );
    }

    #[test]
    fn a_number_without_a_name_is_printed_alone() {
        NAMES.get_or_init(native_names);
        NATIVE_ARCH.store(crate::kernel::native_arch(), Ordering::Relaxed);
        assert_eq!(
            line_for(5000, crate::kernel::native_arch()),
            "Looks like you also need syscall: (5000)\n"
        );
        // A number from another architecture's table is not looked up in ours.
        assert_eq!(
            line_for(0, crate::kernel::native_arch() ^ 1),
            "Looks like you also need syscall: (0)\n"
        );
    }

    #[test]
    fn the_siginfo_layout_matches_the_kernel() {
        // `si_syscall` sits right after the call address in the union, which starts
        // at offset 16 on 64-bit Linux and 12 on 32-bit Linux.
        let union_offset = if cfg!(target_pointer_width = "64") {
            16
        } else {
            12
        };
        assert_eq!(std::mem::offset_of!(SigsysInfo, call_addr), union_offset);
        assert_eq!(
            std::mem::offset_of!(SigsysInfo, syscall),
            union_offset + std::mem::size_of::<usize>()
        );
    }
}
