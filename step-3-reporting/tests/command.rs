//! `--learn -- CMD`: any command learned from its `execve` on, in every process
//! it forks, with its own output and exit status. A command that cannot be run
//! is refused before anything runs; Ctrl-C, Ctrl-Z and the supervisor's death do
//! what the book says.
//!
//! Nothing here names this machine's list of syscalls: each name is checked
//! through libseccomp, and only what any `ls` or shell must do is asserted.
//! Commands are the shell's and `ls`, which every system the tests run on has.

use std::path::PathBuf;
use std::process::Command;

use assert_cmd::assert::OutputAssertExt;
use common::filter::TUTORIAL_ALLOW_LIST;
use harness::files::{write_executable, Scratch};
use harness::runner::{drive_step, proc, send_signal, wait_until, wait_until_stopped, Ending};
use harness::runner::{Signal, StepRun};
use harness::running::run;
use harness::syscalls::{learned_syscalls, sleep_syscall_numbers, SLEEP_SYSCALLS};
use nix::unistd::Pid;
use predicates::prelude::*;

const STEP: &str = env!("CARGO_BIN_EXE_step-3-reporting");

/// The report's first line for a command that ended as `ending` and left no
/// process behind.
fn first_line(ending: &str) -> String {
    format!("step-3-reporting: the command's process: {ending}; it left no process behind\n")
}

/// Runs `--learn`, with `options` before `--`, on `command`; returns the run and
/// the syscalls it listed.
fn learn_with(options: &[&str], command: &[&str]) -> (StepRun, Vec<String>) {
    let mut args = vec!["--learn"];
    args.extend(options);
    args.push("--");
    args.extend(command);
    let run = run(STEP, &args, b"");
    let learned = learned_syscalls(&run);
    (run, learned)
}

fn learn(command: &[&str]) -> (StepRun, Vec<String>) {
    learn_with(&[], command)
}

/// A file `name` holding `text` with permissions `mode`, in a scratch
/// directory of the test's (see `harness::files::Scratch`), which goes when
/// the test passes: keep the directory while the file is used.
fn temporary(name: &str, text: &str, mode: u32) -> (Scratch, PathBuf) {
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), name);
    let path = dir.join(name);
    write_executable(&path, text, mode);
    (dir, path)
}

/// `--learn -- /bin/ls /` prints what `ls /` prints and exits 0, and lists
/// what `ls` needs beyond the allow list, from its `execve` on: `execve` first,
/// then, among the rest, `openat` and `getdents64`, to open `/` and read its
/// entries; each once, none of the allow list, and last the `--allow` option:
/// no rules for step 4's policy, which is the tutorial program's.
#[test]
fn learn_lists_what_ls_needs_from_its_execve_on() {
    let bare = run("/bin/ls", &["/"], b"");
    let (run, learned) = learn(&["/bin/ls", "/"]);
    let stderr = run.stderr_text();
    assert_eq!(run.stdout_text(), bare.stdout_text());
    assert_eq!(run.ending(), Ending::Exited(0), "{stderr}");
    assert!(run.forked.is_empty(), "{:?}", run.forked);
    assert!(
        stderr.starts_with(&format!(
            "{}step-3-reporting: it made {} syscalls that step 2's allow list does not allow, \
             first made in this order:\nexecve(",
            first_line("exit status 0"),
            learned.len()
        )),
        "{stderr}"
    );
    assert_eq!(learned[0], "execve");
    for name in ["openat", "getdents64"] {
        assert!(learned.iter().any(|n| n == name), "{name}: {learned:?}");
    }
    let mut unique = learned.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), learned.len(), "each once: {learned:?}");
    for name in &learned {
        assert!(!TUTORIAL_ALLOW_LIST.contains(&name.as_str()), "{name}");
    }
    assert!(
        stderr.ends_with(&format!(
            "\nstep-3-reporting: to allow them in step 3: --allow {}\n",
            learned.join(",")
        )),
        "{stderr}"
    );
}

