//! `preflight`: checks, without running the workshop, whether this machine can
//! run the tutorial's steps and their tests. `./tour.sh --check` builds it and
//! runs it, so that a teacher can ask a room to run one command before the
//! session and collect one line from each machine.
//!
//! It checks what the kernel offers of seccomp (filter mode, each action the
//! steps and the tests use, user notification and its flags), NO_NEW_PRIVS,
//! libseccomp, the architecture, strace and ptrace, Python 3 and Rust, and it
//! says whether it runs in a container and under which seccomp mode. It prints
//! one line per check, marked `ok`, `note` (worth knowing, not a problem) or
//! `FAIL` (with what to do), and last one line: `ready: ...`, or `not ready:
//! ...` with what to do. It exits 0 only when the machine is ready.
//!
//! Each action is checked the way the steps use it: a child process (this
//! program again, with `--probe ACTION`) loads a filter that answers one
//! syscall, `getppid`, with that action and allows every other, makes the
//! syscall, and prints what it got; this process reads how the child ended. No
//! filter is ever loaded in this process.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode};

use clap::{Parser, ValueEnum};
use common::filter::{load, Filter};
use harness::runner::{run_step, Ending, StepRun};
use libseccomp::{ScmpAction, ScmpArch, ScmpNotifReq, ScmpNotifResp, ScmpNotifRespFlags};

/// Checks whether this machine can run the seccomp tutorial's steps and tests.
///
/// Prints one line per check and a last line, `ready: ...` or `not ready: ...`
/// (what to do); exits 0 only when ready. Installs and changes nothing.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Internal: be the child process that loads a filter with this action.
    #[arg(long, value_enum, hide = true)]
    probe: Option<Probe>,
}

/// What a child process checks.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Probe {
    /// Sets NO_NEW_PRIVS, which loading a filter without privileges needs.
    NoNewPrivs,
    /// `getppid` answered with KILL_PROCESS, step 2's and step 4's default.
    Kill,
    /// `getppid` answered with TRAP, into step 3's reporter.
    Trap,
    /// `getppid` answered with ERRNO (EPERM), as step 4 answers `clone3`.
    Errno,
    /// `getppid` answered with LOG, an action a policy may name.
    Log,
    /// `getppid` answered with USER_NOTIF, which `--learn`'s supervisor answers.
    Notify,
}

/// How a check came out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Ok,
    Note,
    Fail,
}

/// One line of the report; a failed check says what to do about it.
struct Check {
    mark: Mark,
    what: String,
    detail: String,
    fix: Option<String>,
}

impl Check {
    fn ok(what: &str, detail: impl Into<String>) -> Check {
        Check {
            mark: Mark::Ok,
            what: what.to_owned(),
            detail: detail.into(),
            fix: None,
        }
    }

    fn note(what: &str, detail: impl Into<String>) -> Check {
        Check {
            mark: Mark::Note,
            ..Check::ok(what, detail)
        }
    }

    fn fail(what: &str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            mark: Mark::Fail,
            fix: Some(fix.into()),
            ..Check::ok(what, detail)
        }
    }

    fn line(&self) -> String {
        let mark = match self.mark {
            Mark::Ok => "ok",
            Mark::Note => "note",
            Mark::Fail => "FAIL",
        };
        format!("{mark:<5} {}: {}", self.what, self.detail)
    }
}

/// The Rust the workspace needs, from its manifest.
const RUST_NEEDED: &str = env!("CARGO_PKG_RUST_VERSION");

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(probe) = cli.probe {
        return run_probe(probe);
    }
    let machine = Machine::read();
    let mut checks = vec![architecture(), seccomp_mode(&machine), container(&machine)];
    checks.extend(actions(&machine));
    checks.extend([libseccomp(), strace(), ptrace(), python(), rust()]);
    for check in &checks {
        println!("{}", check.line());
    }
    println!("{}", verdict(&machine, &checks));
    if checks.iter().any(|check| check.mark == Mark::Fail) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The last line: `ready: ...` with what the machine is, or `not ready: ...`
