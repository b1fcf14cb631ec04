//! What step 4 shows: with what step 3 found added, the program runs to the end;
//! the policy is a file that `--policy` replaces without a rebuild, and a bad one
//! is refused before anything runs. (What the policy holds against is proven in
//! `common/tests/security.rs`.)
//!
//! As in step 1's tests, assert_cmd's `Command` runs the step and `.assert()`
//! checks what it printed and how it ended; `harness::runner` runs it where the
//! forked process's end matters too.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use assert_cmd::assert::OutputAssertExt;
use assert_cmd::Command as CliCommand;
use common::filter::TUTORIAL_ALLOW_LIST;
use common::policy::SHIPPED_POLICY;
use harness::assertions::{
    assert_bpf_checks_the_architecture_first, assert_fails_closed, assert_pfc_names,
    printed_filter, simulated_action,
};
use harness::files::Scratch;
use harness::hostile::Reach;
use harness::policy_text::{policy_without_rule, shipped_policy_without_clone};
use harness::runner::StepRun;
use harness::runner::{run_step, run_timeout, Ending};
use harness::running::{
    no_core_dumps, run, runs_stopped_and_continued, side_by_side, StopAt, OUTPUT_TO_THE_END,
    TUTORIAL_INPUT,
};
use harness::syscalls::{learned_syscalls, SLEEP_SYSCALLS};
use harness::transcripts::assert_run_matches_book;
use predicates::prelude::*;

const STEP: &str = env!("CARGO_BIN_EXE_step-4-policy");

/// Step 4's binary as a CLI test starts it, core dumps off.
fn step_4() -> CliCommand {
    no_core_dumps();
    let mut command = CliCommand::cargo_bin("step-4-policy").unwrap();
    command.timeout(run_timeout());
    command
}

/// Asserts how step 4 refuses what it cannot run: status 2, nothing on
/// stdout, and on stderr one line, which starts with `start`.
#[track_caller]
fn assert_refused_in_one_line(assert: assert_cmd::assert::Assert, start: &str) {
    assert
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(start))
        .stderr(predicate::function(|err: &str| {
            err.lines().count() == 1 && err.ends_with('\n')
        }));
}

/// Exactly step 1's output, and both the step and the child it forked exit 0:
/// neither is killed on its way out (the forked process's end is the runner's
/// addition).
#[test]
fn runs_to_the_end_like_step_1() {
    let run = run(STEP, &[], TUTORIAL_INPUT);
    run.output()
        .assert()
        .success()
        .stderr("")
        .stdout(OUTPUT_TO_THE_END);
    assert_eq!(run.forked, [Ending::Exited(0)]);
}

/// Stopped (Ctrl-Z sends SIGTSTP; or SIGSTOP) and continued (`fg`: SIGCONT) at
/// `at`, step 4 still runs to the end, exactly as when nobody stops it.
fn assert_runs_to_the_end_when_stopped_at(at: StopAt) {
    for (signal, run) in runs_stopped_and_continued(STEP, &[], at) {
        let context = format!("stopped by {signal} at {at:?}: {}", run.stderr_text());
        assert_eq!(run.stdout_text(), OUTPUT_TO_THE_END, "{context}");
        assert_eq!(run.stderr_text(), "", "{context}");
        assert_eq!(run.ending(), Ending::Exited(0), "{context}");
        assert_eq!(run.forked, [Ending::Exited(0)], "{context}");
    }
}

/// Stopped and continued during its one-second sleep: the kernel resumes the
/// interrupted sleep with `restart_syscall`, which the policy allows.
#[test]
fn runs_to_the_end_when_stopped_and_continued_during_the_sleep() {
    assert_runs_to_the_end_when_stopped_at(StopAt::Sleep);
}

/// Stopped and continued while it waits for its input: the kernel makes the
/// interrupted `read` again, from stdin, which the policy allows.
#[test]
fn runs_to_the_end_when_stopped_and_continued_during_the_read() {
    assert_runs_to_the_end_when_stopped_at(StopAt::Read);
}

/// When the filter cannot be loaded, step 4 says so and never runs the program.
#[test]
fn fails_closed_when_no_filter_can_be_loaded() {
    assert_fails_closed(STEP);
}