/// With everything it listed passed to `--allow`, `--learn` finds nothing more
/// for the same command, which still prints what it printed.
#[test]
fn what_learn_lists_for_a_command_is_all_it_needs() {
    let (first, learned) = learn(&["/bin/ls", "/"]);
    let list = learned.join(",");
    let (again, more) = learn_with(&["--allow", &list], &["/bin/ls", "/"]);
    assert_eq!(more, Vec::<String>::new());
    assert_eq!(again.stdout_text(), first.stdout_text());
    assert_eq!(
        again.stderr_text(),
        format!(
            "{}step-3-reporting: it made no syscall that the allow list (step 2's and --allow) \
             does not allow\n",
            first_line("exit status 0")
        )
    );
}

/// The step exits with the command's own status.
#[test]
fn learn_exits_with_the_command_s_status() {
    let (run, learned) = learn(&["sh", "-c", "exit 7"]);
    assert_eq!(run.ending(), Ending::Exited(7));
    assert!(
        run.stderr_text().starts_with(&first_line("exit status 7")),
        "{}",
        run.stderr_text()
    );
    assert_eq!(learned[0], "execve");
}

/// A command killed by a signal: the step exits as a shell reports it, 128 plus
/// the signal's number, and says so on stderr, with the run cut short.
#[test]
fn a_command_killed_by_a_signal_exits_as_a_shell_says() {
    let (run, _) = learn(&["sh", "-c", "kill -SEGV $$"]);
    assert_eq!(run.ending(), Ending::Exited(128 + libc::SIGSEGV));
    let stderr = run.stderr_text();
    assert!(
        stderr.starts_with(&format!(
            "{}step-3-reporting: the run was cut short: 1 supervised process was killed by a \
             signal, so the command may need syscalls it did not get to make\n\
             step-3-reporting: it made at least ",
            first_line(&format!(
                "killed by SIGSEGV (Segmentation fault), status {} in a shell",
                128 + libc::SIGSEGV
            ))
        )),
        "{stderr}"
    );
}

/// A command that is not on `PATH`, a path to nothing, a file that may not be
/// executed and a directory are refused as a shell refuses them (127 for the
/// first two, 126 for the others), in one line, before anything runs.
#[test]
fn a_command_that_cannot_be_run_is_refused_before_anything_runs() {
    let (_dir, plain) = temporary("not-executable", "echo ran\n", 0o644);
    let plain = plain.to_str().unwrap();
    for (command, status, line) in [
        (
            "no-such-command-anywhere",
            127,
            "no-such-command-anywhere: command not found".to_owned(),
        ),
        (
            "./no/such/file",
            127,
            "./no/such/file: No such file or directory".to_owned(),
        ),
        (plain, 126, format!("{plain}: Permission denied")),
        ("/", 126, "/: Is a directory".to_owned()),
    ] {
        let (run, _) = learn(&[command, "an argument"]);
        run.output()
            .assert()
            .code(status)
            .stdout("")
            .stderr(format!("step-3-reporting: error: {line}\n"));
        assert!(run.forked.is_empty(), "{command}: {:?}", run.forked);
    }
}

/// A file without `#!` that may be executed is a shell script to `execvp`, and
/// so to `--learn`: `execve` refuses it (ENOEXEC), and `/bin/sh` runs it, under
/// the same filter, with the step's report.
#[test]
fn a_script_without_a_shebang_is_run_by_the_shell() {
    let (_dir, script) = temporary(
        "no-shebang",
        "echo from a script without a shebang\n",
        0o755,
    );
    let (run, learned) = learn(&[script.to_str().unwrap()]);
    assert_eq!(run.stdout_text(), "from a script without a shebang\n");
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    assert_eq!(learned[0], "execve");
}

/// A command after `--` runs only with `--learn`: without it, `--` and
/// `--print-filter --` are usage errors (status 2) that name `--learn`, and
/// nothing runs.
#[test]
fn a_command_without_learn_is_a_usage_error() {
    for args in [
        &["--", "sh", "-c", "echo ran"][..],
        &["--print-filter", "--", "sh", "-c", "echo ran"],
        &["--allow", "clone", "--", "sh", "-c", "echo ran"],
    ] {
        run(STEP, args, b"")
            .output()
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("--learn"));
    }
}

