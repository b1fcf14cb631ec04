//! The layers of `common/src` are boundaries: these tests read the paths that
//! each module of the library names (`crate::policy`, `use crate::{filter, bpf}`,
//! `super::condition`, a child module's `learn::`) and fail on an arrow that
//! runs the wrong way.
//!
//! The rules, from the bottom up:
//! - the ground floor (the files at the root of `src/`: `error.rs`, `kernel.rs`,
//!   `ending.rs`) uses no other module of the crate;
//! - the lesson (`src/lesson/`) uses the ground floor and the lesson;
//! - the tools (`src/tools/`) use the ground floor, the lesson and the tools;
//! - no modules use each other in a circle, of two modules or more.
//!
//! A module's unit tests (its `#[cfg(test)] mod tests`) are not shipped and are
//! not read. The reading is of the text, so the forms it cannot follow are
//! refused in `src/`: `use crate::*`, `crate as`, `include!`, `#[path]` and
//! `#[macro_export]`. Every `.rs` file under `src/` is read, and a folder that
//! is no layer fails the test.
//!
//! What only the tests, the tour and CI use is not a layer of `common`: it is
//! the `harness` crate (`common/harness/`), which depends on `common`. Its rule
//! is kept in the manifests, and checked here too: `common` and the steps name
//! `harness` under `[dev-dependencies]` only, and no crate of the workspace
//! but the harness has a test-only crate in its shipped dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

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

/// One module of the library: its layer, its file, and its code as shipped.
struct Module {
    layer: Layer,
    file: PathBuf,
    code: String,
}

/// The `.rs` files under `dir`, in every folder below it.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The library's modules by name (`policy`, or `tools` for `tools/mod.rs`).
/// `lib.rs` is the crate's root, read by [`root_names`].
fn modules() -> BTreeMap<String, Module> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeMap::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        let folders: Vec<&str> = relative
            .parent()
            .unwrap()
            .iter()
            .map(|part| part.to_str().unwrap())
            .collect();
        let layer = match folders.first() {
            None => Layer::Ground,
            Some(&"lesson") => Layer::Lesson,
            Some(&"tools") => Layer::Tools,
            Some(other) => panic!("src/{other}/ is no layer: {}", relative.display()),
        };
        let stem = file.file_stem().unwrap().to_str().unwrap();
        if stem == "lib" && folders.is_empty() {
            continue;
        }
        let name = if stem == "mod" {
            folders.last().unwrap()
        } else {
            stem
        };
        let text = fs::read_to_string(&file).unwrap();
        let module = Module {
            layer,
            file: relative.to_path_buf(),
            code: shipped_code(&text),
        };
        if let Some(other) = modules.insert(name.to_owned(), module) {
            panic!("two modules named {name}: {}", other.file.display());
        }
    }
    modules
}

/// The names `lib.rs` makes at the crate's root, with the module each is:
/// its modules (`pub mod lesson;`) and what it re-exports (`pub use
/// lesson::{policy, program}`, `pub use program::Program`).
fn root_names(modules: &BTreeMap<String, Module>) -> BTreeMap<String, String> {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs");
    let code = shipped_code(&fs::read_to_string(lib).unwrap());
    let mut names = BTreeMap::new();
    for path in paths_after(&code, "use ") {
        let Some(last) = path.last() else { continue };
        if let Some(module) = module_named(&path, modules, &BTreeMap::new()) {
            names.insert(last.clone(), module);
        }
    }
    for module in ["lesson", "tools"] {
        names.insert(module.to_owned(), module.to_owned());
    }
    names
}

/// The code of a module as shipped: without its strings, its comments and its
/// unit tests, with no space around `::`.
fn shipped_code(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // A string's words are no path: keep only its quotes.
            '"' => {
                code.push('"');
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
                code.push('"');
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        code.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            _ => code.push(c),
        }
    }
    // `crate ::\n  tools` is `crate::tools`.
    let mut joined = String::with_capacity(code.len());
    for (index, part) in code.split("::").enumerate() {
        if index > 0 {
            joined.truncate(joined.trim_end().len());
            joined.push_str("::");
            joined.push_str(part.trim_start());
        } else {
            joined.push_str(part);
        }
    }
    without_unit_tests(&joined)
}

/// `code` without its `#[cfg(test)] mod NAME { … }` blocks, wherever they are.
fn without_unit_tests(code: &str) -> String {
    let mut rest = code;
    let mut kept = String::new();
    while let Some(start) = rest.find("#[cfg(test)]") {
        let after = rest[start + "#[cfg(test)]".len()..].trim_start();
        let is_module = after.starts_with("mod ") || after.starts_with("pub mod ");
        let Some(open) = after.find('{').filter(|_| is_module) else {
            kept.push_str(&rest[..start + "#[cfg(test)]".len()]);
            rest = &rest[start + "#[cfg(test)]".len()..];
            continue;
        };
        kept.push_str(&rest[..start]);
        let block = &after[open..];
        let mut depth = 0;
        let mut end = block.len();
        for (at, c) in block.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = at + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &block[end..];
    }
    kept.push_str(rest);
    kept
}

