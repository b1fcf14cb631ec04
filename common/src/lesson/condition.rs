//! What an argument condition of step 4's policy means, and the libseccomp
//! comparisons that mean exactly that.
//!
//! A condition compares one argument of a syscall with a value. Two things make
//! that subtler than it looks, and both have let a filter allow more than its
//! policy said:
//!
//! - **Width.** The kernel passes every argument in a 64-bit register, but reads
//!   many of them as 32-bit types (a descriptor is an `int`) and ignores the upper
//!   half; a filter sees all 64 bits. Compared over 64 bits, `fd ne 3` holds for
//!   `(1 << 32) | 3`, and the kernel then writes to descriptor 3. So every argument
//!   a condition names has a [`Width`]: [`argument_width`] knows them for the
//!   syscalls a learner meets, and a condition on another syscall states it. A
//!   32-bit condition compiles to `masked_eq` comparisons of the lower half only
//!   ([`Condition::comparisons`]), which no upper half can change.
//! - **Overlap.** libseccomp merges the rules of one syscall into one decision
//!   tree, and when two rules with different actions can match the same call it
//!   drops one, or tests them in an order of its own, without a word (rules with
//!   the same action may overlap: the call gets that action). The values a
//!   condition holds for are a union of [`Piece`]s ([`Condition::pieces`]), so
//!   validation can tell whether two rules can both match one call
//!   ([`Condition::common`]).

use std::fmt;

use libseccomp::{ScmpArgCompare, ScmpCompareOp};

/// How many bits of an argument the kernel reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// The lower half only: an `int`, `unsigned int`, `pid_t`, a descriptor.
    Bits32,
    /// All 64 bits: a pointer, a `size_t`, an `unsigned long`, a `loff_t`.
    Bits64,
}

impl Width {
    /// The width a policy writes, `width = 32` or `width = 64`.
    pub fn from_bits(bits: i64) -> Option<Width> {
        match bits {
            32 => Some(Width::Bits32),
            64 => Some(Width::Bits64),
            _ => None,
        }
    }

    /// The largest value an argument of this width holds.
    pub fn max(self) -> u64 {
        match self {
            Width::Bits32 => LOWER_HALF,
            Width::Bits64 => u64::MAX,
        }
    }
}

impl fmt::Display for Width {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Width::Bits32 => f.write_str("32"),
            Width::Bits64 => f.write_str("64"),
        }
    }
}

/// The lower 32 bits of an argument, as a mask.
pub const LOWER_HALF: u64 = 0xFFFF_FFFF;

