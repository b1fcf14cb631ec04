//! What the steps teach: the program, the filter of steps 2 and 3, step 3's
//! reporter, and step 4's policy with its argument conditions and the audit of
//! the widths it gives them.

pub mod compile_limit;
pub mod condition;
pub mod filter;
pub mod policy;
pub mod program;
pub mod readers;
pub mod reporter;
