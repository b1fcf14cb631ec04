//! `--learn --callers`: under each syscall the report lists, the functions that
//! made its first call. On x86_64 the tutorial program's syscalls name the Rust
//! code the step 3 chapter says makes them, and a small C program's name the
//! lines of its `main.c`; elsewhere each syscall says that it is not supported.
//!
//! Names are checked through libseccomp and the program's source, not written
//! down: the line of the fork is read from `program.rs`.

use std::collections::BTreeMap;
#[cfg(target_arch = "x86_64")]
use std::path::Path;
#[cfg(target_arch = "x86_64")]
use std::process::Command;

use harness::runner::StepRun;
#[cfg(target_arch = "x86_64")]
use harness::running::OUTPUT_TO_THE_END;
use harness::running::{run, TUTORIAL_INPUT};
use harness::syscalls::learned_syscalls;

const STEP: &str = env!("CARGO_BIN_EXE_step-3-reporting");

/// Each syscall the report lists, with the lines under it (its callers).
fn chains(run: &StepRun) -> BTreeMap<String, Vec<String>> {
    let learned = learned_syscalls(run);
    let mut chains = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in run.stderr_text().lines() {
        if let Some(caller) = line.strip_prefix("    ") {
            let syscall = current
                .clone()
                .expect("a caller line follows a syscall's line");
            chains
                .entry(syscall)
                .or_insert_with(Vec::new)
                .push(caller.to_owned());
        } else {
            current = line
                .split_once('(')
                .map(|(name, _)| name.to_owned())
                .filter(|name| learned.contains(name));
        }
    }
    for name in &learned {
        assert!(
            chains.contains_key(name),
            "no callers under {name}:\n{}",
            run.stderr_text()
        );
    }
    chains
}

/// Without `--learn` there is no report to show callers in: a usage error.
#[test]
fn callers_without_learn_is_a_usage_error() {
    let run = run(STEP, &["--callers"], b"");
    assert_eq!(run.status.code(), Some(2), "{}", run.stderr_text());
    assert!(
        run.stderr_text().contains("--learn"),
        "{}",
        run.stderr_text()
    );
}

/// The line of `program.rs` that forks, read from the source.
#[cfg(target_arch = "x86_64")]
fn fork_line() -> usize {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../common/src/lesson/program.rs");
    let text = std::fs::read_to_string(&source).unwrap();
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains("nix::unistd::fork()"))
        .map(|(at, _)| at + 1)
        .collect();
    assert_eq!(lines.len(), 1, "one fork in {}", source.display());
    lines[0]
}

/// The tutorial program, as the step 3 chapter tells it: the sleep is
/// `std::thread::sleep`; the fork is `nix::unistd::fork` on the line of
/// `program.rs` that calls it, and the child's first syscall
/// (`set_robust_list`) is made inside that fork too; the last two,
/// `sigaltstack` and `munmap`, are the teardown of the main thread's signal
/// stack by Rust's runtime. Every chain starts in libc, and the program still
/// runs to the end.
#[test]
#[cfg_attr(
    not(target_arch = "x86_64"),
    ignore = "--callers unwinds only on x86_64"
)]
fn each_syscall_of_the_program_names_the_code_that_made_it() {
    #[cfg(target_arch = "x86_64")]
    {
        let run = run(STEP, &["--learn", "--callers"], TUTORIAL_INPUT);
        assert!(run.status.success(), "{}", run.stderr_text());
        assert_eq!(run.stdout_text(), OUTPUT_TO_THE_END);
        let chains = chains(&run);
        let text = run.stderr_text();
        let chain_of = |names: &[&str]| -> String {
            names
                .iter()
                .find_map(|name| chains.get(*name))
                .unwrap_or_else(|| panic!("none of {names:?} listed:\n{text}"))
                .join("\n")
        };
        for (name, chain) in &chains {
            assert!(
                chain[0].starts_with("← ") && chain[0].ends_with("(libc.so.6)"),
                "{name}: {chain:?}"
            );
        }
        let sleep = chain_of(&["clock_nanosleep", "nanosleep"]);
        assert!(
            sleep.contains("std::thread::") && sleep.contains("sleep ("),
            "{sleep}"
        );
        let fork = format!("program.rs:{})", fork_line());
        for names in [&["clone", "clone3"][..], &["set_robust_list"]] {
            let chain = chain_of(names);
            assert!(chain.contains("← nix::unistd::fork ("), "{chain}");
            let last = chain.lines().last().unwrap();
            assert!(
                last.starts_with("← common::lesson::program::Program::") && last.ends_with(&fork),
                "{names:?} ends at {last}, not at {fork}"
            );
        }
        for name in ["sigaltstack", "munmap"] {
            let chain = chain_of(&[name]);
            assert!(
                chain.contains("std::sys::pal::unix::stack_overflow::"),
                "{name}: {chain}"
            );
        }
    }
}

