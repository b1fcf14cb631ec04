//! Generated test cases: how many cases a run takes ([`sample_size`]), and step
//! 4 policies made by a proptest strategy ([`policy_text`]) with the calls to
//! try them on ([`calls_to_try`]), for the tests that check what a compiled
//! policy decides (`common/tests/policy.rs`, `common/tests/oci.rs`).
//!
//! A failing generated policy shrinks to a small one, and proptest keeps its
//! seed in `proptest-regressions/` beside the test file ([`runner`]).

use std::collections::BTreeSet;

use common::condition::LOWER_HALF;
use common::policy::{Action, Policy, Rule};
use libseccomp::{ScmpCompareOp, ScmpSyscall};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestRunner};

/// How many of a generated test's `full` cases to run: all of them, unless
/// `SAMPLE_PERCENT` says less (at least one). `scripts/check-arches.sh` runs the
/// tests under qemu's emulation, where each instruction costs tens of times what
/// it costs natively, with a quarter; every native run runs them all.
pub fn sample_size(full: usize) -> usize {
    let percent = std::env::var("SAMPLE_PERCENT")
        .ok()
        .and_then(|percent| percent.parse::<usize>().ok())
        .unwrap_or(100)
        .min(100);
    (full * percent / 100).max(1)
}

/// The syscalls the generated rules are for, with the arguments they compare:
/// `write` and `clone` have widths the policy knows (a 32-bit descriptor or
/// flags, a 64-bit count), `mount` has none, so its conditions state them.
const SYSCALLS: &[(&str, &[u32])] = &[("write", &[0, 2]), ("clone", &[0]), ("mount", &[2, 3])];

/// Values the conditions compare with, around the edges that matter.
const VALUES: &[u64] = &[
    0,
    1,
    2,
    3,
    17,
    0xff,
    4096,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
    1 << 32,
    (1 << 32) | 3,
    i64::MAX as u64,
];

/// Masks of `masked_eq`.
const MASKS: &[u64] = &[
    0,
    1,
    0xff,
    0x10,
    0xfedf_ffff,
    0xffff_ffff,
    0x8000_0000,
    (1 << 40) | 1,
];

const ACTIONS: &[&str] = &["allow", "kill", "trap", "log", "errno EPERM", "errno 13"];

const OPS: &[&str] = &["eq", "ne", "lt", "le", "ge", "gt", "masked_eq"];

/// What the filter returns for `action`.
pub fn ret_of(action: Action) -> u32 {
    match action {
        Action::Allow => 0x7fff_0000,
        Action::Kill => 0x8000_0000,
        Action::Trap => 0x0003_0000,
        Action::Log => 0x7ffc_0000,
        Action::Errno(errno) => 0x0005_0000 | u32::from(errno),
    }
}

/// One condition of a generated rule on argument `arg` (of `syscall`), or
/// none: a third of the arguments a rule could compare go uncompared.
fn condition(syscall: &'static str, arg: u32, width: u32) -> impl Strategy<Value = Option<String>> {
    let condition =
        (select(OPS), select(VALUES), select(MASKS)).prop_map(move |(op, value, mask)| {
            let mut text = format!("{{ arg = {arg}, op = \"{op}\"");
            let value = if op == "masked_eq" {
                text += &format!(", mask = {mask}");
                value & mask
            } else {
                value
            };
            text += &format!(", value = {value}");
            if syscall == "mount" {
                text += &format!(", width = {width}");
            }
            text + " }"
        });
    prop::option::weighted(2.0 / 3.0, condition)
}

