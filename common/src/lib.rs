//! What the four steps of the seccomp tutorial share.
//!
//! Each step is a small binary crate whose `main.rs` shows only that step's lesson;
//! everything the steps have in common lives here so the diff from one step to
//! the next stays small. Its folders hold the two kinds of code the steps link:
//!
//! **What the steps teach** ([`lesson`]):
//! - [`program`]: the tutorial program itself (prompt, read a line, echo it, sleep,
//!   fork, print a last line), written so that nothing it does after a filter is
//!   loaded needs a syscall the tutorial did not plan for;
//! - [`filter`]: the tutorial's allow list, the function that turns an allow list
//!   and a default action into a libseccomp filter, and [`filter::Filter`], a
//!   filter with the rules it was given;
//! - [`reporter`]: step 3's SIGSYS handler, which names the syscall a filter refused;
//! - [`policy`]: step 4's policy, rules with argument conditions, and the
//!   filter it compiles to; beside it, its reading, checks and refusals, which
//!   [`lesson`] lists;
//! - [`condition`]: what one argument condition of a policy means (over 32 or 64
//!   bits), the libseccomp comparisons that say exactly that, and whether two
//!   conditions can both hold;
//! - [`readers`]: how the kernel reads each argument whose width the policy
//!   knows, the audit behind those widths.
//!
//! **The tools of discovery and inspection** ([`tools`], which also holds how
//! the steps' command lines offer them: [`tools::Inspect`] on step 2,
//! [`tools::Discover`] on step 3, [`tools::Refine`] on step 4):
//! - [`allow`](tools::allow): step 3's `--allow`, names added to the allow list at run time;
//! - [`learn`](tools::learn): step 3's `--learn`, a supervisor that runs the program once under a
//!   user-notification filter and names every syscall it needs, and [`command`](tools::command):
//!   the same for any command, `--learn -- CMD`, from its `execve` on;
//! - [`refine`](tools::refine): step 4's `--learn`, the same against the step's policy, which
//!   names what the policy lacks as rules that can be appended to it;
//! - [`print_filter`](tools::print_filter): `--print-filter` of steps 2 to 4, as libseccomp's pseudo
//!   filter code or as the BPF program disassembled by [`bpf`](tools::bpf), and `--simulate`;
//! - [`simulate`](tools::simulate): a simulator of seccomp's BPF, the kernel's checks when a filter
//!   is loaded and its answer to one syscall, behind `--simulate`;
//! - [`oci`](tools::oci): `--print-filter=oci`, a step's filter as a container runtime's
//!   seccomp profile.
//! - [`audit`](tools::audit): `--audit` of steps 2 to 4, the filter a step would
//!   load read for the classic mistakes, one finding per line.
//!
//! **The ground floor**, which every folder may use and which uses none of them:
//! - [`error`]: the errors a step can meet before its program starts, and the
//!   exit statuses they map to (a step fails closed: it never runs unfiltered);
//! - [`kernel`]: the native architecture's token and a filter's BPF
//!   instructions as the kernel reads them;
//! - [`ending`]: how a process ended, as `wait` reports it and a shell shows it.
//!
//! The lesson uses only the ground floor; the tools use the lesson and the
//! ground floor. `common/tests/layers.rs` keeps these rules.
//!
//! What only the tests, the tour and CI use (the runner, the tests' shared
//! helpers, the tour and the probe binaries the tests run) is not here: it is
//! the `harness` crate in `common/harness/`, which the steps do not link.
//!
//! The lesson's modules are also at the crate's root (`common::policy`), as
//! the steps name them; the tools are named through their folder
//! (`common::tools::learn`).

pub mod ending;
pub mod error;
pub mod kernel;
pub mod lesson;
pub mod tools;

pub use lesson::{
    compile_limit, condition, filter, libseccomp_workarounds, policy, policy_check, policy_error,
    policy_file, policy_json, program, readers, reporter,
};

pub use error::{fail_closed, StepError};
pub use program::Program;
