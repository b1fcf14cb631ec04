//! `--print-filter[=pfc|bpf|oci]` and `--simulate CALL`: show the filter a step
//! would load, or what it would answer to one syscall, without running the program.
//!
//! libseccomp writes a filter two ways. Its *pseudo filter code* (PFC) is readable
//! `if` statements with syscall names: what the step asked for. The *BPF program*
//! is what the kernel really runs on every syscall, shown by [`crate::tools::bpf`] one
//! instruction per line: there the architecture check that libseccomp adds, and
//! on x86_64 its guard against x32 syscall numbers, can be seen too. A third way
//! is a container runtime's: the rules as an OCI seccomp profile ([`crate::tools::oci`]).
//!
//! `--simulate 'write(3, 0, 5)'` runs that syscall through the BPF program in
//! [`crate::tools::simulate`], which does what the kernel does, and prints the lines of
//! the `--print-filter=bpf` listing it passes through, then the action the filter
//! returns (`action: KILL_PROCESS`). Nothing is loaded and the syscall is not made.

use std::io::Write;
use std::process::ExitCode;

use libseccomp::{ScmpFilterContext, ScmpSyscall};

use crate::error::{fail_closed, StepError, EXIT_PROGRAM_FAILED};
use crate::filter::{bpf_program, pfc_text, Filter};
use crate::tools::simulate::{self, SeccompData};
use crate::tools::{bpf, oci};

/// The `--print-filter` and `--simulate` options, shared by steps 2, 3 and 4.
#[derive(clap::Args, Debug, Clone)]
pub struct PrintFilterArg {
    /// Print the filter this step would load and exit without running the
    /// program: as libseccomp's pseudo filter code (pfc, the default), as the
    /// BPF program the kernel runs, disassembled (bpf), or as a container
    /// runtime's seccomp profile, in the OCI runtime specification's JSON (oci)
    #[arg(
        long = "print-filter",
        value_name = "FORMAT",
        value_enum,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "pfc",
        conflicts_with = "simulate"
    )]
    pub format: Option<FilterFormat>,
    /// Run the syscall CALL through the BPF program this step would load and
    /// exit, without running the program or the syscall: print the instructions
    /// it passes through, as --print-filter=bpf lists them, then the action the
    /// filter returns. CALL is a syscall name or number, then up to six
    /// arguments in parentheses, decimal or 0x hex (missing ones are 0): 'write(3,
    /// 0, 5)'
    #[arg(long, value_name = "CALL", allow_hyphen_values = true)]
    pub simulate: Option<String>,
}

impl PrintFilterArg {
    /// What the options ask the step to show instead of running its program,
    /// if they ask for anything.
    pub fn shown(&self) -> Option<Shown> {
        match (self.format, &self.simulate) {
            (Some(format), _) => Some(Shown::Filter(format)),
            (None, Some(call)) => Some(Shown::Simulation(call.clone())),
            (None, None) => None,
        }
    }
}

/// What a step shows instead of running its program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// The filter, in this format (`--print-filter`).
    Filter(FilterFormat),
    /// The path of this syscall, as written after `--simulate`, through the
    /// filter's BPF program.
    Simulation(String),
}

/// How `--print-filter` shows a filter.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterFormat {
    /// libseccomp's pseudo filter code: `if` statements with syscall names
    Pfc,
    /// the BPF program the kernel runs, one instruction per line
    Bpf,
    /// a container runtime's seccomp profile, as the OCI runtime specification
    /// writes it (JSON, for runc, Docker or Podman)
    Oci,
}

/// The syscall a `--simulate` CALL stands for, or `None` when `shown` is not a
/// simulation; a call that cannot be read is a usage error.
pub fn simulated_call(shown: &Shown) -> Result<Option<SeccompData>, StepError> {
    match shown {
        Shown::Filter(_) => Ok(None),
        Shown::Simulation(call) => {
            parse_call(call)
                .map(Some)
                .map_err(|reason| StepError::BadCall {
                    call: call.clone(),
                    reason,
                })
        }
    }
}

/// What `shown` asks for, as text, of the filter a step built.
pub fn render(shown: &Shown, filter: &Filter) -> Result<String, StepError> {
    match (shown, simulated_call(shown)?) {
        (_, Some(data)) => simulation(&data, filter),
        (Shown::Filter(FilterFormat::Bpf), None) => Ok(bpf::listing(&bpf_program(filter)?)),
        (Shown::Filter(FilterFormat::Oci), None) => oci::json(filter),
        (_, None) => pfc_text(filter),
    }
}

