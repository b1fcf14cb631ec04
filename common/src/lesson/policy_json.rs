//! A container runtime's seccomp profile read as step 4's policy:
//! `step-4-policy --policy FILE.json`.
//!
//! runc, crun, Docker, Podman and Kubernetes take a filter as JSON: the
//! `linux.seccomp` object of the OCI runtime specification (`defaultAction`,
//! `architectures`, and `syscalls`, each entry some `names`, an `action`, an
//! `errnoRet` and `args`), which Docker's and Podman's profile files extend
//! with `includes` and `excludes`. `--print-filter=oci` writes one
//! ([`crate::tools::oci`]).
//!
//! [`read_profile`] reads such a file into a [`Policy`], with the same checks
//! as a TOML policy. Each name of an entry is a rule. An argument whose width
//! the policy does not know is compared over 64 bits, as a runtime compares
//! it: a profile cannot say. A problem is one line naming the file, the entry
//! and what is wrong.
//!
//! Docker's and Podman's `includes` and `excludes` are applied for the
//! process step 4 runs: **a process with no capabilities, on this
//! architecture, on this kernel.** An entry is kept when it includes no
//! capability, includes this architecture (if it names any) and a kernel no
//! newer than this one (if it names one), and excludes neither this
//! architecture nor a kernel this old or older. (A capability it excludes, the
//! process does not have.)
//!
//! Some entries are left out, as runtimes leave them out. An entry whose action
//! is the default action changes nothing. A name that an earlier entry already
//! gives an action for every call is dropped by libseccomp without a word, so
//! a runtime loads the profile without it; step 4 does too, with a warning on
//! stderr. (Podman's profile as Debian 12 ships it allows `setns`, then denies
//! it to a process without `CAP_SYS_ADMIN`.) Other entries that give one call
//! two actions are refused, as in TOML.
//!
//! `architectures`, `archMap` and `flags` are read and not used: the filter is
//! for this architecture, and kills a syscall made through another ABI, as
//! every step's does. (`--audit` notes the other architectures a profile
//! lists, which a runtime would add: `crate::tools::audit`.)

use serde::Deserialize;

use crate::condition::{argument_width, ArgumentWidth};
use crate::kernel::{arch_name, native_arch};
use crate::policy::{Action, Policy, Rule};
use crate::policy_check::{
    assemble, check_rule, check_rule_count, parse_errno, ConditionData, OpName, RuleData,
};
use crate::policy_error::{Origin, PolicyError, PolicyProblem};

/// Whether reading a JSON profile says on stderr what a runtime would drop
/// from it ([`read_profile`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warn {
    /// Say it: the profile is read for the step.
    Yes,
    /// Not again: the profile is read once more, with entries added.
    No,
}

/// A profile file as serde reads it: the OCI specification's fields, and
/// Docker's and Podman's.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProfileFile {
    default_action: String,
    default_errno_ret: Option<u32>,
    /// Podman's name for `defaultErrnoRet`.
    default_errno: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    architectures: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    arch_map: Vec<ArchMapFile>,
    #[serde(default)]
    #[allow(dead_code)]
    flags: Vec<String>,
    listener_path: Option<String>,
    #[allow(dead_code)]
    listener_metadata: Option<String>,
    #[serde(default)]
    syscalls: Vec<serde_json::Value>,
}

/// Docker's `archMap`: an architecture and those a process on it may also use.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct ArchMapFile {
    architecture: String,
    #[serde(default)]
    sub_architectures: Vec<String>,
}

/// One entry of `syscalls` as serde reads it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EntryFile {
    #[serde(default)]
    names: Vec<String>,
    /// Docker's older form: one name.
    name: Option<String>,
    action: String,
    errno_ret: Option<u32>,
    /// Podman's name for `errnoRet`.
    errno: Option<String>,
    /// `null` in Podman's files.
    args: Option<Vec<ArgFile>>,
    #[allow(dead_code)]
    comment: Option<String>,
    includes: Option<Selector>,
    excludes: Option<Selector>,
}

/// One comparison, `{ "index": 0, "value": 1, "op": "SCMP_CMP_EQ" }`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ArgFile {
    index: i64,
    value: u64,
    #[serde(default)]
    value_two: u64,
    op: String,
}

