//! A real runtime enforces the exported profiles: runc runs the tutorial
//! program (`step-1-baseline`, which loads no filter of its own) in a container
//! that `scripts/container.sh` builds, under a profile exported from a policy,
//! as `step-4-policy --print-filter=oci` exports it.
//!
//! - Under `step-4-policy/policies/container.toml`'s profile, the program runs
//!   to the end. In a container it is PID 1, and when it exits the kernel kills
//!   every other process of the container: the forked child prints its last
//!   line only if it gets to it first.
//! - Under the same profile without `clone`, it dies by SIGSYS at the fork,
//!   after its two lines; runc exits with the shell's status for it, 159.
//! - Under step 2's profile it cannot even start: runc's init is killed at its
//!   first syscall after loading the filter.
//! - A syscall made through x32's numbers is killed even under a profile that
//!   allows everything else.
//! - runc answers ENOSYS to a syscall numbered above every syscall a profile
//!   names, where the step's filter kills it.
//!
//! The book's real-world chapter shows these runs
//! (`docs/transcripts/real-world/runc-*.txt`), and the tests keep them true.
//! They need root and a runc that can run a container here, which a learner's
//! machine seldom has: they are ignored unless asked for, and CI, as root with
//! runc installed (`scripts/install-container-tools.sh`), runs them with
//! `cargo test --workspace -- --include-ignored`. Asked for where they cannot
//! run, they fail, saying what is missing.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use assert_cmd::assert::OutputAssertExt;
use assert_cmd::Command;
use common::filter::{allow_list_filter, TUTORIAL_ALLOW_LIST};
use common::policy::Policy;
use common::tools::oci;
use harness::files::Scratch;
use harness::policy_text::{assert_every_rule_says_why, policy_without_rule};
use harness::running::{sibling_binary, TUTORIAL_INPUT};
use libseccomp::ScmpAction;
use predicates::prelude::*;

/// The workspace's root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Panics, saying what is missing, unless this machine can run containers
/// with runc here: as root, with runc installed, and a container without a
/// profile runs the program (runc needs namespaces and cgroups it may not get
/// inside another container).
fn require_runc() {
    static WORKS: OnceLock<Result<(), String>> = OnceLock::new();
    let works = WORKS.get_or_init(|| {
        // SAFETY: a plain query.
        if unsafe { libc::geteuid() } != 0 {
            return Err("they need root".to_owned());
        }
        require_runc_installed();
        // The program's --help: a container that runs at all, without the
        // program's one-second sleep, which every container test waits for.
        let trial = run_in_container("trial", &step_1_baseline(), &["--help"], None, b"");
        if !trial.status.success() {
            let why = String::from_utf8_lossy(&trial.stderr);
            return Err(format!("runc cannot run a container here: {}", why.trim()));
        }
        Ok(())
    });
    if let Err(missing) = works {
        panic!("the container tests cannot run: {missing}");
    }
}

/// Panics, saying what installs it, unless runc is installed.
fn require_runc_installed() {
    let runc = std::process::Command::new("runc").arg("--version").output();
    assert!(
        runc.is_ok_and(|out| out.status.success()),
        "runc is missing: scripts/install-container-tools.sh installs it"
    );
}

/// The tutorial program, `step-1-baseline`, built if it is not there yet (a
/// test of `common` alone does not build the steps).
fn step_1_baseline() -> PathBuf {
    sibling_binary("step-1-baseline")
}

/// The profile of `policy`'s text, as `--print-filter=oci` prints it.
fn profile_of(file: &str, policy: &str) -> String {
    let policy = Policy::parse(file, policy).unwrap_or_else(|err| panic!("{err}"));
    oci::json(&policy.filter().unwrap()).unwrap()
}

/// The text of `step-4-policy/policies/container.toml`.
fn container_policy() -> String {
    std::fs::read_to_string(workspace().join("step-4-policy/policies/container.toml")).unwrap()
}

/// Runs `program` (with `args`) in a container under `profile` (none: no
/// seccomp at all), with `stdin`, and returns runc's output.
fn run_in_container(
    name: &str,
    program: &Path,
    args: &[&str],
    profile: Option<&str>,
    stdin: &[u8],
) -> Output {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), &format!("container-{name}"));
    let bundle = dir.join("bundle");
    let mut build = Command::new(workspace().join("scripts/container.sh"));
    if let Some(profile) = profile {
        let file = dir.join("profile.json");
        std::fs::write(&file, profile).unwrap();
        build.arg("--profile").arg(&file);
    }
    build
        .arg(&bundle)
        .arg(program)
        .args(args)
        .assert()
        .success();
    let id = format!(
        "seccomp-tutorial-{}-{name}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    );
    let output = Command::new("runc")
        .arg("run")
        .arg("--bundle")
        .arg(&bundle)
        .arg(&id)
        .write_stdin(stdin)
        .timeout(harness::runner::run_timeout())
        .output()
        .unwrap();
    // A container that did not start can be left behind: remove it.
    let _ = std::process::Command::new("runc")
        .args(["delete", "--force", &id])
        .output();
    output
}

