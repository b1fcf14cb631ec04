//! The checks of a policy's rules, before any filter is built.
//!
//! A rule is read from a TOML policy ([`crate::policy_file`]) or from a JSON
//! profile ([`crate::policy_json`]) into the same data, a `RuleData`, with
//! its origin (`rule 3 (line 12)` or `syscalls[3]`); `check_rule` turns it
//! into a [`Rule`] or says what is wrong with it:
//!
//! - the syscall name is known to libseccomp, and the action is not the default
//!   action (libseccomp refuses such a rule);
//! - argument indexes are 0 to 5 and the syscall's own, each argument has a
//!   width ([`crate::condition`]), a mask goes with `masked_eq` only;
//! - no condition holds always or never, or names bits above a 32-bit argument;
//! - no two rules of a syscall with different actions can match the same call,
//!   and nothing is left that libseccomp compiles wrongly
//!   ([`crate::libseccomp_workarounds`]).
//!
//! `assemble` then checks the policy as a whole: it has rules, and not more
//! than a filter can take.

use libseccomp::ScmpCompareOp;
use nix::errno::Errno;
use serde::Deserialize;

use crate::condition::{argument_width, ArgumentWidth, Condition, Width, LOWER_HALF};
use crate::filter::resolve;
use crate::libseccomp_workarounds::ranges_on_one_argument;
use crate::policy::{Action, Policy, Rule};
use crate::policy_error::{
    Origin, PolicyError, PolicyProblem, ERRNO_RANGE, MAX_ARG_INDEX, MAX_COMPARISONS,
    MAX_POLICY_COMPARISONS,
};

/// A rule as a policy file gives it, before it is checked: from a TOML
/// `[[rule]]`, or one name of a JSON profile's entry.
#[derive(Debug)]
pub(crate) struct RuleData {
    /// The syscall's name.
    pub(crate) syscall: String,
    /// What the filter does with a call that matches.
    pub(crate) action: Action,
    /// The conditions on its arguments, as written.
    pub(crate) conditions: Vec<ConditionData>,
    /// Where the rule is.
    pub(crate) origin: Origin,
}

/// One condition as written, `{ arg = 0, op = "eq", value = 1 }`: serde reads it
/// from TOML, and [`crate::policy_json`] makes it from a JSON profile's `args`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConditionData {
    pub(crate) arg: i64,
    pub(crate) op: OpName,
    pub(crate) value: u64,
    pub(crate) mask: Option<u64>,
    pub(crate) width: Option<i64>,
}

/// libseccomp's comparison operators, as a policy names them (`SCMP_CMP_EQ` is `eq`).
#[derive(Debug, Deserialize, Clone, Copy)]
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

/// Reads an action as a policy writes it (`"allow"`, `"errno ENOSYS"`).
pub(crate) fn parse_action(text: &str) -> Result<Action, PolicyProblem> {
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

/// Checks one rule against libseccomp and against the rules before it
/// (`earlier`), and gives it as a policy holds it. A TOML policy's rules and
/// a JSON profile's entries come here alike, one rule per name.
pub(crate) fn check_rule(
    rule: RuleData,
    default_action: Action,
    earlier: &[Rule],
) -> Result<Rule, PolicyProblem> {
    let RuleData {
        syscall,
        action,
        conditions: args,
        origin,
    } = rule;
    resolve(&syscall).map_err(|_| PolicyProblem::UnknownSyscall(syscall.clone()))?;
    if action == default_action {
        return Err(PolicyProblem::SameAsDefault(action.to_string()));
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
                action: other.action.to_string(),
                call: call_text(&rule, &args),
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
        (ArgumentWidth::NoSuchArgument(count), _) => {
            Err(PolicyProblem::NoSuchArgument { arg, count })
        }
        // A 32-bit architecture's registers are 32 bits: every argument is,
        // whatever the table says of it on a 64-bit one.
        _ if cfg!(target_pointer_width = "32") => Ok(Width::Bits32),
        (ArgumentWidth::Known(known), Some(stated)) if stated != known => {
            Err(PolicyProblem::WidthDisagrees { arg, known })
        }
        (ArgumentWidth::Known(known), _) => Ok(known),
        (ArgumentWidth::Unknown | ArgumentWidth::Neither, Some(stated)) => Ok(stated),
        (ArgumentWidth::Unknown, None) => Err(PolicyProblem::WidthMissing(arg)),
        (ArgumentWidth::Neither, None) => Err(PolicyProblem::WidthUnclear(arg)),
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

/// `write(2, 0, 4096)`: a call of the rule's syscall with arguments `args`, as
/// `--simulate` takes it.
fn call_text(rule: &Rule, args: &[u64; 6]) -> String {
    let used = (0..6)
        .rev()
        .find(|&i| args[i] != 0 || rule.conditions.iter().any(|c| c.arg as usize == i))
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
    format!("{}({})", rule.syscall, shown.join(", "))
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
