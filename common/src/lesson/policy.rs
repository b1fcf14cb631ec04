//! Step 4's policy: a filter written as data, and how it becomes a filter.
//!
//! Steps 2 and 3 build their filter from a list of names in the code. Step 4's
//! policy lives in a file a learner can read and edit, `step-4-policy/policy.toml`,
//! and says more than names: each rule gives a syscall, an action (allow, kill,
//! trap, log, or fail with an errno) and optional conditions on the syscall's
//! arguments, compared the way libseccomp compares them (`eq`, `ne`, `lt`, `le`,
//! `ge`, `gt`, `masked_eq`). The file is compiled into the binary, and
//! `step-4-policy --policy FILE` reads another one instead, so a workshop can edit
//! and rerun without rebuilding.
//!
//! This module is the lesson: what a policy holds ([`Policy`], [`Rule`],
//! [`Action`], and a [`Condition`] on one argument), and [`Policy::filter`],
//! which compiles the rules into a libseccomp filter, with the same
//! bad-architecture action as every step's filter: a syscall made through
//! another ABI (x32 numbers, i386's `int 0x80` on x86_64) kills the process,
//! whatever the policy says.
//!
//! What a learner can skip lives beside it, each module named for what it does:
//! [`crate::policy_file`] reads a policy file (`Policy::read_or_shipped`, TOML,
//! or a container runtime's JSON profile through [`crate::policy_json`]);
//! [`crate::policy_check`] checks each rule before any filter is built;
//! [`crate::policy_error`] says what is wrong, in one line naming the file and
//! the rule (exit status 2).

use std::fmt;

use libseccomp::{ScmpAction, ScmpArgCompare, ScmpFilterContext};
use nix::errno::Errno;

use crate::compile_limit::{within_limit, Stage, PROGRAM_LIMIT, RULE_LIMIT};
pub use crate::condition::{Condition, Width};
use crate::error::StepError;
use crate::filter::{allow_list_filter, bpf_instructions, Filter, MAX_INSTRUCTIONS};
use crate::policy_error::{Origin, PolicyError, PolicyProblem};

/// The policy step 4 ships with: the text of `step-4-policy/policy.toml`, compiled in.
pub const SHIPPED_POLICY: &str = include_str!("../../../step-4-policy/policy.toml");

/// How messages name the shipped policy.
pub const SHIPPED_POLICY_FILE: &str = "step-4-policy/policy.toml";

/// A parsed and validated policy, ready to become a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The file the policy came from, as messages name it.
    pub file: String,
    /// What the filter does with a syscall no rule matches.
    pub default_action: Action,
    /// The rules, in the file's order.
    pub rules: Vec<Rule>,
    /// The text the policy was read from, TOML or a JSON profile: step 4's
    /// `--learn` checks the rules it suggests by reading them added to it, as
    /// the learner adds them (`refine::appended`).
    pub text: String,
}

/// One rule: a syscall, an action, and the conditions under which it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The syscall's name, as libseccomp knows it.
    pub syscall: String,
    /// What the filter does with a call that matches.
    pub action: Action,
    /// Conditions on the arguments; a call matches when all of them hold (none: every call).
    pub conditions: Vec<Condition>,
    /// Where the rule is in its file.
    pub origin: Origin,
}

impl Rule {
    /// The libseccomp rules the rule compiles to, each a list of comparisons:
    /// every combination of its conditions' comparisons (one when every condition
    /// is one comparison, as most are; see [`Condition::comparisons`]).
    pub fn comparisons(&self) -> Vec<Vec<ScmpArgCompare>> {
        self.conditions
            .iter()
            .fold(vec![Vec::new()], |combinations, condition| {
                let comparisons = condition.comparisons();
                combinations
                    .iter()
                    .flat_map(|combination| {
                        comparisons.iter().map(move |comparison| {
                            let mut next = combination.clone();
                            next.push(*comparison);
                            next
                        })
                    })
                    .collect()
            })
    }

    /// Whether the rule matches a call of its syscall with these arguments.
    pub fn matches(&self, args: &[u64; 6]) -> bool {
        self.conditions
            .iter()
            .all(|condition| condition.holds(args[condition.arg as usize]))
    }
}

/// What a filter does with a syscall: the actions a policy may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Run the syscall (`"allow"`).
    Allow,
    /// Kill the whole process with SIGSYS (`"kill"`).
    Kill,
    /// Send the thread a SIGSYS it may catch (`"trap"`); step 4 installs no
    /// handler, so the process dies as with `kill`.
    Trap,
    /// Run the syscall and log it in the kernel's audit log (`"log"`).
    Log,
    /// Do not run the syscall; make it fail with this errno (`"errno ENOSYS"` or `"errno 38"`).
    Errno(u16),
}