/// `--help` says what the step teaches and its options, and the program does
/// not run: no prompt, although a line waits on stdin.
#[test]
fn help_says_what_the_step_teaches() {
    step_4()
        .arg("--help")
        .write_stdin(TUTORIAL_INPUT)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("finished policy")
                .and(predicate::str::contains("--policy <FILE>"))
                .and(predicate::str::contains("--learn"))
                .and(predicate::str::contains("rules to append to the policy"))
                .and(predicate::str::contains("--print-filter[=<FORMAT>]"))
                .and(predicate::str::contains("--simulate <CALL>"))
                .and(predicate::str::contains(common::program::PROMPT).not()),
        );
}

// Empty input, a 1 MiB line, raw bytes, and stdout closed, full or without reader.
harness::hostile_stdio_tests!(STEP, Reach::TheEnd);

/// A fresh directory for one test's policy files.
fn policy_dir(test: &str) -> Scratch {
    Scratch::new(env!("CARGO_TARGET_TMPDIR"), test)
}

/// Runs `step-4-policy --policy FILE` in `dir`, as a learner would in the
/// directory of their copy.
fn run_with_policy(dir: &Path, file: &str, stdin: &[u8]) -> StepRun {
    run_step(
        Command::new(STEP).current_dir(dir).args(["--policy", file]),
        stdin,
    )
    .unwrap()
}

/// A copy of the shipped policy given with `--policy` behaves as the built-in one.
#[test]
fn a_copy_of_the_shipped_policy_runs_to_the_end() {
    let dir = policy_dir("policy-copy");
    fs::write(dir.join("policy.toml"), SHIPPED_POLICY).unwrap();
    let run = run_with_policy(&dir, "policy.toml", TUTORIAL_INPUT);
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    assert_eq!(run.forked, [Ending::Exited(0)]);
    assert_eq!(run.stdout_text().lines().count(), 4);
}

/// An edited policy takes effect without a rebuild: without the `clone` rule,
/// glibc's fork is killed by SIGSYS after two lines.
#[test]
fn an_edited_policy_takes_effect_without_rebuilding() {
    let dir = policy_dir("policy-no-fork");
    fs::write(dir.join("no-fork.toml"), shipped_policy_without_clone()).unwrap();
    let run = run_with_policy(&dir, "no-fork.toml", TUTORIAL_INPUT);
    assert_eq!(
        run.stdout_text(),
        "Type stuff here: You typed: hello seccomp\n\
         And now we fork, which should do quite opposite...\n"
    );
    assert!(run.ending().is_sigsys(), "{}", run.ending());
    assert!(run.forked.is_empty(), "{:?}", run.forked);
}

