//! The book's transcripts held to what the steps print here: the tour's, of
//! each step fed the tutorial's line ([`assert_transcript_matches_book`]), and
//! the chapters', of commands run in a shell ([`assert_command_transcripts_match`],
//! [`assert_run_matches_book`]). A transcript is compared only on the platform
//! it was made on: elsewhere the syscalls differ ([`crate::tour::check_transcript`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::runner::StepRun;
use crate::running::{run, side_by_side, TUTORIAL_INPUT};

/// Asserts that the book's transcript of the step at `binary`
/// (`docs/transcripts/STEP.txt`) is what the step prints here with the tutorial's
/// input: the same command, output, ending and forked child, as the tour renders
/// them.
///
/// When they differ on the platform the transcripts were made on, the test fails
/// with the lines that differ and the command that remakes the transcripts. When
/// they differ on another platform (another architecture or C library, whose
/// syscalls differ), there is nothing to compare: it says so on stderr, past the
/// test harness's capture, with what the step printed here, and passes.
///
/// Under `cargo test` it also runs the transcript's command as a learner pastes it
/// at the top of the repository, `cargo run -q -p STEP` fed with the tutorial's
/// input ([`crate::tour::command`]), and holds it to the same transcript, side
/// by side with the first run. Test binaries run without Cargo (on the other
/// architectures, in a VM) leave that out, and so do tests of another profile
/// than `cargo run`'s (`cargo test --release`): `cargo run` would build its own
/// binary first, inside the test.
#[track_caller]
pub fn assert_transcript_matches_book(binary: impl AsRef<Path>) {
    use crate::tour;

    let binary = binary.as_ref();
    let name = binary
        .file_name()
        .and_then(|name| name.to_str())
        .expect("a step binary has a UTF-8 file name");
    let file = tour::transcript_file_name(name);
    let stored = read_book_transcript(&file, tour::SAVE_COMMAND);
    let dev_profile = binary.parent().and_then(Path::file_name) == Some("debug".as_ref());
    let cargo = std::env::var_os("CARGO").filter(|_| dev_profile);
    let (direct, pasted) = side_by_side(
        || run(binary, &[], TUTORIAL_INPUT),
        || {
            cargo.map(|cargo| {
                crate::runner::run_step(
                    Command::new(cargo)
                        .args(["run", "-q", "-p", name])
                        .current_dir(crate::workspace_root()),
                    TUTORIAL_INPUT,
                )
                .unwrap_or_else(|err| panic!("cannot run cargo run -p {name}: {err}"))
            })
        },
    );
    let actual = tour::transcript(name, TUTORIAL_INPUT, &direct);
    compare_with_book(&file, &stored, &actual, tour::SAVE_COMMAND);
    if let Some(pasted) = pasted {
        let pasted = tour::transcript(name, TUTORIAL_INPUT, &pasted);
        compare_with_book(&file, &stored, &pasted, tour::SAVE_COMMAND);
    }
}

/// The command that remakes the transcripts of the chapter on discovering syscalls.
const DISCOVERING_SAVE_COMMAND: &str = "docs/transcripts/discovering/regenerate.sh";

/// The command that remakes the book's transcript `file` (under
/// `docs/transcripts/`) of a command run in a shell: the `regenerate.sh` of its
/// folder (`discovering/` for the chapter on discovering syscalls, `filters/`
/// for the chapter on how a filter works).
fn save_command_for(file: &str) -> String {
    let folder = file.rsplit_once('/').map_or("", |(folder, _)| folder);
    format!("docs/transcripts/{folder}/regenerate.sh")
}

/// Asserts that the book's transcripts `files` (under `docs/transcripts/`) of
/// commands run in a shell still show what those commands print here.
///
/// Each such file starts with `$ COMMAND`, then holds what the command wrote to
/// stdout and stderr (as `2>&1` interleaves them), then `$ echo $?` and the status.
/// The command is run again with `sh -c`, at the top of the repository as the
/// book types its commands (a file it names, such as a policy, is found from
/// there), with the step binaries of `bin_dir` first on `PATH`, and the result rendered the same way. Only commands whose
/// output is the same from run to run belong here: not those whose forked child
/// and parent race to print. Platforms are handled as in
/// [`assert_transcript_matches_book`].
#[track_caller]
pub fn assert_command_transcripts_match(bin_dir: impl AsRef<Path>, files: &[&str]) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir.as_ref().to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(dirs).expect("PATH entries without ':'");
    for &file in files {
        let save_command = save_command_for(file);
        let stored = read_book_transcript(file, &save_command);
        let command = stored
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("$ "))
            .unwrap_or_else(|| panic!("docs/transcripts/{file} does not start with `$ COMMAND`"));
        let run = crate::runner::run_step(
            Command::new("sh")
                .arg("-c")
                .arg(format!("exec 2>&1; {command}"))
                .env("PATH", &path)
                .current_dir(crate::workspace_root()),
            b"",
        )
        .unwrap_or_else(|err| panic!("cannot run `{command}`: {err}"));
        compare_with_book(
            file,
            &stored,
            &shell_transcript(command, &run),
            &save_command,
        );
    }
}

