//! Markdown read the way mdBook reads it, for the tests that check the book and
//! the README (`book.rs`, `overhead_docs.rs`).
//!
//! The helpers walk the events of pulldown-cmark, the parser that mdBook uses.
//! Splitting the text on "```" or on "](" by hand misses a block fenced with
//! `~~~`, a block indented by four spaces and a reference link (`[text][ref]`
//! with a line `[ref]: target`). The parser sees all of them.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use pulldown_cmark::{
    BrokenLink, CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd,
};

/// The extensions that mdBook turns on: tables, footnotes, strikethrough, task
/// lists and heading attributes (`{#id}`). With the same extensions, a test
/// sees the same structure as the reader of the book.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// The events of `text`, each with the bytes of `text` that it comes from.
pub fn events(text: &str) -> Vec<(Event<'_>, Range<usize>)> {
    Parser::new_ext(text, options())
        .into_offset_iter()
        .collect()
}

/// Whether `tag` marks words inside a block (emphasis, a link, ...), not a
/// block of its own.
fn is_inline(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// What the reader reads in `events` from the first one up to the end of the
/// block that they are in. A line break inside a paragraph reads as a space.
pub fn inline_text(events: &[(Event, Range<usize>)]) -> String {
    events
        .iter()
        .map_while(|(event, _)| match event {
            Event::Text(words) | Event::Code(words) => Some(words.as_ref()),
            Event::SoftBreak => Some(" "),
            Event::Start(tag) if is_inline(tag.to_end()) => Some(""),
            Event::End(tag) if is_inline(*tag) => Some(""),
            _ => None,
        })
        .collect()
}

/// The number of the line (counted from 1) that holds byte `at` of `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A code block: fenced with ``` or `~~~`, or indented by four spaces.
#[derive(Debug)]
pub struct CodeBlock {
    /// What follows the opening fence (`sh`, `text`, `rust,ignore`). An
    /// indented block has none.
    pub info: String,
    /// The code, every line ending with a newline.
    pub code: String,
    /// Where each line of the code starts in the text.
    line_starts: Vec<usize>,
    /// The bytes of the whole block in the text, fences included.
    pub range: Range<usize>,
}

impl CodeBlock {
    /// The block's language: the first word of its info string (`rust` for
    /// `rust,ignore`, as mdBook reads it).
    pub fn language(&self) -> &str {
        self.info
            .split(|c: char| c.is_whitespace() || c == ',')
            .next()
            .unwrap_or("")
    }

    /// The lines of the code, each with the byte where it starts in the text.
    pub fn lines(&self) -> impl Iterator<Item = (usize, &str)> {
        self.line_starts.iter().copied().zip(self.code.lines())
    }
}

/// The code blocks of `text`, in order.
pub fn code_blocks(text: &str) -> Vec<CodeBlock> {
    let mut blocks = Vec::new();
    let mut open: Option<CodeBlock> = None;
    for (event, range) in events(text) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                open = Some(CodeBlock {
                    info,
                    code: String::new(),
                    line_starts: Vec::new(),
                    range,
                });
            }
            Event::Text(code) => {
                let Some(block) = open.as_mut() else { continue };
                // The parser may hand over a block in several pieces. An offset
                // within a piece is only true when the piece is the text as
                // written, so any other piece counts from where it starts.
                let verbatim = text.get(range.clone()) == Some(&*code);
                let mut at = 0;
                for piece in code.split_inclusive('\n') {
                    if block.code.is_empty() || block.code.ends_with('\n') {
                        let start = if verbatim {
                            range.start + at
                        } else {
                            range.start
                        };
                        block.line_starts.push(start);
                    }
                    block.code.push_str(piece);
                    at += piece.len();
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
            _ => {}
        }
    }
    blocks
}

/// A link or a picture.
#[derive(Debug)]
pub struct Link {
    /// Whether it shows a picture (`![description](target)`).
    pub picture: bool,
    /// How it was written: inline, by reference, as an autolink, ...
    pub kind: LinkType,
    /// Where it leads. The parser has looked up a reference link's target in
    /// its `[ref]: target` line.
    pub target: String,
    /// What the reader reads: the link's text, or the picture's description.
    pub text: String,
    /// The bytes of the link in the text.
    pub range: Range<usize>,
}