/// with what to do, each fix once.
fn verdict(machine: &Machine, checks: &[Check]) -> String {
    let mut fixes: Vec<&str> = Vec::new();
    for fix in checks.iter().filter_map(|check| check.fix.as_deref()) {
        if !fixes.contains(&fix) {
            fixes.push(fix);
        }
    }
    if fixes.is_empty() {
        format!(
            "ready: {}, Linux {}, libseccomp {}, {}: the steps and their tests can run here",
            native_arch_name(),
            machine.kernel,
            libseccomp_version(),
            rustc_version().unwrap_or_else(|| "Rust".to_owned()),
        )
    } else {
        format!(
            "not ready: {}; then run ./tour.sh --check again",
            fixes.join("; ")
        )
    }
}

/// What the checks read of this machine once.
struct Machine {
    /// The kernel's release, as `uname -r` prints it.
    kernel: String,
    /// `Seccomp:` of /proc/self/status: 0 none, 1 strict, 2 filter; `None`
    /// when the kernel has no seccomp at all.
    seccomp_mode: Option<u32>,
    /// `Seccomp_filters:`: how many filters this process already runs under.
    filters: u32,
}

impl Machine {
    fn read() -> Machine {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|value| value.trim().parse::<u32>().ok())
        };
        Machine {
            kernel: nix::sys::utsname::uname()
                .map(|name| name.release().to_string_lossy().into_owned())
                .unwrap_or_else(|_| "(unknown release)".to_owned()),
            seccomp_mode: field("Seccomp:"),
            filters: field("Seccomp_filters:").unwrap_or(0),
        }
    }
}

/// "1 filter", "2 filters".
fn filters(count: u32) -> String {
    if count == 1 {
        "1 filter".to_owned()
    } else {
        format!("{count} filters")
    }
}

/// The native architecture, as Rust names it.
fn native_arch_name() -> String {
    std::env::consts::ARCH.to_owned()
}

/// The architecture, and whether the tutorial is verified on it.
fn architecture() -> Check {
    let arch = ScmpArch::native();
    let name = native_arch_name();
    let verified = [
        ScmpArch::X8664,
        ScmpArch::X86,
        ScmpArch::Aarch64,
        ScmpArch::Arm,
        ScmpArch::Riscv64,
    ];
    if verified.contains(&arch) {
        Check::ok(
            "architecture",
            format!("{name}, one the tutorial is tested on"),
        )
    } else {
        Check::note(
            "architecture",
            format!(
                "{name}: the tutorial is tested on x86_64, i386, aarch64, armhf and riscv64; \
                 the steps should work here, and what they print may differ from the book"
            ),
        )
    }
}

/// The kernel's seccomp, and the mode this process runs in.
fn seccomp_mode(machine: &Machine) -> Check {
    let what = "kernel seccomp";
    let kernel = &machine.kernel;
    match machine.seccomp_mode {
        None => Check::fail(
            what,
            format!("Linux {kernel} has no seccomp (no Seccomp: line in /proc/self/status)"),
            "use a Linux kernel built with seccomp filters (CONFIG_SECCOMP_FILTER), as every \
             major distribution's is",
        ),
        Some(0) => Check::ok(
            what,
            format!("Linux {kernel}; this process runs under no filter"),
        ),
        Some(2) => Check::ok(
            what,
            format!(
                "Linux {kernel}; this process already runs under {}, and the steps' filters \
                 stack on it: the strictest answer wins",
                filters(machine.filters)
            ),
        ),
        Some(mode) => Check::fail(
            what,
            format!("Linux {kernel}; this process runs in seccomp mode {mode} (strict)"),
            "run the workshop in a process that is not in seccomp's strict mode",
        ),
    }
}

