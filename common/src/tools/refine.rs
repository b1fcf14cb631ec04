//! Step 4's `--learn`: run the program once under a policy whose default action
//! is replaced by a user notification, and say what the policy lacks, as rules
//! that can be appended to its file.
//!
//! Step 3's `--learn` ([`crate::tools::learn`]) compares the program with step 2's
//! allow list. A learner with a policy wants to know what *that* policy lacks:
//! the program may need a syscall no rule names, or make a call that the rules
//! of its syscall do not allow (`clone` with other flags than a plain fork's). A
//! bare `allow` of that syscall, appended, would allow every call of it, and so
//! undo the rules that refine it. So:
//!
//! - **The filter is the policy's.** Its rules keep their actions (a `clone3`
//!   answered with ENOSYS still is, and glibc falls back to `clone` as under
//!   the policy), and only its default action, when it refuses a call (kill,
//!   trap or an errno), becomes Notify ([`notify_filter`]): the supervisor is
//!   told of exactly the calls no rule matches. The hand-over of the listener
//!   ([`crate::tools::learn`]) is allowed on its two descriptors, by rules checked
//!   against the policy's as a rule of the file would be.
//! - **A call that reached the supervisor matched no rule.** For a syscall the
//!   policy has no rule for, the rule to append is bare. For one whose rules
//!   compare arguments, the rule to append compares the same arguments, each
//!   with `eq` and the value the call had, read as the policy reads it (a
//!   32-bit argument on its lower half), one rule per set of values seen (at
//!   most [`MAX_CALLS`] per syscall). Whether a rule of that syscall matches a
//!   call depends on those arguments only, so each of them decides on every
//!   call the new rule matches as it did on the call seen: it does not match.
//!   The new rule overlaps none of them, widens none, and allows what the
//!   program did.
//! - **Every rule printed has been read appended to the policy.** Before the
//!   report, each rule is appended to the policy's text after those accepted
//!   before it, and the whole is read and validated as `--policy` would read
//!   it ([`appended`]). A rule the policy would refuse is not printed:
//!   the report says which call it was for and why.
//!
//! All of this happens in the supervisor, which is not filtered and may
//! allocate: the program's process only loads the filter and hands the listener
//! over, as under step 3's `--learn`. The supervisor is step 3's
//! ([`crate::tools::learn`]). This module gives it the filter above and the policy to
//! compare the program with, which notes the calls it needs for its advice.

use std::os::fd::RawFd;
use std::process::ExitCode;

use libseccomp::{ScmpAction, ScmpArch, ScmpSyscall};

use crate::compile_limit::within_limit;
use crate::condition::{argument_width, ArgumentWidth, Width};
use crate::error::{fail_closed, StepError};
use crate::filter::StepFilter;
use crate::filter::{bpf_instructions, Filter, MAX_INSTRUCTIONS};
use crate::policy::{Action, Policy, PolicyFilter};
use crate::policy_check::{check_rule, ConditionData, OpName, RuleData};
use crate::policy_error::{Origin, PolicyError, PolicyProblem};
use crate::policy_file::is_json;
use crate::policy_json::{read_profile, Warn};
use crate::program::Program;
use crate::tools::learn::{learn_with_filter, notify_filter_to_print, Allowed, Learned, Subject};

/// The most rules suggested for one syscall: one per set of values its calls had
/// on the arguments the policy compares. A program that makes more such calls
/// needs a rule of the learner's own (a mask, a range), not a list.
pub const MAX_CALLS: usize = 8;

/// Runs the program once under the policy `filter` was compiled from, with the
/// policy's default action replaced by Notify, and reports on stderr what the
/// policy lacks, as rules to append to it. Returns as [`crate::tools::learn::learn`]
/// does: in the program's process what the program returns, in the supervisor
/// the program's exit status. A policy that was refused is said here, in one
/// line, with status 2, and nothing runs.
///
/// Call it only while the process has one thread, as a step's `main` does.
pub fn learn_against(
    step: &'static str,
    program: &mut Program,
    filter: &Result<PolicyFilter, StepError>,
    callers: bool,
) -> ExitCode {
    let policy = match filter.as_ref().map(learnable) {
        Ok(Ok(policy)) => policy,
        Ok(Err(err)) => return fail_closed(step, &err),
        Err(err) => return fail_closed(step, err),
    };
    learn_with_filter(
        step,
        program,
        &|socket, listener| notify_filter(policy, socket, listener),
        &mut PolicyWithCalls {
            policy,
            calls: ComparedCalls::for_policy(policy),
        },
        callers,
    )
}