// ANCHOR: widths
/// The arguments of the syscalls whose widths the policy knows, one character
/// per argument in order: `4` when the kernel reads only the lower 32 bits (an
/// `int`, `unsigned int`, `pid_t`, `uid_t`, `clockid_t`, a descriptor, or clone's
/// flags, of which it takes `lower_32_bits`), `8` when it reads all 64 (a
/// pointer, `size_t`, `loff_t`, `unsigned long`), `?` when it reads the argument
/// some other way, so that a condition on it must state its width and the
/// learner answers for it:
///
/// - another argument decides its width: the third of `fcntl` and `ioctl` (an
///   `int` or a pointer, as the command says), the fourth of `futex` (a pointer
///   to a timeout, or a `u32` count, as the operation says), and the second to
///   fifth of `prctl`, as the option says (`PR_SET_MM` reads its sub-option as an
///   `int`, `PR_SET_NAME` the same argument as a pointer);
/// - it is neither 32 nor 64 bits: the protection and flags of `mmap`, whose
///   unknown upper bits the kernel ignores, and the 16-bit mode of `openat`;
/// - the kernel's version decides: the count of `readv` and `writev`.
///
/// From the kernel's `SYSCALL_DEFINE`s for 64-bit architectures, each argument
/// followed to the function that reads it ([`crate::readers`]); on a 32-bit one
/// the upper half of every argument is 0, and each comparison is exact there too.
pub const ARGUMENT_WIDTHS: &[(&str, &str)] = &[
    ("accept", "488"),
    ("accept4", "4884"),
    ("bind", "484"),
    ("brk", "8"),
    ("clock_nanosleep", "4488"),
    ("clone", "48888"),
    ("clone3", "88"),
    ("close", "4"),
    ("close_range", "444"),
    ("connect", "484"),
    ("dup", "4"),
    ("dup2", "44"),
    ("dup3", "444"),
    ("execve", "888"),
    ("exit", "4"),
    ("exit_group", "4"),
    ("fcntl", "44?"),
    ("fstat", "48"),
    ("futex", "844?84"),
    ("getdents64", "484"),
    ("getpid", ""),
    ("getppid", ""),
    ("getrandom", "884"),
    ("gettid", ""),
    ("ioctl", "44?"),
    ("kill", "44"),
    ("listen", "44"),
    ("lseek", "484"),
    ("madvise", "884"),
    ("mmap", "88??48"),
    ("mprotect", "888"),
    ("munmap", "88"),
    ("nanosleep", "88"),
    ("newfstatat", "4884"),
    ("openat", "484?"),
    ("personality", "4"),
    ("prctl", "4????"),
    ("pread64", "4888"),
    ("pwrite64", "4888"),
    ("read", "488"),
    ("readv", "48?"),
    ("recvfrom", "488488"),
    ("recvmsg", "484"),
    ("restart_syscall", ""),
    ("rt_sigaction", "4888"),
    ("rt_sigprocmask", "4888"),
    ("rt_sigreturn", ""),
    ("sched_yield", ""),
    ("sendmsg", "484"),
    ("sendto", "488484"),
    ("set_robust_list", "88"),
    ("setgid", "4"),
    ("setns", "44"),
    ("setuid", "4"),
    ("shutdown", "44"),
    ("sigaltstack", "88"),
    ("sigreturn", ""),
    ("socket", "444"),
    ("tgkill", "444"),
    ("tkill", "44"),
    ("umask", "4"),
    ("unshare", "8"),
    ("wait4", "4848"),
    ("write", "488"),
    ("writev", "48?"),
];
// ANCHOR_END: widths

/// What the policy knows of the width of argument `arg` of `syscall`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgumentWidth {
    /// The kernel reads it with this width.
    Known(Width),
    /// The syscall has this many arguments, and `arg` is not one of them.
    NoSuchArgument(usize),
    /// Nothing: a condition on it states its width.
    Unknown,
    /// The kernel reads it neither as 32 nor as 64 bits (`?` in the table): a
    /// condition on it states a width, and is exact only for what it names.
    Neither,
}

/// What the policy knows of argument `arg` of `syscall` ([`ARGUMENT_WIDTHS`]).
pub fn argument_width(syscall: &str, arg: u32) -> ArgumentWidth {
    let Some(&(_, widths)) = ARGUMENT_WIDTHS.iter().find(|(name, _)| *name == syscall) else {
        return ArgumentWidth::Unknown;
    };
    match widths.as_bytes().get(arg as usize) {
        None => ArgumentWidth::NoSuchArgument(widths.len()),
        Some(b'4') => ArgumentWidth::Known(Width::Bits32),
        Some(b'8') => ArgumentWidth::Known(Width::Bits64),
        Some(_) => ArgumentWidth::Neither,
    }
}

/// A condition on one argument: `argument[arg] OP value`, over `width` bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    /// The argument's index, 0 to 5.
    pub arg: u32,
    /// libseccomp's comparison; `MaskedEqual(mask)` compares `argument & mask`.
    pub op: ScmpCompareOp,
    /// The value the argument is compared with.
    pub value: u64,
    /// How many bits of the argument the kernel reads, and the condition compares.
    pub width: Width,
}

