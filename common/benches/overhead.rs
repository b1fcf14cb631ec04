//! What a seccomp filter costs: the time of a syscall under no filter and under
//! the tutorial's filters, measured side by side.
//!
//! Run it with `cargo bench -p common --bench overhead` (`-- --help` for options).
//! For every *case* (no filter, an allow-all filter, step 2's filter, step 4's
//! refined policy, long and stacked filters) a worker process is forked; it loads
//! the case's filters and times tight loops of three syscalls: `getppid` (about
//! the cheapest there is) and the program's hot ones, `read` from stdin and
//! `write` to stdout (stdin is `/dev/zero` and stdout `/dev/null` in the worker, so
//! the kernel does almost nothing but the syscall itself). The filter is never
//! loaded in the bench's own process: a filter stays for the life of the process.
//!
//! The cases run in rounds, each round running every case once in a rotating
//! order, so a machine that gets busier or quieter during the run shifts every case
//! alike. The result is the median over the rounds and the ratio to the `no filter`
//! case of the same run: a table on stdout, the same as CSV under `target/`, and a
//! progress line on stderr while it runs. `scripts/plot-overhead.py` draws the CSV.
//!
//! What the numbers show is the kernel's *action cache* (Linux 5.11 and later):
//! when a filter's decision for a syscall does not depend on the arguments, the
//! kernel works it out once per filter and never runs the filter for that syscall
//! again; a decision that looks at the arguments (step 4's `read` and `write`
//! checks) runs the BPF program on every call, and then its length matters.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use common::filter::{
    allow_list_filter, bpf_instructions, load_instructions, resolve, Filter, TUTORIAL_ALLOW_LIST,
};
use common::policy::Policy;
use common::StepError;
use harness::bench::{self, Summary};
use libseccomp::{ScmpAction, ScmpArch, ScmpFilterContext, ScmpSyscall, ScmpVersion};
use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::ForkResult;

/// Measures what a seccomp filter costs per syscall, under the tutorial's filters
/// and a few more, and prints ns per call and the ratio to no filter.
///
/// Writes the same table as CSV to target/overhead.csv (or --csv PATH), which
/// scripts/plot-overhead.py turns into an SVG plot. Run without --bench (as
/// `cargo test --benches` does) or with OVERHEAD_QUICK=1 set, it runs the quick
/// mode.
#[derive(Parser)]
#[command(
    name = "overhead",
    bin_name = "cargo bench -p common --bench overhead --"
)]
struct Cli {
    /// Quick mode: a few short rounds that check every case works; the numbers
    /// mean little.
    #[arg(long)]
    quick: bool,
    /// Rounds to run (each round runs every case once) [default: 31, quick: 3].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rounds: Option<u32>,
    /// Calls per timed batch; each worker times 5 batches per syscall and keeps the
    /// median [default: as many as take about 1 ms without a filter, quick: 300].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    calls: Option<u32>,
    /// Where to write the CSV [default: overhead.csv in Cargo's target directory].
    #[arg(long, value_name = "PATH")]
    csv: Option<PathBuf>,
    /// Passed by `cargo bench`; without it the bench runs the quick mode.
    #[arg(long, hide = true)]
    bench: bool,
}

/// The syscalls each worker times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measured {
    /// `getppid()`: no arguments, next to no work in the kernel.
    Getppid,
    /// `read(0, buf, 1)` with stdin on `/dev/zero`.
    Read,
    /// `write(1, buf, 1)` with stdout on `/dev/null`.
    Write,
}

/// Every measured syscall, in the order of the table's columns.
const MEASURED: [Measured; 3] = [Measured::Getppid, Measured::Read, Measured::Write];

impl Measured {
    fn name(self) -> &'static str {
        match self {
            Measured::Getppid => "getppid",
            Measured::Read => "read",
            Measured::Write => "write",
        }
    }
}

/// What every filter below allows on top of its own list, because the measurement
/// needs it: `getppid` is measured, `clock_gettime` is the clock (normally answered
/// in user space by the vDSO, without a syscall, but not on every machine), and
/// `seccomp` loads the next filter of a stack.
const MEASUREMENT_NEEDS: &[&str] = &["getppid", "clock_gettime", "seccomp"];

