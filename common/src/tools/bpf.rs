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
//! named after its seccomp action (`ret KILL_PROCESS`, `ret ERRNO(1)`). An
//! instruction the kernel refuses in a seccomp filter is shown as invalid, with
//! its raw fields and the reason as its comment
//! (`invalid code 0x0028 jt 0 jf 0 k 0xc  ; ldh [12]: seccomp loads only 32-bit words`). A comment
//! says what the accumulator holds after a load and names the architecture or
//! syscall a jump compares it with; to know that, the disassembler follows what
//! each instruction loads along every path (BPF only jumps forward, so one pass in
//! order sees every path into an instruction before the instruction itself).

use std::ffi::CStr;

use libseccomp_sys as sys;

pub use crate::kernel::{arch_name, instructions, native_arch, Instruction, INSTRUCTION_SIZE};

/// The bit that marks an x32 syscall number on x86_64 (`__X32_SYSCALL_BIT`).
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// Set in an `AUDIT_ARCH_*` token when the architecture is little-endian.
const AUDIT_ARCH_LE: u32 = 0x4000_0000;

impl Instruction {
    /// The instruction in `bpf_asm` syntax, with jump targets as absolute
    /// instruction numbers given that the instruction is number `index`; an
    /// instruction the kernel refuses in a seccomp filter (see [`Self::refusal`])
    /// is `invalid code 0x0028 jt 0 jf 0 k 0xc`, its raw fields.
    pub fn text(&self, index: usize) -> String {
        match (self.refusal(), self.classic_text(index)) {
            (None, Some(text)) => text,
            _ => format!(
                "invalid code {:#06x} jt {} jf {} k {:#x}",
                self.code, self.jt, self.jf, self.k
            ),
        }
    }

    /// The instruction in `bpf_asm` syntax for every opcode of classic BPF
    /// (those the kernel's `bpf_check_classic` knows, and `ret x`), whether or not
    /// seccomp accepts it; `None` for a code that is no classic BPF instruction.
    /// Every bit of the 16-bit code counts: `0x08` is not `ld #k` with a stray bit.
    fn classic_text(&self, index: usize) -> Option<String> {
        let k = self.k;
        let target = |offset: u32| index as u64 + 1 + u64::from(offset);
        Some(match self.code {
            opcode::LD_IMM => format!("ld #{k:#x}"),
            opcode::LDX_IMM => format!("ldx #{k:#x}"),
            opcode::LD_ABS => format!("ld [{k}]"),
            0x28 => format!("ldh [{k}]"),
            0x30 => format!("ldb [{k}]"),
            0x40 => format!("ld [x + {k}]"),
            0x48 => format!("ldh [x + {k}]"),
            0x50 => format!("ldb [x + {k}]"),
            opcode::LD_MEM => format!("ld M[{k}]"),
            opcode::LDX_MEM => format!("ldx M[{k}]"),
            opcode::LD_LEN => "ld #len".to_owned(),
            opcode::LDX_LEN => "ldx #len".to_owned(),
            0xb1 => format!("ldxb 4*([{k}]&0xf)"),
            opcode::ST => format!("st M[{k}]"),
            opcode::STX => format!("stx M[{k}]"),
            opcode::TAX => "tax".to_owned(),
            opcode::TXA => "txa".to_owned(),
            opcode::RET_K => format!("ret {}", action_name(k)),
            0x0e => "ret x".to_owned(),
            opcode::RET_A => "ret a".to_owned(),
            opcode::JA => format!("ja {}", target(k)),
            opcode::NEG => "neg".to_owned(),
            code if code & CLASS == ALU && code <= 0xff => {
                format!("{} {}", alu_name(code)?, self.operand())
            }
            code if code & CLASS == JMP && code <= 0xff => format!(
                "{} {} jt {} jf {}",
                jump_name(code)?,
                self.operand(),
                target(u32::from(self.jt)),
                target(u32::from(self.jf))
            ),
            _ => return None,
        })
    }

