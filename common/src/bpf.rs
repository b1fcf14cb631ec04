//! A disassembler for the classic BPF programs that seccomp runs.
//!
//! libseccomp turns a filter into a BPF program: an array of 8-byte instructions
//! (`struct sock_filter`: a 16-bit opcode, two 8-bit jump offsets and a 32-bit
//! constant) that the kernel runs on every syscall, over a `struct seccomp_data`
//! (the syscall number at offset 0, the architecture at 4, the instruction pointer
//! at 8, the six arguments from 16). `--print-filter=bpf` shows that program one
//! instruction per line, in the syntax of `tcpdump -d` and the kernel's `bpf_asm`:
//!
//! ```text
//! (000) ld [4]                      ; A = architecture
//! (001) jeq #0xc000003e jt 2 jf 17  ; x86_64
//! ```
//!
//! Jump targets are instruction numbers, not offsets, and every return value is
//! named after its seccomp action (`ret KILL_PROCESS`, `ret ERRNO(1)`). A comment
//! says what the accumulator holds after a load and names the architecture or
//! syscall a jump compares it with; to know that, the disassembler follows what
//! each instruction loads along every path (BPF only jumps forward, so one pass in
//! order sees every path into an instruction before the instruction itself).

use std::ffi::CStr;

use libseccomp_sys as sys;

/// The size of one instruction (`struct sock_filter`).
pub const INSTRUCTION_SIZE: usize = 8;

/// The bit that marks an x32 syscall number on x86_64 (`__X32_SYSCALL_BIT`).
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// Set in an `AUDIT_ARCH_*` token when the architecture is little-endian.
const AUDIT_ARCH_LE: u32 = 0x4000_0000;

/// One BPF instruction, as the kernel reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instruction {
    /// The opcode: class, size or operation, mode or source.
    pub code: u16,
    /// Forward jump offset when a conditional jump's test holds.
    pub jt: u8,
    /// Forward jump offset when it does not.
    pub jf: u8,
    /// The constant operand.
    pub k: u32,
}

impl Instruction {
    /// Decodes one instruction from 8 bytes in this machine's byte order, the
    /// order in which the kernel reads them.
    pub fn from_bytes(bytes: [u8; INSTRUCTION_SIZE]) -> Self {
        Instruction {
            code: u16::from_ne_bytes([bytes[0], bytes[1]]),
            jt: bytes[2],
            jf: bytes[3],
            k: u32::from_ne_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        }
    }

    /// The instruction in `bpf_asm` syntax, with jump targets as absolute
    /// instruction numbers given that the instruction is number `index`.
    pub fn text(&self, index: usize) -> String {
        let k = self.k;
        let target = |offset: u32| index as u64 + 1 + u64::from(offset);
        match self.code & CLASS {
            LD | LDX => self.load_text(),
            ST => format!("st M[{k}]"),
            STX => format!("stx M[{k}]"),
            ALU => match alu_name(self.code) {
                Some("neg") => "neg".to_owned(),
                Some(op) => format!("{op} {}", self.operand()),
                None => self.unknown_text(),
            },
            JMP => match jump_name(self.code) {
                Some("ja") => format!("ja {}", target(k)),
                Some(op) => format!(
                    "{op} {} jt {} jf {}",
                    self.operand(),
                    target(u32::from(self.jt)),
                    target(u32::from(self.jf))
                ),
                None => self.unknown_text(),
            },
            RET => match self.code & RVAL {
                RVAL_K => format!("ret {}", action_name(k)),
                RVAL_X => "ret x".to_owned(),
                RVAL_A => "ret a".to_owned(),
                _ => self.unknown_text(),
            },
            _ => match self.code & MISCOP {
                TAX => "tax".to_owned(),
                TXA => "txa".to_owned(),
                _ => self.unknown_text(),
            },
        }
    }