/// The syscall a worker makes after its measurement, in the first round, to prove
/// that its filters are in force: every filter that kills refuses it. No filter
/// below allows it.
const PROBE: &str = "getpid";

/// How many rules the long filters add to step 2's or step 4's.
const FILLER_RULES: usize = 190;

/// How many stacked filters the stacked cases load.
const STACKED_STEP_2: usize = 8;
const STACKED_STEP_4: usize = 4;

/// Timed batches per syscall per worker; the worker keeps the median.
const BATCHES: usize = 5;

/// How long a timed batch should take without a filter, in ns: long enough to
/// dwarf reading the clock, short enough that the whole run takes seconds.
const BATCH_NS: f64 = 1_000_000.0;

/// Step 2's filter: the tutorial's allow list, kill anything else.
fn step2_filter() -> Result<ScmpFilterContext, StepError> {
    allow_list_filter(
        ScmpAction::KillProcess,
        &[TUTORIAL_ALLOW_LIST, MEASUREMENT_NEEDS].concat(),
    )
    .map(Filter::into_context)
}

// ANCHOR: step4
/// Step 4's filter: its shipped policy (`step-4-policy/policy.toml`, with the
/// argument checks on `read`, `write` and `clone`), plus what the measurement needs.
fn step4_filter() -> Result<ScmpFilterContext, StepError> {
    let mut filter = Policy::shipped()?.filter()?.filter;
    for &name in MEASUREMENT_NEEDS {
        filter.add_rule(ScmpAction::Allow, name, &[])?;
    }
    Ok(filter.into_context())
}
// ANCHOR_END: step4

// ANCHOR: tuning
/// How libseccomp lays out a filter's BPF program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// libseccomp's default: the syscalls one after the other, the ones with
    /// argument checks last.
    Default,
    /// `read` and `write`, the hot syscalls, get the highest *priority*, so their
    /// checks come first.
    Priority,
    /// The *binary tree* optimisation (libseccomp 2.5 and later): the syscall
    /// number is found in a few comparisons instead of one per syscall.
    BinaryTree,
}

/// `filter` with the syscall priorities and the optimisation level of `layout`.
fn laid_out(mut filter: ScmpFilterContext, layout: Layout) -> Result<ScmpFilterContext, StepError> {
    let build = |what| move |source| StepError::Build { what, source };
    if layout == Layout::Priority {
        for hot in ["read", "write"] {
            filter
                .set_syscall_priority(resolve(hot)?, 255)
                .map_err(build("setting a syscall priority"))?;
        }
    }
    if layout == Layout::BinaryTree {
        filter
            .set_ctl_optimize(2)
            .map_err(build("choosing the binary tree"))?;
    }
    Ok(filter)
}
// ANCHOR_END: tuning

/// `base` made long: [`FILLER_RULES`] more allow rules, for syscalls nothing here makes.
fn long_filter(mut base: ScmpFilterContext) -> Result<ScmpFilterContext, StepError> {
    let policy = Policy::shipped()?;
    let step4: Vec<&str> = policy
        .rules
        .iter()
        .map(|rule| rule.syscall.as_str())
        .collect();
    let taken: Vec<&str> = [TUTORIAL_ALLOW_LIST, &step4, MEASUREMENT_NEEDS, &[PROBE]].concat();
    for name in filler_names(FILLER_RULES, &taken) {
        base.add_rule(ScmpAction::Allow, resolve(&name)?)
            .map_err(|source| StepError::Build {
                what: "adding a filler rule",
                source,
            })?;
    }
    Ok(base)
}

/// `count` syscall names libseccomp knows on this architecture, in the order of
/// their numbers, leaving out the names in `taken`. Numbers are only walked here,
/// to find names; the filter itself is built from the names.
fn filler_names(count: usize, taken: &[&str]) -> Vec<String> {
    (0..4096)
        .filter_map(|nr| {
            ScmpSyscall::from(nr)
                .get_name_by_arch(ScmpArch::Native)
                .ok()
        })
        .filter(|name| !taken.contains(&name.as_str()))
        .take(count)
        .collect()
}

/// One line of the table: a set of filters loaded one after the other.
struct Case {
    /// The row's name.
    name: String,
    /// The filters, as the BPF programs the kernel receives, in loading order.
    programs: Vec<Vec<libc::sock_filter>>,
    /// Whether the filters refuse the [`PROBE`] syscall: any filter whose default
    /// action is not to allow does, since no rule here allows it.
    refuses_probe: bool,
}

