//! What several test modules share. In `markdown.rs`: Markdown read the way
//! mdBook reads it, for the tests of the book (`book.rs`, `overhead_docs.rs`).

// Each test module uses a part of these helpers.
#![allow(dead_code)]

pub mod markdown;