/// One generated `[[rule]]`, for one of [`SYSCALLS`] with one of `actions`;
/// `mount_width` gives the width of each argument `mount`'s rules compare.
fn rule(actions: [&'static str; 2], mount_width: [u32; 2]) -> impl Strategy<Value = String> {
    (select(SYSCALLS), select(actions.to_vec())).prop_flat_map(move |((syscall, args), action)| {
        let conditions: Vec<_> = args
            .iter()
            .enumerate()
            .map(|(index, &arg)| condition(syscall, arg, mount_width[index]))
            .collect();
        conditions.prop_map(move |conditions| {
            let conditions: Vec<String> = conditions.into_iter().flatten().collect();
            format!(
                "\n[[rule]]\nsyscall = \"{syscall}\"\naction = \"{action}\"\nargs = [{}]\n",
                conditions.join(", ")
            )
        })
    })
}

/// Generated policies' texts: a default action and one to four rules for the
/// syscalls of `SYSCALLS`, with every kind of condition. A failing policy
/// shrinks to fewer rules and conditions.
pub fn policy_text() -> impl Strategy<Value = String> {
    // One width for each of mount's arguments in a policy, as a learner would
    // state them, and two actions per policy, so that many rules share one:
    // rules with the same action may overlap, those with different ones may not.
    let widths = [select(&[32u32, 64][..]), select(&[32u32, 64][..])];
    let actions = [select(ACTIONS), select(ACTIONS)];
    (
        select(&["kill", "errno EPERM", "allow"][..]),
        actions,
        widths,
    )
        .prop_flat_map(|(default, actions, mount_width)| {
            prop::collection::vec(rule(actions, mount_width), 1..=4).prop_map(move |rules| {
                format!("default_action = \"{default}\"\n{}", rules.concat())
            })
        })
}

/// A test runner for `cases` generated policies: a failing case is shrunk to a
/// small policy, and its seed kept in `proptest-regressions/` beside the test
/// file (`source`), to be tried first the next time.
pub fn runner(cases: usize, source: &'static str) -> TestRunner {
    TestRunner::new(Config {
        cases: cases as u32,
        source_file: Some(source),
        ..Config::default()
    })
}

/// The boundary values of argument `arg` in the rules for one syscall.
fn boundaries(rules: &[&Rule], arg: u32) -> BTreeSet<u64> {
    let mut values = BTreeSet::from([0, 1 << 32, u64::MAX]);
    for condition in rules.iter().flat_map(|rule| &rule.conditions) {
        if condition.arg != arg {
            continue;
        }
        let v = condition.value;
        let mut edges = vec![v, v.wrapping_sub(1), v.wrapping_add(1)];
        if let ScmpCompareOp::MaskedEqual(mask) = condition.op {
            let lowest = mask & mask.wrapping_neg();
            edges.extend([mask, v | !mask, v ^ lowest, v | (mask & !lowest)]);
        }
        for edge in edges {
            values.extend([
                edge,
                edge & LOWER_HALF,
                edge | (1 << 32),
                edge | !LOWER_HALF,
            ]);
        }
    }
    if cfg!(target_pointer_width = "32") {
        // A 32-bit architecture's registers have no upper half: the kernel
        // passes 0 there, and libseccomp's filters there compare the lower half.
        return values.into_iter().map(|value| value & LOWER_HALF).collect();
    }
    values
}

/// Every combination of the values, one list per argument.
fn combinations(per_arg: &[Vec<u64>; 6]) -> Vec<[u64; 6]> {
    per_arg
        .iter()
        .enumerate()
        .fold(vec![[0; 6]], |calls, (arg, values)| {
            calls
                .iter()
                .flat_map(|call| {
                    values.iter().map(move |&value| {
                        let mut next = *call;
                        next[arg] = value;
                        next
                    })
                })
                .collect()
        })
}

/// The calls to try a policy on: for each syscall it names, every combination
/// of the boundary values of the arguments its rules compare (0 for the others),
/// as (syscall, number, arguments).
pub fn calls_to_try(policy: &Policy) -> Vec<(String, i32, [u64; 6])> {
    let syscalls: BTreeSet<&str> = policy.rules.iter().map(|r| r.syscall.as_str()).collect();
    let mut calls = Vec::new();
    for syscall in syscalls {
        let nr = ScmpSyscall::from_name(syscall).unwrap().as_raw_syscall();
        if nr < 0 {
            // A name this architecture does not have: no call can make it.
            continue;
        }
        let rules: Vec<&Rule> = policy
            .rules
            .iter()
            .filter(|r| r.syscall == syscall)
            .collect();
        let per_arg: [Vec<u64>; 6] = std::array::from_fn(|arg| {
            let compared = rules
                .iter()
                .any(|rule| rule.conditions.iter().any(|c| c.arg as usize == arg));
            if compared {
                boundaries(&rules, arg as u32).into_iter().collect()
            } else {
                vec![0]
            }
        });
        for args in combinations(&per_arg) {
            calls.push((syscall.to_owned(), nr, args));
        }
    }
    calls
}