impl Case {
    fn new(name: &str, filters: &[ScmpFilterContext]) -> Result<Case, StepError> {
        let programs = filters
            .iter()
            .map(bpf_instructions)
            .collect::<Result<_, _>>()?;
        let refuses_probe = filters.iter().any(|filter| {
            filter
                .get_act_default()
                .map_or(true, |action| action != ScmpAction::Allow)
        });
        Ok(Case {
            name: name.to_owned(),
            programs,
            refuses_probe,
        })
    }

    /// BPF instructions in all its filters together.
    fn instructions(&self) -> usize {
        self.programs.iter().map(Vec::len).sum()
    }
}

/// Every case, in the order of the table.
fn cases() -> Result<Vec<Case>, StepError> {
    let allow_all = || {
        ScmpFilterContext::new(ScmpAction::Allow).map_err(|source| StepError::Build {
            what: "creating the filter context",
            source,
        })
    };
    let step4 = |layout| laid_out(step4_filter()?, layout);
    let long_step4 = |layout| laid_out(long_filter(step4_filter()?)?, layout);
    let stacked = |count, filter: &dyn Fn() -> Result<ScmpFilterContext, StepError>| {
        (0..count).map(|_| filter()).collect::<Result<Vec<_>, _>>()
    };
    Ok(vec![
        Case::new("no filter", &[])?,
        Case::new("allow-all", &[allow_all()?])?,
        Case::new("step 2", &[step2_filter()?])?,
        Case::new("step 4", &[step4(Layout::Default)?])?,
        Case::new("step 4 (priority)", &[step4(Layout::Priority)?])?,
        Case::new("step 4 (binary tree)", &[step4(Layout::BinaryTree)?])?,
        Case::new(
            &format!("step 2 + {FILLER_RULES} rules"),
            &[long_filter(step2_filter()?)?],
        )?,
        Case::new(
            &format!("step 4 + {FILLER_RULES} rules"),
            &[long_step4(Layout::Default)?],
        )?,
        Case::new(
            &format!("step 4 + {FILLER_RULES} rules (priority)"),
            &[long_step4(Layout::Priority)?],
        )?,
        Case::new(
            &format!("step 4 + {FILLER_RULES} rules (binary tree)"),
            &[long_step4(Layout::BinaryTree)?],
        )?,
        Case::new(
            &format!("step 2 × {STACKED_STEP_2} (stacked)"),
            &stacked(STACKED_STEP_2, &step2_filter)?,
        )?,
        Case::new(
            &format!("step 4 × {STACKED_STEP_4} (stacked)"),
            &stacked(STACKED_STEP_4, &step4_filter)?,
        )?,
    ])
}

/// What a worker hands back. It lives in memory shared with the parent
/// (`MAP_SHARED`), so handing it back needs no syscall a filter would have to allow.
#[repr(C)]
struct Report {
    /// Median ns per call of each syscall, in the order of [`MEASURED`].
    ns_per_call: [f64; 3],
    /// Set once every measurement is in.
    done: bool,
    /// What failed, when the worker exits with [`WORKER_FAILED`].
    failure: Failure,
    /// Which filter or syscall failed (an index into the case's filters or [`MEASURED`]).
    index: usize,
    /// The errno of the failure.
    errno: i32,
}

/// What can go wrong inside a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
enum Failure {
    /// Nothing did.
    None,
    /// Making stdin `/dev/zero` or stdout `/dev/null`, or setting a resource limit.
    Setup,
    /// The kernel refused to load a filter.
    Load,
    /// A measured syscall failed.
    Syscall,
}

/// The status a worker exits with when something failed (the report says what).
const WORKER_FAILED: i32 = 3;

/// A [`Report`] in an anonymous shared mapping, inherited by every forked worker.
struct SharedReport(std::ptr::NonNull<Report>);