/// `--learn --print-filter -- CMD` prints the filter the command would run
/// under, without running it: step 3's allow list with the Notify action and
/// nothing else, no rule for `sendmsg` or `close` as the tutorial program's
/// hand-over has. `--simulate` answers from the same filter: a `close` of any
/// descriptor is notified.
#[test]
fn print_filter_and_simulate_show_the_command_s_filter() {
    let pfc = run(
        STEP,
        &["--learn", "--print-filter", "--", "sh", "-c", "echo ran"],
        b"",
    );
    pfc.output()
        .assert()
        .code(0)
        .stdout(predicate::str::contains("ran").not());
    harness::assertions::assert_pfc_names(&pfc.stdout_text(), TUTORIAL_ALLOW_LIST);
    let bpf = run(STEP, &["--learn", "--print-filter=bpf", "--", "true"], b"");
    let listing = bpf.stdout_text();
    assert!(listing.contains("ret USER_NOTIF\n"), "{listing}");
    for name in ["sendmsg", "close"] {
        assert!(!listing.contains(&format!("; {name}\n")), "{listing}");
    }
    let program = run(STEP, &["--learn", "--print-filter=bpf"], b"").stdout_text();
    assert!(program.contains("; sendmsg\n"), "{program}");
    for fd in ["0", "3", "4"] {
        let call = format!("close({fd})");
        run(STEP, &["--learn", "--simulate", &call, "--", "true"], b"")
            .output()
            .assert()
            .code(0)
            .stdout(predicate::str::ends_with("action: USER_NOTIF\n"));
    }
}

/// The command runs with NO_NEW_PRIVS (the kernel grants nothing through
/// `execve` any more) and under one seccomp filter more than the test itself
/// (none, unless a container's), as the kernel shows in `/proc/self/status`.
#[test]
fn the_command_runs_with_no_new_privs_under_the_filter() {
    let own = std::fs::read_to_string("/proc/self/status").unwrap();
    let filters: u32 = own
        .lines()
        .find_map(|line| line.strip_prefix("Seccomp_filters:"))
        .map_or(0, |n| n.trim().parse().unwrap());
    let (run, _) = learn(&[
        "grep",
        "-E",
        "^(NoNewPrivs|Seccomp|Seccomp_filters):",
        "/proc/self/status",
    ]);
    assert_eq!(
        run.stdout_text(),
        format!(
            "NoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t{}\n",
            filters + 1
        ),
        "{}",
        run.stderr_text()
    );
}

/// A set-user-ID program gains no privileges under `--learn`: `id`, made
/// set-user-ID to `nobody` (as root), says `euid=65534` when run bare, and
/// nothing of the kind under `--learn`, whose NO_NEW_PRIVS the kernel honours.
#[test]
#[ignore = "needs root, to make a set-user-ID copy of id: as root, run cargo test --workspace -- --include-ignored"]
fn a_set_user_id_command_runs_with_the_caller_s_privileges() {
    // SAFETY: a query without arguments.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "only root can make a set-user-ID copy of `id` for another user"
    );
    // A busybox system's `id` is a link to busybox, which a copy under
    // another name would not run as `id`.
    assert!(
        std::fs::symlink_metadata("/usr/bin/id").is_ok_and(|m| !m.file_type().is_symlink()),
        "/usr/bin/id is missing or a link (to busybox?): this test needs coreutils' id"
    );
    let dir = Scratch::new(env!("CARGO_TARGET_TMPDIR"), "setuid-id");
    let id = dir.join("id");
    // Copied by `cp`, not by this process: see `write_executable`.
    let copied = Command::new("sh")
        .args([
            "-c",
            "cp /usr/bin/id \"$1\" && chown 65534 \"$1\" && chmod 4755 \"$1\"",
            "sh",
        ])
        .arg(&id)
        .status()
        .expect("sh runs");
    assert!(copied.success(), "a set-user-ID copy of /usr/bin/id");
    let bare = run(&id, &[], b"").stdout_text();
    assert!(
        bare.contains("euid=65534"),
        "{} is on a file system that ignores set-user-ID bits ({bare}): set \
         CARGO_TARGET_DIR to a folder on one that does not",
        id.display()
    );
    let (learned, _) = learn(&[id.to_str().unwrap()]);
    let stdout = learned.stdout_text();
    assert!(
        stdout.starts_with("uid=0(") && !stdout.contains("euid="),
        "{stdout}"
    );
    assert_eq!(learned.ending(), Ending::Exited(0));
}

