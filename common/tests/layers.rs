//! The layers of `common/src` are boundaries: these tests read the paths that
//! each module of the library names (`crate::policy`, `use crate::{filter, bpf}`,
//! `super::condition`) and fail on an arrow that runs the wrong way.
//!
//! The rules, from the bottom up:
//! - the ground floor (the files at the root of `src/`: `error.rs`, `kernel.rs`,
//!   `ending.rs`) uses no other module of the crate;
//! - the lesson (`src/lesson/`) uses the ground floor and the lesson;
//! - the tools (`src/tools/`) use the ground floor, the lesson and the tools;
//! - the harness (`src/harness/`) may use them all;
//! - no two modules use each other.
//!
//! A module's unit tests (its `#[cfg(test)] mod tests`) are not shipped and are
//! not read; nor are the binaries of `src/bin/`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The layers, from the bottom up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Ground,
    Lesson,
    Tools,
    Harness,
}

impl Layer {
    /// The layers a module of this layer may use, beside its own.
    fn may_use(self, other: Layer) -> bool {
        match self {
            Layer::Ground => false,
            Layer::Lesson | Layer::Tools | Layer::Harness => other <= self,
        }
    }
}

/// The library's modules by name (`policy`, or `tools` for `tools/mod.rs`),
/// with their layer and their code.
fn modules() -> BTreeMap<String, (Layer, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeMap::new();
    let folders = [
        ("", Layer::Ground),
        ("lesson", Layer::Lesson),
        ("tools", Layer::Tools),
        ("harness", Layer::Harness),
    ];
    for (folder, layer) in folders {
        for entry in fs::read_dir(src.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let Some(stem) = path.file_stem().and_then(|stem| stem.to_str()) else {
                continue;
            };
            if path.extension().is_none_or(|ext| ext != "rs") || stem == "lib" {
                continue;
            }
            let name = if stem == "mod" { folder } else { stem };
            let text = fs::read_to_string(&path).unwrap();
            modules.insert(name.to_owned(), (layer, text));
        }
    }
    modules
}

/// The code of a module as shipped: without comments and without its unit tests.
fn shipped_code(text: &str) -> String {
    let shipped = match text.find("#[cfg(test)]\nmod tests") {
        Some(start) => &text[..start],
        None => text,
    };
    shipped
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths that `code` names from the crate's root or from the parent
/// module, each as its words: `crate::{filter::Filter, bpf}` gives
/// `["filter", "Filter"]` and `["bpf"]`; `super::policy::Rule` gives
/// `["super", "policy", "Rule"]`.
fn named_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = paths_after(code, "crate::");
    for mut path in paths_after(code, "super::") {
        path.insert(0, "super".to_owned());
        paths.push(path);
    }
    paths
}

/// The paths that `code` names after `start` (`crate::`, or `common::` in a
/// step), each as its words.
fn paths_after(code: &str, start: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for (at, _) in code.match_indices(start) {
        // `$crate::` in a macro names the crate of whoever expands it, and
        // `mycrate::` is another crate.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c == '$' || c == '_' || c.is_alphanumeric()) {
            continue;
        }
        read_tree(&code[at + start.len()..], Vec::new(), &mut paths);
    }
    paths
}

