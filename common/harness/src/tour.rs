//! The tour: the four steps run one after the other with the same input, each shown
//! as a shell session would show it.
//!
//! The `tour` binary prints these transcripts; the book stores them; the tests
//! compare the two. A transcript shows the command, everything the step printed
//! (stdout, then stderr), the shell's `Bad system call` when SIGSYS killed it, and
//! `$?`; a comment line says how the child the step forked ended, which a shell
//! would not tell. The command is one a learner can paste at the top of the
//! repository ([`command`]): `cargo run -q -p STEP`, which (re)builds the step if
//! need be and then replaces itself with the step's binary, so that the shell sees
//! the step's own output, signal and exit status, as the tour does.
//!
//! The output is read through a pipe to its end, which comes when the last process
//! that holds the pipe, the step or the child it forked, has exited: a transcript
//! always shows both processes' lines before `$?`. In a terminal the shell prints
//! its next prompt as soon as the step's own process has exited, and a child that is
//! slower prints after it.
//!
//! `tour --save DIR` writes one transcript file per step and a [`Platform`] file
//! saying where they were made: what a step prints depends on the syscalls its C
//! library and architecture make, so a transcript made on one platform is only
//! compared with what the step prints on the same platform ([`check_transcript`]).

use std::fmt::Write as _;
use std::path::PathBuf;

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

/// The command that runs the step `binary` fed with `input`, as a learner types it
/// at the top of the repository: `printf 'hello seccomp\n' | cargo run -q -p
/// step-1-baseline` (each step's package and binary share its name).
pub fn command(binary: &str, input: &[u8]) -> String {
    format!(
        "printf '{}' | cargo run -q -p {binary}",
        printf_escape(input)
    )
}

/// Renders one run of `binary` fed with `input` as a shell transcript.
pub fn transcript(binary: &str, input: &[u8], run: &StepRun) -> String {
    let mut text = format!("$ {}\n", command(binary, input));
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
        let _ = writeln!(text, "{}", common::ending::signal_description(signal));
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

/// The directory where the book keeps its transcripts, shared by both languages.
pub fn book_transcripts_dir() -> PathBuf {
    crate::workspace_root().join("docs/transcripts")
}

/// This architecture as the book names its transcripts' folders: `i386`,
/// `aarch64`, `armhf`, `riscv64` (and `x86_64`, whose transcripts are the
/// book's own, in [`book_transcripts_dir`] itself).
pub fn architecture_name() -> &'static str {
    match std::env::consts::ARCH {
        "x86" => "i386",
        "arm" => "armhf",
        other => other,
    }
}

/// The folder of the tour's transcripts made on this architecture: its own
/// `docs/transcripts/ARCH/` when `scripts/check-arches.sh --save-transcripts`
/// has made one, otherwise the book's (made on x86_64).
pub fn transcripts_dir_here() -> PathBuf {
    let own = book_transcripts_dir().join(architecture_name());
    if own.join(PLATFORM_FILE).exists() {
        own
    } else {
        book_transcripts_dir()
    }
}

/// The command that remakes the book's transcripts, for messages.
pub const SAVE_COMMAND: &str = "./tour.sh --save docs/transcripts";

/// The name of the transcript file of the step `binary`.
pub fn transcript_file_name(binary: &str) -> String {
    format!("{binary}.txt")
}

/// The name of the file that records the platform transcripts were made on.
pub const PLATFORM_FILE: &str = "platform.txt";

/// The platform a transcript was made on, as far as it decides which syscalls the
/// steps make, and so what they print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// The CPU architecture (`x86_64`, `aarch64`): it has its own syscall numbers
    /// and its own set of syscalls.
    pub architecture: String,
    /// The C library and its version (`glibc 2.36`): it chooses the syscalls
    /// behind `sleep`, `fork` and the process's start and exit.
    pub c_library: String,
    /// The operating system, for the reader (`Debian GNU/Linux 12 (bookworm)`);
    /// it is not compared, because only the two fields above change the syscalls.
    pub system: String,
}

impl Platform {
    /// The platform this process runs on.
    pub fn current() -> Platform {
        Platform {
            architecture: std::env::consts::ARCH.to_owned(),
            c_library: c_library(),
            system: system_name(),
        }
    }

    /// `true` when the steps make the same syscalls on both platforms, as far as
    /// the tutorial knows: same architecture, same C library and version.
    pub fn same_syscalls(&self, other: &Platform) -> bool {
        self.architecture == other.architecture && self.c_library == other.c_library
    }

    /// The platform as the text of a platform file.
    pub fn render(&self) -> String {
        format!(
            "architecture: {}\nc library: {}\nsystem: {}\n",
            self.architecture, self.c_library, self.system
        )
    }

