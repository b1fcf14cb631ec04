//! `--learn --callers`: for the first call of each syscall `--learn` reports, the
//! chain of functions that made it, from the syscall instruction up through libc
//! to the program's own code, with file and line where the binary has debug
//! information.
//!
//! The chain is read while the calling thread is held, so its stack cannot
//! change meanwhile:
//!
//! - **Its registers.** Unwinding starts from the instruction, stack and frame
//!   pointers. The kernel shows a waiting thread's frame pointer only to a
//!   tracer, so the supervisor traces the thread for a moment (`PTRACE_SEIZE`,
//!   then `PTRACE_INTERRUPT`), and answers the notification with
//!   `ERESTARTNOINTR`: the kernel stops the thread on its way out of the
//!   syscall, for the tracer, and then makes the same syscall again, which the
//!   program never sees. The supervisor reads the registers in that stop,
//!   detaches, and answers the repeated call as usual. Where tracing is refused
//!   (the thread is traced already, as under `strace`, or may not be traced),
//!   `/proc/TID/syscall` still gives the stack and instruction pointers.
//! - **Unwind tables.** `/proc/TID/maps` says which files are mapped where. Each
//!   file's `.eh_frame` (the table a C++ or Rust panic unwinds with) says, for
//!   every instruction, where the caller's return address is; the `framehop`
//!   crate follows it, reading the thread's stack with `process_vm_readv`.
//! - **Names.** The `addr2line` crate names each return address: a function and
//!   a file and line from the DWARF debug information, or the symbol of the
//!   function that holds it and the file's name where there is none (libc
//!   without its debug package), or only the file and the address.
//!
//! A chain ends at the program's own code, at `main`, or where a frame cannot
//! be unwound, which it says ([`NO_UNWIND`], [`NO_FRAME_POINTER`]) instead of
//! guessing. x86_64 and aarch64 are supported: elsewhere each chain says so.
//!
//! Cost: one unwind per syscall the report lists, not per call, and each file's
//! tables are read once per run.

use nix::sys::wait::WaitStatus;

/// The chain printed under a learned syscall: one line per caller, innermost
/// first, each as `← FUNCTION (PLACE)`.
pub type Chain = Vec<String>;

/// The last line of a chain that stops at a frame with no unwind table.
pub const NO_UNWIND: &str = "(no unwind information)";

/// The last line of a chain that stops at a frame that finds its caller through
/// the frame pointer, when the thread could not be traced to read it.
pub const NO_FRAME_POINTER: &str =
    "(no unwind information: the next caller is found through the frame pointer, which only a tracer can read, and tracing was refused)";

/// What reading a chain did besides: whether it answered the notification
/// itself (the syscall is then made again, and notified again), and how the
/// thread ended if it ended meanwhile (its status, for the supervisor to note).
pub struct Read {
    /// The chain of callers.
    pub chain: Chain,
    /// Whether the notification was answered, with `ERESTARTNOINTR`.
    pub answered: bool,
    /// The thread's ending, when it ended while it was traced.
    pub ended: Option<WaitStatus>,
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub use unwind::Callers;

#[cfg(all(test, any(target_arch = "x86_64", target_arch = "aarch64")))]
mod tests {
    use super::unwind::{is_own_source, shortened, shown_path};

    /// Rust's standard library and the crates a program depends on are not its
    /// own code, wherever the toolchain or Cargo put them; each is shown from
    /// its crate's folder on.
    #[test]
    fn the_library_s_and_the_crates_files_are_not_the_program_s() {
        let cases = [
            ("/rustc/0123abcd/library/std/src/thread/mod.rs", "std/src/thread/mod.rs"),
            ("/usr/src/rustc-1.85.1/library/core/src/ops/function.rs", "core/src/ops/function.rs"),
            ("/home/a/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/nix-0.32.0/src/unistd.rs", "nix-0.32.0/src/unistd.rs"),
            ("/home/a/.cargo/git/checkouts/nix-5dc7e1ad2a0ca5d1/0a1b2c3/src/unistd.rs", "nix-5dc7e1ad2a0ca5d1/0a1b2c3/src/unistd.rs"),
            ("/usr/share/cargo/registry/nix-0.32.0/src/unistd.rs", "nix-0.32.0/src/unistd.rs"),
            ("/work/tutorial/vendor/nix/src/unistd.rs", "nix/src/unistd.rs"),
        ];
        for (file, shown) in cases {
            assert!(!is_own_source(file), "{file}");
            assert_eq!(shown_path(file), shown);
        }
        for file in [
            "/work/tutorial/common/src/lesson/program.rs",
            "/tmp/main.c",
            "/home/a/library/main.c",
        ] {
            assert!(is_own_source(file), "{file}");
        }
    }

