//! The layers of `common/src` are boundaries: these tests read the paths that
//! each module of the library names (`crate::policy`, `use crate::{filter, bpf}`,
//! `super::condition`) and fail on an arrow that runs the wrong way.
//!
//! The rules, from the bottom up:
//! - the ground floor (the files at the root of `src/`: `error.rs`, `kernel.rs`,
//!   `ending.rs`) uses no other module of the crate;
//! - the lesson (`src/lesson/`) uses the ground floor and the lesson;
//! - the tools (`src/tools/`) use the ground floor, the lesson and the tools;
//! - no two modules use each other.
//!
//! A module's unit tests (its `#[cfg(test)] mod tests`) are not shipped and are
//! not read; nor are the binaries of `src/bin/`.
//!
//! What only the tests, the tour and CI use is not a layer of `common`: it is
//! the `harness` crate (`common/harness/`), which depends on `common`. Its rule
//! is kept in the manifests, and checked here too: `common` and the steps name
//! `harness` under `[dev-dependencies]` only, so that no step binary links it,
//! and the harness is never published.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The layers, from the bottom up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Ground,
    Lesson,
    Tools,
}

impl Layer {
    /// The layers a module of this layer may use, beside its own.
    fn may_use(self, other: Layer) -> bool {
        match self {
            Layer::Ground => false,
            Layer::Lesson | Layer::Tools => other <= self,
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
    let folder = matches!(first, "lesson" | "tools");
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
        ("use $crate::running::run;", &[]),
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

/// The crates that link `common`, each with its folder: `common` itself (its
/// tests and bench) and the steps, whose binaries are what a learner runs.
const CRATES: [&str; 5] = [
    "common",
    "step-1-baseline",
    "step-2-filter",
    "step-3-reporting",
    "step-4-policy",
];

/// The manifest (`Cargo.toml`) of the crate in folder `krate` of the workspace.
fn manifest(krate: &str) -> toml::Table {
    let path = harness::workspace_root().join(krate).join("Cargo.toml");
    let text = fs::read_to_string(&path).unwrap();
    text.parse()
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The tables of dependencies in `manifest` that a build of its library or
/// binaries uses, by name: `[dependencies]` and `[build-dependencies]`, also
/// those of a `[target.'cfg(...)']`. Only `[dev-dependencies]` are left out.
fn shipped_dependency_tables(manifest: &toml::Table) -> Vec<(String, &toml::Table)> {
    let mut places = vec![(String::new(), manifest)];
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        for (target, table) in targets {
            if let Some(table) = table.as_table() {
                places.push((format!("target.{target}."), table));
            }
        }
    }
    let mut tables = Vec::new();
    for (place, table) in places {
        for kind in ["dependencies", "build-dependencies"] {
            if let Some(deps) = table.get(kind).and_then(toml::Value::as_table) {
                tables.push((format!("{place}{kind}"), deps));
            }
        }
    }
    tables
}

/// Whether the dependency `name`, given as `spec`, is the harness: by its name,
/// or renamed, by its `package`.
fn is_harness(name: &str, spec: &toml::Value) -> bool {
    name == "harness" || spec.get("package").and_then(toml::Value::as_str) == Some("harness")
}

/// The step binaries are built from the lesson, the tools and the ground floor:
/// what a learner runs links no test harness. Neither `common` nor a step
/// names `harness` among the dependencies of its library or binaries; the
/// tests of `common` and of every step have it under `[dev-dependencies]`.
#[test]
fn only_the_tests_depend_on_the_harness() {
    for krate in CRATES {
        let manifest = manifest(krate);
        let shipped = shipped_dependency_tables(&manifest);
        assert!(
            shipped.iter().any(|(kind, _)| kind == "dependencies"),
            "{krate}/Cargo.toml: its [dependencies] are not read"
        );
        for (kind, deps) in shipped {
            for (name, spec) in deps {
                assert!(
                    !is_harness(name, spec),
                    "{krate}/Cargo.toml names the test harness under [{kind}]: only \
                     [dev-dependencies] may, or the step binaries would link it"
                );
            }
        }
        let dev = manifest
            .get("dev-dependencies")
            .and_then(toml::Value::as_table)
            .unwrap_or_else(|| panic!("{krate}/Cargo.toml has no [dev-dependencies]"));
        assert!(
            dev.iter().any(|(name, spec)| is_harness(name, spec)),
            "{krate}/Cargo.toml: its tests do not get the harness from [dev-dependencies]"
        );
    }
}

/// The reading of the manifests finds the harness wherever a manifest could
/// name it for the library or the binaries, so that the test above can fail.
#[test]
fn the_harness_is_found_in_every_table_that_ships() {
    let named = |text: &str| -> Vec<String> {
        let manifest: toml::Table = text.parse().unwrap();
        shipped_dependency_tables(&manifest)
            .into_iter()
            .filter(|(_, deps)| deps.iter().any(|(name, spec)| is_harness(name, spec)))
            .map(|(kind, _)| kind)
            .collect()
    };
    assert_eq!(
        named("[dependencies]\nharness.workspace = true\n"),
        ["dependencies"]
    );
    assert_eq!(
        named("[dependencies]\nhelpers = { package = \"harness\", path = \"h\" }\n"),
        ["dependencies"]
    );
    assert_eq!(
        named("[build-dependencies]\nharness = { path = \"h\" }\n"),
        ["build-dependencies"]
    );
    assert_eq!(
        named("[target.'cfg(unix)'.dependencies]\nharness = \"1\"\n"),
        ["target.cfg(unix).dependencies"]
    );
    assert!(named("[dev-dependencies]\nharness.workspace = true\n").is_empty());
}

/// The harness is the workspace's own test machinery: it says `publish =
/// false` itself, whatever the workspace's default, and its folder in
/// `common/src`, which the layers above no longer read, does not come back.
#[test]
fn the_harness_is_a_crate_of_its_own_that_is_never_published() {
    let manifest = manifest("common/harness");
    let package = manifest["package"].as_table().unwrap();
    assert_eq!(package["name"].as_str(), Some("harness"));
    assert_eq!(
        package.get("publish").and_then(toml::Value::as_bool),
        Some(false),
        "common/harness/Cargo.toml must say publish = false"
    );
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert!(
        !src.join("harness").exists(),
        "common/src/harness/ is back: the harness is common/harness/"
    );
}

/// Each rule is checked: a lesson module that used a tool and the ground floor
/// that used the lesson both break one.
#[test]
fn each_rule_of_the_layers_can_break() {
    let modules = modules();
    let layer = |name: &str| modules[name].0;
    assert!(!layer("reporter").may_use(layer("bpf")));
    assert!(!layer("error").may_use(layer("program")));
    assert!(layer("learn").may_use(layer("filter")));
    assert!(layer("learn").may_use(layer("kernel")));
    assert_eq!(layer("kernel"), Layer::Ground);
    assert_eq!(layer("ending"), Layer::Ground);
}
