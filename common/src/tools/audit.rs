//! `--audit` of steps 2, 3 and 4: the filter a step would load, read for the
//! classic mistakes of seccomp filters, one finding per line.
//!
//! The audit reads what the filter was built from, not its BPF program: the
//! [`Filter`]'s recorded rules and default action, and on step 4 its
//! [`Policy`], whose rules say where they are in their file. Each line starts
//! with a severity, `ok`, `note` or `warning`, and ends with the section of the
//! book that explains it, `(see auditing.md#execve)`. A syscall this
//! architecture does not have is skipped: a rule for it is never compiled, and
//! cannot open anything.
//!
//! The exit status is 0 when nothing was found worth a warning, 1 when
//! something was, and the step's own status when it could not build its filter
//! (2 for a refused policy).

use std::io::Write;
use std::process::ExitCode;

use libseccomp::{ScmpAction, ScmpSyscall};

use crate::error::{fail_closed, StepError, EXIT_PROGRAM_FAILED};
use crate::filter::Filter;
use crate::kernel::{arch_name, native_arch};
use crate::policy::{Action, Policy, PolicyFilter};
use crate::policy_error::Origin;
use crate::policy_file::is_json;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// A check that passed, shown so that a learner sees it was made.
    Ok,
    /// Worth knowing; the filter is not weaker for it.
    Note,
    /// A way around the filter, or a program it breaks.
    Warning,
}

impl Severity {
    fn word(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Note => "note",
            Severity::Warning => "warning",
        }
    }
}

/// One line of the audit: a severity, what was found, and the section of the
/// book's chapter on auditing that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// What was found, in a sentence without its final period.
    pub text: String,
    /// The section of `auditing.md` that explains it (its anchor).
    pub section: &'static str,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} (see auditing.md#{})",
            self.severity.word(),
            self.text,
            self.section
        )
    }
}

/// The sections of the book's chapter `auditing.md` that the findings point
/// to, as their headings' ids: both books have each of them.
pub const SECTIONS: &[&str] = &[
    "architecture-check",
    "other-architectures",
    "default-allows",
    "errno-0",
    "io-uring",
    "execve",
    "powerful-syscalls",
    "siblings",
    "enosys",
    "default-errno",
    "32-bit-arguments",
];

/// What a rule does with the calls it matches, as the audit sorts actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// The call runs (`allow`, `log`).
    Runs,
    /// The call fails with this errno and does not run.
    Fails(i32),
    /// The call does not run, and the thread or process gets a signal, or a
    /// supervisor answers.
    Stops,
}

fn verdict(action: ScmpAction) -> Verdict {
    match action {
        ScmpAction::Allow | ScmpAction::Log => Verdict::Runs,
        ScmpAction::Errno(errno) => Verdict::Fails(errno),
        _ => Verdict::Stops,
    }
}

/// One rule as the audit reads it.
#[derive(Debug, Clone)]
struct Entry {
    syscall: String,
    verdict: Verdict,
    /// Whether it compares arguments (it matches only some calls).
    conditional: bool,
    /// Where it is in its policy file, for step 4: `rule 6, line 40`.
    origin: Option<String>,
}

/// The rules and default action of a filter, as the audit reads them.
struct Rules {
    default: Verdict,
    default_name: String,
    entries: Vec<Entry>,
}

/// The syscalls a process that may run anything it likes would reach first:
/// what a deny list leaves an attacker unless it names them.
const ATTACKERS_FAVOURITES: &[&str] = &[
    "execve",
    "execveat",
    "ptrace",
    "process_vm_writev",
    "mount",
    "unshare",
    "setns",
    "bpf",
    "io_uring_setup",
    "userfaultfd",
    "keyctl",
    "perf_event_open",
    "open_by_handle_at",
    "kexec_load",
    "init_module",
    "finit_module",
    "personality",
];

/// Syscalls that should not be allowed for every call, and why.
const POWERFUL: &[(&str, &str)] = &[
    (
        "ptrace",
        "it reads and writes another process's memory and registers, where that process's filter never looks",
    ),
    (
        "process_vm_writev",
        "it writes into another process's memory",
    ),
    (
        "personality",
        "READ_IMPLIES_EXEC makes every readable mapping executable and ADDR_NO_RANDOMIZE turns address randomisation off for what the process executes",
    ),
    (
        "seccomp",
        "a filter it adds with a user notification hands the syscalls it catches to whoever holds the listener, to answer as it likes",
    ),
    (
        "prctl",
        "it changes the process's dumpability, its tracer, its speculation mitigations and its seccomp mode",
    ),
];