    /// Why the kernel refuses this instruction in a seccomp filter, wherever it
    /// stands, or `None` when it accepts it. The kernel accepts exactly what
    /// `bpf_check_classic` and then `seccomp_check_filter` (kernel/seccomp.c) let
    /// through: `ld [k]` inside `struct seccomp_data` on a 32-bit boundary,
    /// `ld`/`ldx #len`, `ld`/`ldx #k`, `ld`/`ldx M[k]`, `st`/`stx M[k]` (k < 16),
    /// `tax`, `txa`, the ALU operations but `mod` (`neg` without an operand, no
    /// division by the constant 0, no shift by 32 or more), `ja`, `jeq`, `jgt`,
    /// `jge`, `jset`, `ret #k` and `ret a`. What a jump's target or the last
    /// instruction must be is a matter of the whole program
    /// ([`crate::tools::simulate::check`]).
    pub fn refusal(&self) -> Option<String> {
        let k = self.k;
        let why = match self.code {
            opcode::LD_ABS if k >= SECCOMP_DATA_SIZE => "past the end of seccomp_data (64 bytes)",
            opcode::LD_ABS if k % 4 != 0 => "not on a 32-bit boundary",
            opcode::LD_MEM | opcode::LDX_MEM | opcode::ST | opcode::STX if k >= MEMORY_CELLS => {
                "M[] has 16 cells, M[0] to M[15]"
            }
            opcode::DIV_K if k == 0 => "a division by zero",
            opcode::LSH_K | opcode::RSH_K if k >= 32 => "a shift by 32 bits or more",
            opcode::LD_IMM
            | opcode::LDX_IMM
            | opcode::LD_ABS
            | opcode::LD_MEM
            | opcode::LDX_MEM
            | opcode::LD_LEN
            | opcode::LDX_LEN
            | opcode::ST
            | opcode::STX
            | opcode::TAX
            | opcode::TXA
            | opcode::RET_K
            | opcode::RET_A
            | opcode::JA
            | opcode::NEG => return None,
            0x28 | 0x30 => "seccomp loads only 32-bit words",
            0x40 | 0x48 | 0x50 => "seccomp has no loads relative to x",
            0xb1 => "seccomp has no packet header loads",
            0x94 | 0x9c => "seccomp has no mod",
            0x0e => "the kernel has no ret x",
            code if is_alu_or_jump(code) => return None,
            _ => return Some("no such opcode".to_owned()),
        };
        let text = self
            .classic_text(0)
            .expect("every opcode named above is classic BPF");
        Some(format!("{text}: {why}"))
    }

    /// The second operand of an ALU operation or a jump: `#k` or `x`.
    fn operand(&self) -> String {
        if self.code & SRC == SRC_X {
            "x".to_owned()
        } else {
            format!("#{:#x}", self.k)
        }
    }

    /// The instructions that may run after this one, numbered from 0.
    fn successors(&self, index: usize) -> Vec<(usize, Branch)> {
        let next = index + 1;
        match self.code {
            opcode::RET_K | opcode::RET_A => Vec::new(),
            opcode::JA => vec![(next + self.k as usize, Branch::Always)],
            code if code & CLASS == JMP => vec![
                (next + usize::from(self.jt), Branch::Taken),
                (next + usize::from(self.jf), Branch::NotTaken),
            ],
            _ => vec![(next, Branch::Always)],
        }
    }
}

/// The size of `struct seccomp_data`, past which a filter cannot load.
pub const SECCOMP_DATA_SIZE: u32 = 64;

/// The cells of the scratch memory `M[]` (`BPF_MEMWORDS`).
pub const MEMORY_CELLS: u32 = 16;

// Opcode fields, from the kernel's `<linux/bpf_common.h>` and `<linux/filter.h>`.
/// The instruction class (`BPF_CLASS`).
pub(crate) const CLASS: u16 = 0x07;
/// The class of ALU operations (`BPF_ALU`).
pub(crate) const ALU: u16 = 0x04;
/// The class of jumps (`BPF_JMP`).
pub(crate) const JMP: u16 = 0x05;
/// The operation of an ALU instruction or a jump (`BPF_OP`).
pub(crate) const OP: u16 = 0xf0;
/// Where the second operand comes from (`BPF_SRC`).
pub(crate) const SRC: u16 = 0x08;
/// The second operand is X, not the constant k (`BPF_X`).
pub(crate) const SRC_X: u16 = 0x08;

