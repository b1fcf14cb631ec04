//! The tools of discovery and inspection, as the steps' command lines offer them,
//! kept here so that each step's `main.rs` shows its lesson and one line for its
//! tools.
//!
//! - [`Inspect`], on step 2: `--print-filter` and `--simulate`, which show the
//!   filter the step built, or its answer to one syscall, instead of running the
//!   program ([`crate::tools::print_filter`]).
//! - [`Discover`], on step 3: those two, plus `--allow NAME` ([`crate::tools::allow`]),
//!   names added to the allow list at run time, and `--learn`
//!   ([`crate::tools::learn`]), which runs the program once under a supervisor and
//!   names every syscall it needs, or with `-- CMD [ARG...]` any command
//!   ([`command`]).
//! - [`Refine`], on step 4: those two, plus `--learn` against the step's policy
//!   ([`crate::tools::refine`]), which names what the policy lacks, as rules to append
//!   to it.
//!
//! All three offer `--audit` ([`audit`]), which reads the filter for the
//! classic mistakes instead of running the program.
//!
//! A step builds its filter first, whatever it was asked; then
//! `cli.tools.run(STEP, &filter)` either does what a tool was asked for and
//! gives the step's exit status, or gives `None`: the step loads its filter and
//! runs its program.
//!
//! The tools themselves are this folder's modules: [`allow`], [`learn`] with
//! [`command`] and [`refine`], [`print_filter`] with the disassembler [`bpf`],
//! the simulator [`simulate`], [`oci`], a container runtime's profile, and
//! [`audit`], which finds the classic mistakes of a filter.

pub mod allow;
pub mod audit;
pub mod bpf;
pub mod callers;
pub mod command;
pub mod learn;
pub mod oci;
pub mod print_filter;
pub mod refine;
pub mod simulate;

use std::ffi::OsString;
use std::process::ExitCode;

use crate::error::{fail_closed, StepError};
use crate::filter::StepFilter;
use crate::policy::PolicyFilter;
use crate::tools::allow::AllowArg;
use crate::tools::print_filter::PrintFilterArg;
use crate::Program;

/// The options `--audit` cannot be given with: it shows the filter instead of
/// running anything, as they do. `--callers` cannot be given with the last two:
/// it adds to a run of the program, which they do not make.
const CONFLICTS: [&str; 3] = ["learn", "format", "simulate"];

/// The tools of step 2: `--print-filter` and `--simulate`.
#[derive(clap::Args, Debug, Clone)]
pub struct Inspect {
    /// Audit the filter this step would load for the classic mistakes, print
    /// one finding per line with the book's section that explains it, and exit
    /// without running the program: 0 with no warning, 1 with warnings
    #[arg(long, conflicts_with_all = &CONFLICTS[1..])]
    audit: bool,
    #[command(flatten)]
    print_filter: PrintFilterArg,
}

impl Inspect {
    /// Shows what `--print-filter` or `--simulate` asks for of the step's
    /// `filter` and returns the step's exit status, or returns `None` when
    /// neither was given: then the step runs its program.
    pub fn run(&self, step: &str, filter: &StepFilter) -> Option<ExitCode> {
        if self.audit {
            return Some(audit::print(step, filter.as_ref()));
        }
        let shown = self.print_filter.shown()?;
        Some(print_filter::print(step, shown, filter.as_ref()))
    }
}

/// The tools of step 3: `--allow`, `--learn`, `--print-filter` and `--simulate`.
#[derive(clap::Args, Debug, Clone)]
pub struct Discover {
    #[command(flatten)]
    allow: AllowArg,
    /// Run the program once under a user-notification filter instead: a
    /// supervisor lets every syscall run and lists on stderr, in the order first
    /// made, those the allow list does not allow, with the --allow option that
    /// allows them and how to find what step 4's policy lacks of them, and exits
    /// with the program's own status (Linux 5.7 or later, libseccomp 2.5 or
    /// later). With --print-filter, print that filter
    #[arg(long)]
    learn: bool,
    /// With --learn: show under each syscall listed the functions that made its
    /// first call, from the syscall up to the program's own code, with file and
    /// line where the program has debug information (x86_64 and aarch64)
    #[arg(long, requires = "learn", conflicts_with_all = &CONFLICTS[1..])]
    callers: bool,
    /// Audit the filter this step would load for the classic mistakes, print
    /// one finding per line with the book's section that explains it, and exit
    /// without running the program: 0 with no warning, 1 with warnings
    #[arg(long, conflicts_with_all = CONFLICTS)]
    audit: bool,
    #[command(flatten)]
    print_filter: PrintFilterArg,
    /// With --learn: run CMD with its arguments instead of the tutorial program,
    /// looked up on PATH as a shell does, and list what it needs from its execve
    /// on, in every process it forks; exit with its status (127 when it is not
    /// found, 126 when it cannot be executed, 128 + N when signal N killed it).
    /// It runs with NO_NEW_PRIVS: a set-user-ID program gains no privileges.
    /// Killed by SIGKILL, the supervisor takes CMD's process with it unless CMD
    /// changed its credentials or cleared its death signal; what CMD forked runs
    /// on
    #[arg(last = true, value_name = "CMD", requires = "learn")]
    command: Vec<OsString>,
}

