//! Syscall names that libseccomp knows from another architecture but that this
//! one does not have (`sigreturn` on x86_64): step 3's `--allow` keeps such a
//! name with a warning, and `--simulate` refuses it as a call, saying why.
//!
//! These tests are here, not beside the code they check, because the name
//! comes from the test harness ([`foreign_syscall_name`]), which the library's
//! own unit tests do not link.

use common::tools::allow::other_architecture_warning;
use common::tools::bpf::{arch_name, native_arch};
use common::tools::print_filter::parse_call;
use harness::syscalls::foreign_syscall_name;

#[test]
fn a_name_of_another_architecture_is_kept_with_a_warning() {
    let foreign = foreign_syscall_name();
    let warning = other_architecture_warning(foreign).unwrap().unwrap();
    assert!(
        warning.starts_with(&format!("`{foreign}` is not a syscall on ")),
        "{warning}"
    );
}

#[test]
fn a_call_of_another_architecture_cannot_be_simulated() {
    let foreign = foreign_syscall_name();
    let arch = arch_name(native_arch()).unwrap();
    assert_eq!(
        parse_call(foreign),
        Err(format!(
            "`{foreign}` is not a syscall on {arch}; libseccomp knows it from other architectures"
        ))
    );
}
