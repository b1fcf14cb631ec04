//! The book shows what step 4 prints (`docs/transcripts/step-4-policy.txt`), and
//! the path of `write(3, …)` through its filter
//! (`docs/transcripts/filters/simulate-write-fd-3.txt`): these tests fail when
//! a transcript no longer matches what the step prints here.

/// The step, run with the tutorial's input, prints what the book says it prints
/// and ends as the book says it ends.
#[test]
fn prints_what_the_book_shows() {
    harness::transcripts::assert_transcript_matches_book(env!("CARGO_BIN_EXE_step-4-policy"));
}

/// The chapter on how a filter works follows `write(3, 0, 5)` through the
/// policy's filter with `--simulate`: that transcript still matches.
#[test]
fn the_filters_chapter_shows_what_simulate_prints() {
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_step-4-policy"))
        .parent()
        .unwrap();
    harness::transcripts::assert_command_transcripts_match(
        bin_dir,
        &["filters/simulate-write-fd-3.txt"],
    );
}

/// The chapter on auditing a filter shows what `--audit` says of step 4, with its policy and with the chapter's weak one:
/// those transcripts still match.
#[test]
fn the_auditing_chapter_shows_what_the_audit_prints() {
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_step-4-policy"))
        .parent()
        .unwrap();
    harness::transcripts::assert_command_transcripts_match(
        bin_dir,
        &["auditing/step-4.txt", "auditing/weak.txt"],
    );
}
