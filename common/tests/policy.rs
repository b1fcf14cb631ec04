//! A policy means exactly what it says: generated policies, of several rules for
//! the same syscalls with different actions and every kind of condition, are
//! either refused or compiled into a filter that gives each call the action of
//! the rules it matches (or the default action when it matches none). Rules of
//! one syscall with the same action may match one call; with different actions,
//! they must be refused.
//!
//! Each accepted policy is compiled with libseccomp, and its BPF program is run
//! through `common::tools::simulate` (which the differential test of
//! `common/tests/simulate.rs` holds to the kernel) on the boundary values of
//! every condition: the value, one below and one above, the mask and its edges,
//! each with and without the upper 32 bits set. The answer must be the action the
//! policy's own reading gives ([`Rule::matches`]), which compares a 32-bit
//! argument on its lower half, as the kernel reads it.
//!
//! The policies come from a proptest strategy
//! (`harness::generated::policy_text`): a failing policy is shrunk to a small
//! one, and its seed is kept in `proptest-regressions/` to be tried first the
//! next time. `PROPTEST_RNG_SEED` sets the seed of a run.

use std::cell::Cell;
use std::collections::BTreeSet;

use common::policy::{Action, Policy, Rule};
use common::tools::simulate::{self, SeccompData};
use harness::generated::{calls_to_try, policy_text, ret_of, runner, sample_size};
use libseccomp::ScmpSyscall;
use proptest::test_runner::TestCaseError;

/// How many policies are generated (fewer with `SAMPLE_PERCENT`).
const POLICIES: usize = 3000;

/// Checks one accepted policy: the first wrong answer, or whether some call
/// matched two rules (of the same action, since others are refused).
fn wrong_answer(policy: &Policy) -> Result<bool, String> {
    let filter = match policy.filter() {
        Ok(filter) => filter,
        Err(err) => return Err(format!("accepted, but does not build: {err}")),
    };
    let mut overlapped = false;
    let program = simulate::filter_program(&filter).expect("the program");
    let loaded = simulate::Loaded::load(&program).expect("the kernel loads it");
    for (syscall, nr, args) in calls_to_try(policy) {
        let matching: Vec<&Rule> = policy
            .rules
            .iter()
            .filter(|rule| rule.syscall == syscall && rule.matches(&args))
            .collect();
        overlapped |= matching.len() > 1;
        let matched: BTreeSet<u32> = matching.iter().map(|rule| ret_of(rule.action)).collect();
        if matched.len() > 1 {
            return Err(format!(
                "{syscall}{args:x?} matches rules with different actions"
            ));
        }
        let expected = matched
            .first()
            .copied()
            .unwrap_or(ret_of(policy.default_action));
        let run = loaded.run(&SeccompData::native(nr, args));
        if run.action != expected {
            return Err(format!(
                "{syscall}{args:x?}: the filter returns {:#x}, the policy says {expected:#x}",
                run.action
            ));
        }
    }
    Ok(overlapped)
}