/// The filter `--learn` would load against the policy `filter` was compiled
/// from, with the descriptor numbers the program's process would use, for
/// `--print-filter` and `--simulate`.
pub fn filter_to_print(filter: &PolicyFilter) -> StepFilter {
    let policy = learnable(filter)?;
    notify_filter_to_print(&|socket, listener| notify_filter(policy, socket, listener))
}

/// The policy `filter` was compiled from, when `--learn` can learn against it:
/// when its default action refuses calls.
fn learnable(filter: &PolicyFilter) -> Result<&Policy, StepError> {
    let policy = &filter.policy;
    if matches!(policy.default_action, Action::Allow | Action::Log) {
        return Err(StepError::LearnAgainst {
            file: policy.file.clone(),
            why: format!(
                "its default action, `{}`, lets every syscall that no rule matches run, so \
                 it lacks none",
                policy.default_action
            ),
        });
    }
    Ok(policy)
}

// ANCHOR: notify_filter
/// The policy's filter with the Notify action instead of its default action:
/// a call a rule matches gets the rule's action, any other waits for the
/// supervisor's answer. The syscalls that hand the listener over are allowed
/// on their descriptors (`socket`, `listener`), by rules checked against the
/// policy's as if they were appended to it: where the policy gives one of
/// those calls another action, learning against it cannot start.
pub fn notify_filter(policy: &Policy, socket: RawFd, listener: RawFd) -> Result<Filter, StepError> {
    // Under the same limit of CPU time as the policy's own filter.
    within_limit(
        |stage| policy.too_slow(stage),
        |watch| {
            let mut filter = Filter::new(ScmpAction::Notify)?;
            for (index, rule) in policy.rules.iter().enumerate() {
                watch.adding(index);
                for comparisons in rule.comparisons() {
                    filter.add_rule(rule.action.scmp(), &rule.syscall, &comparisons)?;
                }
            }
            watch.adding(policy.rules.len());
            for (name, fd) in [("sendmsg", socket), ("close", socket), ("close", listener)] {
                let hand_over = RuleData {
                    syscall: name.to_owned(),
                    action: Action::Allow,
                    conditions: vec![ConditionData {
                        arg: 0,
                        op: OpName::Eq,
                        value: fd as u64,
                        mask: None,
                        width: None,
                    }],
                    origin: Origin::HandOver,
                };
                let rule = check_rule(hand_over, policy.default_action, &policy.rules).map_err(
                    |problem| {
                        let why = match problem {
                            PolicyProblem::OverlapWithAnotherAction { other, action, .. } => {
                                format!("{other} gives it the action `{action}`")
                            }
                            problem => problem.to_string(),
                        };
                        StepError::LearnAgainst {
                            file: policy.file.clone(),
                            why: format!(
                                "the program's process hands the listener to the supervisor \
                             with {name}({fd}), which must be allowed: {why}"
                            ),
                        }
                    },
                )?;
                for comparisons in rule.comparisons() {
                    filter.add_rule(ScmpAction::Allow, name, &comparisons)?;
                }
            }
            // The policy's filter fits in what the kernel loads, but with the rules
            // above it may not: the kernel would only say EINVAL.
            watch.generating();
            let length = bpf_instructions(&filter)?.len();
            if length > MAX_INSTRUCTIONS {
                return Err(StepError::LearnAgainst {
                    file: policy.file.clone(),
                    why: format!(
                        "with the rules that hand the listener over to the supervisor, its \
                         filter would be {length} BPF instructions, and the kernel loads \
                         {MAX_INSTRUCTIONS} at most; use fewer rules"
                    ),
                });
            }
            Ok(filter)
        },
    )
}
// ANCHOR_END: notify_filter

/// A policy as `--learn` compares the program with it, and the calls the
/// supervisor saw of the syscalls whose rules compare arguments.
struct PolicyWithCalls<'a> {
    /// The policy whose default action the notify filter replaced.
    policy: &'a Policy,
    /// The calls seen of the syscalls whose rules compare arguments.
    calls: ComparedCalls,
}

impl Allowed for PolicyWithCalls<'_> {
    fn name(&self) -> String {
        format!("the policy in {}", self.policy.file)
    }

    fn lets_run(&self, syscall: &str) -> bool {
        self.policy.rules.iter().any(|rule| {
            rule.syscall == syscall && matches!(rule.action, Action::Allow | Action::Log)
        })
    }

    fn note(&mut self, arch: ScmpArch, syscall: ScmpSyscall, args: &[u64; 6]) {
        self.calls.note(arch, syscall, args);
    }

    fn advice(
        &self,
        step: &str,
        _: Subject,
        seen: &[(ScmpArch, ScmpSyscall)],
        _: &[Learned],
    ) -> String {
        advice(step, self.policy, seen, &self.calls)
    }
}

