//! Step 3 — add syscall reporting: the filter traps, and a reporter names the syscall.
//!
//! This is step 2 with two changes. The filter's default action is `Trap` instead of
//! `KillProcess`: a refused syscall is not run, and the kernel sends the process a
//! SIGSYS that says which syscall it was. And before the filter is loaded, a SIGSYS
//! handler (the *reporter*, in `common::reporter`) is installed; it prints
//! `Looks like you also need syscall: NAME(NR)` and ends the process with status 1.
//!
//! The learner's loop: run, read the report, add the syscall to the allow list,
//! run again, until the program runs to the end. What that loop finds is step 4's
//! policy. `--allow NAME` adds to the allow list without a rebuild
//! (`common::tools::allow`), and `--learn` finds the whole list in one run,
//! under a user-notification filter instead of the trapping one
//! (`common::tools::learn`). Left out on purpose: the reporter is a teaching
//! tool, not for production; it stops at the first refused syscall of each
//! process.

use std::process::ExitCode;

use clap::Parser;
use common::filter::{allow_list_filter, load, TUTORIAL_ALLOW_LIST};
use common::{fail_closed, reporter, Program};
use libseccomp::ScmpAction;

/// The step's name, as it appears in messages.
const STEP: &str = "step-3-reporting";

/// Step 3 of the seccomp tutorial: the filter traps and a reporter names the syscall.
///
/// Loads step 2's allow list with the Trap action and a SIGSYS handler, then runs
/// the step-1 program. The first refused syscall is reported as "Looks like you
/// also need syscall: NAME(NR)" and the process exits with status 1: run again
/// with --allow NAME, until the program runs to the end. Or find every missing
/// syscall in one run with --learn. Exits with status 2 for a syscall name
/// libseccomp does not know, and with status 3, without running the program,
/// when the filter cannot be loaded.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    tools: common::tools::Discover,
}

// ANCHOR: main
fn main() -> ExitCode {
    let cli = Cli::parse();
    // ANCHOR: filter
    // The lesson of step 3: the same allow list (plus any --allow names), but trap
    // into the reporter instead of killing.
    let filter = allow_list_filter(ScmpAction::Trap, &cli.tools.allow_list(TUTORIAL_ALLOW_LIST));
    // ANCHOR_END: filter
    // --learn runs the program under a supervisor; --print-filter and --simulate
    // show the filter instead of running the program.
    if let Some(status) = cli.tools.run(STEP, &filter) {
        return status;
    }
    // The program's buffers are made before the filter, which forbids growing the heap.
    let mut program = Program::new(STEP);
    // The reporter must be installed before a filter with the Trap action is loaded.
    if let Err(err) = reporter::install().and_then(|()| load(&filter?)) {
        return fail_closed(STEP, &err);
    }
    program.run()
}
// ANCHOR_END: main