/// A run as the book's transcripts of shell commands show it: `$ COMMAND`, what
/// it printed (stdout, then stderr), then `$ echo $?` and the status.
fn shell_transcript(command: &str, run: &StepRun) -> String {
    format!(
        "$ {command}\n{}{}$ echo $?\n{}\n",
        run.stdout_text(),
        run.stderr_text(),
        run.ending().shell_status()
    )
}

/// Asserts that the book's transcript `file` (under `docs/transcripts/`, one
/// that `DISCOVERING_SAVE_COMMAND` makes) is `actual`, what a test's own run
/// printed here, rendered by `shell_transcript` with the command the file
/// shows. For runs that a test must steer (stop the program, say), which
/// [`assert_command_transcripts_match`] cannot rerun. Platforms are handled as
/// in [`assert_transcript_matches_book`].
#[track_caller]
pub fn assert_run_matches_book(file: &str, command: &str, run: &StepRun) {
    let stored = read_book_transcript(file, DISCOVERING_SAVE_COMMAND);
    compare_with_book(
        file,
        &stored,
        &shell_transcript(command, run),
        DISCOVERING_SAVE_COMMAND,
    );
}

/// The book's transcript `file`, relative to `docs/transcripts/`.
fn read_book_transcript(file: &str, save_command: &str) -> String {
    let path = transcript_path(file);
    std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read {}: {err}; make the transcripts with: {save_command}",
            path.display()
        )
    })
}

/// Where the book's transcript `file` is: the tour's (a file name alone, and
/// `platform.txt`) in the folder of this architecture's when there is one
/// ([`crate::tour::transcripts_dir_here`]), the chapters' (`discovering/…`,
/// `filters/…`) in `docs/transcripts/`.
fn transcript_path(file: &str) -> PathBuf {
    if file.contains('/') {
        crate::tour::book_transcripts_dir().join(file)
    } else {
        crate::tour::transcripts_dir_here().join(file)
    }
}

/// The platform the folder of the book's transcript `file` was made on.
#[track_caller]
fn recorded_platform(file: &str) -> crate::tour::Platform {
    use crate::tour;

    let platform = match file.rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/../{}", tour::PLATFORM_FILE),
        None => tour::PLATFORM_FILE.to_owned(),
    };
    let recorded_text = read_book_transcript(&platform, tour::SAVE_COMMAND);
    tour::Platform::parse(&recorded_text).unwrap_or_else(|| {
        panic!(
            "docs/transcripts/{} lacks a field; make the transcripts with: {}",
            tour::PLATFORM_FILE,
            tour::SAVE_COMMAND
        )
    })
}

/// Says on stderr that the book's transcript `file`, made on `recorded`, is
/// not compared on `current`, whose syscalls differ, and what was printed here
/// (`actual`).
fn note_other_platform(
    file: &str,
    recorded: &crate::tour::Platform,
    current: &crate::tour::Platform,
    actual: &str,
) {
    use std::io::Write as _;

    // Written straight to stderr, not with `eprintln!`, which the test
    // harness captures and hides for a test that passes.
    let note = format!(
        "note: the book's docs/transcripts/{file} was made on {} and is not compared \
         here, on {}, whose syscalls differ. What it prints here:\n{actual}",
        recorded.summary(),
        current.summary()
    );
    let _ = std::io::stderr().write_all(note.as_bytes());
}

/// Whether the book's transcript `file` is compared here: this platform makes
/// the syscalls the one it was made on made. Elsewhere it says so on stderr,
/// with what was printed here (`actual`), for a test that compares a
/// transcript its own way.
#[track_caller]
pub fn compared_here(file: &str, actual: &str) -> bool {
    let recorded = recorded_platform(file);
    let current = crate::tour::Platform::current();
    let same = recorded.same_syscalls(&current);
    if !same {
        note_other_platform(file, &recorded, &current, actual);
    }
    same
}

/// Compares the book's transcript `file` (`stored`) with what was printed here
/// (`actual`): the same passes; a difference fails on the platform the transcripts
/// were made on and is only reported on another one.
#[track_caller]
fn compare_with_book(file: &str, stored: &str, actual: &str, save_command: &str) {
    use crate::tour::{self, Platform, TranscriptCheck};

    let recorded = recorded_platform(file);
    let current = Platform::current();
    match tour::check_transcript(stored, actual, &recorded, &current) {
        TranscriptCheck::Same => {}
        TranscriptCheck::OtherPlatform => note_other_platform(file, &recorded, &current, actual),
        TranscriptCheck::Drifted => panic!(
            "the book's transcript docs/transcripts/{file} no longer matches what is printed \
             on {}:\n{}If the change is meant, remake the transcripts with: {save_command}",
            current.summary(),
            tour::line_differences(stored, actual),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_transcript_folder_has_its_own_save_command() {
        assert_eq!(
            save_command_for("discovering/step-2-bpf.txt"),
            DISCOVERING_SAVE_COMMAND
        );
        assert_eq!(
            save_command_for("filters/simulate-write-fd-3.txt"),
            "docs/transcripts/filters/regenerate.sh"
        );
    }
}