/// Each kind of bad policy is refused before anything is loaded or printed: exit
/// status 2, nothing on stdout, and one line on stderr naming the file, the rule
/// and what is wrong.
#[test]
fn a_bad_policy_is_refused_before_anything_runs() {
    let dir = policy_dir("policy-bad");
    let head = "default_action = \"kill\"\n\n# Reading stdin.\n[[rule]]\nsyscall = \"read\"\naction = \"allow\"\n\n";
    let cases: &[(&str, Option<String>, &str)] = &[
        (
            "empty.toml",
            Some("# nothing yet\n".into()),
            "bad policy empty.toml: the file is empty; a policy needs a `default_action` and at least one [[rule]]",
        ),
        (
            "unparsable.toml",
            Some(format!("{head}[[rule]]\nsyscall = write\n")),
            "bad policy unparsable.toml, rule 2 (line 9): string values must be quoted, expected literal string",
        ),
        (
            "unknown-field.toml",
            Some(format!("{head}[[rule]]\nsyscall = \"write\"\naction = \"allow\"\nfd = 1\n")),
            "bad policy unknown-field.toml, rule 2 (line 8): unknown field `fd`, expected one of `syscall`, `action`, `args`",
        ),
        (
            "unknown-syscall.toml",
            Some(format!("{head}[[rule]]\nsyscall = \"wirte\"\naction = \"allow\"\n")),
            "bad policy unknown-syscall.toml, rule 2 (wirte, line 8): unknown syscall name `wirte`: libseccomp knows no syscall of that name",
        ),
        (
            "arg-index.toml",
            Some(format!("{head}[[rule]]\nsyscall = \"write\"\naction = \"allow\"\nargs = [{{ arg = 6, op = \"eq\", value = 1 }}]\n")),
            "bad policy arg-index.toml, rule 2 (write, line 8): argument index 6 is out of range; a syscall has arguments 0 to 5",
        ),
        (
            "errno.toml",
            Some(format!("{head}[[rule]]\nsyscall = \"clone3\"\naction = \"errno 5000\"\n")),
            "bad policy errno.toml, rule 2 (clone3, line 8): errno 5000 is out of range; a rule may answer with errno 1 to 4094",
        ),
        (
            "mask.toml",
            Some(format!("{head}[[rule]]\nsyscall = \"clone\"\naction = \"allow\"\nargs = [{{ arg = 0, op = \"masked_eq\", mask = 0xff, value = 0x100 }}]\n")),
            "bad policy mask.toml, rule 2 (clone, line 8): value 0x100 has bits outside mask 0xff, so (argument & mask) can never equal it and the rule would never match",
        ),
        (
            "value-bit-63.toml",
            Some(format!("{head}[[rule]]\nsyscall = \"write\"\naction = \"allow\"\nargs = [{{ arg = 2, op = \"eq\", value = 0x8000000000000000 }}]\n")),
            "bad policy value-bit-63.toml, rule 2 (line 11): 0x8000000000000000 is larger than any TOML integer: TOML integers are signed 64-bit, so 0x7FFFFFFFFFFFFFFF at most, and a condition's value or mask cannot name bit 63",
        ),
        (
            "mask-bit-63.toml",
            Some(format!("{head}[[rule]]\nsyscall = \"write\"\naction = \"allow\"\nargs = [\n  {{ arg = 2, op = \"masked_eq\", mask = 18_446_744_073_709_551_615, value = 1 }},\n]\n")),
            "bad policy mask-bit-63.toml, rule 2 (line 12): 18_446_744_073_709_551_615 is larger than any TOML integer: TOML integers are signed 64-bit, so 0x7FFFFFFFFFFFFFFF at most, and a condition's value or mask cannot name bit 63",
        ),
        (
            "missing.toml",
            None,
            "bad policy missing.toml: cannot read it: No such file or directory (os error 2)",
        ),
        (
            "/dev/zero",
            None,
            "bad policy /dev/zero: it is larger than 1048576 bytes, far more than any policy needs",
        ),
    ];
    for (file, text, message) in cases {
        if let Some(text) = text {
            fs::write(dir.join(file), text).unwrap();
        }
        let run = run_with_policy(&dir, file, TUTORIAL_INPUT);
        assert_eq!(
            run.ending(),
            Ending::Exited(2),
            "{file}: {}",
            run.stderr_text()
        );
        assert_eq!(run.stdout_text(), "", "{file}: nothing runs");
        assert_eq!(
            run.stderr_text(),
            format!("step-4-policy: error: {message}\n"),
            "{file}"
        );
        assert!(run.forked.is_empty(), "{file}");
    }
}

/// A session as a shell shows it: the command, what it printed, and `$?`.
fn transcript(command: &str, run: &StepRun) -> String {
    let mut text = format!("$ {command}\n{}{}", run.stdout_text(), run.stderr_text());
    if run.ending().is_sigsys() {
        text.push_str("Bad system call\n");
    }
    text + &format!("$ echo $?\n{}\n", run.ending().shell_status())
}

/// The book's policy chapter, in every language, shows what step 4 really prints
/// for the edited policy, for the policy with a typo (`policies/typo.toml`), and
/// for the one whose rules overlap (`policies/overlap.toml`).
#[test]
fn the_book_shows_what_step_4_prints() {
    let dir = policy_dir("policy-book");
    fs::write(dir.join("no-fork.toml"), shipped_policy_without_clone()).unwrap();
    let no_fork = transcript(
        "printf 'hello seccomp\\n' | step-4-policy --policy no-fork.toml",
        &run_with_policy(&dir, "no-fork.toml", TUTORIAL_INPUT),
    );
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let typo = transcript(
        "step-4-policy --policy typo.toml",
        &run_with_policy(&policies, "typo.toml", b""),
    );
    let overlap = transcript(
        "step-4-policy --policy overlap.toml",
        &run_with_policy(&policies, "overlap.toml", b""),
    );
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    for chapter in ["en/src/policy.md", "zh/src/policy.md"] {
        let text = fs::read_to_string(book.join(chapter)).unwrap();
        for expected in [&no_fork, &typo, &overlap] {
            assert!(
                text.contains(&format!("```text\n{expected}```\n")),
                "{chapter} should show:\n{expected}"
            );
        }
    }
}