/// Runs the tutorial program, `step-1-baseline`, with the tutorial's input in a
/// container under `profile`.
fn run_tutorial(name: &str, profile: &str) -> Output {
    run_in_container(name, &step_1_baseline(), &[], Some(profile), TUTORIAL_INPUT)
}

/// The program's lines up to the fork, then the parent's last line.
const TO_THE_END: &str = "Type stuff here: You typed: hello seccomp\n\
                          And now we fork, which should do quite opposite...\n\
                          You should not see this, because I am dead\n";

/// A transcript of the book's: `docs/transcripts/real-world/NAME`.
fn stored(name: &str) -> String {
    std::fs::read_to_string(workspace().join("docs/transcripts/real-world").join(name)).unwrap()
}

/// The transcript of a run, as a shell shows it: the command, stdout then
/// stderr, and `$?`.
fn transcript(command: &str, output: &Output) -> String {
    format!(
        "$ {command}\n{}{}$ echo $?\n{}\n",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        output.status.code().unwrap_or(-1)
    )
}

/// The command the book shows for a run of the tutorial program in a container.
const RUN_COMMAND: &str = "printf 'hello seccomp\\n' | runc run --bundle bundle tutorial";

#[test]
#[ignore = "needs root and runc: as root, after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn the_program_runs_to_the_end_under_the_container_policy() {
    require_runc();
    let profile = profile_of("container.toml", &container_policy());
    let output = run_tutorial("to-the-end", &profile);
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    // The forked child's last line comes only if it printed before PID 1
    // exited, which killed it.
    let last = TO_THE_END.lines().last().unwrap();
    assert!(
        printed == TO_THE_END || printed == format!("{TO_THE_END}{last}\n"),
        "{printed}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0));
    // The book shows the run in which the child was killed first.
    let book = stored("runc-container.txt");
    let shown = transcript(RUN_COMMAND, &output);
    assert!(
        book == shown
            || book == shown.replacen(&format!("{last}\n{last}\n"), &format!("{last}\n"), 1),
        "the book shows:\n{book}\nthe run printed:\n{shown}"
    );
}

#[test]
#[ignore = "needs root and runc: as root, after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn without_clone_the_program_dies_by_sigsys_at_the_fork() {
    require_runc();
    let without_clone = policy_without_rule(&container_policy(), "clone");
    let profile = profile_of("no-fork.toml", &without_clone);
    let output = run_tutorial("no-fork", &profile);
    output
        .clone()
        .assert()
        .code(128 + libc::SIGSYS)
        .stdout("Type stuff here: You typed: hello seccomp\nAnd now we fork, which should do quite opposite...\n")
        .stderr("");
    assert_eq!(stored("runc-no-fork.txt"), transcript(RUN_COMMAND, &output));
}

#[test]
#[ignore = "needs root and runc: as root, after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn under_step_2_s_profile_the_program_cannot_even_start() {
    require_runc();
    let filter = allow_list_filter(ScmpAction::KillProcess, TUTORIAL_ALLOW_LIST).unwrap();
    let profile = oci::json(&filter).unwrap();
    let output = run_tutorial("step-2", &profile);
    output
        .clone()
        .assert()
        .failure()
        .stdout("")
        .stderr(predicate::str::contains("runc run failed"));
}

/// (x32 is x86_64's: the test is built there only.)
#[test]
#[cfg(target_arch = "x86_64")]
#[ignore = "needs root and runc: as root, after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn an_x32_syscall_is_killed_under_a_profile_that_allows_the_rest() {
    require_runc();
    let probe = sibling_binary("filter-probe");
    let unfiltered = run_in_container("x32-none", &probe, &["none", "x32"], None, b"");
    unfiltered
        .assert()
        .success()
        .stdout(predicate::str::starts_with("survived"));
    let permissive = profile_of(
        "allow.toml",
        "default_action = \"allow\"\n[[rule]]\nsyscall = \"getpgid\"\naction = \"errno EPERM\"\n",
    );
    let killed = run_in_container("x32", &probe, &["none", "x32"], Some(&permissive), b"");
    killed.assert().code(128 + libc::SIGSYS).stdout("");
}

/// `container.toml` is a valid policy, and every rule says who needs it.
#[test]
fn every_rule_of_the_container_policy_says_who_needs_it() {
    let text = container_policy();
    Policy::parse("container.toml", &text).unwrap_or_else(|err| panic!("{err}"));
    assert_every_rule_says_why(&text);
}

