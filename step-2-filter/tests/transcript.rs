//! The book shows what step 2 prints (`docs/transcripts/step-2-filter.txt`): this test
//! fails when that transcript no longer matches what the step prints here.

/// The step, run with the tutorial's input, prints what the book says it prints
/// and ends as the book says it ends.
#[test]
fn prints_what_the_book_shows() {
    harness::transcripts::assert_transcript_matches_book(env!("CARGO_BIN_EXE_step-2-filter"));
}

/// The chapter on discovering syscalls shows step 2's `--print-filter` output in
/// both forms: those transcripts still match.
#[test]
fn the_discovering_chapter_shows_what_step_2_prints() {
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_step-2-filter"))
        .parent()
        .unwrap();
    harness::transcripts::assert_command_transcripts_match(
        bin_dir,
        &["discovering/step-2-pfc.txt", "discovering/step-2-bpf.txt"],
    );
}

/// The chapter on auditing a filter shows what `--audit` says of step 2:
/// those transcripts still match.
#[test]
fn the_auditing_chapter_shows_what_the_audit_prints() {
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_step-2-filter"))
        .parent()
        .unwrap();
    harness::transcripts::assert_command_transcripts_match(bin_dir, &["auditing/step-2.txt"]);
}