impl SharedReport {
    fn new() -> std::io::Result<SharedReport> {
        // SAFETY: a fresh anonymous mapping, checked for failure; it is zeroed, and
        // all-zero bytes are a valid `Report` (`Failure::None`, `done` false).
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                std::mem::size_of::<Report>(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(SharedReport(
            std::ptr::NonNull::new(ptr.cast()).expect("mmap never maps page 0"),
        ))
    }

    /// Reads the report, after the worker has ended.
    fn read(&self) -> Report {
        // SAFETY: the mapping is live and holds a valid `Report`; the worker that
        // wrote it has ended (volatile: written by another process).
        unsafe { self.0.as_ptr().read_volatile() }
    }

    /// Writes the report (in the worker, or in the parent to clear it).
    fn write(&self, report: Report) {
        // SAFETY: as in `read`; only one process writes at a time.
        unsafe { self.0.as_ptr().write_volatile(report) }
    }
}

impl Drop for SharedReport {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.0.as_ptr().cast(), std::mem::size_of::<Report>()) };
    }
}

impl Report {
    const EMPTY: Report = Report {
        ns_per_call: [0.0; 3],
        done: false,
        failure: Failure::None,
        index: 0,
        errno: 0,
    };
}

/// How long each worker measures.
#[derive(Debug, Clone, Copy)]
struct Plan {
    rounds: u32,
    calls: u32,
}

/// The descriptors a worker puts in place of its stdin and stdout.
struct Devices {
    zero: std::fs::File,
    null: std::fs::File,
}

/// Forks a worker for `case`, waits for it, and returns its ns per call for each
/// syscall in [`MEASURED`]. The worker times the syscalls in `order`; given a
/// `probe` (the number of [`PROBE`]) it then makes that syscall, and a case that
/// refuses it must be killed by it.
fn run_worker(
    case: &Case,
    plan: Plan,
    order: [Measured; 3],
    probe: Option<libc::c_long>,
    devices: &Devices,
    shared: &SharedReport,
) -> Result<[f64; 3], String> {
    shared.write(Report::EMPTY);
    // SAFETY: the bench is single-threaded, so the child may do anything the parent
    // may; it never returns from `worker`.
    match unsafe { nix::unistd::fork() }
        .map_err(|errno| format!("cannot fork a worker: {errno}"))?
    {
        ForkResult::Child => worker(case, plan, order, probe, devices, shared),
        ForkResult::Parent { child } => {
            let status = waitpid(child, None)
                .map_err(|errno| format!("cannot wait for the worker: {errno}"))?;
            let report = shared.read();
            // Killed by SIGSYS after its measurement is how a probed worker of a
            // case that refuses the probe must end; any other worker must exit 0.
            let killed_by_probe = probe.is_some() && case.refuses_probe;
            match status {
                WaitStatus::Exited(_, 0) if report.done && !killed_by_probe => {
                    Ok(report.ns_per_call)
                }
                WaitStatus::Signaled(_, Signal::SIGSYS, _) if report.done && killed_by_probe => {
                    Ok(report.ns_per_call)
                }
                WaitStatus::Exited(_, 0) => Err(format!(
                    "the worker made `{PROBE}`, which its filters refuse, and lived: \
                     are they in force?"
                )),
                WaitStatus::Signaled(_, Signal::SIGSYS, _) => Err(
                    "the worker was killed by SIGSYS: a filter refuses a syscall the \
                     measurement makes"
                        .to_owned(),
                ),
                WaitStatus::Exited(_, WORKER_FAILED) => Err(describe_failure(case, &report)),
                other => Err(format!("the worker ended unexpectedly: {other:?}")),
            }
        }
    }
}

/// One line saying what failed in a worker.
fn describe_failure(case: &Case, report: &Report) -> String {
    let errno = Errno::from_raw(report.errno);
    match report.failure {
        Failure::Setup => {
            format!("the worker could not set up its stdin, stdout or core limit: {errno}")
        }
        Failure::Load => format!(
            "the kernel refused filter {} of {}: {errno}",
            report.index + 1,
            case.programs.len()
        ),
        Failure::Syscall => format!(
            "`{}` failed in the worker: {errno}",
            MEASURED[report.index].name()
        ),
        Failure::None => "the worker failed without saying why".to_owned(),
    }
}