    /// Reads the text of a platform file; `None` when a field is missing.
    pub fn parse(text: &str) -> Option<Platform> {
        let field = |key: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix(": "))
                .map(str::to_owned)
        };
        Some(Platform {
            architecture: field("architecture")?,
            c_library: field("c library")?,
            system: field("system")?,
        })
    }

    /// A short description for messages: `x86_64 with glibc 2.36`.
    pub fn summary(&self) -> String {
        format!("{} with {}", self.architecture, self.c_library)
    }
}

/// The C library this program is linked with, and its version where it says:
/// `glibc 2.36`.
pub fn c_library() -> String {
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: `gnu_get_libc_version` returns a static, NUL-terminated string.
        let version = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
        format!("glibc {}", version.to_string_lossy())
    }
    #[cfg(not(target_env = "gnu"))]
    {
        // musl has no call that returns its version.
        let name = if cfg!(target_env = "musl") {
            "musl"
        } else {
            "an unknown C library"
        };
        name.to_owned()
    }
}

/// The system's name from `/etc/os-release`, or the kernel's name.
fn system_name() -> String {
    let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    release
        .lines()
        .find_map(|line| line.strip_prefix("PRETTY_NAME="))
        .map(|name| name.trim_matches('"').to_owned())
        .unwrap_or_else(|| std::env::consts::OS.to_owned())
}

/// How a stored transcript compares with what a step printed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TranscriptCheck {
    /// The step printed exactly the stored transcript.
    Same,
    /// They differ, but the transcript was made on a platform whose syscalls
    /// differ from this one's: there is nothing to compare.
    OtherPlatform,
    /// They differ on the platform the transcript was made on: the step or the
    /// transcript changed, and the book no longer shows what the step prints.
    Drifted,
}

/// Compares the `stored` transcript, made on `recorded`, with the `actual` one
/// made here, on `current`.
pub fn check_transcript(
    stored: &str,
    actual: &str,
    recorded: &Platform,
    current: &Platform,
) -> TranscriptCheck {
    if stored == actual {
        TranscriptCheck::Same
    } else if recorded.same_syscalls(current) {
        TranscriptCheck::Drifted
    } else {
        TranscriptCheck::OtherPlatform
    }
}

/// The lines of `stored` and `actual` that differ, marked `-` (stored) and `+`
/// (actual) with their line numbers: transcripts are a few lines long, so a line
/// by line comparison is diff enough.
pub fn line_differences(stored: &str, actual: &str) -> String {
    let stored: Vec<&str> = stored.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    let mut text = String::new();
    for number in 0..stored.len().max(actual.len()) {
        let (old, new) = (stored.get(number), actual.get(number));
        if old != new {
            if let Some(old) = old {
                let _ = writeln!(text, "line {}: - {old}", number + 1);
            }
            if let Some(new) = new {
                let _ = writeln!(text, "line {}: + {new}", number + 1);
            }
        }
    }
    text
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
    /// The tour and the tests type the same line.
    #[test]
    fn the_tour_types_what_the_tests_type() {
        assert_eq!(
            format!("{DEFAULT_INPUT}\n").as_bytes(),
            crate::running::TUTORIAL_INPUT
        );
    }

    fn platform(architecture: &str, c_library: &str) -> Platform {
        Platform {
            architecture: architecture.to_owned(),
            c_library: c_library.to_owned(),
            system: "Some Linux".to_owned(),
        }
    }

    #[test]
    fn a_platform_file_reads_back() {
        let here = Platform::current();
        assert_eq!(Platform::parse(&here.render()), Some(here));
        assert_eq!(Platform::parse("architecture: x86_64\n"), None);
    }

    #[test]
    fn transcripts_are_compared_on_the_platform_they_were_made_on() {
        let debian = platform("x86_64", "glibc 2.36");
        let stored = "$ echo $?\n1\n";
        assert_eq!(
            check_transcript(stored, stored, &debian, &debian),
            TranscriptCheck::Same
        );
        assert_eq!(
            check_transcript(stored, "$ echo $?\n0\n", &debian, &debian),
            TranscriptCheck::Drifted
        );
        // Another system with the same architecture and C library is compared too.
        let mut other_system = debian.clone();
        other_system.system = "Another Linux".to_owned();
        assert_eq!(
            check_transcript(stored, "$ echo $?\n0\n", &debian, &other_system),
            TranscriptCheck::Drifted
        );
        for elsewhere in [
            platform("aarch64", "glibc 2.36"),
            platform("x86_64", "glibc 2.41"),
        ] {
            assert_eq!(
                check_transcript(stored, "$ echo $?\n0\n", &debian, &elsewhere),
                TranscriptCheck::OtherPlatform
            );
            // What is the same everywhere still counts as the same.
            assert_eq!(
                check_transcript(stored, stored, &debian, &elsewhere),
                TranscriptCheck::Same
            );
        }
    }

    #[test]
    fn line_differences_show_both_sides() {
        assert_eq!(
            line_differences("a\nb\nc\n", "a\nB\nc\nd\n"),
            "line 2: - b\nline 2: + B\nline 4: + d\n"
        );
        assert_eq!(line_differences("same\n", "same\n"), "");
    }
}