    /// Four or more functions of the standard library in a row are cut to the
    /// first and the last; fewer are kept.
    #[test]
    fn a_long_run_of_the_standard_library_is_cut_to_its_ends() {
        let line = |name: &str| format!("← {name} (std/src/rt.rs:1)");
        let chain: Vec<String> = ["a", "b", "c", "d"].iter().map(|name| line(name)).collect();
        let mut with_ends = vec!["← sigaltstack (libc.so.6)".to_owned()];
        with_ends.extend(chain.clone());
        with_ends.push("← main (step)".to_owned());
        assert_eq!(
            shortened(with_ends),
            [
                "← sigaltstack (libc.so.6)".to_owned(),
                line("a"),
                "← … (2 functions of Rust's standard library)".to_owned(),
                line("d"),
                "← main (step)".to_owned(),
            ]
        );
        assert_eq!(shortened(chain[..3].to_vec()), chain[..3]);
    }
}

/// On architectures other than x86_64 and aarch64: every chain says it is not
/// supported.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
#[derive(Default)]
pub struct Callers;

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
impl Callers {
    /// The chain of the syscall `request` was notified of, on `listener`.
    pub fn of(
        &mut self,
        _listener: std::os::fd::RawFd,
        _request: &libseccomp::ScmpNotifReq,
    ) -> Read {
        Read {
            chain: vec![format!(
                "(--callers is not supported on {}: only on x86_64 and aarch64)",
                std::env::consts::ARCH
            )],
            answered: false,
            ended: None,
        }
    }
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod unwind {
    use std::collections::HashMap;
    use std::io::IoSliceMut;
    use std::ops::Range;
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use std::os::fd::{AsRawFd, RawFd};

    use framehop::{ExplicitModuleSectionInfo, Module, Unwinder};
    use libseccomp::{ScmpArch, ScmpNotifReq, ScmpNotifResp, ScmpNotifRespFlags};
    use nix::errno::Errno;
    use nix::sys::ptrace;
    use nix::sys::signal::Signal;
    use nix::sys::uio::{process_vm_readv, RemoteIoVec};
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
    use nix::unistd::Pid;
    use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol};

    use super::{Chain, Read, NO_FRAME_POINTER, NO_UNWIND};

    /// The most callers a chain follows: enough to reach `main` from any libc
    /// wrapper through Rust's runtime, which [`shortened`] then cuts.
    const MOST_CALLERS: usize = 48;

    /// The frame pointer's value as the unwinder is given it when it is not
    /// known: the largest address. A frame that needs it fails to unwind
    /// (framehop adds 16 to it, which overflows), instead of following a wrong
    /// value or taking 0 for the end of the stack.
    const UNKNOWN: u64 = u64::MAX;

    /// Where unwinding starts.
    struct Registers {
        instruction_pointer: u64,
        stack_pointer: u64,
        frame_pointer: u64,
        /// The return address while it is in a register (aarch64's `lr`, x30);
        /// x86_64 keeps it on the stack.
        #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
        link_register: u64,
    }

    /// What differs between the architectures: the unwinder, and where the
    /// registers are in what `ptrace` reads.
    #[cfg(target_arch = "x86_64")]
    mod arch {
        use framehop::x86_64::{CacheX86_64, UnwindRegsX86_64, UnwinderX86_64};
        use nix::sys::ptrace;
        use nix::unistd::Pid;

        use super::{Registers, UNKNOWN};

        pub type Unwinder = UnwinderX86_64<std::sync::Arc<[u8]>>;
        pub type Cache = CacheX86_64;

        pub fn start(registers: &Registers, _highest_address: u64) -> UnwindRegsX86_64 {
            UnwindRegsX86_64::new(
                registers.instruction_pointer,
                registers.stack_pointer,
                registers.frame_pointer,
            )
        }

