//! `step-3-reporting --audit`: the allow list with the `--allow` names, audited.

use assert_cmd::assert::OutputAssertExt;
use harness::running::run;
use predicates::prelude::*;

const STEP: &str = env!("CARGO_BIN_EXE_step-3-reporting");

/// The step's own list has nothing to warn of; a name added with `--allow`
/// that opens a way around every filter is a warning, and status 1.
#[test]
fn an_allowed_io_uring_is_a_warning() {
    run(STEP, &["--audit"], b"")
        .output()
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with("audit: 0 warnings, 0 notes\n"));
    run(STEP, &["--allow", "io_uring_setup", "--audit"], b"")
        .output()
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "\nwarning: io_uring_setup is allowed: ",
        ))
        .stdout(predicate::str::ends_with("audit: 1 warning, 0 notes\n"));
}

/// `--audit` runs nothing: it cannot be given with `--learn`.
#[test]
fn the_audit_does_not_learn() {
    run(STEP, &["--audit", "--learn"], b"")
        .output()
        .assert()
        .code(2)
        .stdout("");
}
