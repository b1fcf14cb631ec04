//! Step 4 — the finished policy: step 2's allow list plus what step 3 found,
//! refined with argument checks and kept in a file.
//!
//! This is step 2 with its allow list replaced by a *policy*: the rules in
//! `step-4-policy/policy.toml`, compiled into the binary and read at startup
//! (`--policy FILE` reads another file instead). Each rule names a syscall and an
//! action, and may check the syscall's arguments: `read` only from stdin, `write`
//! only to stdout and stderr, `clone` only as a plain fork, `clone3` answered with
//! ENOSYS. The default action is `KillProcess` again, so the program runs to the
//! end, exactly like step 1, and anything else still kills it.
//!
//! The policy names syscalls, never numbers, and it is a union over the glibc
//! versions and architectures the tutorial is tried on: a name this architecture
//! does not have is skipped by libseccomp, and a syscall this glibc does not make
//! is allowed but unused. What a policy holds and how it is compiled is in
//! `common::policy`; how its file is read (`Policy::read_or_shipped`) is in
//! `common::policy_file`, and how each rule is checked in `common::policy_check`.
//! A bad policy is refused before anything runs, with one line naming the
//! file, the rule and the mistake, and exit status 2. `--learn` runs
//! the program under a policy with its default action replaced by a user
//! notification, and prints what the policy lacks as rules to append to it
//! (`common::tools::refine`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::filter::load;
use common::policy::Policy;
use common::{fail_closed, Program};

/// The step's name, as it appears in messages.
const STEP: &str = "step-4-policy";

/// Step 4 of the seccomp tutorial: the finished policy.
///
/// Loads the policy (step 2's allow list plus every syscall step 3 found,
/// refined with argument checks: read only from stdin, write only to stdout and
/// stderr, clone only as a plain fork) with the KillProcess action for anything
/// else, then runs the step-1 program, which runs to the end. Find what a policy
/// lacks, as rules to append to it, with --learn. Exits with status 2 when the
/// policy is refused, and with status 3, without running the program, when the
/// filter cannot be loaded.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Read the policy from FILE instead of the built-in step-4-policy/policy.toml.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    #[command(flatten)]
    tools: common::tools::Refine,
}

// ANCHOR: main
fn main() -> ExitCode {
    let cli = Cli::parse();
    // ANCHOR: filter
    // The lesson of step 4: the policy's rules, with their argument checks; kill the
    // rest. A bad policy is refused here, before anything runs.
    let filter = Policy::read_or_shipped(cli.policy.as_deref()).and_then(|policy| policy.filter());
    // ANCHOR_END: filter
    // --learn runs the program under a supervisor, against the policy; --print-filter
    // and --simulate show the filter instead of running the program.
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