/// `--print-filter` shows the policy without running the program: every syscall
/// of the tutorial's allow list (those this architecture has) and the sleep are
/// named in the pseudo filter code, and the BPF form starts with the
/// architecture check.
#[test]
fn print_filter_shows_the_policy_without_running_the_program() {
    let pfc = printed_filter(STEP, &["--print-filter"]);
    assert_pfc_names(&pfc, &[TUTORIAL_ALLOW_LIST, SLEEP_SYSCALLS].concat());
    assert_bpf_checks_the_architecture_first(&printed_filter(STEP, &["--print-filter=bpf"]));
}

/// `--simulate` runs one syscall through the shipped policy's filter: `write`
/// to stdout or stderr is allowed, to descriptor 3 killed, `clone3` answered
/// with ENOSYS, and anything the policy does not name killed.
#[test]
fn simulate_runs_a_syscall_through_the_policy() {
    for fd in [1, 2] {
        let call = format!("write({fd}, 0, 5)");
        assert_eq!(simulated_action(STEP, &[], &call), "ALLOW");
    }
    assert_eq!(
        simulated_action(STEP, &[], "write(3, 0, 5)"),
        "KILL_PROCESS"
    );
    assert_eq!(
        simulated_action(STEP, &[], "clone3"),
        format!("ERRNO({})", libc::ENOSYS)
    );
    assert_eq!(simulated_action(STEP, &[], "getpid"), "KILL_PROCESS");
    // A descriptor is compared as the kernel reads it, on its lower 32 bits:
    // `1 << 32 | 1` is stdout, `1 << 32 | 3` descriptor 3.
    assert_eq!(
        simulated_action(STEP, &[], "write(0x100000001, 0, 5)"),
        "ALLOW"
    );
    assert_eq!(
        simulated_action(STEP, &[], "write(0x100000003, 0, 5)"),
        "KILL_PROCESS"
    );
}

/// Two rules for one syscall that can match the same call are refused with exit
/// status 2 and one line naming both rules and such a call, before anything
/// runs: libseccomp would drop one of them, or test them in an order of its own.
/// So is a condition that holds for every value, and one that names the upper
/// half of a 32-bit argument.
#[test]
fn rules_that_can_match_one_call_are_refused_naming_both() {
    let dir = policy_dir("policy-overlap");
    let head = "default_action = \"kill\"\n";
    let rule = |syscall: &str, action: &str, args: &str| {
        format!("\n[[rule]]\nsyscall = \"{syscall}\"\naction = \"{action}\"\nargs = [{args}]\n")
    };
    let fd = |n: u64| format!("{{ arg = 0, op = \"eq\", value = {n} }}");
    let count_over_10 = "{ arg = 2, op = \"gt\", value = 10 }";
    let cases = [
        (
            "narrower-after.toml",
            format!("{head}{}{}", rule("write", "allow", &fd(1)), rule("write", "errno EPERM", &format!("{}, {count_over_10}", fd(1)))),
            "rule 2 (write, line 8): rule 1 (line 3) gives write(1, 0, 11) the action `allow`, and this rule matches it too",
        ),
        (
            "narrower-before.toml",
            format!("{head}{}{}", rule("write", "errno EPERM", &format!("{}, {count_over_10}", fd(1))), rule("write", "allow", &fd(1))),
            "rule 2 (write, line 8): rule 1 (line 3) gives write(1, 0, 11) the action `errno EPERM`, and this rule matches it too",
        ),
        (
            "two-arguments.toml",
            format!("{head}{}{}", rule("write", "errno EPERM", &fd(2)), rule("write", "allow", "{ arg = 2, op = \"le\", value = 4096 }")),
            "rule 2 (write, line 8): rule 1 (line 3) gives write(2, 0, 0) the action `errno EPERM`, and this rule matches it too",
        ),
        (
            "mask-0.toml",
            format!("{head}{}{}", rule("write", "allow", "{ arg = 0, op = \"masked_eq\", mask = 0, value = 0 }"), rule("write", "allow", &fd(2))),
            "rule 1 (write, line 3): the condition on argument 0 holds for every value; leave it out",
        ),
        (
            "upper-half.toml",
            format!("{head}{}", rule("write", "allow", &fd(1 << 32 | 1))),
            "rule 1 (write, line 3): argument 0 is 32 bits wide and the kernel ignores its upper half, so 0x100000001, which has bits there, cannot be compared with it",
        ),
    ];
    for (file, text, problem) in cases {
        fs::write(dir.join(file), text).unwrap();
        assert_refused_in_one_line(
            step_4()
                .current_dir(&dir)
                .args(["--policy", file])
                .write_stdin(TUTORIAL_INPUT)
                .assert(),
            &format!("step-4-policy: error: bad policy {file}, {problem}"),
        );
    }
}

