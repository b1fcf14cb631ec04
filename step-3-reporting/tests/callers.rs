//! `--learn --callers`: under each syscall the report lists, the functions that
//! made its first call. On x86_64 and aarch64 the tutorial program's syscalls
//! name the Rust code the step 3 chapter says makes them; on x86_64 a small C
//! program's name the lines of its `main.c` (the machines of the other
//! architectures' tests have no C compiler); elsewhere each syscall says that
//! it is not supported.
//!
//! Names are checked through libseccomp and the program's source, not written
//! down: the line of the fork is read from `program.rs`.

use std::collections::BTreeMap;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use std::path::Path;
#[cfg(target_arch = "x86_64")]
use std::process::Command;

use harness::runner::StepRun;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
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

/// Without `--learn` there is no report to show callers in, and with
/// `--print-filter` or `--simulate` no run: each is a usage error.
#[test]
fn callers_without_a_run_to_learn_from_is_a_usage_error() {
    let alone = run(STEP, &["--callers"], b"");
    assert_eq!(alone.status.code(), Some(2), "{}", alone.stderr_text());
    assert!(
        alone.stderr_text().contains("--learn"),
        "{}",
        alone.stderr_text()
    );
    for shown in ["--print-filter", "--simulate=write"] {
        let shown_run = run(STEP, &["--learn", "--callers", shown], b"");
        let stderr = shown_run.stderr_text();
        assert_eq!(shown_run.status.code(), Some(2), "{shown}: {stderr}");
        assert!(stderr.contains("cannot be used with"), "{shown}: {stderr}");
    }
}

/// The one line of `program.rs` that holds `code`, read from the source.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn program_line(code: &str) -> usize {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../common/src/lesson/program.rs");
    let text = std::fs::read_to_string(&source).unwrap();
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains(code))
        .map(|(at, _)| at + 1)
        .collect();
    assert_eq!(lines.len(), 1, "one {code} in {}", source.display());
    lines[0]
}

