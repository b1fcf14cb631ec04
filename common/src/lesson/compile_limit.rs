//! A limit on the CPU time libseccomp may take to compile a policy.
//!
//! libseccomp builds a filter one rule at a time, merging each rule's
//! comparisons into a tree of the syscall's earlier rules. Some rules that
//! compare 64-bit arguments send that merge into an endless loop: two rules of
//! one syscall with the same range on one argument, and on another argument
//! values whose upper halves differ, are one such shape (libseccomp 2.5.4 and
//! 2.6.0). A policy's checks refuse the shapes known to go wrong, but a check
//! can only refuse what is known; this limit makes sure that no policy, known
//! or not, keeps a step compiling forever.
//!
//! [`within_limit`] runs the compile on the calling thread and watches it from
//! a second thread, which reads the calling thread's CPU clock: CPU time, not
//! time on the wall, so that a busy or slow machine does not make a good policy
//! look stuck. Adding one rule takes microseconds, and generating the BPF
//! program of a large filter a fraction of a second, so the limits are far above
//! what any policy needs: [`RULE_LIMIT`] for adding one rule, [`PROGRAM_LIMIT`]
//! for generating the program. When one is passed, the watching thread says
//! which rule was being added, as a refused policy is said, and ends the
//! process with exit status 2: the thread that is stuck inside libseccomp cannot
//! be stopped any other way. The watching thread is joined, and so gone, when
//! [`within_limit`] returns, before any filter is loaded or any process forked.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::error::{fail_closed, StepError};

/// The most CPU time libseccomp may take to add one rule.
pub const RULE_LIMIT: Duration = Duration::from_secs(1);

/// The most CPU time libseccomp may take to generate a filter's BPF program.
pub const PROGRAM_LIMIT: Duration = Duration::from_secs(20);

/// What the compile is doing: adding the rule at this index, or generating the
/// program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Adding the rule at this index (counted from 0).
    Adding(usize),
    /// Generating the BPF program.
    Generating,
}

/// What the compile tells the watching thread as it goes.
pub struct Watch {
    /// The stage: a rule's index, or `usize::MAX` while generating.
    stage: AtomicUsize,
}

impl Watch {
    /// The compile starts adding the rule at `index`.
    pub fn adding(&self, index: usize) {
        self.stage.store(index, Ordering::Relaxed);
    }

    /// The compile starts generating the BPF program.
    pub fn generating(&self) {
        self.stage.store(usize::MAX, Ordering::Relaxed);
    }

    fn stage(&self) -> Stage {
        match self.stage.load(Ordering::Relaxed) {
            usize::MAX => Stage::Generating,
            index => Stage::Adding(index),
        }
    }
}

/// Runs `compile` on this thread, which tells `Watch` what it is doing, and
/// ends the process, saying `refusal(stage)`, when one stage takes more CPU
/// time than its limit.
pub fn within_limit<T>(
    refusal: impl Fn(Stage) -> StepError + Sync,
    compile: impl FnOnce(&Watch) -> T,
) -> T {
    let watch = Watch {
        stage: AtomicUsize::new(0),
    };
    let Some(clock) = this_thread_s_cpu_clock() else {
        return compile(&watch);
    };
    let done = (Mutex::new(false), Condvar::new());
    std::thread::scope(|scope| {
        let watching = std::thread::Builder::new()
            .name("compile-limit".to_owned())
            .spawn_scoped(scope, || watch_over(clock, &watch, &done, &refusal));
        // Set when the compile ends, however it ends: a panic too must let the
        // watching thread go, or the scope would wait for it for ever.
        let finished = Finished(&done);
        let compiled = compile(&watch);
        drop(finished);
        // Joined, not left to the scope: the scope waits for the thread's work
        // to end, a join for the thread itself, which would otherwise still be
        // on its way out, unfiltered, when a filter is loaded. Without a
        // watching thread (none could be started), the compile ran unwatched,
        // as it would without this limit.
        if let Ok(watching) = watching {
            let _ = watching.join();
        }
        compiled
    })
}