/// The path of the syscall `data` through `filter`'s BPF program: the lines of
/// the `--print-filter=bpf` listing it passes through, then `action: NAME`,
/// named as the listing names return values.
pub fn simulation(data: &SeccompData, filter: &ScmpFilterContext) -> Result<String, StepError> {
    let bytes = bpf_program(filter)?;
    let run = simulate::run(&bpf::instructions(&bytes), data)?;
    Ok(format!(
        "{}{ACTION_PREFIX}{}\n",
        bpf::path_listing(&bytes, &run.path),
        bpf::action_name(run.action)
    ))
}

/// How the last line of `--simulate` starts, before the action's name.
pub const ACTION_PREFIX: &str = "action: ";

/// Reads a `--simulate` CALL, `NAME(ARG, ...)` or `NUMBER(ARG, ...)`, as the
/// syscall it stands for on this machine's native architecture. A name is
/// resolved through libseccomp; numbers are decimal or hex with `0x`; an argument
/// may have a leading minus, for its two's complement (`-1` is
/// `0xffffffffffffffff`); missing arguments are 0. The error says in a few words
/// what is wrong.
pub fn parse_call(text: &str) -> Result<SeccompData, String> {
    let text = text.trim();
    let (head, arguments) = match text.split_once('(') {
        Some((head, rest)) => {
            let inside = rest
                .trim_end()
                .strip_suffix(')')
                .ok_or("missing ')' after the arguments")?;
            (head.trim_end(), Some(inside))
        }
        None if text.contains(')') => return Err("')' without '('".to_owned()),
        None => (text, None),
    };
    let nr = syscall_number(head)?;
    let mut args = [0u64; 6];
    if let Some(inside) = arguments.filter(|inside| !inside.trim().is_empty()) {
        let given: Vec<&str> = inside.split(',').map(str::trim).collect();
        if given.len() > args.len() {
            return Err(format!(
                "{} arguments; a syscall has at most 6",
                given.len()
            ));
        }
        for (i, (slot, arg)) in args.iter_mut().zip(given).enumerate() {
            if arg.is_empty() {
                return Err(format!("argument {i} is empty"));
            }
            *slot = number(arg).map_err(|why| format!("argument {i}, {why}"))?;
        }
    }
    Ok(SeccompData::native(nr, args))
}

/// The syscall number a CALL starts with: a number, or a name of this
/// architecture's.
fn syscall_number(head: &str) -> Result<i32, String> {
    if head.is_empty() {
        return Err("no syscall: give a name or a number, such as 'write(1, 0, 5)'".to_owned());
    }
    if head.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        let value = number(head)?;
        // seccomp_data.nr is an int: take 32 bits, as from an unsigned or a
        // signed number.
        return u32::try_from(value)
            .map(|nr| nr as i32)
            .or_else(|_| i32::try_from(value as i64))
            .map_err(|_| format!("syscall number `{head}` does not fit in 32 bits"));
    }
    if !head
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!("`{head}` is not a syscall name or number"));
    }
    let nr = ScmpSyscall::from_name(head)
        .map_err(|_| format!("libseccomp knows no syscall named `{head}`"))?
        .as_raw_syscall();
    if nr < 0 {
        let arch = bpf::arch_name(bpf::native_arch()).unwrap_or("this architecture");
        return Err(format!(
            "`{head}` is not a syscall on {arch}; libseccomp knows it from other architectures"
        ));
    }
    Ok(nr)
}

/// A 64-bit number in decimal or with `0x` in hex; with a leading minus, its
/// two's complement.
fn number(text: &str) -> Result<u64, String> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (radix, digits) = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => (16, hex),
        None => (10, digits),
    };
    let not_a_number = || format!("`{text}` is not a number (decimal, or hex with 0x)");
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(not_a_number());
    }
    let too_big = || format!("`{text}` does not fit in 64 bits");
    let magnitude = u64::from_str_radix(digits, radix).map_err(|_| too_big())?;
    match negative {
        false => Ok(magnitude),
        true if magnitude <= 1 << 63 => Ok(magnitude.wrapping_neg()),
        true => Err(too_big()),
    }
}

