//! Reading a policy file: `Policy::read` and `--policy FILE`.
//!
//! A policy file is TOML, or a container runtime's JSON profile (it starts with
//! `{`), read by [`crate::policy_json`]. A TOML policy goes through two stages,
//! both before any filter is loaded:
//!
//! 1. serde reads the TOML into its tables (unknown fields refused), and each
//!    `[[rule]]` is counted with its line, so that a message can name both;
//! 2. each rule is checked ([`crate::policy_check`]), against the rules before it.
//!
//! A bad policy is one [`PolicyError`] naming the file, the rule and what is
//! wrong (exit status 2). The file is read with a limit of size, so that
//! `--policy /dev/zero` is refused instead of filling the memory.

use std::path::Path;

use serde::Deserialize;

use crate::error::StepError;
use crate::policy::{Policy, Rule, SHIPPED_POLICY, SHIPPED_POLICY_FILE};
use crate::policy_check::{
    assemble, check_rule, check_rule_count, parse_action, ConditionData, RuleData,
};
use crate::policy_error::{Origin, PolicyError, PolicyProblem, MAX_POLICY_BYTES};
use crate::policy_json::{read_profile, Warn};

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
    /// Docker or Podman), read by [`read_profile`]; any other is TOML.
    pub fn parse(file: &str, text: &str) -> Result<Policy, StepError> {
        // A byte-order mark, which some editors write, is not part of either.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let policy = if is_json(text) {
            read_profile(file, text, Warn::Yes)?
        } else {
            parse(file, text)?
        };
        Ok(Policy {
            text: text.to_owned(),
            ..policy
        })
    }
}

/// Whether policy `text` is a container runtime's JSON profile: it starts
/// with `{`, where a TOML policy starts with a key or a comment.
pub(crate) fn is_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
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
    args: Vec<ConditionData>,
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
        parse_action(raw.default_action.get_ref()).map_err(|problem| PolicyError {
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
        let rule = parse_action(&raw_rule.action)
            .and_then(|action| {
                let data = RuleData {
                    syscall: raw_rule.syscall,
                    action,
                    conditions: raw_rule.args,
                    origin,
                };
                check_rule(data, default_action, &rules)
            })
            .map_err(|problem| at(syscall.as_deref(), problem))?;
        rules.push(rule);
    }
    assemble(file, default_action, rules)
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

#[cfg(test)]
mod tests {
    use super::*;
    use libseccomp::ScmpCompareOp;

    use crate::condition::Width;
    use crate::filter::{bpf_instructions, MAX_INSTRUCTIONS};
    use crate::policy::{Action, Condition};
    use crate::policy_check::parse_errno;

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
            matches!(&err.problem, PolicyProblem::SameAsDefault(action) if action == "kill"),
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
        // Each case: two rules, and the call the refusal names with the first
        // rule's action.
        let cases = [
            // The same, the other way round: libseccomp ends in "Failure
            // regarding the existence of argument" (exit 3) today.
            (
                (
                    "write",
                    "errno EPERM",
                    "{ arg = 0, op = \"eq\", value = 1 }, { arg = 2, op = \"gt\", value = 10 }",
                ),
                ("write", "allow", "{ arg = 0, op = \"eq\", value = 1 }"),
                "rule 1 (line 3) gives write(1, 0, 11) the action `errno EPERM`",
            ),
            // Conditions on different arguments that one call meets both.
            (
                (
                    "write",
                    "errno EPERM",
                    "{ arg = 0, op = \"eq\", value = 2 }",
                ),
                ("write", "allow", "{ arg = 2, op = \"le\", value = 4096 }"),
                "gives write(2, 0, 0) the action `errno EPERM`",
            ),
            // Masks that share a value.
            (
                (
                    "clone",
                    "allow",
                    "{ arg = 0, op = \"masked_eq\", mask = 0xff, value = 17 }",
                ),
                (
                    "clone",
                    "errno EPERM",
                    "{ arg = 0, op = \"masked_eq\", mask = 0x10000000, value = 0x10000000 }",
                ),
                "gives clone(0x10000011) the action `allow`",
            ),
            // Ranges that cross, on a 32-bit argument.
            (
                ("write", "allow", "{ arg = 0, op = \"lt\", value = 100 }"),
                ("write", "log", "{ arg = 0, op = \"ge\", value = 99 }"),
                "gives write(99) the action `allow`",
            ),
        ];
        for ((s1, a1, c1), (s2, a2, c2), expected) in cases {
            let text = refusal(rule(s1, a1, c1), rule(s2, a2, c2));
            assert!(text.contains(expected), "{text}\nlacks: {expected}");
        }
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