/// The calls the supervisor saw of the syscalls whose rules compare arguments,
/// by the values of those arguments.
#[derive(Debug, Default)]
struct ComparedCalls {
    /// Each syscall of this architecture that the policy's rules compare
    /// arguments of, with those arguments and their widths, in order.
    compared: Vec<(ScmpSyscall, Vec<(u32, Width)>)>,
    /// Each call seen of those syscalls, once per set of values of those
    /// arguments (a 32-bit one's lower half), in the order first seen.
    calls: Vec<(ScmpSyscall, Vec<u64>)>,
    /// The syscalls made with more than [`MAX_CALLS`] sets of values.
    past_max_calls: Vec<ScmpSyscall>,
}

impl ComparedCalls {
    /// What the supervisor notes of the calls made against `policy`: none yet.
    fn for_policy(policy: &Policy) -> ComparedCalls {
        let mut compared: Vec<(ScmpSyscall, Vec<(u32, Width)>)> = Vec::new();
        for rule in policy
            .rules
            .iter()
            .filter(|rule| !rule.conditions.is_empty())
        {
            // A name this architecture does not have is in no filter here.
            let Some(syscall) = ScmpSyscall::from_name(&rule.syscall)
                .ok()
                .filter(|syscall| syscall.as_raw_syscall() >= 0)
            else {
                continue;
            };
            let index = match compared.iter().position(|(s, _)| *s == syscall) {
                Some(index) => index,
                None => {
                    compared.push((syscall, Vec::new()));
                    compared.len() - 1
                }
            };
            let args = &mut compared[index].1;
            for condition in &rule.conditions {
                if !args.iter().any(|&(arg, _)| arg == condition.arg) {
                    args.push((condition.arg, condition.width));
                }
            }
            args.sort_by_key(|&(arg, _)| arg);
        }
        ComparedCalls {
            compared,
            ..ComparedCalls::default()
        }
    }

    /// The arguments the policy's rules for `syscall` compare, if they compare any.
    fn args_of(&self, syscall: ScmpSyscall) -> Option<&[(u32, Width)]> {
        self.compared
            .iter()
            .find(|(s, _)| *s == syscall)
            .map(|(_, args)| args.as_slice())
    }

    /// Notes a call the supervisor was told of: `syscall` on `arch`, with `args`.
    fn note(&mut self, arch: ScmpArch, syscall: ScmpSyscall, args: &[u64; 6]) {
        if arch != ScmpArch::native() {
            return;
        }
        let Some(compared) = self.args_of(syscall) else {
            return;
        };
        let values: Vec<u64> = compared
            .iter()
            .map(|&(arg, width)| args[arg as usize] & width.max())
            .collect();
        if self.calls.contains(&(syscall, values.clone())) {
            return;
        }
        if self.calls.iter().filter(|(s, _)| *s == syscall).count() >= MAX_CALLS {
            if !self.past_max_calls.contains(&syscall) {
                self.past_max_calls.push(syscall);
            }
            return;
        }
        self.calls.push((syscall, values));
    }
}

