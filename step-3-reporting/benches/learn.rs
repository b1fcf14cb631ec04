//! How long `--learn -- CMD` takes next to `strace -f`, on the same command,
//! measured side by side, and what `--callers` adds to it.
//!
//! Run it with `cargo bench -p step-3-reporting --bench learn` (`-- --help` for
//! options). The command is `ls -R /usr/share` unless one is given after `--`: a
//! few tens of thousands of syscalls, nearly all of which `--learn`'s filter
//! notifies, and `strace` stops at twice (entry and exit). Each round runs it
//! four ways, in an order that rotates from round to round: bare, under
//! `strace -f -o /dev/null`, under `step-3-reporting --learn --`, and under
//! `step-3-reporting --learn --callers --` (one unwind per syscall listed), each with
//! stdin, stdout and stderr on `/dev/null`, timed from the fork to the end of
//! the wait. The result is each way's median time over the rounds, and the
//! ratios, to the bare run, of `--learn` to `strace` and of `--callers` to
//! `--learn`, each the median of the ratios within a round: a virtual machine
//! that is slower for a while slows a round's runs alike. A table on stdout, the same as CSV under
//! `target/`, and a progress line on stderr.
//!
//! Before the rounds, each way runs once untimed (which also fills the page
//! cache), and must exit 0; `--learn`'s report must say that the command exited
//! 0 and list its `execve`, and with `--callers` show a caller under it. `strace -f -c` counts the command's syscalls then.
//! Run without `--bench` (as `cargo test --benches` does) or with `--quick`, it
//! runs three rounds: enough to see that every way works, not to trust the
//! numbers.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use clap::Parser;
use harness::bench::{self, Summary};

/// The step binary cargo built next to this bench.
const STEP: &str = env!("CARGO_BIN_EXE_step-3-reporting");

/// The command measured when none is given.
const DEFAULT_COMMAND: &[&str] = &["ls", "-R", "/usr/share"];

/// Measures how long a command takes bare, under `strace -f` and under
/// `step-3-reporting --learn --`, and prints the ratios.
///
/// Writes the same table as CSV to target/learn-speed.csv (or --csv PATH). Run
/// without --bench (as `cargo test --benches` does), it runs the quick mode.
#[derive(Parser)]
#[command(
    name = "learn",
    bin_name = "cargo bench -p step-3-reporting --bench learn --"
)]
struct Cli {
    /// Quick mode: three rounds that check every way works; the numbers mean little.
    #[arg(long)]
    quick: bool,
    /// Rounds to run (each round runs the command once each way) [default: 15, quick: 3].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rounds: Option<u32>,
    /// Where to write the CSV [default: learn-speed.csv in Cargo's target directory].
    #[arg(long, value_name = "PATH")]
    csv: Option<PathBuf>,
    /// Passed by `cargo bench`; without it the bench runs the quick mode.
    #[arg(long, hide = true)]
    bench: bool,
    /// The command to measure [default: ls -R /usr/share].
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

/// One way of running the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Bare,
    Strace,
    Learn,
    Callers,
}

/// Every way, in the order of the table.
const WAYS: [Way; 4] = [Way::Bare, Way::Strace, Way::Learn, Way::Callers];

impl Way {
    /// The row's name.
    fn name(self) -> &'static str {
        match self {
            Way::Bare => "bare",
            Way::Strace => "strace -f -o /dev/null",
            Way::Learn => "step-3-reporting --learn --",
            Way::Callers => "step-3-reporting --learn --callers --",
        }
    }

    /// The command line that runs `command` this way.
    fn command(self, command: &[String]) -> Command {
        let mut line = match self {
            Way::Bare => Command::new(&command[0]),
            Way::Strace => {
                let mut strace = Command::new("strace");
                strace.args(["-f", "-o", "/dev/null"]).arg(&command[0]);
                strace
            }
            Way::Learn => {
                let mut learn = Command::new(STEP);
                learn.args(["--learn", "--"]).arg(&command[0]);
                learn
            }
            Way::Callers => {
                let mut learn = Command::new(STEP);
                learn.args(["--learn", "--callers", "--"]).arg(&command[0]);
                learn
            }
        };
        line.args(&command[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        line
    }
}

/// Runs `command` once each way, untimed, and checks that each works: exit
/// status 0, and for `--learn` a report that says so and lists `execve`. Returns
/// how many syscalls `strace -f -c` counted.
fn check(command: &[String]) -> Result<u64, String> {
    let shown = command.join(" ");
    for way in WAYS {
        let output = way
            .command(command)
            .stderr(Stdio::piped())
            .output()
            .map_err(|err| format!("cannot run `{shown}` {}: {err}", way.name()))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            return Err(format!(
                "`{shown}` {} ended with {}: {stderr}",
                way.name(),
                output.status
            ));
        }
        let lines: Vec<&str> = stderr.lines().collect();
        let execve = lines.iter().position(|line| line.starts_with("execve("));
        if matches!(way, Way::Learn | Way::Callers)
            && !(stderr.contains(": the command's process: exit status 0;") && execve.is_some())
        {
            return Err(format!("--learn did not report on `{shown}`:\n{stderr}"));
        }
        let caller = execve.and_then(|at| lines.get(at + 1));
        if way == Way::Callers && !caller.is_some_and(|line| line.starts_with("    ")) {
            return Err(format!("--callers showed no caller of execve:\n{stderr}"));
        }
    }
    let counts = bench::target_dir().join("learn-strace-c.txt");
    Command::new("strace")
        .args(["-f", "-c", "-o"])
        .arg(&counts)
        .args(command)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|err| format!("cannot run strace -c: {err}"))?;
    // The summary's last line is `100.00 SECONDS USECS CALLS [ERRORS] total`.
    let summary = std::fs::read_to_string(&counts)
        .map_err(|err| format!("cannot read {}: {err}", counts.display()))?;
    summary
        .lines()
        .filter(|line| line.trim_end().ends_with(" total"))
        .find_map(|line| line.split_whitespace().nth(3)?.parse().ok())
        .ok_or_else(|| format!("strace -c printed no total:\n{summary}"))
}

