//! Files a test makes or reads: its own scratch folder, an executable script
//! that the test process never holds open, a small C program built there, and
//! a file that a Debian package installs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One test's scratch directory, `NAME-PID` in `base` (the test binary's
/// `CARGO_TARGET_TMPDIR`), made anew and empty. The process number keeps two
/// runs of the same tests at once (two terminals, an editor that tests on
/// save) out of each other's files. It is removed with its files when the test
/// is done with it, unless the test failed: then it is left to look at.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    /// Makes the directory `NAME-PID` in `base`, emptied if a run of this
    /// process number left it behind.
    pub fn new(base: impl AsRef<Path>, name: &str) -> Scratch {
        let dir = base.as_ref().join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|err| panic!("cannot make {}: {err}", dir.display()));
        Scratch(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Makes `path` a file holding `text` with permissions `mode` (an executable
/// script, say), written by a child process (`sh` and `cat`), not by the test
/// process. A file the test process writes is open for writing in it, and a
/// process another test thread forks meanwhile holds it open too until its
/// `execve`: running the file then fails with ETXTBSY ("Text file busy").
pub fn write_executable(path: &Path, text: &str, mode: u32) {
    use std::io::Write;

    let mut writer = Command::new("sh")
        .args(["-c", "cat >\"$1\" && chmod \"$2\" \"$1\"", "sh"])
        .arg(path)
        .arg(format!("{mode:o}"))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("sh runs");
    writer
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(text.as_bytes())
        .expect("sh reads its input");
    let status = writer.wait().expect("sh ends");
    assert!(
        status.success(),
        "cannot write {}: {status}",
        path.display()
    );
}

/// The text of the file at `path`, which Debian's `package` installs (and
/// `scripts/install-container-tools.sh` with it). A test that needs such a file
/// is ignored unless asked for; asked for where the file is missing, it fails,
/// saying what installs it.
#[track_caller]
pub fn installed_file(path: &str, package: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| {
        panic!(
            "cannot read {path} ({err}): install {package} (scripts/install-container-tools.sh \
             does), or leave this test ignored"
        )
    })
}

/// A C program built from `source` with `cc` and `options` in a scratch
/// directory `name` in `base`: the directory (keep it while the program runs),
/// the source's path (`main.c`, which debug information names) and the
/// program's. `cc` is there wherever Cargo links Rust programs.
pub fn built_c_program(
    base: impl AsRef<Path>,
    name: &str,
    source: &str,
    options: &[&str],
) -> (Scratch, PathBuf, PathBuf) {
    let dir = Scratch::new(base, name);
    let main_c = dir.join("main.c");
    std::fs::write(&main_c, source).unwrap();
    let program = dir.join("program");
    let status = Command::new("cc")
        .args(options)
        .arg("-o")
        .arg(&program)
        .arg(&main_c)
        .status()
        .expect("cc, which Cargo links with, runs");
    assert!(
        status.success(),
        "cc {options:?} {} failed",
        main_c.display()
    );
    (dir, main_c, program)
}
