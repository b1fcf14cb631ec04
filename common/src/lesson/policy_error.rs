//! What can be wrong with a policy, and how a refusal names it: one line with
//! the file, the rule and the mistake (`bad policy FILE, rule 3 (write, line
//! 12): …`), and exit status 2.
//!
//! Every check of [`crate::policy_check`], [`crate::policy_file`] and
//! [`crate::policy_json`] ends in one [`PolicyProblem`], wrapped in a
//! [`PolicyError`] that says where it is. The limits a policy is held to are
//! here too, as the messages name them.

use std::fmt;

use crate::condition::Width;
use crate::error::StepError;
use crate::filter::MAX_INSTRUCTIONS;

/// The highest argument index a condition may name: a syscall has six arguments.
pub const MAX_ARG_INDEX: u32 = 5;

/// The errnos a rule may answer with. The kernel returns at most `MAX_ERRNO`
/// (4095) and libseccomp accepts less than that; 0 would make the syscall look
/// successful without running it, which is never what a typo meant.
pub const ERRNO_RANGE: std::ops::RangeInclusive<u16> = 1..=4094;

/// The most libseccomp rules one policy rule may compile to: two 32-bit `ne`
/// conditions would take 32 × 32.
pub const MAX_COMPARISONS: usize = 64;

/// The most libseccomp rules a whole policy may compile to.
pub const MAX_POLICY_COMPARISONS: usize = 1024;

/// The largest policy file `--policy` reads: a thousand commented rules fit with
/// room to spare.
pub const MAX_POLICY_BYTES: u64 = 1 << 20;

/// Where a rule is in its file, as messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A `[[rule]]` of a TOML policy: its number, counted from 1, and the line of
    /// its header, counted from 1.
    Toml {
        /// The rule's number.
        rule: usize,
        /// The line of its `[[rule]]` header.
        line: usize,
    },
    /// An entry of a JSON profile's `syscalls`, counted from 0 as JSON paths count.
    Json(usize),
    /// One of the rules that step 4's `--learn` adds to hand its listener over
    /// to the supervisor: they are in no file.
    HandOver,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Origin::Toml { rule, line } => write!(f, "rule {rule} (line {line})"),
            Origin::Json(entry) => write!(f, "syscalls[{entry}]"),
            Origin::HandOver => f.write_str("the rules that hand --learn's listener over"),
        }
    }
}

/// A policy that was refused: which file, which rule, and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.one_line())]
pub struct PolicyError {
    /// The file, as given on the command line or [`SHIPPED_POLICY_FILE`](crate::policy::SHIPPED_POLICY_FILE).
    pub file: String,
    /// The rule, counted from 1 in the file's order, when the problem is in one.
    pub rule: Option<usize>,
    /// That rule's syscall, when it could be read.
    pub syscall: Option<String>,
    /// The line, counted from 1, when it is known.
    pub line: Option<usize>,
    /// In a JSON profile, the entry of `syscalls` the problem is in, counted
    /// from 0 as JSON paths count.
    pub entry: Option<usize>,
    /// What is wrong.
    #[source]
    pub problem: PolicyProblem,
}

impl PolicyError {
    /// A problem with the rule of `syscall` at `origin` in `file`.
    pub(crate) fn at(
        file: &str,
        origin: Origin,
        syscall: &str,
        problem: PolicyProblem,
    ) -> PolicyError {
        let (number, line, entry) = match origin {
            Origin::Toml { rule, line } => (Some(rule), Some(line), None),
            Origin::Json(entry) => (None, None, Some(entry)),
            Origin::HandOver => (None, None, None),
        };
        PolicyError {
            rule: number,
            syscall: Some(syscall.to_owned()),
            line,
            entry,
            ..PolicyError::whole(file, problem)
        }
    }

    /// A problem with the file as a whole.
    pub(crate) fn whole(file: &str, problem: PolicyProblem) -> PolicyError {
        PolicyError {
            file: file.to_owned(),
            rule: None,
            syscall: None,
            line: None,
            entry: None,
            problem,
        }
    }

    /// `bad policy FILE, PLACE: PROBLEM`, on one line whatever the file holds: a
    /// newline or another control character in a name is written escaped.
    fn one_line(&self) -> String {
        format!("bad policy {}{}: {}", self.file, self.place(), self.problem)
            .chars()
            .flat_map(|c| {
                let escaped: Vec<char> = if c.is_control() {
                    c.escape_default().collect()
                } else {
                    vec![c]
                };
                escaped
            })
            .collect()
    }

    /// `, rule 3 (write, line 12)`, `, line 4`, `, syscalls[3] (write)`, or nothing.
    fn place(&self) -> String {
        if let Some(entry) = self.entry {
            return match &self.syscall {
                Some(syscall) => format!(", syscalls[{entry}] ({syscall})"),
                None => format!(", syscalls[{entry}]"),
            };
        }
        let line = self.line.map(|line| format!("line {line}"));
        match (self.rule, &self.syscall, line) {
            (Some(rule), Some(syscall), Some(line)) => format!(", rule {rule} ({syscall}, {line})"),
            (Some(rule), _, Some(line)) => format!(", rule {rule} ({line})"),
            (Some(rule), _, None) => format!(", rule {rule}"),
            (None, _, Some(line)) => format!(", {line}"),
            (None, _, None) => String::new(),
        }
    }
}

