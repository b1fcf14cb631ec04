//! `common`'s build script: finds the version of the libseccomp the workspace
//! builds against, for the one test that checks one version's behaviour. The
//! policy chapter says what libseccomp 2.5.4 (Debian 12's) does with rules a
//! policy now refuses; that test is built to run where the version is 2.5.4
//! (`cfg(libseccomp_2_5_4)`), and is ignored elsewhere, which the test summary
//! then counts, instead of passing without checking anything.

use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(libseccomp_2_5_4)");
    println!("cargo::rerun-if-env-changed=PKG_CONFIG_PATH");
    for header in HEADERS {
        println!("cargo::rerun-if-changed={header}");
    }
    if version().as_deref() == Some("2.5.4") {
        println!("cargo::rustc-cfg=libseccomp_2_5_4");
    }
}

/// Where libseccomp's development files put its header.
const HEADERS: [&str; 2] = ["/usr/include/seccomp.h", "/usr/local/include/seccomp.h"];

/// The version pkg-config gives (it follows PKG_CONFIG_PATH, as a build for
/// another architecture sets it), or else the one the header defines
/// (`SCMP_VER_MAJOR` and the rest); `None` when neither is found.
fn version() -> Option<String> {
    let pkg_config = Command::new("pkg-config")
        .args(["--modversion", "libseccomp"])
        .output();
    if let Ok(output) = pkg_config {
        if output.status.success() {
            return Some(String::from_utf8_lossy(&output.stdout).trim().to_owned());
        }
    }
    let header = HEADERS
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())?;
    let part = |name: &str| {
        header.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("#define") && words.next() == Some(name))
                .then(|| words.next().map(str::to_owned))
                .flatten()
        })
    };
    Some(format!(
        "{}.{}.{}",
        part("SCMP_VER_MAJOR")?,
        part("SCMP_VER_MINOR")?,
        part("SCMP_VER_MICRO")?
    ))
}
