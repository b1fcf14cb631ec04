//! `--learn --callers`: for the first call of each syscall `--learn` reports, the
//! chain of functions that made it, from the syscall instruction up through libc
//! to the program's own code, with file and line where the binary has debug
//! information.
//!
//! The supervisor reads this while the calling thread waits for its answer, so
//! the thread's stack cannot change meanwhile:
//!
//! - `/proc/TID/syscall` gives the thread's stack pointer and instruction pointer
//!   as it entered the kernel, and `/proc/TID/maps` which files are mapped where.
//! - Each mapped file's `.eh_frame` (the table a C++ or Rust panic unwinds with)
//!   says, for every instruction, where the caller's return address is; the
//!   `framehop` crate follows it, reading the thread's stack with
//!   `process_vm_readv`.
//! - The `addr2line` crate names each return address: a function and a file and
//!   line from the DWARF debug information, or only a symbol and the file's name
//!   where there is none (libc without its debug package).
//!
//! The kernel shows no other register of a waiting thread, such as the frame
//! pointer (`rbp`). A frame that finds its caller through it (Rust's standard
//! library is built so, and C compiled without optimisation) ends the chain
//! with [`NO_FRAME_POINTER`] instead of a guess; one that has no unwind table
//! with [`NO_UNWIND`]. Only x86_64 is supported: elsewhere each chain says so.
//!
//! Cost: one unwind per syscall the report lists, not per call, and each file's
//! tables are read once per run.

/// The chain printed under a learned syscall: one line per caller, innermost
/// first, each as `← FUNCTION (PLACE)`.
pub type Chain = Vec<String>;

/// The last line of a chain that stops at a frame with no unwind table.
pub const NO_UNWIND: &str = "(no unwind information)";

/// The last line of a chain that stops at a frame that finds its caller through
/// the frame pointer.
pub const NO_FRAME_POINTER: &str =
    "(no unwind information: the next caller is found through the frame pointer, which the kernel does not show)";

#[cfg(target_arch = "x86_64")]
pub use unwind::Callers;

/// On architectures other than x86_64: every chain says it is not supported.
#[cfg(not(target_arch = "x86_64"))]
#[derive(Default)]
pub struct Callers;

#[cfg(not(target_arch = "x86_64"))]
impl Callers {
    /// The chain of the syscall the thread `tid` waits in.
    pub fn of(&mut self, _tid: u32, _arch: libseccomp::ScmpArch) -> Chain {
        vec![format!(
            "(--callers is not supported on {}: only on x86_64)",
            std::env::consts::ARCH
        )]
    }
}

