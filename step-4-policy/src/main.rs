//! Step 4 — the finished policy: step 2's allow list plus what step 3 found.
//!
//! This is step 2 with a longer allow list. Each syscall added below was reported
//! by step 3 on some machine; the default action is `KillProcess` again, so the
//! program runs to the end, exactly like step 1, and any syscall not on the list
//! still kills it.
//!
//! The list names syscalls, never numbers, and it is a union over the glibc
//! versions and architectures the tutorial is tried on: a name this architecture
//! does not have is skipped by libseccomp, and a syscall this glibc does not make
//! is allowed but unused. Left out on purpose: argument checks (a `write` to any
//! descriptor is allowed); they come when the policy is refined.

use std::process::ExitCode;

use clap::Parser;
use common::filter::{allow_list_filter, load, TUTORIAL_ALLOW_LIST};
use common::print_filter::{self, PrintFilterArg};
use common::{fail_closed, Program, StepError};
use libseccomp::{ScmpAction, ScmpFilterContext};

/// The step's name, as it appears in messages.
const STEP: &str = "step-4-policy";

// ANCHOR: found
/// What step 3 reports on top of the tutorial's allow list, and who needs it.
const FOUND_BY_STEP_3: &[&str] = &[
    // `sleep(1)`: glibc 2.31 and later sleep with clock_nanosleep, older glibc with nanosleep.
    "clock_nanosleep",
    "nanosleep",
    // `fork()`: glibc forks with clone.
    "clone",
    // In the forked child, glibc registers the child's robust futex list again.
    "set_robust_list",
    // glibc 2.41 (Debian 13) blocks all signals around fork and restores them after.
    "rt_sigprocmask",
    // On return from `main`, Rust's runtime removes the main thread's signal stack
    // (the guard against stack overflow): sigaltstack, then munmap of its memory.
    "sigaltstack",
    "munmap",
];
// ANCHOR_END: found

/// Step 4 of the seccomp tutorial: the finished policy.
///
/// Loads step 2's allow list plus every syscall step 3 found, with the
/// KillProcess action for anything else, then runs the step-1 program, which
/// runs to the end. Exits with status 3, without running the program, when the
/// filter cannot be loaded.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    print_filter: PrintFilterArg,
}

// ANCHOR: main
fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(format) = cli.print_filter.format {
        return print_filter::print(STEP, format, step_filter());
    }
    // The program's buffers are made before the filter, which forbids growing the heap.
    let mut program = Program::new(STEP);
    if let Err(err) = step_filter().and_then(|filter| load(&filter)) {
        return fail_closed(STEP, &err);
    }
    program.run()
}
// ANCHOR_END: main

// ANCHOR: filter
/// The lesson of step 4: the tutorial's allow list plus what step 3 found; kill the rest.
fn step_filter() -> Result<ScmpFilterContext, StepError> {
    let policy = [TUTORIAL_ALLOW_LIST, FOUND_BY_STEP_3].concat();
    allow_list_filter(ScmpAction::KillProcess, &policy)
}
// ANCHOR_END: filter