/// A rule that allows `write` when the descriptor is not 3 keeps
/// `write(1 << 32 | 3, ...)` out of descriptor 3: the condition is on the lower
/// half, as the kernel reads a descriptor. (The kernel's own answer is tested in
/// `common/tests/security.rs`.) And the program, whose writes all go to stdout,
/// runs to the end under it.
#[test]
fn an_ne_rule_on_a_descriptor_holds_against_the_upper_half() {
    let dir = policy_dir("policy-ne");
    let file = "ne.toml";
    let not_3 = SHIPPED_POLICY.replace(
        "args = [{ arg = 0, op = \"eq\", value = 1 }]",
        "args = [{ arg = 0, op = \"ne\", value = 3 }]",
    );
    // The shipped rule for stderr would overlap the new one: drop it.
    let not_3 = not_3.replace(
        "[[rule]]\nsyscall = \"write\"\naction = \"allow\"\nargs = [{ arg = 0, op = \"eq\", value = 2 }]\n",
        "",
    );
    assert_ne!(not_3, SHIPPED_POLICY);
    fs::write(dir.join(file), &not_3).unwrap();
    let simulate = |call: &str| {
        let assert = step_4()
            .current_dir(&dir)
            .args(["--policy", file, "--simulate", call])
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
        stdout.lines().last().unwrap().to_owned()
    };
    assert_eq!(simulate("write(0x100000003, 0, 1)"), "action: KILL_PROCESS");
    assert_eq!(simulate("write(3, 0, 1)"), "action: KILL_PROCESS");
    assert_eq!(simulate("write(0x100000004, 0, 1)"), "action: ALLOW");
    run_with_policy(&dir, file, TUTORIAL_INPUT)
        .output()
        .assert()
        .success()
        .stdout(OUTPUT_TO_THE_END);
}