/// A set of values of one 64-bit argument: the values a condition holds for are
/// the union of a few disjoint pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// The values from `low` to `high`, both included.
    Range {
        /// The smallest value.
        low: u64,
        /// The largest value.
        high: u64,
    },
    /// The values `x` with `x & mask == value`.
    Masked {
        /// The bits compared.
        mask: u64,
        /// What they must be.
        value: u64,
    },
}

impl Piece {
    /// Whether `x` is in the piece.
    pub fn holds(self, x: u64) -> bool {
        match self {
            Piece::Range { low, high } => (low..=high).contains(&x),
            Piece::Masked { mask, value } => x & mask == value,
        }
    }

    /// A value in both pieces (the least one), if there is one.
    pub fn common(self, other: Piece) -> Option<u64> {
        match (self, other) {
            (Piece::Range { low, high }, Piece::Range { low: l, high: h }) => {
                (low <= h && l <= high).then_some(low.max(l))
            }
            (Piece::Masked { mask, value }, Piece::Masked { mask: m, value: v }) => {
                ((value ^ v) & mask & m == 0).then_some(value | v)
            }
            (Piece::Range { low, high }, Piece::Masked { mask, value })
            | (Piece::Masked { mask, value }, Piece::Range { low, high }) => {
                least_at_or_above(low, mask, value).filter(|&x| x <= high)
            }
        }
    }

    /// Whether some value is in both pieces.
    pub fn meets(self, other: Piece) -> bool {
        self.common(other).is_some()
    }
}

/// The least `x >= low` with `x & mask == value`, if there is one (`value` has no
/// bit outside `mask`).
///
/// Either `low` itself, or a value that agrees with `low` above some bit `i`, has
/// a 1 at `i` where `low` has a 0, and is as small as the mask lets it be below
/// `i`; the lowest such `i` gives the least value.
pub fn least_at_or_above(low: u64, mask: u64, value: u64) -> Option<u64> {
    if low & mask == value {
        return Some(low);
    }
    (0..64).find_map(|i| {
        let bit = 1u64 << i;
        // The bits above i (none above bit 63).
        let above = !((bit << 1).wrapping_sub(1));
        let prefix_fits = (low ^ value) & mask & above == 0;
        let can_set = low & bit == 0 && (mask & bit == 0 || value & bit != 0);
        (prefix_fits && can_set).then(|| (low & above) | bit | (value & (bit - 1)))
    })
}

impl Condition {
    /// The condition as one libseccomp comparison, over all 64 bits.
    fn comparison(&self, op: ScmpCompareOp, value: u64) -> ScmpArgCompare {
        ScmpArgCompare::new(self.arg, op, value)
    }

    /// Whether the condition holds for an argument with the raw 64-bit value `x`,
    /// as the kernel passes it to the filter.
    pub fn holds(&self, x: u64) -> bool {
        self.pieces().iter().any(|piece| piece.holds(x))
    }

    /// The values of the argument the condition holds for, as disjoint pieces
    /// (none when it never holds). Over 32 bits, every piece leaves the upper half
    /// free.
    pub fn pieces(&self) -> Vec<Piece> {
        let v = self.value;
        let range = |low, high| Piece::Range { low, high };
        match (self.width, self.op) {
            (_, ScmpCompareOp::MaskedEqual(mask)) => vec![Piece::Masked { mask, value: v }],
            (Width::Bits64, op) => match op {
                ScmpCompareOp::Equal => vec![range(v, v)],
                ScmpCompareOp::NotEqual => [
                    v.checked_sub(1).map(|high| range(0, high)),
                    v.checked_add(1).map(|low| range(low, u64::MAX)),
                ]
                .into_iter()
                .flatten()
                .collect(),
                ScmpCompareOp::Less => v.checked_sub(1).map(|h| range(0, h)).into_iter().collect(),
                ScmpCompareOp::LessOrEqual => vec![range(0, v)],
                ScmpCompareOp::GreaterEqual => vec![range(v, u64::MAX)],
                ScmpCompareOp::Greater => v
                    .checked_add(1)
                    .map(|l| range(l, u64::MAX))
                    .into_iter()
                    .collect(),
                // `MaskedEqual` is matched above, and a policy makes no other.
                _ => unreachable!("a comparison a policy does not make: {op:?}"),
            },
            (Width::Bits32, op) => lower_half_pieces(op, v),
        }
    }