impl Discover {
    /// `allow_list` and the names given with `--allow` after it. The names are
    /// checked in [`Discover::run`]; a filter built from them checks them too
    /// (an unknown one is a usage error).
    pub fn allow_list<'a>(&'a self, allow_list: &[&'a str]) -> Vec<&'a str> {
        let also_allow = self.allow.names.iter().map(String::as_str);
        allow_list.iter().copied().chain(also_allow).collect()
    }

    /// Does what `--learn`, `--print-filter` or `--simulate` asks for and
    /// returns the step's exit status, or returns `None` when none was given:
    /// then the step runs its program under `filter`, the step's own.
    ///
    /// `--allow` names are checked here first, with a warning on stderr for a
    /// name only other architectures have. `--learn` builds its own filter, a
    /// user-notification one, from step 2's allow list and the `--allow` names,
    /// and forks the program's process: in that process this returns what the
    /// program returns, as the other steps' `main` does.
    pub fn run(&self, step: &'static str, filter: &StepFilter) -> Option<ExitCode> {
        let also_allow = match self.allow.checked(step) {
            Ok(names) => names,
            Err(err) => return Some(fail_closed(step, &err)),
        };
        if self.audit {
            return Some(audit::print(step, filter.as_ref()));
        }
        let command = !self.command.is_empty();
        match (self.learn, self.print_filter.shown()) {
            (true, Some(shown)) if command => Some(print_filter::print(
                step,
                shown,
                command::command_filter(&also_allow).as_ref(),
            )),
            (true, Some(shown)) => Some(print_filter::print(
                step,
                shown,
                learn::filter_to_print(&also_allow).as_ref(),
            )),
            (false, Some(shown)) => Some(print_filter::print(step, shown, filter.as_ref())),
            (true, None) if command => Some(command::learn_command(
                step,
                &self.command,
                &also_allow,
                self.callers,
            )),
            // The program's buffers are made before the filter, which forbids growing the heap.
            (true, None) => Some(learn::learn(
                step,
                &mut Program::new(step),
                &also_allow,
                self.callers,
            )),
            (false, None) => None,
        }
    }
}

/// The tools of step 4: `--learn` against its policy, `--print-filter` and
/// `--simulate`.
#[derive(clap::Args, Debug, Clone)]
pub struct Refine {
    /// Run the program once under the policy with its default action replaced
    /// by a user notification instead: a supervisor lets every syscall that no
    /// rule matches run and lists them on stderr, in the order first made, with
    /// rules to append to the policy that allow them (for a syscall the policy
    /// has rules for, only with the values the call had on the arguments those
    /// rules compare), and exits with the program's own status (Linux 5.7 or
    /// later, libseccomp 2.5 or later). With --print-filter, print that filter
    #[arg(long)]
    learn: bool,
    /// With --learn: show under each syscall listed the functions that made its
    /// first call, from the syscall up to the program's own code, with file and
    /// line where the program has debug information (x86_64 and aarch64)
    #[arg(long, requires = "learn", conflicts_with_all = &CONFLICTS[1..])]
    callers: bool,
    /// Audit the filter this step would load for the classic mistakes, print
    /// one finding per line with the book's section that explains it, and exit
    /// without running the program: 0 with no warning, 1 with warnings
    #[arg(long, conflicts_with_all = CONFLICTS)]
    audit: bool,
    #[command(flatten)]
    print_filter: PrintFilterArg,
}

impl Refine {
    /// Does what `--learn`, `--print-filter` or `--simulate` asks for and
    /// returns the step's exit status, or returns `None` when none was given:
    /// then the step runs its program under `filter`, compiled from its policy,
    /// which comes with it.
    ///
    /// `--learn` learns against that policy ([`refine`]), and forks the
    /// program's process: in that process this returns what the program
    /// returns, as the step's `main` does. A refused policy is said in one line,
    /// with status 2, whatever was asked.
    pub fn run(
        &self,
        step: &'static str,
        filter: &Result<PolicyFilter, StepError>,
    ) -> Option<ExitCode> {
        if self.audit {
            return Some(audit::print_policy(step, filter.as_ref()));
        }
        match (self.learn, self.print_filter.shown(), filter) {
            (true, Some(shown), Ok(filter)) => Some(print_filter::print(
                step,
                shown,
                refine::filter_to_print(filter).as_ref(),
            )),
            (_, Some(shown), _) => Some(print_filter::print(
                step,
                shown,
                filter.as_ref().map(|filter| &filter.filter),
            )),
            // The program's buffers are made before the filter, which forbids growing the heap.
            (true, None, _) => Some(refine::learn_against(
                step,
                &mut Program::new(step),
                filter,
                self.callers,
            )),
            (false, None, _) => None,
        }
    }
}