/// The forms of naming a module that the reading cannot follow, found in
/// `code`.
fn unreadable_forms(code: &str) -> Vec<&'static str> {
    let forms = [
        "use crate::*",
        "crate as ",
        "include!",
        "#[path",
        "#[macro_export]",
    ];
    forms
        .into_iter()
        .filter(|form| code.contains(form))
        .collect()
}

/// The paths that `code` names from the crate's root, the parent module or a
/// child module of `children`, each as its words: `crate::{filter::Filter,
/// bpf}` gives `["filter", "Filter"]` and `["bpf"]`; `super::policy::Rule`
/// gives `["super", "policy", "Rule"]`; `learn::x` in `tools/mod.rs` gives
/// `["learn", "x"]`.
fn named_paths(code: &str, children: &[String]) -> Vec<Vec<String>> {
    // A macro's `$crate` is the crate that defines the macro: this one.
    let code = code.replace("$crate::", "crate::");
    let mut paths = paths_after(&code, "crate::");
    for start in ["super::", "self::"] {
        for mut path in paths_after(&code, start) {
            if start == "super::" {
                path.insert(0, "super".to_owned());
            }
            paths.push(path);
        }
    }
    for child in children {
        for mut path in paths_after(&code, &format!("{child}::")) {
            path.insert(0, child.clone());
            paths.push(path);
        }
    }
    paths
}

/// The child modules a module declares (`mod learn;`, `pub mod learn;`).
fn children(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("pub ").unwrap_or(line);
            line.strip_prefix("mod ")?
                .strip_suffix(';')
                .map(str::to_owned)
        })
        .collect()
}

/// The paths that `code` names after `start` (`crate::`, or `use ` in
/// `lib.rs`), each as its words. A `start` that is the end of a
/// longer path or word (`mycrate::`, `tools::learn::`) does not count.
fn paths_after(code: &str, start: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for (at, _) in code.match_indices(start) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c == '_' || c == ':' || c.is_alphanumeric()) {
            continue;
        }
        read_tree(&code[at + start.len()..], Vec::new(), &mut paths);
    }
    paths
}

/// The length of the identifier at the start of `text`.
fn word_length(text: &str) -> usize {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum()
}