/// A small C program, built with debug information: its syscalls name the
/// lines of `main.c` that make them, through libc's wrappers, and a function
/// inlined into `main` is shown with the line in `main` that calls it.
#[test]
#[cfg_attr(
    not(target_arch = "x86_64"),
    ignore = "--callers unwinds only on x86_64"
)]
fn a_c_program_s_syscalls_name_its_lines() {
    #[cfg(target_arch = "x86_64")]
    {
        let dir = harness::files::Scratch::new(env!("CARGO_TARGET_TMPDIR"), "callers-c");
        let source = dir.join("main.c");
        std::fs::write(&source, C_PROGRAM).unwrap();
        let program = dir.join("program");
        let built = Command::new("cc")
            .args(["-g", "-O2", "-o"])
            .arg(&program)
            .arg(&source)
            .status()
            .expect("cc, which Cargo links with, runs");
        assert!(built.success());
        let run = run(
            STEP,
            &["--learn", "--callers", "--", program.to_str().unwrap()],
            b"",
        );
        assert!(run.status.success(), "{}", run.stderr_text());
        let chains = chains(&run);
        let sleep = ["clock_nanosleep", "nanosleep"]
            .iter()
            .find_map(|name| chains.get(*name))
            .expect("the sleep is listed");
        let tail: Vec<&str> = sleep
            .iter()
            .rev()
            .take(2)
            .rev()
            .map(String::as_str)
            .collect();
        // The step runs elsewhere than the scratch directory: the path is whole.
        let main_c = source.display();
        let expected = [
            format!("← pause_a_little ({main_c}:6)"),
            format!("← main ({main_c}:10)"),
        ];
        assert_eq!(tail, expected, "{sleep:?}");
        assert_eq!(
            chains["getpid"].last().unwrap(),
            &format!("← main ({main_c}:11)")
        );
    }
}

/// The C program of [`a_c_program_s_syscalls_name_its_lines`]: line 6 sleeps,
/// line 10 calls the function that sleeps, line 11 asks for the process id.
#[cfg(target_arch = "x86_64")]
const C_PROGRAM: &str = "#include <time.h>
#include <unistd.h>

static void pause_a_little(void) {
    struct timespec wait = {0, 1000000};
    nanosleep(&wait, NULL);
}

int main(void) {
    pause_a_little();
    return getpid() == 0;
}
";

/// Built without debug information and with frame pointers, the same
/// program's sleep names the function from its symbol, and the chain stops
/// where the next caller is found through the frame pointer, which the kernel
/// does not show for a waiting thread: it says so instead of guessing.
#[test]
#[cfg_attr(
    not(target_arch = "x86_64"),
    ignore = "--callers unwinds only on x86_64"
)]
fn a_chain_stops_where_the_frame_pointer_is_needed_and_says_so() {
    #[cfg(target_arch = "x86_64")]
    {
        let dir = harness::files::Scratch::new(env!("CARGO_TARGET_TMPDIR"), "callers-fp");
        let source = dir.join("main.c");
        std::fs::write(&source, C_PROGRAM).unwrap();
        let program = dir.join("program");
        let built = Command::new("cc")
            .args(["-O0", "-fno-omit-frame-pointer", "-o"])
            .arg(&program)
            .arg(&source)
            .status()
            .expect("cc, which Cargo links with, runs");
        assert!(built.success());
        let run = run(
            STEP,
            &["--learn", "--callers", "--", program.to_str().unwrap()],
            b"",
        );
        assert!(run.status.success(), "{}", run.stderr_text());
        let chains = chains(&run);
        let sleep = ["clock_nanosleep", "nanosleep"]
            .iter()
            .find_map(|name| chains.get(*name))
            .expect("the sleep is listed");
        let tail: Vec<&str> = sleep
            .iter()
            .rev()
            .take(2)
            .rev()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tail,
            [
                "← pause_a_little (program)",
                "← (no unwind information: the next caller is found through the frame pointer, which the kernel does not show)"
            ],
            "{sleep:?}"
        );
    }
}

/// Where `--callers` cannot unwind, the report says so under each syscall, and
/// the rest of the report is as without it.
#[test]
#[cfg_attr(
    target_arch = "x86_64",
    ignore = "x86_64 is supported: see the tests above"
)]
fn elsewhere_each_syscall_says_callers_is_not_supported() {
    let run = run(STEP, &["--learn", "--callers"], TUTORIAL_INPUT);
    assert!(run.status.success(), "{}", run.stderr_text());
    let expected = format!(
        "(--callers is not supported on {}: only on x86_64)",
        std::env::consts::ARCH
    );
    for (name, chain) in chains(&run) {
        assert_eq!(chain, std::slice::from_ref(&expected), "{name}");
    }
}
