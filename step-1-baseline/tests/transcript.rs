//! The book shows what step 1 prints (`docs/transcripts/step-1-baseline.txt`): this test
//! fails when that transcript no longer matches what the step prints here.

/// The step, run with the tutorial's input, prints what the book says it prints
/// and ends as the book says it ends.
#[test]
fn prints_what_the_book_shows() {
    harness::transcripts::assert_transcript_matches_book(env!("CARGO_BIN_EXE_step-1-baseline"));
}