/// With `--policy`, `--simulate` runs the syscall through that policy's filter;
/// a bad policy is refused first, as without `--simulate`.
#[test]
fn simulate_follows_policy() {
    let dir = policy_dir("policy-simulate");
    let file = dir.join("simulate.toml");
    fs::write(
        &file,
        "default_action = \"kill\"\n\n\
         [[rule]]\nsyscall = \"getpid\"\naction = \"log\"\n\n\
         [[rule]]\nsyscall = \"write\"\naction = \"errno EPERM\"\n\
         args = [{ arg = 0, op = \"eq\", value = 3 }]\n",
    )
    .unwrap();
    let policy = ["--policy", file.to_str().unwrap()];
    assert_eq!(simulated_action(STEP, &policy, "getpid"), "LOG");
    assert_eq!(
        simulated_action(STEP, &policy, "write(3)"),
        format!("ERRNO({})", libc::EPERM)
    );
    assert_eq!(simulated_action(STEP, &policy, "write(4)"), "KILL_PROCESS");
    let typo = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/typo.toml");
    step_4()
        .args(["--policy", typo, "--simulate", "write(1)"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("`wirte`"));
    step_4()
        .args(["--simulate", "write(1, 2"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("step-4-policy: error: --simulate 'write(1, 2': missing ')' after the arguments\n");
}

/// Runs `step-4-policy --learn` with `args` in `dir`, with the tutorial's input.
fn learn_in(dir: &Path, args: &[&str]) -> StepRun {
    run_step(
        Command::new(STEP)
            .current_dir(dir)
            .arg("--learn")
            .args(args),
        TUTORIAL_INPUT,
    )
    .unwrap()
}

/// Asserts that under the policy `file` in `dir`, which had what `--learn`
/// printed added to it, the program runs to the end, and its forked process
/// too, and that `--learn` against it finds nothing more (the two runs side by
/// side).
#[track_caller]
fn assert_runs_to_the_end_and_lacks_nothing(dir: &Path, file: &str) {
    let (after, again) = side_by_side(
        || run_with_policy(dir, file, TUTORIAL_INPUT),
        || learn_in(dir, &["--policy", file]),
    );
    assert_eq!(after.stdout_text(), OUTPUT_TO_THE_END);
    assert_eq!(after.stderr_text(), "");
    assert_eq!(after.ending(), Ending::Exited(0));
    assert_eq!(after.forked, [Ending::Exited(0)]);
    assert!(
        again.stderr_text().ends_with(&format!(
            "\nstep-4-policy: it made no syscall that the policy in {file} does not allow\n"
        )),
        "{}",
        again.stderr_text()
    );
}

/// The shipped policy without its `munmap` rule, and with its `clone` rule
/// narrowed to the flags SIGCHLD alone, which glibc's fork does not match.
fn lacking_policy() -> String {
    let without_munmap = policy_without_rule(SHIPPED_POLICY, "munmap");
    let narrowed = without_munmap.replace(
        "args = [{ arg = 0, op = \"masked_eq\", mask = 0xFEDFFFFF, value = 17 }]",
        &format!(
            "args = [{{ arg = 0, op = \"eq\", value = {} }}]",
            libc::SIGCHLD
        ),
    );
    assert_ne!(narrowed, without_munmap, "the clone rule is narrowed");
    narrowed
}

/// The rules a `--learn` report says to append: the lines after the one that
/// ends with `append these rules to FILE:`.
fn rules_to_append<'a>(stderr: &'a str, file: &str) -> &'a str {
    let line = format!(" append these rules to {file}:\n");
    let start = stderr
        .find(&line)
        .unwrap_or_else(|| panic!("no rules to append:\n{stderr}"));
    &stderr[start + line.len()..]
}

/// `--learn` against the shipped policy runs the program to the end, with its
/// own output and status, and finds nothing the policy lacks. (The supervisor
/// collects the forked child; the report says how it ended.)
#[test]
fn learn_finds_nothing_the_shipped_policy_lacks() {
    let run = run(STEP, &["--learn"], TUTORIAL_INPUT);
    assert_eq!(run.stdout_text(), OUTPUT_TO_THE_END);
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    assert_eq!(
        run.stderr_text(),
        "step-4-policy: the program's process: exit status 0; the process it forked: \
         exit status 0\n\
         step-4-policy: it made no syscall that the policy in step-4-policy/policy.toml \
         does not allow\n"
    );
}

/// The learner's case: a copy of the policy lacks the `munmap` rule, and its
/// `clone` rule is narrowed to the flags SIGCHLD alone, which glibc's fork
/// does not match. `--learn` against it runs the program to the end and lists
/// both; for `munmap` it prints a bare rule, for `clone` one that allows the
/// flags the fork had only. Appended to the file as printed, they make a
/// policy step 4 accepts and runs the program to the end under, against which
/// `--learn` finds nothing more; and the narrowed rule was not widened: a fork
/// into a new user namespace is still killed.
#[test]
fn the_rules_learn_prints_append_to_the_policy_and_the_program_runs_to_the_end() {
    let dir = policy_dir("policy-learn");
    let file = "lacking.toml";
    let narrowed = lacking_policy();
    fs::write(dir.join(file), &narrowed).unwrap();
    let (before, learned) = side_by_side(
        || run_with_policy(&dir, file, TUTORIAL_INPUT),
        || learn_in(&dir, &["--policy", file]),
    );
    assert!(before.ending().is_sigsys(), "{}", before.ending());

    let stderr = learned.stderr_text();
    assert_eq!(learned.stdout_text(), OUTPUT_TO_THE_END, "{stderr}");
    assert_eq!(learned.ending(), Ending::Exited(0), "{stderr}");
    // The book's chapter on discovering syscalls shows this run.
    assert_run_matches_book(
        "discovering/learn-policy.txt",
        "printf 'hello seccomp\\n' | step-4-policy --learn --policy lacking.toml",
        &learned,
    );
    let mut names = learned_syscalls(&learned);
    names.sort();
    assert_eq!(names, ["clone", "munmap"], "{stderr}");
    let rules = rules_to_append(&stderr, file);
    assert!(
        rules.contains("\n[[rule]]\nsyscall = \"munmap\"\naction = \"allow\"\n"),
        "{rules}"
    );
    // The clone rule compares the flags, as the narrowed rule does.
    let clone = "\n[[rule]]\nsyscall = \"clone\"\naction = \"allow\"\nargs = [{ arg = 0, op = \"eq\", value = ";
    assert_eq!(rules.matches("syscall = \"clone\"").count(), 1, "{rules}");
    let at = rules.find(clone).unwrap_or_else(|| panic!("{rules}")) + clone.len();
    let value = rules[at..].split_whitespace().next().unwrap();
    let flags = u64::from_str_radix(value.trim_start_matches("0x"), 16).unwrap();
    assert_ne!(flags, libc::SIGCHLD as u64, "{rules}");
    assert_eq!(flags & 0xFF, libc::SIGCHLD as u64, "{rules}");

    let mut appended = narrowed.clone();
    appended.push_str(rules);
    fs::write(dir.join(file), &appended).unwrap();
    assert_runs_to_the_end_and_lacks_nothing(&dir, file);

    let path = dir.join(file);
    let policy = ["--policy", path.to_str().unwrap()];
    let call = |flags: u64| format!("clone({flags:#x})");
    assert_eq!(simulated_action(STEP, &policy, &call(flags)), "ALLOW");
    assert_eq!(
        simulated_action(STEP, &policy, &call(libc::SIGCHLD as u64)),
        "ALLOW"
    );
    let namespace = flags | libc::CLONE_NEWUSER as u64;
    assert_eq!(
        simulated_action(STEP, &policy, &call(namespace)),
        "KILL_PROCESS"
    );
}

/// A policy `--learn` cannot learn against is refused before anything runs,
/// with one line and status 2: a bad one, as without `--learn`; one whose
/// default action lets every call run; one that forbids the calls that hand
/// the listener to the supervisor.
#[test]
fn learn_refuses_a_policy_it_cannot_learn_against_in_one_line() {
    let dir = policy_dir("policy-learn-refused");
    let rule = "\n# Never.\n[[rule]]\nsyscall = \"getpid\"\naction = \"kill\"\n";
    fs::write(
        dir.join("log.toml"),
        format!("default_action = \"log\"\n{rule}"),
    )
    .unwrap();
    let no_close = "\n# No closing.\n[[rule]]\nsyscall = \"close\"\naction = \"errno EPERM\"\n";
    fs::write(
        dir.join("no-close.toml"),
        format!("{SHIPPED_POLICY}{no_close}"),
    )
    .unwrap();
    let typo = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/typo.toml");
    let cases = [
        (typo, "bad policy "),
        ("missing.toml", "bad policy missing.toml: cannot read it: "),
        (
            "log.toml",
            "--learn cannot learn against log.toml: its default action, `log`, lets every \
             syscall that no rule matches run, so it lacks none",
        ),
        (
            "no-close.toml",
            "--learn cannot learn against no-close.toml: the program's process hands the \
             listener to the supervisor with close(",
        ),
    ];
    for (file, message) in cases {
        for extra in [&[][..], &["--print-filter"][..]] {
            let mut args = vec!["--policy", file];
            args.extend(extra);
            assert_refused_in_one_line(
                learn_in(&dir, &args).output().assert(),
                &format!("step-4-policy: error: {message}"),
            );
        }
    }
}

/// `--learn --print-filter` and `--simulate` show the filter `--learn` loads:
/// the policy's, with USER_NOTIF instead of its default action; what a rule
/// matches gets the rule's action.
#[test]
fn learn_shows_its_filter_the_policy_s_with_notify_for_the_default() {
    let learn = ["--learn"];
    assert_eq!(simulated_action(STEP, &learn, "getpid"), "USER_NOTIF");
    assert_eq!(
        simulated_action(STEP, &learn, "write(3, 0, 5)"),
        "USER_NOTIF"
    );
    assert_eq!(simulated_action(STEP, &learn, "write(1, 0, 5)"), "ALLOW");
    assert_eq!(
        simulated_action(STEP, &learn, "clone3"),
        format!("ERRNO({})", libc::ENOSYS)
    );
    let bpf = printed_filter(STEP, &["--learn", "--print-filter=bpf"]);
    assert_bpf_checks_the_architecture_first(&bpf);
    assert!(bpf.contains("ret USER_NOTIF"), "{bpf}");
    // A container runtime would need a supervisor for it.
    run(STEP, &["--learn", "--print-filter=oci"], b"")
        .output()
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "step-4-policy: error: --print-filter=oci: --learn's filter notifies a supervisor, \
             which a runtime would have to run on a `listenerPath`; export the step's own \
             filter instead (leave out --learn)\n",
        );
}

