//! Allow lists, and the filters libseccomp builds from them.
//!
//! The C tutorial writes its BPF program by hand. Here libseccomp builds it: it
//! resolves names to this architecture's numbers, adds the architecture check
//! (a syscall made through another ABI, such as i386's `int 0x80` on x86_64, gets
//! the *bad-architecture action*) and, on x86_64, the guard against x32 syscall
//! numbers. Steps 2 and 3 only choose an allow list and a default action; step 4's
//! policy, with argument checks, is built in [`crate::policy`].

use libseccomp::{ScmpAction, ScmpArgCompare, ScmpFilterContext, ScmpSyscall};

use crate::error::StepError;

// ANCHOR: allow_list
/// The tutorial's allow list: what strict seccomp mode (mode 1) allows, as a filter.
///
/// `sigreturn` exists only on some architectures (i386 and 32-bit ARM, not x86_64
/// or aarch64); libseccomp skips a name the filter's architecture does not have.
pub const TUTORIAL_ALLOW_LIST: &[&str] = &[
    "rt_sigreturn",
    "sigreturn",
    "exit_group",
    "exit",
    "read",
    "write",
];
// ANCHOR_END: allow_list

// ANCHOR: build
/// Builds a filter that allows the syscalls in `allow_list` and answers every
/// other syscall with `default_action`.
pub fn allow_list_filter(
    default_action: ScmpAction,
    allow_list: &[&str],
) -> Result<Filter, StepError> {
    let mut filter = Filter::new(default_action)?;
    for &name in allow_list {
        filter.add_rule(ScmpAction::Allow, name, &[])?;
    }
    Ok(filter)
}
// ANCHOR_END: build

/// The filter step 2 or 3 built, or why it could not build it: what the
/// steps' tools are given (step 4's filter comes with its policy, as a
/// `PolicyFilter`).
pub type StepFilter = Result<Filter, StepError>;

/// A filter as a step builds it: libseccomp's filter context, which is what is
/// loaded, and the rules it was given, kept as data so that `--print-filter=oci`
/// can write them as a container runtime's profile ([`crate::tools::oci`]).
///
/// It gives the context's own methods (it dereferences to it), and changes it
/// only through [`Filter::add_rule`], which keeps the record whole.
pub struct Filter {
    context: ScmpFilterContext,
    default_action: ScmpAction,
    rules: Vec<FilterRule>,
}

/// One rule a [`Filter`] was given: an action for a syscall, when every one of
/// the comparisons holds (with none, for every call).
#[derive(Debug, Clone)]
pub struct FilterRule {
    /// What the filter does with a matching call.
    pub action: ScmpAction,
    /// The syscall's name.
    pub syscall: String,
    /// libseccomp's comparisons of the arguments.
    pub comparisons: Vec<ScmpArgCompare>,
}

impl Filter {
    // ANCHOR: new
    /// A filter that answers every syscall with `default_action`.
    ///
    /// A syscall made through another ABI than the native one gets `KillProcess`
    /// whatever the default action is: a trap handler or a log line is for syscalls
    /// the policy could have named, not for a different syscall table.
    pub fn new(default_action: ScmpAction) -> Result<Filter, StepError> {
        let build = |what| move |source| StepError::Build { what, source };
        let mut context =
            ScmpFilterContext::new(default_action).map_err(build("creating the filter context"))?;
        context
            .set_act_badarch(ScmpAction::KillProcess)
            .map_err(build("setting the bad-architecture action"))?;
        Ok(Filter {
            context,
            default_action,
            rules: Vec::new(),
        })
    }

    /// Adds a rule: `action` for the syscall `name` when all of `comparisons`
    /// hold (with none, for every call).
    pub fn add_rule(
        &mut self,
        action: ScmpAction,
        name: &str,
        comparisons: &[ScmpArgCompare],
    ) -> Result<(), StepError> {
        self.context
            .add_rule_conditional(action, resolve(name)?, comparisons)
            .map_err(|source| StepError::Build {
                what: "adding a rule",
                source,
            })?;
        self.rules.push(FilterRule {
            action,
            syscall: name.to_owned(),
            comparisons: comparisons.to_vec(),
        });
        Ok(())
    }
    // ANCHOR_END: new

    /// What the filter does with a syscall no rule matches.
    pub fn default_action(&self) -> ScmpAction {
        self.default_action
    }

    /// The rules, in the order they were added.
    pub fn rules(&self) -> &[FilterRule] {
        &self.rules
    }

    /// libseccomp's filter context, to change what the record does not keep
    /// (how the program is laid out: priorities, the binary tree).
    pub fn into_context(self) -> ScmpFilterContext {
        self.context
    }
}

impl std::ops::Deref for Filter {
    type Target = ScmpFilterContext;