    /// The libseccomp comparisons whose union is exactly the condition: one for
    /// a 64-bit condition; for a 32-bit one, one `masked_eq` of the lower half per
    /// piece (one for `eq`, up to 32 for `ne` or an inequality).
    pub fn comparisons(&self) -> Vec<ScmpArgCompare> {
        match self.width {
            Width::Bits64 => vec![self.comparison(self.op, self.value)],
            Width::Bits32 => self
                .pieces()
                .into_iter()
                .map(|piece| match piece {
                    Piece::Masked { mask, value } => {
                        self.comparison(ScmpCompareOp::MaskedEqual(mask), value)
                    }
                    Piece::Range { .. } => unreachable!("32-bit pieces are masked"),
                })
                .collect(),
        }
    }

    /// A value of the argument that meets both conditions (on the same
    /// argument), if there is one.
    pub fn common(&self, other: &Condition) -> Option<u64> {
        let theirs = other.pieces();
        self.pieces()
            .iter()
            .flat_map(|mine| theirs.iter().filter_map(|their| mine.common(*their)))
            .min()
    }

    /// A value of the argument the condition holds for (the least one), if there is one.
    pub fn example(&self) -> Option<u64> {
        self.common(&Condition {
            op: ScmpCompareOp::MaskedEqual(0),
            value: 0,
            ..*self
        })
    }

    /// Whether the condition holds for no value.
    pub fn never_holds(&self) -> bool {
        self.pieces().is_empty()
    }

    /// Whether the condition holds for every value.
    pub fn always_holds(&self) -> bool {
        let max = self.width.max();
        match self.op {
            ScmpCompareOp::MaskedEqual(mask) => mask & max == 0,
            ScmpCompareOp::LessOrEqual => self.value >= max,
            ScmpCompareOp::GreaterEqual => self.value == 0,
            _ => false,
        }
    }
}