/// Whether this runs in a container (or WSL), which changes what a filter
/// stacks on and what PID 1 is.
fn container(machine: &Machine) -> Check {
    let mut found = Vec::new();
    if Path::new("/.dockerenv").exists() {
        found.push("Docker's mark, /.dockerenv".to_owned());
    }
    if Path::new("/run/.containerenv").exists() {
        found.push("Podman's mark, /run/.containerenv".to_owned());
    }
    if std::env::var_os("CODESPACES").is_some() {
        found.push("GitHub Codespaces".to_owned());
    }
    // PID 1's environment names the container manager under systemd's
    // convention; only readable when this process may read PID 1's memory.
    if let Ok(environ) = std::fs::read("/proc/1/environ") {
        for variable in environ.split(|&byte| byte == 0) {
            if let Some(manager) = variable.strip_prefix(b"container=") {
                found.push(format!(
                    "a container ({}, as PID 1 says)",
                    String::from_utf8_lossy(manager)
                ));
            }
        }
    }
    let release = machine.kernel.to_lowercase();
    if release.contains("microsoft") || release.contains("wsl") {
        found.push("WSL 2 (Microsoft's Linux kernel)".to_owned());
    }
    let mode = match machine.seccomp_mode {
        Some(2) => format!(
            "seccomp mode 2 (filter), under {} already",
            filters(machine.filters)
        ),
        Some(mode) => format!("seccomp mode {mode}"),
        None => "no seccomp".to_owned(),
    };
    if found.is_empty() {
        Check::note(
            "container",
            format!("none found; this process runs in {mode}"),
        )
    } else {
        Check::note(
            "container",
            format!("{}; this process runs in {mode}", found.join(", ")),
        )
    }
}

/// NO_NEW_PRIVS and each action, each in a child process that loads a filter.
fn actions(machine: &Machine) -> Vec<Check> {
    let mut checks = vec![no_new_privs()];
    let refused = |what: &str, unprobed: &Unprobed| match unprobed {
        Unprobed::Refused(why) => Check::fail(
            what,
            format!("the filter cannot be loaded: {why}"),
            load_fix(machine, why),
        ),
        Unprobed::NotRun(why) => Check::fail(what, why.clone(), why.clone()),
    };
    // KILL_PROCESS: the child dies by SIGSYS.
    let what = "action KILL_PROCESS (step 2)";
    checks.push(match probe(Probe::Kill) {
        Err(err) => refused(what, &err),
        Ok(run) if run.ending().is_sigsys() => {
            Check::ok(what, "a refused syscall kills the process with SIGSYS")
        }
        Ok(run) => unexpected(what, &run, "killed by SIGSYS"),
    });
    // TRAP: step 3's reporter names the syscall and exits 1.
    let what = "action TRAP (step 3)";
    checks.push(match probe(Probe::Trap) {
        Err(err) => refused(what, &err),
        Ok(run)
            if run.ending() == Ending::Exited(1)
                && run.stdout_text().contains(common::reporter::REPORT_PREFIX) =>
        {
            Check::ok(what, "SIGSYS reaches the reporter, which names the syscall")
        }
        Ok(run) => unexpected(what, &run, "the reporter's line and exit status 1"),
    });
    // ERRNO: the syscall fails with the errno.
    let what = "action ERRNO (step 4)";
    checks.push(match probe(Probe::Errno) {
        Err(err) => refused(what, &err),
        Ok(run) if report_of(&run).get("errno").map(String::as_str) == Some("1") => Check::ok(
            what,
            "a refused syscall fails with the errno the filter names",
        ),
        Ok(run) => unexpected(what, &run, "the syscall failing with EPERM"),
    });
    // LOG: the syscall runs.
    let what = "action LOG";
    checks.push(match probe(Probe::Log) {
        Err(err) => refused(what, &err),
        Ok(run) if report_of(&run).get("returned").map(String::as_str) == Some("parent") => {
            Check::ok(what, format!("the syscall runs; {}", logged()))
        }
        Ok(run) => unexpected(what, &run, "the syscall returning the parent's pid"),
    });
    checks.extend(notify(machine, &refused));
    checks
}

/// Whether the kernel logs what the LOG action answers: it does when `log` is
/// among `/proc/sys/kernel/seccomp/actions_logged` (and an audit daemon, or
/// the kernel's log, keeps the lines).
fn logged() -> String {
    match std::fs::read_to_string("/proc/sys/kernel/seccomp/actions_logged") {
        Ok(actions) if actions.split_whitespace().any(|action| action == "log") => {
            "the kernel logs it (log is in /proc/sys/kernel/seccomp/actions_logged)".to_owned()
        }
        Ok(_) => "the kernel does not log it here (log is not in \
                  /proc/sys/kernel/seccomp/actions_logged)"
            .to_owned(),
        Err(_) => "whether the kernel logs it is not readable here".to_owned(),
    }
}

