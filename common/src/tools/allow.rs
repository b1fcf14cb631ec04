//! Step 3's `--allow NAME`: syscalls added to the allow list at run time (one of
//! the tools of [`crate::tools::Discover`]).
//!
//! The tutorial's loop is run, read `Looks like you also need syscall: NAME(NR)`,
//! add NAME, run again. In C each round means editing the source and rebuilding;
//! with `--allow` the learner only runs again: `--allow clock_nanosleep`, then
//! `--allow clock_nanosleep,clone`, and so on.
//!
//! Every name is checked through libseccomp before anything runs. A name that
//! no architecture has is refused (exit status 2). A name that only other
//! architectures have, like `sigreturn` on x86_64, resolves to a negative
//! pseudo-number that libseccomp skips when it adds the rule: it is accepted, as
//! on the tutorial's own allow list, with a warning that it changes nothing here.

use crate::error::StepError;
use crate::filter::resolve;

/// The `--allow` option.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct AllowArg {
    /// Also allow syscall NAME, as if it were on the allow list; repeat the
    /// option or separate names with commas (--allow clone,munmap)
    #[arg(long = "allow", value_name = "NAME", value_delimiter = ',', value_parser = non_empty)]
    pub names: Vec<String>,
}

/// Refuses an empty name, as `--allow clone,` or `--allow a,,b` would give, with a
/// usage error that says so rather than "unknown syscall name ``".
fn non_empty(name: &str) -> Result<String, String> {
    if name.is_empty() {
        Err("a syscall name cannot be empty (is there a comma too many?)".to_owned())
    } else {
        Ok(name.to_owned())
    }
}

impl AllowArg {
    /// The names, each checked through libseccomp. A name libseccomp knows only
    /// on other architectures is kept, with a warning on stderr naming `step`.
    pub fn checked(&self, step: &str) -> Result<Vec<&str>, StepError> {
        let mut names = Vec::with_capacity(self.names.len());
        for name in &self.names {
            if let Some(warning) = other_architecture_warning(name)? {
                eprintln!("{step}: warning: {warning}");
            }
            names.push(name.as_str());
        }
        Ok(names)
    }
}

/// Resolves `name`: an error when no architecture has it; a warning when only
/// other architectures have it.
pub fn other_architecture_warning(name: &str) -> Result<Option<String>, StepError> {
    if resolve(name)?.as_raw_syscall() >= 0 {
        return Ok(None);
    }
    let arch = crate::tools::bpf::arch_name(crate::tools::bpf::native_arch())
        .unwrap_or("this architecture");
    Ok(Some(format!(
        "`{name}` is not a syscall on {arch}; libseccomp knows it from other \
         architectures, so allowing it changes nothing here"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_native_name_passes_without_a_warning() {
        assert!(other_architecture_warning("clone").unwrap().is_none());
    }

    #[test]
    fn a_name_of_no_architecture_is_refused_by_name() {
        let err = other_architecture_warning("no_such_syscall").unwrap_err();
        assert!(err.to_string().contains("`no_such_syscall`"), "{err}");
    }
}
