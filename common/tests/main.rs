//! Every integration test of `common`, in one test binary: each file here is a
//! module of it. libtest runs the tests of one binary side by side (as many at
//! once as `RUST_TEST_THREADS`, set in `.cargo/config.toml`, allows), while
//! Cargo runs test binaries one after another: most tests wait on the program's
//! one-second sleep, and in one binary they wait together.
//!
//! A new file in `tests/` must be declared here too: Cargo does not look for
//! test files itself (`autotests = false`), and the test at the end of this
//! file checks, for every crate of the workspace, that none is left out.

mod blind_spots;
mod book;
mod container;
mod layers;
mod oci;
mod other_architectures;
mod overhead_docs;
mod policy;
mod security;
mod simulate;
mod support;
mod widths;

/// Every `.rs` file in a crate's `tests/` (but `main.rs`) and every folder with
/// a `mod.rs` is a module of that crate's `tests/main.rs`: a file left out would
/// never be compiled, and its tests would pass by never running.
#[test]
fn every_test_file_is_a_module_of_its_crate_s_test_binary() {
    let workspace = harness::workspace_root();
    let crates = [
        "common",
        "common/harness",
        "step-1-baseline",
        "step-2-filter",
        "step-3-reporting",
        "step-4-policy",
    ];
    for krate in crates {
        let tests = workspace.join(krate).join("tests");
        let main = std::fs::read_to_string(tests.join("main.rs")).unwrap();
        let declared: Vec<&str> = main
            .lines()
            .filter_map(|line| line.strip_prefix("mod ")?.strip_suffix(';'))
            .collect();
        let mut found = 0;
        for entry in std::fs::read_dir(&tests).unwrap().flatten() {
            let path = entry.path();
            let module = match path.extension() {
                Some(ext) if ext == "rs" => path.file_stem(),
                None if path.join("mod.rs").is_file() => path.file_name(),
                _ => None,
            };
            let Some(module) = module.and_then(|name| name.to_str()) else {
                continue;
            };
            if module != "main" {
                found += 1;
                assert!(
                    declared.contains(&module),
                    "{krate}/tests/main.rs does not declare `mod {module};`"
                );
            }
        }
        assert_eq!(found, declared.len(), "{krate}/tests/main.rs: {declared:?}");
    }
}