/// Syscalls that do what a refined one does, another way.
const SIBLINGS: &[(&str, &[&str])] = &[
    (
        "write",
        &[
            "pwrite64", "writev", "pwritev", "pwritev2", "sendto", "sendmsg", "sendmmsg",
        ],
    ),
    (
        "read",
        &[
            "pread64", "readv", "preadv", "preadv2", "recvfrom", "recvmsg", "recvmmsg",
        ],
    ),
    ("open", &["openat", "openat2"]),
    ("openat", &["open", "openat2"]),
    ("clone", &["clone3", "fork", "vfork"]),
];

/// The newer syscalls glibc tries first, falling back to the older one only
/// when the newer one fails with ENOSYS.
const FALLBACKS: &[(&str, &str)] = &[("clone3", "clone"), ("openat2", "openat")];

/// Whether this architecture has the syscall `name`: libseccomp knows every
/// architecture's names, and gives those this one lacks a negative number.
fn exists_here(name: &str) -> bool {
    ScmpSyscall::from_name(name).is_ok_and(|nr| nr.as_raw_syscall() >= 0)
}

impl Rules {
    fn from_filter(filter: &Filter) -> Rules {
        Rules {
            default: verdict(filter.default_action()),
            default_name: format!("{:?}", filter.default_action()),
            entries: filter
                .rules()
                .iter()
                .map(|rule| Entry {
                    syscall: rule.syscall.clone(),
                    verdict: verdict(rule.action),
                    conditional: !rule.comparisons.is_empty(),
                    origin: None,
                })
                .collect(),
        }
    }

    fn from_policy(policy: &Policy) -> Rules {
        Rules {
            default: verdict(policy.default_action.scmp()),
            default_name: policy.default_action.to_string(),
            entries: policy
                .rules
                .iter()
                .map(|rule| Entry {
                    syscall: rule.syscall.clone(),
                    verdict: verdict(rule.action.scmp()),
                    conditional: !rule.conditions.is_empty(),
                    origin: Some(place(rule.origin)),
                })
                .collect(),
        }
    }

    /// The rules of `name`, when this architecture has it.
    fn of(&self, name: &str) -> impl Iterator<Item = &Entry> + '_ {
        let here = exists_here(name);
        let name = name.to_owned();
        self.entries
            .iter()
            .filter(move |entry| here && entry.syscall == name)
    }

    /// The rule that runs every call of `name`, if one does.
    fn allows_every_call(&self, name: &str) -> Option<&Entry> {
        self.of(name)
            .find(|entry| entry.verdict == Verdict::Runs && !entry.conditional)
    }

    /// Whether a rule with conditions runs some calls of `name`, and none runs
    /// every call: the filter lets some of its calls through, not all.
    fn refines(&self, name: &str) -> bool {
        self.allows_every_call(name).is_none()
            && self
                .of(name)
                .any(|entry| entry.verdict == Verdict::Runs && entry.conditional)
    }

    /// What a call of `name` that its conditional rules do not match gets: its
    /// unconditional rule's verdict, or the default action's.
    fn unconditional(&self, name: &str) -> Verdict {
        self.of(name)
            .find(|entry| !entry.conditional)
            .map_or(self.default, |entry| entry.verdict)
    }
}

/// Where a rule is in its file, to be written in parentheses: `rule 6, line
/// 40` in TOML, `syscalls[3]` in a JSON profile.
fn place(origin: Origin) -> String {
    match origin {
        Origin::Toml { rule, line } => format!("rule {rule}, line {line}"),
        other => other.to_string(),
    }
}

/// `name`, with where its rule is, for a message: `execve (rule 3, line 12)`.
fn named(entry: &Entry) -> String {
    match &entry.origin {
        Some(origin) => format!("{} ({origin})", entry.syscall),
        None => entry.syscall.clone(),
    }
}

/// The findings of the audit of `filter`, and of the `policy` it was compiled
/// from when there is one. The first line is the architecture check.
pub fn audit(filter: &Filter, policy: Option<&Policy>) -> Vec<Finding> {
    let rules = policy.map_or_else(|| Rules::from_filter(filter), Rules::from_policy);
    let mut findings = vec![architecture_check(filter)];
    if let Some(policy) = policy.filter(|policy| is_json(&policy.text)) {
        findings.extend(other_architectures(&policy.text));
    }
    findings.extend(deny_list(&rules));
    findings.extend(errno_zero(&rules));
    findings.extend(io_uring(&rules));
    findings.extend(execve(&rules));
    findings.extend(powerful(&rules));
    findings.extend(siblings(&rules));
    findings.extend(fallbacks(&rules));
    if let Some(policy) = policy.filter(|policy| is_json(&policy.text)) {
        findings.extend(runtime_widths(policy));
    }
    findings.extend(default_errno(&rules));
    findings
}