/// A shell that forks fifty processes and waits for them: the supervisor
/// answers them all, the step exits 0, and the list has the shell's `execve`,
/// the forks and the waits. The shell collects its children itself: none is
/// left behind. (Bash, which blocks SIGCHLD while it forks: see
/// [`a_signal_interrupts_a_syscall_that_waits_for_the_supervisor`] for what a
/// child's SIGCHLD does to a shell that does not.)
#[test]
fn a_command_that_forks_many_processes_is_followed_into_each() {
    let (run, learned) = learn(&[
        "bash",
        "-c",
        "for ((i = 0; i < 50; i++)); do /bin/true & done; wait",
    ]);
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    assert!(run.forked.is_empty(), "{:?}", run.forked);
    assert!(
        run.stderr_text().starts_with(&first_line("exit status 0")),
        "{}",
        run.stderr_text()
    );
    assert_eq!(learned[0], "execve");
    let forks = ["clone", "clone3", "fork", "vfork"];
    assert!(
        learned.iter().any(|n| forks.contains(&n.as_str())),
        "{learned:?}"
    );
    let waits = ["wait4", "waitid"];
    assert!(
        learned.iter().any(|n| waits.contains(&n.as_str())),
        "{learned:?}"
    );
}

/// A process the command leaves behind (its parent ended first) is handed to
/// the supervisor, which waits for it, names its ending in the report, and only
/// then exits, with the command's own status.
#[test]
fn a_process_left_behind_is_collected_by_the_supervisor() {
    let (run, _) = learn(&["sh", "-c", "sleep 0.3 & exit 3"]);
    assert_eq!(run.ending(), Ending::Exited(3), "{}", run.stderr_text());
    assert!(run.forked.is_empty(), "{:?}", run.forked);
    assert!(
        run.stderr_text().starts_with(
            "step-3-reporting: the command's process: exit status 3; \
             the process it left behind: exit status 0\n"
        ),
        "{}",
        run.stderr_text()
    );
}

/// The process of the run that sleeps, once it sleeps in the kernel (the
/// supervisor has let its sleep run).
fn sleeping_process(group: Pid) -> std::io::Result<Pid> {
    let sleep = sleep_syscall_numbers();
    wait_until(
        "a process of the run sleeps",
        || {
            proc::live_in_group(group).into_iter().find(|&pid| {
                proc::blocked_in_syscall(pid).is_some_and(|nr| sleep.contains(&nr))
                    && !proc::wait_channel(pid).is_some_and(|wchan| wchan.contains("seccomp"))
            })
        },
        || proc::describe(&proc::live_in_group(group)),
    )
}

/// Waits until no process of the run whose process group is `group` is left.
fn every_process_ended(group: Pid) -> std::io::Result<()> {
    wait_until(
        "every process of the run has ended",
        || proc::live_in_group(group).is_empty().then_some(()),
        || proc::describe(&proc::live_in_group(group)),
    )
}

/// Ctrl-Z and `fg` (SIGTSTP, then SIGCONT, to the run's whole process group)
/// while the command sleeps: the supervisor and the command stop and go on,
/// the step exits 0, and the list has `restart_syscall` after the sleep, with
/// which the kernel resumed it.
#[test]
fn ctrl_z_and_fg_stop_and_continue_the_run() {
    let (run, ()) = drive_step(
        Command::new(STEP).args(["--learn", "--", "sleep", "1"]),
        |step| {
            let group = step.pid();
            let sleeper = sleeping_process(group)?;
            nix::sys::signal::killpg(group, Signal::SIGTSTP)?;
            wait_until(
                "Ctrl-Z stops the supervisor and the command",
                || {
                    [group, sleeper]
                        .iter()
                        .all(|&pid| proc::state(pid) == Some('T'))
                        .then_some(())
                },
                || proc::describe(&[group, sleeper]),
            )?;
            nix::sys::signal::killpg(group, Signal::SIGCONT)?;
            Ok(())
        },
    )
    .unwrap_or_else(|err| panic!("{err}"));
    let learned = learned_syscalls(&run);
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    let sleep = learned
        .iter()
        .position(|n| SLEEP_SYSCALLS.contains(&n.as_str()))
        .unwrap_or_else(|| panic!("no sleep in {learned:?}"));
    let restart = learned
        .iter()
        .position(|n| n == "restart_syscall")
        .unwrap_or_else(|| panic!("no restart_syscall in {learned:?}"));
    assert!(sleep < restart, "{learned:?}");
}

