//! Step 1 — the baseline: the tutorial program with no filter at all.
//!
//! It prompts, reads a line, echoes it, sleeps, forks, and both processes print a
//! last line. Every syscall works, so it runs to the end. The next steps add a
//! filter in front of exactly this program; see `common::program` for how it is
//! written so that a filter changes nothing but what the kernel allows.

use std::process::ExitCode;

use clap::Parser;

/// Step 1 of the seccomp tutorial: the program, with no filter.
///
/// Type a line: it is echoed, the program sleeps a second and forks, and both
/// processes print "You should not see this, because I am dead". No syscall is
/// refused, so both do.
#[derive(Parser)]
#[command(version)]
struct Cli {}

// ANCHOR: main
fn main() -> ExitCode {
    Cli::parse();
    let mut program = common::Program::new("step-1-baseline");
    program.run()
}
// ANCHOR_END: main
