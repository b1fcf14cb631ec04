//! What the steps teach: the program, the filter of steps 2 and 3, step 3's
//! reporter, and step 4's policy with its argument conditions and the audit of
//! the widths it gives them.
//!
//! Step 4's lesson is [`policy`]: what a policy holds and how it becomes a
//! filter. Beside it, what a learner may skip: reading a policy file
//! ([`policy_file`], and [`policy_json`] for a container runtime's profile),
//! checking its rules ([`policy_check`], with [`libseccomp_workarounds`]), and
//! the refusals ([`policy_error`]).

pub mod compile_limit;
pub mod condition;
pub mod filter;
pub mod libseccomp_workarounds;
pub mod policy;
pub mod policy_check;
pub mod policy_error;
pub mod policy_file;
pub mod policy_json;
pub mod program;
pub mod readers;
pub mod reporter;