/// Ctrl-C (SIGINT to the run's process group) while the command sleeps: the
/// command dies of it; the supervisor, which ignores SIGINT as GNU `time` does,
/// reports that and exits as a shell reports it, 130.
#[test]
fn ctrl_c_ends_the_command_and_the_report_says_so() {
    let (run, ()) = drive_step(
        Command::new(STEP).args(["--learn", "--", "sleep", "10"]),
        |step| {
            let group = step.pid();
            sleeping_process(group)?;
            nix::sys::signal::killpg(group, Signal::SIGINT)?;
            Ok(())
        },
    )
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(run.ending(), Ending::Exited(128 + libc::SIGINT));
    assert!(run.forked.is_empty(), "{:?}", run.forked);
    assert!(
        run.stderr_text().starts_with(&format!(
            "{}step-3-reporting: the run was cut short: 1 supervised process was killed by a \
             signal, so the command may need syscalls it did not get to make\n",
            first_line("killed by SIGINT (Interrupt), status 130 in a shell")
        )),
        "{}",
        run.stderr_text()
    );
}

/// The supervisor killed with `signal` once both sleeps of `sh -c 'sleep 30 &
/// sleep 30'` sleep; returns the run, after every process of it has ended.
fn kill_the_supervisor_of_two_sleeps(signal: Signal) -> StepRun {
    let (run, ()) = drive_step(
        Command::new(STEP).args([
            "--learn",
            "--",
            "sh",
            "-c",
            "sleep 30 & sleep 30; echo never",
        ]),
        |step| {
            let group = step.pid();
            wait_until(
                "both sleeps sleep",
                || {
                    let sleep = sleep_syscall_numbers();
                    let sleeping = proc::live_in_group(group)
                        .into_iter()
                        .filter(|&pid| {
                            proc::blocked_in_syscall(pid).is_some_and(|nr| sleep.contains(&nr))
                                && !proc::wait_channel(pid)
                                    .is_some_and(|wchan| wchan.contains("seccomp"))
                        })
                        .count();
                    (sleeping == 2).then_some(())
                },
                || proc::describe(&proc::live_in_group(group)),
            )?;
            send_signal(group, signal)?;
            every_process_ended(group)
        },
    )
    .unwrap_or_else(|err| panic!("{signal}: {err}"));
    assert_eq!(run.ending(), Ending::Signaled(signal as i32));
    assert_eq!(run.stdout_text(), "", "{signal}");
    run
}

/// `kill PID` (SIGTERM) or a hang-up (SIGHUP) of the supervisor ends every
/// process it supervises with it, the shell and both its sleeps, by SIGKILL:
/// none runs on without answers. The test, a subreaper, collects them: the
/// shell, and the sleeps it did not collect itself as it died.
#[test]
fn a_terminated_supervisor_ends_every_process_of_the_command() {
    for signal in [Signal::SIGTERM, Signal::SIGHUP] {
        let run = kill_the_supervisor_of_two_sleeps(signal);
        assert!(
            (2..=3).contains(&run.forked.len())
                && run
                    .forked
                    .iter()
                    .all(|&e| e == Ending::Signaled(libc::SIGKILL)),
            "{signal}: {:?}",
            run.forked
        );
    }
}

/// Runs `--learn -- COMMAND`, kills the supervisor with SIGKILL once a process
/// of the command sleeps, and returns the run once every process has ended,
/// the supervisor killed.
fn kill_the_supervisor_once_asleep(command: &[&str]) -> StepRun {
    let (run, ()) = drive_step(
        Command::new(STEP).args(["--learn", "--"]).args(command),
        |step| {
            let group = step.pid();
            sleeping_process(group)?;
            send_signal(group, Signal::SIGKILL)?;
            every_process_ended(group)
        },
    )
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(run.ending(), Ending::Signaled(libc::SIGKILL));
    run
}