/// The same policy as a container runtime's JSON profile (`--print-filter=oci`
/// writes it): `--learn` prints entries to add to its `syscalls`, one a line;
/// added there, as an editor adds them, they make a profile step 4 accepts
/// and runs the program to the end under.
#[test]
fn the_entries_learn_prints_add_to_a_json_profile_and_the_program_runs_to_the_end() {
    let dir = policy_dir("policy-learn-json");
    fs::write(dir.join("lacking.toml"), lacking_policy()).unwrap();
    let toml = dir.join("lacking.toml");
    let profile = printed_filter(
        STEP,
        &["--policy", toml.to_str().unwrap(), "--print-filter=oci"],
    );
    let file = "lacking.json";
    fs::write(dir.join(file), &profile).unwrap();

    let learned = learn_in(&dir, &["--policy", file]);
    let stderr = learned.stderr_text();
    assert_eq!(learned.stdout_text(), OUTPUT_TO_THE_END, "{stderr}");
    assert_eq!(learned.ending(), Ending::Exited(0), "{stderr}");
    let line = format!(" add these entries to the syscalls of {file}:\n");
    let start = stderr.find(&line).unwrap_or_else(|| panic!("{stderr}"));
    let entries = &stderr[start + line.len()..];
    let lines: Vec<&str> = entries.lines().collect();
    assert_eq!(lines.len(), 2, "{entries}");
    let clone = "{ \"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": \
                 [{ \"index\": 0, \"value\": ";
    assert!(lines[0].starts_with(clone), "{entries}");
    assert!(lines[0].ends_with(" },"), "{entries}");
    let munmap = "{ \"names\": [\"munmap\"], \"action\": \"SCMP_ACT_ALLOW\", \"comment\": ";
    assert!(lines[1].starts_with(munmap), "{entries}");

    // The profile's `syscalls` is its last field: the entries go before its `]`.
    let end = "\n  ]\n}\n";
    assert!(profile.ends_with(end), "{profile}");
    let body = &profile[..profile.len() - end.len()];
    fs::write(
        dir.join(file),
        format!("{body},\n{}{end}", entries.trim_end()),
    )
    .unwrap();
    assert_runs_to_the_end_and_lacks_nothing(&dir, file);
}

/// When step 4 loads its filter, its process has one thread: the thread that
/// watched libseccomp's compile (`common::compile_limit`) has ended, as the
/// kernel sees it, and no thread that the filter does not cover is left to
/// run beside the program. strace shows each thread's end (`+++ exited`)
/// before the load.
#[test]
fn no_other_thread_lives_when_the_filter_is_loaded() {
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), "one-thread");
    let log = dir.join("strace.log");
    let traced = run_step(
        Command::new("strace")
            .args(["-f", "-o"])
            .arg(&log)
            .arg(STEP),
        TUTORIAL_INPUT,
    )
    .unwrap_or_else(|err| panic!("{}", harness::running::strace_failure(&err)));
    assert_eq!(
        traced.ending(),
        Ending::Exited(0),
        "{}",
        traced.stderr_text()
    );
    let log = fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let pid = |line: &str| line.split_whitespace().next().unwrap_or("").to_owned();
    let load = lines
        .iter()
        .position(|line| line.contains("seccomp(SECCOMP_SET_MODE_FILTER, 0, {len="))
        .unwrap_or_else(|| panic!("no load of the filter in:\n{log}"));
    let main = pid(lines[load]);
    let before: BTreeSet<String> = lines[..load].iter().map(|line| pid(line)).collect();
    for thread in before.iter().filter(|&thread| *thread != main) {
        assert!(
            lines[..load].iter().any(|line| {
                // strace pads the pid to a width that depends on its version.
                let words: Vec<&str> = line.split_whitespace().take(3).collect();
                words == [thread.as_str(), "+++", "exited"]
            }),
            "thread {thread} had not ended when {main} loaded the filter:\n{log}"
        );
    }
    assert!(
        before.len() > 1,
        "the compile's watching thread is in the log"
    );
}
