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
//!    indexes are 0 to 5, an errno is 1 to 4094, no two rules of a syscall match the
//!    same calls, no rule repeats the default action. A bad policy is one
//!    [`PolicyError`] naming the file, the rule and what is wrong (exit status 2).
//! 3. [`Policy::filter`] compiles the rules into a libseccomp filter, with the
//!    same bad-architecture action as every step's filter: a syscall made through
//!    another ABI (x32 numbers, i386's `int 0x80` on x86_64) kills the process,
//!    whatever the policy says.

use std::fmt;
use std::path::Path;

use libseccomp::{ScmpAction, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext};
use nix::errno::Errno;
use serde::Deserialize;

use crate::error::StepError;
use crate::filter::{allow_list_filter, resolve};

/// The policy step 4 ships with: the text of `step-4-policy/policy.toml`, compiled in.
pub const SHIPPED_POLICY: &str = include_str!("../../step-4-policy/policy.toml");

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
    /// The line of the rule's `[[rule]]` header in the file, counted from 1.
    pub line: usize,
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
fn parse_errno(text: &str) -> Result<u16, PolicyProblem> {
    if let Ok(number) = text.parse::<i64>() {
        return u16::try_from(number)
            .ok()
            .filter(|errno| ERRNO_RANGE.contains(errno))
            .ok_or(PolicyProblem::ErrnoOutOfRange(number));
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

/// A condition on one argument: `argument[arg] OP value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    /// The argument's index, 0 to 5.
    pub arg: u32,
    /// libseccomp's comparison; `MaskedEqual(mask)` compares `argument & mask`.
    pub op: ScmpCompareOp,
    /// The value the argument is compared with.
    pub value: u64,
}

impl Condition {
    /// The condition as libseccomp takes it.
    pub fn scmp(self) -> ScmpArgCompare {
        ScmpArgCompare::new(self.arg, self.op, self.value)
    }
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

/// One condition, `{ arg = 0, op = "eq", value = 1 }`, as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionFile {
    arg: i64,
    op: OpName,
    value: u64,
    mask: Option<u64>,
}

/// libseccomp's comparison operators, as a policy names them (`SCMP_CMP_EQ` is `eq`).
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum OpName {
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
    pub fn parse(file: &str, text: &str) -> Result<Policy, StepError> {
        parse(file, text).map_err(StepError::from)
    }

    // ANCHOR: compile
    /// Compiles the policy into a libseccomp filter: the default action, one
    /// libseccomp rule per policy rule with its argument conditions, and
    /// `KillProcess` for any syscall made through another ABI.
    pub fn filter(&self) -> Result<ScmpFilterContext, StepError> {
        // Steps 2 and 3's filter with an empty allow list: the default action,
        // and the same bad-architecture action as theirs.
        let mut filter = allow_list_filter(self.default_action.scmp(), &[])?;
        for (index, rule) in self.rules.iter().enumerate() {
            let conditions: Vec<ScmpArgCompare> =
                rule.conditions.iter().map(|c| c.scmp()).collect();
            filter
                .add_rule_conditional(rule.action.scmp(), resolve(&rule.syscall)?, &conditions)
                .map_err(|source| StepError::BuildRule {
                    rule: index + 1,
                    syscall: rule.syscall.clone(),
                    source,
                })?;
        }
        Ok(filter)
    }
    // ANCHOR_END: compile
}

/// Parses and validates; the body of [`Policy::parse`].
fn parse(file: &str, text: &str) -> Result<Policy, PolicyError> {
    if text
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'))
    {
        return Err(PolicyError::whole(file, PolicyProblem::Empty));
    }
    let raw: PolicyFile = toml::from_str(text).map_err(|err| {
        // A missing field has an empty span: it is the whole file's problem.
        let line = err
            .span()
            .filter(|span| !span.is_empty())
            .map(|span| line_of(text, span.start));
        PolicyError {
            file: file.to_owned(),
            rule: line.and_then(|line| rule_at_line(text, line)),
            syscall: None,
            line,
            problem: PolicyProblem::Toml(one_line(err.message())),
        }
    })?;
    let default_action =
        Action::parse(raw.default_action.get_ref()).map_err(|problem| PolicyError {
            line: Some(line_of(text, raw.default_action.span().start)),
            ..PolicyError::whole(file, problem)
        })?;
    if raw.rule.is_empty() {
        return Err(PolicyError::whole(file, PolicyProblem::NoRules));
    }

    let mut rules: Vec<Rule> = Vec::with_capacity(raw.rule.len());
    for (index, spanned) in raw.rule.into_iter().enumerate() {
        let line = line_of(text, spanned.span().start);
        let at = |syscall: Option<&str>, problem| PolicyError {
            file: file.to_owned(),
            rule: Some(index + 1),
            syscall: syscall.map(str::to_owned),
            line: Some(line),
            problem,
        };
        let raw_rule = RuleFile::deserialize(spanned.into_inner())
            .map_err(|err| at(None, PolicyProblem::Toml(one_line(err.message()))))?;
        // An empty name would read as `rule 1 (, line 2)`: leave it out.
        let syscall = Some(raw_rule.syscall.clone()).filter(|name| !name.is_empty());
        let rule = validate_rule(raw_rule, line, default_action, &rules)
            .map_err(|problem| at(syscall.as_deref(), problem))?;
        rules.push(rule);
    }
    Ok(Policy {
        file: file.to_owned(),
        default_action,
        rules,
    })
}

/// Checks one rule against libseccomp and against the rules before it.
fn validate_rule(
    raw: RuleFile,
    line: usize,
    default_action: Action,
    earlier: &[Rule],
) -> Result<Rule, PolicyProblem> {
    resolve(&raw.syscall).map_err(|_| PolicyProblem::UnknownSyscall(raw.syscall.clone()))?;
    let action = Action::parse(&raw.action)?;
    if action == default_action {
        return Err(PolicyProblem::SameAsDefault(action));
    }
    let mut conditions = Vec::with_capacity(raw.args.len());
    for condition in raw.args {
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
        conditions.push(Condition {
            arg,
            op,
            value: condition.value,
        });
    }
    conditions.sort_by_key(|c| c.arg);

    // libseccomp keeps one of two rules that match the same calls and drops the
    // other without a word (or lets an unconditional rule replace conditional
    // ones): refuse what would be silently lost.
    for (index, other) in earlier.iter().enumerate() {
        if other.syscall != raw.syscall {
            continue;
        }
        if other.conditions == conditions {
            return Err(PolicyProblem::SameCalls { other: index + 1 });
        }
        if other.conditions.is_empty() || conditions.is_empty() {
            return Err(PolicyProblem::Unconditional { other: index + 1 });
        }
    }
    Ok(Rule {
        syscall: raw.syscall,
        action,
        conditions,
        line,
    })
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
#[error("bad policy {file}{}: {problem}", self.place())]
pub struct PolicyError {
    /// The file, as given on the command line or [`SHIPPED_POLICY_FILE`].
    pub file: String,
    /// The rule, counted from 1 in the file's order, when the problem is in one.
    pub rule: Option<usize>,
    /// That rule's syscall, when it could be read.
    pub syscall: Option<String>,
    /// The line, counted from 1, when it is known.
    pub line: Option<usize>,
    /// What is wrong.
    #[source]
    pub problem: PolicyProblem,
}

impl PolicyError {
    /// A problem with the file as a whole.
    fn whole(file: &str, problem: PolicyProblem) -> PolicyError {
        PolicyError {
            file: file.to_owned(),
            rule: None,
            syscall: None,
            line: None,
            problem,
        }
    }

    /// `, rule 3 (write, line 12)`, `, line 4`, or nothing.
    fn place(&self) -> String {
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
    /// The policy has no rules; it would kill the program at its first syscall.
    #[error(
        "it has no [[rule]]; a filter without rules would stop the program at its first syscall"
    )]
    NoRules,
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
    /// An earlier rule for the same syscall has the same conditions.
    #[error("rule {other} already has the same syscall and conditions; libseccomp would keep only one of them")]
    SameCalls {
        /// The earlier rule, counted from 1.
        other: usize,
    },
    /// Of two rules for the same syscall, one has no conditions.
    #[error("rule {other} is for the same syscall, and one of the two has no conditions; libseccomp would keep only one of them")]
    Unconditional {
        /// The earlier rule, counted from 1.
        other: usize,
    },
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

    #[test]
    fn the_shipped_policy_is_valid_and_builds() {
        let policy = Policy::shipped().expect("the shipped policy is valid");
        assert_eq!(policy.default_action, Action::Kill);
        policy.filter().expect("the shipped policy builds a filter");
    }

    /// Every rule of the shipped policy carries a comment saying why it is there.
    #[test]
    fn every_shipped_rule_says_why() {
        let lines: Vec<&str> = SHIPPED_POLICY.lines().collect();
        for (index, line) in lines.iter().enumerate() {
            if line.trim_start().starts_with("[[rule]]") {
                let above = lines[..index].last().map(|l| l.trim_start());
                assert!(
                    above.is_some_and(|l| l.starts_with('#') && l.len() > 2),
                    "the rule on line {} has no comment above it",
                    index + 1
                );
            }
        }
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
        assert_eq!(policy.rules[0].line, 4);
        assert_eq!(
            policy.rules[0].conditions,
            [
                Condition {
                    arg: 0,
                    op: ScmpCompareOp::LessOrEqual,
                    value: 2
                },
                Condition {
                    arg: 2,
                    op: ScmpCompareOp::Less,
                    value: 4096
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
            format!("{HEAD}[[rule]]\nsyscall = \"read\"\naction = \"allow\"\nargs = [{{ arg = {arg}, op = \"eq\", value = 0 }}]\n")
        };
        parse("test.toml", &rule(5)).expect("argument 5 is the sixth");
        for arg in [6, -1] {
            let err = refused(&rule(arg));
            assert!(
                matches!(err.problem, PolicyProblem::ArgIndexOutOfRange(a) if a == arg),
                "{err}"
            );
        }
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
        for name in ["ENOSUCH", "UnknownErrno"] {
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

    #[test]
    fn rules_libseccomp_would_drop_are_refused() {
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
        let err = refused(&format!(
            "{HEAD}{}{}",
            allow_write(&fd(1)),
            allow_write(&fd(1))
        ));
        assert!(
            matches!(err.problem, PolicyProblem::SameCalls { other: 1 }),
            "{err}"
        );
        let err = refused(&format!("{HEAD}{}{}", allow_write(&fd(1)), allow_write("")));
        assert!(
            matches!(err.problem, PolicyProblem::Unconditional { other: 1 }),
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