/// SIGKILL cannot be caught: the supervisor killed by it takes the command's
/// own process with it, by the death signal, which stays across `execve`.
#[test]
fn a_killed_supervisor_takes_the_command_s_process_with_it() {
    let run = kill_the_supervisor_once_asleep(&["sleep", "30"]);
    assert_eq!(run.forked, [Ending::Signaled(libc::SIGKILL)]);
    assert_eq!(run.stderr_text(), "");
}

/// ...but not the processes the command forked, which have no death signal:
/// the shell dies, its sleep runs on without a supervisor (its refused
/// syscalls fail with ENOSYS) and ends by itself, and the shell's last line
/// never comes. The book says so.
#[test]
fn a_killed_supervisor_leaves_the_command_s_children_to_end_by_themselves() {
    let run = kill_the_supervisor_once_asleep(&["sh", "-c", "sleep 1; echo after"]);
    assert_eq!(run.stdout_text(), "");
    let mut endings = run.forked.clone();
    endings.sort_by_key(|ending| ending.shell_status());
    assert!(
        matches!(
            endings[..],
            [Ending::Exited(_), Ending::Signaled(libc::SIGKILL)]
        ),
        "the sleep ends by itself, the shell by SIGKILL: {endings:?}"
    );
}

/// Runs `command` under `--learn`, kills the supervisor with SIGKILL once the
/// command sleeps, and returns whether the sleeping process was still alive a
/// moment after the supervisor had gone (then the test kills it).
fn outlives_a_killed_supervisor(command: &[&str]) -> bool {
    let (_, alive) = drive_step(
        Command::new(STEP).args(["--learn", "--"]).args(command),
        |step| {
            let group = step.pid();
            let sleeper = sleeping_process(group)?;
            send_signal(group, Signal::SIGKILL)?;
            wait_until(
                "the supervisor has gone",
                || (!proc::is_alive(group)).then_some(()),
                || proc::describe(&[group]),
            )?;
            std::thread::sleep(std::time::Duration::from_millis(200));
            let alive = proc::is_alive(sleeper);
            let _ = send_signal(sleeper, Signal::SIGKILL);
            every_process_ended(group)?;
            Ok(alive)
        },
    )
    .unwrap_or_else(|err| panic!("{err}"));
    alive
}

/// The death signal is the kernel's, and the kernel clears it when a process
/// changes its credentials, or when the process clears it itself: a command
/// that does so outlives a supervisor killed by SIGKILL, as the README, the
/// book and `--help` say. Here `setpriv --pdeathsig clear`, which any user may
/// run, clears it before it executes `sleep`; without it, the sleep dies.
#[test]
fn a_command_that_clears_its_death_signal_outlives_a_killed_supervisor() {
    assert!(!outlives_a_killed_supervisor(&["sleep", "30"]));
    assert!(outlives_a_killed_supervisor(&[
        "setpriv",
        "--pdeathsig",
        "clear",
        "sleep",
        "30"
    ]));
}

/// A command run as root that drops its privileges (`setpriv --reuid`, as
/// `su` and `runuser` do) changes its credentials, and the kernel clears its
/// death signal: it outlives a supervisor killed by SIGKILL.
#[test]
#[ignore = "needs root, to change a command's credentials: as root, run cargo test --workspace -- --include-ignored"]
fn a_command_that_changes_its_credentials_outlives_a_killed_supervisor() {
    // SAFETY: a query without arguments.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "only root can change its user"
    );
    assert!(outlives_a_killed_supervisor(&[
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "sleep",
        "30"
    ]));
}

