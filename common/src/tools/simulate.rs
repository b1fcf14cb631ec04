//! A simulator of seccomp's BPF: what the kernel does with a filter's program when
//! it is loaded, and what it answers for one syscall.
//!
//! `--simulate CALL` ([`crate::tools::print_filter`]) runs one syscall through the exact
//! program a step would load, without loading it. The differential test
//! (`common/tests/simulate.rs`) shows that the simulator answers as the kernel does:
//! it loads the same programs in a child process, makes thousands of syscalls
//! there, and compares each answer with [`run`]'s.
//!
//! When a program is loaded ([`check`]), the kernel runs `bpf_check_classic`
//! (net/core/filter.c) and then `seccomp_check_filter` (kernel/seccomp.c): 1 to
//! 4096 instructions, each one of the few seccomp accepts
//! ([`Instruction::refusal`]), every jump inside the program, a `ret` at the end,
//! and no read of a cell of `M[]` that some path into it has not written.
//!
//! On a syscall ([`run`]) the kernel runs the program over a `struct seccomp_data`
//! ([`SeccompData`]). It converts the classic program to eBPF first, and may
//! compile that to machine code, but that changes nothing a filter can observe:
//! `A` and `X` are 32-bit and start at 0, arithmetic wraps, comparisons are
//! unsigned, a load reads a 32-bit word of `seccomp_data` in the machine's byte
//! order, and a division by an `X` of 0 ends the program with the return value 0
//! (`KILL_THREAD`). What the program returns is the action, with its data.

use std::fmt;

use libseccomp::ScmpFilterContext;

use crate::error::StepError;
use crate::filter::bpf_program;
use crate::tools::bpf::{
    self, opcode, operation, Instruction, ALU, CLASS, JMP, MEMORY_CELLS, OP, SECCOMP_DATA_SIZE,
    SRC, SRC_X,
};

pub use crate::filter::MAX_INSTRUCTIONS;

/// struct seccomp_data as the kernel fills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeccompData {
    /// The syscall number, as the architecture's table numbers it.
    pub nr: i32,
    /// The `AUDIT_ARCH_*` token of the architecture the syscall was made through.
    pub arch: u32,
    /// Where the syscall was made.
    pub instruction_pointer: u64,
    /// The six arguments, as raw 64-bit values.
    pub args: [u64; 6],
}

impl SeccompData {
    /// Syscall `nr` with `args`, made through this machine's native architecture
    /// (from instruction pointer 0, which no filter of the tutorial looks at).
    pub fn native(nr: i32, args: [u64; 6]) -> Self {
        SeccompData {
            nr,
            arch: bpf::native_arch(),
            instruction_pointer: 0,
            args,
        }
    }

    /// The structure's 64 bytes, laid out as the kernel lays them out, in this
    /// machine's byte order: `args[i]`'s low half is at `16 + 8 * i` on a
    /// little-endian machine, its high half there on a big-endian one.
    pub fn to_bytes(&self) -> [u8; SECCOMP_DATA_SIZE as usize] {
        let mut bytes = [0; SECCOMP_DATA_SIZE as usize];
        bytes[0..4].copy_from_slice(&self.nr.to_ne_bytes());
        bytes[4..8].copy_from_slice(&self.arch.to_ne_bytes());
        bytes[8..16].copy_from_slice(&self.instruction_pointer.to_ne_bytes());
        for (i, arg) in self.args.iter().enumerate() {
            bytes[16 + 8 * i..24 + 8 * i].copy_from_slice(&arg.to_ne_bytes());
        }
        bytes
    }
}

/// The 32-bit word at byte `offset` of a seccomp_data's bytes, as `ld [offset]`
/// loads it; [`check`] has made sure that it lies inside the structure, on a
/// word boundary.
fn word(bytes: &[u8; SECCOMP_DATA_SIZE as usize], offset: u32) -> u32 {
    let at = offset as usize;
    u32::from_ne_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// One run of a program over one seccomp_data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The indexes of the instructions passed through, in order, the last one
    /// included (a `ret`, or a division by an `X` of 0).
    pub path: Vec<usize>,
    /// The value the program returned: a `SECCOMP_RET_*` action and its data.
    pub action: u32,
}