/// Docker's and Podman's `includes` and `excludes`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Selector {
    #[serde(default)]
    caps: Vec<String>,
    #[serde(default)]
    arches: Vec<String>,
    min_kernel: Option<String>,
}

/// Reads a profile's JSON `text` as a policy; `file` names it in messages, and
/// `warn` says whether what a runtime would drop from it is said on stderr.
#[allow(clippy::result_large_err)]
pub fn read_profile(file: &str, text: &str, warn: Warn) -> Result<Policy, PolicyError> {
    let whole = |problem| PolicyError::whole(file, problem);
    let raw: ProfileFile = serde_json::from_str(text).map_err(|err| PolicyError {
        line: Some(err.line()),
        ..whole(PolicyProblem::Json(json_message(&err)))
    })?;
    if let Some(path) = &raw.listener_path {
        return Err(whole(PolicyProblem::UnsupportedProfileAction {
            action: format!("listenerPath {path}"),
            why: "names a supervisor for SCMP_ACT_NOTIFY, which step 4 does not run",
        }));
    }
    let default_action = profile_action(
        &raw.default_action,
        raw.default_errno_ret,
        raw.default_errno.as_deref(),
    )
    .map_err(whole)?;
    let kernel = kernel_version();
    let mut rules: Vec<Rule> = Vec::new();
    for (index, value) in raw.syscalls.into_iter().enumerate() {
        // An empty name would read as `syscalls[0] ()`: leave it out.
        let at = |syscall: Option<&str>, problem| PolicyError {
            entry: Some(index),
            syscall: syscall.filter(|name| !name.is_empty()).map(str::to_owned),
            ..whole(problem)
        };
        let entry = EntryFile::deserialize(value)
            .map_err(|err| at(None, PolicyProblem::Json(json_message(&err))))?;
        let names: Vec<String> = entry.names.iter().chain(&entry.name).cloned().collect();
        let first = names.first().map(String::as_str);
        if names.is_empty() {
            return Err(at(None, PolicyProblem::NoNames));
        }
        let action = profile_action(&entry.action, entry.errno_ret, entry.errno.as_deref())
            .map_err(|problem| at(first, problem))?;
        let selected = applies(
            &entry.includes.unwrap_or_default(),
            &entry.excludes.unwrap_or_default(),
            kernel,
        )
        .map_err(|problem| at(first, problem))?;
        // Left out as runtimes leave it out: it changes nothing.
        if !selected || action == default_action {
            continue;
        }
        let args = entry.args.unwrap_or_default();
        for name in names {
            check_rule_count(file, &rules)?;
            // An earlier rule of another action for every call of this syscall:
            // libseccomp keeps it and drops this one without a word, so a
            // runtime loads the profile so. Step 4 loads it the same way, and
            // says so.
            let decided = rules
                .iter()
                .find(|rule| rule.syscall == name && rule.conditions.is_empty());
            if let Some(earlier) = decided {
                if earlier.action != action && warn == Warn::Yes {
                    eprintln!(
                        "step-4-policy: warning: {file}, syscalls[{index}] ({name}): {} gives every {name} call the action `{}` already, so libseccomp keeps that and drops this entry's `{action}` for {name}, as a runtime loading this profile does",
                        earlier.origin, earlier.action
                    );
                }
                continue;
            }
            let conditions = args
                .iter()
                .map(|arg| condition(&name, arg))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|problem| at(Some(&name), problem))?;
            let data = RuleData {
                syscall: name.clone(),
                action,
                conditions,
                origin: Origin::Json(index),
            };
            let rule = check_rule(data, default_action, &rules)
                .map_err(|problem| at(Some(&name), problem))?;
            rules.push(rule);
        }
    }
    assemble(file, default_action, rules)
}

