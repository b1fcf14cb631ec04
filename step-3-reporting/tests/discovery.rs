//! Finding the syscalls the program needs: the tutorial's loop with `--allow`,
//! the same in one run with `--learn`, and step 4's policy allowing all of it.
//!
//! Nothing here names this machine's syscalls: the loop starts from nothing and
//! every name and number it meets is checked through libseccomp.

use std::collections::BTreeSet;
use std::process::Command;

use harness::assertions::assert_fails_closed_with_args;
use harness::runner::StepRun;
use harness::runner::{run_step_with, Ending, StdoutTo};
use harness::running::{
    run, run_with_seccomp_denied, runs_stopped_and_continued, sibling_binary, side_by_side, StopAt,
    OUTPUT_TO_THE_END, TUTORIAL_INPUT,
};
use harness::syscalls::{learned_syscalls, reported_syscalls, SLEEP_SYSCALLS};

const STEP: &str = env!("CARGO_BIN_EXE_step-3-reporting");

/// More rounds than any glibc needs: each round adds at least one syscall.
const MAX_ROUNDS: usize = 20;

/// Runs step 3 with `--allow` for `names` (none: no option).
fn run_allowing(names: &[String], extra: &[&str]) -> StepRun {
    let list = names.join(",");
    let mut args: Vec<&str> = extra.to_vec();
    if !names.is_empty() {
        args.extend(["--allow", &list]);
    }
    run(STEP, &args, TUTORIAL_INPUT)
}