/// Times one run of `command` `way`, in ms.
fn time(way: Way, command: &[String]) -> Result<f64, String> {
    let start = Instant::now();
    let status = way
        .command(command)
        .stderr(Stdio::null())
        .status()
        .map_err(|err| format!("cannot run {}: {err}", way.name()))?;
    let elapsed = start.elapsed();
    if !status.success() {
        return Err(format!("{} ended with {status}", way.name()));
    }
    Ok(elapsed.as_secs_f64() * 1000.0)
}

/// Runs every way once per round, in an order that rotates from round to
/// round, and returns each way's times, in the order of [`WAYS`].
fn measure(command: &[String], rounds: u32) -> Result<[Vec<f64>; 4], String> {
    let mut times: [Vec<f64>; 4] = Default::default();
    let terminal = std::io::stderr().is_terminal();
    let started = Instant::now();
    for round in 0..rounds as usize {
        let line = format!(
            "learn: round {} of {rounds} ({:.0} s)",
            round + 1,
            started.elapsed().as_secs_f64()
        );
        if terminal {
            eprint!("\r{line}");
            let _ = std::io::stderr().flush();
        } else {
            eprintln!("{line}");
        }
        for k in 0..WAYS.len() {
            let index = (k + round) % WAYS.len();
            times[index].push(time(WAYS[index], command)?);
        }
    }
    let line = format!(
        "learn: {rounds} rounds in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if terminal {
        eprintln!("\r{line}   ");
    } else {
        eprintln!("{line}");
    }
    Ok(times)
}

/// What the results were measured on, as `key: value` pairs.
fn machine(command: &[String], syscalls: u64) -> Vec<(&'static str, String)> {
    let strace = Command::new("strace")
        .arg("-V")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.lines().next()?.rsplit(' ').next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    let mut lines = vec![
        ("command", command.join(" ")),
        ("syscalls", syscalls.to_string()),
    ];
    lines.extend(bench::machine());
    lines.extend([("strace", strace), ("date", bench::today())]);
    lines
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let quick = cli.quick || !cli.bench;
    let rounds = cli.rounds.unwrap_or(if quick { 3 } else { 15 });
    let command: Vec<String> = if cli.command.is_empty() {
        DEFAULT_COMMAND.iter().map(|s| (*s).to_owned()).collect()
    } else {
        cli.command
    };
    if quick {
        eprintln!("learn: quick mode: checks that every way works; the numbers mean little");
    }
    let measured = check(&command).and_then(|syscalls| Ok((syscalls, measure(&command, rounds)?)));
    let (syscalls, times) = match measured {
        Ok(measured) => measured,
        Err(err) => {
            eprintln!("learn: error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let summaries = times.each_ref().map(|samples| Summary::of(samples));
    // The median of the ratios within each round (see the header).
    let ratio = |of: usize, to: usize| {
        let per_round: Vec<f64> = times[of]
            .iter()
            .zip(&times[to])
            .map(|(a, b)| a / b)
            .collect();
        Summary::of(&per_round).median
    };
    let machine = machine(&command, syscalls);

    println!(
        "How long `{}` takes bare, under strace, under --learn and under --learn --callers: ms, median of {rounds} rounds.",
        command.join(" ")
    );
    let about: Vec<String> = machine
        .iter()
        .map(|(key, value)| format!("{key}: {value}"))
        .collect();
    println!("{}\n", about.join("; "));
    let mut table = String::from("| way | ms | ratio to bare |\n|---|---:|---:|\n");
    for (index, (way, summary)) in WAYS.iter().zip(&summaries).enumerate() {
        let _ = writeln!(
            table,
            "| {} | {:.1} | {:.2}× |",
            way.name(),
            summary.median,
            ratio(index, 0)
        );
    }
    print!("{table}");
    let learn_to_strace = ratio(2, 1);
    let callers_to_learn = ratio(3, 2);
    println!("\n--learn takes {learn_to_strace:.2}× the time strace -f takes.");
    println!("--learn --callers takes {callers_to_learn:.2}× the time --learn takes.");

    let mut csv = bench::csv_comments(&machine);
    let _ = writeln!(csv, "# rounds: {rounds}");
    let _ = writeln!(csv, "# learn to strace: {learn_to_strace:.2}");
    let _ = writeln!(csv, "# callers to learn: {callers_to_learn:.2}");
    csv.push_str("way,ms,q1_ms,q3_ms,ratio_to_bare\n");
    for (index, (way, summary)) in WAYS.iter().zip(&summaries).enumerate() {
        let _ = writeln!(
            csv,
            "{},{:.2},{:.2},{:.2},{:.2}",
            way.name(),
            summary.median,
            summary.q1,
            summary.q3,
            ratio(index, 0)
        );
    }
    let path = cli
        .csv
        .unwrap_or_else(|| bench::target_dir().join("learn-speed.csv"));
    if let Err(err) = std::fs::write(&path, csv) {
        eprintln!("learn: error: cannot write {}: {err}", path.display());
        return ExitCode::FAILURE;
    }
    println!("CSV: {}", path.display());
    ExitCode::SUCCESS
}
