//! Every integration test of `step-4-policy`, in one test binary: each file here is a
//! module of it. libtest runs the tests of one binary side by side (as many at
//! once as `RUST_TEST_THREADS`, set in `.cargo/config.toml`, allows), while
//! Cargo runs test binaries one after another: most tests wait on the program's
//! one-second sleep, and in one binary they wait together.
//!
//! A new file in `tests/` must be declared here too: Cargo does not look for
//! test files itself (`autotests = false`), and a test in common checks that
//! none is left out.

// The shapes that loop need arguments with an upper half: 64-bit ones.
mod audit;
#[cfg(target_pointer_width = "64")]
mod compile_limit;
mod profiles;
mod step4;
mod transcript;
