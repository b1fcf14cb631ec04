//! Step 4's policy: a filter written as data, read from a TOML file.
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
//! A policy goes through three stages, all before any filter is loaded:
//!
//! 1. [`Policy::parse`] reads the TOML (serde, unknown fields refused), and
//! 2. validates every rule: the syscall name is known to libseccomp, argument
//!    indexes are 0 to 5 and the syscall's own, each argument has a width
//!    ([`crate::condition`]), an errno is 1 to 4094, no condition holds always or
//!    never, no two rules of a syscall with different actions can match the
//!    same call, no rule repeats the default action, and nothing is left that
//!    libseccomp compiles wrongly. A bad policy is one [`PolicyError`] naming
//!    the file, the rule and what is wrong (exit status 2).
//! 3. [`Policy::filter`] compiles the rules into a libseccomp filter, with the
//!    same bad-architecture action as every step's filter: a syscall made through
//!    another ABI (x32 numbers, i386's `int 0x80` on x86_64) kills the process,
//!    whatever the policy says.

use std::fmt;
use std::path::Path;

use libseccomp::{ScmpAction, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext};

use nix::errno::Errno;
use serde::Deserialize;

use crate::compile_limit::{within_limit, Stage, PROGRAM_LIMIT, RULE_LIMIT};
use crate::condition::{argument_width, Known, LOWER_HALF};
pub use crate::condition::{Condition, Width};
use crate::error::StepError;
use crate::filter::{allow_list_filter, bpf_instructions, resolve, Filter, MAX_INSTRUCTIONS};

/// The policy step 4 ships with: the text of `step-4-policy/policy.toml`, compiled in.
pub const SHIPPED_POLICY: &str = include_str!("../../../step-4-policy/policy.toml");

/// How messages name the shipped policy.
pub const SHIPPED_POLICY_FILE: &str = "step-4-policy/policy.toml";

/// The highest argument index a condition may name: a syscall has six arguments.
pub const MAX_ARG_INDEX: u32 = 5;

/// The errnos a rule may answer with. The kernel returns at most `MAX_ERRNO`
/// (4095) and libseccomp accepts less than that; 0 would make the syscall look
/// successful without running it, which is never what a typo meant.
pub const ERRNO_RANGE: std::ops::RangeInclusive<u16> = 1..=4094;

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
    /// the learner adds them ([`Policy::appended`]).
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

/// Where a rule is in its file, as messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A `[[rule]]` of a TOML policy: its number, counted from 1, and the line of
    /// its header, counted from 1.
    Toml {
        /// The rule's number.
        rule: usize,
        /// The line of its `[[rule]]` header.
        line: usize,
    },
    /// An entry of a JSON profile's `syscalls`, counted from 0 as JSON paths count.
    Json(usize),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Origin::Toml { rule, line } => write!(f, "rule {rule} (line {line})"),
            Origin::Json(entry) => write!(f, "syscalls[{entry}]"),
        }
    }
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

    /// `write(2, 0, 4096)`: the syscall with arguments `args`, as `--simulate` takes it.
    fn call(&self, args: &[u64; 6]) -> String {
        let used = (0..6)
            .rev()
            .find(|&i| args[i] != 0 || self.conditions.iter().any(|c| c.arg as usize == i))
            .map_or(0, |i| i + 1);
        let shown: Vec<String> = args[..used]
            .iter()
            .map(|&arg| {
                if arg > 0xFFFF {
                    format!("{arg:#x}")
                } else {
                    arg.to_string()
                }
            })
            .collect();
        format!("{}({})", self.syscall, shown.join(", "))
    }
}

/// The most libseccomp rules one policy rule may compile to: two 32-bit `ne`
/// conditions would take 32 × 32.
pub const MAX_COMPARISONS: usize = 64;

/// The most libseccomp rules a whole policy may compile to.
pub const MAX_POLICY_COMPARISONS: usize = 1024;

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

    /// Reads an action as a policy writes it.
    fn parse(text: &str) -> Result<Action, PolicyProblem> {
        let mut words = text.split_whitespace();
        let action = match (words.next(), words.next(), words.next()) {
            (Some("allow"), None, _) => Action::Allow,
            (Some("kill"), None, _) => Action::Kill,
            (Some("trap"), None, _) => Action::Trap,
            (Some("log"), None, _) => Action::Log,
            (Some("errno"), Some(errno), None) => Action::Errno(parse_errno(errno)?),
            _ => return Err(PolicyProblem::UnknownAction(text.to_owned())),
        };
        Ok(action)
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

/// Reads an errno given by name (`ENOSYS`, as this architecture numbers it) or by number.
pub(crate) fn parse_errno(text: &str) -> Result<u16, PolicyProblem> {
    if let Ok(number) = text.parse::<i64>() {
        return u16::try_from(number)
            .ok()
            .filter(|errno| ERRNO_RANGE.contains(errno))
            .ok_or(PolicyProblem::ErrnoOutOfRange(number));
    }
    // The standard second names of three errnos, which nix knows only as
    // constants: libc numbers them as this architecture does (EDEADLOCK is not
    // EDEADLK everywhere).
    let alias = [
        ("EWOULDBLOCK", libc::EWOULDBLOCK),
        ("ENOTSUP", libc::ENOTSUP),
        ("EDEADLOCK", libc::EDEADLOCK),
    ]
    .into_iter()
    .find(|&(name, _)| name == text);
    if let Some((_, number)) = alias {
        return u16::try_from(number)
            .ok()
            .filter(|errno| ERRNO_RANGE.contains(errno))
            .ok_or(PolicyProblem::ErrnoOutOfRange(number.into()));
    }
    // nix names every errno this architecture has; asking it keeps the numbers
    // out of this file (they differ on some architectures). A number nix does not
    // know is `UnknownErrno`, which is no errno's name.
    let mut numbers = ERRNO_RANGE;
    numbers
        .find(|&n| match Errno::from_raw(i32::from(n)) {
            Errno::UnknownErrno => false,
            errno => format!("{errno:?}") == text,
        })
        .ok_or_else(|| PolicyProblem::UnknownErrno(text.to_owned()))
}

/// A policy file as serde reads it, before validation. Rules are kept as tables
/// with their place in the file, so an error in one can name it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    default_action: toml::Spanned<String>,
    #[serde(default)]
    rule: Vec<toml::Spanned<toml::Table>>,
}

/// One `[[rule]]` as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    syscall: String,
    action: String,
    #[serde(default)]
    args: Vec<ConditionFile>,
}

/// One condition, `{ arg = 0, op = "eq", value = 1 }`, as serde reads it (or
/// as [`crate::oci`] reads it from a JSON profile).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConditionFile {
    pub(crate) arg: i64,
    pub(crate) op: OpName,
    pub(crate) value: u64,
    pub(crate) mask: Option<u64>,
    pub(crate) width: Option<i64>,
}

/// libseccomp's comparison operators, as a policy names them (`SCMP_CMP_EQ` is `eq`).
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OpName {
    Eq,
    Ne,
    Lt,
    Le,
    Ge,
    Gt,
    MaskedEq,
}

impl Policy {
    /// The policy step 4 ships with ([`SHIPPED_POLICY`]), parsed and validated.
    pub fn shipped() -> Result<Policy, StepError> {
        Policy::parse(SHIPPED_POLICY_FILE, SHIPPED_POLICY)
    }

    /// Reads, parses and validates the policy in the file at `path`.
    pub fn read(path: &Path) -> Result<Policy, StepError> {
        use std::io::Read;

        let file = path.display().to_string();
        let refuse = |problem| Err(PolicyError::whole(&file, problem).into());
        // Read one byte past the limit, so that a file that never ends (`--policy
        // /dev/zero`) is refused instead of filling the memory.
        let mut text = String::new();
        let read = std::fs::File::open(path)
            .and_then(|policy| policy.take(MAX_POLICY_BYTES + 1).read_to_string(&mut text));
        match read {
            Err(err) => refuse(PolicyProblem::Unreadable(err)),
            Ok(length) if length as u64 > MAX_POLICY_BYTES => refuse(PolicyProblem::TooLarge),
            Ok(_) => Policy::parse(&file, &text),
        }
    }

    /// The policy in the file at `path` ([`Policy::read`]), or without a path the
    /// one step 4 ships with ([`Policy::shipped`]): what `--policy` chooses.
    pub fn read_or_shipped(path: Option<&Path>) -> Result<Policy, StepError> {
        path.map_or_else(Policy::shipped, Policy::read)
    }

