//! The tutorial program: the same in every step, so only the filter changes.
//!
//! It mirrors the C original line for line: print a prompt, read one line the way
//! `fgets(buf, 1024, stdin)` does, echo it, announce the fork, `sleep(1)`, `fork()`,
//! and let both processes print a last line and return from `main`.
//!
//! Two rules shape the code, because a filter is loaded between [`Program::new`] and
//! [`Program::run`]:
//!
//! - **Every buffer exists before the filter.** The line buffer lives inside
//!   [`Program`]; no input can make the program grow the heap (which could need
//!   `brk` or `mmap`) after the filter is loaded.
//! - **Output goes straight to `write(2)`.** Rust's `println!` would work too, but it
//!   locks and buffers behind our back; raw writes make the syscall trace easy to
//!   read and keep the error path free of allocation and panics (a panic after the
//!   filter needs syscalls the filter forbids, so the process would die by SIGSYS
//!   with no message at all).

use std::process::ExitCode;
use std::time::Duration;

use nix::errno::Errno;

use crate::error::EXIT_PROGRAM_FAILED;

/// The prompt, printed without a newline, like the C original.
pub const PROMPT: &str = "Type stuff here: ";
/// Printed before the echoed line.
pub const ECHO_PREFIX: &str = "You typed: ";
/// Printed just before the sleep and the fork.
pub const FORK_LINE: &str = "And now we fork, which should do quite opposite...\n";
/// Printed by both processes after the fork: step 2's filter should have killed them.
pub const LAST_LINE: &str = "You should not see this, because I am dead\n";

/// Size of the line buffer, as in the C original's `char buf[1024]`; like `fgets`,
/// the program keeps at most `LINE_CAPACITY - 1` bytes of the line.
pub const LINE_CAPACITY: usize = 1024;

/// Standard input, output and error as raw descriptors.
const STDIN: i32 = libc::STDIN_FILENO;
const STDOUT: i32 = libc::STDOUT_FILENO;
const STDERR: i32 = libc::STDERR_FILENO;

/// The tutorial program, with every buffer it will ever need.
///
/// Make it with [`Program::new`] *before* loading a filter, then call
/// [`Program::run`].
pub struct Program {
    /// The step's name, used in the one-line error message.
    step: &'static str,
    /// The line buffer (`char buf[1024]` in C).
    line: [u8; LINE_CAPACITY],
}

/// What went wrong while the program ran (after its filter was loaded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramError {
    /// What the program was doing, e.g. `"writing to stdout"`.
    pub doing: &'static str,
    /// The errno the kernel returned.
    pub errno: Errno,
}

impl Program {
    /// Makes the program and its buffers; `step` names the step in error messages.
    pub fn new(step: &'static str) -> Self {
        Program {
            step,
            line: [0; LINE_CAPACITY],
        }
    }

    /// Runs the program to the end and returns the status for `main` to return.
    ///
    /// Returning from `main` (rather than exiting here) is deliberate: it is what
    /// the C original does, and it lets the learner discover the syscalls Rust's
    /// runtime makes on its way out. When the program fails, though, it ends with
    /// `_exit` straight away (see [`ProgramError`]), so a failure never needs
    /// more than `write` and `exit_group`.
    pub fn run(&mut self) -> ExitCode {
        match self.steps() {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => self.fail(err),
        }
    }

    // ANCHOR: program
    /// The program proper, in the C original's order.
    fn steps(&mut self) -> Result<(), ProgramError> {
        write_stdout(PROMPT.as_bytes())?;
        let line = read_line(&mut self.line)?;
        write_stdout(ECHO_PREFIX.as_bytes())?;
        write_stdout(line)?;
        if line.last() != Some(&b'\n') {
            // The C original relies on the line's own newline; a cut line, an empty
            // input or a last line without one still gets a line of its own here.
            write_stdout(b"\n")?;
        }
        write_stdout(FORK_LINE.as_bytes())?;
        std::thread::sleep(Duration::from_secs(1));
        // SAFETY: the program has no other threads, so the child may do anything
        // the parent may. Both processes carry on, exactly like `fork();` in C.
        unsafe { nix::unistd::fork() }.map_err(|errno| ProgramError {
            doing: "forking",
            errno,
        })?;
        write_stdout(LAST_LINE.as_bytes())
    }
    // ANCHOR_END: program

