//! Step 3 — add syscall reporting: the filter traps, and a reporter names the syscall.
//!
//! This is step 2 with two changes. The filter's default action is `Trap` instead of
//! `KillProcess`: a refused syscall is not run, and the kernel sends the process a
//! SIGSYS that says which syscall it was. And before the filter is loaded, a SIGSYS
//! handler (the *reporter*, in `common::reporter`) is installed; it prints
//! `Looks like you also need syscall: NAME(NR)` and ends the process with status 1.
//!
//! The learner's loop: run, read the report, add the syscall to the allow list,
//! rebuild, run again, until the program runs to the end. What that loop finds is
//! step 4's policy. Left out on purpose: the reporter is a teaching tool, not for
//! production; it stops at the first refused syscall of each process.

use std::process::ExitCode;

use clap::Parser;
use common::filter::{allow_list_filter, load, TUTORIAL_ALLOW_LIST};
use common::{fail_closed, reporter, Program, StepError};
use libseccomp::{ScmpAction, ScmpFilterContext};

/// The step's name, as it appears in messages.
const STEP: &str = "step-3-reporting";

/// Step 3 of the seccomp tutorial: the filter traps and a reporter names the syscall.
///
/// Loads step 2's allow list with the Trap action and a SIGSYS handler, then runs
/// the step-1 program. The first refused syscall is reported as "Looks like you
/// also need syscall: NAME(NR)" and the process exits with status 1. Exits with
/// status 3, without running the program, when the filter cannot be loaded.
#[derive(Parser)]
#[command(version)]
struct Cli {}

// ANCHOR: main
fn main() -> ExitCode {
    Cli::parse();
    // The program's buffers are made before the filter, which forbids growing the heap.
    let mut program = Program::new(STEP);
    if let Err(err) = reporter::install().and_then(|()| load(&step_filter()?)) {
        return fail_closed(STEP, &err);
    }
    program.run()
}
// ANCHOR_END: main

// ANCHOR: filter
/// The lesson of step 3: the same allow list, but trap into the reporter instead of
/// killing. The reporter must be installed before a filter with this action is loaded.
fn step_filter() -> Result<ScmpFilterContext, StepError> {
    allow_list_filter(ScmpAction::Trap, TUTORIAL_ALLOW_LIST)
}
// ANCHOR_END: filter
