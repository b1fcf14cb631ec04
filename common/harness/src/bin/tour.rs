//! `tour`: runs the four steps of the tutorial in order with the same input and shows,
//! for each, what it printed and how it ended, like the tutorial's transcripts.
//!
//! It expects the step binaries next to itself, as `cargo build --workspace --bins`
//! leaves them; `./tour.sh` builds them and runs it. With `--save DIR` it also
//! writes each step's transcript to a file, and the platform they were made on:
//! the book's transcripts are made with `./tour.sh --save docs/transcripts`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;
use harness::runner::run_step;
use harness::tour::{
    transcript, transcript_file_name, Platform, DEFAULT_INPUT, PLATFORM_FILE, STEPS,
};

/// Runs the four steps of the seccomp tutorial with the same input and shows what
/// each printed and how it ended (exit status, or death by SIGSYS).
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// The line to type into every step (a newline is added).
    #[arg(long, default_value = DEFAULT_INPUT)]
    input: String,
    /// Run only this step (1 to 4); repeat to run several.
    #[arg(long = "step", value_name = "N", value_parser = clap::value_parser!(u8).range(1..=4))]
    steps: Vec<u8>,
    /// Where the step binaries are (default: next to this program).
    #[arg(long, value_name = "DIR")]
    bin_dir: Option<PathBuf>,
    /// Also save each step's transcript in DIR as STEP.txt, and in platform.txt
    /// the platform they were made on (the book's: docs/transcripts). Transcripts
    /// are made with the tutorial's input only.
    #[arg(long, value_name = "DIR", conflicts_with = "input")]
    save: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let bin_dir = match cli.bin_dir.map_or_else(own_dir, Ok) {
        Ok(dir) => dir,
        Err(err) => {
            eprintln!("tour: error: cannot find the directory of the tour binary: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(dir) = &cli.save {
        if let Err(err) = std::fs::create_dir_all(dir) {
            eprintln!("tour: error: cannot create {}: {err}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    let input = format!("{}\n", cli.input);
    for (number, step) in (1u8..).zip(STEPS) {
        if !cli.steps.is_empty() && !cli.steps.contains(&number) {
            continue;
        }
        let binary = bin_dir.join(step.binary);
        if !binary.exists() {
            eprintln!(
                "tour: error: {} not found; build the steps first: cargo build --workspace --bins",
                binary.display()
            );
            return ExitCode::FAILURE;
        }
        println!("== {} ({}) ==\n{}\n", step.title, step.binary, step.lesson);
        let text = match run_step(&mut Command::new(&binary), input.as_bytes()) {
            Ok(run) => transcript(step.binary, input.as_bytes(), &run),
            Err(err) => {
                eprintln!("tour: error: cannot run {}: {err}", binary.display());
                return ExitCode::FAILURE;
            }
        };
        println!("{text}");
        if let Some(dir) = &cli.save {
            if let Err(code) = save(&dir.join(transcript_file_name(step.binary)), &text) {
                return code;
            }
        }
    }
    if let Some(dir) = &cli.save {
        if let Err(code) = save(&dir.join(PLATFORM_FILE), &Platform::current().render()) {
            return code;
        }
    }
    ExitCode::SUCCESS
}

/// Writes `text` to `path` and says so on stderr, or says why not.
fn save(path: &Path, text: &str) -> Result<(), ExitCode> {
    match std::fs::write(path, text) {
        Ok(()) => {
            eprintln!("tour: saved {}", path.display());
            Ok(())
        }
        Err(err) => {
            eprintln!("tour: error: cannot write {}: {err}", path.display());
            Err(ExitCode::FAILURE)
        }
    }
}

/// The directory this binary is in, where cargo puts the step binaries too.
fn own_dir() -> std::io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(exe.parent().map(PathBuf::from).unwrap_or_default())
}
