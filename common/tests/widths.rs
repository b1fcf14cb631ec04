//! The widths of step 4's policy (`ARGUMENT_WIDTHS`) checked against the running
//! kernel, by a method that does not trust them: `width-probe` makes a syscall
//! twice in child processes, once as written and once with `1 << 32` added to
//! one argument, and says what each call did. Where the table says the kernel
//! reads only the lower half (`4`), the two calls must do the same; for 64-bit
//! arguments of each kind (`8`), the second must do something else; and for
//! arguments whose width another argument decides (`?`), both happen, as that
//! other argument says. The calls are x86_64's, where the table was audited.
//!
//! The probe loads no filter: what it shows is how the kernel reads each
//! argument, which a filter must compare the same way.

#![cfg(target_arch = "x86_64")]

use common::condition::ARGUMENT_WIDTHS;
use common::readers::ARGUMENT_READERS;
use harness::runner::Ending;
use harness::runner::StepRun;
use harness::running::{run, sibling_binary};

/// 64-bit arguments of each kind the table has, whose upper half changes what
/// the call does: pointers, sizes, offsets and flags.
const WIDE: &[(&str, usize, &str)] = &[
    ("write", 1, "a pointer to the bytes"),
    ("fstat", 1, "a pointer to the struct stat"),
    ("openat", 1, "a pointer to the path"),
    ("recvmsg", 1, "a pointer to the struct msghdr"),
    ("sendto", 4, "a pointer to the address"),
    ("clock_nanosleep", 2, "a pointer to the time"),
    ("read", 2, "a size_t count"),
    ("rt_sigaction", 3, "a size_t size of the signal set"),
    ("rt_sigprocmask", 3, "a size_t size of the signal set"),
    ("set_robust_list", 1, "a size_t size of the list head"),
    ("pread64", 3, "a loff_t offset"),
    ("lseek", 1, "an off_t offset"),
    ("unshare", 0, "unsigned long flags"),
    ("mprotect", 2, "unsigned long protection bits"),
];

/// Arguments whose width another argument decides: the syscall, the argument,
/// a form of the call in which the kernel reads only its lower half, and one in
/// which it reads all 64 bits.
const DEPENDENT: &[(&str, usize, &str, &str)] = &[
    // PR_SET_MM's sub-option is an `int`; PR_SET_NAME's name, a pointer.
    ("prctl", 1, "set-mm-map-size", "set-name"),
    // PR_SET_MM_EXE_FILE's descriptor is an `unsigned int` (without
    // CAP_SYS_RESOURCE, both calls get EPERM before the kernel reads it);
    // PR_SET_MM_MAP_SIZE's is a pointer.
    ("prctl", 2, "set-mm-exe-file", "set-mm-map-size"),
    // F_DUPFD's argument is an `int`; F_GETLK's, a pointer.
    ("fcntl", 2, "dupfd", "getlk"),
    // FUTEX_REQUEUE's fourth argument is a `u32` count; FUTEX_WAIT_BITSET's, a
    // pointer to a time.
    ("futex", 3, "requeue", "wait-bitset"),
];

/// What the probe saw: the call as written, and with `1 << 32` added to `arg`.
fn calls(syscall: &str, arg: usize, form: Option<&str>) -> Result<(String, String), String> {
    let arg_text = arg.to_string();
    let mut args = vec![syscall, arg_text.as_str()];
    if let Some(form) = form {
        args.extend(["--form", form]);
    }
    let probed: StepRun = run(sibling_binary("width-probe"), &args, b"");
    if probed.ending() != Ending::Exited(0) {
        return Err(format!(
            "width-probe {}: {:?}, {}",
            args.join(" "),
            probed.ending(),
            probed.stderr_text().trim_end()
        ));
    }
    let stdout = probed.stdout_text();
    let line = |prefix: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .map(str::to_owned)
            .ok_or_else(|| {
                format!(
                    "width-probe {}: no {prefix:?} in {stdout:?}",
                    args.join(" ")
                )
            })
    };
    let (plain, upper) = (line("plain: ")?, line("upper: ")?);
    if plain.starts_with("could not prepare") {
        return Err(format!("width-probe {}: {plain}", args.join(" ")));
    }
    Ok((plain, upper))
}

/// How the audit says the kernel reads argument `arg` of `syscall`.
fn reader(syscall: &str, arg: usize) -> &'static str {
    ARGUMENT_READERS
        .iter()
        .find(|(name, _)| *name == syscall)
        .and_then(|(_, readers)| readers.get(arg))
        .copied()
        .unwrap_or("no reader in the audit")
}

/// Where the test runs under a filter of its own, which may answer a call
/// before the kernel reads it.
fn under_a_filter() -> &'static str {
    // SAFETY: a query without pointers.
    match unsafe { libc::prctl(libc::PR_GET_SECCOMP) } {
        2 => " (this test runs under a seccomp filter of its own, a container's or a sandbox's, which may answer the calls itself)",
        _ => "",
    }
}

