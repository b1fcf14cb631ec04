//! `--learn` when a process of the run is killed: the supervisor, while the
//! program waits for its input, or the program, while its syscall waits for the
//! supervisor. No process of the run may be left behind, and the report may not
//! claim more than the supervisor saw.
//!
//! Each test steers a real run through `common::runner::drive_step` and looks at
//! the run's processes in `/proc`; the test process is a child subreaper, so the
//! processes the killed supervisor leaves are handed to it and collected.

use std::process::Command;

use common::program::PROMPT;
use common::runner::{drive_step, proc, send_signal, wait_until, Ending};
use common::testing::Signal;
use nix::unistd::Pid;

const STEP: &str = env!("CARGO_BIN_EXE_step-3-reporting");

/// The one child of the supervisor `supervisor`: the program's process.
fn program_of(supervisor: Pid) -> std::io::Result<Pid> {
    wait_until(
        "the supervisor has forked the program's process",
        || proc::children(supervisor).first().copied(),
        || proc::describe(&[supervisor]),
    )
}

/// Kills the supervisor of `step-3-reporting --learn` with `signal` while the
/// program waits for its input (stdin stays open, so it would wait forever),
/// and asserts that the program's process ends with it, by SIGKILL, and that no
/// process of the run is left.
fn assert_the_program_dies_with_its_supervisor(signal: Signal) {
    let (run, program) = drive_step(Command::new(STEP).arg("--learn"), |step| {
        let supervisor = step.pid();
        step.wait_for_stdout(PROMPT)?;
        let program = program_of(supervisor)?;
        send_signal(supervisor, signal)?;
        wait_until(
            "every process of the run has ended",
            || proc::live_in_group(supervisor).is_empty().then_some(()),
            || proc::describe(&proc::live_in_group(supervisor)),
        )?;
        Ok(program)
    })
    .unwrap_or_else(|err| panic!("{signal} to the supervisor: {err}"));
    assert_eq!(run.ending(), Ending::Signaled(signal as i32), "{signal}");
    assert_eq!(run.stdout_text(), PROMPT, "{signal}");
    // The program's process, handed to the test when its supervisor died.
    assert_eq!(
        run.forked,
        [Ending::Signaled(libc::SIGKILL)],
        "{signal}: program {program}, stderr {:?}",
        run.stderr_text()
    );
}

/// SIGTERM to the supervisor (`kill PID`) ends the program too.
#[test]
fn the_program_dies_when_its_supervisor_is_terminated() {
    assert_the_program_dies_with_its_supervisor(Signal::SIGTERM);
}

/// SIGKILL to the supervisor, which it cannot catch, ends the program too.
#[test]
fn the_program_dies_when_its_supervisor_is_killed() {
    assert_the_program_dies_with_its_supervisor(Signal::SIGKILL);
}