/// The links and pictures of `text`, in order: inline (`[text](target)`), by
/// reference (`[text][ref]`, `[ref][]`, `[ref]`) and autolinks
/// (`<https://...>`). Code holds none: the parser reads `[a](b)` in code as
/// code.
pub fn links(text: &str) -> Vec<Link> {
    let mut found = Vec::new();
    // A picture may sit inside a link, so more than one may be open at once.
    let mut open: Vec<Link> = Vec::new();
    for (event, range) in events(text) {
        match event {
            Event::Start(Tag::Link {
                link_type,
                ref dest_url,
                ..
            })
            | Event::Start(Tag::Image {
                link_type,
                ref dest_url,
                ..
            }) => open.push(Link {
                picture: matches!(event, Event::Start(Tag::Image { .. })),
                kind: link_type,
                target: dest_url.to_string(),
                text: String::new(),
                range,
            }),
            Event::Text(words) | Event::Code(words) => {
                for link in &mut open {
                    link.text.push_str(&words);
                }
            }
            Event::End(TagEnd::Link | TagEnd::Image) => found.extend(open.pop()),
            _ => {}
        }
    }
    found.sort_by_key(|link| link.range.start);
    found
}

/// The references of `text` that no line `[ref]: target` defines: a link
/// written `[text][ref]` or `[ref][]`, with the byte where it starts and its
/// reference. mdBook shows such a link as plain text, brackets and all,
/// without a warning. (A lone `[word]` is left alone: it is usually just a
/// word in brackets.)
pub fn undefined_references(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let note = |link: BrokenLink<'_>| -> Option<(CowStr<'_>, CowStr<'_>)> {
        if matches!(link.link_type, LinkType::Reference | LinkType::Collapsed) {
            found.push((link.span.start, link.reference.to_string()));
        }
        None
    };
    Parser::new_with_broken_link_callback(text, options(), Some(note)).for_each(drop);
    found.sort();
    found.dedup();
    found
}

/// A heading of a chapter.
#[derive(Debug)]
pub struct Heading {
    /// 1 for `#`, 2 for `##`, ...
    pub level: usize,
    /// What the reader reads, without the markup.
    pub text: String,
    /// The id of the heading in the page, which a link's `#anchor` names.
    pub id: String,
    /// The bytes of the heading in the text.
    pub range: Range<usize>,
}

/// The id that mdBook gives a heading whose text is `text`: in lower case,
/// with letters, digits, `-` and `_` kept, white space turned into `-`, and
/// everything else dropped.
fn normalized_id(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            c if c.is_whitespace() => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The headings of `text`, in order, with the ids that mdBook gives them. A
/// heading may set its own id (`## Title {#id}`). mdBook makes every other id
/// unique: the second heading with the same words gets `-1` after its id, the
/// third `-2`, and so on.
pub fn headings(text: &str) -> Vec<Heading> {
    let mut found = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut open: Option<(Heading, Option<String>)> = None;
    for (event, range) in events(text) {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                let heading = Heading {
                    level: level as usize,
                    text: String::new(),
                    id: String::new(),
                    range,
                };
                open = Some((heading, id.map(|id| id.to_string())));
            }
            Event::Text(words) | Event::Code(words) => {
                if let Some((heading, _)) = open.as_mut() {
                    heading.text.push_str(&words);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((mut heading, id)) = open.take() else {
                    continue;
                };
                heading.id = id.unwrap_or_else(|| {
                    let id = normalized_id(&heading.text);
                    let count = seen.entry(id.clone()).or_insert(0);
                    *count += 1;
                    match *count {
                        1 => id,
                        n => format!("{id}-{}", n - 1),
                    }
                });
                found.push(heading);
            }
            _ => {}
        }
    }
    found
}

