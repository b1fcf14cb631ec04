//! What the tour and the tests use: the runner, which runs a step as a shell
//! would and sees how its forked child ended; the tests' shared assertions; and
//! the tour's transcripts.

pub mod runner;
pub mod testing;
pub mod tour;