#[cfg(target_arch = "x86_64")]
mod unwind {
    use std::collections::HashMap;
    use std::io::IoSliceMut;
    use std::ops::Range;
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use framehop::x86_64::{CacheX86_64, UnwindRegsX86_64, UnwinderX86_64};
    use framehop::{ExplicitModuleSectionInfo, Module, Unwinder};
    use libseccomp::ScmpArch;
    use nix::sys::uio::{process_vm_readv, RemoteIoVec};
    use nix::unistd::Pid;
    use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol};

    use super::{Chain, NO_FRAME_POINTER, NO_UNWIND};

    /// The most callers a chain shows: enough to reach `main` from any libc
    /// wrapper, few enough to read.
    const MOST_CALLERS: usize = 16;

    /// The frame pointer's value as the unwinder is given it: not known.
    const UNKNOWN: u64 = u64::MAX;

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
    }

    /// One executable mapping of a file in the thread's address space.
    struct Mapping {
        addresses: Range<u64>,
        offset: u64,
        path: PathBuf,
    }

    /// The supervisor's reader of chains: the files it has read so far.
    #[derive(Default)]
    pub struct Callers {
        files: HashMap<PathBuf, Option<MappedFile>>,
    }

    impl Callers {
        /// The chain of the syscall the thread `tid` waits in, made on `arch`.
        pub fn of(&mut self, tid: u32, arch: ScmpArch) -> Chain {
            if arch != ScmpArch::X8664 {
                return vec![format!("(--callers reads only x86_64 calls, not {arch:?})")];
            }
            match self.chain(tid) {
                Ok(chain) => chain,
                Err(why) => vec![format!("({why})")],
            }
        }

        fn chain(&mut self, tid: u32) -> Result<Chain, String> {
            let (stack_pointer, instruction_pointer) = registers(tid)?;
            let mappings = mappings(tid)?;
            let executable = std::fs::read_link(format!("/proc/{tid}/exe")).ok();
            let mut unwinder = UnwinderX86_64::new();
            // Each file's load bias: where it is mapped minus where it says it is.
            let mut biases = Vec::new();
            for mapping in &mappings {
                let Some(file) = self.file(&mapping.path) else {
                    continue;
                };
                let Some(bias) = file.bias(mapping) else {
                    continue;
                };
                biases.push((mapping, bias));
                unwinder.add_module(Module::new(
                    mapping.path.display().to_string(),
                    mapping.addresses.clone(),
                    bias,
                    file.sections.clone(),
                ));
            }
            let mut cache = CacheX86_64::new();
            let mut read_stack = |address: u64| read_word(tid, address);
            // The kernel does not show the frame pointer. The largest address
            // stands for "unknown": a frame that needs it fails to unwind
            // (framehop adds 16 to it, which overflows), instead of following
            // a wrong value or taking 0 for the end of the stack.
            let regs = UnwindRegsX86_64::new(instruction_pointer, stack_pointer, UNKNOWN);
            let mut frames =
                unwinder.iter_frames(instruction_pointer, regs, &mut cache, &mut read_stack);
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
                let Some(&(mapping, bias)) = biases
                    .iter()
                    .find(|(mapping, _)| mapping.addresses.contains(&address))
                else {
                    chain.push(format!("← {NO_UNWIND}"));
                    break;
                };
                let file = self.files[&mapping.path].as_ref().expect("read above");
                let own = executable.as_deref() == Some(mapping.path.as_path());
                let (names, in_own_code) = file.names_at(address - bias, own);
                let at_main = names.iter().any(|name| name.starts_with("← main "));
                chain.extend(names);
                if in_own_code || at_main || chain.len() >= MOST_CALLERS {
                    break;
                }
            }
            if chain.is_empty() {
                chain.push(format!("← {NO_UNWIND}"));
            }
            Ok(chain)
        }

        /// The file at `path`, read on first use; `None` if it cannot be.
        fn file(&mut self, path: &Path) -> Option<&MappedFile> {
            self.files
                .entry(path.to_owned())
                .or_insert_with(|| MappedFile::read(path))
                .as_ref()
        }
    }

    impl MappedFile {
        fn read(path: &Path) -> Option<MappedFile> {
            let data = std::fs::read(path).ok()?;
            let elf = object::File::parse(&*data).ok()?;
            let section = |name: &str| {
                let section = elf.section_by_name(name)?;
                let range = section.address()..section.address() + section.size();
                let bytes: Arc<[u8]> = section.data().ok()?.into();
                Some((range, bytes))
            };
            let (text_svma, text) = section(".text").unzip();
            let (eh_frame_svma, eh_frame) = section(".eh_frame").unzip();
            let (eh_frame_hdr_svma, eh_frame_hdr) = section(".eh_frame_hdr").unzip();
            let got_svma = elf
                .section_by_name(".got")
                .map(|got| got.address()..got.address() + got.size());
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
                    Some((start, start + symbol.size(), name.into_owned()))
                })
                .collect();
            symbols.sort();
            let short_name = path.file_name().map_or_else(
                || path.display().to_string(),
                |name| name.to_string_lossy().into_owned(),
            );
            Some(MappedFile {
                short_name,
                segments,
                sections,
                names: addr2line::Loader::new(path).ok(),
                symbols,
            })
        }

        /// Where this file is mapped minus where it says it is, from the segment
        /// `mapping` maps (its offset is the segment's, rounded down to a page).
        fn bias(&self, mapping: &Mapping) -> Option<u64> {
            let page = 4096;
            let &(offset, address) = self
                .segments
                .iter()
                .find(|(offset, _)| offset / page * page == mapping.offset)?;
            Some(mapping.addresses.start + (offset - mapping.offset) - address)
        }

        /// The lines for the code at `address` (in the file's own addresses):
        /// the functions inlined there, innermost first, then the one they are
        /// in; and whether one of them is the program's own code.
        fn names_at(&self, address: u64, executable: bool) -> (Vec<String>, bool) {
            let mut names = Vec::new();
            let mut own = false;
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
                        let Some(function) = function else { continue };
                        match place {
                            Some((file, line)) => {
                                own |= executable && is_own_source(file);
                                names.push(format!("← {function} ({}:{line})", shown_path(file)));
                            }
                            None => names.push(format!("← {function} ({})", self.short_name)),
                        }
                    }
                }
            }
            if names.is_empty() {
                // Only a symbol whose function holds the address names it: the
                // nearest one before it may be another function, when the
                // file's own are not exported (as in ld.so).
                let after = self
                    .symbols
                    .partition_point(|(start, ..)| *start <= address);
                let symbol = self.symbols[..after]
                    .iter()
                    .rev()
                    .find(|(_, end, _)| address < *end);
                names.push(match symbol {
                    Some((_, _, name)) => format!("← {name} ({})", self.short_name),
                    None => format!("← {} at {address:#x}", self.short_name),
                });
            }
            (names, own)
        }
    }

    /// Whether a source file is the program's own, not Rust's standard library
    /// (built under `/rustc/HASH/`) or a crate from Cargo's registry.
    fn is_own_source(file: &str) -> bool {
        !file.starts_with("/rustc/")
            && !file.contains("/.cargo/registry/")
            && !file.contains("/.cargo/git/")
    }

    /// A source file as the chain shows it: the standard library's and the
    /// registry's from their crate's folder on, the program's relative to the
    /// current directory when it is in it.
    fn shown_path(file: &str) -> String {
        if let Some(rest) = file.strip_prefix("/rustc/") {
            return rest
                .split_once("/library/")
                .map_or(rest, |(_, path)| path)
                .to_owned();
        }
        if let Some((_, rest)) = file.split_once("/.cargo/registry/src/") {
            return rest
                .split_once('/')
                .map_or(rest, |(_, path)| path)
                .to_owned();
        }
        if let Ok(here) = std::env::current_dir() {
            if let Ok(relative) = Path::new(file).strip_prefix(&here) {
                return relative.display().to_string();
            }
        }
        file.to_owned()
    }

    /// The stack and instruction pointers of the thread as it entered the
    /// syscall: the last two fields of `/proc/TID/syscall`.
    fn registers(tid: u32) -> Result<(u64, u64), String> {
        let text = std::fs::read_to_string(format!("/proc/{tid}/syscall"))
            .map_err(|err| format!("cannot read /proc/{tid}/syscall: {err}"))?;
        let fields: Vec<&str> = text.split_whitespace().collect();
        let hex = |field: &str| u64::from_str_radix(field.trim_start_matches("0x"), 16).ok();
        match fields.as_slice() {
            [.., sp, pc] if fields.len() == 9 => hex(sp).zip(hex(pc)),
            _ => None,
        }
        .ok_or_else(|| format!("the thread is not in a syscall: {}", text.trim()))
    }

    /// The file-backed executable mappings of the thread's process.
    fn mappings(tid: u32) -> Result<Vec<Mapping>, String> {
        let text = std::fs::read_to_string(format!("/proc/{tid}/maps"))
            .map_err(|err| format!("cannot read /proc/{tid}/maps: {err}"))?;
        Ok(text
            .lines()
            .filter_map(|line| {
                let mut fields = line.split_whitespace();
                let (start, end) = fields.next()?.split_once('-')?;
                let permissions = fields.next()?;
                let offset = fields.next()?;
                let path = fields.nth(2)?;
                (permissions.contains('x') && path.starts_with('/')).then_some(())?;
                Some(Mapping {
                    addresses: u64::from_str_radix(start, 16).ok()?
                        ..u64::from_str_radix(end, 16).ok()?,
                    offset: u64::from_str_radix(offset, 16).ok()?,
                    path: PathBuf::from(path),
                })
            })
            .collect())
    }

    /// One word of the thread's memory.
    fn read_word(tid: u32, address: u64) -> Result<u64, ()> {
        let mut word = [0u8; 8];
        let remote = [RemoteIoVec {
            base: usize::try_from(address).map_err(|_| ())?,
            len: word.len(),
        }];
        let pid = Pid::from_raw(i32::try_from(tid).map_err(|_| ())?);
        match process_vm_readv(pid, &mut [IoSliceMut::new(&mut word)], &remote) {
            Ok(8) => Ok(u64::from_ne_bytes(word)),
            _ => Err(()),
        }
    }
}