    /// `ld`, `ldh`, `ldb`, `ldx` in their addressing modes.
    fn load_text(&self) -> String {
        let k = self.k;
        let x = if self.code & CLASS == LDX { "x" } else { "" };
        let size = match self.code & SIZE {
            SIZE_W => "",
            SIZE_H => "h",
            SIZE_B => "b",
            _ => return self.unknown_text(),
        };
        match self.code & MODE {
            MODE_IMM => format!("ld{x} #{k:#x}"),
            MODE_ABS if x.is_empty() => format!("ld{size} [{k}]"),
            MODE_IND if x.is_empty() => format!("ld{size} [x + {k}]"),
            MODE_MEM => format!("ld{x} M[{k}]"),
            MODE_LEN => format!("ld{x} #len"),
            MODE_MSH if !x.is_empty() => format!("ldxb 4*([{k}]&0xf)"),
            _ => self.unknown_text(),
        }
    }

    /// The second operand of an ALU operation or a jump: `#k` or `x`.
    fn operand(&self) -> String {
        if self.code & SRC == SRC_X {
            "x".to_owned()
        } else {
            format!("#{:#x}", self.k)
        }
    }

    fn unknown_text(&self) -> String {
        format!(
            ".insn code {:#06x} jt {} jf {} k {:#x}",
            self.code, self.jt, self.jf, self.k
        )
    }

    /// The instructions that may run after this one, numbered from 0.
    fn successors(&self, index: usize) -> Vec<(usize, Branch)> {
        let next = index + 1;
        match self.code & CLASS {
            RET => Vec::new(),
            JMP => match jump_name(self.code) {
                Some("ja") => vec![(next + self.k as usize, Branch::Always)],
                Some(_) => vec![
                    (next + usize::from(self.jt), Branch::Taken),
                    (next + usize::from(self.jf), Branch::NotTaken),
                ],
                None => Vec::new(),
            },
            _ => vec![(next, Branch::Always)],
        }
    }
}

// Opcode fields, from the kernel's `<linux/bpf_common.h>` and `<linux/filter.h>`.
const CLASS: u16 = 0x07;
const LD: u16 = 0x00;
const LDX: u16 = 0x01;
const ST: u16 = 0x02;
const STX: u16 = 0x03;
const ALU: u16 = 0x04;
const JMP: u16 = 0x05;
const RET: u16 = 0x06;
const MISC: u16 = 0x07;
const SIZE: u16 = 0x18;
const SIZE_W: u16 = 0x00;
const SIZE_H: u16 = 0x08;
const SIZE_B: u16 = 0x10;
const MODE: u16 = 0xe0;
const MODE_IMM: u16 = 0x00;
const MODE_ABS: u16 = 0x20;
const MODE_IND: u16 = 0x40;
const MODE_MEM: u16 = 0x60;
const MODE_LEN: u16 = 0x80;
const MODE_MSH: u16 = 0xa0;
const OP: u16 = 0xf0;
const SRC: u16 = 0x08;
const SRC_X: u16 = 0x08;
const RVAL: u16 = 0x18;
const RVAL_K: u16 = 0x00;
const RVAL_X: u16 = 0x08;
const RVAL_A: u16 = 0x10;
const MISCOP: u16 = 0xf8;
const TAX: u16 = 0x00;
const TXA: u16 = 0x80;

fn alu_name(code: u16) -> Option<&'static str> {
    Some(match code & OP {
        0x00 => "add",
        0x10 => "sub",
        0x20 => "mul",
        0x30 => "div",
        0x40 => "or",
        0x50 => "and",
        0x60 => "lsh",
        0x70 => "rsh",
        0x80 => "neg",
        0x90 => "mod",
        0xa0 => "xor",
        _ => return None,
    })
}

fn jump_name(code: u16) -> Option<&'static str> {
    Some(match code & OP {
        0x00 => "ja",
        0x10 => "jeq",
        0x20 => "jgt",
        0x30 => "jge",
        0x40 => "jset",
        _ => return None,
    })
}