/// What step 4's report says after the list of syscalls the policy lacks: the
/// rules to append to the policy's file that allow them (each checked appended
/// to it), and why a call has none. `compared` holds the values the calls had.
fn advice(
    step: &str,
    policy: &Policy,
    seen: &[(ScmpArch, ScmpSyscall)],
    compared: &ComparedCalls,
) -> String {
    let json = is_json(&policy.text);
    let mut notes = String::new();
    // The rules accepted, as the policy's format writes them: TOML tables, or
    // a profile's entries, one a line.
    let mut rules: Vec<String> = Vec::new();
    let added = |rules: &[String]| {
        if json {
            rules.join(",\n")
        } else {
            rules.concat()
        }
    };
    // Calls no rule can be appended for, by why: the rules for one syscall are
    // often refused for one reason.
    let mut refused: Vec<(String, Vec<String>)> = Vec::new();
    for &(arch, syscall) in seen {
        let Ok(name) = syscall.get_name_by_arch(arch) else {
            continue;
        };
        let sets: Vec<Vec<(u32, Width, u64)>> = match compared.args_of(syscall) {
            Some(args) if arch == ScmpArch::native() => compared
                .calls
                .iter()
                .filter(|(s, _)| *s == syscall)
                .map(|(_, values)| {
                    args.iter()
                        .zip(values)
                        .map(|(&(arg, width), &value)| (arg, width, value))
                        .collect()
                })
                .collect(),
            _ => vec![Vec::new()],
        };
        if compared.past_max_calls.contains(&syscall) {
            notes.push_str(&format!(
                "{step}: {name} was made with more than {MAX_CALLS} sets of values of the \
                 arguments the policy's rules compare; rules follow for the first \
                 {MAX_CALLS}, and a rule of your own may say better what it needs\n"
            ));
        }
        for pins in sets {
            let rule = if json {
                entry_text(&name, &pins)
            } else {
                rule_text(&name, &pins)
            };
            rules.push(rule);
            match appended(policy, &added(&rules)) {
                Ok(_) => {}
                Err(err) => {
                    rules.pop();
                    let why = format!("{err}; change the policy's rules for {name} instead");
                    let call = call_text(&name, &pins);
                    match refused.iter_mut().find(|(w, _)| *w == why) {
                        Some((_, calls)) => calls.push(call),
                        None => refused.push((why, vec![call])),
                    }
                }
            }
        }
    }
    let mut text = notes;
    let none = if json {
        "no entry can be added"
    } else {
        "no rule can be appended"
    };
    for (why, calls) in &refused {
        text.push_str(&format!("{step}: {none} for {}: {why}\n", calls.join(", ")));
    }
    if !rules.is_empty() {
        let them = if refused.is_empty() {
            "them"
        } else {
            "the others"
        };
        let file = if policy.file == crate::policy::SHIPPED_POLICY_FILE {
            format!(
                "{} (then rebuild), or to a copy of it run with --policy",
                policy.file
            )
        } else {
            policy.file.clone()
        };
        if json {
            text.push_str(&format!(
                "{step}: to allow {them}, add these entries to the syscalls of {file}:\n{}\n",
                added(&rules)
            ));
        } else {
            text.push_str(&format!(
                "{step}: to allow {them}, append these rules to {file}:\n{}",
                added(&rules)
            ));
        }
    }
    text
}

/// A rule of a policy file allowing `name`, for the calls with these values of
/// these arguments (with none, every call), with the comment every rule of the
/// policy carries, left for the learner to finish.
pub fn rule_text(name: &str, pins: &[(u32, Width, u64)]) -> String {
    if pins.is_empty() {
        return format!(
            "\n# Found by --learn: say here who needs {name}.\n\
             [[rule]]\nsyscall = \"{name}\"\naction = \"allow\"\n"
        );
    }
    let (arguments, values) = (arguments(pins), values_matched(pins));
    let conditions: Vec<String> = pins
        .iter()
        .map(|&(arg, width, value)| {
            // A width the policy's table does not know is stated, as the
            // policy's own rules for the syscall state it.
            let stated = match argument_width(name, arg) {
                ArgumentWidth::Known(_) => String::new(),
                _ => format!(", width = {width}"),
            };
            format!(
                "{{ arg = {arg}, op = \"eq\", value = {}{stated} }}",
                number(value)
            )
        })
        .collect();
    format!(
        "\n# Found by --learn: say here who needs {}. The rules above compare\n\
         # {arguments} of {name}, and {values} none of them.\n\
         [[rule]]\nsyscall = \"{name}\"\naction = \"allow\"\nargs = [{}]\n",
        call_text(name, pins),
        conditions.join(", ")
    )
}

/// The entry of a container runtime's profile allowing `name`, for the calls
/// with these values of these arguments (with none, every call), on one line,
/// with the comment a rule of a TOML policy would have. A profile cannot state
/// a width: the policy's own entries for the syscall could not either, and
/// their arguments have the width the policy gives them.
pub fn entry_text(name: &str, pins: &[(u32, Width, u64)]) -> String {
    let (why, args) = match pins {
        [] => (
            format!("Found by --learn: say here who needs {name}."),
            String::new(),
        ),
        _ => {
            let args: Vec<String> = pins
                .iter()
                .map(|&(arg, _, value)| {
                    format!("{{ \"index\": {arg}, \"value\": {value}, \"op\": \"SCMP_CMP_EQ\" }}")
                })
                .collect();
            (
                format!(
                    "Found by --learn: say here who needs {}. The entries above compare {} of \
                     {name}, and {} none of them.",
                    call_text(name, pins),
                    arguments(pins),
                    values_matched(pins)
                ),
                format!(", \"args\": [{}]", args.join(", ")),
            )
        }
    };
    format!(
        "{{ \"names\": [\"{name}\"], \"action\": \"SCMP_ACT_ALLOW\"{args}, \"comment\": \"{why}\" }}"
    )
}

