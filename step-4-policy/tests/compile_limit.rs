//! No policy keeps step 4 compiling forever. libseccomp sends some rules that
//! compare 64-bit arguments into an endless loop while it adds them
//! (`common::compile_limit`): step 4 compiles under a limit of CPU time, and a
//! policy that passes it is refused in one line that names the rule, with
//! status 2, as any bad policy is, whatever the step was asked to do with it.
//!
//! The tests are built for 64-bit architectures (`tests/main.rs`): on a 32-bit
//! one no argument has an upper half, and a policy that names one is refused
//! before libseccomp.

use std::process::Command;

use common::compile_limit::RULE_LIMIT;
use harness::files::Scratch;
use harness::generated::{runner, sample_size};
use harness::runner::StepRun;
use harness::runner::{run_step, Ending};
use proptest::prelude::*;

const STEP: &str = env!("CARGO_BIN_EXE_step-4-policy");

/// Two `mmap` rules with the same range on argument 0, and on argument 1
/// values whose upper halves differ: libseccomp 2.5.4 and 2.6.0 never finish
/// adding the second.
const ENDLESS: &str = "default_action = \"kill\"\n\
    [[rule]]\nsyscall = \"mmap\"\naction = \"allow\"\n\
    args = [{ arg = 0, op = \"lt\", value = 0x10000 }, { arg = 1, op = \"eq\", value = 4096 }]\n\
    [[rule]]\nsyscall = \"mmap\"\naction = \"allow\"\n\
    args = [{ arg = 0, op = \"lt\", value = 0x10000 }, { arg = 1, op = \"eq\", value = 0x100000000 }]\n";

/// Runs step 4 with `args` after `--policy FILE`, FILE (`policy.toml` in
/// `dir`) holding `policy`.
fn with_policy(dir: &std::path::Path, policy: &str, args: &[&str]) -> StepRun {
    let file = dir.join("policy.toml");
    std::fs::write(&file, policy).unwrap();
    run_step(
        Command::new(STEP).arg("--policy").arg(&file).args(args),
        b"hello seccomp\n",
    )
    .expect("step 4 ends within the runner's limit")
}

/// The policy of the issue that found the loop is refused, however step 4 is
/// asked to use it: to run the program, to print its filter, to simulate a
/// call. Each refusal names the second rule, and comes once the rule has taken
/// the limit of CPU time.
#[test]
fn a_policy_libseccomp_never_finishes_is_refused_naming_the_rule() {
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), "compile-limit-endless");
    let expected = format!(
        "rule 2 (mmap, line 6): libseccomp has not finished adding this rule to the filter \
         after {} s of CPU time, and may never: ",
        RULE_LIMIT.as_secs()
    );
    // Three runs that wait on libseccomp's loop: side by side.
    let modes: [&[&str]; 3] = [
        &[],
        &["--print-filter=bpf"],
        &["--simulate", "mmap(0, 4096)"],
    ];
    let runs: Vec<(&[&str], StepRun)> = std::thread::scope(|scope| {
        let started: Vec<_> = modes
            .iter()
            .enumerate()
            .map(|(index, args)| {
                let dir = dir.join(index.to_string());
                scope.spawn(move || {
                    std::fs::create_dir_all(&dir).unwrap();
                    (*args, with_policy(&dir, ENDLESS, args))
                })
            })
            .collect();
        started.into_iter().map(|run| run.join().unwrap()).collect()
    });
    for (args, run) in runs {
        let stderr = run.stderr_text();
        assert_eq!(run.ending(), Ending::Exited(2), "{args:?}: {stderr}");
        assert_eq!(run.stdout_text(), "", "{args:?}");
        assert!(
            stderr.starts_with("step-4-policy: error: bad policy ")
                && stderr.contains(&format!("policy.toml, {expected}"))
                && stderr.lines().count() == 1,
            "{args:?}: {stderr}"
        );
    }
}

/// A condition of a generated rule: `arg OP value`.
fn condition(arg: u32, op: &str, value: u64) -> String {
    format!("{{ arg = {arg}, op = \"{op}\", value = {value:#x} }}")
}

/// Policies of the shapes that reach libseccomp's merge of 64-bit
/// comparisons, as the policy's checks let them through: two to four rules of
/// `mmap` that compare the same arguments, with the same range on one 64-bit
/// argument, `eq` on another with values whose upper halves differ, and
/// sometimes one more condition, the same in every rule; with one action or
/// two (rules of different actions match different values).
fn merging_policies() -> impl Strategy<Value = String> {
    let range = (
        prop::sample::select(vec![0u32, 5]),
        prop::sample::select(vec!["lt", "le", "gt", "ge", "ne"]),
        prop::sample::select(vec![0x1000u64, 0x10000, 1 << 32, (1 << 33) | 5]),
    );
    let shared = prop::option::of((prop::sample::select(vec!["eq", "ne"]), 0u64..4));
    let rule = (
        0u64..3,
        prop::sample::select(vec![0u64, 0x1000, 7]),
        prop::sample::select(vec!["allow", "allow", "errno EPERM"]),
    );
    (range, shared, prop::collection::vec(rule, 2..=4)).prop_map(
        |((ranged, op, value), shared, rules)| {
            let other = if ranged == 0 { 1 } else { 0 };
            let mut text = "default_action = \"kill\"\n".to_owned();
            for (upper, lower, action) in rules {
                let mut conditions = vec![
                    condition(ranged, op, value),
                    condition(other, "eq", (upper << 32) | lower),
                ];
                if let Some((op, flags)) = shared {
                    conditions.push(condition(4, op, flags));
                }
                text.push_str(&format!(
                    "\n[[rule]]\nsyscall = \"mmap\"\naction = \"{action}\"\nargs = [{}]\n",
                    conditions.join(", ")
                ));
            }
            text
        },
    )
}

/// Every policy of those shapes ends step 4's compile: its filter is printed
/// (status 0), or the policy is refused in one line (status 2), by the checks
/// or by the limit. Enough of them are accepted by the checks that the test
/// reaches libseccomp's merge.
#[test]
fn every_policy_that_reaches_the_merge_of_64_bit_comparisons_ends() {
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), "compile-limit-generated");
    let cases = sample_size(16);
    // A failing case is shrunk to a small policy, and its seed kept beside
    // this file, to be tried first the next time.
    let mut runner = runner(cases, file!());
    let compiled = std::cell::Cell::new(0);
    runner
        .run(&merging_policies(), |policy| {
            let run = with_policy(&dir, &policy, &["--print-filter=bpf"]);
            let stderr = run.stderr_text();
            match run.ending() {
                Ending::Exited(0) => compiled.set(compiled.get() + 1),
                Ending::Exited(2) => {
                    prop_assert!(
                        stderr.starts_with("step-4-policy: error: bad policy ")
                            && stderr.lines().count() == 1,
                        "{stderr}"
                    );
                    if stderr.contains("libseccomp has not finished") {
                        compiled.set(compiled.get() + 1);
                    }
                }
                other => prop_assert!(false, "{other}: {stderr}\n{policy}"),
            }
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert!(
        compiled.get() * 5 >= cases,
        "only {} of {cases} policies reached libseccomp",
        compiled.get()
    );
}
