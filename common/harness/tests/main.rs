//! Every integration test of `harness`, in one test binary: each file here is
//! a module of it, as in `common/tests/main.rs`, whose test checks that none
//! is left out. These are the tests of the harness's own binaries: the tour
//! and the machine check of `./tour.sh --check`.

mod preflight;
mod tour;