fn finding(severity: Severity, section: &'static str, text: String) -> Finding {
    debug_assert!(SECTIONS.contains(&section), "{section}");
    Finding {
        severity,
        text,
        section,
    }
}

fn architecture_check(filter: &Filter) -> Finding {
    match filter.get_act_badarch() {
        Ok(ScmpAction::KillProcess) => finding(
            Severity::Ok,
            "architecture-check",
            "a syscall made through another ABI kills the process, whatever the rules say"
                .to_owned(),
        ),
        other => finding(
            Severity::Warning,
            "architecture-check",
            format!(
                "a syscall made through another ABI gets {other:?}, not KillProcess: the rules, written for this architecture's numbers, do not apply to it"
            ),
        ),
    }
}

/// The architectures a JSON profile lists besides this one: its
/// `architectures`, and the `subArchitectures` that Docker's and Podman's
/// `archMap` gives this one. Step 4 reads them and uses none of them; a runtime
/// adds each to the filter.
fn other_architectures(text: &str) -> Option<Finding> {
    use serde_json::Value;
    let profile: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
    let native = arch_name(native_arch())?;
    let native = format!("SCMP_ARCH_{}", native.to_uppercase());
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let mut listed = names(&profile["architectures"]);
    for entry in profile["archMap"].as_array().into_iter().flatten() {
        if entry["architecture"].as_str() == Some(native.as_str()) {
            listed.extend(names(&entry["subArchitectures"]));
        }
    }
    let mut others: Vec<String> = Vec::new();
    for name in listed {
        if name != native && !others.contains(&name) {
            others.push(name);
        }
    }
    if others.is_empty() {
        return None;
    }
    Some(finding(
        Severity::Note,
        "other-architectures",
        format!(
            "this profile lists {} besides {native}: a runtime compiles every rule again with each one's syscall numbers, and a syscall made through its ABI is filtered by those rules instead of killed; step 4 loads {native} alone",
            and_list(&others)
        ),
    ))
}

/// `a`, `a and b`, `a, b and c`.
fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

fn deny_list(rules: &Rules) -> Option<Finding> {
    if rules.default != Verdict::Runs {
        return None;
    }
    let open: Vec<&str> = ATTACKERS_FAVOURITES
        .iter()
        .copied()
        .filter(|&name| exists_here(name))
        .filter(|&name| rules.unconditional(name) == Verdict::Runs)
        .collect();
    let left = match open.as_slice() {
        [] => "none of the syscalls this audit looks for first is among them".to_owned(),
        names => format!("among them {}", names.join(", ")),
    };
    Some(finding(
        Severity::Warning,
        "default-allows",
        format!(
            "the default action is {}: this is a deny list, and every syscall it does not name runs, new ones included; {left}",
            rules.default_name
        ),
    ))
}

/// An errno of 0 is no error: the kernel skips the syscall and returns 0,
/// which the program reads as success. Step 4 refuses it in a policy; a filter
/// built in code, or by a runtime from a profile's `errnoRet: 0`, can have it.
fn errno_zero(rules: &Rules) -> Vec<Finding> {
    let mut findings = Vec::new();
    if rules.default == Verdict::Fails(0) {
        findings.push(finding(
            Severity::Warning,
            "errno-0",
            format!(
                "the default action is {}: every syscall no rule names returns 0 without running, and the program goes on as if it had run",
                rules.default_name
            ),
        ));
    }
    for entry in rules
        .entries
        .iter()
        .filter(|entry| entry.verdict == Verdict::Fails(0) && exists_here(&entry.syscall))
    {
        findings.push(finding(
            Severity::Warning,
            "errno-0",
            format!(
                "{} is answered with errno 0: the call does not run, and the program is told it succeeded",
                named(entry)
            ),
        ));
    }
    findings
}

fn io_uring(rules: &Rules) -> Vec<Finding> {
    ["io_uring_setup", "io_uring_enter"]
        .into_iter()
        .filter_map(|name| rules.of(name).find(|entry| entry.verdict == Verdict::Runs))
        .map(|entry| {
            finding(
                Severity::Warning,
                "io-uring",
                format!(
                    "{} is allowed: the reads, writes, opens, connects and sends an io_uring ring makes are not syscalls, and this filter never sees them",
                    named(entry)
                ),
            )
        })
        .collect()
}

fn execve(rules: &Rules) -> Vec<Finding> {
    // A rule for a syscall this architecture lacks is never compiled.
    let refined = |entry: &Entry| entry.conditional && exists_here(&entry.syscall);
    if !rules.entries.iter().any(refined) {
        return Vec::new();
    }
    ["execve", "execveat"]
        .into_iter()
        .filter_map(|name| rules.of(name).find(|entry| entry.verdict == Verdict::Runs))
        .map(|entry| {
            finding(
                Severity::Warning,
                "execve",
                format!(
                    "{} is allowed in a policy that refines: any program can be run in this process, under this filter, with everything it allows",
                    named(entry)
                ),
            )
        })
        .collect()
}