/// serde_json's message, without the position it appends (the line is kept
/// apart, and a column in a one-line file is no help).
fn json_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// A profile's action (`SCMP_ACT_ERRNO` with `errnoRet` 38) as a policy's.
fn profile_action(
    name: &str,
    errno_ret: Option<u32>,
    errno_name: Option<&str>,
) -> Result<Action, PolicyProblem> {
    let unsupported = |why| {
        Err(PolicyProblem::UnsupportedProfileAction {
            action: name.to_owned(),
            why,
        })
    };
    match name {
        "SCMP_ACT_ALLOW" => Ok(Action::Allow),
        "SCMP_ACT_KILL_PROCESS" => Ok(Action::Kill),
        "SCMP_ACT_TRAP" => Ok(Action::Trap),
        "SCMP_ACT_LOG" => Ok(Action::Log),
        "SCMP_ACT_ERRNO" => errno(errno_ret, errno_name).map(Action::Errno),
        "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" => unsupported(
            "kills only the thread that made the syscall, and step 4's filters kill the whole process: use SCMP_ACT_KILL_PROCESS",
        ),
        "SCMP_ACT_TRACE" => unsupported("hands the syscall to a ptrace tracer, which step 4 does not run"),
        "SCMP_ACT_NOTIFY" => unsupported("hands the syscall to a supervisor, which step 4 does not run"),
        _ => Err(PolicyProblem::UnknownProfileAction(name.to_owned())),
    }
}

/// The errno of an `SCMP_ACT_ERRNO`: `errnoRet`, or Podman's `errno` name, or
/// EPERM as runtimes give it when neither is there.
fn errno(number: Option<u32>, name: Option<&str>) -> Result<u16, PolicyProblem> {
    let by_number = number
        .map(|number| parse_errno(&number.to_string()))
        .transpose()?;
    let by_name = name.map(parse_errno).transpose()?;
    match (by_number, by_name) {
        (Some(number), Some(named)) if number != named => Err(PolicyProblem::ErrnoDisagrees {
            name: name.unwrap_or_default().to_owned(),
            number: u32::from(number),
        }),
        (Some(errno), _) | (None, Some(errno)) => Ok(errno),
        (None, None) => Ok(libc::EPERM as u16),
    }
}

/// One comparison of a profile, on an argument of `syscall`, as a policy's
/// condition: for `SCMP_CMP_MASKED_EQ` the mask is `value` and the value
/// `valueTwo`. A profile cannot state an argument's width: where the policy
/// knows none, the argument is compared over 64 bits, as a runtime compares it.
fn condition(syscall: &str, arg: &ArgFile) -> Result<ConditionData, PolicyProblem> {
    let op = match arg.op.as_str() {
        "SCMP_CMP_EQ" => OpName::Eq,
        "SCMP_CMP_NE" => OpName::Ne,
        "SCMP_CMP_LT" => OpName::Lt,
        "SCMP_CMP_LE" => OpName::Le,
        "SCMP_CMP_GE" => OpName::Ge,
        "SCMP_CMP_GT" => OpName::Gt,
        "SCMP_CMP_MASKED_EQ" => OpName::MaskedEq,
        other => return Err(PolicyProblem::UnknownProfileOp(other.to_owned())),
    };
    let (value, mask) = match op {
        OpName::MaskedEq => (arg.value_two, Some(arg.value)),
        _ if arg.value_two != 0 => return Err(PolicyProblem::ValueTwoWithoutMaskedEq),
        _ => (arg.value, None),
    };
    let unknown = u32::try_from(arg.index).is_ok_and(|index| {
        matches!(
            argument_width(syscall, index),
            ArgumentWidth::Unknown | ArgumentWidth::Neither
        )
    });
    Ok(ConditionData {
        arg: arg.index,
        op,
        value,
        mask,
        width: unknown.then_some(64),
    })
}

/// Whether an entry with these `includes` and `excludes` applies to a process
/// with no capabilities, on this architecture, on a kernel of version `kernel`.
fn applies(
    includes: &Selector,
    excludes: &Selector,
    kernel: (u32, u32),
) -> Result<bool, PolicyProblem> {
    let here = architecture_name();
    let on_this_architecture = |arches: &[String]| arches.iter().any(|a| a == here);
    let at_least = |version: &Option<String>| {
        version
            .as_deref()
            .map(|v| parse_version(v).map(|v| kernel >= v))
            .transpose()
    };
    Ok(includes.caps.is_empty()
        && (includes.arches.is_empty() || on_this_architecture(&includes.arches))
        && at_least(&includes.min_kernel)?.unwrap_or(true)
        && !on_this_architecture(&excludes.arches)
        && !at_least(&excludes.min_kernel)?.unwrap_or(false))
}

/// The name profiles give this architecture in `includes` and `excludes`: Go's
/// (`runtime.GOARCH`), which Docker and Podman, written in Go, compare them
/// with. A name Go does not have (Podman's `x86` and `x32`) matches nothing.
fn architecture_name() -> &'static str {
    match arch_name(native_arch()).unwrap_or("native") {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        "mipsel64" => "mips64le",
        "mipsel" => "mipsle",
        "loongarch64" => "loong64",
        other => other,
    }
}