/// Why the kernel would refuse a program: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The instruction at fault, counted from 0; `None` when the fault is the
    /// program's length.
    pub index: Option<usize>,
    /// What is wrong, in a few words.
    pub reason: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(index) => write!(f, "instruction {index}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for Refused {}

impl From<Refused> for StepError {
    fn from(refused: Refused) -> StepError {
        StepError::Refused(Box::new(refused))
    }
}

fn refused_at(index: usize, reason: impl Into<String>) -> Refused {
    Refused {
        index: Some(index),
        reason: reason.into(),
    }
}

/// The BPF program libseccomp generates for `filter`, as [`check`] and [`run`]
/// take it: the program a step would load.
pub fn filter_program(filter: &ScmpFilterContext) -> Result<Vec<Instruction>, StepError> {
    Ok(bpf::instructions(&bpf_program(filter)?))
}

/// The kernel's checks when a seccomp filter is loaded (`bpf_check_classic`, then
/// `seccomp_check_filter`): `Ok` when it would accept `program`, otherwise the
/// first fault found. The kernel itself only answers `EINVAL`.
pub fn check(program: &[Instruction]) -> Result<(), Refused> {
    let len = program.len();
    if len == 0 || len > MAX_INSTRUCTIONS {
        return Err(Refused {
            index: None,
            reason: format!("{len} instructions; a program has 1 to {MAX_INSTRUCTIONS}"),
        });
    }
    for (index, insn) in program.iter().enumerate() {
        if let Some(reason) = insn.refusal() {
            return Err(refused_at(index, reason));
        }
        // Jumps only go forward, and must land inside the program: so every
        // program ends, after at most one pass over it.
        // (Offsets in an array, not a Vec: every run checks its program again.)
        let offsets = match insn.code {
            opcode::JA => [Some(insn.k as usize), None],
            code if code & CLASS == JMP => [Some(usize::from(insn.jt)), Some(usize::from(insn.jf))],
            _ => [None, None],
        };
        if let Some(target) = offsets
            .into_iter()
            .flatten()
            .map(|offset| index + 1 + offset)
            .find(|&target| target >= len)
        {
            return Err(refused_at(
                index,
                format!("a jump past the end of the program, to {target}"),
            ));
        }
    }
    if !matches!(program[len - 1].code, opcode::RET_K | opcode::RET_A) {
        return Err(refused_at(len - 1, "the last instruction is not a ret"));
    }
    check_memory(program)
}

/// The kernel's `check_load_and_stores`: a cell of `M[]` may be read only where
/// it has been written on the way. Done exactly as the kernel does it, in one
/// pass in order, approximations included: an instruction a jump leads to knows
/// only the cells written before every jump to it, and one right after a `ret`
/// also counts what was written on the way to that `ret`, as if the `ret` could
/// fall through. A program the kernel refuses this way is refused here too, even
/// where no run could read an unwritten cell; and so every program [`run`] runs
/// reads only cells it wrote.
fn check_memory(program: &[Instruction]) -> Result<(), Refused> {
    let all = u16::MAX;
    // The cells written on every jump to each instruction.
    let mut on_jumps = vec![all; program.len()];
    let mut written: u16 = 0;
    for (index, insn) in program.iter().enumerate() {
        written &= on_jumps[index];
        let cell = 1u16 << (insn.k % MEMORY_CELLS);
        match insn.code {
            opcode::ST | opcode::STX => written |= cell,
            opcode::LD_MEM | opcode::LDX_MEM if written & cell == 0 => {
                return Err(refused_at(
                    index,
                    format!(
                        "{}: M[{}] may not have been written yet",
                        insn.text(index),
                        insn.k
                    ),
                ));
            }
            opcode::JA => {
                on_jumps[index + 1 + insn.k as usize] &= written;
                written = all;
            }
            code if code & CLASS == JMP => {
                on_jumps[index + 1 + usize::from(insn.jt)] &= written;
                on_jumps[index + 1 + usize::from(insn.jf)] &= written;
                written = all;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks `program` as the kernel would when loading it ([`check`]), then runs it
/// over `data` as the kernel does on a syscall, and says which instructions it
/// passed through and what it returned.
pub fn run(program: &[Instruction], data: &SeccompData) -> Result<Run, Refused> {
    Ok(Loaded::load(program)?.run(data))
}

/// A program [`check`] accepted, as the kernel holds a filter once it is loaded:
/// checked once, then run on every syscall without another check.
#[derive(Debug, Clone, Copy)]
pub struct Loaded<'a>(&'a [Instruction]);

impl<'a> Loaded<'a> {
    /// Checks `program` as the kernel does when it loads a filter.
    pub fn load(program: &'a [Instruction]) -> Result<Loaded<'a>, Refused> {
        check(program)?;
        Ok(Loaded(program))
    }

    /// Runs the program over `data` as the kernel does on a syscall, and says
    /// which instructions it passed through and what it returned.
    pub fn run(&self, data: &SeccompData) -> Run {
        interpret(self.0, data)
    }
}

/// The interpreter of [`Loaded::run`], for a program [`check`] accepted.
fn interpret(program: &[Instruction], data: &SeccompData) -> Run {
    // The kernel's translation starts by clearing A and X; M[] needs no
    // clearing, since check() refuses a read of a cell before a write to it.
    let (mut a, mut x) = (0u32, 0u32);
    // The bytes the loads read, laid out once per run as the kernel hands them.
    let bytes = data.to_bytes();
    let mut memory = [0u32; MEMORY_CELLS as usize];
    let mut path = Vec::new();
    let mut index = 0;
    loop {
        let insn = program[index];
        path.push(index);
        let k = insn.k;
        let operand = if insn.code & SRC == SRC_X { x } else { k };
        let mut next = index + 1;
        match insn.code {
            opcode::LD_ABS => a = word(&bytes, k),
            // seccomp turns `#len` into the size of seccomp_data.
            opcode::LD_LEN => a = SECCOMP_DATA_SIZE,
            opcode::LDX_LEN => x = SECCOMP_DATA_SIZE,
            opcode::LD_IMM => a = k,
            opcode::LDX_IMM => x = k,
            opcode::LD_MEM => a = memory[k as usize],
            opcode::LDX_MEM => x = memory[k as usize],
            opcode::ST => memory[k as usize] = a,
            opcode::STX => memory[k as usize] = x,
            opcode::TAX => x = a,
            opcode::TXA => a = x,
            opcode::RET_K => return Run { path, action: k },
            opcode::RET_A => return Run { path, action: a },
            opcode::NEG => a = a.wrapping_neg(),
            opcode::JA => next = index + 1 + k as usize,
            code if code & CLASS == ALU => {
                a = match code & OP {
                    operation::ADD => a.wrapping_add(operand),
                    operation::SUB => a.wrapping_sub(operand),
                    operation::MUL => a.wrapping_mul(operand),
                    // The kernel's translation tests X before dividing by it: a
                    // classic filter that divides by 0 returns 0. (A constant
                    // 0 is refused by check().)
                    operation::DIV if operand == 0 => return Run { path, action: 0 },
                    operation::DIV => a / operand,
                    operation::OR => a | operand,
                    operation::AND => a & operand,
                    operation::XOR => a ^ operand,
                    // A constant shift is below 32 (check()); eBPF's 32-bit
                    // shift by X uses X's low 5 bits, in the interpreter and the
                    // JITs alike.
                    operation::LSH => a << (operand & 31),
                    operation::RSH => a >> (operand & 31),
                    _ => unreachable!("check() accepts no other ALU operation"),
                };
            }
            code if code & CLASS == JMP => {
                let taken = match code & OP {
                    operation::JEQ => a == operand,
                    operation::JGT => a > operand,
                    operation::JGE => a >= operand,
                    operation::JSET => a & operand != 0,
                    _ => unreachable!("check() accepts no other jump"),
                };
                next += usize::from(if taken { insn.jt } else { insn.jf });
            }
            _ => unreachable!("check() accepts no other instruction"),
        }
        index = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{allow_list_filter, TUTORIAL_ALLOW_LIST};
    use libseccomp::{ScmpAction, ScmpSyscall};

    const ALLOW: u32 = 0x7fff_0000;
    const KILL_PROCESS: u32 = 0x8000_0000;
    const ERRNO: u32 = 0x0005_0000;

    fn insn(code: u16, jt: u8, jf: u8, k: u32) -> Instruction {
        Instruction { code, jt, jf, k }
    }

    fn stmt(code: u16, k: u32) -> Instruction {
        insn(code, 0, 0, k)
    }

    fn nr(name: &str) -> i32 {
        ScmpSyscall::from_name(name).unwrap().as_raw_syscall()
    }

    fn action(program: &[Instruction], data: &SeccompData) -> u32 {
        run(program, data).unwrap().action
    }

    fn data_with_args(args: [u64; 6]) -> SeccompData {
        SeccompData::native(0, args)
    }

    fn refusal(program: &[Instruction]) -> Refused {
        check(program).expect_err("the kernel refuses it")
    }

    #[test]
    fn a_program_has_1_to_4096_instructions() {
        assert_eq!(refusal(&[]).index, None);
        let ret = stmt(opcode::RET_K, ALLOW);
        assert!(check(&vec![ret; MAX_INSTRUCTIONS]).is_ok());
        let too_long = refusal(&vec![ret; MAX_INSTRUCTIONS + 1]);
        assert_eq!(
            too_long.to_string(),
            "4097 instructions; a program has 1 to 4096"
        );
    }

    #[test]
    fn an_instruction_seccomp_refuses_is_named_with_its_reason() {
        let err = refusal(&[stmt(0x28, 12), stmt(opcode::RET_K, ALLOW)]);
        assert_eq!(
            err.to_string(),
            "instruction 0: ldh [12]: seccomp loads only 32-bit words"
        );
        let err = refusal(&[stmt(opcode::LD_ABS, 0), stmt(0x0e, 0)]);
        assert_eq!(err, refused_at(1, "ret x: the kernel has no ret x"));
    }

    #[test]
    fn jumps_must_land_inside_the_program_and_it_must_end_with_a_ret() {
        let ret = stmt(opcode::RET_K, ALLOW);
        assert_eq!(
            refusal(&[stmt(opcode::JA, 1), ret]),
            refused_at(0, "a jump past the end of the program, to 2")
        );
        assert!(check(&[stmt(opcode::JA, 0), ret]).is_ok());
        assert_eq!(refusal(&[insn(0x15, 1, 0, 0), ret]).index, Some(0));
        assert_eq!(refusal(&[insn(0x15, 0, 1, 0), ret]).index, Some(0));
        assert!(check(&[insn(0x15, 0, 0, 0), ret]).is_ok());
        assert_eq!(
            refusal(&[ret, stmt(opcode::LD_ABS, 0)]),
            refused_at(1, "the last instruction is not a ret")
        );
        assert!(check(&[stmt(opcode::RET_A, 0)]).is_ok());
    }

    #[test]
    fn a_cell_of_memory_must_be_written_on_every_path_before_it_is_read() {
        let ret_a = stmt(opcode::RET_A, 0);
        // Read before any write.
        assert_eq!(
            refusal(&[stmt(opcode::LD_MEM, 3), ret_a]),
            refused_at(0, "ld M[3]: M[3] may not have been written yet")
        );
        // Written, then read: by A and by X.
        assert!(check(&[stmt(opcode::ST, 3), stmt(opcode::LDX_MEM, 3), ret_a]).is_ok());
        // Written on one branch only.
        let one_branch = [
            insn(0x15, 0, 1, 0),     // 0: jeq #0 -> 1, else 2
            stmt(opcode::STX, 5),    // 1: stx M[5]
            stmt(opcode::LD_MEM, 5), // 2: ld M[5]
            ret_a,
        ];
        assert_eq!(refusal(&one_branch).index, Some(2));
        // Written on both.
        let both_branches = [
            insn(0x15, 0, 2, 0),     // 0: jeq #0 -> 1, else 3
            stmt(opcode::ST, 5),     // 1
            stmt(opcode::JA, 1),     // 2: -> 4
            stmt(opcode::STX, 5),    // 3
            stmt(opcode::LD_MEM, 5), // 4
            ret_a,
        ];
        assert!(check(&both_branches).is_ok());
    }

    /// The kernel's check is not exact, and neither is this one: instruction 4
    /// is only reached from 2, after M[0] was written, but the kernel counts the
    /// `ret` before it as falling through. (The differential test loads this
    /// program to show that the kernel refuses it.)
    #[test]
    fn the_memory_check_counts_a_ret_as_falling_through_as_the_kernel_does() {
        let program = [
            insn(0x15, 0, 2, 0),        // 0: jeq #0 -> 1, else 3
            stmt(opcode::ST, 0),        // 1: st M[0]
            stmt(opcode::JA, 1),        // 2: -> 4
            stmt(opcode::RET_K, ALLOW), // 3
            stmt(opcode::LD_MEM, 0),    // 4: ld M[0]
            stmt(opcode::RET_A, 0),     // 5
        ];
        assert_eq!(refusal(&program).index, Some(4));
    }

    #[test]
    fn loads_read_seccomp_data_in_the_machine_s_byte_order() {
        let data = SeccompData {
            nr: -1,
            arch: 0xc000_003e,
            instruction_pointer: 0x1111_2222_3333_4444,
            args: [
                0x0000_0001_0000_0002,
                0xaaaa_bbbb_cccc_dddd,
                3,
                4,
                5,
                0xffff_ffff_0000_0000,
            ],
        };
        let low_first = cfg!(target_endian = "little");
        let (low, high) = if low_first { (0, 4) } else { (4, 0) };
        for (offset, word) in [
            (0, u32::MAX),
            (4, 0xc000_003e),
            (8 + low, 0x3333_4444),
            (8 + high, 0x1111_2222),
            (16 + low, 2),
            (16 + high, 1),
            (24 + low, 0xcccc_dddd),
            (24 + high, 0xaaaa_bbbb),
            (56 + low, 0),
            (56 + high, 0xffff_ffff),
        ] {
            let program = [stmt(opcode::LD_ABS, offset), stmt(opcode::RET_A, 0)];
            assert_eq!(action(&program, &data), word, "ld [{offset}]");
        }
        let program = [stmt(opcode::LD_LEN, 0), stmt(opcode::RET_A, 0)];
        assert_eq!(action(&program, &data), 64);
    }

    /// Each ALU operation, on A loaded from argument 0 and an operand from
    /// argument 1 (through X) or a constant: 32-bit, wrapping, unsigned.
    #[test]
    fn arithmetic_is_32_bit_wrapping_and_unsigned() {
        let with_x = |op: u16, a: u32, x: u32| {
            let program = [
                stmt(opcode::LD_ABS, 24),
                stmt(opcode::TAX, 0),
                stmt(opcode::LD_ABS, 16),
                stmt(ALU | op | SRC_X, 0),
                stmt(opcode::RET_A, 0),
            ];
            let args = [a.into(), x.into(), 0, 0, 0, 0];
            let low_first = cfg!(target_endian = "little");
            let args = if low_first {
                args
            } else {
                args.map(|arg| arg << 32)
            };
            action(&program, &data_with_args(args))
        };
        let with_k = |op: u16, a: u32, k: u32| {
            let program = [
                stmt(opcode::LD_IMM, a),
                stmt(ALU | op, k),
                stmt(opcode::RET_A, 0),
            ];
            action(&program, &data_with_args([0; 6]))
        };
        for calc in [with_x, with_k] {
            assert_eq!(calc(operation::ADD, u32::MAX, 2), 1);
            assert_eq!(calc(operation::SUB, 1, 2), u32::MAX);
            assert_eq!(calc(operation::MUL, 0x1_0001, 0x1_0001), 0x2_0001);
            assert_eq!(calc(operation::DIV, u32::MAX, 2), 0x7fff_ffff);
            assert_eq!(calc(operation::OR, 0xf0, 0x0f), 0xff);
            assert_eq!(calc(operation::AND, 0xf0, 0x3c), 0x30);
            assert_eq!(calc(operation::XOR, 0xf0, 0x3c), 0xcc);
            assert_eq!(calc(operation::LSH, 0x8000_0001, 1), 2);
            assert_eq!(calc(operation::RSH, 0x8000_0000, 31), 1);
        }
        // By X, a shift uses X's low 5 bits.
        assert_eq!(with_x(operation::LSH, 1, 33), 2);
        assert_eq!(with_x(operation::RSH, 4, 32), 4);
        let neg = [
            stmt(opcode::LD_IMM, 1),
            stmt(opcode::NEG, 0),
            stmt(opcode::RET_A, 0),
        ];
        assert_eq!(action(&neg, &data_with_args([0; 6])), u32::MAX);
    }

    #[test]
    fn a_division_by_an_x_of_0_returns_0_at_once() {
        let program = [
            stmt(opcode::LD_IMM, 7),
            stmt(ALU | operation::DIV | SRC_X, 0),
            stmt(opcode::RET_K, ALLOW),
        ];
        assert_eq!(
            run(&program, &data_with_args([0; 6])).unwrap(),
            Run {
                path: vec![0, 1],
                action: 0
            }
        );
        assert_eq!(bpf::action_name(0), "KILL_THREAD");
    }

    /// Comparisons are unsigned: 0xffffffff is greater than 1.
    #[test]
    fn jumps_compare_unsigned_and_record_the_path() {
        let program = [
            stmt(opcode::LD_IMM, u32::MAX),
            stmt(opcode::LDX_IMM, 1),
            insn(JMP | operation::JGT | SRC_X, 1, 0, 0), // 2: -> 4, else 3
            stmt(opcode::RET_K, ERRNO | 1),              // 3
            insn(JMP | operation::JSET, 0, 1, 0x8000_0000), // 4: -> 5, else 6
            stmt(opcode::RET_K, ERRNO | 2),              // 5
            stmt(opcode::RET_K, ERRNO | 3),              // 6
        ];
        assert_eq!(
            run(&program, &data_with_args([0; 6])).unwrap(),
            Run {
                path: vec![0, 1, 2, 4, 5],
                action: ERRNO | 2
            }
        );
    }

    #[test]
    fn memory_and_register_moves_keep_their_values() {
        let program = [
            stmt(opcode::LD_IMM, 5),
            stmt(opcode::ST, 15),
            stmt(opcode::TAX, 0),
            stmt(opcode::STX, 0),
            stmt(opcode::LD_IMM, 0),
            stmt(opcode::LDX_MEM, 15),
            stmt(opcode::TXA, 0),
            stmt(opcode::LDX_MEM, 0),
            stmt(ALU | operation::ADD | SRC_X, 0),
            stmt(opcode::RET_A, 0),
        ];
        assert_eq!(action(&program, &data_with_args([0; 6])), 10);
    }

    #[test]
    fn a_refused_program_does_not_run() {
        let program = [stmt(0x0e, 0)];
        assert_eq!(
            run(&program, &data_with_args([0; 6])),
            Err(refused_at(0, "ret x: the kernel has no ret x"))
        );
    }

    /// Step 2's filter, as libseccomp builds it: write is allowed, getpid is
    /// killed, and so is write through another architecture or, on x86_64, by
    /// its x32 number.
    #[test]
    fn step_2_s_filter_allows_write_and_kills_the_rest() {
        let filter = allow_list_filter(ScmpAction::KillProcess, TUTORIAL_ALLOW_LIST).unwrap();
        let program = filter_program(&filter).unwrap();
        let write = SeccompData::native(nr("write"), [1, 0, 5, 0, 0, 0]);
        let run_write = run(&program, &write).unwrap();
        assert_eq!(run_write.action, ALLOW);
        assert_eq!(run_write.path[..3], [0, 1, 2]);
        assert_eq!(*run_write.path.last().unwrap(), program.len() - 2);
        let getpid = SeccompData::native(nr("getpid"), [0; 6]);
        assert_eq!(action(&program, &getpid), KILL_PROCESS);
        let foreign = SeccompData {
            arch: bpf::native_arch() ^ 1,
            ..write
        };
        assert_eq!(
            run(&program, &foreign).unwrap().path,
            [0, 1, program.len() - 1]
        );
        assert_eq!(action(&program, &foreign), KILL_PROCESS);
        if bpf::native_arch() == libseccomp_sys::SCMP_ARCH_X86_64 {
            let x32 = SeccompData {
                nr: write.nr | 0x4000_0000,
                ..write
            };
            assert_eq!(action(&program, &x32), KILL_PROCESS);
        }
    }
}