/// What to do when a filter cannot be loaded: the process may already run
/// under a filter that refuses `seccomp(2)` (a container runtime's), or the
/// kernel may lack what the filter needs.
fn load_fix(machine: &Machine, err: &str) -> String {
    if machine.filters > 0 {
        format!(
            "the steps cannot load a filter here ({err}) under the {} this process already \
             runs under, a container runtime's profile most likely: run the workshop outside \
             it, or in a container whose profile allows seccomp(2) (Docker's and Podman's \
             default profiles do)",
            filters(machine.filters)
        )
    } else {
        format!(
            "the steps cannot load a filter here ({err}): use Linux 5.5 or later, built with \
             seccomp filters, as every major distribution's is"
        )
    }
}

/// A probe that ended otherwise than the check expects.
fn unexpected(what: &str, run: &StepRun, expected: &str) -> Check {
    Check::fail(
        what,
        format!(
            "expected {expected}, and the probe ended with {} (stdout {:?}, stderr {:?})",
            run.ending(),
            run.stdout_text().trim(),
            run.stderr_text().trim()
        ),
        format!("{what} does not work as the steps need: use Linux 5.5 or later"),
    )
}

/// NO_NEW_PRIVS, which every filter of the steps is loaded with.
fn no_new_privs() -> Check {
    let what = "NO_NEW_PRIVS";
    match probe(Probe::NoNewPrivs) {
        Ok(run) if report_of(&run).get("no_new_privs").map(String::as_str) == Some("1") => {
            Check::ok(
                what,
                "a process can promise never to gain privileges, as the steps do",
            )
        }
        Ok(run) => Check::fail(
            what,
            format!("cannot be set: {}", run.stdout_text().trim()),
            "NO_NEW_PRIVS cannot be set here: use Linux 3.5 or later",
        ),
        Err(Unprobed::Refused(why) | Unprobed::NotRun(why)) => Check::fail(what, why.clone(), why),
    }
}

/// User notification and its flags: `--learn`'s supervisor answers each
/// notified syscall with CONTINUE (Linux 5.5); WAIT_KILLABLE_RECV (Linux 5.19)
/// and SYNC_WAKE_UP (Linux 6.6) help where the kernel has them.
fn notify(machine: &Machine, refused: &dyn Fn(&str, &Unprobed) -> Check) -> Vec<Check> {
    let what = "action USER_NOTIF (--learn)";
    let run = match probe(Probe::Notify) {
        Err(err) => return vec![refused(what, &err)],
        Ok(run) => run,
    };
    let report = report_of(&run);
    let answered = report.get("answered").map(String::as_str);
    let returned = report.get("returned").map(String::as_str);
    let mut checks = vec![match (answered, returned) {
        (Some("continue"), Some("parent")) => Check::ok(
            what,
            "a supervisor receives the notification and lets the syscall run (CONTINUE)",
        ),
        (Some(refused_continue), _) if refused_continue.starts_with("refused") => Check::fail(
            what,
            format!("the kernel {refused_continue} the CONTINUE answer"),
            format!(
                "--learn needs Linux 5.5 or later, for its CONTINUE answer (this is {})",
                machine.kernel
            ),
        ),
        _ => unexpected(what, &run, "the supervisor's CONTINUE and the parent's pid"),
    }];
    let flag = |name: &str, key: &str, since: &str, without: &str| match report
        .get(key)
        .map(String::as_str)
    {
        Some("yes") => Check::ok(name, format!("available (Linux {since})")),
        _ => Check::note(
            name,
            format!("not available here (it came with Linux {since}): {without}"),
        ),
    };
    if answered == Some("continue") {
        checks.push(flag(
            "notification flag WAIT_KILLABLE_RECV",
            "wait_killable_recv",
            "5.19",
            "a signal can interrupt a notified syscall after the supervisor received it too",
        ));
        checks.push(flag(
            "notification flag SYNC_WAKE_UP",
            "sync_wake_up",
            "6.6",
            "--learn -- CMD runs slower",
        ));
    }
    checks
}