/// Runs `bash -c SCRIPT` (which traps SIGUSR1 and reads a line) under
/// `--learn`, with everything it needs allowed but `notified`, and drives it:
/// once the shell waits for its line, stops the supervisor and gives the shell
/// its line; once the shell waits for the supervisor in one of `waits_in`,
/// sends it SIGUSR1 and waits for the trap's `caught`; then `meanwhile` runs
/// (with the shell's pid), and the supervisor is continued.
fn interrupt_while_the_supervisor_is_stopped(
    script: &str,
    notified: &[&str],
    waits_in: &[&str],
    meanwhile: impl FnOnce(Pid) -> std::io::Result<()>,
) -> StepRun {
    let (_, needs) = learn(&["bash", "-c", script]);
    let allow: Vec<&str> = needs
        .iter()
        .map(String::as_str)
        .filter(|name| !notified.contains(name))
        .collect();
    let allow = allow.join(",");
    let waits_in = harness::syscalls::syscall_numbers(waits_in);
    let read = harness::syscalls::syscall_numbers(&["read"]);
    let args = ["--learn", "--allow", &allow, "--", "bash", "-c", script];
    let (run, ()) = drive_step(Command::new(STEP).args(args), |step| {
        let supervisor = step.pid();
        let shell = wait_until(
            "the shell waits for its line",
            || {
                proc::children(supervisor)
                    .into_iter()
                    .find(|&pid| proc::blocked_in_syscall(pid).is_some_and(|nr| read.contains(&nr)))
            },
            || proc::describe(&proc::live_in_group(supervisor)),
        )?;
        send_signal(supervisor, Signal::SIGSTOP)?;
        wait_until_stopped("the supervisor stops", supervisor)?;
        step.write_stdin(b"go\n")?;
        wait_until(
            "the shell waits for the supervisor",
            || proc::waits_for_supervisor(shell, &waits_in).then_some(()),
            || proc::describe(&[shell]),
        )?;
        send_signal(shell, Signal::SIGUSR1)?;
        step.wait_for_stdout("caught\n")?;
        meanwhile(shell)?;
        send_signal(supervisor, Signal::SIGCONT)
    })
    .unwrap_or_else(|err| panic!("{err}"));
    run
}

/// A signal that comes while a syscall waits for the supervisor interrupts it,
/// as the kernel's user notification has it: a handler installed without
/// `SA_RESTART` then sees EINTR, even from an `open` of a file, which without a
/// filter no signal interrupts. Here the shell opens a file for a redirection
/// while the supervisor is stopped, and SIGUSR1 comes, which the shell traps
/// (bash's handlers have no `SA_RESTART`). Bash runs a trap only once the
/// syscall it is in has returned, and it opens again after an EINTR: so
/// `caught` comes while the supervisor is still stopped, and the shell waits
/// in a second open, which the supervisor answers once continued. Everything
/// else the shell needs is allowed, so that its open is the first syscall
/// after `read` that waits. (A fork would show the same where the shell forks
/// with signals unblocked; Debian 13's blocks them around a fork, and there
/// the signal waits for the fork to return.)
#[test]
fn a_signal_interrupts_a_syscall_that_waits_for_the_supervisor() {
    let opens = ["open", "openat", "openat2"];
    let open_numbers = harness::syscalls::syscall_numbers(&opens);
    let run = interrupt_while_the_supervisor_is_stopped(
        "trap 'echo caught' USR1; read line; read other < /dev/null; echo after",
        &opens,
        &opens,
        // The trap ran: the open returned, though nobody answered it.
        |shell| {
            wait_until(
                "the shell opens again, and waits for the supervisor",
                || proc::waits_for_supervisor(shell, &open_numbers).then_some(()),
                || proc::describe(&[shell]),
            )
        },
    );
    assert_eq!(
        run.stdout_text(),
        "caught\nafter\n",
        "{}",
        run.stderr_text()
    );
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
}

/// Runs `bash -c SCRIPT` (which traps SIGUSR1, reads a line, then calls
/// `umask`) under `--learn`, with everything it needs allowed but `umask` and
/// `also_notified`, and interrupts its `umask` while the supervisor is stopped
/// ([`interrupt_while_the_supervisor_is_stopped`]). The kernel withdraws the
/// notification before the supervisor received it, and bash's handler,
/// without `SA_RESTART`, lets `umask` return at once, never to be made again.
fn interrupt_an_unseen_umask(script: &str, also_notified: &[&str]) -> StepRun {
    let notified = [&["umask"], also_notified].concat();
    let run = interrupt_while_the_supervisor_is_stopped(script, &notified, &["umask"], |_| Ok(()));
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    assert!(
        !learned_syscalls(&run).iter().any(|name| name == "umask"),
        "{}",
        run.stderr_text()
    );
    run
}