/// Runs `--learn` and returns the run and the syscalls it listed.
fn learn(extra: &[&str]) -> (StepRun, Vec<String>) {
    let mut args = vec!["--learn"];
    args.extend(extra);
    let run = run(STEP, &args, TUTORIAL_INPUT);
    let learned = learned_syscalls(&run);
    (run, learned)
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

/// The tutorial's loop without rebuilding: run, add what the reporter names with
/// `--allow`, run again. It ends, within a bound, with the program running to the
/// end like step 1; and the names it collected are exactly what `--learn` lists
/// in one run. In a round the step and its forked child may both report, and each
/// process that reports exits with status 1.
///
/// One round can end without a report: glibc 2.41 and later block every signal
/// around `fork`, and a Trap whose SIGSYS is blocked kills the process instead of
/// running the reporter ("Bad system call"). The learner is then stuck; here, as
/// the book advises, `--learn` names the syscall: the first one it lists that the
/// loop has not found yet, since both go in the order the program makes them.
#[test]
fn the_allow_loop_converges_to_what_learn_finds_in_one_run() {
    let (_, learned) = learn(&[]);
    // Every round from the one that allows the sleep on waits a second on it,
    // and a round needs the report of the one before. So the rounds are run
    // ahead, side by side: `--learn` lists the syscalls in the order the
    // program first makes them, so the allow lists the loop meets are mostly
    // prefixes of its list. Not always: after the fork a round adds what the
    // program's process and its child each report, while `--learn` lists them
    // as they came, and the program's process may make two before the child
    // makes one. The loop takes a round from these runs when its allow list
    // has the same names (the order of `--allow` does not matter), and runs it
    // when it gets there otherwise: every round it looks at is a run of step 3
    // with exactly that round's allow list.
    let mut ahead: Vec<(BTreeSet<String>, StepRun)> = std::thread::scope(|scope| {
        let learned = &learned;
        let runs: Vec<_> = (0..=learned.len())
            .map(|n| scope.spawn(move || (set(&learned[..n]), run_allowing(&learned[..n], &[]))))
            .collect();
        runs.into_iter()
            .map(|run| {
                run.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut found: Vec<String> = Vec::new();
    let last = (1..=MAX_ROUNDS)
        .find_map(|round| {
            let allowed = set(&found);
            let run = match ahead.iter().position(|(names, _)| *names == allowed) {
                Some(at) => ahead.swap_remove(at).1,
                None => {
                    eprintln!("round {round}: an allow list not run ahead: {found:?}");
                    run_allowing(&found, &[])
                }
            };
            let endings: Vec<Ending> = std::iter::once(run.ending())
                .chain(run.forked.iter().copied())
                .collect();
            let reporters = endings.iter().filter(|&&e| e == Ending::Exited(1)).count();
            let unreported = endings.iter().filter(|e| e.is_sigsys()).count();
            let mut new = reported_syscalls(&run);
            assert_eq!(reporters, new.len(), "one report per process: {run:?}");
            if new.is_empty() && unreported == 0 {
                return Some(run);
            }
            for _ in 0..unreported {
                let next = learned
                    .iter()
                    .find(|name| !found.contains(name) && !new.contains(name))
                    .unwrap_or_else(|| panic!("killed by SIGSYS, but --learn lists no more"));
                eprintln!("a SIGSYS the reporter could not catch: taking {next} from --learn");
                new.push(next.clone());
            }
            new.sort();
            new.dedup();
            for name in new {
                assert!(!found.contains(&name), "{name} reported although allowed");
                found.push(name);
            }
            None
        })
        .unwrap_or_else(|| panic!("no end after {MAX_ROUNDS} rounds; found {found:?}"));
    assert_eq!(last.stdout_text(), OUTPUT_TO_THE_END);
    assert_eq!(last.stderr_text(), "");
    assert_eq!(last.ending(), Ending::Exited(0));
    assert_eq!(last.forked, [Ending::Exited(0)]);
    assert!(!found.is_empty(), "step 2's list alone cannot be enough");
    assert_eq!(sorted(learned), sorted(found));
}

/// The names of `names`, as a set.
fn set(names: &[String]) -> BTreeSet<String> {
    names.iter().cloned().collect()
}

/// `--learn` runs the program to the end, with exactly step 1's output on stdout
/// and exit status 0, and says on stderr how both processes ended. The forked
/// child was collected by the supervisor, not by the caller.
#[test]
fn learn_runs_the_program_to_the_end_and_lists_each_syscall_once() {
    let (run, learned) = learn(&[]);
    assert_eq!(run.stdout_text(), OUTPUT_TO_THE_END);
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    assert!(run.forked.is_empty(), "{:?}", run.forked);
    let stderr = run.stderr_text();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0],
        "step-3-reporting: the program's process: exit status 0; \
         the process it forked: exit status 0"
    );
    let count = match learned.len() {
        1 => "1 syscall".to_owned(),
        n => format!("{n} syscalls"),
    };
    assert_eq!(
        lines[1],
        format!(
            "step-3-reporting: it made {count} that step 2's allow list does not allow, \
             first made in this order:"
        )
    );
    let mut unique = learned.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), learned.len(), "each once: {learned:?}");
    // The program's first syscall beyond the writes and the read is its sleep.
    assert!(SLEEP_SYSCALLS.contains(&&*learned[0]), "{learned:?}");
    // Then how to allow them, as commands that run as typed in the repository: in
    // step 3 with --allow, and in step 4 by learning against its policy, which
    // says what that policy lacks (no rules here: a bare rule appended to step 4's
    // policy could undo one that refines it).
    assert!(
        stderr.ends_with(&format!(
            "step-3-reporting: to allow them in step 3, run in the repository: \
             cargo run -q -p step-3-reporting -- --allow {}\n{STEP_4_ADVICE}",
            learned.join(",")
        )),
        "{stderr}"
    );
}

/// The line of step 3's report about step 4's policy.
const STEP_4_ADVICE: &str = "step-3-reporting: to find which of them step 4's policy lacks, \
                             with rules to append to it, run in the repository: \
                             cargo run -q -p step-4-policy -- --learn \
                             (for a copy of the policy, add --policy FILE)\n";

/// `--learn` exits with the program's status, not with one of its own: with
/// stdout on `/dev/full` the program fails at its prompt with status 1, and the
/// report says so after the program's own error line.
#[test]
fn learn_exits_with_the_program_s_status() {
    let run = run_step_with(
        Command::new(STEP).arg("--learn"),
        TUTORIAL_INPUT,
        StdoutTo::DevFull,
    )
    .expect("step 3 runs");
    assert_eq!(run.ending(), Ending::Exited(1), "{}", run.stderr_text());
    assert!(run.forked.is_empty(), "{:?}", run.forked);
    assert_eq!(
        run.stderr_text(),
        "step-3-reporting: error: writing to stdout failed: No space left on device\n\
         step-3-reporting: the program's process: exit status 1; it forked no process\n\
         step-3-reporting: it made no syscall that step 2's allow list does not allow\n"
    );
}

/// `--learn` sees `restart_syscall` only when the program is stopped and
/// continued during its sleep, as the book tells: the kernel then resumes the
/// sleep with it. The program still runs to the end, and the supervisor
/// collects its forked child.
#[test]
fn learn_lists_restart_syscall_when_the_program_is_stopped_during_its_sleep() {
    let (_, plain) = learn(&[]);
    assert!(
        !plain.iter().any(|name| name == "restart_syscall"),
        "{plain:?}"
    );
    for (signal, run) in runs_stopped_and_continued(STEP, &["--learn"], StopAt::Sleep) {
        let learned = learned_syscalls(&run);
        assert_eq!(run.stdout_text(), OUTPUT_TO_THE_END, "{signal}");
        assert_eq!(
            run.ending(),
            Ending::Exited(0),
            "{signal}: {}",
            run.stderr_text()
        );
        assert!(run.forked.is_empty(), "{signal}: {:?}", run.forked);
        // First the sleep, then its restart, then what comes after the sleep.
        assert!(
            SLEEP_SYSCALLS.contains(&&*learned[0]),
            "{signal}: {learned:?}"
        );
        assert_eq!(learned[1], "restart_syscall", "{signal}: {learned:?}");
        assert_eq!(
            sorted(learned[2..].to_vec()),
            sorted(plain[1..].to_vec()),
            "{signal}"
        );
    }
}

/// With everything `--learn` listed passed to `--allow`, step 3 runs to the end,
/// and `--learn` has nothing left to list.
#[test]
fn what_learn_lists_is_all_step_3_needs() {
    let (_, learned) = learn(&[]);
    let list = learned.join(",");
    let (run, (learned_run, again)) = side_by_side(
        || run_allowing(&learned, &[]),
        || learn(&["--allow", &list]),
    );
    assert_eq!(run.stdout_text(), OUTPUT_TO_THE_END);
    assert_eq!(run.ending(), Ending::Exited(0), "{}", run.stderr_text());
    assert_eq!(run.forked, [Ending::Exited(0)]);

    let run = learned_run;
    assert_eq!(again, Vec::<String>::new());
    assert_eq!(run.stdout_text(), OUTPUT_TO_THE_END);
    assert!(
        run.stderr_text().ends_with(
            "step-3-reporting: it made no syscall that the allow list \
             (step 2's and --allow) does not allow\n"
        ),
        "{}",
        run.stderr_text()
    );
}

/// Everything `--learn` lists is on step 4's policy: its `--print-filter` names
/// each syscall, step 4 runs the program to the end, and `step-4-policy
/// --learn`, which step 3's report names, finds that its policy lacks nothing.
#[test]
fn step_4_allows_everything_learn_lists() {
    let step_4 = sibling_binary("step-4-policy");
    // Three runs that do not depend on each other, side by side.
    let ((step_3_run, learned), (step_4_run, advised)) = side_by_side(
        || learn(&[]),
        || {
            side_by_side(
                || run(&step_4, &[], TUTORIAL_INPUT),
                || run(&step_4, &["--learn"], TUTORIAL_INPUT),
            )
        },
    );
    let policy = run(&step_4, &["--print-filter"], b"");
    assert_eq!(
        policy.ending(),
        Ending::Exited(0),
        "{}",
        policy.stderr_text()
    );
    for name in &learned {
        assert!(
            policy
                .stdout_text()
                .contains(&format!("syscall \"{name}\"")),
            "step 4's policy does not name {name}:\n{}",
            policy.stdout_text()
        );
    }
    assert_eq!(step_4_run.stdout_text(), OUTPUT_TO_THE_END);
    assert_eq!(step_4_run.ending(), Ending::Exited(0));
    assert_eq!(step_4_run.forked, [Ending::Exited(0)]);

    assert!(
        step_3_run.stderr_text().contains(STEP_4_ADVICE),
        "{}",
        step_3_run.stderr_text()
    );
    assert_eq!(advised.stdout_text(), OUTPUT_TO_THE_END);
    assert_eq!(advised.ending(), Ending::Exited(0));
    assert!(
        advised.stderr_text().ends_with(
            "\nstep-4-policy: it made no syscall that the policy in \
             step-4-policy/policy.toml does not allow\n"
        ),
        "{}",
        advised.stderr_text()
    );
}

/// Where user notification is not available (here: an outer filter refuses
/// `seccomp(2)`, so libseccomp finds a low API level), `--learn` says so in one
/// line and exits with status 3 without running the program.
#[test]
fn learn_says_so_when_user_notification_is_not_available() {
    assert_fails_closed_with_args(STEP, &["--learn"]);
    let run = run_with_seccomp_denied(STEP, &["--learn"], TUTORIAL_INPUT);
    assert!(
        run.stderr_text()
            .contains("seccomp user notification is not available here"),
        "{}",
        run.stderr_text()
    );
}