    /// Reports `err` in one line on stderr and ends the process with status 1.
    ///
    /// Nothing here allocates or formats: the message is assembled in a stack
    /// buffer from static text and ends with `_exit`, which needs only
    /// `exit_group`. A reader that went away (`EPIPE`) is not worth a message: the
    /// program just stops, as `cat` does.
    fn fail(&self, err: ProgramError) -> ! {
        if err.errno != Errno::EPIPE {
            let mut message = StackLine::new();
            message.push(self.step.as_bytes());
            message.push(b": error: ");
            message.push(err.doing.as_bytes());
            message.push(b" failed: ");
            message.push(err.errno.desc().as_bytes());
            message.push(b"\n");
            // Nothing more can be done if stderr fails too.
            let _ = write_all(STDERR, message.as_bytes());
        }
        // SAFETY: `_exit` ends the process at once; nothing is left to clean up.
        unsafe { libc::_exit(i32::from(EXIT_PROGRAM_FAILED)) }
    }
}

/// Writes all of `bytes` to stdout.
fn write_stdout(bytes: &[u8]) -> Result<(), ProgramError> {
    write_all(STDOUT, bytes).map_err(|errno| ProgramError {
        doing: "writing to stdout",
        errno,
    })
}

/// Writes all of `bytes` to `fd` with `write(2)`, retrying short writes and `EINTR`.
pub fn write_all(fd: i32, mut bytes: &[u8]) -> Result<(), Errno> {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe a live slice.
        let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        match Errno::result(written) {
            Ok(0) => return Err(Errno::EIO),
            Ok(n) => bytes = &bytes[n as usize..],
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(errno),
        }
    }
    Ok(())
}

/// Reads the first line of stdin into `buf` the way `fgets(buf, len, stdin)` does.
///
/// It stops after a newline, at the end of input, or when `buf.len() - 1` bytes have
/// been read, and returns the bytes read (the newline included). Short reads, as
/// from a pipe, are looped. Like stdio, it may consume bytes past the newline; the
/// program reads only one line, so they are simply dropped.
pub fn read_line(buf: &mut [u8]) -> Result<&[u8], ProgramError> {
    let limit = buf.len().saturating_sub(1);
    let mut len = 0;
    while len < limit {
        let room = &mut buf[len..limit];
        // SAFETY: the pointer and length describe a live, writable slice.
        let got = unsafe { libc::read(STDIN, room.as_mut_ptr().cast(), room.len()) };
        let got = match Errno::result(got) {
            Ok(0) => break,
            Ok(n) => n as usize,
            Err(Errno::EINTR) => continue,
            Err(errno) => {
                return Err(ProgramError {
                    doing: "reading stdin",
                    errno,
                })
            }
        };
        if let Some(newline) = buf[len..len + got].iter().position(|&b| b == b'\n') {
            len += newline + 1;
            break;
        }
        len += got;
    }
    Ok(&buf[..len])
}

/// A fixed-size line assembled on the stack, for messages that must not allocate.
///
/// Text that does not fit is cut; a message is never worth a panic.
pub struct StackLine {
    bytes: [u8; 256],
    len: usize,
}

impl StackLine {
    /// An empty line.
    pub const fn new() -> Self {
        StackLine {
            bytes: [0; 256],
            len: 0,
        }
    }

    /// Appends as much of `text` as fits.
    pub fn push(&mut self, text: &[u8]) {
        let room = self.bytes.len() - self.len;
        let take = text.len().min(room);
        self.bytes[self.len..self.len + take].copy_from_slice(&text[..take]);
        self.len += take;
    }

    /// Appends `n` in decimal, formatted by hand (no `format!`, no allocation).
    pub fn push_decimal(&mut self, n: u64) {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        let mut rest = n;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        self.push(&digits[start..]);
    }

    /// The bytes assembled so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl Default for StackLine {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_line_formats_numbers_by_hand() {
        for n in [0u64, 7, 10, 230, 4_294_967_295, u64::MAX] {
            let mut line = StackLine::new();
            line.push_decimal(n);
            assert_eq!(line.as_bytes(), n.to_string().as_bytes());
        }
    }

    #[test]
    fn stack_line_cuts_what_does_not_fit() {
        let mut line = StackLine::new();
        line.push(&[b'x'; 300]);
        line.push(b"more");
        assert_eq!(line.as_bytes().len(), 256);
        assert!(line.as_bytes().iter().all(|&b| b == b'x'));
    }
}
