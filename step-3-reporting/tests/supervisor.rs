//! `--learn` when a process of the run is killed: the supervisor, while the
//! program waits for its input, or the program, while its syscall waits for the
//! supervisor. No process of the run may be left behind, and the report may not
//! claim more than the supervisor saw.
//!
//! Each test steers a real run through `harness::runner::drive_step` and looks at
//! the run's processes in `/proc`; the test process is a child subreaper, so the
//! processes the killed supervisor leaves are handed to it and collected.

use std::process::Command;

use common::filter::TUTORIAL_ALLOW_LIST;
use common::program::{FORK_LINE, LAST_LINE, PROMPT};
use harness::runner::Signal;
use harness::runner::{
    drive_step, proc, run_step, send_signal, wait_until, wait_until_stopped, Ending,
};
use harness::running::{strace_failure, TUTORIAL_INPUT};
use harness::syscalls::syscall_numbers;
use nix::unistd::Pid;

const STEP: &str = env!("CARGO_BIN_EXE_step-3-reporting");

/// The one child of the supervisor `supervisor`: the program's process.
fn program_of(supervisor: Pid) -> std::io::Result<Pid> {
    wait_until(
        "the supervisor has forked the program's process",
        || proc::children(supervisor).first().copied(),
        || proc::describe(&[supervisor]),
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

/// Waits until `strace` holds `pid` (state `t`) as it enters syscall `name` with
/// `value` as its argument number `index`, as `/proc/PID/syscall` shows it.
fn held_by_strace_at(
    pid: Pid,
    name: &str,
    index: usize,
    value: libc::c_ulong,
) -> std::io::Result<()> {
    let nr = syscall_numbers(&[name]);
    let value = format!("{value:#x}");
    wait_until(
        &format!("strace holds process {pid} at the entry of {name} ({value} as argument {index})"),
        || {
            let fields = proc::syscall_fields(pid).unwrap_or_default();
            (proc::state(pid) == Some('t')
                && proc::blocked_in_syscall(pid).is_some_and(|at| nr.contains(&at))
                && fields.get(index + 1) == Some(&value))
            .then_some(())
        },
        || proc::describe(&[pid]),
    )
}

/// Kills the supervisor of `step-3-reporting --learn` with `signal` while the
/// program waits for its input (stdin stays open, so it would wait forever),
/// and asserts that the program's process ends with it, by SIGKILL, and that no
/// process of the run is left.
fn assert_the_program_dies_with_its_supervisor(signal: Signal) {
    let (run, program) = drive_step(Command::new(STEP).arg("--learn"), |step| {
        let supervisor = step.pid();
        step.wait_for_stdout(PROMPT)?;
        let program = program_of(supervisor)?;
        send_signal(supervisor, signal)?;
        every_process_ended(supervisor)?;
        Ok(program)
    })
    .unwrap_or_else(|err| panic!("{signal} to the supervisor: {err}"));
    assert_eq!(run.ending(), Ending::Signaled(signal as i32), "{signal}");
    assert_eq!(run.stdout_text(), PROMPT, "{signal}");
    // The program's process, handed to the test when its supervisor died.
    assert_eq!(
        run.forked,
        [Ending::Signaled(libc::SIGKILL)],
        "{signal}: program {program}, stderr {:?}",
        run.stderr_text()
    );
}

/// SIGTERM to the supervisor (`kill PID`) ends the program too.
#[test]
fn the_program_dies_when_its_supervisor_is_terminated() {
    assert_the_program_dies_with_its_supervisor(Signal::SIGTERM);
}

/// SIGKILL to the supervisor, which it cannot catch, ends the program too.
#[test]
fn the_program_dies_when_its_supervisor_is_killed() {
    assert_the_program_dies_with_its_supervisor(Signal::SIGKILL);
}

/// The supervisor, under `strace` (`strace`'s pid): the child of strace that runs
/// the step. strace forks short-lived children of its own at its start, to find
/// what ptrace offers, so the first child seen need not be the step.
fn supervisor_under(strace: Pid) -> std::io::Result<Pid> {
    let step = std::fs::canonicalize(STEP)?;
    let supervisor = wait_until(
        "strace has started the step",
        || {
            proc::children(strace)
                .into_iter()
                .find(|&child| proc::executable(child).as_ref() == Some(&step))
        },
        || proc::describe(&proc::children(strace)),
    )?;
    // Traced without -f: strace holds the supervisor only, not what it forks.
    if proc::tracer(supervisor) != Some(strace) {
        return Err(std::io::Error::other(format!(
            "strace does not trace the supervisor {supervisor}"
        )));
    }
    Ok(supervisor)
}

/// `strace` with `options`, running `step-3-reporting --learn`, its own output
/// thrown away. Without `-f` it traces only the process it starts: the
/// supervisor. Panics, loudly, when strace cannot be run.
fn under_strace(options: &[&str]) -> Command {
    match run_step(Command::new("strace").arg("-V"), b"") {
        Ok(run) if run.ending() == Ending::Exited(0) => {}
        Ok(run) => panic!(
            "`strace -V` fails ({}): this test needs strace: {}",
            run.ending(),
            run.stderr_text()
        ),
        // It holds a process of the run at a given syscall.
        Err(err) => panic!("{}", strace_failure(&err)),
    }
    let mut command = Command::new("strace");
    command
        .args(["-o", "/dev/null"])
        .args(options)
        .args([STEP, "--learn"]);
    command
}

/// The supervisor dies before the program's process could ask to die with it
/// (strace `-f` holds that `prctl` until the supervisor is killed): the program's
/// process sees another parent, and ends at once by SIGKILL, before its filter,
/// having run nothing.
#[test]
fn the_program_ends_at_once_when_its_supervisor_died_before_the_death_signal_was_set() {
    let command = &mut under_strace(&[
        "-f",
        "-e",
        "trace=prctl",
        "-e",
        "inject=prctl:delay_enter=200000",
    ]);
    let (run, ()) = drive_step(command, |step| {
        let strace = step.pid();
        let supervisor = supervisor_under(strace)?;
        let program = program_of(supervisor)?;
        // Held by strace as it enters `prctl(PR_SET_PDEATHSIG, ...)`.
        held_by_strace_at(program, "prctl", 0, libc::PR_SET_PDEATHSIG as libc::c_ulong)?;
        send_signal(supervisor, Signal::SIGKILL)?;
        every_process_ended(strace)
    })
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(run.stdout_text(), "", "the program ran");
    assert_eq!(run.forked, [Ending::Signaled(libc::SIGKILL)]);
}

/// The supervisor killed after the program forked, while the forked child waits
/// for its answer (strace slows every `ioctl` of the supervisor from its fourth
/// on, so each answer takes a while). The first three come before the fork on
/// every system: one sets the listener's flags (made even where the kernel
/// refuses the flag), two receive and answer the sleep. The forked child has no
/// death signal (`fork` clears it), but nothing is left spinning: with the
/// listener closed, its refused syscalls fail with ENOSYS, which it shrugs off,
/// and it prints its last line and exits 0. The program's process dies with the
/// supervisor by SIGKILL, or, as the kernel closes the dying supervisor's
/// listener before it sends the death signal, it may get there first and run to
/// its own end (exit status 0) the same way.
#[test]
fn no_process_is_left_when_the_supervisor_is_killed_after_the_fork() {
    let allowed = syscall_numbers(TUTORIAL_ALLOW_LIST);
    let command = &mut under_strace(&[
        "-e",
        "trace=ioctl",
        "-e",
        "inject=ioctl:delay_enter=300000:when=4+",
    ]);
    let (run, ()) = drive_step(command, |step| {
        let strace = step.pid();
        let supervisor = supervisor_under(strace)?;
        let program = program_of(supervisor)?;
        assert_eq!(
            proc::tracer(program),
            None,
            "strace traces the supervisor only"
        );
        step.write_stdin(TUTORIAL_INPUT)?;
        let forked = wait_until(
            "the program has forked",
            || proc::children(program).first().copied(),
            || proc::describe(&[supervisor, program]),
        )?;
        // Blocked in a syscall the allow list refuses: waiting for its answer.
        wait_until(
            "the forked child waits for the supervisor",
            || {
                proc::blocked_in_syscall(forked)
                    .filter(|nr| !allowed.contains(nr))
                    .map(drop)
            },
            || proc::describe(&[forked]),
        )?;
        send_signal(supervisor, Signal::SIGKILL)?;
        every_process_ended(strace)
    })
    .unwrap_or_else(|err| panic!("{err}"));
    let mut endings = run.forked.clone();
    endings.sort_by_key(|ending| ending.shell_status());
    assert!(
        endings == [Ending::Exited(0), Ending::Signaled(libc::SIGKILL)]
            || endings == [Ending::Exited(0), Ending::Exited(0)],
        "the forked child exits 0, the program's process dies by SIGKILL or exits 0: \
         {endings:?}; stderr {}",
        run.stderr_text()
    );
    assert!(
        run.stdout_text().ends_with(LAST_LINE),
        "{}",
        run.stdout_text()
    );
}

/// The program's process killed while its sleep's notification waits to be
/// received: strace holds the supervisor as it enters its receive (the
/// `SECCOMP_IOCTL_NOTIF_RECV` ioctl) after `poll` said a notification is there.
/// That is the supervisor's second `ioctl`: its first sets the listener's flags.
/// The kernel withdraws a killed process's notification, so the receive fails
/// with ENOENT. The report says the run was cut short and a notification was
/// lost, and does not claim that the program made no syscall beyond the list.
#[test]
fn a_report_says_so_when_a_notification_was_lost() {
    let sleep = harness::syscalls::sleep_syscall_numbers();
    let command = &mut under_strace(&[
        "-e",
        "trace=ioctl",
        "-e",
        "inject=ioctl:delay_enter=2000000:when=2",
    ]);
    let (run, ()) = drive_step(command, |step| {
        let strace = step.pid();
        let supervisor = supervisor_under(strace)?;
        let program = program_of(supervisor)?;
        assert_eq!(
            proc::tracer(program),
            None,
            "strace traces the supervisor only"
        );
        step.write_stdin(TUTORIAL_INPUT)?;
        step.wait_for_stdout(FORK_LINE)?;
        // The supervisor is held as it enters its receive...
        held_by_strace_at(supervisor, "ioctl", 1, libc::SECCOMP_IOCTL_NOTIF_RECV)?;
        // ...while the program's sleep waits for its answer (it may still be on
        // its way into that wait: a slow machine, or emulation, shows it running).
        wait_until(
            "the program's sleep waits for the supervisor",
            || {
                let waiting = proc::blocked_in_syscall(program)
                    .is_some_and(|nr| sleep.contains(&nr))
                    && proc::wait_channel(program).is_none_or(|wchan| wchan.contains("seccomp"));
                waiting.then_some(())
            },
            || proc::describe(&[program]),
        )?;
        send_signal(program, Signal::SIGKILL)
    })
    .unwrap_or_else(|err| panic!("{err}"));
    let stderr = run.stderr_text();
    assert_eq!(
        run.stdout_text(),
        "Type stuff here: You typed: hello seccomp\nAnd now we fork, which should do quite opposite...\n"
    );
    let report = [
        "step-3-reporting: the program's process: killed by SIGKILL (Killed), status 137 in a shell; it forked no process\n",
        "step-3-reporting: the run was cut short: 1 supervised process was killed by a signal, so the program may need syscalls it did not get to make\n",
        "step-3-reporting: 1 notification was lost: its process was killed, or a signal interrupted its syscall, before the supervisor received it; that syscall is listed only if it was made again\n",
        "step-3-reporting: the supervisor saw no syscall that step 2's allow list does not allow\n",
    ];
    for line in report {
        assert!(stderr.contains(line), "{line:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("made no syscall"), "{stderr}");
    // The chapter on how `--learn` works shows this report, in both books.
    let book = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    for chapter in ["en/src/learn-inside.md", "zh/src/learn-inside.md"] {
        let text = std::fs::read_to_string(book.join(chapter)).unwrap();
        assert!(
            text.contains(&format!("```text\n{}```\n", report.concat())),
            "{chapter} should show:\n{}",
            report.concat()
        );
    }
    // The step (and strace, which ends as its tracee does) exits with the program's status.
    assert_eq!(run.ending(), Ending::Exited(137), "{stderr}");
}

/// `--learn`'s filter asks that a syscall whose notification the supervisor
/// has received wait for its answer through any signal but a fatal one
/// (`SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`, Linux 5.19): with the supervisor
/// held by strace before it answers the program's sleep, SIGSTOP does not stop
/// the program: the signal moves it from seccomp's interruptible wait to its
/// killable one (state `D` in /proc), and it stops once answered.
/// (On an older kernel the signal interrupts the waiting syscall, and the
/// program stops at once; the syscall is made, and notified, again.) The
/// program runs to the end, and nothing is lost.
#[test]
fn a_received_notification_waits_for_its_answer_through_sigstop() {
    let sleep = harness::syscalls::sleep_syscall_numbers();
    let command = &mut under_strace(&[
        "-e",
        "trace=ioctl",
        "-e",
        "inject=ioctl:delay_enter=1000000:when=3",
    ]);
    let (run, state) = drive_step(command, |step| {
        let strace = step.pid();
        let supervisor = supervisor_under(strace)?;
        let program = program_of(supervisor)?;
        step.write_stdin(TUTORIAL_INPUT)?;
        step.wait_for_stdout(FORK_LINE)?;
        // The supervisor has received the sleep's notification, and is held as
        // it enters its answer...
        held_by_strace_at(supervisor, "ioctl", 1, libc::SECCOMP_IOCTL_NOTIF_SEND)?;
        wait_until(
            "the program's sleep waits for the supervisor",
            || proc::waits_for_supervisor(program, &sleep).then_some(()),
            || proc::describe(&[program]),
        )?;
        // ...when the program is sent SIGSTOP.
        send_signal(program, Signal::SIGSTOP)?;
        std::thread::sleep(std::time::Duration::from_millis(200));
        let state = proc::state(program);
        wait_until_stopped("the program stops, once answered", program)?;
        send_signal(program, Signal::SIGCONT)?;
        Ok(state)
    })
    .unwrap_or_else(|err| panic!("{err}"));
    let expected = if common::tools::learn::wait_killable_recv_known() {
        'D'
    } else {
        'T'
    };
    assert_eq!(state, Some(expected), "{}", run.stderr_text());
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    assert_eq!(
        run.stdout_text(),
        format!("Type stuff here: You typed: hello seccomp\n{FORK_LINE}{LAST_LINE}{LAST_LINE}")
    );
    assert!(!run.stderr_text().contains("lost"), "{}", run.stderr_text());
}