impl From<PolicyError> for StepError {
    fn from(err: PolicyError) -> StepError {
        StepError::Policy(Box::new(err))
    }
}

/// What is wrong with a policy.
#[derive(Debug, thiserror::Error)]
pub enum PolicyProblem {
    /// The file could not be read.
    #[error("cannot read it: {0}")]
    Unreadable(#[source] std::io::Error),
    /// The file holds nothing but blank lines and comments.
    #[error("the file is empty; a policy needs a `default_action` and at least one [[rule]]")]
    Empty,
    /// The TOML parser or serde refused it: bad syntax, an unknown or missing
    /// field, a value of the wrong type.
    #[error("{0}")]
    Toml(String),
    /// An integer larger than TOML's largest, which a value or mask with bit 63
    /// would need.
    #[error("{0} is larger than any TOML integer: TOML integers are signed 64-bit, so 0x7FFFFFFFFFFFFFFF at most, and a condition's value or mask cannot name bit 63")]
    PastTomlIntegers(String),
    /// The policy has no rules; it would kill the program at its first syscall.
    #[error("it has no rules; a filter without rules would stop the program at its first syscall")]
    NoRules,
    /// The JSON parser or serde refused a profile: bad syntax, an unknown or
    /// missing field, a value of the wrong type.
    #[error("{0}")]
    Json(String),
    /// A profile's action that is not one of a runtime's.
    #[error("unknown action `{0}`; a profile's action is one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP and SCMP_ACT_LOG")]
    UnknownProfileAction(String),
    /// A profile's action that step 4's filters do not take.
    #[error("action {action} {why}")]
    UnsupportedProfileAction {
        /// The action, as the profile names it.
        action: String,
        /// Why step 4 does not take it.
        why: &'static str,
    },
    /// A profile's comparison that is not one of libseccomp's.
    #[error("unknown op `{0}`; an op is one of SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GE, SCMP_CMP_GT and SCMP_CMP_MASKED_EQ")]
    UnknownProfileOp(String),
    /// A second value on a comparison that takes one.
    #[error("valueTwo goes only with SCMP_CMP_MASKED_EQ, where `value` is the mask and `valueTwo` the value")]
    ValueTwoWithoutMaskedEq,
    /// A profile's entry without a syscall.
    #[error("the entry names no syscall (`names` is empty)")]
    NoNames,
    /// An errno name and number that disagree.
    #[error("`errno` says {name} and `errnoRet` says {number}, which is not it here")]
    ErrnoDisagrees {
        /// The name.
        name: String,
        /// The number.
        number: u32,
    },
    /// A kernel version that cannot be read.
    #[error("minKernel `{0}` is not a kernel version such as \"5.8\"")]
    BadMinKernel(String),

    /// An action that is not one of the five.
    #[error("unknown action `{0}`; an action is \"allow\", \"kill\", \"trap\", \"log\" or \"errno NAME\" (\"errno ENOSYS\", or a number)")]
    UnknownAction(String),
    /// An errno name this architecture does not have.
    #[error(
        "unknown errno name `{0}`; use a name like ENOSYS or EPERM, or a number from 1 to 4094"
    )]
    UnknownErrno(String),
    /// An errno number out of range.
    #[error("errno {0} is out of range; a rule may answer with errno 1 to 4094")]
    ErrnoOutOfRange(i64),
    /// A syscall name libseccomp does not know on any architecture.
    #[error("unknown syscall name `{0}`: libseccomp knows no syscall of that name")]
    UnknownSyscall(String),
    /// An argument index past the sixth argument.
    #[error("argument index {0} is out of range; a syscall has arguments 0 to 5")]
    ArgIndexOutOfRange(i64),
    /// Two conditions on the same argument in one rule.
    #[error("argument {0} is compared twice; libseccomp takes one comparison per argument in a rule, so write two rules")]
    ArgComparedTwice(u32),
    /// `op = "masked_eq"` without a mask.
    #[error("op \"masked_eq\" needs a `mask`: it compares (argument & mask) with the value")]
    MaskMissing,
    /// A mask on another comparison.
    #[error("`mask` goes only with op \"masked_eq\"")]
    MaskWithoutMaskedEq,
    /// A `masked_eq` value with bits the mask clears: (argument & mask) never has them.
    #[error("value {value:#x} has bits outside mask {mask:#x}, so (argument & mask) can never equal it and the rule would never match")]
    ValueOutsideMask {
        /// The rule's mask.
        mask: u64,
        /// The rule's value.
        value: u64,
    },
    /// The file is larger than any policy needs (or never ends, like /dev/zero).
    #[error("it is larger than {MAX_POLICY_BYTES} bytes, far more than any policy needs")]
    TooLarge,
    /// The rule's action is the default action: libseccomp refuses such a rule.
    #[error("its action `{0}` is the default action already, so the rule would change nothing")]
    SameAsDefault(String),
    /// Two rules for the same syscall with different actions both match a call.
    #[error("{other} gives {call} the action `{action}`, and this rule matches it too; libseccomp would give such a call either action, so make the conditions exclude each other")]
    OverlapWithAnotherAction {
        /// The earlier rule.
        other: Origin,
        /// Its action, as the policy writes it.
        action: String,
        /// A call both rules match, as `--simulate` takes it.
        call: String,
    },
    /// Two rules of one syscall compare one 64-bit argument, one of them with
    /// `ne`, `lt`, `le`, `gt` or `ge`: libseccomp builds a wrong filter for them.
    #[error("{other} compares argument {arg} too, and when one of two rules of a syscall compares a 64-bit argument with ne, lt, le, gt or ge libseccomp builds a wrong filter (a test of the upper half reads the lower half); compare the argument in one rule only, or with eq or masked_eq")]
    RangesOnOneArgument {
        /// The earlier rule.
        other: Origin,
        /// The argument's index.
        arg: u32,
    },
    /// libseccomp did not finish compiling within its limit of CPU time.
    #[error("libseccomp has not finished {doing} after {seconds} s of CPU time, and may never: some rules that compare 64-bit arguments send it into an endless loop (two rules of one syscall with the same range on one argument, and values whose upper halves differ on another, are one such shape); change this rule, or the rules before it for the same syscall")]
    CompileTooSlow {
        /// What libseccomp was doing.
        doing: &'static str,
        /// The limit it passed.
        seconds: u64,
    },
    /// A width that is neither 32 nor 64.
    #[error("width {0} is not one of 32 and 64")]
    BadWidth(i64),
    /// A condition on an argument the syscall does not have.
    #[error("argument {arg} is not one of the syscall's: it has {count}")]
    NoSuchArgument {
        /// The argument's index.
        arg: u32,
        /// How many arguments the syscall has.
        count: usize,
    },
    /// A stated width that is not the argument's.
    #[error("argument {arg} is {known} bits wide as the kernel reads it, not as `width` says")]
    WidthDisagrees {
        /// The argument's index.
        arg: u32,
        /// Its width.
        known: Width,
    },
    /// A condition on an argument whose width the policy does not know.
    #[error("the policy does not know how many bits of argument {0} of this syscall the kernel reads: add `width = 32` (an int, unsigned int, pid_t or descriptor, which the kernel reads from the lower half only) or `width = 64` (a pointer, size_t or unsigned long)")]
    WidthMissing(u32),
    /// A condition on an argument the kernel reads neither as 32 nor as 64 bits.
    #[error("the kernel reads argument {0} of this syscall neither as 32 nor as 64 bits (flags whose unknown upper bits it ignores, a 16-bit mode, or a width another argument decides): add the `width` your call uses, and compare with `eq` or `masked_eq`, which hold only for what they name; `ne` and the inequalities also hold for values the kernel reads as others")]
    WidthUnclear(u32),
    /// Two rules of one syscall give one argument different widths.
    #[error("argument {arg} is {width} bits wide in {other}; one argument has one width")]
    WidthDiffers {
        /// The argument's index.
        arg: u32,
        /// The earlier rule.
        other: Origin,
        /// Its width there.
        width: Width,
    },
    /// A value or mask with bits above a 32-bit argument.
    #[error("argument {arg} is 32 bits wide and the kernel ignores its upper half, so {value:#x}, which has bits there, cannot be compared with it")]
    UpperHalf {
        /// The argument's index.
        arg: u32,
        /// The value or mask with bits above the lower half.
        value: u64,
    },
    /// A condition that holds for every value of its argument.
    #[error("the condition on argument {0} holds for every value; leave it out")]
    AlwaysHolds(u32),
    /// A condition that holds for no value of its argument.
    #[error("the condition on argument {0} holds for no value, so the rule would never match")]
    NeverHolds(u32),
    /// A rule that takes more libseccomp rules than any policy needs.
    #[error("its conditions take {0} libseccomp rules (each 32-bit `ne`, `lt`, `le`, `gt` or `ge` takes up to 32), more than {MAX_COMPARISONS}; compare fewer arguments that way, or use `eq`")]
    TooManyComparisons(usize),
    /// The policy has more rules than a filter can take.
    #[error("it has more than {MAX_POLICY_COMPARISONS} rules (a name of a JSON profile's entry is a rule), and each takes a libseccomp rule at least")]
    TooManyRules,
    /// The whole policy takes more libseccomp rules than any policy needs.
    #[error("its rules take {0} libseccomp rules in all (each 32-bit `ne`, `lt`, `le`, `gt` or `ge` takes up to 32), more than {MAX_POLICY_COMPARISONS}")]
    TooManyInAll(usize),
    /// The filter the policy compiles to is longer than the kernel loads.
    #[error("its filter would be {0} BPF instructions, and the kernel loads {MAX_INSTRUCTIONS} at most; use fewer rules, or `eq` where a 32-bit `ne` or inequality takes many")]
    ProgramTooLong(usize),
}