    /// Parses and validates policy `text`; `file` names it in error messages.
    /// A text that starts with `{` is a container runtime's JSON profile (OCI,
    /// Docker or Podman), read by [`crate::oci::read_profile`]; any other is TOML.
    pub fn parse(file: &str, text: &str) -> Result<Policy, StepError> {
        // A byte-order mark, which some editors write, is not part of either.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let policy = if is_json(text) {
            crate::oci::read_profile(file, text, Warn::Yes)?
        } else {
            parse(file, text)?
        };
        Ok(Policy {
            text: text.to_owned(),
            ..policy
        })
    }

    /// Whether the policy is a container runtime's JSON profile, not TOML.
    pub fn is_json(&self) -> bool {
        is_json(&self.text)
    }

    /// The policy with `rules` added to its file, read and validated as a
    /// whole, as `--policy` would read the file once a learner has added them:
    /// for TOML, `[[rule]]` tables appended to the text; for a JSON profile,
    /// entries separated by commas, added at the end of its `syscalls` (read
    /// without its warnings, which reading it the first time gave).
    pub fn appended(&self, rules: &str) -> Result<Policy, StepError> {
        if !self.is_json() {
            return Policy::parse(&self.file, &format!("{}{rules}", self.text));
        }
        let whole = |problem| StepError::from(PolicyError::whole(&self.file, problem));
        let json = |err: serde_json::Error| whole(PolicyProblem::Json(err.to_string()));
        let mut profile: serde_json::Value = serde_json::from_str(&self.text).map_err(json)?;
        let added: Vec<serde_json::Value> =
            serde_json::from_str(&format!("[{rules}]")).map_err(json)?;
        let syscalls = profile
            .as_object_mut()
            .map(|fields| fields.entry("syscalls").or_insert(serde_json::json!([])))
            .and_then(serde_json::Value::as_array_mut)
            .ok_or_else(|| whole(PolicyProblem::Json("no `syscalls` array".to_owned())))?;
        syscalls.extend(added);
        let text = profile.to_string();
        let policy = crate::oci::read_profile(&self.file, &text, Warn::No)?;
        Ok(Policy { text, ..policy })
    }

    // ANCHOR: compile
    /// Compiles the policy into a libseccomp filter: the default action, one
    /// libseccomp rule per policy rule with its argument conditions, and
    /// `KillProcess` for any syscall made through another ABI.
    pub fn filter(&self) -> Result<Filter, StepError> {
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
                // The filter keeps its policy, for `--learn` to learn against.
                Ok(filter.compiled_from(self))
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
                PolicyError::at_rule(&self.file, &self.rules[index], problem).into()
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

/// Whether policy `text` is a container runtime's JSON profile: it starts
/// with `{`, where a TOML policy starts with a key or a comment.
fn is_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// Whether reading a JSON profile says on stderr what a runtime would drop
/// from it ([`crate::oci::read_profile`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warn {
    /// Say it: the profile is read for the step.
    Yes,
    /// Not again: the profile is read once more, with entries added.
    No,
}

/// Parses and validates; the body of [`Policy::parse`]. (A policy is parsed
/// once, before any filter: the size of its error costs nothing.)
#[allow(clippy::result_large_err)]
fn parse(file: &str, text: &str) -> Result<Policy, PolicyError> {
    if text
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'))
    {
        return Err(PolicyError::whole(file, PolicyProblem::Empty));
    }
    let raw: PolicyFile = toml::from_str(text).map_err(|err| {
        // A missing field has an empty span: it is the whole file's problem.
        let span = err.span().filter(|span| !span.is_empty());
        let line = span.clone().map(|span| line_of(text, span.start));
        // An integer TOML cannot hold is the parser's "u64 value was too large"
        // or "invalid type: integer ... as i128": say what the limit is.
        let problem = match span.and_then(|span| text.get(span)) {
            Some(literal) if past_toml_integers(literal) => {
                PolicyProblem::PastTomlIntegers(literal.to_owned())
            }
            _ => PolicyProblem::Toml(one_line(err.message())),
        };
        PolicyError {
            rule: line.and_then(|line| rule_at_line(text, line)),
            line,
            ..PolicyError::whole(file, problem)
        }
    })?;
    let default_action =
        Action::parse(raw.default_action.get_ref()).map_err(|problem| PolicyError {
            line: Some(line_of(text, raw.default_action.span().start)),
            ..PolicyError::whole(file, problem)
        })?;

    let mut rules: Vec<Rule> = Vec::with_capacity(raw.rule.len());
    // The rules come in the file's order: their lines are counted on from the
    // rule before, not from the top each time (a policy may have many rules).
    let (mut counted_to, mut lines_before) = (0, 0);
    for (index, spanned) in raw.rule.into_iter().enumerate() {
        check_rule_count(file, &rules)?;
        let start = spanned.span().start.min(text.len());
        if start < counted_to {
            (counted_to, lines_before) = (0, 0);
        }
        lines_before += text[counted_to..start].matches('\n').count();
        counted_to = start;
        let line = lines_before + 1;
        let at = |syscall: Option<&str>, problem| PolicyError {
            rule: Some(index + 1),
            syscall: syscall.map(str::to_owned),
            line: Some(line),
            ..PolicyError::whole(file, problem)
        };
        let raw_rule = RuleFile::deserialize(spanned.into_inner())
            .map_err(|err| at(None, PolicyProblem::Toml(one_line(err.message()))))?;
        // An empty name would read as `rule 1 (, line 2)`: leave it out.
        let syscall = Some(raw_rule.syscall.clone()).filter(|name| !name.is_empty());
        let origin = Origin::Toml {
            rule: index + 1,
            line,
        };
        let rule = Action::parse(&raw_rule.action)
            .and_then(|action| {
                let syscall = raw_rule.syscall;
                validate_rule(
                    syscall,
                    action,
                    raw_rule.args,
                    origin,
                    default_action,
                    &rules,
                )
            })
            .map_err(|problem| at(syscall.as_deref(), problem))?;
        rules.push(rule);
    }
    assemble(file, default_action, rules)
}

/// Refuses a policy with more rules than a filter can take before it checks one
/// more: each rule is checked against the earlier ones of its syscall, and a
/// megabyte of one-line rules would take minutes.
#[allow(clippy::result_large_err)]
pub(crate) fn check_rule_count(file: &str, rules: &[Rule]) -> Result<(), PolicyError> {
    if rules.len() >= MAX_POLICY_COMPARISONS {
        return Err(PolicyError::whole(file, PolicyProblem::TooManyRules));
    }
    Ok(())
}

/// The policy of `rules`, validated one by one, once the whole is checked: it
/// has rules, and not more than a filter can take.
#[allow(clippy::result_large_err)]
pub(crate) fn assemble(
    file: &str,
    default_action: Action,
    rules: Vec<Rule>,
) -> Result<Policy, PolicyError> {
    if rules.is_empty() {
        return Err(PolicyError::whole(file, PolicyProblem::NoRules));
    }
    // What the policy compiles to must fit what the kernel loads. The number of
    // libseccomp rules is bounded first: libseccomp's time grows faster than
    // their square, and a megabyte of rules would take hours.
    let compiled: usize = rules.iter().map(|rule| rule.comparisons().len()).sum();
    if compiled > MAX_POLICY_COMPARISONS {
        return Err(PolicyError::whole(
            file,
            PolicyProblem::TooManyInAll(compiled),
        ));
    }
    // Whether the filter fits the kernel is known once it is built: see
    // `Policy::filter`.
    Ok(Policy {
        file: file.to_owned(),
        default_action,
        rules,
        text: String::new(),
    })
}