/// The worker: load the case's filters, time each syscall, hand the numbers back.
///
/// Once the first filter is loaded nothing here may make a syscall the filters
/// refuse: no allocation, no panic, no printing. Failures go into the shared
/// report and end the worker with `_exit`.
fn worker(
    case: &Case,
    plan: Plan,
    order: [Measured; 3],
    probe: Option<libc::c_long>,
    devices: &Devices,
    shared: &SharedReport,
) -> ! {
    use std::os::fd::AsRawFd;

    let fail = |failure, index, errno: Errno| -> ! {
        shared.write(Report {
            failure,
            index,
            errno: errno as i32,
            ..Report::EMPTY
        });
        // SAFETY: ends this process at once, without running the parent's destructors.
        unsafe { libc::_exit(WORKER_FAILED) }
    };
    let no_core = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain syscalls on descriptors and a struct this function owns.
    let setup = unsafe {
        libc::setrlimit(libc::RLIMIT_CORE, &no_core) == 0
            && libc::dup2(devices.zero.as_raw_fd(), libc::STDIN_FILENO) >= 0
            && libc::dup2(devices.null.as_raw_fd(), libc::STDOUT_FILENO) >= 0
            && libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
    };
    if !setup {
        fail(Failure::Setup, 0, Errno::last());
    }
    for (index, program) in case.programs.iter().enumerate() {
        if let Err(errno) = load_instructions(program) {
            fail(Failure::Load, index, errno);
        }
    }
    let mut report = Report {
        done: true,
        ..Report::EMPTY
    };
    for syscall in order {
        let column = MEASURED.iter().position(|&m| m == syscall).unwrap_or(0);
        match time_syscall(syscall, plan.calls) {
            Ok(ns) => report.ns_per_call[column] = ns,
            Err(errno) => fail(Failure::Syscall, column, errno),
        }
    }
    shared.write(report);
    if let Some(probe) = probe {
        // SAFETY: a syscall without arguments; a filter that refuses it kills us here.
        unsafe { libc::syscall(probe) };
    }
    // SAFETY: ends this process at once, without running the parent's destructors.
    unsafe { libc::_exit(0) }
}

// ANCHOR: loop
/// The median of [`BATCHES`] timed batches of `calls` calls, in ns per call,
/// after a warm-up batch.
fn time_syscall(syscall: Measured, calls: u32) -> Result<f64, Errno> {
    make_syscalls(syscall, calls / 4 + 1)?;
    let mut batches = [0f64; BATCHES];
    for batch in &mut batches {
        let start = Instant::now();
        make_syscalls(syscall, calls)?;
        *batch = start.elapsed().as_nanos() as f64 / f64::from(calls);
    }
    // Sorting a fixed array in place needs no syscall.
    batches.sort_unstable_by(f64::total_cmp);
    Ok(batches[BATCHES / 2])
}

/// Makes `syscall` `calls` times, straight through `syscall(2)`, and fails at
/// the first error.
#[inline(never)]
fn make_syscalls(syscall: Measured, calls: u32) -> Result<(), Errno> {
    let mut byte = 0u8;
    let buf: *mut u8 = &mut byte;
    // SAFETY: raw syscalls on a one-byte buffer this function owns.
    unsafe {
        match syscall {
            Measured::Getppid => {
                for _ in 0..calls {
                    libc::syscall(libc::SYS_getppid);
                }
            }
            Measured::Read => {
                for _ in 0..calls {
                    one_byte(libc::syscall(libc::SYS_read, libc::STDIN_FILENO, buf, 1))?;
                }
            }
            Measured::Write => {
                for _ in 0..calls {
                    one_byte(libc::syscall(libc::SYS_write, libc::STDOUT_FILENO, buf, 1))?;
                }
            }
        }
    }
    Ok(())
}
// ANCHOR_END: loop

/// Checks that a `read` or `write` moved its one byte.
#[inline(always)]
fn one_byte(returned: libc::c_long) -> Result<(), Errno> {
    match returned {
        1 => Ok(()),
        0 => Err(Errno::EIO),
        _ => Err(Errno::last()),
    }
}

/// Every worker's ns per call, per case and syscall: `samples[case][syscall][round]`.
type Samples = Vec<[Vec<f64>; 3]>;