fn powerful(rules: &Rules) -> Vec<Finding> {
    POWERFUL
        .iter()
        .filter_map(|&(name, why)| rules.allows_every_call(name).map(|entry| (entry, why)))
        .map(|(entry, why)| {
            finding(
                Severity::Warning,
                "powerful-syscalls",
                format!("{} is allowed for every call: {why}", named(entry)),
            )
        })
        .collect()
}

fn siblings(rules: &Rules) -> Vec<Finding> {
    let mut findings = Vec::new();
    for &(refined, others) in SIBLINGS {
        if !rules.refines(refined) {
            continue;
        }
        for &other in others {
            if let Some(entry) = rules.allows_every_call(other) {
                let instead = match other {
                    "clone3" => " (answer it with errno ENOSYS, and glibc falls back to clone)",
                    _ => "",
                };
                findings.push(finding(
                    Severity::Warning,
                    "siblings",
                    format!(
                        "{refined} is refined, but {} does what it does and is allowed for every call{instead}",
                        named(entry)
                    ),
                ));
            }
        }
    }
    findings
}

fn fallbacks(rules: &Rules) -> Vec<Finding> {
    let mut findings = Vec::new();
    for &(newer, older) in FALLBACKS {
        if !exists_here(newer) || !rules.refines(older) {
            continue;
        }
        let Verdict::Fails(errno) = rules.unconditional(newer) else {
            continue;
        };
        if errno == libc::ENOSYS {
            findings.push(finding(
                Severity::Ok,
                "enosys",
                format!("{newer} is answered with ENOSYS, and glibc falls back to {older}, which is refined"),
            ));
            continue;
        }
        let answered = match rules.of(newer).find(|entry| !entry.conditional) {
            Some(entry) => named(entry),
            None => format!("{newer} (the default action)"),
        };
        findings.push(finding(
            Severity::Warning,
            "enosys",
            format!(
                "{answered} is answered with {}, not ENOSYS: glibc falls back to {older}, which is refined, only on ENOSYS, so the program fails where it would have run",
                Action::Errno(u16::try_from(errno).unwrap_or(u16::MAX))
            ),
        ));
    }
    findings
}

/// A default action that fails with an errno gives one answer to two kinds of
/// syscall: those the policy refuses on purpose, where EPERM says "not
/// allowed", and those added to the kernel after the policy was written, where
/// ENOSYS says "not here", and glibc falls back to an older syscall. Whichever
/// the default is, one kind gets the other's answer.
fn default_errno(rules: &Rules) -> Option<Finding> {
    let Verdict::Fails(errno) = rules.default else {
        return None;
    };
    if errno == 0 {
        // errno_zero warns of it.
        return None;
    }
    if errno != libc::ENOSYS {
        return Some(finding(
            Severity::Note,
            "default-errno",
            format!(
                "the default action is {}, and so is the answer to every syscall added to the kernel after this policy: a program that tries a newer syscall first and falls back to an older one only on ENOSYS, as glibc does, fails instead",
                rules.default_name
            ),
        ));
    }
    // A refined syscall with no refusing rule of its own: the calls its
    // conditions do not allow fall to the default, ENOSYS.
    let mut refined: Vec<&str> = Vec::new();
    for entry in &rules.entries {
        let name = entry.syscall.as_str();
        if !refined.contains(&name)
            && rules.refines(name)
            && rules.of(name).all(|entry| entry.verdict == Verdict::Runs)
        {
            refined.push(name);
        }
    }
    if refined.is_empty() {
        return None;
    }
    Some(finding(
        Severity::Note,
        "default-errno",
        format!(
            "the default action is {}, and so is the answer to the calls of {} that the conditions refuse: the program is told the kernel has no such syscall, though it has, and may take a path meant for older kernels instead of reporting a refusal",
            rules.default_name,
            and_list(&refined)
        ),
    ))
}