/// A syscall that a signal interrupted before the supervisor received its
/// notification, and that is never made again, leaves no trace in the list,
/// so the report does not claim to be complete: when it was the run's last
/// notified syscall, it says that the supervisor was stopped meanwhile, and
/// when it came between two notifications the supervisor received, that the
/// kernel's numbering of the notifications skipped one.
#[test]
fn a_syscall_withdrawn_before_the_supervisor_saw_it_makes_the_report_say_at_least() {
    let stopped = "\nstep-3-reporting: the supervisor was stopped while the command ran: a \
                   syscall that a signal interrupted meanwhile, before the supervisor received \
                   it, is listed only if it was made again\n";
    let lost = "\nstep-3-reporting: 1 notification was lost: its process was killed, or a \
                signal interrupted its syscall, before the supervisor received it; that \
                syscall is listed only if it was made again\n";
    let at_least = "\nstep-3-reporting: it made at least ";
    // The last: only the stop says so.
    let last = interrupt_an_unseen_umask(
        "trap 'echo caught' USR1; read line; umask 022; echo after",
        &[],
    );
    let report = last.stderr_text();
    assert_eq!(last.stdout_text(), "caught\nafter\n");
    assert!(
        report.contains(stopped)
            && report.ends_with(
                "\nstep-3-reporting: the supervisor saw no syscall that the allow list \
                 (step 2's and --allow) does not allow\n"
            ),
        "{report}"
    );
    assert!(!report.contains("was lost"), "{report}");
    // Between two notified syscalls (the command's `execve`, and then bash's
    // `times`, which asks for its times with getrusage): the number of umask's
    // notification is missing between theirs.
    let between = interrupt_an_unseen_umask(
        "trap 'echo caught' USR1; read line; umask 022; times > /dev/null; echo after",
        &["execve", "getrusage"],
    );
    let report = between.stderr_text();
    assert_eq!(between.stdout_text(), "caught\nafter\n");
    assert!(
        report.contains(stopped) && report.contains(lost) && report.contains(at_least),
        "{report}"
    );
}

/// `--learn` under `--learn`: the kernel gives one listener to a process's chain
/// of filters, so the inner step cannot load its filter; it says why in one line
/// and exits with status 3, running nothing unfiltered, and the outer one
/// reports on it.
#[test]
fn learn_under_learn_fails_closed_inside() {
    let (run, learned) = learn(&[STEP, "--learn", "--", "sh", "-c", "echo ran"]);
    assert_eq!(run.ending(), Ending::Exited(3));
    assert_eq!(run.stdout_text(), "");
    let stderr = run.stderr_text();
    assert!(
        stderr.starts_with(
            "step-3-reporting: error: --learn cannot supervise the program (loading the filter: \
             this process runs under another supervisor's already"
        ) && stderr.contains(&format!("\n{}", first_line("exit status 3"))),
        "{stderr}"
    );
    assert_eq!(learned[0], "execve");
}

/// `--help` shows the command after `--` and says how the step exits with it.
#[test]
fn help_shows_the_command_after_the_options() {
    assert_cmd::Command::cargo_bin("step-3-reporting")
        .unwrap()
        .arg("--help")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("-- <CMD>...")
                .and(predicate::str::contains("127 when it is not found"))
                .and(predicate::str::contains("NO_NEW_PRIVS")),
        );
}

/// A command that asks to be traced (`PTRACE_TRACEME`) makes the supervisor,
/// its parent, its tracer, and then stops at its first signal for a tracer
/// that never resumed it: `--learn` waited forever. The supervisor lets go,
/// and the command goes on with its signal, to the end.
#[test]
#[cfg(target_arch = "x86_64")]
fn a_command_that_asks_to_be_traced_runs_to_the_end() {
    const TRACE_ME: &str = "#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>

static void handler(int signal) { (void)signal; }

int main(void) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    signal(SIGUSR1, handler);
    raise(SIGUSR1);
    puts(\"after the signal\");
    return 0;
}
";
    let (_dir, _, program) =
        harness::files::built_c_program(env!("CARGO_TARGET_TMPDIR"), "trace-me", TRACE_ME, &[]);
    let (run, _) = learn(&[program.to_str().unwrap()]);
    assert_eq!(run.stdout_text(), "after the signal\n");
    assert!(
        run.stderr_text().starts_with(&first_line("exit status 0")),
        "{}",
        run.stderr_text()
    );
}