/// The bytes of the section of `text` under the heading of `level` whose text
/// is `title`: from that heading up to the next heading of the same level or
/// above, or up to the end of the text.
pub fn section(text: &str, level: usize, title: &str) -> Option<Range<usize>> {
    let headings = headings(text);
    let index = headings
        .iter()
        .position(|heading| heading.level == level && heading.text == title)?;
    let end = headings[index + 1..]
        .iter()
        .find(|heading| heading.level <= level)
        .map_or(text.len(), |heading| heading.range.start);
    Some(headings[index].range.start..end)
}

/// A cell of a table.
#[derive(Debug)]
pub struct Cell {
    /// What the reader reads in it, without the markup.
    pub text: String,
    /// The bytes of the cell in the text.
    pub range: Range<usize>,
}

/// A table: its rows, the header first, each with as many cells as the header.
#[derive(Debug)]
pub struct Table {
    pub rows: Vec<Vec<Cell>>,
    /// The bytes of the table in the text.
    pub range: Range<usize>,
    /// The rows (counted from 0, the header) that were written with another
    /// number of cells than the header has. The parser drops the cells beyond
    /// the header's and fills a short row with empty cells, as mdBook shows
    /// them, so such a row is a mistake that the cells alone do not show.
    pub ragged: Vec<usize>,
}

/// The tables of `text`, in order.
pub fn tables(text: &str) -> Vec<Table> {
    let mut found = Vec::new();
    let mut open: Option<Table> = None;
    // The bytes of the row being read.
    let mut row = 0..0;
    for (event, range) in events(text) {
        let Some(table) = open.as_mut() else {
            if let Event::Start(Tag::Table(_)) = event {
                open = Some(Table {
                    rows: Vec::new(),
                    range,
                    ragged: Vec::new(),
                });
            }
            continue;
        };
        match event {
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                table.rows.push(Vec::new());
                row = range;
            }
            Event::Start(Tag::TableCell) => {
                // A cell that the parser added to fill a short row starts
                // where the row ends.
                if range.start >= row.end {
                    table.ragged.push(table.rows.len() - 1);
                }
                let cells = table.rows.last_mut().expect("a cell is in a row");
                cells.push(Cell {
                    text: String::new(),
                    range,
                });
            }
            Event::Text(words) | Event::Code(words) => {
                if let Some(cell) = table.rows.last_mut().and_then(|cells| cells.last_mut()) {
                    cell.text.push_str(&words);
                }
            }
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                // What is left of the row's line after its last cell shows
                // whether the parser dropped cells.
                let last = table.rows.last().and_then(|cells| cells.last());
                let rest = last.map_or(&text[row.clone()], |cell| &text[cell.range.end..row.end]);
                let rest = rest.trim().trim_start_matches('|').trim();
                if !rest.is_empty() {
                    table.ragged.push(table.rows.len() - 1);
                }
            }
            Event::End(TagEnd::Table) => {
                // A short row has been noted once for each cell it lacks.
                table.ragged.dedup();
                found.extend(open.take());
            }
            _ => {}
        }
    }
    found
}

/// The prose of `text`, line by line, as the reader reads it: the lines outside
/// code blocks, as (line number, text). Inline code, autolinks and HTML
/// comments are each left out as a space. The target of a link is left out
/// too, because it is not text that the reader reads.
pub fn prose_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines: BTreeMap<usize, String> = BTreeMap::new();
    let mut add = |at: usize, words: &str| {
        for (i, piece) in words.split('\n').enumerate() {
            if !piece.is_empty() {
                lines
                    .entry(line_of(text, at) + i)
                    .or_default()
                    .push_str(piece);
            }
        }
    };
    let mut in_code = false;
    let mut in_autolink = false;
    let mut in_comment = false;
    for (event, range) in events(text) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Link {
                link_type: LinkType::Autolink | LinkType::Email,
                ..
            }) => {
                in_autolink = true;
                add(range.start, " ");
            }
            Event::End(TagEnd::Link) => in_autolink = false,
            Event::Text(words) if !in_code && !in_autolink => add(range.start, &words),
            Event::Code(_) => add(range.start, " "),
            // The words of two cells are apart.
            Event::End(TagEnd::TableCell) => add(range.start, " "),
            Event::Html(html) | Event::InlineHtml(html) => {
                // A comment may run over several lines, which the parser gives
                // as several events.
                let mut kept = String::new();
                let mut rest: &str = &html;
                loop {
                    let (mark, next) = if in_comment {
                        ("-->", false)
                    } else {
                        ("<!--", true)
                    };
                    let Some(at) = rest.find(mark) else {
                        if !in_comment {
                            kept.push_str(rest);
                        }
                        break;
                    };
                    if in_comment {
                        kept.push(' ');
                    } else {
                        kept.push_str(&rest[..at]);
                    }
                    rest = &rest[at + mark.len()..];
                    in_comment = next;
                }
                add(range.start, &kept);
            }
            _ => {}
        }
    }
    lines.into_iter().collect()
}

