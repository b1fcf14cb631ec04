//! Generated test cases: the pseudo-random generator [`Rng`], how many cases a
//! run takes ([`sample_size`]), and random step 4 policies with the calls to
//! try them on ([`random_policy`], [`calls_to_try`]), for the tests that check
//! what a compiled policy decides (`common/tests/policy.rs`,
//! `common/tests/oci.rs`).
//!
//! They are kept in one module because they belong together: one change can
//! replace them all with proptest's strategies and shrinking, which step 4's
//! tests already use.

use std::collections::BTreeSet;

use common::condition::LOWER_HALF;
use common::policy::{Action, Policy, Rule};
use libseccomp::{ScmpCompareOp, ScmpSyscall};

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

/// A small pseudo-random generator for the tests that generate their cases
/// (splitmix64: a few lines, no dependency, the same numbers everywhere), so that
/// a failure can print its seed and be run again.
pub struct Rng(pub u64);

impl Rng {
    /// The seed in environment variable `var` (hexadecimal, `0x` optional), or `default`.
    pub fn seed_from_env(var: &str, default: u64) -> u64 {
        std::env::var(var)
            .ok()
            .and_then(|seed| u64::from_str_radix(seed.trim_start_matches("0x"), 16).ok())
            .unwrap_or(default)
    }

    /// The next number.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
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

/// The actions of the rules.
const ACTIONS: &[&str] = &["allow", "kill", "trap", "log", "errno EPERM", "errno 13"];

/// The comparisons of the conditions.
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

/// The text of a random policy: a default action and one to four rules for
/// the syscalls of `SYSCALLS`, with conditions on their arguments.
pub fn random_policy(rng: &mut Rng) -> String {
    let default = rng.pick(&["kill", "errno EPERM", "allow"]);
    let mut text = format!("default_action = \"{default}\"\n");
    // One width for each of mount's arguments in this policy, as a learner
    // would state them.
    let mount_width = [rng.pick(&[32, 64]), rng.pick(&[32, 64])];
    // Two actions per policy, so that many rules share one: rules with the same
    // action may overlap, those with different ones may not.
    let actions = [rng.pick(ACTIONS), rng.pick(ACTIONS)];
    for _ in 0..1 + rng.below(4) {
        let (syscall, args) = rng.pick(SYSCALLS);
        let action = rng.pick(&actions);
        text += &format!("\n[[rule]]\nsyscall = \"{syscall}\"\naction = \"{action}\"\nargs = [");
        let mut conditions = Vec::new();
        for (index, &arg) in args.iter().enumerate() {
            if rng.below(3) == 0 {
                continue;
            }
            let op = rng.pick(OPS);
            let mut value = rng.pick(VALUES);
            let mut condition = format!("{{ arg = {arg}, op = \"{op}\"");
            if op == "masked_eq" {
                let mask = rng.pick(MASKS);
                value &= mask;
                condition += &format!(", mask = {mask}");
            }
            condition += &format!(", value = {value}");
            if syscall == "mount" {
                condition += &format!(", width = {}", mount_width[index]);
            }
            conditions.push(condition + " }");
        }
        text += &conditions.join(", ");
        text += "]\n";
    }
    text
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