/// `"5.8"` as (5, 8); a third number is ignored.
fn parse_version(text: &str) -> Result<(u32, u32), PolicyProblem> {
    let bad = || PolicyProblem::BadMinKernel(text.to_owned());
    let mut numbers = text.trim().split('.');
    let major = numbers.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    let minor = numbers.next().unwrap_or("0").parse().map_err(|_| bad())?;
    Ok((major, minor))
}

/// The running kernel's version, (major, minor), from `uname`.
fn kernel_version() -> (u32, u32) {
    let release = nix::sys::utsname::uname()
        .map(|uts| uts.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    let digits: String = release
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    parse_version(digits.trim_end_matches('.')).unwrap_or((0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile of more rules than a filter takes is refused as soon as it is
    /// past the limit, not checked rule by rule against every earlier one.
    #[test]
    fn a_profile_of_too_many_rules_is_refused_at_once() {
        let entries: Vec<String> = (0..5000)
            .map(|count| format!(r#"{{ "names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{{ "index": 2, "value": {count}, "op": "SCMP_CMP_EQ" }}] }}"#))
            .collect();
        let text = format!(
            r#"{{ "defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{}] }}"#,
            entries.join(",")
        );
        let err = read_profile("big.json", &text, Warn::Yes).unwrap_err();
        assert!(matches!(err.problem, PolicyProblem::TooManyRules), "{err}");
        assert_eq!(err.to_string(), "bad policy big.json: it has more than 1024 rules (a name of a JSON profile's entry is a rule), and each takes a libseccomp rule at least");
        // Repeated names without conditions are one rule.
        let names = vec!["\"getpid\""; 100_000].join(",");
        let text = format!(
            r#"{{ "defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{{ "names": [{names}], "action": "SCMP_ACT_ALLOW" }}] }}"#
        );
        assert_eq!(
            read_profile("names.json", &text, Warn::Yes)
                .unwrap()
                .rules
                .len(),
            1
        );
    }

    /// A refusal is one line whatever the profile holds, and a byte-order mark
    /// does not make a profile TOML.
    #[test]
    fn a_refusal_is_one_line() {
        let text = "\u{feff}{ \"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{ \"names\": [\"wr\\nite\"], \"action\": \"SCMP_ACT_ALLOW\" }] }";
        let err = crate::policy::Policy::parse("odd.json", text).unwrap_err();
        let message = err.to_string();
        assert_eq!(message, "bad policy odd.json, syscalls[0] (wr\\nite): unknown syscall name `wr\\nite`: libseccomp knows no syscall of that name");
        let text = r#"{ "defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{ "names": [""], "action": "SCMP_ACT_ALLOW" }] }"#;
        let err = read_profile("empty.json", text, Warn::Yes).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("bad policy empty.json, syscalls[0]: "),
            "{err}"
        );
    }

    /// Podman's `errno` may give an errno its second name: EWOULDBLOCK is
    /// EAGAIN, ENOTSUP EOPNOTSUPP, and each agrees with the other's number.
    #[test]
    fn an_errno_s_second_name_is_the_same_number() {
        for (name, number) in [
            ("EWOULDBLOCK", libc::EAGAIN),
            ("ENOTSUP", libc::EOPNOTSUPP),
            ("EDEADLOCK", libc::EDEADLOCK),
        ] {
            let text = format!(
                r#"{{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{{ "names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": {number}, "errno": "{name}" }}] }}"#
            );
            let policy = read_profile("alias.json", &text, Warn::Yes).expect(name);
            assert_eq!(
                policy.rules[0].action,
                Action::Errno(u16::try_from(number).unwrap()),
                "{name}"
            );
        }
    }

    #[test]
    fn kernel_versions_read_as_major_and_minor() {
        assert_eq!(parse_version("5.8").unwrap(), (5, 8));
        assert_eq!(parse_version("6.1.0").unwrap(), (6, 1));
        assert_eq!(parse_version("6").unwrap(), (6, 0));
        assert!(matches!(
            parse_version("v5"),
            Err(PolicyProblem::BadMinKernel(_))
        ));
        assert!(
            kernel_version() >= (3, 17),
            "the running kernel has seccomp()"
        );
    }
}