// ANCHOR: print
/// Prints what `shown` asks for of the filter a step built (or says why it could
/// not) and returns the step's exit status: 0 when printed, the error's status
/// otherwise. A `--simulate` call that cannot be read is refused first: it is the
/// caller's mistake, whatever the filter.
pub fn print(step: &str, shown: Shown, filter: Result<&Filter, &StepError>) -> ExitCode {
    if let Err(err) = simulated_call(&shown) {
        return fail_closed(step, &err);
    }
    let filter = match filter {
        Ok(filter) => filter,
        Err(err) => return fail_closed(step, err),
    };
    let text = match render(&shown, filter) {
        Ok(text) => text,
        Err(err) => return fail_closed(step, &err),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that went away (`| head`) is not worth a message.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(EXIT_PROGRAM_FAILED)
        }
        Err(err) => {
            eprintln!("{step}: error: writing the filter to stdout failed: {err}");
            ExitCode::from(EXIT_PROGRAM_FAILED)
        }
    }
}
// ANCHOR_END: print

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{allow_list_filter, TUTORIAL_ALLOW_LIST};
    use libseccomp::ScmpAction;

    fn nr(name: &str) -> i32 {
        ScmpSyscall::from_name(name).unwrap().as_raw_syscall()
    }

    fn call(text: &str) -> SeccompData {
        parse_call(text).unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    #[test]
    fn a_call_is_a_name_or_a_number_and_up_to_six_arguments() {
        let write = nr("write");
        assert_eq!(
            call("write(3, 0, 5)"),
            SeccompData::native(write, [3, 0, 5, 0, 0, 0])
        );
        assert_eq!(call("write"), SeccompData::native(write, [0; 6]));
        assert_eq!(call(" write ( ) "), SeccompData::native(write, [0; 6]));
        assert_eq!(
            call(&format!(
                "{write}(0x10,0X1f,18446744073709551615,-1,-0x2,6)"
            )),
            SeccompData::native(write, [16, 31, u64::MAX, u64::MAX, u64::MAX - 1, 6])
        );
        assert_eq!(
            call("write(0x100000003)").args[0],
            1 << 32 | 3,
            "all 64 bits are kept"
        );
        assert_eq!(call("write(-0x8000000000000000)").args[0], 1 << 63);
        assert_eq!(call(&format!("{:#x}", write)).nr, write);
        // A number is taken as 32 bits, signed or not.
        assert_eq!(call("-1").nr, -1);
        assert_eq!(call("0xffffffff").nr, -1);
        assert_eq!(call("0x40000001").nr, 0x4000_0001);
        assert_eq!(call("write").arch, bpf::native_arch());
    }

    #[test]
    fn a_call_that_cannot_be_read_says_what_is_wrong() {
        for (text, reason) in [
            (
                "",
                "no syscall: give a name or a number, such as 'write(1, 0, 5)'",
            ),
            (
                "(1)",
                "no syscall: give a name or a number, such as 'write(1, 0, 5)'",
            ),
            ("write(1", "missing ')' after the arguments"),
            ("write(1) 2", "missing ')' after the arguments"),
            ("write 1)", "')' without '('"),
            ("write(1,,2)", "argument 1 is empty"),
            ("write(1,)", "argument 1 is empty"),
            (
                "write(1,2,3,4,5,6,7)",
                "7 arguments; a syscall has at most 6",
            ),
            (
                "write(x)",
                "argument 0, `x` is not a number (decimal, or hex with 0x)",
            ),
            (
                "write(0x)",
                "argument 0, `0x` is not a number (decimal, or hex with 0x)",
            ),
            (
                "write(1, 0x1g)",
                "argument 1, `0x1g` is not a number (decimal, or hex with 0x)",
            ),
            (
                "write(18446744073709551616)",
                "argument 0, `18446744073709551616` does not fit in 64 bits",
            ),
            (
                "write(-0x8000000000000001)",
                "argument 0, `-0x8000000000000001` does not fit in 64 bits",
            ),
            (
                "0x100000000",
                "syscall number `0x100000000` does not fit in 32 bits",
            ),
            ("Write", "`Write` is not a syscall name or number"),
            (
                "no_such_syscall(1)",
                "libseccomp knows no syscall named `no_such_syscall`",
            ),
        ] {
            assert_eq!(parse_call(text), Err(reason.to_owned()), "{text:?}");
        }
    }

    /// The path is the listing's own lines, and the last line names the action
    /// as the listing names the ret.
    #[test]
    fn a_simulation_prints_the_listing_s_lines_and_the_action() {
        let filter = allow_list_filter(ScmpAction::KillProcess, TUTORIAL_ALLOW_LIST).unwrap();
        let listing = bpf::listing(&bpf_program(&filter).unwrap());
        let text = simulation(&call("getpid"), &filter).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let (action, path) = lines.split_last().unwrap();
        assert_eq!(*action, "action: KILL_PROCESS");
        assert!(path[0].starts_with("(000) ld [4] "), "{text}");
        for line in path {
            assert!(listing.lines().any(|l| l == *line), "{line}\n{listing}");
        }
        assert_eq!(*path.last().unwrap(), listing.lines().last().unwrap());
        assert!(path.last().unwrap().ends_with(" ret KILL_PROCESS"));
    }

    #[test]
    fn a_bad_call_is_a_usage_error() {
        let shown = Shown::Simulation("write(".to_owned());
        let err = simulated_call(&shown).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--simulate 'write(': missing ')' after the arguments"
        );
        assert_eq!(err.exit_status(), crate::error::EXIT_USAGE);
    }
}
