//! `--learn -- CMD` lists exactly the syscalls `strace -f` sees the command
//! make, from its `execve` on, minus the allow list (step 2's and `--allow`'s):
//! nothing of the step's own hand-over, nothing missed in any process.
//!
//! Each command runs twice, under `strace -f -n -qq -e trace=all -o FILE` and
//! under `step-3-reporting --learn --`, with the same input and environment;
//! the syscalls are compared by the numbers the kernel saw, which strace writes
//! with `-n` and the report after each name.
//! Both runs print the same and end the same, too: the filter changes nothing
//! the command does. The commands are a shell's pipeline, a shell that forks
//! many processes and `ls -R` of trees: every system the tests run on has them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::filter::TUTORIAL_ALLOW_LIST;
use harness::files::Scratch;
use harness::generated::sample_size;
use harness::runner::run_step;
use harness::running::{side_by_side, strace_failure};
use harness::syscalls::syscall_numbers;
use libseccomp::ScmpSyscall;

const STEP: &str = env!("CARGO_BIN_EXE_step-3-reporting");

/// A path for one strace log that no other run uses: the tests run side by side.
fn new_log_path() -> PathBuf {
    static LOGS: AtomicUsize = AtomicUsize::new(0);
    std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let n = LOGS.fetch_add(1, Ordering::Relaxed);
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("strace-{}-{n}.log", std::process::id()))
}

/// The syscalls of an `strace -f -n -o FILE` log, by the number the kernel
/// saw (`-n` writes it before the name, `PID [ NR] NAME(...`, also on a
/// syscall's `<... NAME resumed>` line): a name is no help where libseccomp
/// names a number otherwise (i386's `socket`, which it takes for a
/// multiplexed `socketcall`). Signal and exit lines (`---`, `+++`) have none.
fn strace_syscalls(log: &str) -> BTreeSet<i64> {
    log.lines()
        .filter_map(|line| {
            let rest = line.split_once(' ')?.1.trim_start();
            let number = rest.strip_prefix('[')?.split_once(']')?.0.trim();
            number.parse().ok()
        })
        .collect()
}

/// The numbers of the syscalls `--learn` lists on stderr, each on a line
/// `NAME(NR)`.
fn learned_numbers(stderr: &str) -> BTreeSet<i64> {
    stderr
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.split_once('(')?;
            let number = rest.strip_suffix(')')?;
            name.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                .then(|| number.parse().ok())
                .flatten()
        })
        .collect()
}

/// The names of `numbers`, for a failure's message.
fn names(numbers: &BTreeSet<i64>) -> Vec<String> {
    numbers
        .iter()
        .map(|&nr| {
            ScmpSyscall::from(nr as i32)
                .get_name()
                .unwrap_or_else(|_| format!("#{nr}"))
        })
        .collect()
}

/// Runs `command` under `strace -f` and under `--learn` with `also_allow`, and
/// asserts that the two print the same, end the same, and that `--learn` lists
/// exactly what strace saw minus the allow list and `also_allow`; returns how
/// many syscalls strace saw the command make.
#[track_caller]
fn assert_learn_sees_what_strace_sees(also_allow: &[&str], command: &[&str]) -> usize {
    let log = new_log_path();
    let mut args = vec!["--learn"];
    let list = also_allow.join(",");
    if !also_allow.is_empty() {
        args.extend(["--allow", &list]);
    }
    args.push("--");
    args.extend(command);
    let context = format!("{command:?} with --allow {list:?}");
    // The two runs do not depend on each other: they go side by side.
    let (traced, learned_run) = side_by_side(
        || {
            run_step(
                Command::new("strace")
                    .args(["-f", "-n", "-qq", "-e", "trace=all", "-o"])
                    .arg(&log)
                    .args(command),
                b"",
            )
            .unwrap_or_else(|err| panic!("{context}: {}", strace_failure(&err)))
        },
        || run_step(Command::new(STEP).args(&args), b"").expect("step 3 runs"),
    );
    let strace_log = std::fs::read_to_string(&log).unwrap();
    std::fs::remove_file(&log).unwrap();
    let seen = strace_syscalls(&strace_log);

    let learned = learned_numbers(&learned_run.stderr_text());

    let allowed: BTreeSet<i64> = syscall_numbers(&[TUTORIAL_ALLOW_LIST, also_allow].concat())
        .into_iter()
        .collect();
    let expected: BTreeSet<i64> = seen.difference(&allowed).copied().collect();
    assert_eq!(
        (names(&learned), learned_run.ending()),
        (names(&expected), traced.ending()),
        "{context}: --learn listed {:?} more and {:?} fewer than strace saw; --learn's \
         report:\n{}",
        names(&learned.difference(&expected).copied().collect()),
        names(&expected.difference(&learned).copied().collect()),
        learned_run.stderr_text()
    );
    assert_eq!(
        learned_run.stdout, traced.stdout,
        "{context}: the command's output"
    );
    assert_eq!(learned_run.forked, traced.forked, "{context}");
    assert!(
        !learned.is_empty(),
        "{context}: a command needs more than step 2 allows"
    );
    // A syscall that another process interrupted has a second line, `resumed`.
    strace_log
        .lines()
        .filter(|line| line.contains("] ") && !line.contains(" resumed>"))
        .count()
}

/// A pipeline: a shell, `ls` and `wc`, three processes under one filter.
#[test]
fn a_pipeline_in_a_shell() {
    assert_learn_sees_what_strace_sees(&[], &["sh", "-c", "ls / | wc -l"]);
}

