//! Step 4 and container runtimes' profiles: `--print-filter=oci` writes the
//! policy as one, `--policy FILE.json` reads one (OCI, Docker or Podman), and a
//! bad one is refused naming the file, the entry and the problem. (That an
//! exported profile decides every call as the policy does is proven in
//! `common/tests/oci.rs`.)

use std::fs;
use std::path::Path;

use assert_cmd::assert::OutputAssertExt;
use harness::assertions::{assert_profile_allows, printed_filter, simulated_action};
use harness::files::{installed_file, Scratch};
use harness::policy_text::shipped_policy_without_clone;
use harness::runner::Ending;
use harness::running::{run, OUTPUT_TO_THE_END, TUTORIAL_INPUT};
use predicates::prelude::*;

const STEP: &str = env!("CARGO_BIN_EXE_step-4-policy");

/// Where Debian's package golang-github-containers-common puts Podman's default profile.
const PODMAN_PROFILE: &str = "/usr/share/containers/seccomp.json";

/// Where Debian's package golang-github-docker-docker-dev puts Docker's.
const DOCKER_PROFILE: &str =
    "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json";

/// And its older form, with one `name` per entry.
const DOCKER_OLD_PROFILE: &str =
    "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/fixtures/default-old-format.json";

/// A fresh directory for one test's files.
fn scratch(test: &str) -> Scratch {
    Scratch::new(env!("CARGO_TARGET_TMPDIR"), test)
}

/// The path, as text, of `file` in `dir` with `text` written to it.
fn written(dir: &Path, file: &str, text: &str) -> String {
    let path = dir.join(file);
    fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The shipped policy exported, then given back with `--policy`: the program
/// runs to the end, as under the built-in policy.
#[test]
fn an_exported_profile_is_a_policy_step_4_runs_under() {
    let dir = scratch("profile-round-trip");
    let profile = assert_profile_allows(STEP, &[], "SCMP_ACT_KILL_PROCESS", &["exit_group"]);
    let json = written(&dir, "policy.json", &profile.to_string());
    run(STEP, &["--policy", &json], TUTORIAL_INPUT)
        .output()
        .assert()
        .success()
        .stdout(OUTPUT_TO_THE_END)
        .stderr("");
}

/// Exported from a copy of the shipped policy without the `clone` rule, the
/// profile given back with `--policy` kills the program at the fork.
#[test]
fn an_exported_profile_without_clone_kills_at_the_fork() {
    let dir = scratch("profile-round-trip-no-fork");
    let toml = written(&dir, "no-fork.toml", &shipped_policy_without_clone());
    let exported = printed_filter(STEP, &["--policy", &toml, "--print-filter=oci"]);
    let json = written(&dir, "no-fork.json", &exported);
    let killed = run(STEP, &["--policy", &json], TUTORIAL_INPUT);
    assert!(killed.ending().is_sigsys(), "{}", killed.ending());
    assert_eq!(
        killed.stdout_text().lines().count(),
        2,
        "{}",
        killed.stdout_text()
    );
}

/// Podman's default profile, as Debian ships it, is a policy the program runs to
/// the end under; its one contradiction (`setns` allowed, then denied without
/// CAP_SYS_ADMIN) is loaded as a runtime loads it, and said on stderr.
#[test]
#[ignore = "needs Podman's default profile: after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn podman_s_default_profile_runs_the_program_to_the_end() {
    installed_file(PODMAN_PROFILE, "golang-github-containers-common");
    let ran = run(STEP, &["--policy", PODMAN_PROFILE], TUTORIAL_INPUT);
    assert_eq!(ran.forked, [Ending::Exited(0)]);
    ran.output()
        .assert()
        .success()
        .stdout(OUTPUT_TO_THE_END)
        .stderr(format!(
            "step-4-policy: warning: {PODMAN_PROFILE}, syscalls[15] (setns): syscalls[1] gives every setns call the action `allow` already, so libseccomp keeps that and drops this entry's `errno EPERM` for setns, as a runtime loading this profile does\n"
        ));
    // The real-world chapter shows this run (the warning comes first: it is
    // printed before the program starts).
    let stored = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/transcripts/real-world/podman.txt"
    ))
    .unwrap();
    assert_eq!(
        stored,
        format!(
            "$ printf 'hello seccomp\\n' | step-4-policy --policy {PODMAN_PROFILE}\n{}{}$ echo $?\n0\n",
            ran.stderr_text(),
            ran.stdout_text()
        )
    );
    // A process with no capabilities: chroot's allow needs CAP_SYS_CHROOT, and
    // the entry that excludes it answers EPERM; Podman's default is ENOSYS.
    // It leaves io_uring out, whose operations no filter sees: its default
    // answers io_uring_setup.
    for (call, action) in [
        ("chroot", format!("ERRNO({})", libc::EPERM)),
        ("getpid", "ALLOW".to_owned()),
        ("io_uring_setup", format!("ERRNO({})", libc::ENOSYS)),
    ] {
        run(STEP, &["--policy", PODMAN_PROFILE, "--simulate", call], b"")
            .output()
            .assert()
            .success()
            .stdout(predicate::str::ends_with(format!("\naction: {action}\n")));
    }
}