/// Tells the watching thread, when dropped, that the compile has ended.
struct Finished<'a>(&'a (Mutex<bool>, Condvar));

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        let (finished, ended) = self.0;
        *finished
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = true;
        ended.notify_one();
    }
}

/// The watching thread: every few milliseconds, until `done`, the CPU time the
/// compile's thread has spent in its present stage.
fn watch_over(
    clock: libc::clockid_t,
    watch: &Watch,
    done: &(Mutex<bool>, Condvar),
    refusal: &(impl Fn(Stage) -> StepError + Sync),
) {
    let mut stage = watch.stage();
    let mut started = cpu_time(clock);
    let mut finished = done
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    while !*finished {
        finished = done
            .1
            .wait_timeout(finished, Duration::from_millis(20))
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .0;
        let now = cpu_time(clock);
        if watch.stage() != stage {
            stage = watch.stage();
            started = now;
            continue;
        }
        let limit = match stage {
            Stage::Adding(_) => RULE_LIMIT,
            Stage::Generating => PROGRAM_LIMIT,
        };
        if !*finished && now.saturating_sub(started) > limit {
            let program = std::env::args_os()
                .next()
                .map(std::path::PathBuf::from)
                .and_then(|path| {
                    path.file_name()
                        .map(|name| name.to_string_lossy().into_owned())
                })
                .unwrap_or_default();
            let status = refusal(stage);
            let _ = fail_closed(&program, &status);
            std::process::exit(i32::from(status.exit_status()));
        }
    }
}

/// The CPU clock of the calling thread, which another thread can read.
fn this_thread_s_cpu_clock() -> Option<libc::clockid_t> {
    let mut clock: libc::clockid_t = 0;
    // SAFETY: `pthread_self` is this thread; the call writes the clock's id.
    let failed = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
    (failed == 0).then_some(clock)
}

/// The CPU time on `clock` so far.
fn cpu_time(clock: libc::clockid_t) -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: the call writes the time into `time`.
    if unsafe { libc::clock_gettime(clock, &mut time) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compile that ends returns what it made, and leaves no thread behind.
    #[test]
    fn a_compile_that_ends_returns_its_result() {
        let stages = Mutex::new(Vec::new());
        let result = within_limit(
            |_| unreachable!("no stage takes that long"),
            |watch| {
                for index in 0..3 {
                    watch.adding(index);
                    stages.lock().unwrap().push(watch.stage());
                }
                watch.generating();
                stages.lock().unwrap().push(watch.stage());
                42
            },
        );
        assert_eq!(result, 42);
        assert_eq!(
            *stages.lock().unwrap(),
            [
                Stage::Adding(0),
                Stage::Adding(1),
                Stage::Adding(2),
                Stage::Generating
            ]
        );
    }

    /// A compile that panics lets the watching thread go: the panic reaches
    /// the caller, instead of a scope that waits for ever.
    #[test]
    fn a_compile_that_panics_ends_the_watch_too() {
        let caught = std::panic::catch_unwind(|| {
            within_limit(
                |_| unreachable!("no stage takes that long"),
                |_| -> u8 { panic!("the compile failed") },
            )
        });
        assert!(caught.is_err());
    }

    /// A thread's CPU clock counts its work, not the time it waits.
    #[test]
    fn the_cpu_clock_counts_work_not_waiting() {
        let clock = this_thread_s_cpu_clock().expect("Linux has thread CPU clocks");
        let before = cpu_time(clock);
        std::thread::sleep(Duration::from_millis(200));
        let slept = cpu_time(clock) - before;
        assert!(slept < Duration::from_millis(100), "{slept:?}");
        let before = cpu_time(clock);
        let mut x = 0u64;
        while cpu_time(clock) - before < Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(x > 0);
    }
}