/// A shell that forks twenty processes at once and waits for them (bash, which
/// blocks SIGCHLD while it forks: under `--learn` a child's SIGCHLD could
/// otherwise interrupt a fork that waits for the supervisor, as `command.rs`
/// shows).
#[test]
fn a_shell_that_forks_many_processes() {
    assert_learn_sees_what_strace_sees(
        &[],
        &[
            "bash",
            "-c",
            "for ((i = 0; i < 20; i++)); do /bin/true & done; wait",
        ],
    );
}

/// `ls -R` of the book's folder, and with `--allow`: the names allowed are left
/// out of the list, and nothing else.
#[test]
fn ls_of_a_tree_with_and_without_allow() {
    let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs");
    assert_learn_sees_what_strace_sees(&[], &["ls", "-R", docs]);
    assert_learn_sees_what_strace_sees(&["openat", "getdents64", "close"], &["ls", "-R", docs]);
}

/// `ls -R` of a tree of 3000 folders of three files each: some twenty thousand
/// syscalls, as many on every machine. (The bench, `cargo bench -p
/// step-3-reporting --bench learn`, measures `ls -R /usr/share`, whose size
/// depends on what a machine has installed: sixty thousand syscalls on one
/// with a desktop's fonts and a browser.) Under emulation, a quarter of it.
#[test]
fn ls_of_a_tree_of_thousands_of_folders() {
    let tree = thousands_of_folders(sample_size(3000));
    let calls = assert_learn_sees_what_strace_sees(&[], &["ls", "-R", tree.to_str().unwrap()]);
    assert!(calls > sample_size(15_000), "{calls} syscalls");
}

/// A tree of `folders` folders of three empty files each, in Cargo's temporary
/// directory: made the first time, and kept (only read, it serves every later
/// run; `cargo clean` removes it), since making and removing twelve thousand
/// files takes seconds on some disks. Made under another name and renamed into
/// place, so that a run never sees a tree half made.
fn thousands_of_folders(folders: usize) -> PathBuf {
    let tree = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ls-tree-{folders}"));
    if !tree.is_dir() {
        let making = Scratch::new(env!("CARGO_TARGET_TMPDIR"), "ls-tree-making");
        for folder in 0..folders {
            let folder = making.join(format!("{}/{}", folder / 75, folder % 75));
            std::fs::create_dir_all(&folder).unwrap();
            for file in ["a", "b", "c"] {
                std::fs::write(folder.join(file), "").unwrap();
            }
        }
        // Another run may have made it meanwhile: then this one's goes.
        let _ = std::fs::rename(&making, &tree);
    }
    tree
}

/// Between loading its filter and executing the command, the command's process
/// makes one syscall, the `write` of the listener's number, which the allow
/// list allows: nothing of the step's own is notified, and nothing is
/// allocated that would need `brk` or `mmap`. (strace traces the step itself.)
#[test]
fn the_command_s_process_makes_one_write_between_its_filter_and_execve() {
    let log = new_log_path();
    let run = run_step(
        Command::new("strace")
            .args(["-f", "-qq", "-o"])
            .arg(&log)
            .args([STEP, "--learn", "--", "true"]),
        b"",
    )
    .expect("strace runs");
    assert_eq!(
        run.ending(),
        harness::runner::Ending::Exited(0),
        "{}",
        run.stderr_text()
    );
    let log = {
        let text = std::fs::read_to_string(&log).unwrap();
        std::fs::remove_file(&log).unwrap();
        text
    };
    let calls: Vec<(&str, &str)> = log
        .lines()
        .filter_map(|line| {
            let (pid, call) = line.split_once(' ')?;
            Some((pid, call.trim_start()))
        })
        .collect();
    let (load, pid) = calls
        .iter()
        .enumerate()
        .find_map(|(at, (pid, call))| {
            (call.starts_with("seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER")
                && call.contains("{len="))
            .then_some((at, *pid))
        })
        .unwrap_or_else(|| panic!("no filter loaded with a listener:\n{log}"));
    let between: Vec<&str> = calls[load + 1..]
        .iter()
        // A call another process's interrupts ends on a `<... NAME resumed>` line.
        .filter(|(who, call)| *who == pid && !call.starts_with('<'))
        .map(|(_, call)| call.split_once('(').map_or(*call, |(name, _)| name))
        .take_while(|name| *name != "execve")
        .collect();
    assert_eq!(between, ["write"], "{log}");
}

/// The log parser reads the forms strace writes with `-f -n -o FILE`, and the
/// report's parser the lines `--learn` prints.
#[test]
fn strace_logs_and_reports_are_read_by_number() {
    let log = "100 [  59] execve(\"/bin/ls\", [\"ls\"], 0x7ffd /* 20 vars */) = 0\n\
               100 [   0] read(3, <unfinished ...>\n\
               101 [  61] <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101\n\
               100 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---\n\
               100 +++ exited with 0 +++\n\
               101 [ 219] restart_syscall(<... resuming interrupted clock_nanosleep ...>) = 0\n\
               102 [ 451] syscall_0x1c3(0, 0) = -1 ENOSYS (Function not implemented)\n";
    assert_eq!(strace_syscalls(log), BTreeSet::from([0, 59, 61, 219, 451]));
    let report = "step-3-reporting: it made 2 syscalls that step 2's allow list does not allow, first made in this order:\n\
                  socket(359)\n\
                  openat(257)\n\
                  --allow socket,openat\n";
    assert_eq!(learned_numbers(report), BTreeSet::from([257, 359]));
}