/// Every line break inside a paragraph (or a list item, or a quote), which the
/// reader sees as a space: the byte where it is, and the characters the reader
/// reads on either side of it. Next to a picture or to HTML there is no
/// character to read, so the side is `None`.
pub fn soft_breaks(text: &str) -> Vec<(usize, Option<char>, Option<char>)> {
    let mut found = Vec::new();
    // The last character read in the block so far.
    let mut last: Option<char> = None;
    // A break whose next character is not read yet.
    let mut pending: Option<(usize, Option<char>)> = None;
    // Inside a picture, its description is not shown.
    let mut in_picture = 0;
    for (event, range) in events(text) {
        let next = match &event {
            Event::Text(words) | Event::Code(words) if in_picture == 0 => {
                let first = words.chars().next();
                last = words.chars().last().or(last);
                first
            }
            Event::Text(_) | Event::Code(_) => continue,
            Event::SoftBreak => {
                if let Some((at, before)) = pending.take() {
                    found.push((at, before, None));
                }
                pending = Some((range.start, last));
                continue;
            }
            Event::Start(Tag::Image { .. }) => {
                in_picture += 1;
                last = None;
                None
            }
            Event::End(TagEnd::Image) => {
                in_picture -= 1;
                last = None;
                continue;
            }
            // Emphasis and links are not characters of their own: the reader
            // reads on through them.
            Event::Start(tag) if is_inline(tag.to_end()) => continue,
            Event::End(tag) if is_inline(*tag) => continue,
            // Anything else ends what is read: a block, HTML or a hard break.
            _ => {
                last = None;
                None
            }
        };
        if let Some((at, before)) = pending.take() {
            found.push((at, before, next));
        }
    }
    found.extend(pending.map(|(at, before)| (at, before, None)));
    found
}

/// What the helpers above find in small samples, among them the ones that
/// splitting the text by hand missed: a block fenced with `~~~`, an indented
/// block, a reference link and a picture by reference.
#[test]
fn markdown_samples_are_read_as_mdbook_reads_them() {
    /// A sample and what the helpers must find in it.
    struct Sample {
        text: &'static str,
        /// Its code blocks, as (info string, code).
        blocks: &'static [(&'static str, &'static str)],
        /// The targets of its links and pictures.
        targets: &'static [&'static str],
        /// Its prose, as (line number, text).
        prose: &'static [(usize, &'static str)],
    }
    let samples = [
        Sample {
            text: "Run:\n\n~~~sh\nstep-1-baseline --help\n~~~\n",
            blocks: &[("sh", "step-1-baseline --help\n")],
            targets: &[],
            prose: &[(1, "Run:")],
        },
        Sample {
            text: "See [the steps][r].\n\n[r]: other.md#top\n",
            blocks: &[],
            targets: &["other.md#top"],
            prose: &[(1, "See the steps.")],
        },
        Sample {
            text: "Code:\n\n    let x = 1;\n    [a](not-a-link.md)\n\nAfter.\n",
            blocks: &[("", "let x = 1;\n[a](not-a-link.md)\n")],
            targets: &[],
            prose: &[(1, "Code:"), (6, "After.")],
        },
        Sample {
            text: "````text\n```\n[a](inside.md)\n```\n````\n[b](outside.md)\n",
            blocks: &[("text", "```\n[a](inside.md)\n```\n")],
            targets: &["outside.md"],
            prose: &[(6, "b")],
        },
        Sample {
            text: "![a picture][p] and [a page][]\n\n[p]: images/p.svg\n[a page]: page.md\n",
            blocks: &[],
            targets: &["images/p.svg", "page.md"],
            prose: &[(1, "a picture and a page")],
        },
        Sample {
            text: "Read `[x](code.md)` <!-- note --> or <https://example.org/>.\n",
            blocks: &[],
            targets: &["https://example.org/"],
            prose: &[(1, "Read     or  .")],
        },
        Sample {
            text: "- item\n\n  ```bash\n  cargo build\n  ```\n",
            blocks: &[("bash", "cargo build\n")],
            targets: &[],
            prose: &[(1, "item")],
        },
        Sample {
            text: "| a | b |\n|---|---|\n| [c](c.md) | `d` |\n",
            blocks: &[],
            targets: &["c.md"],
            prose: &[(1, "a b "), (3, "c   ")],
        },
    ];
    for sample in samples {
        let text = sample.text;
        let found: Vec<(String, String)> = code_blocks(text)
            .into_iter()
            .map(|block| (block.info, block.code))
            .collect();
        let expected: Vec<(String, String)> = sample
            .blocks
            .iter()
            .map(|&(info, code)| (info.to_owned(), code.to_owned()))
            .collect();
        assert_eq!(found, expected, "the code blocks of {text:?}");
        let found: Vec<String> = links(text).into_iter().map(|link| link.target).collect();
        assert_eq!(found, sample.targets, "the link targets of {text:?}");
        let expected: Vec<(usize, String)> = sample
            .prose
            .iter()
            .map(|&(line, words)| (line, words.to_owned()))
            .collect();
        assert_eq!(prose_lines(text), expected, "the prose of {text:?}");
    }
}