/// `scripts/container.sh` replaces a bundle it made, and refuses any other
/// directory (or file, or link) that exists, a bundle made by hand included: a
/// careless `.` must not delete a learner's files. A bad profile is refused
/// before anything is removed, and so are `--profile` without its file, an
/// empty BUNDLE and one that resolves to `/`, with the script's usage.
#[test]
#[ignore = "needs runc: after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn the_bundle_script_replaces_only_a_bundle() {
    require_runc_installed();
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), "container-script");
    // A bundle made by hand, as runc's own README makes one.
    std::fs::create_dir_all(dir.join("mine/rootfs")).unwrap();
    std::fs::write(dir.join("mine/config.json"), "{}").unwrap();
    std::fs::write(dir.join("mine/rootfs/notes.txt"), "mine").unwrap();
    // A symbolic link that points nowhere exists too, even if `test -e` says
    // otherwise: it is refused, not removed.
    std::os::unix::fs::symlink("nowhere", dir.join("link")).unwrap();
    let script = workspace().join("scripts/container.sh");
    let program = step_1_baseline();
    for foreign in ["mine", "link"] {
        Command::new(&script)
            .arg(dir.join(foreign))
            .arg(&program)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("exists and was not made by"));
    }
    assert!(dir.join("mine/rootfs/notes.txt").exists());
    assert!(dir.join("link").symlink_metadata().unwrap().is_symlink());
    for _ in 0..2 {
        Command::new(&script)
            .arg(dir.join("bundle"))
            .arg(&program)
            .assert()
            .success();
    }
    assert!(dir.join("bundle/rootfs/bin/step-1-baseline").exists());
    // A profile that is not JSON is refused before the bundle is touched.
    std::fs::write(dir.join("typo.json"), "{ \"defaultAction\": ").unwrap();
    Command::new(&script)
        .arg("--profile")
        .arg(dir.join("typo.json"))
        .arg(dir.join("bundle"))
        .arg(&program)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a JSON profile"));
    assert!(dir.join("bundle/rootfs/bin/step-1-baseline").exists());
    Command::new(&script).assert().code(2).stderr(
        predicate::str::contains("Usage")
            .or(predicate::str::contains("scripts/container.sh [--profile")),
    );
    // `--profile` without its file is a usage error, not bash's unbound `$2`.
    for args in [&["--profile"][..], &["--profile", ""]] {
        Command::new(&script).args(args).assert().code(2).stderr(
            predicate::str::starts_with("error: --profile needs a FILE.json\n")
                .and(predicate::str::contains("scripts/container.sh [--profile")),
        );
    }
    // An empty BUNDLE, or one that resolves to /, would put the bundle's
    // rootfs and config.json in /: each is a usage error. The script runs as
    // nobody when the test runs as root, so that one which let them through
    // could not write there.
    let as_nobody = |args: &[&str]| {
        // SAFETY: a query without arguments.
        let mut command = if unsafe { libc::geteuid() } == 0 {
            let mut command = Command::new("setpriv");
            command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
            command.arg(&script);
            command
        } else {
            Command::new(&script)
        };
        command.args(args);
        command
    };
    let program = program.to_str().unwrap();
    for (bundle, error) in [
        (
            "",
            "error: BUNDLE is empty, which would put the bundle in /: give a directory of its own\n",
        ),
        (
            "/",
            "error: BUNDLE / resolves to /: give a directory of its own\n",
        ),
        (
            "/tmp/..",
            "error: BUNDLE /tmp/.. resolves to /: give a directory of its own\n",
        ),
    ] {
        as_nobody(&[bundle, program]).assert().code(2).stderr(
            predicate::str::starts_with(error)
                .and(predicate::str::contains("scripts/container.sh [--profile")),
        );
    }
}

/// runc adds one answer of its own to a profile whose default action is not
/// allow or log: a syscall numbered above every syscall the profile names gets
/// ENOSYS, so that a program can fall back from one newer than the profile.
/// Here `container.toml` without its `clone3` rule (and with the `readlink`
/// filter-probe makes at start-up): the step's filter kills `clone3`, which
/// has a higher number than any syscall left, and runc answers it ENOSYS.
#[test]
#[ignore = "needs root and runc: as root, after scripts/install-container-tools.sh, run cargo test --workspace -- --include-ignored"]
fn runc_answers_enosys_above_the_highest_syscall_a_profile_names() {
    require_runc();
    let policy = policy_without_rule(&container_policy(), "clone3")
        + "\n# filter-probe reads its own path.\n[[rule]]\nsyscall = \"readlink\"\naction = \"allow\"\n";
    let parsed = Policy::parse("no-clone3.toml", &policy).unwrap();
    let highest = parsed
        .rules
        .iter()
        .filter_map(|rule| libseccomp::ScmpSyscall::from_name(&rule.syscall).ok())
        .map(|nr| nr.as_raw_syscall())
        .max()
        .unwrap();
    let clone3_nr = libseccomp::ScmpSyscall::from_name("clone3")
        .unwrap()
        .as_raw_syscall();
    assert!(
        clone3_nr > highest,
        "clone3 ({clone3_nr}) is above {highest}"
    );
    let filter = parsed.filter().unwrap();
    let program = common::tools::simulate::filter_program(&filter).unwrap();
    let killed = common::tools::simulate::run(
        &program,
        &common::tools::simulate::SeccompData::native(clone3_nr, [0; 6]),
    )
    .unwrap();
    assert_eq!(killed.action, 0x8000_0000, "the step's filter kills clone3");
    let output = run_in_container(
        "enosys",
        &sibling_binary("filter-probe"),
        &["none", "clone3"],
        Some(&oci::json(&filter).unwrap()),
        b"",
    );
    output
        .assert()
        .success()
        .stdout(format!("survived: failed with errno {}\n", libc::ENOSYS));
}
