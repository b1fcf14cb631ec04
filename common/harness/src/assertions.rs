//! Assertions on what a step did: that SIGSYS killed it, that it failed
//! closed where no filter can be loaded, and what its `--print-filter` and
//! `--simulate` print (the BPF listing's check of the architecture,
//! libseccomp's pseudo filter code, the OCI profile, and the path a call takes
//! through the filter).

use std::os::unix::process::ExitStatusExt;
use std::path::Path;

use libseccomp::ScmpSyscall;

use crate::runner::Ending;
use crate::running::{run, run_with_seccomp_denied, TUTORIAL_INPUT};

/// Asserts that the process whose `output` this is (a step's own) was killed by
/// SIGSYS, the filter's kill action. assert_cmd's `interrupted()` cannot tell
/// SIGSYS from any other death, so the signal number is checked.
#[track_caller]
pub fn assert_killed_by_sigsys(output: &std::process::Output) {
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGSYS),
        "expected death by SIGSYS, got {}; stderr: {}",
        Ending::from_status(output.status),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Asserts that the step at `binary` fails closed when no filter can be loaded:
/// nothing on stdout, one line on stderr saying that the program will not run
/// unfiltered and why, and exit status 3, a plain exit, not a signal.
#[track_caller]
pub fn assert_fails_closed(binary: impl AsRef<Path>) {
    assert_fails_closed_with_args(binary, &[]);
}

/// [`assert_fails_closed`] for the step run with `args`.
#[track_caller]
pub fn assert_fails_closed_with_args(binary: impl AsRef<Path>, args: &[&str]) {
    let run = run_with_seccomp_denied(binary, args, TUTORIAL_INPUT);
    let stderr = run.stderr_text();
    assert_eq!(run.stdout_text(), "", "the program must not run unfiltered");
    assert_eq!(
        run.ending(),
        Ending::Exited(i32::from(common::error::EXIT_FILTER_FAILED)),
        "stderr: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr}");
    assert!(
        stderr.contains("the program will not run unfiltered")
            && stderr.contains("already runs under a seccomp filter"),
        "stderr names the cause: {stderr}"
    );
    assert!(
        run.forked.is_empty(),
        "nothing was forked: {:?}",
        run.forked
    );
}

/// Runs the step at `binary` with `args` (which include `--print-filter`) and returns
/// the filter it printed, after asserting that it exited 0 without running the
/// program.
#[track_caller]
pub fn printed_filter(binary: impl AsRef<Path>, args: &[&str]) -> String {
    let run = run(binary, args, TUTORIAL_INPUT);
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    let filter = run.stdout_text();
    assert!(
        !filter.contains(common::program::PROMPT),
        "the program ran:\n{filter}"
    );
    filter
}

/// Asserts that a `--print-filter=bpf` listing starts with the architecture
/// check: load the architecture, compare it with this machine's `AUDIT_ARCH_*`
/// token (as libseccomp gives it), and, on x86_64, guard against x32 numbers.
#[track_caller]
pub fn assert_bpf_checks_the_architecture_first(listing: &str) {
    let token = common::tools::bpf::native_arch();
    let arch = common::tools::bpf::arch_name(token).expect("libseccomp names its own architecture");
    let lines: Vec<&str> = listing.lines().collect();
    assert!(
        lines.len() > 2
            && lines[0].starts_with("(000) ld [4] ")
            && lines[0].ends_with("; A = architecture"),
        "{listing}"
    );
    assert!(
        lines[1].starts_with(&format!("(001) jeq #{token:#x} jt 2 jf "))
            && lines[1].ends_with(&format!("; {arch}")),
        "{listing}"
    );
    if token == libseccomp_sys::SCMP_ARCH_X86_64 {
        assert!(
            listing.contains(" jge #0x40000000 jt ") && listing.contains("; x32 syscall numbers"),
            "{listing}"
        );
    }
}

/// Asserts that libseccomp's pseudo filter code `pfc` has a rule for each syscall
/// of `names` that this architecture has (a name of another architecture's only,
/// such as `sigreturn` on x86_64, has none).
#[track_caller]
pub fn assert_pfc_names(pfc: &str, names: &[&str]) {
    for name in names {
        let native = ScmpSyscall::from_name(name)
            .unwrap_or_else(|err| panic!("libseccomp does not know `{name}`: {err}"))
            .as_raw_syscall()
            >= 0;
        if native {
            assert!(
                pfc.contains(&format!("syscall \"{name}\"")),
                "{name}:\n{pfc}"
            );
        }
    }
}

