//! `step-2-filter --audit`: the strict allow list has nothing to warn of, and
//! the audit says so without running the program.

use assert_cmd::assert::OutputAssertExt;
use harness::running::{run, TUTORIAL_INPUT};

const STEP: &str = env!("CARGO_BIN_EXE_step-2-filter");

/// Step 2's filter: the architecture check, no finding, status 0, and the
/// program never runs (it would prompt).
#[test]
fn the_audit_of_step_2_finds_nothing_to_warn_of() {
    run(STEP, &["--audit"], TUTORIAL_INPUT)
        .output()
        .assert()
        .code(0)
        .stdout(
            "ok: a syscall made through another ABI kills the process, whatever the rules say \
             (see auditing.md#architecture-check)\naudit: 0 warnings, 0 notes\n",
        )
        .stderr("");
}

/// `--audit` shows the filter, as `--print-filter` and `--simulate` do: one at a time.
#[test]
fn the_audit_is_asked_for_alone() {
    for other in ["--print-filter", "--simulate=write"] {
        run(STEP, &["--audit", other], b"")
            .output()
            .assert()
            .code(2)
            .stdout("");
    }
}