/// Reads one path after `crate::` (a chain of words, maybe ending in a `{…}`
/// group of paths, each maybe renamed with `as`) and pushes every whole path
/// it names onto `paths`.
fn read_tree(rest: &str, mut prefix: Vec<String>, paths: &mut Vec<Vec<String>>) -> usize {
    let mut at = 0;
    loop {
        let length = word_length(&rest[at..]);
        if length > 0 {
            prefix.push(rest[at..at + length].to_owned());
        }
        at += length;
        if rest[at..].starts_with("::") {
            at += 2;
            continue;
        }
        let skip_space = |at: usize| at + rest[at..].len() - rest[at..].trim_start().len();
        if rest[at..].starts_with('{') {
            at += 1;
            loop {
                at = skip_space(at);
                if rest[at..].starts_with('}') {
                    return at + 1;
                }
                at += read_tree(&rest[at..], prefix.clone(), paths);
                at = skip_space(at);
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
        // `policy as p`: the path is read; its new name is not a path.
        let after = skip_space(at);
        if rest[after..].starts_with("as ") {
            let name = skip_space(after + 3);
            return name + word_length(&rest[name..]);
        }
        return at;
    }
}

/// The module a path names, if it names one: its first word that is a module
/// (or a name the crate's root re-exports), where a folder's name followed by
/// one of its modules is that module.
fn module_named(
    path: &[String],
    modules: &BTreeMap<String, Module>,
    root: &BTreeMap<String, String>,
) -> Option<String> {
    let mut words = path.iter().map(String::as_str).peekable();
    while words.peek() == Some(&"super") {
        words.next();
    }
    let first = words.next()?;
    let first = if modules.contains_key(first) {
        first.to_owned()
    } else {
        root.get(first)?.clone()
    };
    let folder = matches!(first.as_str(), "lesson" | "tools");
    match words.next() {
        Some(second) if folder && modules.contains_key(second) => Some(second.to_owned()),
        _ => Some(first),
    }
}

/// Every arrow between the library's modules, as `(from, to)`.
fn arrows(modules: &BTreeMap<String, Module>) -> BTreeSet<(String, String)> {
    let root = root_names(modules);
    let mut arrows = BTreeSet::new();
    for (name, module) in modules {
        for path in named_paths(&module.code, &children(&module.code)) {
            if let Some(to) = module_named(&path, modules, &root) {
                if to != *name {
                    arrows.insert((name.clone(), to));
                }
            }
        }
    }
    arrows
}

/// The circles among `arrows`: each group of two modules or more that can
/// reach one another, in order.
fn circles(arrows: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let reach = |from: &str| {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut next = vec![from.to_owned()];
        while let Some(module) = next.pop() {
            for (_, to) in arrows.iter().filter(|(f, _)| *f == module) {
                if seen.insert(to.clone()) {
                    next.push(to.clone());
                }
            }
        }
        seen
    };
    let names: BTreeSet<&String> = arrows.iter().flat_map(|(a, b)| [a, b]).collect();
    let mut circles: Vec<Vec<String>> = Vec::new();
    for name in names {
        if circles.iter().any(|circle| circle.contains(name)) {
            continue;
        }
        let from_here = reach(name);
        let circle: Vec<String> = from_here
            .iter()
            .filter(|other| reach(other).contains(name.as_str()))
            .cloned()
            .collect();
        if !circle.is_empty() && from_here.contains(name.as_str()) {
            circles.push(circle);
        }
    }
    circles
}

/// The arrows that break a rule of the module docs above, each with every
/// rule it breaks; a circle is one entry, from its first module to its second.
fn broken_rules(
    layers: &BTreeMap<String, Layer>,
    arrows: &BTreeSet<(String, String)>,
) -> BTreeMap<(String, String), Vec<String>> {
    let mut broken: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (from, to) in arrows {
        let (from_layer, to_layer) = (layers[from], layers[to]);
        let mut why = |rule: String| {
            broken
                .entry((from.clone(), to.clone()))
                .or_default()
                .push(rule)
        };
        if from_layer == Layer::Ground {
            why("the ground floor uses no other module".to_owned());
        } else if from_layer != to_layer && !from_layer.may_use(to_layer) {
            why(format!("{from_layer:?} may not use {to_layer:?}"));
        }
    }
    for circle in circles(arrows) {
        broken
            .entry((circle[0].clone(), circle[1].clone()))
            .or_default()
            .push(format!("a circle: {} use each other", circle.join(", ")));
    }
    broken
}

#[test]
fn no_module_uses_a_layer_above_its_own_or_a_module_that_uses_it() {
    let modules = modules();
    let layers = modules
        .iter()
        .map(|(name, module)| (name.clone(), module.layer))
        .collect();
    let broken: Vec<String> = broken_rules(&layers, &arrows(&modules))
        .iter()
        .map(|((from, to), why)| format!("{from} -> {to}: {}", why.join("; ")))
        .collect();
    assert!(
        broken.is_empty(),
        "arrows that break the layers:\n{}",
        broken.join("\n")
    );
}

/// The library names its modules only in forms the reading follows.
#[test]
fn the_library_names_its_modules_in_forms_that_are_read() {
    for module in modules().values() {
        let forms = unreadable_forms(&module.code);
        assert!(
            forms.is_empty(),
            "src/{}: {forms:?} names modules in a way the layers' test cannot read",
            module.file.display()
        );
    }
}

/// The reading of paths finds an arrow however the code writes it, so that the
/// test above can fail.
#[test]
fn the_paths_a_module_names_are_read_in_every_form() {
    let cases: [(&str, &[&[&str]]); 11] = [
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
        // A macro of this crate names this crate.
        ("use $crate::tools::learn;", &[&["tools", "learn"]]),
        ("let a = mycrate::policy::X;", &[]),
        (
            "use crate::{condition as c, tools::learn};",
            &[&["condition"], &["tools", "learn"]],
        ),
        ("self::learn::run()", &[&["learn", "run"]]),
        ("learn::run()", &[&["learn", "run"]]),
        ("tools::learn::run()", &[]),
    ];
    for (code, expected) in cases {
        let expected: Vec<Vec<String>> = expected
            .iter()
            .map(|path| path.iter().map(|word| word.to_string()).collect())
            .collect();
        let code = shipped_code(code);
        assert_eq!(
            named_paths(&code, &["learn".to_owned()]),
            expected,
            "{code}"
        );
    }
    // Spaces, a line break, comments and strings.
    let code = shipped_code(
        "let x = crate ::\n    tools::learn; // crate::oci\n/* crate::bpf */ \"crate::command\"",
    );
    assert_eq!(named_paths(&code, &[]), [["tools", "learn"]]);
    // Unit tests are left out wherever they are, and only they.
    let code = shipped_code(
        "#[cfg(test)]\nmod tests { use crate::bpf; }\nuse crate::oci;\n#[cfg(test)]\nfn only_in_tests() {}",
    );
    assert_eq!(named_paths(&code, &[]), [["oci"]]);
    assert_eq!(
        unreadable_forms("use crate::*; use crate as c; include!(\"x\");"),
        ["use crate::*", "crate as ", "include!"]
    );
    let modules = modules();
    let root = root_names(&modules);
    let named = |words: &[&str]| {
        let path: Vec<String> = words.iter().map(|word| word.to_string()).collect();
        module_named(&path, &modules, &root)
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
    // What the crate's root re-exports names the module it comes from.
    assert_eq!(named(&["Program"]).as_deref(), Some("program"));
    assert_eq!(named(&["StepError"]).as_deref(), Some("error"));
    assert_eq!(named(&["libc"]), None);
}

/// Each rule breaks on made-up modules: a lesson module that uses a tool, the
/// ground floor that uses the lesson, and three modules in a circle.
#[test]
fn each_rule_of_the_layers_can_break() {
    let layers: BTreeMap<String, Layer> = [
        ("error", Layer::Ground),
        ("policy", Layer::Lesson),
        ("filter", Layer::Lesson),
        ("program", Layer::Lesson),
        ("learn", Layer::Tools),
    ]
    .into_iter()
    .map(|(name, layer)| (name.to_owned(), layer))
    .collect();
    let arrows = |list: &[(&str, &str)]| -> BTreeSet<(String, String)> {
        list.iter()
            .map(|(from, to)| (from.to_string(), to.to_string()))
            .collect()
    };
    let broken = |list: &[(&str, &str)]| -> Vec<String> {
        broken_rules(&layers, &arrows(list))
            .into_iter()
            .map(|((from, to), why)| format!("{from}->{to}: {}", why.join("; ")))
            .collect()
    };
    assert!(broken(&[("learn", "policy"), ("policy", "error")]).is_empty());
    assert_eq!(
        broken(&[("policy", "learn")]),
        ["policy->learn: Lesson may not use Tools"]
    );
    assert_eq!(
        broken(&[("error", "program")]),
        ["error->program: the ground floor uses no other module"]
    );
    assert_eq!(
        broken(&[
            ("filter", "policy"),
            ("policy", "program"),
            ("program", "filter")
        ]),
        ["filter->policy: a circle: filter, policy, program use each other"]
    );
    // An arrow up that closes a circle breaks both rules, and says both.
    assert_eq!(
        broken(&[("policy", "learn"), ("learn", "policy")]),
        [
            "learn->policy: a circle: learn, policy use each other",
            "policy->learn: Lesson may not use Tools"
        ]
    );
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

/// The crates only tests use: none of them may be in what the workspace ships.
const TEST_CRATES: [&str; 5] = [
    "harness",
    "proptest",
    "pulldown-cmark",
    "assert_cmd",
    "predicates",
];

/// What each crate of the workspace ships (its library, binaries and build
/// script, as `cargo tree -e normal,build` lists them) pulls in no crate that
/// only tests use: not the harness, and not proptest or the others, directly
/// or through another crate. The harness itself, which only tests use, is left
/// out. Cargo is asked, so the test needs the workspace's build machine
/// (`scripts/check-arches.sh` leaves it out of its runs on other machines).
#[test]
fn no_crate_of_the_workspace_ships_a_crate_that_only_tests_use() {
    let root = harness::workspace_root();
    let members = manifest(".")["workspace"]["members"]
        .as_array()
        .expect("the workspace's members")
        .clone();
    assert!(members.len() >= 6, "{members:?}");
    for member in members.iter().filter_map(toml::Value::as_str) {
        let package = manifest(member)["package"]["name"]
            .as_str()
            .unwrap()
            .to_owned();
        if package == "harness" {
            continue;
        }
        let tree = std::process::Command::new(env!("CARGO"))
            .args([
                "tree",
                "--offline",
                "-e",
                "normal,build",
                "--prefix",
                "none",
            ])
            .args(["-p", &package])
            .current_dir(&root)
            .output()
            .unwrap_or_else(|err| panic!("cargo tree -p {package}: {err}"));
        let listed = String::from_utf8_lossy(&tree.stdout);
        assert!(
            tree.status.success() && listed.starts_with(&format!("{package} v")),
            "cargo tree -p {package}: {}",
            String::from_utf8_lossy(&tree.stderr)
        );
        for line in listed.lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            assert!(
                !TEST_CRATES.contains(&name),
                "{member} ships {line}, which only tests use:\n{listed}"
            );
        }
    }
}