/// libseccomp, at a version `--learn` can use. (Its API level says what it
/// found of the kernel, which the actions above check by themselves.)
fn libseccomp() -> Check {
    let what = "libseccomp";
    let api = libseccomp::get_api();
    let new_enough = libseccomp::ScmpVersion::current().is_ok_and(|v| (v.major, v.minor) >= (2, 5));
    if new_enough {
        Check::ok(
            what,
            format!(
                "{} at API level {api} (2.5 or later is needed)",
                libseccomp_version()
            ),
        )
    } else {
        Check::fail(
            what,
            format!("{}, and 2.5 or later is needed", libseccomp_version()),
            "install libseccomp 2.5 or later (Debian 12, Ubuntu 22.04 and Fedora 33 have it)",
        )
    }
}

/// The version of the libseccomp this program runs with.
fn libseccomp_version() -> String {
    libseccomp::ScmpVersion::current()
        .map_or_else(|_| "(unknown version)".to_owned(), |v| v.to_string())
}

/// strace, which the tests of `--learn` run, and which needs ptrace.
fn strace() -> Check {
    let what = "strace";
    let traced = run_step(
        Command::new("strace").args(["-f", "-qq", "-o", "/dev/null", "true"]),
        b"",
    );
    match traced {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Check::fail(
            what,
            "not installed; the tests of step 3's --learn need it",
            "run ./tour.sh, which installs strace (or install your system's strace package)",
        ),
        Err(err) => Check::fail(what, err.to_string(), format!("strace cannot run: {err}")),
        Ok(run) if run.ending() == Ending::Exited(0) => {
            let version = run_step(Command::new("strace").arg("-V"), b"")
                .map(|run| run.stdout_text().lines().next().unwrap_or("").to_owned())
                .unwrap_or_default();
            Check::ok(
                what,
                format!("{version}: traces a command and its children"),
            )
        }
        Ok(run) => {
            let why = run.stderr_text().lines().next().unwrap_or("").to_owned();
            Check::fail(
                what,
                format!("cannot trace a command ({}): {why}", run.ending()),
                "let strace trace here: ptrace must be allowed (see the ptrace line)",
            )
        }
    }
}

/// ptrace as Yama allows it: the tests trace processes they started.
fn ptrace() -> Check {
    let what = "ptrace";
    let scope = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .ok()
        .and_then(|text| text.trim().parse::<u32>().ok());
    // SAFETY: a plain query.
    let root = unsafe { libc::geteuid() } == 0;
    match scope {
        None => Check::ok(what, "no Yama limits on ptrace"),
        Some(scope @ (0 | 1)) => Check::ok(
            what,
            format!("Yama's ptrace_scope is {scope}: a process may trace what it started"),
        ),
        Some(2) if root => Check::ok(what, "Yama's ptrace_scope is 2, and root may trace"),
        Some(2) => Check::fail(
            what,
            "Yama's ptrace_scope is 2: only root may trace, and the tests trace as you",
            "allow ptrace for your user: sudo sysctl kernel.yama.ptrace_scope=1",
        ),
        Some(scope) => Check::fail(
            what,
            format!("Yama's ptrace_scope is {scope}: nobody may trace, until a reboot"),
            "set kernel.yama.ptrace_scope to 1 at boot (a file in /etc/sysctl.d) and reboot",
        ),
    }
}

/// Python 3, which a test runs to redraw the book's plot.
fn python() -> Check {
    let what = "Python 3";
    match run_step(Command::new("python3").arg("--version"), b"") {
        Ok(run) if run.ending() == Ending::Exited(0) => {
            Check::ok(what, run.stdout_text().trim().to_owned())
        }
        _ => Check::fail(
            what,
            "python3 is not installed; a test of the book's plot runs it",
            "run ./tour.sh, which installs Python 3",
        ),
    }
}

/// The version `rustc --version` prints (`rustc 1.85.0`), if rustc runs.
fn rustc_version() -> Option<String> {
    let run = run_step(Command::new("rustc").arg("--version"), b"").ok()?;
    let line = run.stdout_text();
    let mut words = line.split_whitespace();
    Some(format!("{} {}", words.next()?, words.next()?))
}