    fn deref(&self) -> &ScmpFilterContext {
        &self.context
    }
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filter")
            .field("default_action", &self.default_action)
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

/// Resolves a syscall name through libseccomp.
///
/// A name that exists on some architecture but not on this one (like `sigreturn`
/// on x86_64) resolves to a negative pseudo-number that libseccomp skips when it
/// adds rules; a name no architecture knows is an error.
pub fn resolve(name: &str) -> Result<ScmpSyscall, StepError> {
    ScmpSyscall::from_name(name).map_err(|_| StepError::UnknownSyscall {
        name: name.to_owned(),
    })
}

// ANCHOR: load
/// Sets NO_NEW_PRIVS and loads `filter` into the kernel for the calling thread and
/// every thread and process it creates from now on.
///
/// Other threads that already run are not filtered: libseccomp asks the kernel to
/// synchronise them (`SECCOMP_FILTER_FLAG_TSYNC`) only when the filter's `CtlTsync`
/// attribute is set, and the steps leave it unset, because they load their filter
/// while the program has only its main thread.
///
/// NO_NEW_PRIVS promises the kernel that this process will never gain privileges
/// through `execve` (set-user-ID binaries); only with that promise may a process
/// without `CAP_SYS_ADMIN` load a filter. libseccomp would set it too; it is done
/// here explicitly because it is part of the lesson.
pub fn load(filter: &Filter) -> Result<(), StepError> {
    nix::sys::prctl::set_no_new_privs().map_err(StepError::NoNewPrivs)?;
    filter.load().map_err(StepError::Load)
}
// ANCHOR_END: load

/// The most instructions a BPF program may have, as the kernel loads it
/// (`BPF_MAXINSNS`).
pub const MAX_INSTRUCTIONS: usize = 4096;

/// The BPF program libseccomp generates for `filter`, as the kernel receives it: an
/// array of `struct sock_filter`, 8 bytes per instruction.
pub fn bpf_program(filter: &ScmpFilterContext) -> Result<Vec<u8>, StepError> {
    export_through_memfd("exporting the BPF program", |file| filter.export_bpf(file))
}

/// [`bpf_program`] cut into `struct sock_filter`s (in the machine's byte order),
/// ready for [`load_instructions`].
pub fn bpf_instructions(filter: &ScmpFilterContext) -> Result<Vec<libc::sock_filter>, StepError> {
    Ok(crate::kernel::instructions(&bpf_program(filter)?)
        .into_iter()
        .map(crate::kernel::Instruction::to_sock_filter)
        .collect())
}

/// Loads a BPF program built beforehand (see [`bpf_instructions`]) with one
/// `seccomp(2)` call, allocating nothing: for where libseccomp's `load` must not
/// run, between `fork` and `execve`, or once another filter forbids what it needs.
/// NO_NEW_PRIVS must be set already (or the process have `CAP_SYS_ADMIN`).
pub fn load_instructions(program: &[libc::sock_filter]) -> Result<(), nix::errno::Errno> {
    let fprog = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_ptr().cast_mut(),
    };
    // SAFETY: `fprog` points to live instructions; the kernel copies them.
    let loaded = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &fprog as *const libc::sock_fprog,
        )
    };
    nix::errno::Errno::result(loaded).map(drop)
}

/// The filter as libseccomp's pseudo filter code (PFC): the same decisions as the
/// BPF program, written as readable `if` statements with syscall names.
pub fn pfc_text(filter: &ScmpFilterContext) -> Result<String, StepError> {
    let bytes = export_through_memfd("exporting the pseudo filter code", |file| {
        filter.export_pfc(file)
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Runs one of libseccomp's exports into an anonymous in-memory file and reads it
/// back: libseccomp before 2.6 can only export to a file descriptor.
fn export_through_memfd(
    what: &'static str,
    export: impl FnOnce(&std::fs::File) -> Result<(), libseccomp::error::SeccompError>,
) -> Result<Vec<u8>, StepError> {
    use std::io::{Read, Seek};

    use nix::sys::memfd::{memfd_create, MFdFlags};

    let io = |source| StepError::Export { source };
    let mut file = std::fs::File::from(
        memfd_create("seccomp-export", MFdFlags::MFD_CLOEXEC).map_err(|e| io(e.into()))?,
    );
    export(&file).map_err(|source| StepError::Build { what, source })?;
    let mut exported = Vec::new();
    file.rewind().map_err(io)?;
    file.read_to_end(&mut exported).map_err(io)?;
    Ok(exported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tutorial_allow_list_resolves_on_this_architecture() {
        allow_list_filter(ScmpAction::KillProcess, TUTORIAL_ALLOW_LIST)
            .expect("the tutorial's allow list builds");
    }

    #[test]
    fn the_bpf_program_is_whole_instructions() {
        let filter = allow_list_filter(ScmpAction::KillProcess, TUTORIAL_ALLOW_LIST).unwrap();
        let program = bpf_program(&filter).unwrap();
        // An architecture check, a load, five allow rules and a default at least.
        assert!(program.len() >= 8 * 8, "{} bytes", program.len());
        assert_eq!(program.len() % 8, 0);
    }

    #[test]
    fn the_pseudo_filter_code_names_every_allowed_syscall() {
        let filter = allow_list_filter(ScmpAction::KillProcess, TUTORIAL_ALLOW_LIST).unwrap();
        let pfc = pfc_text(&filter).unwrap();
        for name in TUTORIAL_ALLOW_LIST {
            if resolve(name).unwrap().as_raw_syscall() >= 0 {
                assert!(pfc.contains(&format!("\"{name}\"")), "{name}:\n{pfc}");
            }
        }
    }

    #[test]
    fn an_unknown_name_is_refused_by_name() {
        let err = allow_list_filter(ScmpAction::KillProcess, &["read", "no_such_syscall"])
            .expect_err("an unknown name must not build");
        assert!(
            matches!(&err, StepError::UnknownSyscall { name } if name == "no_such_syscall"),
            "{err:?}"
        );
        assert_eq!(err.exit_status(), crate::error::EXIT_USAGE);
    }
}