/// Runs every case once per round, in an order that rotates from round to round,
/// and collects what the workers measured. The first round also checks that
/// every case's filters are in force (see [`PROBE`]).
fn measure(cases: &[Case], rounds: u32, calls: Option<u32>) -> Result<(Samples, Plan), String> {
    let open = |path| {
        std::fs::File::options()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|err| format!("cannot open {path}: {err}"))
    };
    let devices = Devices {
        zero: open("/dev/zero")?,
        null: open("/dev/null")?,
    };
    let shared = SharedReport::new()
        .map_err(|err| format!("cannot map memory to share with the workers: {err}"))?;
    let probe = resolve(PROBE)
        .map(|nr| libc::c_long::from(nr.as_raw_syscall()))
        .map_err(|err| err.to_string())?;
    let plan = Plan {
        rounds,
        calls: match calls {
            Some(calls) => calls,
            None => calibrate(&cases[0], &devices, &shared)?,
        },
    };
    eprintln!(
        "overhead: {} cases × {} syscalls, {} rounds of {BATCHES} batches of {} calls",
        cases.len(),
        MEASURED.len(),
        plan.rounds,
        plan.calls,
    );
    let mut samples: Samples = cases.iter().map(|_| Default::default()).collect();
    let mut progress = Progress::new(plan.rounds);
    for round in 0..plan.rounds as usize {
        progress.show(round);
        let mut order = MEASURED;
        order.rotate_left(round % MEASURED.len());
        for k in 0..cases.len() {
            let index = (k + round) % cases.len();
            let case = &cases[index];
            let ns = run_worker(
                case,
                plan,
                order,
                (round == 0).then_some(probe),
                &devices,
                &shared,
            )
            .map_err(|err| format!("case `{}`: {err}", case.name))?;
            for (column, value) in ns.into_iter().enumerate() {
                samples[index][column].push(value);
            }
        }
    }
    progress.finish();
    Ok((samples, plan))
}

/// How many calls make a batch of about [`BATCH_NS`] for the slowest syscall,
/// measured by one worker of `baseline` (no filter).
fn calibrate(baseline: &Case, devices: &Devices, shared: &SharedReport) -> Result<u32, String> {
    let trial = Plan {
        rounds: 1,
        calls: 1000,
    };
    let ns = run_worker(baseline, trial, MEASURED, None, devices, shared)
        .map_err(|err| format!("calibrating with case `{}`: {err}", baseline.name))?;
    let slowest = ns.into_iter().fold(1.0, f64::max);
    Ok((BATCH_NS / slowest).clamp(1000.0, 1_000_000.0) as u32)
}

/// The progress line on stderr: rewritten in place on a terminal, one line per
/// round otherwise (a CI log).
struct Progress {
    rounds: u32,
    started: Instant,
    terminal: bool,
}