/// Whole opcodes of the instructions seccomp accepts that are not an ALU
/// operation or a conditional jump, as `<linux/filter.h>` builds them.
pub(crate) mod opcode {
    /// `ld #k`: `BPF_LD | BPF_W | BPF_IMM`.
    pub const LD_IMM: u16 = 0x00;
    /// `ldx #k`: `BPF_LDX | BPF_W | BPF_IMM`.
    pub const LDX_IMM: u16 = 0x01;
    /// `ld [k]`: `BPF_LD | BPF_W | BPF_ABS`, a word of `seccomp_data`.
    pub const LD_ABS: u16 = 0x20;
    /// `ld M[k]`: `BPF_LD | BPF_MEM`.
    pub const LD_MEM: u16 = 0x60;
    /// `ldx M[k]`: `BPF_LDX | BPF_MEM`.
    pub const LDX_MEM: u16 = 0x61;
    /// `ld #len`: `BPF_LD | BPF_W | BPF_LEN`, the size of `seccomp_data`.
    pub const LD_LEN: u16 = 0x80;
    /// `ldx #len`: `BPF_LDX | BPF_W | BPF_LEN`.
    pub const LDX_LEN: u16 = 0x81;
    /// `st M[k]`: `BPF_ST`.
    pub const ST: u16 = 0x02;
    /// `stx M[k]`: `BPF_STX`.
    pub const STX: u16 = 0x03;
    /// `tax`: `BPF_MISC | BPF_TAX`.
    pub const TAX: u16 = 0x07;
    /// `txa`: `BPF_MISC | BPF_TXA`.
    pub const TXA: u16 = 0x87;
    /// `ret #k`: `BPF_RET | BPF_K`.
    pub const RET_K: u16 = 0x06;
    /// `ret a`: `BPF_RET | BPF_A`.
    pub const RET_A: u16 = 0x16;
    /// `ja k`: `BPF_JMP | BPF_JA`.
    pub const JA: u16 = 0x05;
    /// `neg`: `BPF_ALU | BPF_NEG`.
    pub const NEG: u16 = 0x84;
    /// `div #k`: `BPF_ALU | BPF_DIV | BPF_K`.
    pub const DIV_K: u16 = 0x34;
    /// `lsh #k`: `BPF_ALU | BPF_LSH | BPF_K`.
    pub const LSH_K: u16 = 0x64;
    /// `rsh #k`: `BPF_ALU | BPF_RSH | BPF_K`.
    pub const RSH_K: u16 = 0x74;
}

/// The `BPF_OP` field of the ALU operations and conditional jumps seccomp accepts.
pub(crate) mod operation {
    /// `A + operand`.
    pub const ADD: u16 = 0x00;
    /// `A - operand`.
    pub const SUB: u16 = 0x10;
    /// `A * operand`.
    pub const MUL: u16 = 0x20;
    /// `A / operand`, unsigned.
    pub const DIV: u16 = 0x30;
    /// `A | operand`.
    pub const OR: u16 = 0x40;
    /// `A & operand`.
    pub const AND: u16 = 0x50;
    /// `A << operand`.
    pub const LSH: u16 = 0x60;
    /// `A >> operand`, unsigned.
    pub const RSH: u16 = 0x70;
    /// `A ^ operand`.
    pub const XOR: u16 = 0xa0;
    /// Jump if `A == operand`.
    pub const JEQ: u16 = 0x10;
    /// Jump if `A > operand`, unsigned.
    pub const JGT: u16 = 0x20;
    /// Jump if `A >= operand`, unsigned.
    pub const JGE: u16 = 0x30;
    /// Jump if `A & operand != 0`.
    pub const JSET: u16 = 0x40;
}

/// Whether `code` is one of classic BPF's ALU operations or conditional jumps,
/// those [`Instruction::classic_text`] names with [`alu_name`] or [`jump_name`]:
/// asked for every jump of a program each time the simulator checks it, so it
/// makes no text.
fn is_alu_or_jump(code: u16) -> bool {
    code <= 0xff
        && match code & CLASS {
            ALU => alu_name(code).is_some(),
            JMP => jump_name(code).is_some(),
            _ => false,
        }
}

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
        0x90 => "mod",
        0xa0 => "xor",
        _ => return None,
    })
}