/// Rust, new enough for the workspace (its rust-version).
fn rust() -> Check {
    let what = "Rust";
    let Some(version) = rustc_version() else {
        return Check::fail(
            what,
            "rustc is not on the PATH",
            format!("install Rust {RUST_NEEDED} or later, with rustup (https://rustup.rs)"),
        );
    };
    let number = |text: &str| -> Vec<u32> {
        text.split(['.', '-'])
            .take(3)
            .map(|part| part.parse().unwrap_or(0))
            .collect()
    };
    let found = version.split(' ').nth(1).unwrap_or("");
    if number(found) >= number(RUST_NEEDED) {
        Check::ok(
            what,
            format!("{version} ({RUST_NEEDED} or later is needed)"),
        )
    } else {
        Check::fail(
            what,
            format!("{version}, and the workspace needs {RUST_NEEDED} or later"),
            format!(
                "install Rust {RUST_NEEDED} or later: `rustup update stable`, or rustup from \
                 https://rustup.rs"
            ),
        )
    }
}

/// Why a probe has nothing to show.
enum Unprobed {
    /// Its filter could not be loaded: the child said why (`refused=WHY`).
    Refused(String),
    /// The child could not be run at all.
    NotRun(String),
}

/// Runs this program again as the child process of `probe`.
fn probe(probe: Probe) -> Result<StepRun, Unprobed> {
    let not_run = |err: std::io::Error| Unprobed::NotRun(format!("cannot run a probe: {err}"));
    let exe = std::env::current_exe().map_err(not_run)?;
    let name = probe
        .to_possible_value()
        .expect("every probe has a name")
        .get_name()
        .to_owned();
    let run = run_step(Command::new(exe).args(["--probe", &name]), b"").map_err(not_run)?;
    match report_of(&run).get("refused") {
        Some(why) => Err(Unprobed::Refused(why.clone())),
        None => Ok(run),
    }
}

/// The `key=value` lines a probe printed.
fn report_of(run: &StepRun) -> BTreeMap<String, String> {
    run.stdout_text()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}

// ---- The child process of a probe ----

/// `getppid`, made directly: what each probe's filter answers.
fn getppid() -> Result<i64, nix::errno::Errno> {
    // SAFETY: getppid takes no arguments and cannot fail but by the filter.
    // (`c_long`, 32 bits on a 32-bit architecture.)
    nix::errno::Errno::result(unsafe { libc::syscall(libc::SYS_getppid) } as i64)
}

/// What `getppid` returned, as the probe prints it.
fn returned(before: i64) -> String {
    match getppid() {
        Ok(pid) if pid == before => "returned=parent".to_owned(),
        Ok(pid) => format!("returned={pid}"),
        Err(errno) => format!("errno={}", errno as i32),
    }
}

/// Loads a filter that answers `getppid` with `action` and allows the rest;
/// prints `refused=WHY` and ends the process when it cannot. The kernel is
/// asked first whether it offers the action (`SECCOMP_GET_ACTION_AVAIL`): its
/// answer names the cause, where libseccomp, which asks the same to learn what
/// it may use, would only refuse the filter.
fn load_getppid_filter(action: ScmpAction, kernel_action: u32) -> Filter {
    let refuse = |why: String| -> ! {
        println!("refused={why}");
        std::process::exit(i32::from(common::error::EXIT_FILTER_FAILED));
    };
    if let Err(errno) = action_available(kernel_action) {
        refuse(match errno {
            nix::errno::Errno::EOPNOTSUPP => "the kernel does not offer this action".to_owned(),
            errno => format!("seccomp(2) fails with {errno}"),
        });
    }
    let loaded = Filter::new(ScmpAction::Allow).and_then(|mut filter| {
        filter.add_rule(action, "getppid", &[])?;
        load(&filter)?;
        Ok(filter)
    });
    loaded.unwrap_or_else(|err| match err {
        common::StepError::Load(source) => refuse(format!("libseccomp's load fails: {source}")),
        other => refuse(other.to_string()),
    })
}