/// Reads one path after `crate::` (a chain of words, maybe ending in a `{…}`
/// group of paths) and pushes every whole path it names onto `paths`.
fn read_tree(rest: &str, mut prefix: Vec<String>, paths: &mut Vec<Vec<String>>) -> usize {
    let mut at = 0;
    loop {
        let word: String = rest[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        at += word.len();
        if !word.is_empty() {
            prefix.push(word);
        }
        if rest[at..].starts_with("::") {
            at += 2;
            continue;
        }
        if rest[at..].starts_with('{') {
            at += 1;
            loop {
                let skipped = rest[at..].len() - rest[at..].trim_start().len();
                at += skipped;
                if rest[at..].starts_with('}') {
                    return at + 1;
                }
                at += read_tree(&rest[at..], prefix.clone(), paths);
                let skipped = rest[at..].len() - rest[at..].trim_start().len();
                at += skipped;
                if rest[at..].starts_with(',') {
                    at += 1;
                } else if !rest[at..].starts_with('}') {
                    // Not a `use` group: a struct literal or a block follows.
                    return at;
                }
            }
        }
        if !prefix.is_empty() {
            paths.push(prefix);
        }
        return at;
    }
}

/// The module a path names, if it names one: its first word that is a module,
/// where a folder's name followed by one of its modules is that module.
fn module_named(path: &[String], modules: &BTreeMap<String, (Layer, String)>) -> Option<String> {
    let mut words = path.iter().map(String::as_str).peekable();
    if words.peek() == Some(&"super") {
        words.next();
    }
    let first = words.next()?;
    if !modules.contains_key(first) {
        return None;
    }
    let folder = matches!(first, "lesson" | "tools" | "harness");
    match words.next() {
        Some(second) if folder && modules.contains_key(second) => Some(second.to_owned()),
        _ => Some(first.to_owned()),
    }
}

/// Every arrow between the library's modules, as `(from, to)`.
fn arrows() -> BTreeSet<(String, String)> {
    let modules = modules();
    let mut arrows = BTreeSet::new();
    for (name, (_, text)) in &modules {
        for path in named_paths(&shipped_code(text)) {
            if let Some(to) = module_named(&path, &modules) {
                if to != *name {
                    arrows.insert((name.clone(), to));
                }
            }
        }
    }
    arrows
}

/// The arrows that break a rule of the module docs above.
fn broken_rules() -> BTreeMap<(String, String), String> {
    let modules = modules();
    let arrows = arrows();
    let mut broken = BTreeMap::new();
    for (from, to) in &arrows {
        let (from_layer, to_layer) = (modules[from].0, modules[to].0);
        if from_layer != to_layer && !from_layer.may_use(to_layer) {
            broken.insert(
                (from.clone(), to.clone()),
                format!("{from_layer:?} may not use {to_layer:?}"),
            );
        }
        if from_layer == Layer::Ground {
            broken.insert(
                (from.clone(), to.clone()),
                "the ground floor uses no other module".to_owned(),
            );
        }
        // A circle is one entry, its two names in order.
        if from < to && arrows.contains(&(to.clone(), from.clone())) {
            broken.insert(
                (from.clone(), to.clone()),
                "the two use each other".to_owned(),
            );
        }
    }
    broken
}

#[test]
fn no_module_uses_a_layer_above_its_own_or_a_module_that_uses_it() {
    let broken: Vec<String> = broken_rules()
        .iter()
        .map(|((from, to), why)| format!("{from} -> {to}: {why}"))
        .collect();
    assert!(
        broken.is_empty(),
        "arrows that break the layers:\n{}",
        broken.join("\n")
    );
}

/// The reading of paths finds an arrow however the code writes it, so that the
/// test above can fail.
#[test]
fn the_paths_a_module_names_are_read_in_every_form() {
    let cases: [(&str, &[&[&str]]); 7] = [
        ("use crate::policy::Policy;", &[&["policy", "Policy"]]),
        (
            "use crate::{filter, bpf::Instruction};",
            &[&["filter"], &["bpf", "Instruction"]],
        ),
        (
            "use crate::lesson::{\n    policy::{Rule, Action},\n    reporter,\n};",
            &[
                &["lesson", "policy", "Rule"],
                &["lesson", "policy", "Action"],
                &["lesson", "reporter"],
            ],
        ),
        (
            "let n = crate::kernel::native_arch();",
            &[&["kernel", "native_arch"]],
        ),
        (
            "use super::condition::Width;",
            &[&["super", "condition", "Width"]],
        ),
        ("use $crate::testing::run;", &[]),
        ("let a = mycrate::policy::X;", &[]),
    ];
    for (code, expected) in cases {
        let expected: Vec<Vec<String>> = expected
            .iter()
            .map(|path| path.iter().map(|word| word.to_string()).collect())
            .collect();
        assert_eq!(named_paths(code), expected, "{code}");
    }
    let modules = modules();
    let named = |words: &[&str]| {
        let path: Vec<String> = words.iter().map(|word| word.to_string()).collect();
        module_named(&path, &modules)
    };
    assert_eq!(
        named(&["lesson", "policy", "Rule"]).as_deref(),
        Some("policy")
    );
    assert_eq!(named(&["tools", "Inspect"]).as_deref(), Some("tools"));
    assert_eq!(
        named(&["super", "refine", "advice"]).as_deref(),
        Some("refine")
    );
    assert_eq!(named(&["StepError"]), None);
}

/// The step binaries are built from the lesson, the tools and the ground floor:
/// what a learner runs links no test harness.
#[test]
fn the_steps_use_no_module_of_the_harness() {
    let modules = modules();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut read = 0;
    for step in [
        "step-1-baseline",
        "step-2-filter",
        "step-3-reporting",
        "step-4-policy",
    ] {
        for entry in fs::read_dir(workspace.join(step).join("src")).unwrap() {
            let path = entry.unwrap().path();
            let code = shipped_code(&fs::read_to_string(&path).unwrap());
            for named in paths_after(&code, "common::") {
                read += 1;
                if let Some(module) = module_named(&named, &modules) {
                    assert!(
                        modules[&module].0 != Layer::Harness,
                        "{} uses common::{}",
                        path.display(),
                        named.join("::")
                    );
                }
            }
        }
    }
    assert!(read > 4, "the steps' paths into common are read");
}

/// Each rule is checked: a lesson module that used a tool, a tool that used the
/// harness, the ground floor that used the lesson, and two tools that used each
/// other all break one.
#[test]
fn each_rule_of_the_layers_can_break() {
    let modules = modules();
    let layer = |name: &str| modules[name].0;
    assert!(!layer("reporter").may_use(layer("bpf")));
    assert!(!layer("learn").may_use(layer("runner")));
    assert!(!layer("error").may_use(layer("program")));
    assert!(layer("learn").may_use(layer("filter")));
    assert!(layer("testing").may_use(layer("learn")));
    assert_eq!(layer("kernel"), Layer::Ground);
    assert_eq!(layer("ending"), Layer::Ground);
}
