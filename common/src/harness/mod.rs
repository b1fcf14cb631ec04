//! What the tour, the tests and the benches use: the runner, which runs a step
//! as a shell would and sees how its forked child ended; the tests' shared
//! assertions; the tour's transcripts; and what the benches share.

pub mod bench;
pub mod runner;
pub mod testing;
pub mod tour;