/// The seccomp action a filter's return value stands for: `ALLOW`,
/// `KILL_PROCESS`, `ERRNO(1)`, ... (the kernel's `SECCOMP_RET_*` without the prefix,
/// with the data the action carries when there is any).
pub fn action_name(value: u32) -> String {
    let data = value & sys::SECCOMP_RET_DATA;
    let with_data = |name: &str| {
        if data == 0 {
            name.to_owned()
        } else {
            format!("{name}({data})")
        }
    };
    match value & sys::SECCOMP_RET_ACTION_FULL {
        sys::SECCOMP_RET_KILL_PROCESS => "KILL_PROCESS".to_owned(),
        sys::SECCOMP_RET_KILL_THREAD => "KILL_THREAD".to_owned(),
        sys::SECCOMP_RET_TRAP => with_data("TRAP"),
        sys::SECCOMP_RET_ERRNO => format!("ERRNO({data})"),
        sys::SECCOMP_RET_USER_NOTIF => "USER_NOTIF".to_owned(),
        sys::SECCOMP_RET_TRACE => with_data("TRACE"),
        sys::SECCOMP_RET_LOG => "LOG".to_owned(),
        sys::SECCOMP_RET_ALLOW => "ALLOW".to_owned(),
        _ => format!("#{value:#x}"),
    }
}

/// libseccomp's name for the architecture with `AUDIT_ARCH_*` token `token`.
pub fn arch_name(token: u32) -> Option<&'static str> {
    const ARCHES: &[(u32, &str)] = &[
        (sys::SCMP_ARCH_X86, "x86"),
        (sys::SCMP_ARCH_X86_64, "x86_64"),
        (sys::SCMP_ARCH_X32, "x32"),
        (sys::SCMP_ARCH_ARM, "arm"),
        (sys::SCMP_ARCH_AARCH64, "aarch64"),
        (sys::SCMP_ARCH_LOONGARCH64, "loongarch64"),
        (sys::SCMP_ARCH_M68K, "m68k"),
        (sys::SCMP_ARCH_MIPS, "mips"),
        (sys::SCMP_ARCH_MIPS64, "mips64"),
        (sys::SCMP_ARCH_MIPS64N32, "mips64n32"),
        (sys::SCMP_ARCH_MIPSEL, "mipsel"),
        (sys::SCMP_ARCH_MIPSEL64, "mipsel64"),
        (sys::SCMP_ARCH_MIPSEL64N32, "mipsel64n32"),
        (sys::SCMP_ARCH_PPC, "ppc"),
        (sys::SCMP_ARCH_PPC64, "ppc64"),
        (sys::SCMP_ARCH_PPC64LE, "ppc64le"),
        (sys::SCMP_ARCH_S390, "s390"),
        (sys::SCMP_ARCH_S390X, "s390x"),
        (sys::SCMP_ARCH_PARISC, "parisc"),
        (sys::SCMP_ARCH_PARISC64, "parisc64"),
        (sys::SCMP_ARCH_RISCV64, "riscv64"),
        (sys::SCMP_ARCH_SHEB, "sheb"),
        (sys::SCMP_ARCH_SH, "sh"),
    ];
    ARCHES
        .iter()
        .find(|&&(arch, _)| arch == token)
        .map(|&(_, name)| name)
}

/// The `AUDIT_ARCH_*` token of the architecture this program runs on.
pub fn native_arch() -> u32 {
    // SAFETY: a plain query without arguments.
    unsafe { sys::seccomp_arch_native() }
}

/// The name of syscall `nr` on the architecture with token `arch`, from libseccomp.
pub fn syscall_name(arch: u32, nr: i32) -> Option<String> {
    // SAFETY: libseccomp returns NULL or a string it allocated for the caller to free.
    unsafe {
        let name = sys::seccomp_syscall_resolve_num_arch(arch, nr);
        if name.is_null() {
            return None;
        }
        let owned = CStr::from_ptr(name).to_string_lossy().into_owned();
        libc::free(name as *mut libc::c_void);
        Some(owned)
    }
}

/// What the accumulator holds, as far as the disassembler can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    Unknown,
    SyscallNumber,
    Architecture,
    /// A 32-bit half of a 64-bit field of `seccomp_data`.
    Half(Field, Half),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    InstructionPointer,
    Argument(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    Low,
    High,
}