/// Checks one rule, for `syscall` with `action` under the conditions `args`,
/// against libseccomp and against the rules before it. A JSON profile's entries
/// come here too ([`crate::oci`]), one rule per name.
pub(crate) fn validate_rule(
    syscall: String,
    action: Action,
    args: Vec<ConditionFile>,
    origin: Origin,
    default_action: Action,
    earlier: &[Rule],
) -> Result<Rule, PolicyProblem> {
    resolve(&syscall).map_err(|_| PolicyProblem::UnknownSyscall(syscall.clone()))?;
    if action == default_action {
        return Err(PolicyProblem::SameAsDefault(action));
    }
    let mut conditions = Vec::with_capacity(args.len());
    for condition in args {
        let arg = u32::try_from(condition.arg)
            .ok()
            .filter(|&arg| arg <= MAX_ARG_INDEX)
            .ok_or(PolicyProblem::ArgIndexOutOfRange(condition.arg))?;
        if conditions.iter().any(|c: &Condition| c.arg == arg) {
            return Err(PolicyProblem::ArgComparedTwice(arg));
        }
        let op = match (condition.op, condition.mask) {
            (OpName::MaskedEq, Some(mask)) if condition.value & !mask != 0 => {
                return Err(PolicyProblem::ValueOutsideMask {
                    mask,
                    value: condition.value,
                })
            }
            (OpName::MaskedEq, Some(mask)) => ScmpCompareOp::MaskedEqual(mask),
            (OpName::MaskedEq, None) => return Err(PolicyProblem::MaskMissing),
            (_, Some(_)) => return Err(PolicyProblem::MaskWithoutMaskedEq),
            (OpName::Eq, None) => ScmpCompareOp::Equal,
            (OpName::Ne, None) => ScmpCompareOp::NotEqual,
            (OpName::Lt, None) => ScmpCompareOp::Less,
            (OpName::Le, None) => ScmpCompareOp::LessOrEqual,
            (OpName::Ge, None) => ScmpCompareOp::GreaterEqual,
            (OpName::Gt, None) => ScmpCompareOp::Greater,
        };
        let width = condition_width(&syscall, arg, condition.width)?;
        let condition = Condition {
            arg,
            op,
            value: condition.value,
            width,
        };
        check_condition(&condition)?;
        conditions.push(condition);
    }
    conditions.sort_by_key(|c| c.arg);
    let rule = Rule {
        syscall,
        action,
        conditions,
        origin,
    };
    let compiled = rule.comparisons().len();
    if compiled > MAX_COMPARISONS {
        return Err(PolicyProblem::TooManyComparisons(compiled));
    }

    // When two rules of a syscall with different actions can match one call,
    // libseccomp gives that call either action, or drops one rule without a
    // word: refuse them. Two rules with the same action may match one call: it
    // gets that action either way (`common/tests/policy.rs` generates such
    // rules and checks every call).
    for other in earlier.iter().filter(|other| other.syscall == rule.syscall) {
        for mine in &rule.conditions {
            if let Some(theirs) = other.conditions.iter().find(|c| c.arg == mine.arg) {
                if theirs.width != mine.width {
                    return Err(PolicyProblem::WidthDiffers {
                        arg: mine.arg,
                        other: other.origin,
                        width: theirs.width,
                    });
                }
            }
        }
        if let Some(arg) = ranges_on_one_argument(&rule, other) {
            return Err(PolicyProblem::RangesOnOneArgument {
                other: other.origin,
                arg,
            });
        }
        if other.action == rule.action {
            continue;
        }
        if let Some(args) = both_match(&rule, other) {
            return Err(PolicyProblem::OverlapWithAnotherAction {
                other: other.origin,
                action: other.action,
                call: rule.call(&args),
            });
        }
    }
    Ok(rule)
}

/// The width of argument `arg` of `syscall` in a condition: the one
/// [`ARGUMENT_WIDTHS`](crate::condition::ARGUMENT_WIDTHS) gives, or the one the
/// condition states (`width = 32` or `64`) where the table knows none; a stated
/// width must agree with the table's. On a 32-bit architecture, 32.
fn condition_width(syscall: &str, arg: u32, stated: Option<i64>) -> Result<Width, PolicyProblem> {
    let stated = stated
        .map(|bits| Width::from_bits(bits).ok_or(PolicyProblem::BadWidth(bits)))
        .transpose()?;
    match (argument_width(syscall, arg), stated) {
        (Known::Past(count), _) => Err(PolicyProblem::NoSuchArgument { arg, count }),
        // A 32-bit architecture's registers are 32 bits: every argument is,
        // whatever the table says of it on a 64-bit one.
        _ if cfg!(target_pointer_width = "32") => Ok(Width::Bits32),
        (Known::Width(known), Some(stated)) if stated != known => {
            Err(PolicyProblem::WidthDisagrees { arg, known })
        }
        (Known::Width(known), _) => Ok(known),
        (Known::Unknown | Known::Other, Some(stated)) => Ok(stated),
        (Known::Unknown, None) => Err(PolicyProblem::WidthMissing(arg)),
        (Known::Other, None) => Err(PolicyProblem::WidthUnclear(arg)),
    }
}

/// Refuses a condition that states more than a filter can check: bits above a
/// 32-bit argument, a comparison that holds for every value or for none.
fn check_condition(condition: &Condition) -> Result<(), PolicyProblem> {
    let mask = match condition.op {
        ScmpCompareOp::MaskedEqual(mask) => mask,
        _ => 0,
    };
    if condition.width == Width::Bits32 && (condition.value | mask) > LOWER_HALF {
        return Err(PolicyProblem::UpperHalf {
            arg: condition.arg,
            value: condition.value.max(mask),
        });
    }
    if condition.always_holds() {
        return Err(PolicyProblem::AlwaysHolds(condition.arg));
    }
    if condition.never_holds() {
        return Err(PolicyProblem::NeverHolds(condition.arg));
    }
    Ok(())
}

/// An argument that one of the rules (of one syscall) compares over 64 bits with
/// `ne`, `lt`, `le`, `gt` or `ge`, and the other compares too, otherwise, if
/// there is one.
/// libseccomp compiles such a comparison to a test of the upper half that can
/// decide alone, then one of the lower half; with another rule on the same
/// argument it can go on to that rule's test of the upper half without loading it
/// again, so that it compares the lower half instead (seen with libseccomp 2.5.4;
/// `common/tests/policy.rs` finds such policies at once when this check is left out).
fn ranges_on_one_argument(rule: &Rule, other: &Rule) -> Option<u32> {
    let is_range = |c: &Condition| {
        c.width == Width::Bits64
            && matches!(
                c.op,
                ScmpCompareOp::NotEqual
                    | ScmpCompareOp::Less
                    | ScmpCompareOp::LessOrEqual
                    | ScmpCompareOp::Greater
                    | ScmpCompareOp::GreaterEqual
            )
    };
    // The same comparison in two rules that compare the same arguments is one
    // node of libseccomp's tree: the shape of the rules one policy rule
    // compiles to (or a profile exported from one). Between rules that compare
    // other arguments too, libseccomp 2.5.4 can loop for ever on it (`mmap`
    // with `arg 0 ne 1` in both, and `arg 1 ge 5` in one, `arg 5 ge 5` in the
    // other), so it is refused there.
    let args = |r: &Rule| r.conditions.iter().map(|c| c.arg).collect::<Vec<_>>();
    let same_arguments = args(rule) == args(other);
    rule.conditions.iter().find_map(|mine| {
        other
            .conditions
            .iter()
            .any(|theirs| {
                theirs.arg == mine.arg
                    && !(same_arguments && theirs == mine)
                    && (is_range(mine) || is_range(theirs))
            })
            .then_some(mine.arg)
    })
}

/// Arguments of a call that both rules (of one syscall) match, if there is one.
fn both_match(rule: &Rule, other: &Rule) -> Option<[u64; 6]> {
    let mut args = [0; 6];
    for (arg, value) in args.iter_mut().enumerate() {
        let mine = rule.conditions.iter().find(|c| c.arg as usize == arg);
        let theirs = other.conditions.iter().find(|c| c.arg as usize == arg);
        *value = match (mine, theirs) {
            (Some(mine), Some(theirs)) => mine.common(theirs)?,
            (Some(one), None) | (None, Some(one)) => one.example()?,
            (None, None) => 0,
        };
    }
    Some(args)
}

/// Whether `literal` is a TOML integer (decimal, `0x`, `0o` or `0b`, with
/// `_` between digits) larger than TOML's largest, `i64::MAX`.
fn past_toml_integers(literal: &str) -> bool {
    let literal = literal
        .strip_prefix('+')
        .unwrap_or(literal)
        .replace('_', "");
    let (radix, digits) = match literal.get(..2) {
        Some("0x") => (16, &literal[2..]),
        Some("0o") => (8, &literal[2..]),
        Some("0b") => (2, &literal[2..]),
        _ => (10, &literal[..]),
    };
    !digits.is_empty()
        && digits.chars().all(|c| c.is_digit(radix))
        && i64::from_str_radix(digits, radix).is_err()
}

