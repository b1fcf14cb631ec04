//! `step-4-policy --audit`: the shipped policy, the book's weak one
//! (`docs/transcripts/auditing/weak.toml`), a JSON deny list, a profile with
//! notes and no warning, and refused policies, audited by the binary as a
//! learner runs it.

use std::path::Path;

use assert_cmd::assert::OutputAssertExt;
use harness::files::Scratch;
use harness::running::run;
use predicates::prelude::*;

const STEP: &str = env!("CARGO_BIN_EXE_step-4-policy");

const ARCHITECTURE_OK: &str = "ok: a syscall made through another ABI kills the process, \
     whatever the rules say (see auditing.md#architecture-check)";

/// Whether this architecture has the syscall `name` (libseccomp gives a name
/// only other architectures have a negative number).
fn exists_here(name: &str) -> bool {
    common::filter::resolve(name).is_ok_and(|nr| nr.as_raw_syscall() >= 0)
}

/// The sections the warnings of `stdout` point to, in order.
fn warned_sections(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|line| line.starts_with("warning: "))
        .map(|line| {
            let (_, section) = line.rsplit_once("(see auditing.md#").unwrap();
            section.strip_suffix(')').unwrap()
        })
        .collect()
}

#[test]
fn the_shipped_policy_has_nothing_to_warn_of() {
    let ran = run(STEP, &["--audit"], b"");
    let stdout = ran.stdout_text();
    let mut expected = vec![ARCHITECTURE_OK];
    if exists_here("clone3") {
        expected.push(
            "ok: clone3 is answered with ENOSYS, and glibc falls back to clone, \
             which is refined (see auditing.md#enosys)",
        );
    }
    expected.push("audit: 0 warnings, 0 notes");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);
    ran.output().assert().code(0).stderr("");
}

#[test]
fn the_book_s_weak_policy_has_one_warning_per_mistake() {
    let weak = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/transcripts/auditing/weak.toml");
    let ran = run(STEP, &["--policy", weak.to_str().unwrap(), "--audit"], b"");
    let stdout = ran.stdout_text();
    let expected: Vec<&str> = [
        ("io_uring_setup", "io-uring"),
        ("io_uring_enter", "io-uring"),
        ("execve", "execve"),
        ("prctl", "powerful-syscalls"),
        ("writev", "siblings"),
        ("clone3", "enosys"),
    ]
    .into_iter()
    .filter(|(name, _)| exists_here(name))
    .map(|(_, section)| section)
    .collect();
    assert_eq!(warned_sections(&stdout), expected, "{stdout}");
    assert_eq!(stdout.lines().next(), Some(ARCHITECTURE_OK));
    ran.output()
        .assert()
        .code(1)
        .stderr("")
        .stdout(predicate::str::ends_with(format!(
            "audit: {} warnings, 0 notes\n",
            expected.len()
        )));
}

#[test]
fn a_json_deny_list_is_a_warning() {
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), "audit-default-allow");
    let json = dir.join("deny.json");
    std::fs::write(
        &json,
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}"#,
    )
    .unwrap();
    let ran = run(STEP, &["--policy", json.to_str().unwrap(), "--audit"], b"");
    let stdout = ran.stdout_text();
    assert_eq!(warned_sections(&stdout), ["default-allows"], "{stdout}");
    assert!(stdout.contains("among them execve,"), "{stdout}");
    ran.output().assert().code(1);
}

#[test]
fn a_refused_policy_is_audited_no_further() {
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), "audit-refused");
    let policy = dir.join("bad.toml");
    std::fs::write(
        &policy,
        "default_action = \"allow\"\n[[rule]]\nsyscall = \"read\"\naction = \"errno 0\"\n",
    )
    .unwrap();
    run(
        STEP,
        &["--policy", policy.to_str().unwrap(), "--audit"],
        b"",
    )
    .output()
    .assert()
    .code(2)
    .stdout("")
    .stderr(predicate::str::contains("bad.toml"));
}

/// The name libseccomp gives this architecture in a profile (`SCMP_ARCH_X86_64`).
fn native_in_a_profile() -> String {
    let arch = common::kernel::arch_name(common::kernel::native_arch()).unwrap();
    format!("SCMP_ARCH_{}", arch.to_uppercase())
}

/// A profile in Docker's form, which lists another ABI for this architecture
/// and answers EPERM by default: two notes, no warning, and status 0, as notes
/// do not make a filter weaker.
#[test]
fn notes_alone_end_with_status_0() {
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), "audit-notes");
    let json = dir.join("notes.json");
    let native = native_in_a_profile();
    let other = if native == "SCMP_ARCH_X32" {
        "SCMP_ARCH_X86_64"
    } else {
        "SCMP_ARCH_X32"
    };
    std::fs::write(
        &json,
        format!(
            r#"{{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{{"architecture": "{native}", "subArchitectures": ["{other}"]}}], "syscalls": [{{"names": ["read"], "action": "SCMP_ACT_ALLOW"}}]}}"#
        ),
    )
    .unwrap();
    let ran = run(STEP, &["--policy", json.to_str().unwrap(), "--audit"], b"");
    let stdout = ran.stdout_text();
    let notes: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("note: "))
        .collect();
    assert_eq!(notes.len(), 2, "{stdout}");
    assert!(
        notes[0].starts_with(&format!(
            "note: this profile lists {other} besides {native}:"
        )),
        "{stdout}"
    );
    assert!(
        notes[0].ends_with("(see auditing.md#other-architectures)"),
        "{stdout}"
    );
    assert!(
        notes[1].starts_with("note: the default action is errno EPERM,"),
        "{stdout}"
    );
    assert!(
        notes[1].ends_with("(see auditing.md#default-errno)"),
        "{stdout}"
    );
    ran.output()
        .assert()
        .code(0)
        .stderr("")
        .stdout(predicate::str::ends_with("audit: 0 warnings, 2 notes\n"));
}

/// An `errnoRet` of 0 in a profile is refused as `errno 0` is in TOML, naming
/// the entry, before anything is audited: the audit's errno-0 warning is for
/// filters built in code.
#[test]
fn a_profile_s_errno_ret_of_0_is_refused_before_the_audit() {
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), "audit-errno-ret-0");
    let json = dir.join("errno-0.json");
    std::fs::write(
        &json,
        r#"{"defaultAction": "SCMP_ACT_KILL_PROCESS", "syscalls": [{"names": ["unlinkat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 0}]}"#,
    )
    .unwrap();
    run(STEP, &["--policy", json.to_str().unwrap(), "--audit"], b"")
        .output()
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "syscalls[0] (unlinkat): errno 0 is out of range",
        ));
}
