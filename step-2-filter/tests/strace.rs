//! What failing closed does not catch: a step trusts the kernel's answer to
//! `seccomp(2)`. A tracer that answers the load with a success it faked, as
//! `strace -e inject=seccomp:retval=0:when=N` does, makes the step run the
//! program unfiltered, as the book's troubleshooting chapter says.

use std::path::{Path, PathBuf};
use std::process::Command;

use harness::runner::StepRun;
use harness::runner::{run_step, Ending};
use harness::running::{strace_failure, OUTPUT_TO_THE_END, TUTORIAL_INPUT};

const STEP: &str = env!("CARGO_BIN_EXE_step-2-filter");

/// Runs step 2 under `strace -f -e trace=seccomp`, which writes the step's
/// `seccomp` calls to `log`, with `inject` as a second `-e`; returns the run
/// and the log.
fn under_strace(log: &Path, inject: Option<&str>) -> (StepRun, String) {
    let mut command = Command::new("strace");
    command
        .args(["-f", "-qq", "-e", "trace=seccomp", "-o"])
        .arg(log);
    if let Some(inject) = inject {
        command.args(["-e", inject]);
    }
    let run = run_step(command.arg(STEP), TUTORIAL_INPUT)
        .unwrap_or_else(|err| panic!("{}", strace_failure(&err)));
    let text = std::fs::read_to_string(log)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", log.display()));
    std::fs::remove_file(log).unwrap();
    (run, text)
}

/// The `seccomp` calls of a log, one a line (`PID  seccomp(...) = ...`),
/// without their PIDs.
fn seccomp_calls(log: &str) -> Vec<&str> {
    log.lines()
        .filter_map(|line| Some(line.split_once(' ')?.1.trim_start()))
        .filter(|call| call.starts_with("seccomp("))
        .collect()
}

/// Whether a logged call is the load: `SECCOMP_SET_MODE_FILTER` with a program
/// (`{len=N, filter=...}`), where libseccomp's probes pass none (`NULL`).
fn is_the_load(call: &str) -> bool {
    call.contains("seccomp(SECCOMP_SET_MODE_FILTER, ") && call.contains("{len=")
}

fn log_path(name: &str) -> PathBuf {
    std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).unwrap();
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}.log", std::process::id()))
}

/// Step 2 trusts the kernel's answer to the `seccomp(2)` call that loads its
/// filter. Traced, it is killed by SIGSYS at its sleep, as without a tracer,
/// and the log shows which of its `seccomp` calls loads the filter; when strace
/// answers that call with 0 instead of making it, the step runs the program to
/// the end, unfiltered, with status 0.
#[test]
fn a_load_a_tracer_fakes_runs_the_program_unfiltered() {
    let (filtered, log) = under_strace(&log_path("step-2-traced"), None);
    assert!(filtered.ending().is_sigsys(), "{}", filtered.ending());
    let calls = seccomp_calls(&log);
    let load = calls
        .iter()
        .position(|call| is_the_load(call))
        .unwrap_or_else(|| panic!("no load among the seccomp calls:\n{log}"));
    assert!(calls[load].ends_with(" = 0"), "{}", calls[load]);

    let inject = format!("inject=seccomp:retval=0:when={}", load + 1);
    let (faked, log) = under_strace(&log_path("step-2-faked"), Some(&inject));
    assert_eq!(faked.stdout_text(), OUTPUT_TO_THE_END, "{log}");
    assert_eq!(faked.ending(), Ending::Exited(0), "{}", faked.stderr_text());
    assert_eq!(faked.stderr_text(), "");
    let calls = seccomp_calls(&log);
    assert!(
        calls
            .get(load)
            .is_some_and(|call| is_the_load(call) && call.ends_with(" = 0 (INJECTED)")),
        "the load is the call strace answered:\n{log}"
    );
}
