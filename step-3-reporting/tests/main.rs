//! Every integration test of `step-3-reporting`, in one test binary: each file here is a
//! module of it. libtest runs the tests of one binary side by side (as many at
//! once as `RUST_TEST_THREADS`, set in `.cargo/config.toml`, allows), while
//! Cargo runs test binaries one after another: most tests wait on the program's
//! one-second sleep, and in one binary they wait together.
//!
//! A new file in `tests/` must be declared here too: Cargo does not look for
//! test files itself (`autotests = false`), and a test in common checks that
//! none is left out.

mod audit;
mod callers;
mod command;
mod discovery;
mod step3;
mod strace;
mod supervisor;
mod transcript;
