//! Step 2 — add a seccomp filter: the tutorial program behind a strict allow list.
//!
//! This is step 1 plus one thing: before the program runs, a filter is loaded that
//! allows only `read`, `write`, `exit`, `exit_group` and `rt_sigreturn` (and
//! `sigreturn` where the architecture has one), the syscalls of seccomp's original
//! strict mode, and kills the process at any other. The program gets as far as its
//! first other syscall: with Rust on glibc that is the sleep (`clock_nanosleep`),
//! after two lines of output. The C original died before printing anything,
//! because glibc's `printf` calls `fstat` on its first use of stdout.
//!
//! Left out on purpose: finding out *which* syscall killed it (step 3) and a
//! filter the program can live with (step 4). If the filter cannot be loaded, the
//! step says why and exits with status 3: it never runs the program unfiltered.

use std::process::ExitCode;

use clap::Parser;
use common::filter::{allow_list_filter, load, TUTORIAL_ALLOW_LIST};
use common::{fail_closed, Program};
use libseccomp::ScmpAction;

/// The step's name, as it appears in messages.
const STEP: &str = "step-2-filter";

/// Step 2 of the seccomp tutorial: the program behind a strict allow list.
///
/// Loads a filter that allows only read, write, exit, exit_group and
/// rt_sigreturn, then runs the step-1 program. The first other syscall kills it
/// with SIGSYS ("Bad system call", status 159 in a shell). Exits with status 3,
/// without running the program, when the filter cannot be loaded.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    tools: common::tools::Inspect,
}

// ANCHOR: main
fn main() -> ExitCode {
    let cli = Cli::parse();
    // ANCHOR: filter
    // The lesson of step 2: allow the tutorial's list, kill the process at anything else.
    let filter = allow_list_filter(ScmpAction::KillProcess, TUTORIAL_ALLOW_LIST);
    // ANCHOR_END: filter
    // --print-filter and --simulate show the filter instead of running the program.
    if let Some(status) = cli.tools.run(STEP, &filter) {
        return status;
    }
    // The program's buffers are made before the filter, which forbids growing the heap.
    let mut program = Program::new(STEP);
    if let Err(err) = filter.and_then(|filter| load(&filter)) {
        return fail_closed(STEP, &err);
    }
    program.run()
}
// ANCHOR_END: main