/// The tutorial program, as the step 3 chapter tells it: the sleep is
/// `std::thread::sleep`, on the line of `program.rs` that calls it; the fork is `nix::unistd::fork` on the line of
/// `program.rs` that calls it, and the child's first syscall
/// (`set_robust_list`) is made inside that fork too; the last two,
/// `sigaltstack` and `munmap`, are the teardown of the main thread's signal
/// stack by Rust's runtime. Every chain starts in libc, and the program still
/// runs to the end. (On aarch64 the fork's chains may stop after nix's fork,
/// saying so: a limit the book states.)
#[test]
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn each_syscall_of_the_program_names_the_code_that_made_it() {
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
        // Where libc has no symbol for its innermost function (glibc 2.41's
        // `__syscall_cancel_arch` is local), the line gives the address.
        assert!(chain[0].contains("libc.so.6"), "{name}: {chain:?}");
        assert!(
            chain.iter().all(|caller| caller.starts_with("← ")),
            "{name}: {chain:?}"
        );
    }
    let sleep = chain_of(&["clock_nanosleep", "nanosleep"]);
    assert!(
        sleep.contains("std::thread::") && sleep.contains("sleep ("),
        "{sleep}"
    );
    let sleep_line = format!("program.rs:{})", program_line("std::thread::sleep("));
    assert!(sleep.ends_with(&sleep_line), "{sleep}");
    let fork = format!("program.rs:{})", program_line("nix::unistd::fork()"));
    for names in [&["clone", "clone3"][..], &["set_robust_list"]] {
        let chain = chain_of(names);
        assert!(chain.contains("← nix::unistd::fork ("), "{chain}");
        let last = chain.lines().last().unwrap();
        // A known limit, which learn-inside.md says: on aarch64 the chains
        // made inside glibc's fork stop after nix's fork, and say so.
        if cfg!(target_arch = "aarch64") && last == "← (no unwind information)" {
            continue;
        }
        assert!(
            last.starts_with("← common::lesson::program::Program::") && last.ends_with(&fork),
            "{names:?} ends at {last}, not at {fork}:\n{text}"
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

/// A small C program, built with debug information: its syscalls name the
/// lines of `main.c` that make them, through libc's wrappers, and a function
/// inlined into `main` is shown with the line in `main` that calls it.
#[test]
#[cfg(target_arch = "x86_64")]
fn a_c_program_s_syscalls_name_its_lines() {
    let (dir, program) = built("callers-c", &["-g", "-O2"]);
    // The step runs elsewhere than the scratch directory: the path is whole.
    let main_c = dir.join("main.c");
    let main_c = main_c.display();
    assert_eq!(
        sleep_tail(&[&program]),
        [
            format!("← pause_a_little ({main_c}:6)"),
            format!("← main ({main_c}:10)"),
        ]
    );
    let run = run(STEP, &["--learn", "--callers", "--", &program], b"");
    assert_eq!(
        chains(&run)["getpid"].last().unwrap(),
        &format!("← main ({main_c}:11)")
    );
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

/// The C program of [`a_c_program_s_syscalls_name_its_lines`], built in a
/// scratch directory named `test` with `cc` and `options`; returns the
/// directory (keep it while the program runs) and the program's path.
#[cfg(target_arch = "x86_64")]
fn built(test: &str, options: &[&str]) -> (harness::files::Scratch, String) {
    let (dir, _, program) =
        harness::files::built_c_program(env!("CARGO_TARGET_TMPDIR"), test, C_PROGRAM, options);
    let program = program.to_str().unwrap().to_owned();
    (dir, program)
}

/// The last two callers of the C program's sleep, run by `command`.
#[cfg(target_arch = "x86_64")]
fn sleep_tail(command: &[&str]) -> Vec<String> {
    let mut args = vec!["--learn", "--callers", "--"];
    args.extend(command);
    let run = run(STEP, &args, b"");
    assert!(run.status.success(), "{}", run.stderr_text());
    let chains = chains(&run);
    let sleep = ["clock_nanosleep", "nanosleep"]
        .iter()
        .find_map(|name| chains.get(*name))
        .expect("the sleep is listed");
    sleep[sleep.len().saturating_sub(2)..].to_vec()
}

/// Built without debug information and with frame pointers (C without
/// optimisation finds each caller through the frame pointer), the program's
/// sleep names its functions from their symbols, up to `main`: the frame
/// pointer is read while the thread is held.
#[test]
#[cfg(target_arch = "x86_64")]
fn a_program_without_debug_information_names_its_functions() {
    let (_dir, program) = built("callers-symbols", &["-O0", "-fno-omit-frame-pointer"]);
    assert_eq!(
        sleep_tail(&[&program]),
        ["← pause_a_little (program)", "← main (program)"]
    );
}

/// Under `strace -f`, which traces the program already, the supervisor cannot
/// trace it to read its frame pointer: the same chain stops where the next
/// caller needs it, and says so instead of guessing. The program still runs.
#[test]
#[cfg(target_arch = "x86_64")]
fn a_chain_stops_where_the_frame_pointer_cannot_be_read_and_says_so() {
    if let Err(err) = Command::new("strace").arg("-V").output() {
        panic!("{}", harness::running::strace_failure(&err));
    }
    let (_dir, program) = built("callers-traced", &["-O0", "-fno-omit-frame-pointer"]);
    assert_eq!(
        sleep_tail(&["strace", "-f", "-o", "/dev/null", &program]),
        [
            "← pause_a_little (program)".to_owned(),
            format!("← {}", common::tools::callers::NO_FRAME_POINTER),
        ]
    );
}

/// `--callers` holds each thread for a moment and has its syscall made again:
/// the program sees none of it. It prints what it prints without it, ends the
/// same way, and the run lists the same syscalls.
#[test]
fn callers_change_nothing_the_program_does_or_the_run_finds() {
    let plain = run(STEP, &["--learn"], TUTORIAL_INPUT);
    let with_callers = run(STEP, &["--learn", "--callers"], TUTORIAL_INPUT);
    assert_eq!(with_callers.stdout_text(), plain.stdout_text());
    assert_eq!(with_callers.status.code(), plain.status.code());
    let sorted = |run: &StepRun| {
        let mut names = learned_syscalls(run);
        names.sort();
        names
    };
    assert_eq!(
        sorted(&with_callers),
        sorted(&plain),
        "{}",
        with_callers.stderr_text()
    );
}

/// Where `--callers` cannot unwind, the report says so under each syscall, and
/// the rest of the report is as without it.
#[test]
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn elsewhere_each_syscall_says_callers_is_not_supported() {
    let run = run(STEP, &["--learn", "--callers"], TUTORIAL_INPUT);
    assert!(run.status.success(), "{}", run.stderr_text());
    let expected = format!(
        "(--callers is not supported on {}: only on x86_64 and aarch64)",
        std::env::consts::ARCH
    );
    for (name, chain) in chains(&run) {
        assert_eq!(chain, std::slice::from_ref(&expected), "{name}");
    }
}

/// Stopped during its sleep and continued (Ctrl-Z and `fg`, or SIGSTOP and
/// SIGCONT), the program resumes its sleep with `restart_syscall`, which
/// `--callers` holds and has made again like any other: the program still runs
/// to the end, and that syscall is listed with a chain of its own.
#[test]
fn a_program_stopped_and_continued_runs_to_the_end_with_callers() {
    for (signal, run) in harness::running::runs_stopped_and_continued(
        STEP,
        &["--learn", "--callers"],
        harness::running::StopAt::Sleep,
    ) {
        assert_eq!(
            run.stdout_text(),
            harness::running::OUTPUT_TO_THE_END,
            "{signal}"
        );
        assert!(run.status.success(), "{signal}: {}", run.stderr_text());
        let chains = chains(&run);
        assert!(
            chains
                .get("restart_syscall")
                .is_some_and(|chain| !chain.is_empty()),
            "{signal}: {}",
            run.stderr_text()
        );
    }
}

/// A program chooses the paths `/proc/PID/maps` shows. This one maps
/// `/dev/zero` as code (reading it would never end), and a file whose name it
/// then gives to a FIFO (opening it would wait for a writer forever), before
/// its first `getppid` (line 19): the supervisor reads neither, the program runs to the
/// end, and the chain of `getppid` still names `main`.
#[test]
#[cfg(target_arch = "x86_64")]
fn a_program_s_mappings_cannot_make_the_supervisor_hang_or_read_forever() {
    const MAPS_TRAPS: &str = r#"#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void map_then_replace(const char *path) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ftruncate(fd, 4096);
    mmap(0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    close(fd);
    unlink(path);
    mkfifo(path, 0600);
}

int main(int argc, char **argv) {
    int zero = open("/dev/zero", O_RDONLY);
    mmap(0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, zero, 0);
    map_then_replace(argv[1]);
    return getppid() == 0;
}
"#;
    let (dir, source, program) = harness::files::built_c_program(
        env!("CARGO_TARGET_TMPDIR"),
        "callers-traps",
        MAPS_TRAPS,
        &["-g", "-O1"],
    );
    let fifo = dir.join("mapped");
    let run = run(
        STEP,
        &[
            "--learn",
            "--callers",
            "--",
            program.to_str().unwrap(),
            fifo.to_str().unwrap(),
        ],
        b"",
    );
    assert!(run.status.success(), "{}", run.stderr_text());
    let main_c = source.display();
    assert_eq!(
        chains(&run)["getppid"].last().unwrap(),
        &format!("← main ({main_c}:19)"),
        "{}",
        run.stderr_text()
    );
}