/// Every argument the table says is 32 bits wide is read from its lower half
/// alone: the call with `1 << 32` added does exactly what the call without
/// does (with a descriptor, a flag, a signal or an ID that a 64-bit reading
/// would find bad). Every such argument has a call written for it.
#[test]
fn every_32_bit_argument_is_read_from_its_lower_half() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (syscall, widths) in ARGUMENT_WIDTHS {
        for (arg, width) in widths.bytes().enumerate() {
            if width != b'4' {
                continue;
            }
            checked += 1;
            match calls(syscall, arg, None) {
                Ok((plain, upper)) if plain == upper => {}
                Ok((plain, upper)) => wrong.push(format!(
                    "{syscall} argument {arg} ({}): {plain:?}, then with 1 << 32 added {upper:?}",
                    reader(syscall, arg)
                )),
                Err(err) => wrong.push(err),
            }
        }
    }
    assert!(checked > 70, "only {checked} 32-bit arguments");
    assert!(
        wrong.is_empty(),
        "the table says the kernel reads these as 32 bits, and the kernel disagrees{}:\n{}",
        under_a_filter(),
        wrong.join("\n")
    );
}

/// For 64-bit arguments of each kind, the upper half changes what the call does:
/// a pointer points elsewhere (EFAULT), a size or an offset is another one, and
/// flags with bit 32 set are refused.
#[test]
fn these_64_bit_arguments_are_read_whole() {
    let mut wrong = Vec::new();
    for &(syscall, arg, kind) in WIDE {
        let width = ARGUMENT_WIDTHS
            .iter()
            .find(|(name, _)| *name == syscall)
            .and_then(|(_, widths)| widths.as_bytes().get(arg).copied());
        assert_eq!(width, Some(b'8'), "{syscall} argument {arg}, {kind}");
        match calls(syscall, arg, None) {
            Ok((plain, upper)) if plain != upper => {}
            Ok((plain, _)) => wrong.push(format!(
                "{syscall} argument {arg}, {kind} ({}): {plain:?} either way",
                reader(syscall, arg)
            )),
            Err(err) => wrong.push(err),
        }
    }
    assert!(
        wrong.is_empty(),
        "the upper half of these changed nothing{}:\n{}",
        under_a_filter(),
        wrong.join("\n")
    );
}

/// An argument whose width another argument decides is neither 32 nor 64 bits
/// wide for the table (`?`), and a condition on it states the width of the
/// calls it means: under one form of the call the kernel reads only its lower
/// half, under another all of it. `prctl`'s second argument is the issue's
/// case: `PR_SET_MM` reads it as an `int`, `PR_SET_NAME` as a pointer.
#[test]
fn arguments_whose_width_another_decides_are_read_both_ways() {
    let mut wrong = Vec::new();
    for &(syscall, arg, narrow, wide) in DEPENDENT {
        let width = ARGUMENT_WIDTHS
            .iter()
            .find(|(name, _)| *name == syscall)
            .and_then(|(_, widths)| widths.as_bytes().get(arg).copied());
        assert_eq!(width, Some(b'?'), "{syscall} argument {arg}");
        match calls(syscall, arg, Some(narrow)) {
            Ok((plain, upper)) if plain == upper => {}
            Ok((plain, upper)) => wrong.push(format!(
                "{syscall} argument {arg} as {narrow}: {plain:?}, then {upper:?}"
            )),
            Err(err) => wrong.push(err),
        }
        match calls(syscall, arg, Some(wide)) {
            Ok((plain, upper)) if plain != upper => {}
            Ok((plain, _)) => wrong.push(format!(
                "{syscall} argument {arg} as {wide}: {plain:?} either way"
            )),
            Err(err) => wrong.push(err),
        }
    }
    assert!(
        wrong.is_empty(),
        "these are not read as the forms say{}:\n{}",
        under_a_filter(),
        wrong.join("\n")
    );
}

/// The probe tells one call from another: a pointer moved by `1 << 32` fails
/// with EFAULT, a call that ends the child says how it ended, and a call the
/// probe has no form of is an error, not a pass.
#[test]
fn the_probe_tells_a_call_from_another() {
    let (plain, upper) = calls("write", 1, None).unwrap();
    assert_eq!(plain, "returned 3; the pipe holds \"abc\"; exited 0");
    assert_eq!(upper, "failed with EFAULT; the pipe holds \"\"; exited 0");
    let (plain, upper) = calls("exit", 0, None).unwrap();
    assert_eq!((plain.as_str(), upper.as_str()), ("exited 7", "exited 7"));
    let err = calls("mount", 0, None).unwrap_err();
    assert!(err.contains("no call of mount is written here"), "{err}");
    let err = calls("prctl", 1, Some("set-timerslack")).unwrap_err();
    assert!(err.contains("no form \"set-timerslack\" of prctl"), "{err}");
}
