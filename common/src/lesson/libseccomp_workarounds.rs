//! What libseccomp gets wrong, and the checks that keep a policy away from it.
//!
//! libseccomp 2.5.4 (Debian 12's) builds a wrong filter for some pairs of rules
//! that compare one 64-bit argument with a range. A policy that has such a pair
//! is refused by [`crate::policy_check`], with this module's test. The policy
//! chapter of the book shows the wrong filters, and `common/tests/policy.rs`
//! checks them on that version. Rules libseccomp never finishes compiling are
//! stopped by [`crate::compile_limit`].

use libseccomp::ScmpCompareOp;

use crate::condition::{Condition, Width};
use crate::policy::Rule;

/// An argument that one of the rules (of one syscall) compares over 64 bits with
/// `ne`, `lt`, `le`, `gt` or `ge`, and the other compares too, otherwise, if
/// there is one.
/// libseccomp compiles such a comparison to a test of the upper half that can
/// decide alone, then one of the lower half; with another rule on the same
/// argument it can go on to that rule's test of the upper half without loading it
/// again, so that it compares the lower half instead (seen with libseccomp 2.5.4;
/// `common/tests/policy.rs` finds such policies at once when this check is left out).
pub(crate) fn ranges_on_one_argument(rule: &Rule, other: &Rule) -> Option<u32> {
    let is_range = |c: &Condition| {
        c.width == Width::Bits64
            && matches!(
                c.op,
                ScmpCompareOp::NotEqual
                    | ScmpCompareOp::Less
                    | ScmpCompareOp::LessOrEqual
                    | ScmpCompareOp::Greater
                    | ScmpCompareOp::GreaterEqual
            )
    };
    // The same comparison in two rules that compare the same arguments is one
    // node of libseccomp's tree: the shape of the rules one policy rule
    // compiles to (or a profile exported from one). Between rules that compare
    // other arguments too, libseccomp 2.5.4 can loop for ever on it (`mmap`
    // with `arg 0 ne 1` in both, and `arg 1 ge 5` in one, `arg 5 ge 5` in the
    // other), so it is refused there.
    let args = |r: &Rule| r.conditions.iter().map(|c| c.arg).collect::<Vec<_>>();
    let same_arguments = args(rule) == args(other);
    rule.conditions.iter().find_map(|mine| {
        other
            .conditions
            .iter()
            .any(|theirs| {
                theirs.arg == mine.arg
                    && !(same_arguments && theirs == mine)
                    && (is_range(mine) || is_range(theirs))
            })
            .then_some(mine.arg)
    })
}
