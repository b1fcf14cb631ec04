//! The book shows what step 3 prints (`docs/transcripts/step-3-reporting.txt`): this test
//! fails when that transcript no longer matches what the step prints here.

/// The step, run with the tutorial's input, prints what the book says it prints
/// and ends as the book says it ends.
#[test]
fn prints_what_the_book_shows() {
    common::testing::assert_transcript_matches_book(env!("CARGO_BIN_EXE_step-3-reporting"));
}

/// The chapter on discovering syscalls shows step 3's `--allow` rounds, its refusal
/// of bad names and its `--print-filter` output: these transcripts still match.
/// (The later rounds and `--learn` are left out: the step and its forked child
/// race to print there.)
#[test]
fn the_discovering_chapter_shows_what_step_3_prints() {
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_step-3-reporting"))
        .parent()
        .unwrap();
    common::testing::assert_command_transcripts_match(
        bin_dir,
        &[
            "discovering/round-1.txt",
            "discovering/round-2.txt",
            "discovering/unknown-name.txt",
            "discovering/foreign-name.txt",
            "discovering/step-3-bpf.txt",
            "discovering/learn-bpf.txt",
        ],
    );
}
