//! Container runtimes' seccomp profiles: `--print-filter=oci` writes a step's
//! filter as one (`step-4-policy --policy FILE.json` reads one as a policy:
//! see [`crate::policy_json`]).
//!
//! Most people meet seccomp through a container runtime. runc, crun, Docker,
//! Podman and Kubernetes take a filter as JSON: the `linux.seccomp` object of
//! the OCI runtime specification (`defaultAction`, `architectures`, and
//! `syscalls`, each entry some `names`, an `action`, an `errnoRet` and `args`
//! compared as libseccomp compares them), which Docker's and Podman's profile
//! files extend with `includes` and `excludes`.
//!
//! **Out.** [`profile`] writes what a [`Filter`] was given, one entry per
//! libseccomp rule (the allow list's names share one): the same decisions, made
//! by the same library, for a runtime to load before it starts the container's
//! program. A `masked_eq` comparison is written as the specification has it:
//! `value` is the mask and `valueTwo` the value. `architectures` names this
//! architecture only; a runtime decides what a syscall made through another ABI
//! gets (runc 1.1 keeps libseccomp's default, which kills the thread that made
//! it, where the steps kill the process), and runc answers ENOSYS to a syscall
//! numbered above every one the profile names (see `common/tests/container.rs`).
//!
//! **In.** Such a profile is read as a step 4 policy by [`crate::policy_json`].

use libseccomp::ScmpAction;
use serde::Serialize;

use crate::error::StepError;
use crate::filter::Filter;
use crate::tools::bpf;

/// A seccomp profile as the OCI runtime specification writes it
/// (`linux.seccomp`), with the fields a step's filter needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// What the filter does with a syscall no entry matches: `SCMP_ACT_...`.
    pub default_action: String,
    /// The errno of a default action `SCMP_ACT_ERRNO`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_errno_ret: Option<u32>,
    /// The architectures the filter is for: `SCMP_ARCH_...`.
    pub architectures: Vec<String>,
    /// The entries, each some syscalls with one action and one set of comparisons.
    pub syscalls: Vec<Entry>,
}

/// One entry of a profile's `syscalls`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The syscalls' names.
    pub names: Vec<String>,
    /// What the filter does with a matching call: `SCMP_ACT_...`.
    pub action: String,
    /// The errno of an action `SCMP_ACT_ERRNO`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errno_ret: Option<u32>,
    /// Comparisons of the arguments, all of which must hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Arg>,
}

/// One comparison of an argument, as libseccomp takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Arg {
    /// The argument, 0 to 5.
    pub index: u32,
    /// The value compared with; for `SCMP_CMP_MASKED_EQ`, the mask.
    pub value: u64,
    /// For `SCMP_CMP_MASKED_EQ`, the value (argument & mask) must equal; else 0.
    pub value_two: u64,
    /// The comparison: `SCMP_CMP_...`.
    pub op: &'static str,
}

/// libseccomp's comparisons, as profiles name them, in the order of
/// `enum scmp_compare` (from 1).
const OPS: [&str; 7] = [
    "SCMP_CMP_NE",
    "SCMP_CMP_LT",
    "SCMP_CMP_LE",
    "SCMP_CMP_EQ",
    "SCMP_CMP_GE",
    "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ",
];

/// The profile of what `filter` was given: its default action, this
/// architecture, and one entry per rule, except that rules without comparisons
/// share one entry per action.
pub fn profile(filter: &Filter) -> Result<Profile, StepError> {
    let (default_action, default_errno_ret) = action_name(filter.default_action())?;
    let mut syscalls: Vec<Entry> = Vec::new();
    for rule in filter.rules() {
        let (action, errno_ret) = action_name(rule.action)?;
        let args: Vec<Arg> = rule
            .comparisons
            .iter()
            .map(|comparison| {
                let raw = libseccomp_sys::scmp_arg_cmp::from(comparison);
                Arg {
                    index: raw.arg,
                    value: raw.datum_a,
                    value_two: raw.datum_b,
                    op: OPS[raw.op as usize - 1],
                }
            })
            .collect();
        let shared = syscalls.iter_mut().find(|entry| {
            args.is_empty()
                && entry.args.is_empty()
                && (&entry.action, entry.errno_ret) == (&action, errno_ret)
        });
        match shared {
            Some(entry) => entry.names.push(rule.syscall.clone()),
            None => syscalls.push(Entry {
                names: vec![rule.syscall.clone()],
                action,
                errno_ret,
                args,
            }),
        }
    }
    Ok(Profile {
        default_action,
        default_errno_ret,
        architectures: vec![native_architecture()],
        syscalls,
    })
}

/// The profile as JSON text, the way `--print-filter=oci` prints it.
pub fn json(filter: &Filter) -> Result<String, StepError> {
    let profile = profile(filter)?;
    let text = serde_json::to_string_pretty(&profile).expect("a profile is plain data");
    Ok(text + "\n")
}

/// This architecture as a profile names it: `SCMP_ARCH_X86_64`.
pub fn native_architecture() -> String {
    let name = bpf::arch_name(bpf::native_arch()).unwrap_or("native");
    format!("SCMP_ARCH_{}", name.to_uppercase())
}

/// A libseccomp action as a profile names it, with its errno if it has one.
fn action_name(action: ScmpAction) -> Result<(String, Option<u32>), StepError> {
    let (name, errno) = match action {
        ScmpAction::Allow => ("SCMP_ACT_ALLOW", None),
        ScmpAction::KillProcess => ("SCMP_ACT_KILL_PROCESS", None),
        ScmpAction::KillThread => ("SCMP_ACT_KILL_THREAD", None),
        ScmpAction::Trap => ("SCMP_ACT_TRAP", None),
        ScmpAction::Log => ("SCMP_ACT_LOG", None),
        ScmpAction::Errno(errno) => ("SCMP_ACT_ERRNO", Some(errno as u32)),
        ScmpAction::Trace(message) => ("SCMP_ACT_TRACE", Some(u32::from(message))),
        ScmpAction::Notify => {
            return Err(StepError::NotExportable(
                "--learn's filter notifies a supervisor, which a runtime would have to run on a `listenerPath`; export the step's own filter instead (leave out --learn)".to_owned(),
            ))
        }
        other => {
            return Err(StepError::NotExportable(format!(
                "a profile has no name for the action {other:?}"
            )))
        }
    };
    Ok((name.to_owned(), errno))
}