/// What is known on every path into an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    holds: Holds,
    /// The architecture token, once an architecture check has passed.
    arch: Option<u32>,
}

impl State {
    fn merge(self, other: State) -> State {
        State {
            holds: if self.holds == other.holds {
                self.holds
            } else {
                Holds::Unknown
            },
            arch: if self.arch == other.arch {
                self.arch
            } else {
                None
            },
        }
    }
}

/// Which way control leaves an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Branch {
    Always,
    Taken,
    NotTaken,
}

/// What a 32-bit load at `offset` in `struct seccomp_data` reads, on an
/// architecture whose byte order is little-endian when `little_endian`.
fn seccomp_data_at(offset: u32, little_endian: bool) -> Holds {
    let half = |rest: u32| match (rest, little_endian) {
        (0, true) | (4, false) => Half::Low,
        _ => Half::High,
    };
    match offset {
        0 => Holds::SyscallNumber,
        4 => Holds::Architecture,
        8 | 12 => Holds::Half(Field::InstructionPointer, half(offset - 8)),
        16..=63 if offset % 4 == 0 => {
            let rest = offset - 16;
            Holds::Half(Field::Argument(rest / 8), half(rest % 8))
        }
        _ => Holds::Unknown,
    }
}

/// The comment for a load that leaves `holds` in the accumulator.
fn load_comment(holds: Holds) -> Option<String> {
    let half = |half: Half| match half {
        Half::Low => "low",
        Half::High => "high",
    };
    Some(match holds {
        Holds::Unknown => return None,
        Holds::SyscallNumber => "A = syscall number".to_owned(),
        Holds::Architecture => "A = architecture".to_owned(),
        Holds::Half(Field::InstructionPointer, h) => {
            format!("A = instruction pointer, {} 32 bits", half(h))
        }
        Holds::Half(Field::Argument(n), h) => format!("A = argument {n}, {} 32 bits", half(h)),
    })
}

/// The comment for a conditional jump that compares the accumulator, holding
/// `state`, with the constant `k`.
fn compare_comment(op: &str, k: u32, state: State) -> Option<String> {
    match state.holds {
        Holds::Architecture if op == "jeq" => {
            Some(arch_name(k).map_or_else(|| format!("architecture {k:#x}"), str::to_owned))
        }
        Holds::SyscallNumber => {
            let arch = state.arch?;
            // libseccomp's x32 guard, which only x86_64 filters have.
            if arch == sys::SCMP_ARCH_X86_64 {
                match (op, k) {
                    ("jge", X32_SYSCALL_BIT) => {
                        return Some("x32 syscall numbers (bit 30 set)".to_owned())
                    }
                    ("jeq", u32::MAX) => {
                        return Some("-1 (a syscall a tracer skipped), not x32".to_owned())
                    }
                    _ => {}
                }
            }
            let name = syscall_name(arch, k as i32)?;
            Some(match op {
                "jeq" => name,
                _ => format!("{name} ({k})"),
            })
        }
        _ => None,
    }
}

/// One line of a disassembly: an instruction and what the disassembler knows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The instruction's number.
    pub index: usize,
    /// The instruction in `bpf_asm` syntax.
    pub text: String,
    /// What the accumulator holds, or what a jump compares it with.
    pub comment: Option<String>,
}

