//! `--print-filter=oci` writes a profile that decides every call as the step's
//! own filter does, and `--policy FILE.json` reads runtimes' profiles as they
//! mean them.
//!
//! A profile is built back two ways: as a runtime builds it (runc hands each
//! entry's names, action and comparisons to libseccomp as they are written:
//! [`runtime_filter`]), and as step 4 reads it (`Policy::parse`). Both BPF
//! programs, and the step's own, are run through `common::tools::simulate` on the
//! boundary values of every condition, for the steps' filters, the shipped
//! policy and generated policies (`harness::generated::policy_text`), and
//! must give each call the same action. Podman's and Docker's default
//! profiles, as Debian ships them (packages golang-github-containers-common
//! and golang-github-docker-docker-dev), are read and compared with a
//! runtime's reading the same way.

use common::filter::{allow_list_filter, TUTORIAL_ALLOW_LIST};
use common::policy::{Action, Policy};
use common::tools::bpf::Instruction;
use common::tools::oci;
use common::tools::simulate::{self, SeccompData};
use harness::files::installed_file;
use harness::generated::{calls_to_try, policy_text, runner, sample_size};
use libseccomp::{ScmpAction, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall};
use serde_json::Value;

/// Where Debian's package golang-github-containers-common puts Podman's default profile.
const PODMAN_PROFILE: &str = "/usr/share/containers/seccomp.json";

/// Where Debian's package golang-github-docker-docker-dev puts Docker's
/// default profile (`default.json`, which dockerd has compiled in) and its older
/// form (`fixtures/default-old-format.json`).
const DOCKER_PROFILES: &str = "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp";

/// An action as a profile names it, with its errno.
fn action(name: &str, errno: Option<&Value>) -> ScmpAction {
    let errno = errno
        .and_then(Value::as_i64)
        .unwrap_or(i64::from(libc::EPERM));
    match name {
        "SCMP_ACT_ALLOW" => ScmpAction::Allow,
        "SCMP_ACT_KILL_PROCESS" => ScmpAction::KillProcess,
        "SCMP_ACT_TRAP" => ScmpAction::Trap,
        "SCMP_ACT_LOG" => ScmpAction::Log,
        "SCMP_ACT_ERRNO" => ScmpAction::Errno(errno as i32),
        other => panic!("no runtime action {other} in these profiles"),
    }
}

/// Whether an entry of a Docker or Podman profile applies in a container with
/// no capabilities on this architecture, as Podman selects them before it hands
/// the profile to the runtime.
fn selected(entry: &Value) -> bool {
    let list = |selector: &str, field: &str| -> Vec<String> {
        entry[selector][field]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| i.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    // `minKernel` as Docker reads it: the kernel's major and minor version.
    let kernel_at_least = |selector: &str| {
        entry[selector]["minKernel"].as_str().map(|version| {
            let numbers = |text: &str| -> Vec<u32> {
                text.split(|c: char| !c.is_ascii_digit())
                    .take(2)
                    .map(|n| n.parse().unwrap())
                    .collect()
            };
            let release = nix::sys::utsname::uname().unwrap();
            numbers(&release.release().to_string_lossy()) >= numbers(version)
        })
    };
    let here = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        other => other,
    };
    let arches = list("includes", "arches");
    list("includes", "caps").is_empty()
        && (arches.is_empty() || arches.iter().any(|a| a == here))
        && !list("excludes", "arches").iter().any(|a| a == here)
        && kernel_at_least("includes").unwrap_or(true)
        && !kernel_at_least("excludes").unwrap_or(false)
}