/// The profile `--print-filter=oci` prints with `args`, parsed, after checking
/// that it has one entry without comparisons allowing every name of `allowed`,
/// the default action `default_action`, and this architecture.
#[track_caller]
pub fn assert_profile_allows(
    binary: impl AsRef<Path>,
    args: &[&str],
    default_action: &str,
    allowed: &[&str],
) -> serde_json::Value {
    let mut print = args.to_vec();
    print.push("--print-filter=oci");
    let text = printed_filter(binary, &print);
    let profile: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|err| {
        panic!(
            "not JSON: {err}
{text}"
        )
    });
    assert_eq!(profile["defaultAction"], default_action, "{text}");
    assert_eq!(
        profile["architectures"],
        serde_json::json!([common::tools::oci::native_architecture()]),
        "{text}"
    );
    let entries = profile["syscalls"].as_array().expect("syscalls");
    for name in allowed {
        assert!(
            entries
                .iter()
                .any(|entry| entry["action"] == "SCMP_ACT_ALLOW"
                    && entry.get("args").is_none()
                    && entry["names"]
                        .as_array()
                        .is_some_and(|names| names.iter().any(|n| n == name))),
            "{name} is not allowed:\n{text}"
        );
    }
    profile
}

/// Runs the step at `binary` with `args` and `--simulate CALL`, and returns the
/// action it names on its last line (`ALLOW`, `KILL_PROCESS`, ...), after
/// asserting what `--simulate` promises: it exits 0 without running the program,
/// and every other line is a line of the `--print-filter=bpf` listing (of the
/// same `args`), exactly, from `(000)` on, each instruction one that can follow
/// the one before, down to a `ret` of that action.
#[track_caller]
pub fn simulated_action(binary: impl AsRef<Path>, args: &[&str], call: &str) -> String {
    let binary = binary.as_ref();
    let mut simulate = args.to_vec();
    simulate.extend(["--simulate", call]);
    let run = run(binary, &simulate, TUTORIAL_INPUT);
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    assert_eq!(run.stderr_text(), "");
    let printed = run.stdout_text();
    assert!(
        !printed.contains(common::program::PROMPT),
        "the program ran:\n{printed}"
    );
    let mut print_filter = args.to_vec();
    print_filter.push("--print-filter=bpf");
    let listing = printed_filter(binary, &print_filter);
    let listed: Vec<&str> = listing.lines().collect();
    let lines: Vec<&str> = printed.lines().collect();
    let (last, path) = lines.split_last().expect("--simulate printed something");
    let action = last
        .strip_prefix(common::tools::print_filter::ACTION_PREFIX)
        .unwrap_or_else(|| panic!("no action on the last line:\n{printed}"));
    let index_of = |line: &str| -> usize {
        line.get(1..4)
            .and_then(|digits| digits.parse().ok())
            .unwrap_or_else(|| panic!("not a listing line: {line}"))
    };
    let mut expected_next = vec![0];
    for line in path {
        let index = index_of(line);
        assert!(
            expected_next.contains(&index),
            "{line} cannot follow the line before:\n{printed}\nlisting:\n{listing}"
        );
        assert_eq!(listed.get(index), Some(line), "listing:\n{listing}");
        expected_next = successors(line, index);
    }
    let ret = path.last().expect("a path through the program");
    assert_eq!(
        ret.split_once(") ").map(|(_, text)| text.trim_end()),
        Some(&*format!("ret {action}")),
        "{printed}"
    );
    action.to_owned()
}

/// The instruction numbers that can follow the listing's `line`, numbered
/// `index`: where its jump targets point, or the next one.
fn successors(line: &str, index: usize) -> Vec<usize> {
    let text = line.split(';').next().unwrap_or(line);
    let words: Vec<&str> = text.split_whitespace().collect();
    let after = |word: &str| {
        words
            .iter()
            .position(|w| *w == word)
            .and_then(|at| words.get(at + 1))
            .and_then(|n| n.parse().ok())
    };
    match (words.get(1), after("jt"), after("jf")) {
        (_, Some(jt), Some(jf)) => vec![jt, jf],
        (Some(&"ja"), ..) => after("ja").into_iter().collect(),
        _ => vec![index + 1],
    }
}