/// Decodes a BPF program (whole instructions; trailing bytes are left out) and
/// comments each instruction.
pub fn disassemble(program: &[u8]) -> Vec<Line> {
    let instructions: Vec<Instruction> = program
        .chunks_exact(INSTRUCTION_SIZE)
        .map(|bytes| Instruction::from_bytes(bytes.try_into().expect("8-byte chunks")))
        .collect();
    // What is known on entry to each instruction; `None` until a path reaches it.
    let mut states: Vec<Option<State>> = vec![None; instructions.len()];
    if let Some(first) = states.first_mut() {
        *first = Some(State {
            holds: Holds::Unknown,
            arch: None,
        });
    }
    let mut lines = Vec::with_capacity(instructions.len());
    for (index, insn) in instructions.iter().enumerate() {
        let text = insn.text(index);
        let Some(state) = states[index] else {
            lines.push(Line {
                index,
                text,
                comment: Some("unreachable".to_owned()),
            });
            continue;
        };
        let mut after = state;
        let mut comment = None;
        match insn.code & CLASS {
            LD => {
                after.holds = if insn.code & (SIZE | MODE) == (SIZE_W | MODE_ABS) {
                    let little_endian = state.arch.map_or(cfg!(target_endian = "little"), |arch| {
                        arch & AUDIT_ARCH_LE != 0
                    });
                    seccomp_data_at(insn.k, little_endian)
                } else {
                    Holds::Unknown
                };
                comment = load_comment(after.holds);
            }
            ALU => after.holds = Holds::Unknown,
            MISC if insn.code & MISCOP == TXA => after.holds = Holds::Unknown,
            JMP if insn.code & SRC != SRC_X => {
                if let Some(op) = jump_name(insn.code).filter(|&op| op != "ja") {
                    comment = compare_comment(op, insn.k, state);
                }
            }
            _ => {}
        }
        for (target, branch) in insn.successors(index) {
            let mut next = after;
            // Past a passed architecture check, the architecture is known.
            if branch == Branch::Taken
                && state.holds == Holds::Architecture
                && jump_name(insn.code) == Some("jeq")
                && insn.code & SRC != SRC_X
            {
                next.arch = Some(insn.k);
            }
            match states.get_mut(target) {
                Some(slot) => *slot = Some(slot.map_or(next, |known| known.merge(next))),
                None => comment = Some(format!("jumps past the end, to {target}")),
            }
        }
        lines.push(Line {
            index,
            text,
            comment,
        });
    }
    lines
}

