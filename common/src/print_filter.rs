//! `--print-filter[=pfc|bpf]`: show the filter a step would load, without running
//! the program.
//!
//! libseccomp writes a filter two ways. Its *pseudo filter code* (PFC) is readable
//! `if` statements with syscall names: what the step asked for. The *BPF program*
//! is what the kernel really runs on every syscall, shown by [`crate::bpf`] one
//! instruction per line: there the architecture check that libseccomp adds, and
//! on x86_64 its guard against x32 syscall numbers, can be seen too.

use std::io::Write;
use std::process::ExitCode;

use libseccomp::ScmpFilterContext;

use crate::error::{fail_closed, StepError, EXIT_PROGRAM_FAILED};
use crate::filter::{bpf_program, pfc_text};

/// The `--print-filter` option, shared by steps 2, 3 and 4.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct PrintFilterArg {
    /// Print the filter this step would load and exit without running the
    /// program: as libseccomp's pseudo filter code (pfc, the default), or as the
    /// BPF program the kernel runs, disassembled (bpf)
    #[arg(
        long = "print-filter",
        value_name = "FORMAT",
        value_enum,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "pfc"
    )]
    pub format: Option<FilterFormat>,
}

/// How `--print-filter` shows a filter.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterFormat {
    /// libseccomp's pseudo filter code: `if` statements with syscall names
    Pfc,
    /// the BPF program the kernel runs, one instruction per line
    Bpf,
}

/// `filter` as text in `format`.
pub fn render(format: FilterFormat, filter: &ScmpFilterContext) -> Result<String, StepError> {
    match format {
        FilterFormat::Pfc => pfc_text(filter),
        FilterFormat::Bpf => Ok(crate::bpf::listing(&bpf_program(filter)?)),
    }
}

// ANCHOR: print
/// Prints the filter a step built (or says why it could not be built) and
/// returns the step's exit status: 0 when printed, the error's status otherwise.
pub fn print(
    step: &str,
    format: FilterFormat,
    filter: Result<ScmpFilterContext, StepError>,
) -> ExitCode {
    let text = match filter.and_then(|filter| render(format, &filter)) {
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