#[test]
fn every_accepted_policy_gives_each_call_the_action_of_its_rule() {
    let policies = sample_size(POLICIES);
    let accepted = Cell::new(0);
    let with_overlaps_refused = Cell::new(0);
    let with_overlaps_accepted = Cell::new(0);
    let result = runner(policies, file!()).run(&policy_text(), |text| {
        let policy = match Policy::parse("generated.toml", &text) {
            Ok(policy) => policy,
            Err(err) => {
                if err
                    .to_string()
                    .contains("so make the conditions exclude each other")
                {
                    with_overlaps_refused.set(with_overlaps_refused.get() + 1);
                }
                return Ok(());
            }
        };
        accepted.set(accepted.get() + 1);
        match wrong_answer(&policy) {
            Ok(overlapped) => {
                with_overlaps_accepted.set(with_overlaps_accepted.get() + usize::from(overlapped));
                Ok(())
            }
            Err(wrong) => Err(TestCaseError::fail(format!("{wrong}; the policy:\n{text}"))),
        }
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    // The generator makes both kinds, or the test proves little. Each run has
    // a seed of its own: the bounds are far below what a run makes (of 750
    // policies, about 265 accepted, 45 refused for overlaps, 60 accepted with
    // overlaps), so that no seed fails them.
    let (accepted, refused, overlapping) = (
        accepted.get(),
        with_overlaps_refused.get(),
        with_overlaps_accepted.get(),
    );
    assert!(
        accepted > policies / 5,
        "only {accepted} of {policies} accepted"
    );
    assert!(
        refused > policies / 40,
        "only {refused} refused for overlapping rules"
    );
    assert!(
        overlapping > policies / 40,
        "only {overlapping} accepted with rules of one action that overlap"
    );
}

/// What the policy chapter says libseccomp 2.5.4 does with rules that a policy
/// now refuses, checked on that version (other versions may differ, and the
/// chapter names the one it measured): each filter is built with libseccomp
/// directly, past the policy's checks, and run through the simulator. Where the
/// workspace builds against another version, the test is ignored (`common`'s
/// build script tells).
#[test]
#[cfg_attr(
    not(libseccomp_2_5_4),
    ignore = "checks libseccomp 2.5.4, Debian 12's, which the policy chapter measured, and another version is installed"
)]
fn libseccomp_2_5_4_gets_these_rules_wrong_as_the_book_says() {
    use libseccomp::{scmp_cmp, ScmpAction, ScmpFilterContext, ScmpVersion};

    let version = ScmpVersion::current().unwrap();
    let measured = (version.major, version.minor, version.micro) == (2, 5, 4);
    if !cfg!(libseccomp_2_5_4) {
        // Asked for where another version is installed (--include-ignored):
        // the chapter names the version it measured, so that its reader knows
        // these are not this library's answers.
        assert!(
            !measured,
            "built against another libseccomp than the one loaded, 2.5.4"
        );
        let chapter = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/en/src/policy.md"
        ))
        .unwrap();
        assert!(chapter.contains("Measured with libseccomp 2.5.4:"));
        return;
    }
    assert!(
        measured,
        "this test checks libseccomp 2.5.4, and the library loaded is {version:?}"
    );
    let write = ScmpSyscall::from_name("write").unwrap();
    let nr = write.as_raw_syscall();
    let eperm = ScmpAction::Errno(libc::EPERM);
    let action = |filter: &ScmpFilterContext, args: [u64; 6]| {
        let program = simulate::filter_program(filter).unwrap();
        simulate::run(&program, &SeccompData::native(nr, args))
            .unwrap()
            .action
    };
    let new = || ScmpFilterContext::new(ScmpAction::KillProcess).unwrap();

    // Allow fd 1, then EPERM for fd 1 and count > 10: the EPERM rule vanishes.
    let mut filter = new();
    filter
        .add_rule_conditional(ScmpAction::Allow, write, &[scmp_cmp!($arg0 == 1)])
        .unwrap();
    filter
        .add_rule_conditional(
            eperm,
            write,
            &[scmp_cmp!($arg0 == 1), scmp_cmp!($arg2 > 10)],
        )
        .unwrap();
    assert_eq!(action(&filter, [1, 0, 11, 0, 0, 0]), ret_of(Action::Allow));
    // The other way round, the second rule is refused.
    let mut filter = new();
    filter
        .add_rule_conditional(
            eperm,
            write,
            &[scmp_cmp!($arg0 == 1), scmp_cmp!($arg2 > 10)],
        )
        .unwrap();
    assert!(filter
        .add_rule_conditional(ScmpAction::Allow, write, &[scmp_cmp!($arg0 == 1)])
        .is_err());
    // EPERM for fd 2, allow count <= 4096: the count is tested first.
    let mut filter = new();
    filter
        .add_rule_conditional(eperm, write, &[scmp_cmp!($arg0 == 2)])
        .unwrap();
    filter
        .add_rule_conditional(ScmpAction::Allow, write, &[scmp_cmp!($arg2 <= 4096)])
        .unwrap();
    assert_eq!(action(&filter, [2, 0, 5, 0, 0, 0]), ret_of(Action::Allow));
    // masked_eq with mask 0 holds always: the rule becomes unconditional, and
    // the other rule of the syscall is dropped.
    let mut filter = new();
    filter
        .add_rule_conditional(ScmpAction::Allow, write, &[scmp_cmp!($arg0 & 0 == 0)])
        .unwrap();
    filter
        .add_rule_conditional(eperm, write, &[scmp_cmp!($arg2 == 7)])
        .unwrap();
    assert_eq!(action(&filter, [1, 0, 7, 0, 0, 0]), ret_of(Action::Allow));
    // Two rules on one 64-bit argument that exclude each other, > (1 << 32) + 3
    // and < 1: a call with 2 gets the first rule's action.
    let mut filter = new();
    filter
        .add_rule_conditional(
            ScmpAction::Allow,
            write,
            &[scmp_cmp!($arg2 > (1 << 32) + 3)],
        )
        .unwrap();
    filter
        .add_rule_conditional(eperm, write, &[scmp_cmp!($arg2 < 1)])
        .unwrap();
    assert_eq!(action(&filter, [0, 0, 2, 0, 0, 0]), ret_of(Action::Allow));
}

/// Every rule of the shipped policy carries a comment saying why it is there.
#[test]
fn every_shipped_rule_says_why() {
    harness::policy_text::assert_every_rule_says_why(common::policy::SHIPPED_POLICY);
}

/// The same 64-bit range in two rules that compare other arguments too is
/// refused: libseccomp 2.5.4 loops for ever building such a filter. The check
/// runs on a thread, so that a regression fails the test instead of hanging it.
#[test]
fn the_same_range_in_rules_of_other_arguments_is_refused() {
    let policy = "default_action = \"kill\"\n\
        \n[[rule]]\nsyscall = \"mmap\"\naction = \"allow\"\n\
        args = [{ arg = 0, op = \"ne\", value = 1 }, { arg = 1, op = \"ge\", value = 5 }]\n\
        \n[[rule]]\nsyscall = \"mmap\"\naction = \"allow\"\n\
        args = [{ arg = 0, op = \"ne\", value = 1 }, { arg = 5, op = \"ge\", value = 5 }]\n";
    let (sent, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let outcome = Policy::parse("test.toml", policy).map(|policy| policy.filter().is_ok());
        let _ = sent.send(outcome.map_err(|err| err.to_string()));
    });
    // Thirty seconds, times the scale of the tests' time limits (emulation).
    let limit = std::time::Duration::from_secs(30) * harness::runner::time_scale();
    let outcome = received
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("the policy is not checked within {limit:?}"));
    let err = outcome.expect_err("refused");
    // On a 32-bit architecture every argument is 32 bits, and the `ne`s take
    // too many comparisons before any range is compared.
    if cfg!(target_pointer_width = "64") {
        assert!(err.contains("compares argument 0 too"), "{err}");
    }
}
