//! What the benches share (`cargo bench -p common --bench overhead`, `cargo
//! bench -p step-3-reporting --bench learn`): the median and quartiles of a
//! run's samples, what a run was measured on, and where Cargo keeps its output.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The median and quartiles of some samples.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// The median.
    pub median: f64,
    /// The first quartile.
    pub q1: f64,
    /// The third quartile.
    pub q3: f64,
}

impl Summary {
    /// The summary of `samples`, which must not be empty.
    pub fn of(samples: &[f64]) -> Summary {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let at = |p: f64| {
            // Linear interpolation between the two nearest ranks.
            let rank = p * (sorted.len() - 1) as f64;
            let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
            sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
        };
        Summary {
            median: at(0.5),
            q1: at(0.25),
            q3: at(0.75),
        }
    }
}

/// The machine a bench runs on, as `key: value` pairs: how many CPUs, which
/// CPU, the kernel and the C library.
pub fn machine() -> Vec<(&'static str, String)> {
    let read = |path| std::fs::read_to_string(path).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
        .map_or_else(
            || "unknown".to_owned(),
            |(_, model)| model.trim().to_owned(),
        );
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    vec![
        ("cpus", cpus.to_string()),
        ("cpu", cpu),
        (
            "kernel",
            format!(
                "Linux {} {}",
                read("/proc/sys/kernel/osrelease").trim(),
                std::env::consts::ARCH
            ),
        ),
        ("libc", crate::tour::c_library()),
    ]
}

/// Today's date (UTC) as YYYY-MM-DD.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The `# key: value` lines a bench's CSV starts with.
pub fn csv_comments(machine: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (key, value) in machine {
        let _ = writeln!(out, "# {key}: {value}");
    }
    out
}

/// Cargo's target directory, found from where Cargo put the running bench
/// (`TARGET/PROFILE/deps/NAME-HASH`), or `target` when it is not there.
pub fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            let deps = exe.parent()?;
            (deps.file_name()? == "deps").then(|| deps.parent()?.parent().map(Path::to_path_buf))?
        })
        .unwrap_or_else(|| PathBuf::from("target"))
}