/// The positions the helpers give lead back to the text: each line of a code
/// block starts where it is written, even in a list item.
#[test]
fn markdown_positions_lead_back_to_the_text() {
    let sample = "Intro.\n\n~~~sh\necho one\necho two\n~~~\n\n- item\n\n      indented\n";
    let blocks = code_blocks(sample);
    let lines: Vec<(usize, &str)> = blocks.iter().flat_map(CodeBlock::lines).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (at, line) in lines {
        assert!(sample[at..].starts_with(line), "{line:?} at {at}");
    }
    assert_eq!(blocks[0].language(), "sh");
    assert_eq!(line_of(sample, blocks[0].range.start), 3);
}

/// Headings get the ids that mdBook gives them, a link by reference to no
/// definition is found, and a table's rows are read cell by cell.
#[test]
fn markdown_headings_references_and_tables() {
    let sample = "# The `x` step\n\n## Again\n\n## Again\n\nSetext\n------\n\n## Own {#mine}\n";
    let ids: Vec<String> = headings(sample).into_iter().map(|h| h.id).collect();
    assert_eq!(ids, ["the-x-step", "again", "again-1", "setext", "mine"]);

    let sample = "[ok][a], [lost][b], [gone][] and [word].\n\n[a]: a.md\n";
    assert_eq!(
        undefined_references(sample),
        [(9, "b".to_owned()), (20, "gone".to_owned())]
    );

    let sample = "| a | `b` |\n|---|---|\n| 1 | 2 |\n| 3 | 4 | 5 |\n| 6 |\n|  | 7 |\n";
    let table = &tables(sample)[0];
    let rows: Vec<Vec<&str>> = table
        .rows
        .iter()
        .map(|cells| cells.iter().map(|cell| cell.text.as_str()).collect())
        .collect();
    assert_eq!(
        rows,
        [["a", "b"], ["1", "2"], ["3", "4"], ["6", ""], ["", "7"]]
    );
    assert_eq!(table.ragged, [2, 3]);
}

/// A line break inside a paragraph is found with the characters around it,
/// read through emphasis but not into a picture.
#[test]
fn markdown_soft_breaks_have_the_characters_around_them() {
    let sample = "中文**字**\n*再*一行\n\n```\n不\n算\n```\n\n文字\n![图](p.svg)\n";
    assert_eq!(
        soft_breaks(sample),
        [(13, Some('字'), Some('再')), (50, Some('字'), None)]
    );
}