/// The line (counted from 1) of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The rule (counted from 1) a line belongs to: the number of `[[rule]]`
/// headers up to it, if any.
fn rule_at_line(text: &str, line: usize) -> Option<usize> {
    let headers = text
        .lines()
        .take(line)
        .filter(|l| l.trim_start().starts_with("[[rule]]"))
        .count();
    (headers > 0).then_some(headers)
}

/// A message on one line, whatever the parser made of it.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A policy that was refused: which file, which rule, and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.one_line())]
pub struct PolicyError {
    /// The file, as given on the command line or [`SHIPPED_POLICY_FILE`].
    pub file: String,
    /// The rule, counted from 1 in the file's order, when the problem is in one.
    pub rule: Option<usize>,
    /// That rule's syscall, when it could be read.
    pub syscall: Option<String>,
    /// The line, counted from 1, when it is known.
    pub line: Option<usize>,
    /// In a JSON profile, the entry of `syscalls` the problem is in, counted
    /// from 0 as JSON paths count.
    pub entry: Option<usize>,
    /// What is wrong.
    #[source]
    pub problem: PolicyProblem,
}

impl PolicyError {
    /// A problem with `rule`, where its file says it is.
    pub(crate) fn at_rule(file: &str, rule: &Rule, problem: PolicyProblem) -> PolicyError {
        let (number, line, entry) = match rule.origin {
            Origin::Toml { rule, line } => (Some(rule), Some(line), None),
            Origin::Json(entry) => (None, None, Some(entry)),
        };
        PolicyError {
            rule: number,
            syscall: Some(rule.syscall.clone()),
            line,
            entry,
            ..PolicyError::whole(file, problem)
        }
    }

    /// A problem with the file as a whole.
    pub(crate) fn whole(file: &str, problem: PolicyProblem) -> PolicyError {
        PolicyError {
            file: file.to_owned(),
            rule: None,
            syscall: None,
            line: None,
            entry: None,
            problem,
        }
    }

    /// `bad policy FILE, PLACE: PROBLEM`, on one line whatever the file holds: a
    /// newline or another control character in a name is written escaped.
    fn one_line(&self) -> String {
        format!("bad policy {}{}: {}", self.file, self.place(), self.problem)
            .chars()
            .flat_map(|c| {
                let escaped: Vec<char> = if c.is_control() {
                    c.escape_default().collect()
                } else {
                    vec![c]
                };
                escaped
            })
            .collect()
    }

    /// `, rule 3 (write, line 12)`, `, line 4`, `, syscalls[3] (write)`, or nothing.
    fn place(&self) -> String {
        if let Some(entry) = self.entry {
            return match &self.syscall {
                Some(syscall) => format!(", syscalls[{entry}] ({syscall})"),
                None => format!(", syscalls[{entry}]"),
            };
        }
        let line = self.line.map(|line| format!("line {line}"));
        match (self.rule, &self.syscall, line) {
            (Some(rule), Some(syscall), Some(line)) => format!(", rule {rule} ({syscall}, {line})"),
            (Some(rule), _, Some(line)) => format!(", rule {rule} ({line})"),
            (Some(rule), _, None) => format!(", rule {rule}"),
            (None, _, Some(line)) => format!(", {line}"),
            (None, _, None) => String::new(),
        }
    }
}

impl From<PolicyError> for StepError {
    fn from(err: PolicyError) -> StepError {
        StepError::Policy(Box::new(err))
    }
}

/// The largest policy file `--policy` reads: a thousand commented rules fit with
/// room to spare.
pub const MAX_POLICY_BYTES: u64 = 1 << 20;