/// In a JSON profile, the conditions on arguments the kernel reads as 32 bits:
/// step 4 compares their lower half, but a container runtime compares all 64
/// bits, and a call with bits in the upper half gets another answer there.
fn runtime_widths(policy: &Policy) -> Vec<Finding> {
    use crate::condition::{Width, LOWER_HALF};
    use libseccomp::ScmpCompareOp;

    let mut findings = Vec::new();
    for rule in policy
        .rules
        .iter()
        .filter(|rule| exists_here(&rule.syscall))
    {
        for condition in rule
            .conditions
            .iter()
            .filter(|condition| condition.width == Width::Bits32)
        {
            // Looking at the lower half only, a masked comparison is the same
            // over 32 bits and over 64.
            let widened = match condition.op {
                ScmpCompareOp::MaskedEqual(mask) if mask <= LOWER_HALF => continue,
                ScmpCompareOp::NotEqual | ScmpCompareOp::Greater | ScmpCompareOp::GreaterEqual => {
                    true
                }
                _ => false,
            };
            // An upper half makes ne, gt and ge hold and the others fail: a
            // call the kernel reads as a refused value gets through an allow
            // rule of the first kind, and around a deny rule of the second.
            let runs = rule.action == Action::Allow || rule.action == Action::Log;
            let (severity, effect) = if widened == runs {
                (
                    Severity::Warning,
                    "a call with bits in the upper half gets through where the kernel reads a value this rule refuses",
                )
            } else {
                (
                    Severity::Note,
                    "a call with bits in the upper half is refused there though the kernel reads a value this rule allows",
                )
            };
            findings.push(finding(
                severity,
                "32-bit-arguments",
                format!(
                    "{} ({}) compares argument {}, of which the kernel reads 32 bits, but a container runtime compares all 64: {effect}",
                    rule.syscall,
                    place(rule.origin),
                    condition.arg
                ),
            ));
        }
    }
    findings
}

/// The text the audit prints: its findings, one per line, then a count.
pub fn report(findings: &[Finding]) -> String {
    let count = |severity| {
        findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .count()
    };
    let plural = |n: usize, word: &str| match n {
        1 => format!("1 {word}"),
        n => format!("{n} {word}s"),
    };
    let mut text: String = findings
        .iter()
        .map(|finding| format!("{finding}\n"))
        .collect();
    text.push_str(&format!(
        "audit: {}, {}\n",
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Note), "note")
    ));
    text
}

/// The exit status of an audit with these findings: 1 with a warning, 0
/// without.
pub fn status(findings: &[Finding]) -> u8 {
    u8::from(
        findings
            .iter()
            .any(|finding| finding.severity == Severity::Warning),
    )
}

/// Audits the filter of step 2 or 3 and prints the findings; returns the exit
/// status (the step's own when it could not build its filter).
pub fn print(step: &str, filter: Result<&Filter, &StepError>) -> ExitCode {
    match filter {
        Ok(filter) => print_findings(step, &audit(filter, None)),
        Err(err) => fail_closed(step, err),
    }
}

/// Audits step 4's filter with its policy and prints the findings; returns the
/// exit status (2 for a refused policy).
pub fn print_policy(step: &str, filter: Result<&PolicyFilter, &StepError>) -> ExitCode {
    match filter {
        Ok(filter) => print_findings(step, &audit(&filter.filter, Some(&filter.policy))),
        Err(err) => fail_closed(step, err),
    }
}