/// The disassembly as text, one instruction per line, in the form `tcpdump -d`
/// uses: `(NNN) instruction`, with comments after `;` lined up.
pub fn listing(program: &[u8]) -> String {
    let lines = disassemble(program);
    let width = lines.iter().map(|line| line.text.len()).max().unwrap_or(0);
    let mut text = String::new();
    for line in &lines {
        let insn = format!("({:03}) {}", line.index, line.text);
        match &line.comment {
            Some(comment) => {
                text.push_str(&format!("{insn:<w$}  ; {comment}\n", w = width + 6));
            }
            None => {
                text.push_str(&insn);
                text.push('\n');
            }
        }
    }
    let extra = program.len() % INSTRUCTION_SIZE;
    if extra != 0 {
        text.push_str(&format!(
            "; {extra} trailing bytes are not a whole instruction\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{allow_list_filter, bpf_program, TUTORIAL_ALLOW_LIST};
    use libseccomp::{ScmpAction, ScmpSyscall};

    /// Builds the bytes of a program from `(code, jt, jf, k)` tuples.
    fn program(instructions: &[(u16, u8, u8, u32)]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for &(code, jt, jf, k) in instructions {
            bytes.extend_from_slice(&code.to_ne_bytes());
            bytes.push(jt);
            bytes.push(jf);
            bytes.extend_from_slice(&k.to_ne_bytes());
        }
        bytes
    }

    fn texts(bytes: &[u8]) -> Vec<String> {
        disassemble(bytes)
            .into_iter()
            .map(|line| line.text)
            .collect()
    }

    fn nr(name: &str) -> u32 {
        ScmpSyscall::from_name(name).unwrap().as_raw_syscall() as u32
    }

    #[test]
    fn every_instruction_class_reads_as_bpf_asm() {
        let bytes = program(&[
            (0x20, 0, 0, 4),          // ld [4]
            (0x28, 0, 0, 12),         // ldh [12]
            (0x30, 0, 0, 23),         // ldb [23]
            (0x40, 0, 0, 2),          // ld [x + 2]
            (0x00, 0, 0, 0x10),       // ld #0x10
            (0x60, 0, 0, 3),          // ld M[3]
            (0x80, 0, 0, 0),          // ld #len
            (0x01, 0, 0, 7),          // ldx #0x7
            (0x61, 0, 0, 1),          // ldx M[1]
            (0xb1, 0, 0, 14),         // ldxb 4*([14]&0xf)
            (0x02, 0, 0, 0),          // st M[0]
            (0x03, 0, 0, 15),         // stx M[15]
            (0x04, 0, 0, 1),          // add #0x1
            (0x1c, 0, 0, 0),          // sub x
            (0x54, 0, 0, 0xffff),     // and #0xffff
            (0x84, 0, 0, 0),          // neg
            (0x05, 0, 0, 2),          // ja (+2)
            (0x15, 1, 0, 0xc000003e), // jeq
            (0x2d, 0, 0, 0),          // jgt x
            (0x35, 0, 0, 0x40000000), // jge
            (0x45, 0, 0, 1),          // jset
            (0x07, 0, 0, 0),          // tax
            (0x87, 0, 0, 0),          // txa
            (0x16, 0, 0, 0),          // ret a
            (0x06, 0, 0, 0x7fff0000), // ret ALLOW
            (0x06, 0, 0, 0x00050001), // ret ERRNO(1)
            (0xffff, 1, 2, 3),        // no such opcode
        ]);
        assert_eq!(
            texts(&bytes),
            [
                "ld [4]",
                "ldh [12]",
                "ldb [23]",
                "ld [x + 2]",
                "ld #0x10",
                "ld M[3]",
                "ld #len",
                "ldx #0x7",
                "ldx M[1]",
                "ldxb 4*([14]&0xf)",
                "st M[0]",
                "stx M[15]",
                "add #0x1",
                "sub x",
                "and #0xffff",
                "neg",
                "ja 19",
                "jeq #0xc000003e jt 19 jf 18",
                "jgt x jt 19 jf 19",
                "jge #0x40000000 jt 20 jf 20",
                "jset #0x1 jt 21 jf 21",
                "tax",
                "txa",
                "ret a",
                "ret ALLOW",
                "ret ERRNO(1)",
                ".insn code 0xffff jt 1 jf 2 k 0x3",
            ]
        );
    }

    /// Every ALU operation, with a constant and with `x`, and the forms of loads,
    /// jumps and returns the first test leaves out.
    #[test]
    fn every_operation_and_operand_source_reads_as_bpf_asm() {
        // In the kernel's order, BPF_ADD (0x00) to BPF_XOR (0xa0).
        let ops = [
            "add", "sub", "mul", "div", "or", "and", "lsh", "rsh", "neg", "mod", "xor",
        ];
        let mut instructions = Vec::new();
        let mut expected = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let code = 0x04 | (i as u16) << 4;
            instructions.push((code, 0, 0, 3));
            instructions.push((code | 0x08, 0, 0, 3));
            if *op == "neg" {
                expected.extend(["neg".to_owned(), "neg".to_owned()]);
            } else {
                expected.extend([format!("{op} #0x3"), format!("{op} x")]);
            }
        }
        // Numbered from 22, after the 22 ALU instructions.
        let rest = [
            ((0x48, 0, 0, 6), "ldh [x + 6]"),
            ((0x50, 0, 0, 7), "ldb [x + 7]"),
            ((0x81, 0, 0, 0), "ldx #len"),
            ((0x1d, 0, 1, 0), "jeq x jt 26 jf 27"),
            ((0x25, 2, 0, 9), "jgt #0x9 jt 29 jf 27"),
            ((0x4d, 0, 0, 0), "jset x jt 28 jf 28"),
            ((0x0e, 0, 0, 0), "ret x"),
            ((0x06, 0, 0, 0x7fc0_0000), "ret USER_NOTIF"),
        ];
        for (insn, text) in rest {
            instructions.push(insn);
            expected.push(text.to_owned());
        }
        assert_eq!(texts(&program(&instructions)), expected);
    }

    #[test]
    fn return_values_are_named_after_their_actions() {
        for (value, name) in [
            (0x8000_0000, "KILL_PROCESS"),
            (0x0000_0000, "KILL_THREAD"),
            (0x0003_0000, "TRAP"),
            (0x0003_0005, "TRAP(5)"),
            (0x0005_000d, "ERRNO(13)"),
            (0x7fc0_0000, "USER_NOTIF"),
            (0x7ff0_0002, "TRACE(2)"),
            (0x7ffc_0000, "LOG"),
            (0x7fff_0000, "ALLOW"),
            (0x1234_5678, "#0x12345678"),
        ] {
            assert_eq!(action_name(value), name);
        }
    }

    /// Every action libseccomp can return and the comparisons its argument
    /// checks use, as libseccomp really generates them.
    #[test]
    fn a_libseccomp_filter_with_every_action_reads_back() {
        use libseccomp::{scmp_cmp, ScmpFilterContext};

        let mut filter = ScmpFilterContext::new(ScmpAction::Log).unwrap();
        let rules = [
            (ScmpAction::Errno(13), "openat", scmp_cmp!($arg2 > 5)),
            (
                ScmpAction::Trace(7),
                "ioctl",
                scmp_cmp!($arg1 >= 0x1_0000_0000),
            ),
            (ScmpAction::Trap, "mmap", scmp_cmp!($arg2 & 4 == 4)),
            (ScmpAction::KillThread, "kill", scmp_cmp!($arg0 != 1)),
            (ScmpAction::Notify, "getpid", scmp_cmp!($arg0 < 3)),
        ];
        for (action, name, condition) in rules {
            let syscall = ScmpSyscall::from_name(name).unwrap();
            filter
                .add_rule_conditional(action, syscall, &[condition])
                .unwrap();
        }
        filter.set_act_badarch(ScmpAction::KillProcess).unwrap();
        let text = listing(&bpf_program(&filter).unwrap());
        for expected in [
            "ret ERRNO(13)",
            "ret TRACE(7)",
            "ret TRAP",
            "ret KILL_THREAD",
            "ret USER_NOTIF",
            "ret LOG",
            "ret KILL_PROCESS",
            "jgt #0x5 jt ",
            "jge #0x3 jt ",
            "and #0x4",
            "; A = argument 1, high 32 bits",
            "; A = argument 2, low 32 bits",
        ] {
            assert!(text.contains(expected), "{expected}:\n{text}");
        }
        for name in ["openat", "ioctl", "mmap", "kill", "getpid"] {
            assert!(
                text.lines()
                    .any(|line| line.ends_with(&format!("; {name}"))),
                "{name}:\n{text}"
            );
        }
        assert!(
            !text.contains(".insn") && !text.contains("unreachable"),
            "{text}"
        );
    }

    /// The C tutorial's hand-written filter for step 2 (shortened): the comments
    /// name the architecture and each syscall, computed through libseccomp.
    #[test]
    fn comments_follow_the_accumulator_along_every_path() {
        let arch = native_arch();
        let bytes = program(&[
            (0x20, 0, 0, 4),           // 0: ld [4]
            (0x15, 1, 0, arch),        // 1: jeq arch
            (0x06, 0, 0, 0x80000000),  // 2: ret KILL_PROCESS
            (0x20, 0, 0, 0),           // 3: ld [0]
            (0x15, 2, 0, nr("read")),  // 4: jeq read -> 7
            (0x15, 1, 0, nr("write")), // 5: jeq write -> 7
            (0x06, 0, 0, 0x80000000),  // 6: ret KILL_PROCESS
            (0x06, 0, 0, 0x7fff0000),  // 7: ret ALLOW
            (0x06, 0, 0, 0x7fff0000),  // 8: unreachable
        ]);
        let lines = disassemble(&bytes);
        let comments: Vec<Option<&str>> = lines.iter().map(|l| l.comment.as_deref()).collect();
        assert_eq!(
            comments,
            [
                Some("A = architecture"),
                arch_name(arch),
                None,
                Some("A = syscall number"),
                Some("read"),
                Some("write"),
                None,
                None,
                Some("unreachable"),
            ]
        );
        assert_eq!(lines[1].text, format!("jeq #{arch:#x} jt 3 jf 2"));
    }

    /// Without a passed architecture check, a syscall number has no name: the
    /// same number means different syscalls on different architectures.
    #[test]
    fn syscall_numbers_are_named_only_after_an_architecture_check() {
        let bytes = program(&[
            (0x20, 0, 0, 0),          // ld [0]
            (0x15, 0, 0, nr("read")), // jeq read
            (0x06, 0, 0, 0x7fff0000),
        ]);
        assert_eq!(disassemble(&bytes)[1].comment, None);
    }

    #[test]
    fn loads_of_arguments_say_which_half() {
        let arch = native_arch();
        let little = arch & AUDIT_ARCH_LE != 0;
        let bytes = program(&[
            (0x20, 0, 0, 4),
            (0x15, 0, 3, arch),
            (0x20, 0, 0, 16),
            (0x20, 0, 0, 28),
            (0x20, 0, 0, 8),
            (0x06, 0, 0, 0x7fff0000),
        ]);
        let (low, high) = if little {
            ("low", "high")
        } else {
            ("high", "low")
        };
        let comments: Vec<Option<String>> =
            disassemble(&bytes).into_iter().map(|l| l.comment).collect();
        assert_eq!(
            comments[2].as_deref(),
            Some(&*format!("A = argument 0, {low} 32 bits"))
        );
        assert_eq!(
            comments[3].as_deref(),
            Some(&*format!("A = argument 1, {high} 32 bits"))
        );
        assert_eq!(
            comments[4].as_deref(),
            Some(&*format!("A = instruction pointer, {low} 32 bits"))
        );
    }

    #[test]
    fn a_jump_past_the_end_and_trailing_bytes_are_pointed_out() {
        let mut bytes = program(&[(0x05, 0, 0, 5), (0x06, 0, 0, 0x7fff0000)]);
        bytes.extend_from_slice(&[1, 2, 3]);
        let text = listing(&bytes);
        assert!(text.contains("(000) ja 6"), "{text}");
        assert!(text.contains("; jumps past the end, to 6"), "{text}");
        assert!(
            text.ends_with("; 3 trailing bytes are not a whole instruction\n"),
            "{text}"
        );
    }

    /// What libseccomp generates for the tutorial's allow list, disassembled: the
    /// architecture check comes first, every allowed syscall is named, anything
    /// else is killed, and on x86_64 the x32 guard is there.
    #[test]
    fn a_libseccomp_filter_shows_its_architecture_check_and_allow_list() {
        let filter = allow_list_filter(ScmpAction::KillProcess, TUTORIAL_ALLOW_LIST).unwrap();
        let text = listing(&bpf_program(&filter).unwrap());
        let lines: Vec<&str> = text.lines().collect();
        let arch = native_arch();
        assert!(lines[0].starts_with("(000) ld [4] "), "{text}");
        assert!(lines[0].ends_with("; A = architecture"), "{text}");
        assert!(
            lines[1].starts_with(&format!("(001) jeq #{arch:#x} jt 2 jf ")),
            "{text}"
        );
        assert!(
            lines[1].ends_with(&format!("; {}", arch_name(arch).unwrap())),
            "{text}"
        );
        assert!(text.contains("ret KILL_PROCESS"), "{text}");
        assert!(text.contains("ret ALLOW"), "{text}");
        for name in TUTORIAL_ALLOW_LIST {
            let nr = ScmpSyscall::from_name(name).unwrap().as_raw_syscall();
            if nr >= 0 {
                let jump = format!("jeq #{nr:#x} jt ");
                assert!(
                    text.lines()
                        .any(|l| l.contains(&jump) && l.ends_with(&format!("; {name}"))),
                    "{name} is named:\n{text}"
                );
            }
        }
        if arch == sys::SCMP_ARCH_X86_64 {
            assert!(
                text.contains("jge #0x40000000 jt ")
                    && text.contains("; x32 syscall numbers")
                    && text.contains("; -1 (a syscall a tracer skipped), not x32"),
                "{text}"
            );
        }
    }
}
