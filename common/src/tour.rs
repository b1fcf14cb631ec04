//! The tour: the four steps run one after the other with the same input, each shown
//! as a shell session would show it.
//!
//! The `tour` binary prints these transcripts; the book stores them; the tests
//! compare the two. A transcript shows the command, everything the step printed
//! (stdout, then stderr), the shell's `Bad system call` when SIGSYS killed it, and
//! `$?`; a comment line says how the child the step forked ended, which a shell
//! would not tell.

use std::fmt::Write as _;

use crate::runner::{Ending, StepRun};

/// One step of the tutorial, as the tour presents it.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// The binary's (and crate's) name.
    pub binary: &'static str,
    /// The step's title.
    pub title: &'static str,
    /// What the step teaches, in one sentence.
    pub lesson: &'static str,
}

/// The four steps, in order.
pub const STEPS: [Step; 4] = [
    Step {
        binary: "step-1-baseline",
        title: "Step 1: the baseline",
        lesson: "The program with no filter: every syscall works, so it runs to the end.",
    },
    Step {
        binary: "step-2-filter",
        title: "Step 2: add a seccomp filter",
        lesson: "A strict allow list (read, write, exit, exit_group, rt_sigreturn): \
                 the first other syscall kills the process with SIGSYS.",
    },
    Step {
        binary: "step-3-reporting",
        title: "Step 3: add syscall reporting",
        lesson: "The same allow list, but the filter traps and a SIGSYS reporter \
                 names the syscall that was missing.",
    },
    Step {
        binary: "step-4-policy",
        title: "Step 4: the finished policy",
        lesson: "The allow list plus what step 3 found: the program runs to the end, \
                 and anything else still kills it.",
    },
];

/// The input the tutorial types.
pub const DEFAULT_INPUT: &str = "hello seccomp";

/// Renders one run of `binary` fed with `input` as a shell transcript.
pub fn transcript(binary: &str, input: &[u8], run: &StepRun) -> String {
    let mut text = format!("$ printf '{}' | {binary}\n", printf_escape(input));
    for output in [&run.stdout, &run.stderr] {
        if !output.is_empty() {
            text.push_str(&String::from_utf8_lossy(output));
            if !output.ends_with(b"\n") {
                text.push('\n');
            }
        }
    }
    let ending = run.ending();
    if let Ending::Signaled(signal) = ending {
        // What bash prints for a command killed by a signal: the signal's description.
        // SAFETY: `strsignal` returns a static description for any number.
        let description = unsafe { std::ffi::CStr::from_ptr(libc::strsignal(signal)) };
        let _ = writeln!(text, "{}", description.to_string_lossy());
    }
    let _ = writeln!(text, "$ echo $?\n{}", ending.shell_status());
    let _ = writeln!(text, "# {binary}: {ending}");
    match run.forked.as_slice() {
        [] => text.push_str("# it forked no child\n"),
        children => {
            for child in children {
                let _ = writeln!(text, "# the child it forked: {child}");
            }
        }
    }
    text
}

/// Escapes `bytes` for a single-quoted `printf` format string, so the command in a
/// transcript reproduces the input exactly.
pub fn printf_escape(bytes: &[u8]) -> String {
    let mut escaped = String::new();
    for &byte in bytes {
        match byte {
            b'\n' => escaped.push_str("\\n"),
            b'\t' => escaped.push_str("\\t"),
            b'\\' => escaped.push_str("\\\\"),
            b'%' => escaped.push_str("%%"),
            b'\'' => escaped.push_str("'\\''"),
            b' '..=b'~' => escaped.push(char::from(byte)),
            _ => {
                let _ = write!(escaped, "\\{byte:03o}");
            }
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_escape_round_trips_through_printf() {
        let input = b"it's 100% \\ \x01\xff\ttab\n";
        // Through the runner, like every child a test starts (see `runner::run_step`).
        let run = crate::runner::run_step(
            std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf '{}'", printf_escape(input))),
            b"",
        )
        .unwrap();
        assert_eq!(run.stdout, input);
    }
}