fn print_findings(step: &str, findings: &[Finding]) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(report(findings).as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::from(status(findings)),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(EXIT_PROGRAM_FAILED)
        }
        Err(err) => {
            eprintln!("{step}: error: writing the audit to stdout failed: {err}");
            ExitCode::from(EXIT_PROGRAM_FAILED)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The findings of the audit of a TOML policy, as (severity, section).
    fn audited(rules: &str) -> Vec<(Severity, &'static str)> {
        findings(&format!("default_action = \"kill\"\n{rules}"))
    }

    fn findings(text: &str) -> Vec<(Severity, &'static str)> {
        let policy = Policy::parse("weak.toml", text).unwrap();
        let filter = policy.filter().unwrap();
        audit(&filter.filter, Some(&filter.policy))
            .into_iter()
            .map(|finding| (finding.severity, finding.section))
            .collect()
    }

    /// The warnings among `findings`, by section.
    fn warnings(findings: &[(Severity, &'static str)]) -> Vec<&'static str> {
        findings
            .iter()
            .filter(|(severity, _)| *severity == Severity::Warning)
            .map(|&(_, section)| section)
            .collect()
    }

    const ARCHITECTURE_OK: (Severity, &str) = (Severity::Ok, "architecture-check");

    const WRITE_TO_1: &str = r#"
[[rule]]
syscall = "write"
action = "allow"
args = [{ arg = 0, op = "eq", value = 1 }]
"#;

    const PLAIN_FORK: &str = r#"
[[rule]]
syscall = "clone"
action = "allow"
args = [{ arg = 0, op = "masked_eq", mask = 0xFEDFFFFF, value = 17 }]
"#;

    fn rule(syscall: &str, action: &str) -> String {
        format!("\n[[rule]]\nsyscall = \"{syscall}\"\naction = \"{action}\"\n")
    }

    #[test]
    fn every_audit_starts_with_the_architecture_check() {
        assert_eq!(audited(WRITE_TO_1), vec![ARCHITECTURE_OK]);
        let shipped = Policy::shipped().unwrap().filter().unwrap();
        let findings = audit(&shipped.filter, Some(&shipped.policy));
        assert_eq!(findings[0].severity, Severity::Ok);
        assert_eq!(status(&findings), 0, "{}", report(&findings));
    }

    #[test]
    fn a_default_action_that_runs_is_a_deny_list() {
        for default in ["allow", "log"] {
            let text = format!("default_action = \"{default}\"\n{}", rule("ptrace", "kill"));
            let policy = Policy::parse("weak.toml", &text).unwrap();
            let filter = policy.filter().unwrap();
            let findings = audit(&filter.filter, Some(&filter.policy));
            let deny_list = &findings[1];
            assert_eq!(deny_list.section, "default-allows");
            assert_eq!(deny_list.severity, Severity::Warning);
            assert!(deny_list.text.contains(" execve,"), "{deny_list}");
            assert!(!deny_list.text.contains("ptrace"), "{deny_list}");
            assert_eq!(status(&findings), 1);
        }
        let fixed = format!(
            "default_action = \"errno ENOSYS\"\n{}",
            rule("read", "allow")
        );
        assert_eq!(findings(&fixed), vec![ARCHITECTURE_OK]);
    }

    #[test]
    fn io_uring_allowed_is_a_warning() {
        for name in ["io_uring_setup", "io_uring_enter"] {
            assert_eq!(warnings(&audited(&rule(name, "allow"))), ["io-uring"]);
            assert_eq!(warnings(&audited(&rule(name, "errno ENOSYS"))), [""; 0]);
        }
    }

    #[test]
    fn execve_allowed_is_a_warning_where_the_policy_refines() {
        for name in ["execve", "execveat"] {
            let weak = format!("{WRITE_TO_1}{}", rule(name, "allow"));
            assert_eq!(warnings(&audited(&weak)), ["execve"]);
            // Without refinement, an allow list of names runs what it names.
            assert_eq!(warnings(&audited(&rule(name, "allow"))), [""; 0]);
            assert_eq!(audited(WRITE_TO_1), vec![ARCHITECTURE_OK]);
        }
    }

    #[test]
    fn powerful_syscalls_allowed_for_every_call_are_warnings() {
        for (name, _) in POWERFUL {
            assert_eq!(
                warnings(&audited(&rule(name, "allow"))),
                ["powerful-syscalls"],
                "{name}"
            );
            assert_eq!(audited(&rule(name, "errno EPERM")), vec![ARCHITECTURE_OK]);
        }
        // Refined, prctl is no longer for every call.
        let refined = r#"
[[rule]]
syscall = "prctl"
action = "allow"
args = [{ arg = 0, op = "eq", value = 15 }]
"#;
        assert_eq!(audited(refined), vec![ARCHITECTURE_OK]);
    }

    #[test]
    fn a_sibling_of_a_refined_syscall_left_open_is_a_warning() {
        let weak = format!("{WRITE_TO_1}{}", rule("writev", "allow"));
        assert_eq!(warnings(&audited(&weak)), ["siblings"]);
        let fixed = format!("{WRITE_TO_1}{}", rule("writev", "errno EBADF"));
        assert_eq!(audited(&fixed), vec![ARCHITECTURE_OK]);

        let weak = format!("{PLAIN_FORK}{}", rule("clone3", "allow"));
        let text = audit_text(&weak);
        assert!(text.contains("answer it with errno ENOSYS"), "{text}");
        assert_eq!(warnings(&audited(&weak)), ["siblings"]);
        let fixed = format!("{PLAIN_FORK}{}", rule("clone3", "errno ENOSYS"));
        assert_eq!(
            audited(&fixed),
            vec![ARCHITECTURE_OK, (Severity::Ok, "enosys")]
        );
    }

    /// `open` is a syscall on x86_64 and i386, not on aarch64 or riscv64: a
    /// rule for it there is never compiled, and opens nothing.
    #[test]
    fn a_sibling_this_architecture_lacks_is_no_finding() {
        let weak = format!(
            "{}\n{}",
            r#"
[[rule]]
syscall = "openat"
action = "allow"
args = [{ arg = 2, op = "eq", value = 0 }]
"#,
            rule("open", "allow")
        );
        let expected: &[&str] = if exists_here("open") {
            &["siblings"]
        } else {
            &[]
        };
        assert_eq!(warnings(&audited(&weak)), expected);
    }

    #[test]
    fn a_newer_syscall_answered_with_another_errno_than_enosys_is_a_warning() {
        let weak = format!("{PLAIN_FORK}{}", rule("clone3", "errno EPERM"));
        assert_eq!(warnings(&audited(&weak)), ["enosys"]);
        // The default action answers it the same way.
        let by_default = format!("default_action = \"errno EPERM\"\n{PLAIN_FORK}");
        assert_eq!(warnings(&findings(&by_default)), ["enosys"]);

        let open_read_only = r#"
[[rule]]
syscall = "openat"
action = "allow"
args = [{ arg = 2, op = "eq", value = 0 }]
"#;
        let weak = format!("{open_read_only}{}", rule("openat2", "errno EACCES"));
        assert_eq!(warnings(&audited(&weak)), ["enosys"]);
        let fixed = format!("{open_read_only}{}", rule("openat2", "errno ENOSYS"));
        assert_eq!(warnings(&audited(&fixed)), [""; 0]);
    }

    #[test]
    fn a_32_bit_condition_of_a_json_profile_is_compared_otherwise_by_a_runtime() {
        let profile = |action: &str, op: &str| {
            format!(
                r#"{{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{{"names": ["write"], "action": "{action}", "args": [{{"index": 0, "value": 3, "op": "{op}"}}]}}]}}"#
            )
        };
        let json = |action, op| findings(&profile(action, op));
        let widths = (Severity::Warning, "32-bit-arguments");
        assert_eq!(json("SCMP_ACT_ALLOW", "SCMP_CMP_NE")[1], widths);
        assert_eq!(json("SCMP_ACT_KILL_PROCESS", "SCMP_CMP_EQ")[1], widths);
        let refused_more = (Severity::Note, "32-bit-arguments");
        assert_eq!(json("SCMP_ACT_ALLOW", "SCMP_CMP_EQ")[1], refused_more);
        assert!(warnings(&json("SCMP_ACT_ALLOW", "SCMP_CMP_EQ")).is_empty());
        // The same rule in TOML is what step 4 compiles: no runtime reads it.
        let toml = "default_action = \"errno EPERM\"\n[[rule]]\nsyscall = \"write\"\naction = \"allow\"\nargs = [{ arg = 0, op = \"ne\", value = 3 }]\n";
        assert_eq!(
            findings(toml),
            vec![ARCHITECTURE_OK, (Severity::Note, "default-errno")]
        );
    }

    /// A policy cannot say `errno 0` (step 4 refuses it), so the weak filter
    /// is built in code, as a filter that never went through a policy is.
    #[test]
    fn an_errno_of_0_is_a_warning() {
        let sections = |filter: &Filter| -> Vec<(Severity, &'static str)> {
            audit(filter, None)
                .into_iter()
                .map(|finding| (finding.severity, finding.section))
                .collect()
        };
        let answered = |errno: i32| {
            let mut filter = Filter::new(ScmpAction::KillProcess).unwrap();
            filter
                .add_rule(ScmpAction::Errno(errno), "unlinkat", &[])
                .unwrap();
            filter
        };
        let weak = answered(0);
        assert_eq!(
            sections(&weak),
            vec![ARCHITECTURE_OK, (Severity::Warning, "errno-0")]
        );
        let text = report(&audit(&weak, None));
        assert!(
            text.contains("unlinkat is answered with errno 0: the call does not run"),
            "{text}"
        );
        assert_eq!(sections(&answered(libc::EPERM)), vec![ARCHITECTURE_OK]);

        // The default action: errno 0 is a warning, and no other finding
        // about the default's errno is made of it.
        let weak = Filter::new(ScmpAction::Errno(0)).unwrap();
        assert_eq!(
            sections(&weak),
            vec![ARCHITECTURE_OK, (Severity::Warning, "errno-0")]
        );
        let fixed = Filter::new(ScmpAction::Errno(libc::ENOSYS)).unwrap();
        assert_eq!(sections(&fixed), vec![ARCHITECTURE_OK]);

        // Why a policy never shows it to the audit.
        let text = format!("default_action = \"kill\"\n{}", rule("unlinkat", "errno 0"));
        assert!(Policy::parse("weak.toml", &text).is_err());
    }

    #[test]
    fn a_default_errno_other_than_enosys_is_a_note() {
        let weak = format!(
            "default_action = \"errno EPERM\"\n{}",
            rule("read", "allow")
        );
        assert_eq!(
            findings(&weak),
            vec![ARCHITECTURE_OK, (Severity::Note, "default-errno")]
        );
        // ENOSYS by default, and EPERM named for what is refused on purpose.
        let fixed = format!(
            "default_action = \"errno ENOSYS\"\n{}{}",
            rule("read", "allow"),
            rule("ptrace", "errno EPERM")
        );
        assert_eq!(findings(&fixed), vec![ARCHITECTURE_OK]);
    }

    #[test]
    fn enosys_by_default_for_the_refused_calls_of_a_refined_syscall_is_a_note() {
        let personality_0 = r#"
[[rule]]
syscall = "personality"
action = "allow"
args = [{ arg = 0, op = "eq", value = 0 }]
"#;
        let weak = format!("default_action = \"errno ENOSYS\"\n{personality_0}");
        assert_eq!(
            findings(&weak),
            vec![ARCHITECTURE_OK, (Severity::Note, "default-errno")]
        );
        let text = report(&{
            let policy = Policy::parse("weak.toml", &weak).unwrap();
            let filter = policy.filter().unwrap();
            audit(&filter.filter, Some(&filter.policy))
        });
        assert!(
            text.contains("the calls of personality that the conditions refuse"),
            "{text}"
        );
        // The refused calls answered with an errno of their own.
        let fixed = format!(
            "{weak}{}",
            r#"
[[rule]]
syscall = "personality"
action = "errno EPERM"
args = [{ arg = 0, op = "ne", value = 0 }]
"#
        );
        assert_eq!(findings(&fixed), vec![ARCHITECTURE_OK]);
    }

    /// The name libseccomp gives this architecture in a profile.
    fn native_in_a_profile() -> String {
        format!(
            "SCMP_ARCH_{}",
            arch_name(native_arch()).unwrap().to_uppercase()
        )
    }

    #[test]
    fn a_json_profile_listing_other_architectures_is_a_note() {
        let native = native_in_a_profile();
        let other = if native == "SCMP_ARCH_X32" {
            "SCMP_ARCH_X86_64"
        } else {
            "SCMP_ARCH_X32"
        };
        let profile = |architectures: &str| {
            format!(
                r#"{{"defaultAction": "SCMP_ACT_KILL_PROCESS", {architectures} "syscalls": [{{"names": ["read"], "action": "SCMP_ACT_ALLOW"}}]}}"#
            )
        };
        let listed = |architectures: &str| findings(&profile(architectures));
        let other_architectures = (Severity::Note, "other-architectures");
        let weak = listed(&format!(r#""architectures": ["{native}", "{other}"],"#));
        assert_eq!(weak, vec![ARCHITECTURE_OK, other_architectures]);
        // Docker's and Podman's form: this architecture's entry of archMap.
        let weak = listed(&format!(
            r#""archMap": [{{"architecture": "{native}", "subArchitectures": ["{other}"]}}],"#
        ));
        assert_eq!(weak, vec![ARCHITECTURE_OK, other_architectures]);
        let fixed = listed(&format!(
            r#""architectures": ["{native}"], "archMap": [{{"architecture": "SCMP_ARCH_S390X_NOT_HERE", "subArchitectures": ["{other}"]}}],"#
        ));
        assert_eq!(fixed, vec![ARCHITECTURE_OK]);
        assert_eq!(listed(""), vec![ARCHITECTURE_OK]);
    }

    #[test]
    fn a_report_is_one_line_per_finding_and_a_count() {
        let weak = format!("{WRITE_TO_1}{}", rule("execve", "allow"));
        let text = audit_text(&weak);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[1].starts_with("warning: execve (rule 2, line 8) is allowed"));
        assert!(lines[1].ends_with(" (see auditing.md#execve)"));
        assert_eq!(lines[2], "audit: 1 warning, 0 notes");
    }

    fn audit_text(rules: &str) -> String {
        let policy =
            Policy::parse("weak.toml", &format!("default_action = \"kill\"\n{rules}")).unwrap();
        let filter = policy.filter().unwrap();
        report(&audit(&filter.filter, Some(&filter.policy)))
    }

    /// Steps 2 and 3 have no policy: the audit reads the filter's own record.
    #[test]
    fn a_filter_without_a_policy_is_audited_from_its_rules() {
        use crate::filter::{allow_list_filter, TUTORIAL_ALLOW_LIST};
        let step_2 = allow_list_filter(ScmpAction::KillProcess, TUTORIAL_ALLOW_LIST).unwrap();
        assert_eq!(report(&audit(&step_2, None)).lines().count(), 2);
        let mut names = TUTORIAL_ALLOW_LIST.to_vec();
        names.push("io_uring_setup");
        let step_3 = allow_list_filter(ScmpAction::Trap, &names).unwrap();
        let findings = audit(&step_3, None);
        assert_eq!(findings[1].section, "io-uring");
        assert_eq!(status(&findings), 1);
        let deny_list = allow_list_filter(ScmpAction::Log, &[]).unwrap();
        assert_eq!(audit(&deny_list, None)[1].section, "default-allows");
    }
}
