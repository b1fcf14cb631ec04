//! The test harness of the seccomp tutorial: what only the tests, the tour and
//! CI use. No step links it, so what a learner runs holds none of it: the
//! steps' `Cargo.toml` name it under `[dev-dependencies]` only, and
//! `common/tests/layers.rs` checks that they do.
//!
//! - [`runner`]: runs a step binary the way a shell would and records how the
//!   step and its forked child ended, or lets a test steer the run;
//! - what the tests of every crate share, by topic: [`running`] (a step run
//!   for a test, the binaries of other packages found or built), [`assertions`]
//!   (what a step printed and how it ended), [`syscalls`] (names and numbers
//!   on this architecture), [`hostile`] (bad input and hostile stdout, the
//!   same cases for every step), [`transcripts`] (the book's transcripts held
//!   to what the steps print), [`policy_text`] (policy files edited as a
//!   learner does), [`files`] (scratch folders and scripts), and
//!   [`generated`] (random cases and how many to run);
//! - [`tour`]: the transcripts the `tour` binary prints for the four steps;
//! - [`bench`](mod@bench): what the benches share.
//!
//! Its binaries (`src/bin/`) are the tour, the machine check of `./tour.sh
//! --check` (`preflight`), and the probes the tests run, each of which loads a
//! filter in a process of its own: `filter-probe`, `filter-calls` and
//! `width-probe`.

use std::path::PathBuf;

pub mod assertions;
pub mod bench;
pub mod files;
pub mod generated;
pub mod hostile;
pub mod policy_text;
pub mod runner;
pub mod running;
pub mod syscalls;
pub mod tour;
pub mod transcripts;

/// The workspace's top folder, where its sources, its book and its
/// `Cargo.toml` are: two folders above this crate's.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}
