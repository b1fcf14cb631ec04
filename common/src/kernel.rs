//! What the kernel's seccomp interface is made of, as the lesson and the tools
//! both use it: the token of the architecture this program runs on and its
//! name, and the BPF instructions of a filter as the kernel reads them.
//!
//! A filter is an array of 8-byte instructions (`struct sock_filter`: a 16-bit
//! opcode, two 8-bit jump offsets and a 32-bit constant). Step 4 cuts the program
//! libseccomp exports into these, and the disassembler of `--print-filter=bpf`
//! reads them. This module uses no other of the crate.

use libseccomp_sys as sys;

/// The size of one instruction (`struct sock_filter`).
pub const INSTRUCTION_SIZE: usize = 8;

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

    /// The instruction as the kernel's `struct sock_filter`, for loading.
    pub fn to_sock_filter(self) -> libc::sock_filter {
        libc::sock_filter {
            code: self.code,
            jt: self.jt,
            jf: self.jf,
            k: self.k,
        }
    }

    /// The instruction as the 8 bytes the kernel reads, in this machine's byte order.
    pub fn to_bytes(self) -> [u8; INSTRUCTION_SIZE] {
        let mut bytes = [0; INSTRUCTION_SIZE];
        bytes[..2].copy_from_slice(&self.code.to_ne_bytes());
        bytes[2] = self.jt;
        bytes[3] = self.jf;
        bytes[4..].copy_from_slice(&self.k.to_ne_bytes());
        bytes
    }
}

/// Decodes a BPF program into its instructions (whole instructions; trailing
/// bytes are left out).
pub fn instructions(program: &[u8]) -> Vec<Instruction> {
    program
        .chunks_exact(INSTRUCTION_SIZE)
        .map(|bytes| Instruction::from_bytes(bytes.try_into().expect("8-byte chunks")))
        .collect()
}
