//! Loads BPF programs as seccomp filters and reports what the kernel answered,
//! for the differential test of the simulator (`common/tests/simulate.rs`).
//!
//! The test never loads a filter itself (a filter cannot be removed, and one that
//! kills takes the whole process, every test libtest runs in it with it): it
//! writes the programs and the syscalls to this binary's stdin, in the machine's
//! byte order, and reads the answers from its stdout.
//!
//! - `filter-calls calls` reads a 64-bit *magic* value, one program (a 32-bit
//!   count, then 8-byte instructions) and the syscalls to make (a 32-bit count,
//!   then for each a 32-bit number, 4 bytes of padding and six 64-bit
//!   arguments). It loads the program, makes every syscall and writes, for each,
//!   the 64-bit value it returned, or minus its errno. The program must let
//!   through the calls whose argument 5 is the magic value: with that argument
//!   this binary writes its answers and exits.
//! - `filter-calls load` reads programs (a 32-bit count of programs, then each as
//!   above) and tries to load each in turn, writing a 32-bit 0 for one the kernel
//!   took and its errno for one it refused. Every program the kernel takes stays
//!   loaded, so each must allow every syscall.
//!
//! Everything is read and every buffer made before the first filter is loaded;
//! after it, the binary only makes syscalls, writes with `write(2)` and ends with
//! `exit_group`: no allocation, no formatting, no panic.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use common::error::EXIT_FILTER_FAILED;
use common::filter::load_instructions;
use common::tools::bpf::{Instruction, INSTRUCTION_SIZE};
use nix::errno::Errno;

/// Loads BPF programs as seccomp filters and reports the kernel's answers (used
/// by the simulator's differential test).
#[derive(Parser)]
struct Cli {
    /// What to do with the programs on stdin.
    #[arg(value_enum)]
    mode: Mode,
}

/// What to do with the programs on stdin.
#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Load one program, make the syscalls that follow it, and report each result.
    Calls,
    /// Try to load each program, and report whether the kernel took it.
    Load,
}

/// One syscall to make: its number and six arguments.
struct Call {
    nr: i32,
    args: [u64; 6],
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut input = Vec::new();
    if let Err(err) = std::io::stdin().read_to_end(&mut input) {
        return fail(&format!("reading stdin: {err}"));
    }
    let mut reader = Reader(&input);
    if let Err(errno) = nix::sys::prctl::set_no_new_privs() {
        return fail(&format!("setting NO_NEW_PRIVS: {errno}"));
    }
    match cli.mode {
        Mode::Calls => calls(&mut reader),
        Mode::Load => load_each(&mut reader),
    }
}

/// `filter-calls calls`.
fn calls(reader: &mut Reader) -> ExitCode {
    let Some((magic, program, calls)) = (|| {
        let magic = reader.u64()?;
        let program = reader.program()?;
        let count = reader.u32()?;
        let calls: Option<Vec<Call>> = (0..count)
            .map(|_| {
                let nr = reader.u32()? as i32;
                reader.u32()?;
                let mut args = [0u64; 6];
                for arg in &mut args {
                    *arg = reader.u64()?;
                }
                Some(Call { nr, args })
            })
            .collect();
        Some((magic, program, calls?))
    })() else {
        return fail("stdin ends in the middle of the input");
    };
    let mut results = vec![0i64; calls.len()];
    if let Err(errno) = load_instructions(&program) {
        return fail(&format!("the kernel refused the program: {errno}"));
    }
    // From here on: no allocation, no panic.
    for (call, result) in calls.iter().zip(results.iter_mut()) {
        // A register's width: on a 32-bit architecture the upper halves go.
        let [a0, a1, a2, a3, a4, a5] = call.args.map(|arg| arg as libc::c_ulong);
        // SAFETY: the filter answers every one of these calls itself (none has
        // the magic argument), so none runs; pointers are never followed.
        let ret = unsafe { libc::syscall(libc::c_long::from(call.nr), a0, a1, a2, a3, a4, a5) };
        *result = if ret == -1 {
            -i64::from(Errno::last_raw())
        } else {
            ret as i64
        };
    }
    // SAFETY: `results` is a live buffer of plain integers, read as bytes.
    let bytes = unsafe {
        std::slice::from_raw_parts(
            results.as_ptr().cast::<u8>(),
            std::mem::size_of_val(&results[..]),
        )
    };
    write_and_exit(bytes, magic)
}

/// `filter-calls load`.
fn load_each(reader: &mut Reader) -> ExitCode {
    let Some(programs) = reader.u32().and_then(|count| {
        (0..count)
            .map(|_| reader.program())
            .collect::<Option<Vec<_>>>()
    }) else {
        return fail("stdin ends in the middle of the input");
    };
    let mut results = vec![0i32; programs.len()];
    for (program, result) in programs.iter().zip(results.iter_mut()) {
        *result = match load_instructions(program) {
            Ok(()) => 0,
            Err(errno) => errno as i32,
        };
    }
    // SAFETY: as in `calls`.
    let bytes = unsafe {
        std::slice::from_raw_parts(
            results.as_ptr().cast::<u8>(),
            std::mem::size_of_val(&results[..]),
        )
    };
    write_and_exit(bytes, 0)
}

/// Writes `bytes` to stdout and exits 0, with `magic` as every syscall's
/// argument 5 so that the filter lets them through.
fn write_and_exit(mut bytes: &[u8], magic: u64) -> ExitCode {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is a live buffer; write(2) ignores arguments 3 to 5.
        let written = unsafe {
            libc::syscall(
                libc::SYS_write,
                libc::STDOUT_FILENO,
                bytes.as_ptr(),
                bytes.len(),
                0 as libc::c_ulong,
                0 as libc::c_ulong,
                magic as libc::c_ulong,
            )
        };
        if written <= 0 {
            if written == -1 && Errno::last() == Errno::EINTR {
                continue;
            }
            exit(EXIT_FILTER_FAILED.into(), magic);
        }
        bytes = &bytes[written as usize..];
    }
    exit(0, magic)
}

/// Ends the process with `exit_group(status)`, with `magic` as argument 5.
fn exit(status: i32, magic: u64) -> ! {
    // SAFETY: nothing is left to clean up.
    let (zero, magic) = (0 as libc::c_ulong, magic as libc::c_ulong);
    unsafe { libc::syscall(libc::SYS_exit_group, status, zero, zero, zero, zero, magic) };
    // Only if the filter refused even that: die at once.
    std::process::abort()
}

/// Says why nothing was loaded, before any filter.
fn fail(why: &str) -> ExitCode {
    eprintln!("filter-calls: error: {why}");
    ExitCode::from(EXIT_FILTER_FAILED)
}

/// Reads the input's fields in the machine's byte order.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_ne_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_ne_bytes)
    }

    /// A program: its count of instructions, then the instructions.
    fn program(&mut self) -> Option<Vec<libc::sock_filter>> {
        let count = self.u32()?;
        (0..count)
            .map(|_| {
                self.take::<INSTRUCTION_SIZE>()
                    .map(|bytes| Instruction::from_bytes(bytes).to_sock_filter())
            })
            .collect()
    }
}