impl Action {
    /// The libseccomp action.
    pub fn scmp(self) -> ScmpAction {
        match self {
            Action::Allow => ScmpAction::Allow,
            Action::Kill => ScmpAction::KillProcess,
            Action::Trap => ScmpAction::Trap,
            Action::Log => ScmpAction::Log,
            Action::Errno(errno) => ScmpAction::Errno(i32::from(errno)),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Action::Allow => f.write_str("allow"),
            Action::Kill => f.write_str("kill"),
            Action::Trap => f.write_str("trap"),
            Action::Log => f.write_str("log"),
            Action::Errno(errno) => match Errno::from_raw(i32::from(errno)) {
                Errno::UnknownErrno => write!(f, "errno {errno}"),
                known => write!(f, "errno {known:?}"),
            },
        }
    }
}

impl Policy {
    // ANCHOR: compile
    /// Compiles the policy into a libseccomp filter: the default action, one
    /// libseccomp rule per policy rule with its argument conditions, and
    /// `KillProcess` for any syscall made through another ABI. The filter comes
    /// with the policy, which step 4's `--learn` learns against.
    pub fn filter(&self) -> Result<PolicyFilter, StepError> {
        // libseccomp never finishes some rules: it compiles under a limit of CPU
        // time, and a rule that takes longer is refused ([`compile_limit`]).
        within_limit(
            |stage| self.too_slow(stage),
            |watch| {
                // Steps 2 and 3's filter with an empty allow list: the default action,
                // and the same bad-architecture action as theirs.
                let mut filter = allow_list_filter(self.default_action.scmp(), &[])?;
                for (index, rule) in self.rules.iter().enumerate() {
                    watch.adding(index);
                    // A 32-bit condition can take several comparisons (`ne 3` is "below
                    // 3 or above 3" in the lower half): the rule becomes one libseccomp
                    // rule per combination, all with its action.
                    for comparisons in rule.comparisons() {
                        filter
                            .add_rule(rule.action.scmp(), &rule.syscall, &comparisons)
                            .map_err(|err| match err {
                                StepError::Build { source, .. } => StepError::BuildRule {
                                    rule: index + 1,
                                    syscall: rule.syscall.clone(),
                                    source,
                                },
                                other => other,
                            })?;
                    }
                }
                // A filter longer than the kernel loads is the policy's fault (exit 2).
                watch.generating();
                self.check_length(&filter)?;
                Ok(PolicyFilter {
                    policy: self.clone(),
                    filter,
                })
            },
        )
    }
    // ANCHOR_END: compile

    /// The refusal of a policy whose compile passed the limit of CPU time at
    /// `stage`, naming the rule libseccomp was adding.
    pub(crate) fn too_slow(&self, stage: Stage) -> StepError {
        let (doing, limit) = match stage {
            Stage::Adding(index) if index < self.rules.len() => {
                ("adding this rule to the filter", RULE_LIMIT)
            }
            // `--learn` adds its own rules after the policy's.
            Stage::Adding(_) => (
                "adding the rules that hand --learn's listener over",
                RULE_LIMIT,
            ),
            Stage::Generating => ("generating the filter's BPF program", PROGRAM_LIMIT),
        };
        let problem = PolicyProblem::CompileTooSlow {
            doing,
            seconds: limit.as_secs(),
        };
        match stage {
            Stage::Adding(index) if index < self.rules.len() => {
                let rule = &self.rules[index];
                PolicyError::at(&self.file, rule.origin, &rule.syscall, problem).into()
            }
            _ => PolicyError::whole(&self.file, problem).into(),
        }
    }

    /// Refuses, as a bad policy, a filter longer than the kernel loads: the
    /// kernel would only say EINVAL when the step loads it.
    fn check_length(&self, filter: &ScmpFilterContext) -> Result<(), StepError> {
        let length = bpf_instructions(filter)?.len();
        if length > MAX_INSTRUCTIONS {
            return Err(
                PolicyError::whole(&self.file, PolicyProblem::ProgramTooLong(length)).into(),
            );
        }
        Ok(())
    }
}

/// A filter compiled from a policy, with that policy ([`Policy::filter`]).
///
/// It dereferences to the filter, so step 4 loads it as steps 2 and 3 load
/// theirs. Step 4's `--learn` needs the policy itself: it builds a filter of
/// its own from the policy's rules and compares the program's syscalls with
/// them.
pub struct PolicyFilter {
    /// The policy the filter was compiled from.
    pub policy: Policy,
    /// The filter compiled from it.
    pub filter: Filter,
}

impl std::ops::Deref for PolicyFilter {
    type Target = Filter;

    fn deref(&self) -> &Filter {
        &self.filter
    }
}