/// `argument 0`, `arguments 0 and 2`: the arguments of `pins`.
fn arguments(pins: &[(u32, Width, u64)]) -> String {
    let indexes: Vec<String> = pins.iter().map(|(arg, _, _)| arg.to_string()).collect();
    match indexes.as_slice() {
        [one] => format!("argument {one}"),
        [init @ .., last] => format!("arguments {} and {last}", init.join(", ")),
        [] => "no argument".to_owned(),
    }
}

/// `this value matched` for one argument, `these values matched` for more.
fn values_matched(pins: &[(u32, Width, u64)]) -> &'static str {
    if pins.len() == 1 {
        "this value matched"
    } else {
        "these values matched"
    }
}

/// `clone(0x1200011)`, `write(3)`, `write(_, _, 5000)`: the call, with the
/// values of the arguments in `pins`, and `_` for those before them it has not.
fn call_text(name: &str, pins: &[(u32, Width, u64)]) -> String {
    let last = pins.iter().map(|&(arg, _, _)| arg + 1).max().unwrap_or(0);
    let args: Vec<String> = (0..last)
        .map(|index| {
            pins.iter()
                .find(|&&(arg, _, _)| arg == index)
                .map_or("_".to_owned(), |&(_, _, value)| number(value))
        })
        .collect();
    format!("{name}({})", args.join(", "))
}

/// A value as a rule writes it: in decimal up to 0xffff, in hex above, as flags
/// and addresses read best.
fn number(value: u64) -> String {
    if value > 0xFFFF {
        format!("{value:#x}")
    } else {
        value.to_string()
    }
}