/// Docker's default profile `profile` (which dockerd has compiled in; Debian
/// ships it as a file in golang-github-docker-docker-dev) is a policy the
/// program runs to the end under, without a word.
fn assert_the_program_runs_to_the_end_under_docker_s(profile: &str) {
    installed_file(profile, "golang-github-docker-docker-dev");
    let ran = run(STEP, &["--policy", profile], TUTORIAL_INPUT);
    assert_eq!(ran.forked, [Ending::Exited(0)], "{profile}");
    ran.output()
        .assert()
        .success()
        .stdout(OUTPUT_TO_THE_END)
        .stderr("");
}

/// Docker's default profile in its current form.
#[test]
#[ignore = "needs Docker's default profile, from Debian's golang-github-docker-docker-dev: after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn docker_s_default_profile_runs_the_program_to_the_end() {
    assert_the_program_runs_to_the_end_under_docker_s(DOCKER_PROFILE);
}

/// Docker's default profile in its older form (one `name` an entry).
#[test]
#[ignore = "needs Docker's default profile, from Debian's golang-github-docker-docker-dev: after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn docker_s_older_default_profile_runs_the_program_to_the_end() {
    assert_the_program_runs_to_the_end_under_docker_s(DOCKER_OLD_PROFILE);
}

/// `includes` and `excludes` select entries for a process with no
/// capabilities, on this architecture, on this kernel.
/// The real-world chapter shows what `--audit` says of Podman's and Docker's
/// default profiles (`docs/transcripts/auditing/podman.txt` and `docker.txt`):
/// run again here, the audit says the same, on the platform the transcripts
/// were made on.
#[test]
#[ignore = "needs Podman's and Docker's default profiles: after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn the_real_world_chapter_shows_what_the_audit_says_of_the_default_profiles() {
    installed_file(PODMAN_PROFILE, "golang-github-containers-common");
    installed_file(DOCKER_PROFILE, "golang-github-docker-docker-dev");
    let bin_dir = Path::new(STEP).parent().unwrap();
    harness::transcripts::assert_command_transcripts_match(
        bin_dir,
        &["auditing/podman.txt", "auditing/docker.txt"],
    );
}