        pub fn traced(pid: Pid) -> nix::Result<Registers> {
            let regs = ptrace::getregs(pid)?;
            Ok(Registers {
                instruction_pointer: regs.rip,
                stack_pointer: regs.rsp,
                frame_pointer: regs.rbp,
                link_register: UNKNOWN,
            })
        }
    }

    #[cfg(target_arch = "aarch64")]
    mod arch {
        use framehop::aarch64::{CacheAarch64, PtrAuthMask, UnwindRegsAarch64, UnwinderAarch64};
        use nix::sys::ptrace::{self, regset::NT_PRSTATUS};
        use nix::unistd::Pid;

        use super::Registers;

        pub type Unwinder = UnwinderAarch64<std::sync::Arc<[u8]>>;
        pub type Cache = CacheAarch64;

        /// Return addresses may carry a pointer authentication code in their
        /// high bits: the bits above the highest mapped address are cleared.
        pub fn start(registers: &Registers, highest_address: u64) -> UnwindRegsAarch64 {
            UnwindRegsAarch64::new_with_ptr_auth_mask(
                PtrAuthMask::from_max_known_address(highest_address),
                registers.link_register,
                registers.stack_pointer,
                registers.frame_pointer,
            )
        }

        pub fn traced(pid: Pid) -> nix::Result<Registers> {
            let regs = ptrace::getregset::<NT_PRSTATUS>(pid)?;
            Ok(Registers {
                instruction_pointer: regs.pc,
                stack_pointer: regs.sp,
                frame_pointer: regs.regs[29],
                link_register: regs.regs[30],
            })
        }
    }

    /// What became of the thread the supervisor tried to hold.
    enum Held {
        /// It is stopped for the supervisor, which traces it, with these
        /// registers; its syscall is answered with `ERESTARTNOINTR`. The
        /// signal, if any, is one it stopped to receive, given back when the
        /// supervisor lets go.
        Stopped(Result<Registers, String>, Option<Signal>),
        /// It ended before it stopped (how, if the wait said).
        Ended(Option<WaitStatus>),
        /// It could not be traced; the notification is not answered.
        Refused,
    }