/// The policy with `rules` added to its file, read and checked as a whole, as
/// `--policy` would read the file once a learner has added them: for TOML,
/// `[[rule]]` tables appended to the text; for a JSON profile, entries
/// separated by commas, added at the end of its `syscalls` (read without its
/// warnings, which reading it the first time gave).
fn appended(policy: &Policy, rules: &str) -> Result<Policy, StepError> {
    if !is_json(&policy.text) {
        return Policy::parse(&policy.file, &format!("{}{rules}", policy.text));
    }
    let whole = |problem| StepError::from(PolicyError::whole(&policy.file, problem));
    let json = |err: serde_json::Error| whole(PolicyProblem::Json(err.to_string()));
    let mut profile: serde_json::Value = serde_json::from_str(&policy.text).map_err(json)?;
    let added: Vec<serde_json::Value> =
        serde_json::from_str(&format!("[{rules}]")).map_err(json)?;
    let syscalls = profile
        .as_object_mut()
        .map(|fields| fields.entry("syscalls").or_insert(serde_json::json!([])))
        .and_then(serde_json::Value::as_array_mut)
        .ok_or_else(|| whole(PolicyProblem::Json("no `syscalls` array".to_owned())))?;
    syscalls.extend(added);
    let text = profile.to_string();
    let policy = read_profile(&policy.file, &text, Warn::No)?;
    Ok(Policy { text, ..policy })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::SHIPPED_POLICY;
    use crate::tools::print_filter::{parse_call, simulation};

    /// The action `filter` gives `call` (`--simulate`'s last line, without
    /// `action: `), through the simulator: nothing is loaded.
    fn action(filter: &Filter, call: &str) -> String {
        let text = simulation(&parse_call(call).unwrap(), filter).unwrap();
        let last = text.lines().last().unwrap();
        last.strip_prefix("action: ").unwrap().to_owned()
    }

    fn policy(text: &str) -> Policy {
        Policy::parse("test.toml", text).expect("a valid policy")
    }

    /// The shipped policy without its `munmap` rule, with `clone` allowed only
    /// with the flags SIGCHLD alone: glibc's fork has two more.
    fn policy_lacking_what_the_program_needs() -> Policy {
        let text = replaced(
            SHIPPED_POLICY,
            "[[rule]]\nsyscall = \"munmap\"\naction = \"allow\"\n",
            "",
        );
        let text = replaced(
            &text,
            "args = [{ arg = 0, op = \"masked_eq\", mask = 0xFEDFFFFF, value = 17 }]",
            &format!(
                "args = [{{ arg = 0, op = \"eq\", value = {} }}]",
                libc::SIGCHLD
            ),
        );
        policy(&text)
    }

    /// `text` with `from` replaced by `to`, which must change it: a policy
    /// that no longer holds `from` would leave the test checking nothing.
    fn replaced(text: &str, from: &str, to: &str) -> String {
        assert!(text.contains(from), "the policy no longer holds {from:?}");
        text.replace(from, to)
    }

    fn syscall(name: &str) -> ScmpSyscall {
        ScmpSyscall::from_name(name).unwrap()
    }

    /// The actions the rules of `policy` for `name` give a call with `args`.
    fn actions(policy: &Policy, name: &str, args: &[u64; 6]) -> Vec<Action> {
        policy
            .rules
            .iter()
            .filter(|rule| rule.syscall == name && rule.matches(args))
            .map(|rule| rule.action)
            .collect()
    }

    /// Runs `seen` (a syscall and its arguments, in order) through what the
    /// supervisor notes, and returns the advice its report gives.
    fn advice_for(policy: &Policy, seen: &[(&str, [u64; 6])]) -> String {
        let mut compared = ComparedCalls::for_policy(policy);
        let mut order = Vec::new();
        for (name, args) in seen {
            let call = (ScmpArch::native(), syscall(name));
            if !order.contains(&call) {
                order.push(call);
            }
            compared.note(call.0, call.1, args);
        }
        advice("s", policy, &order, &compared)
    }

    /// The rules of an advice: what follows its line `append these rules to`.
    fn rules_of(advice: &str) -> &str {
        let start = advice
            .find(" append these rules to ")
            .unwrap_or_else(|| panic!("no rules: {advice}"));
        let end = advice[start..].find('\n').unwrap() + start + 1;
        &advice[end..]
    }

    /// Under the shipped policy's notify filter, what a rule matches gets the
    /// rule's action (clone3 still fails with ENOSYS), the hand-over is allowed
    /// on its descriptors only, and what no rule matches is notified.
    #[test]
    fn the_notify_filter_is_the_policy_s_with_notify_for_its_default_action() {
        let filter = notify_filter(&Policy::shipped().unwrap(), 41, 42).unwrap();
        assert_eq!(action(&filter, "write(1, 0, 5)"), "ALLOW");
        assert_eq!(action(&filter, "write(3, 0, 5)"), "USER_NOTIF");
        assert_eq!(
            action(&filter, "clone3"),
            format!("ERRNO({})", libc::ENOSYS)
        );
        assert_eq!(action(&filter, "getpid"), "USER_NOTIF");
        // On i386 libseccomp takes `sendmsg` for a call multiplexed through
        // `socketcall`, and the simulator cannot be asked by that name.
        let native = |name| ScmpSyscall::from_name(name).is_ok_and(|s| s.as_raw_syscall() >= 0);
        if native("sendmsg") {
            assert_eq!(action(&filter, "sendmsg(41)"), "ALLOW");
            assert_eq!(action(&filter, "sendmsg(42)"), "USER_NOTIF");
        }
        assert_eq!(action(&filter, "close(42)"), "ALLOW");
        assert_eq!(action(&filter, "close(0x100000029)"), "ALLOW");
        assert_eq!(action(&filter, "close(43)"), "USER_NOTIF");
    }

    /// A policy that gives a call of the hand-over another action cannot be
    /// learned against, and says why in one line; nor one whose default action
    /// lets every call run.
    #[test]
    fn a_policy_that_forbids_the_hand_over_or_refuses_nothing_is_refused() {
        let no_close = policy(&format!(
            "{SHIPPED_POLICY}\n# No closing.\n[[rule]]\nsyscall = \"close\"\naction = \"errno EPERM\"\n"
        ));
        let err = notify_filter(&no_close, 41, 42).unwrap_err();
        assert_eq!(err.exit_status(), crate::error::EXIT_USAGE);
        let rules = no_close.rules.len();
        assert_eq!(
            err.to_string(),
            format!(
                "--learn cannot learn against test.toml: the program's process hands the \
                 listener to the supervisor with close(41), which must be allowed: rule \
                 {rules} (line {}) gives it the action `errno EPERM`",
                SHIPPED_POLICY.lines().count() + 3
            )
        );
        for default in ["allow", "log"] {
            let lenient = policy(&format!(
                "default_action = \"{default}\"\n\n# Never.\n[[rule]]\nsyscall = \"getpid\"\naction = \"kill\"\n"
            ));
            let err = learnable(&lenient.filter().unwrap()).unwrap_err();
            assert_eq!(err.exit_status(), crate::error::EXIT_USAGE);
            assert_eq!(
                err.to_string(),
                format!(
                    "--learn cannot learn against test.toml: its default action, `{default}`, \
                     lets every syscall that no rule matches run, so it lacks none"
                )
            );
        }
    }

    /// A policy whose filter the kernel would load, but not once the rules of
    /// the hand-over are added to it, cannot be learned against, and says so in
    /// one line instead of failing to load the filter.
    #[test]
    fn a_policy_too_long_with_the_hand_over_is_refused_in_one_line() {
        // `kill` of one pid with one signal per rule: a few instructions per
        // rule, fewer than the hand-over's rules take, and few enough rules.
        let text = |rules: usize| {
            let mut text = "default_action = \"kill\"\n".to_owned();
            for pid in 0..rules {
                text.push_str(&format!(
                    "\n# Never pid {pid}.\n[[rule]]\nsyscall = \"kill\"\naction = \"errno EPERM\"\n\
                     args = [{{ arg = 0, op = \"eq\", value = {} }}, {{ arg = 1, op = \"eq\", value = {} }}]\n",
                    pid + 100,
                    pid % 30 + 1
                ));
            }
            text
        };
        let accepted = |rules: usize| {
            Policy::parse("long.toml", &text(rules)).is_ok_and(|policy| policy.filter().is_ok())
        };
        let length = |rules: usize| {
            bpf_instructions(&policy(&text(rules)).filter().unwrap())
                .unwrap()
                .len()
        };
        // Each rule adds the same instructions: the most rules whose filter the
        // kernel would load, from two short policies, then checked.
        let (short, longer) = (length(10), length(20));
        let mut fits = 10 + (MAX_INSTRUCTIONS - short) * 10 / (longer - short);
        while !accepted(fits) {
            fits -= 1;
        }
        while accepted(fits + 1) {
            fits += 1;
        }
        let long = policy(&text(fits));
        let length = bpf_instructions(&long.filter().unwrap()).unwrap().len();
        assert!(length <= MAX_INSTRUCTIONS, "{length}");
        let Err(err) = notify_filter(&long, 41, 42) else {
            panic!("built, though the policy alone is {length} instructions");
        };
        assert_eq!(err.exit_status(), crate::error::EXIT_USAGE, "{err}");
        assert!(
            err.to_string().starts_with(
                "--learn cannot learn against test.toml: with the rules that hand the listener \
                 over to the supervisor, its filter would be "
            ),
            "{err}"
        );
        assert_eq!(err.to_string().lines().count(), 1, "{err}");
    }

    /// The supervisor notes the arguments the policy's rules compare, a 32-bit
    /// one on its lower half, once per set of values, [`MAX_CALLS`] at most per
    /// syscall; a syscall whose rules compare nothing is not noted.
    #[test]
    fn the_supervisor_notes_each_set_of_values_of_the_compared_arguments() {
        let mut compared = ComparedCalls::for_policy(&Policy::shipped().unwrap());
        let native = ScmpArch::native();
        let clone = syscall("clone");
        // Argument 0 is clone's flags, 32 bits as the kernel reads them.
        compared.note(native, clone, &[0xdead_0000_0000_0011, 7, 0, 0, 0, 0]);
        compared.note(native, clone, &[0x11, 8, 0, 0, 0, 0]);
        compared.note(native, syscall("munmap"), &[1, 2, 0, 0, 0, 0]);
        assert_eq!(compared.calls, [(clone, vec![0x11])]);
        for flags in 0..2 * MAX_CALLS as u64 {
            compared.note(native, clone, &[flags, 0, 0, 0, 0, 0]);
        }
        let clones = compared.calls.iter().filter(|(s, _)| *s == clone).count();
        assert_eq!(clones, MAX_CALLS);
        assert_eq!(MAX_CALLS, 8, "the book says eight");
        assert_eq!(compared.past_max_calls, [clone]);
    }

    /// What the program lacks, appended as the advice prints it, makes a policy
    /// that is accepted and allows it: a bare rule for a syscall the policy has
    /// no rule for, and for `clone`, whose rule refines it, a rule for the flags
    /// seen only, which leaves a clone with a new user namespace refused.
    #[test]
    fn the_rules_advised_append_to_the_policy_and_allow_no_more_than_the_calls_seen() {
        let policy = policy_lacking_what_the_program_needs();
        let fork = (libc::CLONE_CHILD_SETTID | libc::CLONE_CHILD_CLEARTID | libc::SIGCHLD) as u64;
        let advice = advice_for(
            &policy,
            &[
                ("clone", [fork, 0, 0, 0x7f00_0000_1000, 0, 0]),
                ("munmap", [0x7f00_0000_0000, 8192, 0, 0, 0, 0]),
            ],
        );
        assert!(
            advice.starts_with("s: to allow them, append these rules to test.toml:\n\n"),
            "{advice}"
        );
        let rules = rules_of(&advice);
        assert_eq!(
            rules,
            format!(
                "\n# Found by --learn: say here who needs clone({fork:#x}). The rules above compare\n\
                 # argument 0 of clone, and this value matched none of them.\n\
                 [[rule]]\nsyscall = \"clone\"\naction = \"allow\"\n\
                 args = [{{ arg = 0, op = \"eq\", value = {fork:#x} }}]\n\
                 \n# Found by --learn: say here who needs munmap.\n\
                 [[rule]]\nsyscall = \"munmap\"\naction = \"allow\"\n"
            )
        );
        let appended = super::appended(&policy, rules).expect("accepted");
        appended.filter().expect("it builds");
        let allow = [Action::Allow];
        assert_eq!(actions(&appended, "clone", &[fork, 0, 0, 0, 0, 0]), allow);
        assert_eq!(actions(&appended, "munmap", &[0; 6]), allow);
        // The rule the policy had still allows what it allowed, and nothing
        // more is: not a fork into a new user namespace.
        assert_eq!(
            actions(&appended, "clone", &[libc::SIGCHLD as u64, 0, 0, 0, 0, 0]),
            allow
        );
        let namespace = fork | libc::CLONE_NEWUSER as u64;
        assert_eq!(actions(&appended, "clone", &[namespace, 0, 0, 0, 0, 0]), []);
    }

    /// Calls of one syscall with other values of the compared arguments get a
    /// rule each; an argument whose width the policy's table does not know is
    /// given the width the policy's own rule states.
    #[test]
    fn each_set_of_values_gets_its_rule_with_the_policy_s_widths() {
        let policy = policy(
            "default_action = \"kill\"\n\n# Only its own group.\n[[rule]]\nsyscall = \"getpgid\"\n\
             action = \"allow\"\nargs = [{ arg = 0, op = \"eq\", value = 0, width = 32 }]\n",
        );
        let advice = advice_for(
            &policy,
            &[
                ("getpgid", [0x1_0000_0005, 0, 0, 0, 0, 0]),
                ("getpgid", [6, 0, 0, 0, 0, 0]),
                ("getpgid", [5, 0, 0, 0, 0, 0]),
            ],
        );
        let rules = rules_of(&advice);
        assert_eq!(rules.matches("[[rule]]").count(), 2, "{rules}");
        for value in [5, 6] {
            assert!(
                rules.contains(&format!(
                    "args = [{{ arg = 0, op = \"eq\", value = {value}, width = 32 }}]\n"
                )),
                "{rules}"
            );
        }
        appended(&policy, rules).expect("accepted");
    }

    /// A rule the policy would refuse is not printed: the advice names the calls
    /// it was for, once per reason, and why, in one line.
    #[test]
    fn a_rule_the_policy_would_refuse_is_said_instead_of_printed() {
        // Over 64 bits, `lt` in one rule forbids another rule on the argument.
        let policy = policy(
            "default_action = \"kill\"\n\n# Short writes to stdout.\n[[rule]]\nsyscall = \"write\"\n\
             action = \"allow\"\nargs = [{ arg = 0, op = \"eq\", value = 1 }, { arg = 2, op = \"lt\", value = 10 }]\n",
        );
        let advice = advice_for(
            &policy,
            &[
                ("write", [1, 0, 17, 0, 0, 0]),
                ("write", [1, 0, 11, 0, 0, 0]),
            ],
        );
        if cfg!(target_pointer_width = "32") {
            // Every argument is 32 bits here: libseccomp's 64-bit comparisons,
            // which the policy guards against, are not made, and the rules for
            // both calls are printed and append.
            assert_eq!(advice.matches("[[rule]]").count(), 2, "{advice}");
            appended(&policy, rules_of(&advice)).expect("accepted");
            return;
        }
        assert!(!advice.contains("[[rule]]"), "{advice}");
        assert_eq!(advice.lines().count(), 1, "{advice}");
        assert!(
            advice.starts_with(
                "s: no rule can be appended for write(1, _, 17), write(1, _, 11): bad policy \
                 test.toml, rule 2 (write, line 11): rule 1 (line 4) compares argument 2 too"
            ),
            "{advice}"
        );
        assert!(
            advice.ends_with("; change the policy's rules for write instead\n"),
            "{advice}"
        );
    }

    #[test]
    fn calls_show_the_compared_arguments_and_numbers_read_best() {
        assert_eq!(call_text("munmap", &[]), "munmap()");
        assert_eq!(
            call_text(
                "write",
                &[(0, Width::Bits32, 1), (2, Width::Bits64, 0x10000)]
            ),
            "write(1, _, 0x10000)"
        );
        assert_eq!(number(0xFFFF), "65535");
    }
}