/// What is wrong with a policy.
#[derive(Debug, thiserror::Error)]
pub enum PolicyProblem {
    /// The file could not be read.
    #[error("cannot read it: {0}")]
    Unreadable(#[source] std::io::Error),
    /// The file holds nothing but blank lines and comments.
    #[error("the file is empty; a policy needs a `default_action` and at least one [[rule]]")]
    Empty,
    /// The TOML parser or serde refused it: bad syntax, an unknown or missing
    /// field, a value of the wrong type.
    #[error("{0}")]
    Toml(String),
    /// An integer larger than TOML's largest, which a value or mask with bit 63
    /// would need.
    #[error("{0} is larger than any TOML integer: TOML integers are signed 64-bit, so 0x7FFFFFFFFFFFFFFF at most, and a condition's value or mask cannot name bit 63")]
    PastTomlIntegers(String),
    /// The policy has no rules; it would kill the program at its first syscall.
    #[error("it has no rules; a filter without rules would stop the program at its first syscall")]
    NoRules,
    /// The JSON parser or serde refused a profile: bad syntax, an unknown or
    /// missing field, a value of the wrong type.
    #[error("{0}")]
    Json(String),
    /// A profile's action that is not one of a runtime's.
    #[error("unknown action `{0}`; a profile's action is one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP and SCMP_ACT_LOG")]
    UnknownProfileAction(String),
    /// A profile's action that step 4's filters do not take.
    #[error("action {action} {why}")]
    UnsupportedProfileAction {
        /// The action, as the profile names it.
        action: String,
        /// Why step 4 does not take it.
        why: &'static str,
    },
    /// A profile's comparison that is not one of libseccomp's.
    #[error("unknown op `{0}`; an op is one of SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GE, SCMP_CMP_GT and SCMP_CMP_MASKED_EQ")]
    UnknownProfileOp(String),
    /// A second value on a comparison that takes one.
    #[error("valueTwo goes only with SCMP_CMP_MASKED_EQ, where `value` is the mask and `valueTwo` the value")]
    ValueTwoWithoutMaskedEq,
    /// A profile's entry without a syscall.
    #[error("the entry names no syscall (`names` is empty)")]
    NoNames,
    /// An errno name and number that disagree.
    #[error("`errno` says {name} and `errnoRet` says {number}, which is not it here")]
    ErrnoDisagrees {
        /// The name.
        name: String,
        /// The number.
        number: u32,
    },
    /// A kernel version that cannot be read.
    #[error("minKernel `{0}` is not a kernel version such as \"5.8\"")]
    BadMinKernel(String),

    /// An action that is not one of the five.
    #[error("unknown action `{0}`; an action is \"allow\", \"kill\", \"trap\", \"log\" or \"errno NAME\" (\"errno ENOSYS\", or a number)")]
    UnknownAction(String),
    /// An errno name this architecture does not have.
    #[error(
        "unknown errno name `{0}`; use a name like ENOSYS or EPERM, or a number from 1 to 4094"
    )]
    UnknownErrno(String),
    /// An errno number out of range.
    #[error("errno {0} is out of range; a rule may answer with errno 1 to 4094")]
    ErrnoOutOfRange(i64),
    /// A syscall name libseccomp does not know on any architecture.
    #[error("unknown syscall name `{0}`: libseccomp knows no syscall of that name")]
    UnknownSyscall(String),
    /// An argument index past the sixth argument.
    #[error("argument index {0} is out of range; a syscall has arguments 0 to 5")]
    ArgIndexOutOfRange(i64),
    /// Two conditions on the same argument in one rule.
    #[error("argument {0} is compared twice; libseccomp takes one comparison per argument in a rule, so write two rules")]
    ArgComparedTwice(u32),
    /// `op = "masked_eq"` without a mask.
    #[error("op \"masked_eq\" needs a `mask`: it compares (argument & mask) with the value")]
    MaskMissing,
    /// A mask on another comparison.
    #[error("`mask` goes only with op \"masked_eq\"")]
    MaskWithoutMaskedEq,
    /// A `masked_eq` value with bits the mask clears: (argument & mask) never has them.
    #[error("value {value:#x} has bits outside mask {mask:#x}, so (argument & mask) can never equal it and the rule would never match")]
    ValueOutsideMask {
        /// The rule's mask.
        mask: u64,
        /// The rule's value.
        value: u64,
    },
    /// The file is larger than any policy needs (or never ends, like /dev/zero).
    #[error("it is larger than {MAX_POLICY_BYTES} bytes, far more than any policy needs")]
    TooLarge,
    /// The rule's action is the default action: libseccomp refuses such a rule.
    #[error("its action `{0}` is the default action already, so the rule would change nothing")]
    SameAsDefault(Action),
    /// Two rules for the same syscall with different actions both match a call.
    #[error("{other} gives {call} the action `{action}`, and this rule matches it too; libseccomp would give such a call either action, so make the conditions exclude each other")]
    OverlapWithAnotherAction {
        /// The earlier rule.
        other: Origin,
        /// Its action.
        action: Action,
        /// A call both rules match, as `--simulate` takes it.
        call: String,
    },
    /// Two rules of one syscall compare one 64-bit argument, one of them with
    /// `ne`, `lt`, `le`, `gt` or `ge`: libseccomp builds a wrong filter for them.
    #[error("{other} compares argument {arg} too, and when one of two rules of a syscall compares a 64-bit argument with ne, lt, le, gt or ge libseccomp builds a wrong filter (a test of the upper half reads the lower half); compare the argument in one rule only, or with eq or masked_eq")]
    RangesOnOneArgument {
        /// The earlier rule.
        other: Origin,
        /// The argument's index.
        arg: u32,
    },
    /// libseccomp did not finish compiling within its limit of CPU time.
    #[error("libseccomp has not finished {doing} after {seconds} s of CPU time, and may never: some rules that compare 64-bit arguments send it into an endless loop (two rules of one syscall with the same range on one argument, and values whose upper halves differ on another, are one such shape); change this rule, or the rules before it for the same syscall")]
    CompileTooSlow {
        /// What libseccomp was doing.
        doing: &'static str,
        /// The limit it passed.
        seconds: u64,
    },
    /// A width that is neither 32 nor 64.
    #[error("width {0} is not one of 32 and 64")]
    BadWidth(i64),
    /// A condition on an argument the syscall does not have.
    #[error("argument {arg} is not one of the syscall's: it has {count}")]
    NoSuchArgument {
        /// The argument's index.
        arg: u32,
        /// How many arguments the syscall has.
        count: usize,
    },
    /// A stated width that is not the argument's.
    #[error("argument {arg} is {known} bits wide as the kernel reads it, not as `width` says")]
    WidthDisagrees {
        /// The argument's index.
        arg: u32,
        /// Its width.
        known: Width,
    },
    /// A condition on an argument whose width the policy does not know.
    #[error("the policy does not know how many bits of argument {0} of this syscall the kernel reads: add `width = 32` (an int, unsigned int, pid_t or descriptor, which the kernel reads from the lower half only) or `width = 64` (a pointer, size_t or unsigned long)")]
    WidthMissing(u32),
    /// A condition on an argument the kernel reads neither as 32 nor as 64 bits.
    #[error("the kernel reads argument {0} of this syscall neither as 32 nor as 64 bits (flags whose unknown upper bits it ignores, a 16-bit mode, or a width another argument decides): add the `width` your call uses, and compare with `eq` or `masked_eq`, which hold only for what they name; `ne` and the inequalities also hold for values the kernel reads as others")]
    WidthUnclear(u32),
    /// Two rules of one syscall give one argument different widths.
    #[error("argument {arg} is {width} bits wide in {other}; one argument has one width")]
    WidthDiffers {
        /// The argument's index.
        arg: u32,
        /// The earlier rule.
        other: Origin,
        /// Its width there.
        width: Width,
    },
    /// A value or mask with bits above a 32-bit argument.
    #[error("argument {arg} is 32 bits wide and the kernel ignores its upper half, so {value:#x}, which has bits there, cannot be compared with it")]
    UpperHalf {
        /// The argument's index.
        arg: u32,
        /// The value or mask with bits above the lower half.
        value: u64,
    },
    /// A condition that holds for every value of its argument.
    #[error("the condition on argument {0} holds for every value; leave it out")]
    AlwaysHolds(u32),
    /// A condition that holds for no value of its argument.
    #[error("the condition on argument {0} holds for no value, so the rule would never match")]
    NeverHolds(u32),
    /// A rule that takes more libseccomp rules than any policy needs.
    #[error("its conditions take {0} libseccomp rules (each 32-bit `ne`, `lt`, `le`, `gt` or `ge` takes up to 32), more than {MAX_COMPARISONS}; compare fewer arguments that way, or use `eq`")]
    TooManyComparisons(usize),
    /// The policy has more rules than a filter can take.
    #[error("it has more than {MAX_POLICY_COMPARISONS} rules (a name of a JSON profile's entry is a rule), and each takes a libseccomp rule at least")]
    TooManyRules,
    /// The whole policy takes more libseccomp rules than any policy needs.
    #[error("its rules take {0} libseccomp rules in all (each 32-bit `ne`, `lt`, `le`, `gt` or `ge` takes up to 32), more than {MAX_POLICY_COMPARISONS}")]
    TooManyInAll(usize),
    /// The filter the policy compiles to is longer than the kernel loads.
    #[error("its filter would be {0} BPF instructions, and the kernel loads {MAX_INSTRUCTIONS} at most; use fewer rules, or `eq` where a 32-bit `ne` or inequality takes many")]
    ProgramTooLong(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` as `test.toml` and returns what is wrong with it.
    fn refused(text: &str) -> PolicyError {
        match parse("test.toml", text) {
            Ok(policy) => panic!("accepted: {policy:?}"),
            Err(err) => err,
        }
    }

    const HEAD: &str = "default_action = \"kill\"\n";

    /// The width of a `size_t` or a pointer: 64 bits, or 32 on a 32-bit architecture.
    const WIDE: Width = if cfg!(target_pointer_width = "64") {
        Width::Bits64
    } else {
        Width::Bits32
    };

    #[test]
    fn the_shipped_policy_is_valid_and_builds() {
        let policy = Policy::shipped().expect("the shipped policy is valid");
        assert_eq!(policy.default_action, Action::Kill);
        policy.filter().expect("the shipped policy builds a filter");
    }

    #[test]
    fn reads_actions_and_conditions() {
        let policy = parse(
            "test.toml",
            r#"
default_action = "kill"

[[rule]]
syscall = "write"
action = "allow"
args = [{ arg = 0, op = "le", value = 2 }, { arg = 2, op = "lt", value = 4096 }]

[[rule]]
syscall = "clone"
action = "log"
args = [{ arg = 0, op = "masked_eq", mask = 0x10000, value = 0 }]

[[rule]]
syscall = "clone3"
action = "errno ENOSYS"

[[rule]]
syscall = "getpid"
action = "errno 1"

[[rule]]
syscall = "getppid"
action = "trap"
"#,
        )
        .unwrap();
        assert_eq!(policy.rules.len(), 5);
        assert_eq!(policy.rules[0].origin, Origin::Toml { rule: 1, line: 4 });
        assert_eq!(
            policy.rules[0].conditions,
            [
                Condition {
                    arg: 0,
                    op: ScmpCompareOp::LessOrEqual,
                    value: 2,
                    width: Width::Bits32,
                },
                Condition {
                    arg: 2,
                    op: ScmpCompareOp::Less,
                    value: 4096,
                    width: WIDE,
                }
            ]
        );
        assert_eq!(
            policy.rules[1].conditions[0].op,
            ScmpCompareOp::MaskedEqual(0x10000)
        );
        assert_eq!(
            policy.rules[2].action,
            Action::Errno(libc::ENOSYS as u16),
            "errno by name, as this architecture numbers it"
        );
        assert_eq!(policy.rules[2].action.to_string(), "errno ENOSYS");
        assert_eq!(policy.rules[3].action, Action::Errno(1));
        assert_eq!(policy.rules[4].action, Action::Trap);
        policy.filter().expect("builds");
    }

    #[test]
    fn an_empty_file_is_refused() {
        for text in ["", "\n  \n", "# only a comment\n"] {
            let err = refused(text);
            assert!(matches!(err.problem, PolicyProblem::Empty), "{err}");
            assert_eq!(
                err.to_string(),
                "bad policy test.toml: the file is empty; a policy needs a `default_action` and at least one [[rule]]"
            );
        }
    }

    #[test]
    fn a_policy_without_rules_is_refused() {
        let err = refused(HEAD);
        assert!(matches!(err.problem, PolicyProblem::NoRules), "{err}");
    }

    #[test]
    fn bad_syntax_names_the_line_and_the_rule() {
        let err = refused(&format!(
            "{HEAD}\n[[rule]]\nsyscall = \"read\"\naction = allow\n"
        ));
        assert!(matches!(err.problem, PolicyProblem::Toml(_)), "{err}");
        assert_eq!((err.rule, err.line), (Some(1), Some(5)), "{err}");
        assert!(!err.to_string().contains('\n'), "one line: {err}");
    }

    #[test]
    fn unknown_fields_are_refused_with_their_rule() {
        let err = refused(&format!(
            "{HEAD}[[rule]]\nsyscall = \"read\"\naction = \"allow\"\n\n[[rule]]\nsyscall = \"write\"\naction = \"allow\"\nwhy = \"stdout\"\n"
        ));
        assert_eq!(
            err.to_string(),
            "bad policy test.toml, rule 2 (line 6): unknown field `why`, expected one of `syscall`, `action`, `args`"
        );
        let err = refused(&format!(
            "{HEAD}[[rule]]\nsyscall = \"read\"\naction = \"allow\"\nargs = [{{ index = 0, op = \"eq\", value = 0 }}]\n"
        ));
        assert!(err.to_string().contains("unknown field `index`"), "{err}");
        let err = refused("default_action = \"kill\"\ndefault = \"allow\"\n");
        assert_eq!(
            err.to_string(),
            "bad policy test.toml, line 2: unknown field `default`, expected `default_action` or `rule`"
        );
        let err = refused("[[rule]]\nsyscall = \"read\"\naction = \"allow\"\n");
        assert_eq!(
            err.to_string(),
            "bad policy test.toml: missing field `default_action`",
            "a missing field is the whole file's problem, not the rule's"
        );
    }

    #[test]
    fn an_unknown_syscall_is_refused_by_name() {
        let err = refused(&format!(
            "{HEAD}[[rule]]\nsyscall = \"wirte\"\naction = \"allow\"\n"
        ));
        assert_eq!(
            err.to_string(),
            "bad policy test.toml, rule 1 (wirte, line 2): unknown syscall name `wirte`: libseccomp knows no syscall of that name"
        );
        let err = refused(&format!(
            "{HEAD}[[rule]]\nsyscall = \"\"\naction = \"allow\"\n"
        ));
        assert_eq!(
            err.to_string(),
            "bad policy test.toml, rule 1 (line 2): unknown syscall name ``: libseccomp knows no syscall of that name"
        );
    }

    #[test]
    fn argument_indexes_stop_at_5() {
        let rule = |arg: i64| {
            format!("{HEAD}[[rule]]\nsyscall = \"mmap\"\naction = \"allow\"\nargs = [{{ arg = {arg}, op = \"eq\", value = 0 }}]\n")
        };
        parse("test.toml", &rule(5)).expect("argument 5 is the sixth");
        let err = refused(&format!("{HEAD}[[rule]]\nsyscall = \"read\"\naction = \"allow\"\nargs = [{{ arg = 3, op = \"eq\", value = 0 }}]\n"));
        assert_eq!(
            err.to_string(),
            "bad policy test.toml, rule 1 (read, line 2): argument 3 is not one of the syscall's: it has 3"
        );
        for arg in [6, -1] {
            let err = refused(&rule(arg));
            assert!(
                matches!(err.problem, PolicyProblem::ArgIndexOutOfRange(a) if a == arg),
                "{err}"
            );
        }
    }

    /// EWOULDBLOCK, ENOTSUP and EDEADLOCK, the second names of EAGAIN,
    /// EOPNOTSUPP and EDEADLK, are the numbers the C library gives them.
    #[test]
    fn errno_aliases_are_the_numbers_they_stand_for() {
        for (alias, errno) in [
            ("EWOULDBLOCK", libc::EWOULDBLOCK),
            ("ENOTSUP", libc::ENOTSUP),
            ("EDEADLOCK", libc::EDEADLOCK),
        ] {
            assert_eq!(
                parse_errno(alias).ok(),
                u16::try_from(errno).ok(),
                "{alias}"
            );
            let text =
                format!("{HEAD}[[rule]]\nsyscall = \"clone3\"\naction = \"errno {alias}\"\n");
            let policy = parse("test.toml", &text).expect(alias);
            assert_eq!(
                policy.rules[0].action,
                Action::Errno(u16::try_from(errno).unwrap()),
                "{alias}"
            );
        }
        assert_eq!(parse_errno("EWOULDBLOCK").ok(), parse_errno("EAGAIN").ok());
        assert_eq!(parse_errno("ENOTSUP").ok(), parse_errno("EOPNOTSUPP").ok());
    }

    #[test]
    fn errnos_stay_in_range() {
        let rule =
            |action: &str| format!("{HEAD}[[rule]]\nsyscall = \"clone3\"\naction = \"{action}\"\n");
        parse("test.toml", &rule("errno 4094")).expect("4094 is the highest");
        for number in [0, 4095, 70000, -1] {
            let err = refused(&rule(&format!("errno {number}")));
            assert!(
                matches!(err.problem, PolicyProblem::ErrnoOutOfRange(n) if n == number),
                "{err}"
            );
        }
        for name in ["ENOSUCH", "UnknownErrno", "EWOULDBLOCKED", "enotsup"] {
            let err = refused(&rule(&format!("errno {name}")));
            assert!(
                matches!(err.problem, PolicyProblem::UnknownErrno(_)),
                "{name}: {err}"
            );
        }
        for action in ["errno", "deny", "allow please"] {
            let err = refused(&rule(action));
            assert!(
                matches!(err.problem, PolicyProblem::UnknownAction(_)),
                "{err}"
            );
        }
    }

    #[test]
    fn masks_go_with_masked_eq_only() {
        let rule = |condition: &str| {
            format!(
                "{HEAD}[[rule]]\nsyscall = \"clone\"\naction = \"allow\"\nargs = [{condition}]\n"
            )
        };
        let err = refused(&rule("{ arg = 0, op = \"masked_eq\", value = 0 }"));
        assert!(matches!(err.problem, PolicyProblem::MaskMissing), "{err}");
        let err = refused(&rule("{ arg = 0, op = \"eq\", mask = 1, value = 0 }"));
        assert!(
            matches!(err.problem, PolicyProblem::MaskWithoutMaskedEq),
            "{err}"
        );
        let err = refused(&rule(
            "{ arg = 0, op = \"masked_eq\", mask = 0xff, value = 0x100 }",
        ));
        assert!(
            matches!(
                err.problem,
                PolicyProblem::ValueOutsideMask {
                    mask: 0xff,
                    value: 0x100
                }
            ),
            "{err}"
        );
        let err = refused(&rule("{ arg = 0, op = \"like\", value = 0 }"));
        assert!(err.to_string().contains("unknown variant `like`"), "{err}");
    }

    /// A value or mask past the largest TOML integer is refused saying what the
    /// largest is and why, whatever the parser's own words for it.
    #[test]
    fn values_past_toml_s_integers_are_refused_naming_the_limit() {
        let rule = |condition: &str| {
            format!(
                "{HEAD}[[rule]]\nsyscall = \"write\"\naction = \"allow\"\nargs = [{condition}]\n"
            )
        };
        // (A 32-bit architecture's arguments have no upper half to hold it.)
        if cfg!(target_pointer_width = "64") {
            parse(
                "test.toml",
                &rule("{ arg = 2, op = \"eq\", value = 0x7FFF_FFFF_FFFF_FFFF }"),
            )
            .expect("i64::MAX is a TOML integer");
        }
        for literal in [
            "0x8000000000000000",
            "+9223372036854775808",
            "0o1777777777777777777777",
            "0b1000000000000000000000000000000000000000000000000000000000000000",
            "0xFFFF_FFFF_FFFF_FFFF",
            "18446744073709551616",
        ] {
            for condition in [
                format!("{{ arg = 2, op = \"eq\", value = {literal} }}"),
                format!("{{ arg = 2, op = \"masked_eq\", mask = {literal}, value = 1 }}"),
            ] {
                let err = refused(&rule(&condition));
                assert_eq!(
                    err.to_string(),
                    format!(
                        "bad policy test.toml, rule 1 (line 5): {literal} is larger than any TOML \
                         integer: TOML integers are signed 64-bit, so 0x7FFFFFFFFFFFFFFF at most, \
                         and a condition's value or mask cannot name bit 63"
                    )
                );
            }
        }
        for literal in ["1", "0x7FFFFFFFFFFFFFFF", "-1", "0xZZ", "", "0x", "1e30"] {
            assert!(!past_toml_integers(literal), "{literal}");
        }
    }

    /// Rules of one syscall with the same action may match the same calls: such
    /// a call gets that action whichever rule libseccomp keeps.
    #[test]
    fn rules_with_the_same_action_may_overlap() {
        let allow_write = |args: &str| {
            format!("[[rule]]\nsyscall = \"write\"\naction = \"allow\"\nargs = [{args}]\n")
        };
        let fd = |n: u64| format!("{{ arg = 0, op = \"eq\", value = {n} }}");
        // Two values of one argument: two rules, fine.
        parse(
            "test.toml",
            &format!("{HEAD}{}{}", allow_write(&fd(1)), allow_write(&fd(2))),
        )
        .expect("two rules for write");
        for (first, second) in [
            (fd(1), fd(1)),
            (fd(1), String::new()),
            (String::new(), fd(1)),
        ] {
            let text = format!("{HEAD}{}{}", allow_write(&first), allow_write(&second));
            let policy = parse("test.toml", &text).expect("the same action twice");
            policy.filter().expect("builds");
        }
        // With different actions, they are refused (see below).
        let err = refused(&format!(
            "{HEAD}{}{}",
            allow_write(&fd(1)),
            allow_write("").replace("allow", "errno EPERM")
        ));
        assert!(
            matches!(
                err.problem,
                PolicyProblem::OverlapWithAnotherAction {
                    other: Origin::Toml { rule: 1, line: 2 },
                    ..
                }
            ),
            "{err}"
        );
        let err = refused(&format!(
            "{HEAD}{}",
            allow_write(&format!("{}, {}", fd(1), fd(2)))
        ));
        assert!(
            matches!(err.problem, PolicyProblem::ArgComparedTwice(0)),
            "{err}"
        );
        let err = refused(&format!(
            "{HEAD}[[rule]]\nsyscall = \"getpid\"\naction = \"kill\"\n"
        ));
        assert!(
            matches!(err.problem, PolicyProblem::SameAsDefault(Action::Kill)),
            "{err}"
        );
    }

    /// `[[rule]]` for `syscall` with `action` and the conditions `args`.
    fn rule(syscall: &str, action: &str, args: &str) -> String {
        format!("\n[[rule]]\nsyscall = \"{syscall}\"\naction = \"{action}\"\nargs = [{args}]\n")
    }

    /// Two rules of one syscall with different actions that one call can match
    /// are refused, naming both rules and such a call; libseccomp would give the
    /// call either action.
    #[test]
    fn rules_with_different_actions_that_meet_are_refused() {
        let refusal =
            |first: String, second: String| refused(&format!("{HEAD}{first}{second}")).to_string();
        // A narrower rule after a broader one: libseccomp drops the EPERM rule.
        assert_eq!(
            refusal(
                rule("write", "allow", "{ arg = 0, op = \"eq\", value = 1 }"),
                rule("write", "errno EPERM", "{ arg = 0, op = \"eq\", value = 1 }, { arg = 2, op = \"gt\", value = 10 }"),
            ),
            "bad policy test.toml, rule 2 (write, line 8): rule 1 (line 3) gives write(1, 0, 11) the action `allow`, and this rule matches it too; libseccomp would give such a call either action, so make the conditions exclude each other"
        );
        // The same, the other way round: libseccomp ends in "Failure regarding the
        // existence of argument" (exit 3) today.
        assert!(refusal(
            rule(
                "write",
                "errno EPERM",
                "{ arg = 0, op = \"eq\", value = 1 }, { arg = 2, op = \"gt\", value = 10 }"
            ),
            rule("write", "allow", "{ arg = 0, op = \"eq\", value = 1 }"),
        )
        .contains("rule 1 (line 3) gives write(1, 0, 11) the action `errno EPERM`"));
        // Conditions on different arguments that one call meets both.
        assert!(refusal(
            rule(
                "write",
                "errno EPERM",
                "{ arg = 0, op = \"eq\", value = 2 }"
            ),
            rule("write", "allow", "{ arg = 2, op = \"le\", value = 4096 }"),
        )
        .contains("gives write(2, 0, 0) the action `errno EPERM`"));
        // Masks that share a value.
        assert!(refusal(
            rule(
                "clone",
                "allow",
                "{ arg = 0, op = \"masked_eq\", mask = 0xff, value = 17 }"
            ),
            rule(
                "clone",
                "errno EPERM",
                "{ arg = 0, op = \"masked_eq\", mask = 0x10000000, value = 0x10000000 }"
            ),
        )
        .contains("gives clone(0x10000011) the action `allow`"));
        // Ranges that cross, on a 32-bit argument.
        assert!(refusal(
            rule("write", "allow", "{ arg = 0, op = \"lt\", value = 100 }"),
            rule("write", "log", "{ arg = 0, op = \"ge\", value = 99 }"),
        )
        .contains("gives write(99) the action `allow`"));
        // Conditions that exclude each other are accepted, whatever their order.
        for (first, second) in [
            (
                rule("write", "allow", "{ arg = 0, op = \"eq\", value = 1 }"),
                rule(
                    "write",
                    "errno EPERM",
                    "{ arg = 0, op = \"eq\", value = 2 }, { arg = 2, op = \"gt\", value = 10 }",
                ),
            ),
            (
                rule(
                    "write",
                    "allow",
                    "{ arg = 2, op = \"lt\", value = 100 }, { arg = 0, op = \"eq\", value = 1 }",
                ),
                rule("write", "log", "{ arg = 0, op = \"eq\", value = 2 }"),
            ),
            (
                rule(
                    "clone",
                    "allow",
                    "{ arg = 0, op = \"masked_eq\", mask = 0xff, value = 17 }",
                ),
                rule(
                    "clone",
                    "errno EPERM",
                    "{ arg = 0, op = \"masked_eq\", mask = 0x1f, value = 0 }",
                ),
            ),
            (
                rule("write", "allow", "{ arg = 0, op = \"lt\", value = 3 }"),
                rule(
                    "write",
                    "errno EBADF",
                    "{ arg = 0, op = \"ge\", value = 3 }",
                ),
            ),
        ] {
            parse("test.toml", &format!("{HEAD}{first}{second}"))
                .expect("exclusive")
                .filter()
                .expect("builds");
            parse("test.toml", &format!("{HEAD}{second}{first}"))
                .expect("exclusive")
                .filter()
                .expect("builds");
        }
    }

    /// Two rules of one syscall that compare one 64-bit argument, one of them with
    /// `ne` or an inequality, make libseccomp build a filter that compares the
    /// lower half where it means the upper one: refused, even when the rules
    /// exclude each other.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn a_64_bit_range_beside_another_rule_on_its_argument_is_refused() {
        for (first, second) in [
            (
                "{ arg = 2, op = \"lt\", value = 100 }",
                "{ arg = 2, op = \"ge\", value = 100 }",
            ),
            (
                "{ arg = 2, op = \"gt\", value = 0x100000003 }",
                "{ arg = 2, op = \"lt\", value = 1 }",
            ),
            (
                "{ arg = 2, op = \"ne\", value = 5 }, { arg = 0, op = \"eq\", value = 1 }",
                "{ arg = 2, op = \"eq\", value = 5 }",
            ),
        ] {
            let err = refused(&format!(
                "{HEAD}{}{}",
                rule("write", "allow", first),
                rule("write", "errno EPERM", second)
            ));
            assert!(
                matches!(
                    err.problem,
                    PolicyProblem::RangesOnOneArgument {
                        other: Origin::Toml { rule: 1, .. },
                        arg: 2,
                    }
                ),
                "{err}"
            );
        }
        // On different arguments, or a 32-bit one, they are fine.
        parse(
            "test.toml",
            &format!(
                "{HEAD}{}{}",
                rule(
                    "write",
                    "allow",
                    "{ arg = 0, op = \"eq\", value = 1 }, { arg = 2, op = \"lt\", value = 100 }"
                ),
                rule(
                    "write",
                    "errno EPERM",
                    "{ arg = 0, op = \"eq\", value = 2 }, { arg = 1, op = \"gt\", value = 100 }"
                )
            ),
        )
        .expect("different arguments");
    }

    /// An argument the kernel reads as 32 bits is compared on its lower half,
    /// and a condition cannot name the upper half.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn widths_come_from_the_table_or_the_condition() {
        let policy = parse(
            "test.toml",
            &format!(
                "{HEAD}{}",
                rule(
                    "write",
                    "allow",
                    "{ arg = 0, op = \"ne\", value = 3 }, { arg = 2, op = \"le\", value = 4096 }"
                )
            ),
        )
        .unwrap();
        let conditions = &policy.rules[0].conditions;
        assert_eq!(
            (conditions[0].width, conditions[1].width),
            (Width::Bits32, Width::Bits64)
        );
        assert!(!policy.rules[0].matches(&[(1 << 32) | 3, 0, 1, 0, 0, 0]));
        assert!(policy.rules[0].matches(&[(1 << 32) | 4, 0, 1, 0, 0, 0]));
        assert!(!policy.rules[0].matches(&[4, 0, (1 << 32) | 1, 0, 0, 0]));
        assert_eq!(policy.rules[0].comparisons().len(), 32);
        policy.filter().expect("builds");

        let refusal =
            |args: &str| refused(&format!("{HEAD}{}", rule("write", "allow", args))).to_string();
        assert!(refusal("{ arg = 0, op = \"eq\", value = 0x100000001 }").ends_with(
            "argument 0 is 32 bits wide and the kernel ignores its upper half, so 0x100000001, which has bits there, cannot be compared with it"
        ));
        assert!(
            refusal("{ arg = 0, op = \"masked_eq\", mask = 0x100000000, value = 0 }")
                .contains("0x100000000, which has bits there")
        );
        assert!(refusal("{ arg = 0, op = \"eq\", value = 1, width = 64 }")
            .ends_with("argument 0 is 32 bits wide as the kernel reads it, not as `width` says"));
        assert!(refusal("{ arg = 0, op = \"eq\", value = 1, width = 16 }")
            .ends_with("width 16 is not one of 32 and 64"));
        parse(
            "test.toml",
            &format!(
                "{HEAD}{}",
                rule(
                    "write",
                    "allow",
                    "{ arg = 0, op = \"eq\", value = 1, width = 32 }"
                )
            ),
        )
        .expect("the table's width, stated");

        // An argument the kernel reads some other way needs a width, and says why.
        let err = refused(&format!(
            "{HEAD}{}",
            rule("mmap", "allow", "{ arg = 2, op = \"eq\", value = 1 }")
        ));
        assert!(
            matches!(err.problem, PolicyProblem::WidthUnclear(2)),
            "{err}"
        );
        parse(
            "test.toml",
            &format!(
                "{HEAD}{}",
                rule(
                    "mmap",
                    "allow",
                    "{ arg = 2, op = \"eq\", value = 1, width = 64 }"
                )
            ),
        )
        .expect("a stated width");

        // A syscall the table does not know needs a width.
        let mount = |args: &str| format!("{HEAD}{}", rule("mount", "errno EPERM", args));
        let err = refused(&mount(
            "{ arg = 3, op = \"masked_eq\", mask = 1, value = 1 }",
        ));
        assert!(
            matches!(err.problem, PolicyProblem::WidthMissing(3)),
            "{err}"
        );
        assert!(err.to_string().contains("add `width = 32`"), "{err}");
        let policy = parse(
            "test.toml",
            &mount("{ arg = 3, op = \"masked_eq\", mask = 1, value = 1, width = 64 }"),
        )
        .unwrap();
        assert_eq!(policy.rules[0].conditions[0].width, Width::Bits64);
        let err = refused(&format!(
            "{HEAD}{}{}",
            rule(
                "mount",
                "errno EPERM",
                "{ arg = 3, op = \"eq\", value = 1, width = 64 }"
            ),
            rule(
                "mount",
                "errno EPERM",
                "{ arg = 3, op = \"eq\", value = 2, width = 32 }"
            )
        ));
        assert!(
            matches!(
                err.problem,
                PolicyProblem::WidthDiffers {
                    arg: 3,
                    other: Origin::Toml { rule: 1, .. },
                    width: Width::Bits64
                }
            ),
            "{err}"
        );
    }

    /// A condition that holds for every value, or for none, is a mistake: the
    /// first would make libseccomp treat the rule as unconditional and drop the
    /// syscall's other rules.
    #[test]
    fn conditions_that_always_or_never_hold_are_refused() {
        let refusal =
            |args: &str| refused(&format!("{HEAD}{}", rule("write", "allow", args))).problem;
        for always in [
            "{ arg = 2, op = \"masked_eq\", mask = 0, value = 0 }",
            "{ arg = 2, op = \"ge\", value = 0 }",
            "{ arg = 0, op = \"le\", value = 0xffffffff }",
        ] {
            assert!(
                matches!(refusal(always), PolicyProblem::AlwaysHolds(_)),
                "{always}"
            );
        }
        for never in [
            "{ arg = 2, op = \"lt\", value = 0 }",
            "{ arg = 0, op = \"gt\", value = 0xffffffff }",
        ] {
            assert!(
                matches!(refusal(never), PolicyProblem::NeverHolds(_)),
                "{never}"
            );
        }
    }

    #[test]
    fn a_rule_that_takes_too_many_comparisons_is_refused() {
        let err = refused(&format!(
            "{HEAD}{}",
            rule(
                "dup2",
                "allow",
                "{ arg = 0, op = \"ne\", value = 3 }, { arg = 1, op = \"ne\", value = 3 }"
            )
        ));
        assert!(
            matches!(err.problem, PolicyProblem::TooManyComparisons(1024)),
            "{err}"
        );
    }

    /// A policy whose rules take too many libseccomp rules in all is refused as
    /// it is read; one whose filter would be longer than the kernel loads, as it
    /// is built, before anything runs (it used to fail only when the step loaded
    /// it, with exit 3).
    #[test]
    fn a_policy_too_big_for_the_kernel_is_refused() {
        let ne = |syscall: &str| rule(syscall, "allow", "{ arg = 0, op = \"ne\", value = 3 }");
        let names = [
            "accept",
            "accept4",
            "bind",
            "clock_nanosleep",
            "clone",
            "close",
            "close_range",
            "connect",
            "dup",
            "dup2",
            "dup3",
            "exit",
            "exit_group",
            "fstat",
            "getdents64",
            "kill",
            "listen",
            "lseek",
            "newfstatat",
            "openat",
            "personality",
            "prctl",
            "pread64",
            "pwrite64",
            "read",
            "recvfrom",
            "recvmsg",
            "rt_sigaction",
            "rt_sigprocmask",
            "sendmsg",
            "sendto",
            "setgid",
            "setns",
        ];
        let many: String = names.iter().map(|name| ne(name)).collect();
        let err = refused(&format!("{HEAD}{many}"));
        assert!(
            matches!(err.problem, PolicyProblem::TooManyInAll(1056)),
            "{err}"
        );
        // More rules than that is refused before they are all checked.
        let eq = |count: u64| {
            rule(
                "write",
                "allow",
                &format!("{{ arg = 2, op = \"eq\", value = {count} }}"),
            )
        };
        let err = refused(&format!("{HEAD}{}", (0..3000).map(eq).collect::<String>()));
        assert!(matches!(err.problem, PolicyProblem::TooManyRules), "{err}");

        let futex = |i: u64| {
            rule(
                "futex",
                "allow",
                &format!("{{ arg = 1, op = \"eq\", value = {i} }}, {{ arg = 2, op = \"ne\", value = {} }}, {{ arg = 5, op = \"lt\", value = 3 }}", i + 5),
            )
        };
        let long: String = (0..13).map(futex).collect();
        let policy = parse("test.toml", &format!("{HEAD}{long}")).expect("each rule is valid");
        match policy.filter() {
            Err(err) => {
                assert_eq!(err.exit_status(), crate::error::EXIT_USAGE, "{err}");
                assert!(
                    err.to_string()
                        .starts_with("bad policy test.toml: its filter would be "),
                    "{err}"
                );
            }
            // A 32-bit architecture's filters compare no upper halves, and are
            // shorter: there the policy may fit.
            Ok(filter) => {
                let width = std::mem::size_of::<usize>() * 8;
                assert_eq!(width, 32, "a 64-bit filter of 4263 instructions");
                assert!(bpf_instructions(&filter).unwrap().len() <= MAX_INSTRUCTIONS);
            }
        }
    }

    #[test]
    fn a_missing_file_is_refused_with_its_name() {
        let err = Policy::read(Path::new("/nonexistent/policy.toml")).unwrap_err();
        assert_eq!(err.exit_status(), crate::error::EXIT_USAGE);
        assert!(
            err.to_string()
                .starts_with("bad policy /nonexistent/policy.toml: cannot read it: "),
            "{err}"
        );
    }

    #[test]
    fn a_name_another_architecture_has_is_accepted() {
        // `sigreturn` is i386's and arm's; libseccomp skips it on x86_64 and aarch64.
        parse(
            "test.toml",
            &format!("{HEAD}[[rule]]\nsyscall = \"sigreturn\"\naction = \"allow\"\n"),
        )
        .expect("a name some architecture knows")
        .filter()
        .expect("builds");
    }
}