fn jump_name(code: u16) -> Option<&'static str> {
    Some(match code & OP {
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
    let instructions = instructions(program);
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
        let refusal = insn.refusal();
        let Some(state) = states[index] else {
            lines.push(Line {
                index,
                text,
                comment: Some(refusal.unwrap_or_else(|| "unreachable".to_owned())),
            });
            continue;
        };
        if let Some(reason) = refusal {
            // The kernel refuses the whole program for this instruction, so it has
            // no meaning to follow. The disassembler reads on as if it led to the
            // next instruction (and, in the jump class, to where its jt and jf
            // point), with nothing known about the accumulator: what follows is
            // still reached and commented.
            let after = State {
                holds: Holds::Unknown,
                ..state
            };
            let mut targets = vec![index + 1];
            if insn.code & CLASS == JMP {
                targets.extend([insn.jt, insn.jf].map(|offset| index + 1 + usize::from(offset)));
            }
            for target in targets {
                if let Some(slot) = states.get_mut(target) {
                    *slot = Some(slot.map_or(after, |known| known.merge(after)));
                }
            }
            lines.push(Line {
                index,
                text,
                comment: Some(reason),
            });
            continue;
        }
        let mut after = state;
        let mut comment = None;
        match insn.code {
            opcode::LD_ABS => {
                let little_endian = state.arch.map_or(cfg!(target_endian = "little"), |arch| {
                    arch & AUDIT_ARCH_LE != 0
                });
                after.holds = seccomp_data_at(insn.k, little_endian);
                comment = load_comment(after.holds);
            }
            opcode::LD_IMM | opcode::LD_MEM | opcode::LD_LEN | opcode::TXA => {
                after.holds = Holds::Unknown
            }
            code if code & CLASS == ALU => after.holds = Holds::Unknown,
            code if code & CLASS == JMP && code != opcode::JA && code & SRC != SRC_X => {
                comment = jump_name(code).and_then(|op| compare_comment(op, insn.k, state));
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
                // Only a ret may end a program.
                None if branch == Branch::Always && insn.code != opcode::JA => {
                    comment = Some("the last instruction must be a ret".to_owned())
                }
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
    let mut text: String = listed_lines(program).concat();
    let extra = program.len() % INSTRUCTION_SIZE;
    if extra != 0 {
        text.push_str(&format!(
            "; {extra} trailing bytes are not a whole instruction\n"
        ));
    }
    text
}

/// The lines of [`listing`] for the instructions numbered in `path`, in that
/// order: the same text, comments and alignment as in the whole listing (as
/// `--simulate` prints the path of one syscall through the program).
pub fn path_listing(program: &[u8], path: &[usize]) -> String {
    let lines = listed_lines(program);
    path.iter()
        .filter_map(|&index| lines.get(index))
        .map(String::as_str)
        .collect()
}

/// Each instruction's line of [`listing`], with its newline.
fn listed_lines(program: &[u8]) -> Vec<String> {
    let lines = disassemble(program);
    let width = lines.iter().map(|line| line.text.len()).max().unwrap_or(0);
    lines
        .iter()
        .map(|line| {
            let insn = format!("({:03}) {}", line.index, line.text);
            match &line.comment {
                Some(comment) => format!("{insn:<w$}  ; {comment}\n", w = width + 6),
                None => format!("{insn}\n"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{allow_list_filter, bpf_program, TUTORIAL_ALLOW_LIST};
    use libseccomp::{ScmpAction, ScmpSyscall};

    /// An instruction as `(code, jt, jf, k)`.
    type Raw = (u16, u8, u8, u32);

    /// Builds the bytes of a program from `(code, jt, jf, k)` tuples.
    fn program(instructions: &[Raw]) -> Vec<u8> {
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

    fn insn_is_valid(text: &str) -> bool {
        !text.starts_with("invalid ")
    }

    fn nr(name: &str) -> u32 {
        ScmpSyscall::from_name(name).unwrap().as_raw_syscall() as u32
    }

    /// Every kind of instruction a seccomp filter may hold, in `bpf_asm` syntax.
    #[test]
    fn every_instruction_class_reads_as_bpf_asm() {
        let bytes = program(&[
            (0x20, 0, 0, 4),          // ld [4]
            (0x00, 0, 0, 0x10),       // ld #0x10
            (0x60, 0, 0, 3),          // ld M[3]
            (0x80, 0, 0, 0),          // ld #len
            (0x01, 0, 0, 7),          // ldx #0x7
            (0x61, 0, 0, 1),          // ldx M[1]
            (0x81, 0, 0, 0),          // ldx #len
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
        ]);
        assert_eq!(
            texts(&bytes),
            [
                "ld [4]",
                "ld #0x10",
                "ld M[3]",
                "ld #len",
                "ldx #0x7",
                "ldx M[1]",
                "ldx #len",
                "st M[0]",
                "stx M[15]",
                "add #0x1",
                "sub x",
                "and #0xffff",
                "neg",
                "ja 16",
                "jeq #0xc000003e jt 16 jf 15",
                "jgt x jt 16 jf 16",
                "jge #0x40000000 jt 17 jf 17",
                "jset #0x1 jt 18 jf 18",
                "tax",
                "txa",
                "ret a",
                "ret ALLOW",
                "ret ERRNO(1)",
            ]
        );
        assert!(
            disassemble(&bytes)
                .iter()
                .all(|line| insn_is_valid(&line.text)),
            "{}",
            listing(&bytes)
        );
    }

    /// Every ALU operation seccomp accepts, with a constant and with `x`, and the
    /// forms of jumps and returns the first test leaves out.
    #[test]
    fn every_operation_and_operand_source_reads_as_bpf_asm() {
        // In the kernel's order, BPF_ADD (0x00) to BPF_XOR (0xa0), without
        // BPF_NEG (0x80), which takes no operand, and BPF_MOD (0x90), which
        // seccomp refuses.
        let ops = [
            (0x00, "add"),
            (0x10, "sub"),
            (0x20, "mul"),
            (0x30, "div"),
            (0x40, "or"),
            (0x50, "and"),
            (0x60, "lsh"),
            (0x70, "rsh"),
            (0xa0, "xor"),
        ];
        let mut instructions = Vec::new();
        let mut expected = Vec::new();
        for (op, name) in ops {
            instructions.push((0x04 | op, 0, 0, 3));
            instructions.push((0x04 | op | 0x08, 0, 0, 3));
            expected.extend([format!("{name} #0x3"), format!("{name} x")]);
        }
        // Numbered from 18, after the 18 ALU instructions.
        let rest = [
            ((0x1d, 0, 1, 0), "jeq x jt 19 jf 20"),
            ((0x25, 2, 0, 9), "jgt #0x9 jt 22 jf 20"),
            ((0x4d, 0, 0, 0), "jset x jt 21 jf 21"),
            ((0x3d, 0, 0, 0), "jge x jt 22 jf 22"),
            ((0x06, 0, 0, 0x7fc0_0000), "ret USER_NOTIF"),
        ];
        for (insn, text) in rest {
            instructions.push(insn);
            expected.push(text.to_owned());
        }
        assert_eq!(texts(&program(&instructions)), expected);
    }

    /// The kernel refuses these in a seccomp filter (bpf_check_classic, then
    /// seccomp_check_filter): each is printed as invalid, with its raw fields,
    /// and the comment says why; none makes what follows unreachable.
    #[test]
    fn every_instruction_the_kernel_refuses_reads_as_invalid_with_its_opcode() {
        let refused: &[(Raw, &str)] = &[
            ((0x08, 0, 0, 0), "no such opcode"),
            ((0x69, 0, 0, 1), "no such opcode"),
            ((0x8c, 0, 0, 0), "no such opcode"),
            ((0x0d, 0, 0, 0), "no such opcode"),
            ((0x55, 0, 0, 0), "no such opcode"),
            ((0xb4, 0, 0, 0), "no such opcode"),
            ((0x18, 0, 0, 0), "no such opcode"),
            ((0x106, 0, 0, 0), "no such opcode"),
            ((0xffff, 1, 2, 3), "no such opcode"),
            ((0x0e, 0, 0, 0), "ret x: the kernel has no ret x"),
            (
                (0x28, 0, 0, 12),
                "ldh [12]: seccomp loads only 32-bit words",
            ),
            (
                (0x30, 0, 0, 23),
                "ldb [23]: seccomp loads only 32-bit words",
            ),
            (
                (0x40, 0, 0, 2),
                "ld [x + 2]: seccomp has no loads relative to x",
            ),
            (
                (0x48, 0, 0, 6),
                "ldh [x + 6]: seccomp has no loads relative to x",
            ),
            (
                (0x50, 0, 0, 7),
                "ldb [x + 7]: seccomp has no loads relative to x",
            ),
            (
                (0xb1, 0, 0, 14),
                "ldxb 4*([14]&0xf): seccomp has no packet header loads",
            ),
            ((0x94, 0, 0, 3), "mod #0x3: seccomp has no mod"),
            ((0x9c, 0, 0, 0), "mod x: seccomp has no mod"),
            (
                (0x20, 0, 0, 64),
                "ld [64]: past the end of seccomp_data (64 bytes)",
            ),
            ((0x20, 0, 0, 18), "ld [18]: not on a 32-bit boundary"),
            (
                (0x60, 0, 0, 16),
                "ld M[16]: M[] has 16 cells, M[0] to M[15]",
            ),
            (
                (0x61, 0, 0, 16),
                "ldx M[16]: M[] has 16 cells, M[0] to M[15]",
            ),
            (
                (0x02, 0, 0, 16),
                "st M[16]: M[] has 16 cells, M[0] to M[15]",
            ),
            (
                (0x03, 0, 0, 99),
                "stx M[99]: M[] has 16 cells, M[0] to M[15]",
            ),
            ((0x34, 0, 0, 0), "div #0x0: a division by zero"),
            ((0x64, 0, 0, 32), "lsh #0x20: a shift by 32 bits or more"),
            ((0x74, 0, 0, 40), "rsh #0x28: a shift by 32 bits or more"),
        ];
        for &(insn, reason) in refused {
            // Each refused instruction, then a load whose comment shows that the
            // disassembler read on.
            let bytes = program(&[insn, (0x20, 0, 0, 0), (0x06, 0, 0, 0x7fff_0000)]);
            let lines = disassemble(&bytes);
            let (code, jt, jf, k) = insn;
            assert_eq!(
                lines[0].text,
                format!("invalid code {code:#06x} jt {jt} jf {jf} k {k:#x}")
            );
            assert_eq!(lines[0].comment.as_deref(), Some(reason));
            assert_eq!(
                lines[1].comment.as_deref(),
                Some("A = syscall number"),
                "{}",
                listing(&bytes)
            );
            assert_eq!(lines[2].comment, None, "{}", listing(&bytes));
        }
        let text = listing(&program(&[(0x69, 0, 0, 1), (0x06, 0, 0, 0)]));
        assert_eq!(
            text,
            "(000) invalid code 0x0069 jt 0 jf 0 k 0x1  ; no such opcode\n\
             (001) ret KILL_THREAD\n"
        );
    }

    /// An invalid instruction of the jump class leads on to where its jt and jf
    /// point, as well as to the next instruction.
    #[test]
    fn an_invalid_jump_leaves_its_targets_reachable() {
        let bytes = program(&[
            (0x55, 1, 1, 0),          // 0: no such jump; jt and jf point to 2
            (0x06, 0, 0, 0x7fff0000), // 1: ret ALLOW
            (0x06, 0, 0, 0x80000000), // 2: ret KILL_PROCESS
        ]);
        let comments: Vec<Option<String>> =
            disassemble(&bytes).into_iter().map(|l| l.comment).collect();
        assert_eq!(comments, [Some("no such opcode".to_owned()), None, None]);
    }

    /// A program that ends with another instruction than a ret is pointed out.
    #[test]
    fn a_last_instruction_that_is_no_ret_is_pointed_out() {
        let lines = disassemble(&program(&[(0x20, 0, 0, 0)]));
        assert_eq!(
            lines[0].comment.as_deref(),
            Some("the last instruction must be a ret")
        );
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
            (ScmpAction::Trap, "mprotect", scmp_cmp!($arg2 & 4 == 4)),
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
            "; A = argument 2, low 32 bits",
        ] {
            assert!(text.contains(expected), "{expected}:\n{text}");
        }
        // libseccomp compares the upper halves on 64-bit architectures only; on
        // a 32-bit one an argument has none (and `>= 1 << 32` never holds).
        assert_eq!(
            text.contains("; A = argument 1, high 32 bits"),
            cfg!(target_pointer_width = "64"),
            "{text}"
        );
        for name in ["openat", "ioctl", "mprotect", "kill", "getpid"] {
            assert!(
                text.lines()
                    .any(|line| line.ends_with(&format!("; {name}"))),
                "{name}:\n{text}"
            );
        }
        assert!(
            !text.contains("invalid ") && !text.contains("unreachable"),
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
