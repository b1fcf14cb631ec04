//! What the steps teach: the program, the filter of steps 2 and 3, step 3's
//! reporter, and step 4's policy with its argument conditions.

pub mod compile_limit;
pub mod condition;
pub mod filter;
pub mod policy;
pub mod program;
pub mod reporter;
