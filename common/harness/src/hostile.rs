//! Bad input and hostile stdout: the same cases for every step, one test
//! each, from [`hostile_stdio_tests!`](crate::hostile_stdio_tests); what each
//! step must do in each case is set out at [`HostileCase`].

use std::path::Path;
use std::process::Command;

use common::program::{ECHO_PREFIX, FORK_LINE, LAST_LINE, LINE_CAPACITY, PROMPT};

use crate::runner::{Ending, StdoutTo};
use crate::running::TUTORIAL_INPUT;
use crate::syscalls::{report_line_for, SLEEP_SYSCALLS};

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
        /// Bad input and hostile stdout: each case of `harness::hostile::HostileCase`.
        mod bad_input_and_hostile_stdio {
            #[allow(unused_imports)]
            use super::*;
            use $crate::hostile::{assert_hostile_case, HostileCase};

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
