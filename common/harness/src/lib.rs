//! The test harness of the seccomp tutorial: what only the tests, the tour and
//! CI use. No step links it, so what a learner runs holds none of it: the
//! steps' `Cargo.toml` name it under `[dev-dependencies]` only, and
//! `common/tests/layers.rs` checks that they do.
//!
//! - [`runner`]: runs a step binary the way a shell would and records how the
//!   step and its forked child ended;
//! - [`testing`]: assertions the integration tests of every step share;
//! - [`tour`]: the transcripts the `tour` binary prints for the four steps;
//! - [`bench`]: what the benches share.
//!
//! Its binaries (`src/bin/`) are the tour, the machine check of `./tour.sh
//! --check` (`preflight`), and the probes the tests run, each of which loads a
//! filter in a process of its own: `filter-probe`, `filter-calls` and
//! `width-probe`.

use std::path::PathBuf;

pub mod bench;
pub mod runner;
pub mod testing;
pub mod tour;

/// The workspace's top folder, where its sources, its book and its
/// `Cargo.toml` are: two folders above this crate's.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}