    /// The parent of the process `tid`, when `tid` is a process (the first
    /// thread of its thread group), from `/proc/TID/status`.
    fn parent_of_process(tid: u32) -> Option<u32> {
        let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
        let field = |name: &str| -> Option<u32> {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))?
                .trim()
                .parse()
                .ok()
        };
        (field("Tgid:")? == tid).then(|| field("PPid:"))?
    }

    /// How the traced thread `pid` ended, waited for.
    fn end_of(pid: Pid) -> Option<WaitStatus> {
        loop {
            match waitpid(pid, Some(WaitPidFlag::__WALL)) {
                Ok(status @ (WaitStatus::Exited(..) | WaitStatus::Signaled(..))) => {
                    return Some(status)
                }
                Ok(_) | Err(Errno::EINTR) => {}
                Err(_) => return None,
            }
        }
    }

    /// `ERESTARTNOINTR`, the kernel's own errno: a syscall that fails with it is
    /// made again, as if it had not been made, on the way back to the program
    /// once the kernel has looked for signals (which the interrupt makes it do).
    const ERESTARTNOINTR: i32 = 513;

    /// Traces the thread `pid` for a moment and stops it on its way out of the
    /// notified syscall (`id` on `listener`), which the kernel then makes again.
    fn hold(pid: Pid, listener: RawFd, id: u64) -> Held {
        if ptrace::seize(pid, ptrace::Options::empty()).is_err() {
            return Held::Refused;
        }
        // The interrupt stops the thread for the tracer as it leaves the
        // kernel; it waits for the answer meanwhile.
        if ptrace::interrupt(pid).is_err() {
            // Only a thread that is gone cannot be interrupted; let go anyway.
            let _ = ptrace::detach(pid, None);
            return Held::Refused;
        }
        // A failed answer means the notification went away: the thread was
        // killed, or a signal interrupted its wait. Either way it stops or ends.
        let _ = ScmpNotifResp::new_error(id, -ERESTARTNOINTR, ScmpNotifRespFlags::empty())
            .respond(listener);
        // The interrupt's stop comes before any signal's: the kernel looks at
        // a tracer's requests first. A stop for a signal is handled anyway.
        let signal = loop {
            match waitpid(pid, Some(WaitPidFlag::__WALL)) {
                Ok(WaitStatus::PtraceEvent(..)) => break None,
                Ok(WaitStatus::Stopped(_, signal)) => break Some(signal),
                Ok(status @ (WaitStatus::Exited(..) | WaitStatus::Signaled(..))) => {
                    return Held::Ended(Some(status))
                }
                Ok(_) | Err(Errno::EINTR) => {}
                Err(_) => return Held::Ended(None),
            }
        };
        Held::Stopped(
            arch::traced(pid)
                .map_err(|errno| format!("{NO_UNWIND}: its registers could not be read: {errno}")),
            signal,
        )
    }

    /// A mapped file's unwind tables and debug information, read once per run.
    struct MappedFile {
        /// Its name as the chain shows it when it has no source file and line.
        short_name: String,
        /// Each loadable segment: its file offset and its address in the file.
        segments: Vec<(u64, u64)>,
        /// What `framehop` needs of it: `.text`, `.eh_frame`, `.eh_frame_hdr`.
        sections: ExplicitModuleSectionInfo<Arc<[u8]>>,
        /// Names and lines; `None` when the file could not be read for them.
        names: Option<addr2line::Loader>,
        /// Its functions' symbols, by address: (start, end, name). A file
        /// without debug information still names its exported functions.
        symbols: Vec<(u64, u64, String)>,
        /// Its bytes, to compare with what a process has mapped.
        data: Vec<u8>,
    }

    /// The largest file `--callers` reads: a program with full debug
    /// information is some hundreds of megabytes at most.
    const LARGEST_FILE: u64 = 1 << 30;

    /// One executable mapping of a file in the thread's address space.
    struct Mapping {
        addresses: Range<u64>,
        offset: u64,
        path: PathBuf,
    }

    /// The supervisor's reader of chains: the files it has read so far, by
    /// device and inode (`None` for one that is not an ELF file).
    #[derive(Default)]
    pub struct Callers {
        files: HashMap<(u64, u64), Option<MappedFile>>,
    }

    impl Callers {
        /// The chain of the syscall `request` was notified of, on `listener`;
        /// the thread waits in it.
        pub fn of(&mut self, listener: RawFd, request: &ScmpNotifReq) -> Read {
            let tid = request.pid;
            // A 32-bit process on a 64-bit kernel has other registers and tables.
            if request.data.arch != ScmpArch::native() {
                let (arch, native) = (request.data.arch, ScmpArch::native());
                return Read {
                    chain: vec![format!(
                        "(--callers reads only calls of this machine's architecture, {native:?}, not {arch:?})"
                    )],
                    answered: false,
                    ended: None,
                };
            }
            let Ok(pid) = i32::try_from(tid).map(Pid::from_raw) else {
                return Read {
                    chain: vec![format!("({NO_UNWIND}: no thread {tid})")],
                    answered: false,
                    ended: None,
                };
            };
            // What the tracer waits for of a thread is the supervisor's to note
            // only for a process it is the parent of: the parent of any other
            // is told of its end as well, and the end of a thread that is not
            // its process's first is nobody's ending.
            let ours = parent_of_process(tid) == Some(std::process::id());
            let ended = |status: Option<WaitStatus>| status.filter(|_| ours);
            match hold(pid, listener, request.id) {
                Held::Stopped(registers, signal) => {
                    let chain = registers.and_then(|registers| self.chain(tid, &registers));
                    // Let go: the thread goes on with the same syscall, made again.
                    // A thread that cannot be let go was killed meanwhile: its
                    // end is waited for here, while it is still traced.
                    let status = match ptrace::detach(pid, signal) {
                        Ok(()) => None,
                        Err(_) => ended(end_of(pid)),
                    };
                    Read {
                        chain: chain.unwrap_or_else(|why| vec![format!("({why})")]),
                        answered: true,
                        ended: status,
                    }
                }
                Held::Ended(status) => Read {
                    chain: vec![format!("({NO_UNWIND}: the thread ended first)")],
                    answered: true,
                    ended: ended(status),
                },
                Held::Refused => {
                    let chain =
                        proc_registers(tid).and_then(|registers| self.chain(tid, &registers));
                    Read {
                        chain: chain.unwrap_or_else(|why| vec![format!("({why})")]),
                        answered: false,
                        ended: None,
                    }
                }
            }
        }

        fn chain(&mut self, tid: u32, registers: &Registers) -> Result<Chain, String> {
            let (mappings, highest_address) = mappings(tid)?;
            let executable = std::fs::read_link(format!("/proc/{tid}/exe")).ok();
            let mut unwinder = arch::Unwinder::new();
            // Each file's load bias: where it is mapped minus where it says it is.
            let mut biases = Vec::new();
            for mapping in &mappings {
                let Some(key) = self.file_of(tid, mapping) else {
                    continue;
                };
                let Some(file) = self.files[&key].as_ref() else {
                    continue;
                };
                let Some(bias) = file.bias(mapping) else {
                    continue;
                };
                biases.push((mapping, bias, key));
                unwinder.add_module(Module::new(
                    mapping.path.display().to_string(),
                    mapping.addresses.clone(),
                    bias,
                    file.sections.clone(),
                ));
            }
            let mut cache = arch::Cache::new();
            let mut read_stack = |address: u64| read_word(tid, address);
            let mut frames = unwinder.iter_frames(
                registers.instruction_pointer,
                arch::start(registers, highest_address),
                &mut cache,
                &mut read_stack,
            );
            let mut chain = Chain::new();
            loop {
                let address = match frames.next() {
                    Ok(Some(frame)) => frame.address_for_lookup(),
                    Ok(None) => break,
                    Err(framehop::Error::IntegerOverflow) => {
                        chain.push(format!("← {NO_FRAME_POINTER}"));
                        break;
                    }
                    Err(_) => {
                        chain.push(format!("← {NO_UNWIND}"));
                        break;
                    }
                };
                let Some(&(mapping, bias, key)) = biases
                    .iter()
                    .find(|(mapping, ..)| mapping.addresses.contains(&address))
                else {
                    chain.push(format!("← {NO_UNWIND}"));
                    break;
                };
                let file = self.files[&key].as_ref().expect("read above");
                let own = executable.as_deref() == Some(mapping.path.as_path());
                let (names, in_own_code) = file.names_at(address.wrapping_sub(bias), own);
                let at_main = names.iter().any(|name| name.starts_with("← main "));
                chain.extend(names);
                if in_own_code || at_main {
                    break;
                }
                if chain.len() >= MOST_CALLERS {
                    chain.push("← … (more callers, not shown)".to_owned());
                    break;
                }
            }
            if chain.is_empty() {
                chain.push(format!("← {NO_UNWIND}"));
            }
            Ok(shortened(chain))
        }

        /// The file `mapping` maps in the thread's process, read on first use:
        /// its key in `files`, or `None` when it cannot be read or is not the
        /// file mapped there.
        ///
        /// The path is the program's to choose, and the supervisor may have
        /// more rights than the program: so the path is looked up from the
        /// process's own root (`/proc/TID/root`), opened with `O_PATH`, which
        /// opens nothing (a device or a FIFO would act, or block), and read
        /// only when it is a regular file of a bounded size. Even then the
        /// name may have been given to another file since the mapping: the
        /// file is used only when its bytes at the mapping's offset are those
        /// the process has mapped there.
        fn file_of(&mut self, tid: u32, mapping: &Mapping) -> Option<(u64, u64)> {
            let looked_up = format!("/proc/{tid}/root{}", mapping.path.display());
            let handle = std::fs::File::from(
                nix::fcntl::open(
                    looked_up.as_str(),
                    nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_CLOEXEC,
                    nix::sys::stat::Mode::empty(),
                )
                .ok()?,
            );
            let stat = nix::sys::stat::fstat(&handle).ok()?;
            let regular = stat.st_mode & libc::S_IFMT == libc::S_IFREG;
            let size = u64::try_from(stat.st_size).ok()?;
            if !regular || size > LARGEST_FILE {
                return None;
            }
            let key = (stat.st_dev, stat.st_ino);
            // Reopened through the handle: the same file, now for reading.
            let reopened = format!("/proc/self/fd/{}", handle.as_raw_fd());
            self.files
                .entry(key)
                .or_insert_with(|| MappedFile::read(Path::new(&reopened), &mapping.path));
            let file = self.files[&key].as_ref()?;
            file.is_mapped_by(tid, mapping).then_some(key)
        }
    }

    impl MappedFile {
        /// Reads the file at `path`, which the process maps as `mapped`.
        fn read(path: &Path, mapped: &Path) -> Option<MappedFile> {
            let data = std::fs::read(path).ok()?;
            let elf = object::File::parse(&*data).ok()?;
            let section = |name: &str| {
                let section = elf.section_by_name(name)?;
                let range = section.address()..section.address().saturating_add(section.size());
                let bytes: Arc<[u8]> = section.data().ok()?.into();
                Some((range, bytes))
            };
            let (text_svma, text) = section(".text").unzip();
            let (eh_frame_svma, eh_frame) = section(".eh_frame").unzip();
            let (eh_frame_hdr_svma, eh_frame_hdr) = section(".eh_frame_hdr").unzip();
            let got_svma = elf
                .section_by_name(".got")
                .map(|got| got.address()..got.address().saturating_add(got.size()));
            let sections = ExplicitModuleSectionInfo {
                base_svma: 0,
                text_svma,
                text,
                got_svma,
                eh_frame_svma,
                eh_frame,
                eh_frame_hdr_svma,
                eh_frame_hdr,
                debug_frame: section(".debug_frame").map(|(_, bytes)| bytes),
                ..Default::default()
            };
            let segments = elf
                .segments()
                .map(|segment| (segment.file_range().0, segment.address()))
                .collect();
            let mut symbols: Vec<(u64, u64, String)> = elf
                .symbols()
                .chain(elf.dynamic_symbols())
                .filter(|symbol| symbol.kind() == object::SymbolKind::Text && symbol.size() > 0)
                .filter_map(|symbol| {
                    let name = addr2line::demangle_auto(symbol.name().ok()?.into(), None);
                    let start = symbol.address();
                    Some((
                        start,
                        start.saturating_add(symbol.size()),
                        name.into_owned(),
                    ))
                })
                .collect();
            symbols.sort();
            let short_name = mapped.file_name().map_or_else(
                || mapped.display().to_string(),
                |name| name.to_string_lossy().into_owned(),
            );
            Some(MappedFile {
                short_name,
                segments,
                sections,
                names: addr2line::Loader::new(path).ok(),
                symbols,
                data,
            })
        }

        /// Whether `mapping` of the thread `tid` holds this file's bytes: its
        /// first bytes (a page at most) are the file's at the mapping's offset.
        fn is_mapped_by(&self, tid: u32, mapping: &Mapping) -> bool {
            let Ok(offset) = usize::try_from(mapping.offset) else {
                return false;
            };
            let length = usize::try_from(mapping.addresses.end - mapping.addresses.start)
                .unwrap_or(usize::MAX)
                .min(4096)
                .min(self.data.len().saturating_sub(offset));
            let mut mapped = vec![0u8; length];
            let read = read_memory(tid, mapping.addresses.start, &mut mapped);
            length > 0 && read == Some(length) && self.data[offset..offset + length] == mapped[..]
        }

        /// Where this file is mapped minus where it says it is, from the segment
        /// `mapping` maps (its offset is the segment's, rounded down to a page).
        fn bias(&self, mapping: &Mapping) -> Option<u64> {
            let page = page_size();
            let &(offset, address) = self
                .segments
                .iter()
                .find(|(offset, _)| offset / page * page == mapping.offset)?;
            mapping
                .addresses
                .start
                .checked_add(offset - mapping.offset)?
                .checked_sub(address)
        }

        /// The lines for the code at `address` (in the file's own addresses):
        /// the functions inlined there, innermost first, then the one they are
        /// in; and whether one of them is the program's own code.
        fn names_at(&self, address: u64, executable: bool) -> (Vec<String>, bool) {
            let mut names = Vec::new();
            let mut own = false;
            let mut line = |function: &str, place: Option<(&str, u32)>| match place {
                Some((file, line)) => {
                    own |= executable && is_own_source(file);
                    format!("← {function} ({}:{line})", shown_path(file))
                }
                None => format!("← {function} ({})", self.short_name),
            };
            if let Some(loader) = &self.names {
                if let Ok(mut frames) = loader.find_frames(address) {
                    while let Ok(Some(frame)) = frames.next() {
                        let function = frame
                            .function
                            .as_ref()
                            .and_then(|name| name.demangle().ok())
                            .map(|name| name.into_owned());
                        let place = frame
                            .location
                            .as_ref()
                            .and_then(|location| Some((location.file?, location.line?)));
                        // Line tables alone (`debug = "line-tables-only"`) may
                        // give a place without a function: the symbol names it.
                        let function =
                            function.or_else(|| self.symbol_at(address).map(str::to_owned));
                        if let Some(function) = function {
                            names.push(line(&function, place));
                        }
                    }
                }
            }
            if names.is_empty() {
                let place = self.names.as_ref().and_then(|loader| {
                    let location = loader.find_location(address).ok()??;
                    Some((location.file?, location.line?))
                });
                names.push(match self.symbol_at(address) {
                    Some(name) => line(name, place),
                    None => format!("← {} at {address:#x}", self.short_name),
                });
            }
            (names, own)
        }

        /// The name of the function that holds `address`, from the symbols. Only
        /// a symbol whose function holds the address names it: the nearest one
        /// before it may be another function, when the file's own are not
        /// exported (as in ld.so).
        fn symbol_at(&self, address: u64) -> Option<&str> {
            let after = self
                .symbols
                .partition_point(|(start, ..)| *start <= address);
            self.symbols[..after]
                .iter()
                .rev()
                .find(|(_, end, _)| address < *end)
                .map(|(_, _, name)| name.as_str())
        }
    }

    /// `chain` with each run of four or more functions of Rust's standard
    /// library cut to its first and last: what the program called, and what
    /// called the program, matter more than the library's insides.
    pub(super) fn shortened(chain: Chain) -> Chain {
        let in_std = |line: &String| {
            [" (std/", " (core/", " (alloc/"]
                .iter()
                .any(|place| line.contains(place))
        };
        let mut shortened = Chain::new();
        let mut run: Vec<String> = Vec::new();
        let end_run = |run: &mut Vec<String>, shortened: &mut Chain| {
            if run.len() >= 4 {
                let left_out = run.len() - 2;
                shortened.push(run[0].clone());
                shortened.push(format!(
                    "← … ({left_out} functions of Rust's standard library)"
                ));
                shortened.push(run[run.len() - 1].clone());
            } else {
                shortened.append(run);
            }
            run.clear();
        };
        for line in chain {
            if in_std(&line) {
                run.push(line);
            } else {
                end_run(&mut run, &mut shortened);
                shortened.push(line);
            }
        }
        end_run(&mut run, &mut shortened);
        shortened
    }

    /// Whether a source file is the program's own, not Rust's standard library
    /// or a crate the program depends on.
    pub(super) fn is_own_source(file: &str) -> bool {
        rust_library_path(file).is_none() && crate_path(file).is_none()
    }

    /// A file of Rust's standard library (`std`, `core`, `alloc`...) from its
    /// crate's folder on. rustup's toolchains were built under
    /// `/rustc/COMMIT/library/`, Debian's under `/usr/src/rustc-VERSION/library/`.
    fn rust_library_path(file: &str) -> Option<&str> {
        let (before, path) = file.split_once("/library/")?;
        (before.starts_with("/rustc/") || before.contains("/rustc-")).then_some(path)
    }

    /// A file of a crate the program depends on, from its crate's folder on:
    /// Cargo's registry and git checkouts, Debian's packaged crates, and a
    /// `vendor` folder (`cargo vendor`).
    fn crate_path(file: &str) -> Option<&str> {
        // Each folder, and how many folders under it come before the crate's.
        let folders = [
            ("/.cargo/registry/src/", 1),
            ("/.cargo/git/checkouts/", 0),
            ("/usr/share/cargo/registry/", 0),
            ("/vendor/", 0),
        ];
        let (mut path, skipped) = folders
            .iter()
            .find_map(|(folder, skipped)| Some((file.split_once(folder)?.1, *skipped)))?;
        for _ in 0..skipped {
            path = path.split_once('/')?.1;
        }
        Some(path)
    }

    /// A source file as the chain shows it: the standard library's and the
    /// registry's from their crate's folder on, the program's relative to the
    /// current directory when it is in it.
    pub(super) fn shown_path(file: &str) -> String {
        if let Some(path) = rust_library_path(file).or_else(|| crate_path(file)) {
            return path.to_owned();
        }
        if let Ok(here) = std::env::current_dir() {
            if let Ok(relative) = Path::new(file).strip_prefix(&here) {
                return relative.display().to_string();
            }
        }
        file.to_owned()
    }

    /// The stack and instruction pointers of the thread as it entered the
    /// syscall: the last two fields of `/proc/TID/syscall`. The frame pointer
    /// is not known.
    fn proc_registers(tid: u32) -> Result<Registers, String> {
        let text = std::fs::read_to_string(format!("/proc/{tid}/syscall"))
            .map_err(|err| format!("cannot read /proc/{tid}/syscall: {err}"))?;
        let fields: Vec<&str> = text.split_whitespace().collect();
        let hex = |field: &str| u64::from_str_radix(field.trim_start_matches("0x"), 16).ok();
        match fields.as_slice() {
            [.., sp, pc] if fields.len() == 9 => hex(sp).zip(hex(pc)),
            _ => None,
        }
        .map(|(stack_pointer, instruction_pointer)| Registers {
            instruction_pointer,
            stack_pointer,
            frame_pointer: UNKNOWN,
            link_register: UNKNOWN,
        })
        .ok_or_else(|| format!("the thread is not in a syscall: {}", text.trim()))
    }

    /// The file-backed executable mappings of the thread's process, and the
    /// highest address mapped at all (the stack's end, usually).
    fn mappings(tid: u32) -> Result<(Vec<Mapping>, u64), String> {
        let text = std::fs::read_to_string(format!("/proc/{tid}/maps"))
            .map_err(|err| format!("cannot read /proc/{tid}/maps: {err}"))?;
        let mut highest_address = 0;
        let mut mappings = Vec::new();
        for line in text.lines() {
            // START-END PERMISSIONS OFFSET DEVICE INODE, then the path, which
            // may hold spaces: the rest of the line.
            let mut rest = line;
            let mut fields = [""; 5];
            for field in &mut fields {
                let trimmed = rest.trim_start();
                let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
                (*field, rest) = trimmed.split_at(end);
            }
            let [range, permissions, offset, _, _] = fields;
            let path = rest.trim_start();
            let hex = |field: &str| u64::from_str_radix(field, 16).ok();
            let Some((Some(start), Some(end))) = range
                .split_once('-')
                .map(|(start, end)| (hex(start), hex(end)))
            else {
                continue;
            };
            highest_address = highest_address.max(end);
            // A file deleted since it was mapped cannot be read by its name.
            let readable = path.starts_with('/') && !path.ends_with(" (deleted)");
            if let (true, true, Some(offset)) = (permissions.contains('x'), readable, hex(offset)) {
                mappings.push(Mapping {
                    addresses: start..end,
                    offset,
                    path: PathBuf::from(path),
                });
            }
        }
        Ok((mappings, highest_address))
    }

    /// One word of the thread's memory.
    fn read_word(tid: u32, address: u64) -> Result<u64, ()> {
        let mut word = [0u8; 8];
        match read_memory(tid, address, &mut word) {
            Some(8) => Ok(u64::from_ne_bytes(word)),
            _ => Err(()),
        }
    }

    /// Reads the thread's memory at `address` into `buffer`: how many bytes.
    fn read_memory(tid: u32, address: u64, buffer: &mut [u8]) -> Option<usize> {
        let remote = [RemoteIoVec {
            base: usize::try_from(address).ok()?,
            len: buffer.len(),
        }];
        let pid = Pid::from_raw(i32::try_from(tid).ok()?);
        process_vm_readv(pid, &mut [IoSliceMut::new(buffer)], &remote).ok()
    }

    /// The size of a memory page, which mappings are aligned to.
    fn page_size() -> u64 {
        nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
            .ok()
            .flatten()
            .and_then(|size| u64::try_from(size).ok())
            .unwrap_or(4096)
    }
}