#[test]
fn includes_and_excludes_select_entries_for_this_process() {
    let dir = scratch("profile-select");
    let here = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        other => other,
    };
    let entry = |name: &str, select: &str| {
        format!(r#"{{ "names": ["{name}"], "action": "SCMP_ACT_ALLOW", {select} }}"#)
    };
    let entries = [
        entry("getpid", r#""includes": { "caps": ["CAP_SYS_ADMIN"] }"#),
        entry("getppid", r#""excludes": { "caps": ["CAP_SYS_ADMIN"] }"#),
        entry(
            "getuid",
            &format!(r#""includes": {{ "arches": ["{here}"] }}"#),
        ),
        entry("getgid", r#""includes": { "arches": ["s390x-nowhere"] }"#),
        entry(
            "geteuid",
            &format!(r#""excludes": {{ "arches": ["{here}"] }}"#),
        ),
        entry("getegid", r#""includes": { "minKernel": "2.6" }"#),
        entry("gettid", r#""includes": { "minKernel": "999.0" }"#),
        entry("getpgid", r#""excludes": { "minKernel": "2.6" }"#),
        entry("getsid", r#""excludes": { "minKernel": "999.0" }"#),
    ];
    let json = written(
        &dir,
        "select.json",
        &format!(
            r#"{{ "defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{}] }}"#,
            entries.join(",\n")
        ),
    );
    let args = ["--policy", json.as_str()];
    let eperm = format!("ERRNO({})", libc::EPERM);
    for (call, action) in [
        ("getpid", eperm.as_str()),
        ("getppid", "ALLOW"),
        ("getuid", "ALLOW"),
        ("getgid", &eperm),
        ("geteuid", &eperm),
        ("getegid", "ALLOW"),
        ("gettid", &eperm),
        ("getpgid", &eperm),
        ("getsid", "ALLOW"),
    ] {
        assert_eq!(simulated_action(STEP, &args, call), action, "{call}");
    }
}

/// Each kind of bad profile is refused before anything runs: exit status 2,
/// nothing on stdout, one line on stderr naming the file, the entry and what is
/// wrong.
#[test]
fn a_bad_profile_is_refused_naming_the_entry() {
    let dir = scratch("profile-bad");
    let profile = |entries: &str| {
        format!(
            "{{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n{entries}\n  ]\n}}\n"
        )
    };
    let write_fd = |action: &str, fd: u64| {
        format!(
            r#"    {{ "names": ["write"], "action": "{action}", "args": [{{ "index": 0, "value": {fd}, "op": "SCMP_CMP_LE" }}] }}"#
        )
    };
    let cases = [
        (
            "thread.json",
            "{ \"defaultAction\": \"SCMP_ACT_KILL\" }".to_owned(),
            "bad policy thread.json: action SCMP_ACT_KILL kills only the thread that made the syscall, and step 4's filters kill the whole process: use SCMP_ACT_KILL_PROCESS",
        ),
        (
            "syntax.json",
            profile("    { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\" },,"),
            "bad policy syntax.json, line 4: expected value",
        ),
        (
            "field.json",
            profile("    { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"fd\": 0 }"),
            "bad policy field.json, syscalls[0]: unknown field `fd`, expected one of `names`, `name`, `action`, `errnoRet`, `errno`, `args`, `comment`, `includes`, `excludes`",
        ),
        (
            "op.json",
            profile(r#"    { "names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 1, "op": "SCMP_CMP_IS" }] }"#),
            "bad policy op.json, syscalls[0] (write): unknown op `SCMP_CMP_IS`; an op is one of SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GE, SCMP_CMP_GT and SCMP_CMP_MASKED_EQ",
        ),
        (
            "value-two.json",
            profile(r#"    { "names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 1, "valueTwo": 2, "op": "SCMP_CMP_EQ" }] }"#),
            "bad policy value-two.json, syscalls[0] (write): valueTwo goes only with SCMP_CMP_MASKED_EQ, where `value` is the mask and `valueTwo` the value",
        ),
        (
            "errno.json",
            profile(r#"    { "names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "errno": "ENOSYS" }"#),
            "bad policy errno.json, syscalls[0] (clone3): `errno` says ENOSYS and `errnoRet` says 1, which is not it here",
        ),
        (
            "upper.json",
            profile(r#"    { "names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 4294967297, "op": "SCMP_CMP_EQ" }] }"#),
            "bad policy upper.json, syscalls[0] (write): argument 0 is 32 bits wide and the kernel ignores its upper half, so 0x100000001, which has bits there, cannot be compared with it",
        ),
        (
            "overlap.json",
            profile(&format!("{},\n{}", write_fd("SCMP_ACT_ALLOW", 2), write_fd("SCMP_ACT_LOG", 1))),
            "bad policy overlap.json, syscalls[1] (write): syscalls[0] gives write(0) the action `allow`, and this rule matches it too; libseccomp would give such a call either action, so make the conditions exclude each other",
        ),
        (
            "names.json",
            profile(r#"    { "names": [], "action": "SCMP_ACT_ALLOW" }"#),
            "bad policy names.json, syscalls[0]: the entry names no syscall (`names` is empty)",
        ),
        (
            "notify.json",
            profile(r#"    { "names": ["openat"], "action": "SCMP_ACT_NOTIFY" }"#),
            "bad policy notify.json, syscalls[0] (openat): action SCMP_ACT_NOTIFY hands the syscall to a supervisor, which step 4 does not run",
        ),
    ];
    for (file, text, message) in cases {
        let path = written(&dir, file, &text);
        let ran = harness::runner::run_step(
            std::process::Command::new(STEP)
                .current_dir(&dir)
                .args(["--policy", file]),
            TUTORIAL_INPUT,
        )
        .unwrap();
        assert!(Path::new(&path).exists());
        assert!(ran.forked.is_empty(), "{file}");
        ran.output()
            .assert()
            .code(2)
            .stdout("")
            .stderr(format!("step-4-policy: error: {message}\n"));
    }
}
