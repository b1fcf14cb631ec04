//! `common`'s build script: tells the tests what the machine they are built on
//! has, for the few tests that need it, so that where it is missing they are
//! ignored with their reason, which the test summary counts, instead of passing
//! without checking anything.
//!
//! - `cfg(libseccomp_2_5_4)`: the libseccomp the workspace builds against is
//!   2.5.4 (Debian 12's). The policy chapter says what that version does with
//!   rules a policy now refuses, and one test checks it there.
//! - `cfg(io_uring_refused)`: io_uring cannot be set up here. A container
//!   runtime's default profile refuses `io_uring_setup`, and Linux 6.6 and
//!   later can turn it off (`kernel.io_uring_disabled`); there is then nothing
//!   to read a file through io_uring with, and the tests that show what io_uring
//!   lets by a seccomp filter cannot run.
//! - `cfg(under_a_filter)`: the build runs under a seccomp filter already, a
//!   container runtime's profile most likely, which answers every syscall it
//!   does not name (an unknown number, say) before a filter of the steps sees
//!   it: the tests that make such a syscall under `--learn` cannot run.

use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(libseccomp_2_5_4)");
    println!("cargo::rustc-check-cfg=cfg(io_uring_refused)");
    if io_uring_refused() {
        println!("cargo::rustc-cfg=io_uring_refused");
    }
    println!("cargo::rustc-check-cfg=cfg(under_a_filter)");
    if under_a_filter() {
        println!("cargo::rustc-cfg=under_a_filter");
    }
    println!("cargo::rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo::rerun-if-changed=build.rs");
    // Those that exist: Cargo runs the script again on every build while a
    // path it was told to watch is missing.
    for header in HEADERS
        .iter()
        .filter(|path| std::path::Path::new(path).exists())
    {
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

/// Whether `io_uring_setup` fails here: a ring of one entry is set up, and
/// closed at once.
fn io_uring_refused() -> bool {
    // `struct io_uring_params`, 120 bytes, which the kernel fills in.
    let mut params = [0u8; 120];
    // SAFETY: the kernel writes the parameters into `params`, which is big enough.
    let ring = unsafe { libc::syscall(libc::SYS_io_uring_setup, 1u32, params.as_mut_ptr()) };
    if ring < 0 {
        return true;
    }
    // SAFETY: the ring's descriptor is this process's, closed once.
    unsafe { libc::close(ring as libc::c_int) };
    false
}

/// Whether this process runs under a seccomp filter (`Seccomp_filters:` of
/// /proc/self/status above 0).
fn under_a_filter() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Seccomp_filters:"))
                .and_then(|count| count.trim().parse::<u32>().ok())
        })
        .is_some_and(|count| count > 0)
}