/// The filter a runtime builds from profile `json`: libseccomp given each
/// selected entry's names, action and comparisons as they are written, an entry
/// with the default action left out, a name libseccomp does not know skipped.
fn runtime_filter(json: &str) -> ScmpFilterContext {
    let profile: Value = serde_json::from_str(json).expect("valid JSON");
    let default = action(
        profile["defaultAction"].as_str().unwrap(),
        profile.get("defaultErrnoRet"),
    );
    let mut filter = ScmpFilterContext::new(default).unwrap();
    filter.set_act_badarch(ScmpAction::KillProcess).unwrap();
    for entry in profile["syscalls"].as_array().unwrap() {
        let rule_action = action(entry["action"].as_str().unwrap(), entry.get("errnoRet"));
        if rule_action == default || !selected(entry) {
            continue;
        }
        let comparisons: Vec<ScmpArgCompare> = entry["args"]
            .as_array()
            .map(|args| {
                args.iter()
                    .map(|arg| {
                        let value = arg["value"].as_u64().unwrap();
                        let two = arg["valueTwo"].as_u64().unwrap_or(0);
                        let (op, datum) = match arg["op"].as_str().unwrap() {
                            "SCMP_CMP_EQ" => (ScmpCompareOp::Equal, value),
                            "SCMP_CMP_NE" => (ScmpCompareOp::NotEqual, value),
                            "SCMP_CMP_LT" => (ScmpCompareOp::Less, value),
                            "SCMP_CMP_LE" => (ScmpCompareOp::LessOrEqual, value),
                            "SCMP_CMP_GE" => (ScmpCompareOp::GreaterEqual, value),
                            "SCMP_CMP_GT" => (ScmpCompareOp::Greater, value),
                            "SCMP_CMP_MASKED_EQ" => (ScmpCompareOp::MaskedEqual(value), two),
                            other => panic!("op {other}"),
                        };
                        ScmpArgCompare::new(arg["index"].as_u64().unwrap() as u32, op, datum)
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Docker's older format names one syscall in `name`.
        let names = entry["names"].as_array().cloned().unwrap_or_default();
        for name in names.iter().chain(entry.get("name")) {
            if let Ok(syscall) = ScmpSyscall::from_name(name.as_str().unwrap()) {
                filter
                    .add_rule_conditional(rule_action, syscall, &comparisons)
                    .unwrap();
            }
        }
    }
    filter
}

/// What `program` answers to each of `calls`.
fn answers(program: &[Instruction], calls: &[(String, i32, [u64; 6])]) -> Vec<u32> {
    let loaded = simulate::Loaded::load(program).expect("the kernel loads it");
    calls
        .iter()
        .map(|(_, nr, args)| loaded.run(&SeccompData::native(*nr, *args)).action)
        .collect()
}

/// The first call on which the two programs answer differently, if any.
fn first_difference(
    calls: &[(String, i32, [u64; 6])],
    one: &[Instruction],
    other: &[Instruction],
) -> Option<String> {
    let (a, b) = (answers(one, calls), answers(other, calls));
    calls
        .iter()
        .zip(a.iter().zip(&b))
        .find(|(_, (x, y))| x != y)
        .map(|((syscall, _, args), (x, y))| format!("{syscall}{args:x?}: {x:#x} against {y:#x}"))
}

/// Checks that `policy`'s exported profile decides every call to try as the
/// policy's filter does, built back by a runtime and by step 4.
fn round_trip(policy: &Policy, text: &str) {
    let filter = policy.filter().expect("builds");
    let json = oci::json(&filter).expect("exports");
    let own = simulate::filter_program(&filter).unwrap();
    let runtime = simulate::filter_program(&runtime_filter(&json)).unwrap();
    let read_back = Policy::parse("exported.json", &json)
        .unwrap_or_else(|err| panic!("{err}\nthe profile:\n{json}\nfrom:\n{text}"));
    let stepped = simulate::filter_program(&read_back.filter().unwrap()).unwrap();
    let calls = calls_to_try(policy);
    if let Some(wrong) = first_difference(&calls, &own, &runtime) {
        panic!("a runtime's reading differs, {wrong}\nthe profile:\n{json}\nfrom:\n{text}");
    }
    if let Some(wrong) = first_difference(&calls, &own, &stepped) {
        panic!("step 4's reading differs, {wrong}\nthe profile:\n{json}\nfrom:\n{text}");
    }
}

#[test]
fn steps_2_and_3_export_their_allow_list() {
    let extra = ["getpid", "clone", "openat", "clock_nanosleep"];
    let calls: Vec<(String, i32, [u64; 6])> = TUTORIAL_ALLOW_LIST
        .iter()
        .chain(&extra)
        .filter_map(|name| {
            let nr = ScmpSyscall::from_name(name).unwrap().as_raw_syscall();
            (nr >= 0).then(|| (name.to_string(), nr, [0; 6]))
        })
        .collect();
    for default in [ScmpAction::KillProcess, ScmpAction::Trap] {
        let filter = allow_list_filter(default, TUTORIAL_ALLOW_LIST).unwrap();
        let json = oci::json(&filter).unwrap();
        let profile: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(profile["architectures"][0], oci::native_architecture());
        let own = simulate::filter_program(&filter).unwrap();
        let runtime = simulate::filter_program(&runtime_filter(&json)).unwrap();
        assert_eq!(first_difference(&calls, &own, &runtime), None, "{json}");
    }
}

#[test]
fn the_shipped_policy_round_trips() {
    round_trip(&Policy::shipped().unwrap(), common::policy::SHIPPED_POLICY);
}

#[test]
fn generated_policies_round_trip() {
    let cases = sample_size(600);
    let tried = std::cell::Cell::new(0);
    let result = runner(cases, file!()).run(&policy_text(), |text| {
        if let Ok(policy) = Policy::parse("generated.toml", &text) {
            tried.set(tried.get() + 1);
            // round_trip asserts: proptest catches its panic as the case's failure.
            round_trip(&policy, &text);
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let tried = tried.get();
    assert!(tried > cases / 5, "only {tried} policies accepted");
}

/// Reads the profile at `path` as step 4 does and as a runtime does, and
/// checks both give the same action to every call to try whose arguments have
/// no upper half (there, a runtime compares all 64 bits of a 32-bit argument,
/// and step 4 the lower half, as the kernel reads it).
fn assert_reads_as_a_runtime_reads(path: &str, package: &str) -> Policy {
    let json = installed_file(path, package);
    let policy = Policy::parse(path, &json).unwrap_or_else(|err| panic!("{err}"));
    let stepped = simulate::filter_program(&policy.filter().unwrap()).unwrap();
    let runtime = simulate::filter_program(&runtime_filter(&json)).unwrap();
    let calls: Vec<_> = calls_to_try(&policy)
        .into_iter()
        .filter(|(_, _, args)| args.iter().all(|&a| a <= u64::from(u32::MAX)))
        .collect();
    // Hundreds of syscalls on every architecture (240 calls for Docker's older
    // profile on aarch64).
    assert!(calls.len() > 200, "{path}: {} calls", calls.len());
    assert_eq!(first_difference(&calls, &stepped, &runtime), None, "{path}");
    policy
}

#[test]
#[ignore = "needs Podman's default profile: after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn podman_s_default_profile_reads_as_a_runtime_reads_it() {
    let policy = assert_reads_as_a_runtime_reads(PODMAN_PROFILE, "golang-github-containers-common");
    // Its default answers ENOSYS, and its rules for socket overlap, with one
    // action (the book says both).
    assert_eq!(policy.default_action, Action::Errno(libc::ENOSYS as u16));
    let socket_rules = policy
        .rules
        .iter()
        .filter(|r| r.syscall == "socket")
        .count();
    assert!(socket_rules >= 3, "{socket_rules} rules for socket");
}

#[test]
#[ignore = "needs Docker's default profile, from Debian's golang-github-docker-docker-dev: after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn docker_s_default_profiles_read_as_a_runtime_reads_them() {
    for file in ["default.json", "fixtures/default-old-format.json"] {
        let path = format!("{DOCKER_PROFILES}/{file}");
        let policy = assert_reads_as_a_runtime_reads(&path, "golang-github-docker-docker-dev");
        assert_eq!(
            policy.default_action,
            Action::Errno(libc::EPERM as u16),
            "{file}"
        );
    }
}

/// The syscalls of this architecture that `policy` allows (in some call) and
/// step 4's shipped policy allows in none, as the book lists them: a count,
/// then the names, sorted, in lines of at most 88 characters.
fn allowed_beyond_step_4(policy: &Policy) -> String {
    let shipped = Policy::shipped().unwrap();
    let allows = |policy: &Policy, name: &str| {
        policy
            .rules
            .iter()
            .any(|rule| rule.syscall == name && rule.action == Action::Allow)
    };
    let mut names: Vec<&str> = policy
        .rules
        .iter()
        .map(|rule| rule.syscall.as_str())
        .filter(|name| ScmpSyscall::from_name(name).unwrap().as_raw_syscall() >= 0)
        .filter(|name| allows(policy, name) && !allows(&shipped, name))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut text = format!(
        "{} syscalls that step 4's policy does not allow:\n",
        names.len()
    );
    let mut line = String::new();
    for name in names {
        if !line.is_empty() && line.len() + 1 + name.len() > 88 {
            text += &line;
            text.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line += name;
    }
    text + &line + "\n"
}

/// The real-world chapter lists what Podman's and Docker's default profiles
/// allow that step 4 does not, on x86_64: computed here, from the profiles.
/// (The lists are x86_64's: the test is built there only.)
#[test]
#[cfg(target_arch = "x86_64")]
#[ignore = "needs Podman's and Docker's default profiles: after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn the_book_lists_what_the_default_profiles_allow_beyond_step_4() {
    let docker = format!("{DOCKER_PROFILES}/default.json");
    for (path, package, list) in [
        (
            PODMAN_PROFILE,
            "golang-github-containers-common",
            "beyond-step-4-podman.txt",
        ),
        (
            docker.as_str(),
            "golang-github-docker-docker-dev",
            "beyond-step-4-docker.txt",
        ),
    ] {
        let json = installed_file(path, package);
        let computed = allowed_beyond_step_4(&Policy::parse(path, &json).unwrap());
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../docs/transcripts/real-world")
            .join(list);
        let stored = std::fs::read_to_string(&file).unwrap_or_default();
        assert_eq!(
            stored,
            computed,
            "{} should hold:\n{computed}",
            file.display()
        );
    }
}