/// The pieces of `lower half OP v` as `masked_eq`s of the lower half: a range of
/// 32-bit values is the union of at most 32 disjoint prefixes, each one the bits
/// from some bit `i` up, and free below it.
fn lower_half_pieces(op: ScmpCompareOp, v: u64) -> Vec<Piece> {
    // From bit i up to bit 31.
    let from = |i: u32| LOWER_HALF & !((1u64 << i) - 1);
    // Lower halves below v: agree with v above some bit i where v has a 1, and have
    // a 0 there.
    let below = |v: u64| -> Vec<Piece> {
        (0..32)
            .rev()
            .filter(|&i| v & (1 << i) != 0)
            .map(|i| Piece::Masked {
                mask: from(i),
                value: v & from(i) & !(1 << i),
            })
            .collect()
    };
    // Lower halves above v: agree with v above some bit i where v has a 0, and
    // have a 1 there.
    let above = |v: u64| -> Vec<Piece> {
        (0..32)
            .rev()
            .filter(|&i| v & (1 << i) == 0)
            .map(|i| Piece::Masked {
                mask: from(i),
                value: (v & from(i)) | (1 << i),
            })
            .collect()
    };
    let all = vec![Piece::Masked { mask: 0, value: 0 }];
    match op {
        ScmpCompareOp::Equal => vec![Piece::Masked {
            mask: LOWER_HALF,
            value: v,
        }],
        ScmpCompareOp::NotEqual => [below(v), above(v)].concat(),
        ScmpCompareOp::Less => below(v),
        ScmpCompareOp::LessOrEqual if v >= LOWER_HALF => all,
        ScmpCompareOp::LessOrEqual => below(v + 1),
        ScmpCompareOp::GreaterEqual if v == 0 => all,
        ScmpCompareOp::GreaterEqual => above(v - 1),
        ScmpCompareOp::Greater => above(v),
        ScmpCompareOp::MaskedEqual(mask) => vec![Piece::Masked { mask, value: v }],
        _ => unreachable!("a comparison a policy does not make: {op:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPS: [ScmpCompareOp; 6] = [
        ScmpCompareOp::Equal,
        ScmpCompareOp::NotEqual,
        ScmpCompareOp::Less,
        ScmpCompareOp::LessOrEqual,
        ScmpCompareOp::GreaterEqual,
        ScmpCompareOp::Greater,
    ];

    /// What the comparison means, written the plain way.
    fn plainly(op: ScmpCompareOp, x: u64, v: u64) -> bool {
        match op {
            ScmpCompareOp::Equal => x == v,
            ScmpCompareOp::NotEqual => x != v,
            ScmpCompareOp::Less => x < v,
            ScmpCompareOp::LessOrEqual => x <= v,
            ScmpCompareOp::GreaterEqual => x >= v,
            ScmpCompareOp::Greater => x > v,
            ScmpCompareOp::MaskedEqual(mask) => x & mask == v,
            _ => unreachable!(),
        }
    }

    /// Values around the edges of 32 and 64 bits and around `v`.
    fn edges(v: u64) -> Vec<u64> {
        let mut values = vec![0, 1, 2, LOWER_HALF - 1, LOWER_HALF, 1 << 32, u64::MAX - 1];
        values.push(u64::MAX);
        for x in [v.wrapping_sub(1), v, v.wrapping_add(1)] {
            values.extend([x, x & LOWER_HALF, x | (1 << 32), x | !LOWER_HALF]);
        }
        values
    }

    #[test]
    fn a_64_bit_condition_holds_as_its_comparison_says() {
        for op in OPS {
            for v in [0, 1, 3, 17, LOWER_HALF, 1 << 32, u64::MAX - 1, u64::MAX] {
                let condition = Condition {
                    arg: 0,
                    op,
                    value: v,
                    width: Width::Bits64,
                };
                for x in edges(v) {
                    assert_eq!(
                        condition.holds(x),
                        plainly(op, x, v),
                        "{op:?} {v:#x}, {x:#x}"
                    );
                }
            }
        }
    }

    /// A 32-bit condition compares the lower half only, whatever the upper half
    /// holds: `fd ne 3` does not hold for `(1 << 32) | 3`.
    #[test]
    fn a_32_bit_condition_ignores_the_upper_half() {
        for op in OPS {
            for v in [0, 1, 3, 17, 0x8000_0000, LOWER_HALF - 1, LOWER_HALF] {
                let condition = Condition {
                    arg: 0,
                    op,
                    value: v,
                    width: Width::Bits32,
                };
                for x in edges(v) {
                    assert_eq!(
                        condition.holds(x),
                        plainly(op, x & LOWER_HALF, v),
                        "{op:?} {v:#x}, {x:#x}"
                    );
                }
                // The pieces are disjoint: each value is in one at most.
                let pieces = condition.pieces();
                for x in edges(v) {
                    assert!(pieces.iter().filter(|p| p.holds(x)).count() <= 1);
                }
                assert!(condition.comparisons().len() <= 32);
            }
        }
        let ne = Condition {
            arg: 0,
            op: ScmpCompareOp::NotEqual,
            value: 3,
            width: Width::Bits32,
        };
        assert!(!ne.holds((1 << 32) | 3));
    }

    #[test]
    fn always_and_never_are_found() {
        let condition = |op, value, width| Condition {
            arg: 0,
            op,
            value,
            width,
        };
        for width in [Width::Bits32, Width::Bits64] {
            let max = width.max();
            assert!(condition(ScmpCompareOp::Less, 0, width).never_holds());
            assert!(condition(ScmpCompareOp::Greater, max, width).never_holds());
            assert!(condition(ScmpCompareOp::LessOrEqual, max, width).always_holds());
            assert!(condition(ScmpCompareOp::GreaterEqual, 0, width).always_holds());
            assert!(condition(ScmpCompareOp::MaskedEqual(0), 0, width).always_holds());
            assert!(!condition(ScmpCompareOp::NotEqual, 0, width).never_holds());
            assert!(!condition(ScmpCompareOp::Less, 1, width).always_holds());
        }
    }

    /// [`least_at_or_above`] against a search of every value, on small numbers.
    #[test]
    fn the_least_masked_value_is_found() {
        for low in 0..64u64 {
            for mask in 0..32u64 {
                for value in (0..32u64).filter(|v| v & !mask == 0) {
                    let searched = (low..256).find(|x| x & mask == value);
                    assert_eq!(
                        least_at_or_above(low, mask, value),
                        searched,
                        "low {low}, mask {mask:#b}, value {value:#b}"
                    );
                }
            }
        }
        assert_eq!(least_at_or_above(u64::MAX, 1, 0), None);
        assert_eq!(least_at_or_above(u64::MAX - 1, 1, 1), Some(u64::MAX));
        assert_eq!(least_at_or_above(5, 1 << 63, 1 << 63), Some(1 << 63));
    }

    /// [`Piece::meets`] against a search of every value, on small numbers.
    #[test]
    fn pieces_meet_exactly_when_a_value_is_in_both() {
        let mut pieces = Vec::new();
        for low in [0u64, 1, 3, 8, 13, 31] {
            for high in [0u64, 2, 7, 8, 20, 31] {
                if low <= high {
                    pieces.push(Piece::Range { low, high });
                }
            }
        }
        for mask in [0u64, 1, 3, 8, 12, 31] {
            for value in [0u64, 1, 2, 8, 12, 21] {
                if value & !mask == 0 {
                    pieces.push(Piece::Masked { mask, value });
                }
            }
        }
        for &a in &pieces {
            for &b in &pieces {
                let searched = (0..32u64).find(|&x| a.holds(x) && b.holds(x));
                assert_eq!(a.common(b), searched, "{a:?} and {b:?}");
            }
        }
    }

    #[test]
    fn widths_are_known_for_common_syscalls() {
        assert_eq!(
            argument_width("write", 0),
            ArgumentWidth::Known(Width::Bits32)
        );
        assert_eq!(
            argument_width("write", 2),
            ArgumentWidth::Known(Width::Bits64)
        );
        assert_eq!(argument_width("write", 3), ArgumentWidth::NoSuchArgument(3));
        assert_eq!(
            argument_width("getpid", 0),
            ArgumentWidth::NoSuchArgument(0)
        );
        assert_eq!(argument_width("mmap", 2), ArgumentWidth::Neither);
        // The option decides how the kernel reads prctl's other arguments.
        assert_eq!(
            argument_width("prctl", 0),
            ArgumentWidth::Known(Width::Bits32)
        );
        for arg in 1..=4 {
            assert_eq!(
                argument_width("prctl", arg),
                ArgumentWidth::Neither,
                "{arg}"
            );
        }
        assert_eq!(argument_width("mount", 0), ArgumentWidth::Unknown);
        // Every name is one libseccomp knows, and none is listed twice.
        for (index, (name, widths)) in ARGUMENT_WIDTHS.iter().enumerate() {
            assert!(crate::filter::resolve(name).is_ok(), "{name}");
            assert!(widths.len() <= 6, "{name}");
            assert!(widths.bytes().all(|b| b"48?".contains(&b)), "{name}");
            assert!(
                ARGUMENT_WIDTHS[..index].iter().all(|(n, _)| n < name),
                "{name}: the table is sorted, each name once"
            );
        }
    }
}