/// The kernel's answer to `SECCOMP_GET_ACTION_AVAIL` for `action` (a
/// `SECCOMP_RET_*` value): `Ok` when it offers it.
fn action_available(action: u32) -> Result<(), nix::errno::Errno> {
    // SAFETY: the kernel reads one u32 at the pointer, which lives on the stack.
    let result = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_GET_ACTION_AVAIL,
            0,
            &action as *const u32,
        )
    };
    nix::errno::Errno::result(result).map(drop)
}

/// The child process of a probe: prints `key=value` lines, or dies as the
/// filter has it.
fn run_probe(probe: Probe) -> ExitCode {
    // SAFETY: a plain query.
    let parent = unsafe { libc::syscall(libc::SYS_getppid) } as i64;
    match probe {
        Probe::NoNewPrivs => {
            let set = nix::sys::prctl::set_no_new_privs()
                .and_then(|()| nix::sys::prctl::get_no_new_privs());
            match set {
                Ok(on) => println!("no_new_privs={}", u8::from(on)),
                Err(errno) => println!("no_new_privs={errno}"),
            }
        }
        Probe::Kill => {
            load_getppid_filter(ScmpAction::KillProcess, libc::SECCOMP_RET_KILL_PROCESS);
            println!("{}", returned(parent));
        }
        Probe::Trap => {
            if let Err(err) = common::reporter::install() {
                println!("refused={err}");
                return ExitCode::from(common::error::EXIT_FILTER_FAILED);
            }
            load_getppid_filter(ScmpAction::Trap, libc::SECCOMP_RET_TRAP);
            println!("{}", returned(parent));
        }
        Probe::Errno => {
            load_getppid_filter(ScmpAction::Errno(libc::EPERM), libc::SECCOMP_RET_ERRNO);
            println!("{}", returned(parent));
        }
        Probe::Log => {
            load_getppid_filter(ScmpAction::Log, libc::SECCOMP_RET_LOG);
            println!("{}", returned(parent));
        }
        Probe::Notify => notify_probe(parent),
    }
    ExitCode::SUCCESS
}

/// The user-notification probe: the filter's listener is answered by a thread
/// of this process (started after the filter, it runs under it too, and makes
/// no `getppid`), with CONTINUE, while the main thread makes the syscall.
fn notify_probe(parent: i64) {
    println!(
        "wait_killable_recv={}",
        yes_no(common::tools::learn::wait_killable_recv_known())
    );
    let filter = load_getppid_filter(ScmpAction::Notify, libc::SECCOMP_RET_USER_NOTIF);
    let listener = match filter.get_notify_fd() {
        Ok(fd) => fd,
        Err(err) => {
            println!("refused=no listener: {err}");
            return;
        }
    };
    println!("sync_wake_up={}", yes_no(sync_wake_up(listener)));
    let supervisor = std::thread::spawn(move || {
        let request = ScmpNotifReq::receive(listener).map_err(|err| err.to_string())?;
        let answer = ScmpNotifResp::new_continue(request.id, ScmpNotifRespFlags::empty());
        match answer.respond(listener) {
            Ok(()) => Ok("continue".to_owned()),
            Err(err) => {
                // Answer anyway, so that the main thread's syscall returns.
                let _ = ScmpNotifResp::new_val(request.id, 0, ScmpNotifRespFlags::empty())
                    .respond(listener);
                Err(format!("refused ({err})"))
            }
        }
    });
    let got = returned(parent);
    let answered = supervisor
        .join()
        .unwrap_or_else(|_| Err("the supervisor thread panicked".to_owned()));
    println!("answered={}", answered.unwrap_or_else(|err| err));
    println!("{got}");
}

fn yes_no(yes: bool) -> &'static str {
    if yes {
        "yes"
    } else {
        "no"
    }
}

/// Whether the listener takes `SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP` (Linux 6.6).
fn sync_wake_up(listener: std::os::fd::RawFd) -> bool {
    // SAFETY: the ioctl takes the flags by value and touches no memory.
    unsafe {
        libc::ioctl(
            listener,
            libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS,
            1 as libc::c_ulong,
        ) == 0
    }
}