impl Progress {
    fn new(rounds: u32) -> Progress {
        Progress {
            rounds,
            started: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn show(&mut self, round: usize) {
        let line = format!(
            "overhead: round {} of {} ({:.0} s)",
            round + 1,
            self.rounds,
            self.started.elapsed().as_secs_f64()
        );
        if self.terminal {
            eprint!("\r{line}");
            let _ = std::io::stderr().flush();
        } else {
            eprintln!("{line}");
        }
    }

    fn finish(&mut self) {
        let line = format!(
            "overhead: {} rounds in {:.1} s",
            self.rounds,
            self.started.elapsed().as_secs_f64()
        );
        if self.terminal {
            eprintln!("\r{line}   ");
        } else {
            eprintln!("{line}");
        }
    }
}

/// What the results were measured on, as `key: value` lines.
fn machine() -> Vec<(&'static str, String)> {
    let libseccomp =
        ScmpVersion::current().map_or_else(|_| "unknown".to_owned(), |v| v.to_string());
    let mut lines = bench::machine();
    lines.extend([("libseccomp", libseccomp), ("date", bench::today())]);
    let outer = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("Seccomp_filters:"))
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
    if outer > 0 {
        lines.push(("note", format!("this process already runs under {outer} seccomp filter(s), which every case pays for too")));
    }
    lines
}

/// The table printed on stdout, as Markdown, so it can go into a page as it is.
fn table(cases: &[Case], summaries: &[[Summary; 3]]) -> String {
    let baseline = &summaries[0];
    let mut header = vec![
        "case".to_owned(),
        "filters".to_owned(),
        "BPF instructions".to_owned(),
    ];
    for syscall in MEASURED {
        header.push(format!("{} ns", syscall.name()));
        header.push("ratio".to_owned());
    }
    let mut rows = vec![header];
    for (case, summary) in cases.iter().zip(summaries) {
        let mut row = vec![
            case.name.clone(),
            case.programs.len().to_string(),
            case.instructions().to_string(),
        ];
        for (column, s) in summary.iter().enumerate() {
            row.push(format!("{:.1}", s.median));
            row.push(format!("{:.2}×", s.median / baseline[column].median));
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        out.push('|');
        for (column, cell) in row.iter().enumerate() {
            let pad = widths[column] - cell.chars().count();
            // The case name is left-aligned, the numbers right-aligned.
            if column == 0 {
                let _ = write!(out, " {cell}{} |", " ".repeat(pad));
            } else {
                let _ = write!(out, " {}{cell} |", " ".repeat(pad));
            }
        }
        out.push('\n');
        if i == 0 {
            out.push('|');
            for (column, width) in widths.iter().enumerate() {
                let dashes = "-".repeat(width.saturating_sub(1).max(2));
                let _ = write!(
                    out,
                    " {} |",
                    if column == 0 {
                        format!("{dashes}-")
                    } else {
                        format!("{dashes}:")
                    }
                );
            }
            out.push('\n');
        }
    }
    out
}

/// The same results as CSV, one row per case and syscall, after `# key: value`
/// lines that say what they were measured on.
fn csv(
    cases: &[Case],
    summaries: &[[Summary; 3]],
    plan: Plan,
    machine: &[(&str, String)],
) -> String {
    let mut out = bench::csv_comments(machine);
    let _ = writeln!(out, "# rounds: {}", plan.rounds);
    let _ = writeln!(
        out,
        "# calls per batch: {} (the median of {BATCHES} batches per worker)",
        plan.calls
    );
    out.push_str("case,syscall,ns_per_call,ratio,q1_ns,q3_ns,filters,bpf_instructions\n");
    for (case, summary) in cases.iter().zip(summaries) {
        for (column, s) in summary.iter().enumerate() {
            let _ = writeln!(
                out,
                "{},{},{:.2},{:.2},{:.2},{:.2},{},{}",
                csv_field(&case.name),
                MEASURED[column].name(),
                s.median,
                s.median / summaries[0][column].median,
                s.q1,
                s.q3,
                case.programs.len(),
                case.instructions()
            );
        }
    }
    out
}

/// `text` as one CSV field: quoted when it holds a comma, a quote or a newline.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let quick_env = std::env::var_os("OVERHEAD_QUICK").is_some_and(|v| !v.is_empty() && v != "0");
    let quick = cli.quick || quick_env || !cli.bench;
    let rounds = cli.rounds.unwrap_or(if quick { 3 } else { 31 });
    let calls = cli.calls.or(quick.then_some(300));
    let cases = match cases() {
        Ok(cases) => cases,
        Err(err) => return common::fail_closed("overhead", &err),
    };
    let machine = machine();
    if quick {
        eprintln!("overhead: quick mode: checks that every case works; the numbers mean little");
    }
    let (samples, plan) = match measure(&cases, rounds, calls) {
        Ok(measured) => measured,
        Err(err) => {
            eprintln!("overhead: error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let summaries: Vec<[Summary; 3]> = samples
        .iter()
        .map(|columns| [0, 1, 2].map(|column| Summary::of(&columns[column])))
        .collect();

    println!(
        "What a seccomp filter costs: ns per syscall, median of {} rounds, and the ratio to no filter.",
        plan.rounds
    );
    let about: Vec<String> = machine
        .iter()
        .map(|(key, value)| format!("{key}: {value}"))
        .collect();
    println!("{}", about.join("; "));
    println!(
        "Every filter also allows {}, which the measurement needs.\n",
        MEASUREMENT_NEEDS.join(", ")
    );
    print!("{}", table(&cases, &summaries));

    let path = cli
        .csv
        .unwrap_or_else(|| bench::target_dir().join("overhead.csv"));
    if let Err(err) = std::fs::write(&path, csv(&cases, &summaries, plan, &machine)) {
        eprintln!("overhead: error: cannot write {}: {err}", path.display());
        return ExitCode::FAILURE;
    }
    println!("\nCSV: {}", path.display());
    ExitCode::SUCCESS
}
