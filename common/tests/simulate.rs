//! The simulator against the kernel: each step's filter, and programs that use
//! every instruction seccomp accepts, are loaded in a child process
//! (`filter-calls`), which makes thousands of syscalls under them; the kernel's
//! answer to each must be what `common::tools::simulate` says. And the kernel must load
//! exactly the programs `simulate::check` accepts.
//!
//! So that no generated syscall really runs, every `ret` of a program is
//! rewritten before it is loaded: each action becomes an errno of its own (an
//! `ERRNO(n)` stays), which the kernel hands back as the syscall's result. In
//! front of it a guard allows the calls whose argument 5 is a magic 64-bit
//! value: with those the child writes its answers and exits. The simulator runs
//! the original program, and its action is mapped to an errno the same way.
//!
//! The calls come from a proptest strategy: numbers and arguments from the
//! program's own constants, on and around them, with and without the upper 32
//! bits set, and random ones. A failing batch names its first calls that
//! differ, and its seed is kept in `proptest-regressions/` to be tried first
//! the next time; `PROPTEST_RNG_SEED` sets the seed of a run. (A batch is run
//! in one child: proptest shrinks it only a little, each try a child more.)

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use common::filter::{allow_list_filter, TUTORIAL_ALLOW_LIST};
use common::policy::Policy;
use common::tools::bpf::{self, Instruction};
use common::tools::simulate::{self, SeccompData};
use harness::generated::{runner, sample_size};
use harness::runner::Ending;
use harness::runner::StepRun;
use harness::running::{run, sibling_binary};
use libseccomp::{scmp_cmp, ScmpAction, ScmpFilterContext, ScmpSyscall};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestCaseError;

/// The binary that loads the programs and makes the calls.
fn filter_calls() -> PathBuf {
    sibling_binary("filter-calls")
}

/// Argument 5 of the calls the guard lets through.
const MAGIC: u64 = if cfg!(target_pointer_width = "64") {
    0x5ecc_0a11_7e57_0f1d
} else {
    // A 32-bit architecture's registers have no upper half.
    0x7e57_0f1d
};

/// How many syscalls are made under each step's filter (fewer with `SAMPLE_PERCENT`).
const CALLS_PER_STEP_FILTER: usize = 20_000;

/// How many under each of the programs that exercise one operation.
const CALLS_PER_PROGRAM: usize = 3_000;

const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const ACTION_FULL: u32 = 0xffff_0000;
const DATA: u32 = 0x0000_ffff;
/// The largest errno the kernel hands back; a larger `ERRNO(n)` gives this one.
const MAX_ERRNO: u32 = 4095;

/// The errno each action but `ERRNO` is rewritten to: past every errno Linux
/// defines, and checked against each program's own `ERRNO(n)`.
const ACTION_ERRNOS: [(u32, u32); 7] = [
    (0x8000_0000, 4001), // KILL_PROCESS
    (0x0000_0000, 4002), // KILL_THREAD
    (0x0003_0000, 4003), // TRAP
    (0x7fc0_0000, 4004), // USER_NOTIF
    (0x7ff0_0000, 4005), // TRACE
    (0x7ffc_0000, 4006), // LOG
    (RET_ALLOW, 4007),
];

/// What the kernel makes of `action` for the syscall, once the program is
/// rewritten: minus the errno, or for `ERRNO(0)` a result of 0. An action
/// value the kernel does not know kills the process, as `KILL_PROCESS` does.
fn result_of(action: u32) -> i64 {
    if action & ACTION_FULL == RET_ERRNO {
        return -i64::from((action & DATA).min(MAX_ERRNO));
    }
    let errno = ACTION_ERRNOS
        .iter()
        .find(|&&(known, _)| known == action & ACTION_FULL)
        .map_or(ACTION_ERRNOS[0].1, |&(_, errno)| errno);
    -i64::from(errno)
}

/// `program` with every `ret #k` returning its action's errno, and the guard
/// for the magic argument in front.
fn rewritten(program: &[Instruction]) -> Vec<Instruction> {
    let mut out = guard();
    for insn in program {
        let mut insn = *insn;
        if insn.code == 0x06 {
            if insn.k & ACTION_FULL == RET_ERRNO {
                let errno = insn.k & DATA;
                assert!(
                    ACTION_ERRNOS.iter().all(|&(_, ours)| ours != errno),
                    "the program returns ERRNO({errno}), an errno the test gives an action"
                );
            } else {
                insn.k = RET_ERRNO | (-result_of(insn.k)) as u32;
            }
        }
        out.push(insn);
    }
    out
}

/// Allows a call whose argument 5 is [`MAGIC`]; any other goes on to the
/// program, with A cleared as the kernel clears it before a program.
fn guard() -> Vec<Instruction> {
    let (low, high) = arg_offsets(5);
    vec![
        stmt(0x20, low),                        // 0: ld [arg 5 low]
        jump(0x15, 0, 3, MAGIC as u32),         // 1: -> 2, else 5
        stmt(0x20, high),                       // 2: ld [arg 5 high]
        jump(0x15, 0, 1, (MAGIC >> 32) as u32), // 3: -> 4, else 5
        stmt(0x06, RET_ALLOW),                  // 4: ret ALLOW
        stmt(0x00, 0),                          // 5: ld #0
    ]
}

fn stmt(code: u16, k: u32) -> Instruction {
    jump(code, 0, 0, k)
}

fn jump(code: u16, jt: u8, jf: u8, k: u32) -> Instruction {
    Instruction { code, jt, jf, k }
}

/// Where the low and the high half of argument `i` are in seccomp_data.
fn arg_offsets(i: u32) -> (u32, u32) {
    let at = 16 + 8 * i;
    if cfg!(target_endian = "little") {
        (at, at + 4)
    } else {
        (at + 4, at)
    }
}

fn program_bytes(program: &[Instruction]) -> Vec<u8> {
    let mut bytes = (program.len() as u32).to_ne_bytes().to_vec();
    for insn in program {
        bytes.extend_from_slice(&insn.to_bytes());
    }
    bytes
}

/// Runs `filter-calls calls` with `program` (already rewritten) and `calls`.
fn make_calls(program: &[Instruction], calls: &[SeccompData]) -> StepRun {
    let mut input = MAGIC.to_ne_bytes().to_vec();
    input.extend(program_bytes(program));
    input.extend((calls.len() as u32).to_ne_bytes());
    for call in calls {
        input.extend(call.nr.to_ne_bytes());
        input.extend([0; 4]);
        for arg in call.args {
            input.extend(arg.to_ne_bytes());
        }
    }
    run(filter_calls(), &["calls"], &input)
}

/// What the kernel answered to each of `calls` under `program` (rewritten).
fn kernel_results(program: &[Instruction], calls: &[SeccompData]) -> Vec<i64> {
    let run = make_calls(program, calls);
    assert_eq!(
        run.ending(),
        Ending::Exited(0),
        "filter-calls: {}",
        run.stderr_text()
    );
    assert_eq!(run.stdout.len(), calls.len() * 8, "one result per call");
    run.stdout
        .chunks_exact(8)
        .map(|bytes| i64::from_ne_bytes(bytes.try_into().unwrap()))
        .collect()
}

/// The calls where the kernel's answer differs from what the simulator says of
/// `program` (not rewritten), described for a failure message.
fn mismatches(program: &[Instruction], calls: &[SeccompData], kernel: &[i64]) -> Vec<String> {
    let bytes: Vec<u8> = program.iter().flat_map(|insn| insn.to_bytes()).collect();
    let loaded = simulate::Loaded::load(program).expect("the program passes check");
    calls
        .iter()
        .zip(kernel)
        .filter_map(|(call, &got)| {
            let run = loaded.run(call);
            let expected = result_of(run.action);
            (got != expected).then(|| {
                let name = bpf::syscall_name(call.arch, call.nr)
                    .unwrap_or_else(|| format!("syscall {}", call.nr));
                let args: Vec<String> = call.args.iter().map(|arg| format!("{arg:#x}")).collect();
                format!(
                    "{name}({}): the kernel returned {got}, the simulator says {} ({expected}), through\n{}",
                    args.join(", "),
                    bpf::action_name(run.action),
                    bpf::path_listing(&bytes, &run.path)
                )
            })
        })
        .collect()
}

/// Makes `count` calls under `program` in a child and asserts that the kernel
/// answered each as the simulator says; returns the calls made.
#[track_caller]
fn assert_kernel_agrees(name: &str, program: &[Instruction], count: usize) -> Vec<SeccompData> {
    simulate::check(program).unwrap_or_else(|err| panic!("{name}: {err}"));
    let loaded = rewritten(program);
    simulate::check(&loaded).unwrap_or_else(|err| panic!("{name}, rewritten: {err}"));
    // SAFETY: a query without pointers.
    let outer = match unsafe { libc::prctl(libc::PR_GET_SECCOMP) } {
        2 => " (this test runs under a seccomp filter of its own, a container's or a sandbox's, whose actions can take precedence in the child)",
        _ => "",
    };
    // One batch of calls, run in one child.
    let tried = std::cell::RefCell::new(Vec::new());
    let result = runner(1, file!()).run(&calls(program, count), |calls| {
        let kernel = kernel_results(&loaded, &calls);
        let wrong = mismatches(program, &calls, &kernel);
        if !wrong.is_empty() {
            return Err(TestCaseError::fail(format!(
                "{name}: the kernel and the simulator differ on {} of {} calls{outer}; the first:\n{}",
                wrong.len(),
                calls.len(),
                wrong.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
            )));
        }
        *tried.borrow_mut() = calls;
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    tried.into_inner()
}

/// The syscalls the kernel lets through without running any filter: on
/// x86_64, `uretprobe` and `uprobe` (`seccomp_uprobe_exception` in
/// kernel/seccomp.c of recent kernels), which the kernel installs in a
/// traced program's memory and which end an untraced caller with SIGILL. By
/// number, from arch/x86/entry/syscalls/syscall_64.tbl: libseccomp 2.5 knows
/// neither name. The simulator answers for the filter; for these two the kernel
/// never asks it.
#[cfg(target_arch = "x86_64")]
const UNFILTERED: [i32; 2] = [335, 336];
#[cfg(not(target_arch = "x86_64"))]
const UNFILTERED: [i32; 0] = [];

/// `count` syscalls for `program`: numbers and arguments on and around the
/// program's constants, with and without their upper 32 bits, boundary values
/// and random ones. None has [`MAGIC`] as argument 5, and none is one the
/// kernel does not filter ([`UNFILTERED`]).
fn calls(program: &[Instruction], count: usize) -> impl Strategy<Value = Vec<SeccompData>> {
    let found = Arc::new(Constants::of(program));
    let edges = edge_calls(&found);
    let x32 = 0x4000_0000u32;
    // Each value is chosen by a kind (shrinking to 0: the program's own
    // constants), an index into a list of constants, and a random number: plain
    // values, which proptest makes and shrinks quickly.
    let kind = || 0..10u8;
    let numbers = Arc::clone(&found);
    let nr = (kind(), any::<Index>(), any::<u32>())
        .prop_map(move |(kind, index, random)| {
            let edges = [u32::MAX, 0x8000_0000, 0x7fff_ffff, x32 - 1, x32, x32 + 1];
            (match kind {
                0..=3 => *index.get(&numbers.numbers),
                4 | 5 => random % 1024,
                6 => *index.get(&numbers.numbers) | x32,
                7 => *index.get(&edges),
                _ => random,
            }) as i32
        })
        .prop_filter("the kernel filters it", |nr| !UNFILTERED.contains(nr));
    // Half of an argument: one of the constants the program compares that half
    // with, or (one time in four, or when it has none) one of all its constants.
    let half = |own: &[u32], any: &[u32], which: u8, index: Index| {
        u64::from(if own.is_empty() || which == 0 {
            *index.get(any)
        } else {
            *index.get(own)
        })
    };
    let arg = (
        kind(),
        0..4u8,
        any::<Index>(),
        0..4u8,
        any::<Index>(),
        any::<u64>(),
    );
    let args = [(); 6].map(|_| arg.clone());
    let call = (nr, args).prop_map(move |(nr, args)| {
        let mut values = [0u64; 6];
        for (i, (kind, low_which, low, high_which, high, random)) in args.into_iter().enumerate() {
            let low = half(&found.low[i], &found.any, low_which, low);
            let high = half(&found.high[i], &found.any, high_which, high);
            values[i] = match kind {
                0..=3 => low | high << 32,
                4 | 5 => low | [0, u64::from(u32::MAX), 1, random >> 32][random as usize % 4] << 32,
                6 => random % 16,
                7 => [0, u64::MAX, 1 << 32, 1 << 63, u64::from(u32::MAX)][random as usize % 5],
                _ => random,
            };
        }
        if cfg!(target_pointer_width = "32") {
            // The kernel of a 32-bit architecture passes each 32-bit
            // register with an upper half of 0: no call has another.
            for value in &mut values {
                *value &= u64::from(u32::MAX);
            }
        }
        if values[5] == MAGIC {
            values[5] ^= 1;
        }
        SeccompData::native(nr, values)
    });
    // A rule that compares one argument with one 64-bit value is met by few
    // random calls (one in thousands, for `write` with argument 0 equal to
    // 0x100000001): every such call is added to the batch, so that each
    // return of the program is reached however few calls are generated.
    prop::collection::vec(call, count).prop_map(move |mut calls| {
        calls.extend(edges.iter().cloned());
        calls
    })
}

/// For each syscall number the program compares with, and each argument,
/// every call that sets that argument to a pair of the program's constants
/// for its two halves (the others 0).
fn edge_calls(found: &Constants) -> Vec<SeccompData> {
    let mut calls = Vec::new();
    for &nr in &found.numbers {
        let nr = nr as i32;
        if UNFILTERED.contains(&nr) {
            continue;
        }
        for arg in 0..6 {
            for &low in &found.low[arg] {
                for &high in found.high[arg].iter().chain([&0]) {
                    let mut values = [0u64; 6];
                    values[arg] = u64::from(low) | u64::from(high) << 32;
                    if cfg!(target_pointer_width = "32") {
                        values[arg] &= u64::from(u32::MAX);
                    }
                    if values[5] == MAGIC {
                        continue;
                    }
                    calls.push(SeccompData::native(nr, values));
                }
            }
        }
    }
    calls
}

/// One batch of [`calls`] for `program`, as generated (not shrunk).
fn some_calls(program: &[Instruction], count: usize) -> Vec<SeccompData> {
    let batch = calls(program, count).new_tree(&mut runner(1, file!()));
    batch.expect("a batch of calls").current()
}

/// The constants a program compares with, each with its neighbours (k - 1 and
/// k + 1): by what the comparison loaded last, the syscall number or a half of
/// an argument; and all of them, with a few boundary values.
struct Constants {
    numbers: Vec<u32>,
    low: [Vec<u32>; 6],
    high: [Vec<u32>; 6],
    any: Vec<u32>,
}

impl Constants {
    fn of(program: &[Instruction]) -> Constants {
        let around = |k: u32| [k.wrapping_sub(1), k, k.wrapping_add(1)];
        let mut numbers = BTreeSet::new();
        let mut low: [BTreeSet<u32>; 6] = Default::default();
        let mut high: [BTreeSet<u32>; 6] = Default::default();
        let mut any: BTreeSet<u32> = [0, 1, 2, 31, 32, 33, 0x7fff_ffff, 0x8000_0000, u32::MAX]
            .into_iter()
            .collect();
        // What a comparison compares with is what the last load on the way to it
        // loaded: follow the jumps (they only go forward, so one pass in order
        // sees every way into an instruction before the instruction itself).
        // libseccomp's layout differs between versions and architectures, and
        // the last load above a comparison is not always the one on its path.
        let mut loaded: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); program.len() + 1];
        for (index, insn) in program.iter().enumerate() {
            any.extend(around(insn.k));
            let compares_k = insn.code & 0x07 == 0x05 && insn.code != 0x05 && insn.code & 0x08 == 0;
            let here = loaded[index].clone();
            if compares_k {
                for &offset in &here {
                    match offset {
                        0 => numbers.extend(around(insn.k)),
                        16..=63 => {
                            let arg = ((offset - 16) / 8) as usize;
                            let halves = if arg_offsets(arg as u32).0 == offset {
                                &mut low
                            } else {
                                &mut high
                            };
                            halves[arg].extend(around(insn.k));
                        }
                        _ => {}
                    }
                }
            }
            let after = if insn.code == 0x20 {
                BTreeSet::from([insn.k])
            } else {
                here
            };
            let next = index + 1;
            let successors = match insn.code {
                0x06 | 0x16 => vec![],
                0x05 => vec![next + insn.k as usize],
                code if code & 0x07 == 0x05 => {
                    vec![next + usize::from(insn.jt), next + usize::from(insn.jf)]
                }
                _ => vec![next],
            };
            for successor in successors {
                if let Some(state) = loaded.get_mut(successor) {
                    state.extend(after.iter().copied());
                }
            }
        }
        numbers.extend([0, 1, 2]);
        let vec = |set: BTreeSet<u32>| set.into_iter().collect::<Vec<u32>>();
        Constants {
            numbers: vec(numbers),
            low: low.map(vec),
            high: high.map(vec),
            any: vec(any),
        }
    }
}

/// Asserts that the calls reached every `ret` of `program` that the native
/// architecture can reach (not the one for a foreign architecture, when it
/// returns nothing else).
#[track_caller]
fn assert_every_ret_reached(name: &str, program: &[Instruction], calls: &[SeccompData]) {
    let loaded = simulate::Loaded::load(program).expect("the kernel took this program");
    let reached: BTreeSet<usize> = calls
        .iter()
        .filter_map(|call| loaded.run(call).path.last().copied())
        .collect();
    let foreign = SeccompData {
        arch: bpf::native_arch() ^ 1,
        ..calls[0]
    };
    let foreign_ret = *loaded.run(&foreign).path.last().unwrap();
    for (index, insn) in program.iter().enumerate() {
        if insn.code == 0x06 && !reached.contains(&index) {
            assert_eq!(
                index,
                foreign_ret,
                "{name}: no call reached the ret at {index}, {}; the program:\n{}",
                insn.text(index),
                program
                    .iter()
                    .enumerate()
                    .map(|(i, insn)| insn.text(i) + "\n")
                    .collect::<String>()
            );
        }
    }
}

fn program_of(filter: &ScmpFilterContext) -> Vec<Instruction> {
    simulate::filter_program(filter).expect("libseccomp exports the program")
}

/// Step 2's filter: the tutorial's allow list, kill the rest.
#[test]
fn the_kernel_answers_as_simulated_under_step_2_s_filter() {
    let program =
        program_of(&allow_list_filter(ScmpAction::KillProcess, TUTORIAL_ALLOW_LIST).unwrap());
    let calls = assert_kernel_agrees("step 2", &program, sample_size(CALLS_PER_STEP_FILTER));
    assert_every_ret_reached("step 2", &program, &calls);
}

/// Step 3's filter, trapping, without and with names added by `--allow`, and
/// the user-notification filter of `--learn`.
#[test]
fn the_kernel_answers_as_simulated_under_step_3_s_filters() {
    let found = [
        "clock_nanosleep",
        "nanosleep",
        "clone",
        "sigaltstack",
        "set_robust_list",
        "munmap",
        "rt_sigprocmask",
    ];
    let trap = program_of(&allow_list_filter(ScmpAction::Trap, TUTORIAL_ALLOW_LIST).unwrap());
    let calls = assert_kernel_agrees("step 3", &trap, sample_size(CALLS_PER_STEP_FILTER));
    assert_every_ret_reached("step 3", &trap, &calls);
    let allow_list = [TUTORIAL_ALLOW_LIST, &found].concat();
    let allowing = program_of(&allow_list_filter(ScmpAction::Trap, &allow_list).unwrap());
    let calls = assert_kernel_agrees(
        "step 3 --allow",
        &allowing,
        sample_size(CALLS_PER_STEP_FILTER),
    );
    assert_every_ret_reached("step 3 --allow", &allowing, &calls);
    let learn = program_of(&common::tools::learn::filter_to_print(&[]).unwrap());
    let calls = assert_kernel_agrees("step 3 --learn", &learn, sample_size(CALLS_PER_STEP_FILTER));
    assert_every_ret_reached("step 3 --learn", &learn, &calls);
}

/// Step 4's shipped policy, with its argument checks.
#[test]
fn the_kernel_answers_as_simulated_under_step_4_s_policy() {
    let program = program_of(&Policy::shipped().unwrap().filter().unwrap());
    let calls = assert_kernel_agrees("step 4", &program, sample_size(CALLS_PER_STEP_FILTER));
    assert_every_ret_reached("step 4", &program, &calls);
}

/// A libseccomp filter with every action and every comparison libseccomp
/// compiles, on low and high halves.
#[test]
fn the_kernel_answers_as_simulated_under_every_action_and_comparison() {
    let mut filter = ScmpFilterContext::new(ScmpAction::Log).unwrap();
    let rules = [
        (ScmpAction::Errno(13), "openat", scmp_cmp!($arg2 > 5)),
        (ScmpAction::Errno(1), "openat", scmp_cmp!($arg2 <= 2)),
        (
            ScmpAction::Trace(7),
            "ioctl",
            scmp_cmp!($arg1 >= 0x1_0000_0000),
        ),
        (ScmpAction::Trap, "mprotect", scmp_cmp!($arg2 & 4 == 4)),
        (ScmpAction::KillThread, "kill", scmp_cmp!($arg0 != 1)),
        (ScmpAction::Notify, "getpid", scmp_cmp!($arg0 < 3)),
        (
            ScmpAction::Allow,
            "write",
            scmp_cmp!($arg0 == 0x1_0000_0001),
        ),
        (
            ScmpAction::KillProcess,
            "read",
            scmp_cmp!($arg3 & 0xffff_0000_ffff == 0x1234_0000_5678),
        ),
    ];
    for (action, name, condition) in rules {
        let syscall = ScmpSyscall::from_name(name).unwrap();
        filter
            .add_rule_conditional(action, syscall, &[condition])
            .unwrap();
    }
    let program = program_of(&filter);
    let calls = assert_kernel_agrees("every action", &program, sample_size(CALLS_PER_STEP_FILTER));
    assert_every_ret_reached("every action", &program, &calls);
}

/// Each ALU operation, with a constant and with X taken from argument 1, on A
/// taken from argument 0: the result's bits, 11 at a time, come back as an
/// errno (`ret a`, which is not rewritten).
#[test]
fn the_kernel_computes_as_simulated() {
    let (arg0, _) = arg_offsets(0);
    let (arg1, _) = arg_offsets(1);
    let mut runner = runner(1, file!());
    let mut one = |values: std::ops::RangeInclusive<u32>| {
        values.new_tree(&mut runner).expect("a constant").current()
    };
    // add, sub, mul, div, or, and, lsh, rsh, xor
    for op in [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0] {
        for source in [0x00, 0x08] {
            let k = match op {
                0x60 | 0x70 => one(0..=31),
                _ => one(1..=u32::MAX),
            };
            for window in [0, 11, 22] {
                let mut program = vec![stmt(0x20, arg1)];
                if op == 0x30 {
                    // No division by an X of 0 here: that ends the program (below).
                    program.push(stmt(0x44, 1));
                }
                program.extend([
                    stmt(0x07, 0),               // tax
                    stmt(0x20, arg0),            // ld [arg 0 low]
                    stmt(0x04 | op | source, k), // the operation
                    stmt(0x74, window),          // rsh #window
                    stmt(0x54, 0x7ff),           // and #0x7ff
                    stmt(0x44, RET_ERRNO),       // or ERRNO
                    stmt(0x16, 0),               // ret a
                ]);
                let name = format!("alu {op:#x} {source:#x} >> {window}");
                assert_kernel_agrees(&name, &program, sample_size(CALLS_PER_PROGRAM));
            }
        }
    }
}

/// The jumps with X, and every other instruction seccomp accepts: `ld #len`,
/// `ldx #len`, the scratch memory, `neg`, `tax`, `txa`, `ja`.
#[test]
fn the_kernel_jumps_loads_and_stores_as_simulated() {
    let (arg0, _) = arg_offsets(0);
    let (arg1, _) = arg_offsets(1);
    let jumps = [
        stmt(0x20, arg1),          // 0: ld [arg 1 low]
        stmt(0x07, 0),             // 1: tax
        stmt(0x20, arg0),          // 2: ld [arg 0 low]
        jump(0x1d, 0, 1, 0),       // 3: jeq x -> 4, else 5
        stmt(0x06, RET_ERRNO | 1), // 4
        jump(0x2d, 0, 1, 0),       // 5: jgt x -> 6, else 7
        stmt(0x06, RET_ERRNO | 2), // 6
        jump(0x4d, 0, 1, 0),       // 7: jset x -> 8, else 9
        stmt(0x06, RET_ERRNO | 3), // 8
        jump(0x3d, 1, 0, 0),       // 9: jge x -> 11, else 10
        stmt(0x06, RET_ERRNO | 4), // 10
        stmt(0x06, RET_ERRNO | 5), // 11: never, jge after jgt and jeq
    ];
    let calls = assert_kernel_agrees("jumps with x", &jumps, sample_size(CALLS_PER_PROGRAM));
    let loaded = simulate::Loaded::load(&jumps).unwrap();
    let reached: BTreeSet<u32> = calls.iter().map(|call| loaded.run(call).action).collect();
    assert_eq!(reached.len(), 4, "{reached:x?}");
    let everything = [
        stmt(0x20, arg0),           // 0: ld [arg 0 low]
        stmt(0x02, 3),              // 1: st M[3]
        stmt(0x81, 0),              // 2: ldx #len
        stmt(0x60, 3),              // 3: ld M[3]
        stmt(0x0c, 0),              // 4: add x
        stmt(0x84, 0),              // 5: neg
        stmt(0x07, 0),              // 6: tax
        stmt(0x03, 7),              // 7: stx M[7]
        stmt(0x80, 0),              // 8: ld #len
        stmt(0x61, 7),              // 9: ldx M[7]
        stmt(0x87, 0),              // 10: txa
        stmt(0x05, 1),              // 11: ja 13
        stmt(0x06, RET_ERRNO | 99), // 12: skipped
        stmt(0x54, 0x7ff),          // 13: and #0x7ff
        stmt(0x44, RET_ERRNO),      // 14: or ERRNO
        stmt(0x16, 0),              // 15: ret a
    ];
    assert_kernel_agrees("everything", &everything, sample_size(CALLS_PER_PROGRAM));
}

/// Dividing by an X of 0 ends the program with 0, KILL_THREAD: the one thread
/// of the child dies by SIGSYS at its call. With X = 1 the same program goes on
/// to its `ret`.
#[test]
fn a_division_by_an_x_of_0_kills_as_simulated() {
    let call = [SeccompData::native(0, [0; 6])];
    for (x, expected) in [(0, 0), (1, RET_ALLOW)] {
        let program = [
            stmt(0x01, x),         // ldx #x
            stmt(0x00, 7),         // ld #7
            stmt(0x3c, 0),         // div x
            stmt(0x06, RET_ALLOW), // ret ALLOW
        ];
        let run = simulate::run(&program, &call[0]).unwrap();
        assert_eq!(run.action, expected);
        let child = make_calls(&rewritten(&program), &call);
        if expected == 0 {
            assert!(child.ending().is_sigsys(), "{}", child.ending());
            assert!(child.stdout.is_empty());
        } else {
            assert_eq!(child.ending(), Ending::Exited(0), "{}", child.stderr_text());
            assert_eq!(child.stdout, result_of(expected).to_ne_bytes());
        }
    }
}

/// The comparison can fail: step 2's program with the syscall number of
/// `write` replaced by `getpid`'s, given to the simulator while the kernel runs
/// the real one, differs on those two syscalls, and only on them.
#[test]
fn a_wrong_simulation_is_caught() {
    let nr = |name| ScmpSyscall::from_name(name).unwrap().as_raw_syscall();
    let (write, getpid) = (nr("write"), nr("getpid"));
    let program =
        program_of(&allow_list_filter(ScmpAction::KillProcess, TUTORIAL_ALLOW_LIST).unwrap());
    let mut mutated = program.clone();
    let jeq_write = mutated
        .iter_mut()
        .find(|insn| insn.code == 0x15 && insn.k == write as u32)
        .expect("a jeq for write");
    jeq_write.k = getpid as u32;
    let mut calls = some_calls(&program, 2_000);
    calls.extend([write, getpid].map(|nr| SeccompData::native(nr, [1, 0, 5, 0, 0, 0])));
    let kernel = kernel_results(&rewritten(&program), &calls);
    assert!(mismatches(&program, &calls, &kernel).is_empty());
    let wrong = mismatches(&mutated, &calls, &kernel);
    assert!(!wrong.is_empty());
    let loaded = simulate::Loaded::load(&mutated).unwrap();
    let differing = calls
        .iter()
        .zip(&kernel)
        .filter(|(call, &got)| result_of(loaded.run(call).action) != got);
    for (call, _) in differing {
        assert!(call.nr == write || call.nr == getpid, "{call:?}");
    }
}

/// Runs `filter-calls load` on `programs` and returns the kernel's answer to each.
fn kernel_loads(programs: &[Vec<Instruction>]) -> Vec<i32> {
    let mut input = (programs.len() as u32).to_ne_bytes().to_vec();
    for program in programs {
        input.extend(program_bytes(program));
    }
    let run = run(filter_calls(), &["load"], &input);
    assert_eq!(
        run.ending(),
        Ending::Exited(0),
        "filter-calls: {}",
        run.stderr_text()
    );
    assert_eq!(run.stdout.len(), programs.len() * 4);
    run.stdout
        .chunks_exact(4)
        .map(|bytes| i32::from_ne_bytes(bytes.try_into().unwrap()))
        .collect()
}

/// Every 16-bit opcode, with constants on the kernel's limits, between
/// instructions that set A, X and M[0] so that every program the kernel takes
/// allows every syscall; and programs whose fault is in their shape: length,
/// jumps, the last instruction, a read of M[] before a write. The kernel loads
/// exactly those that `simulate::check` accepts, and refuses the others with
/// EINVAL.
#[test]
fn the_kernel_loads_exactly_the_programs_check_accepts() {
    let ret_allow = stmt(0x06, RET_ALLOW);
    let with = |insn: Instruction| {
        vec![
            stmt(0x00, RET_ALLOW), // ld #ALLOW
            stmt(0x01, 1),         // ldx #1
            stmt(0x02, 0),         // st M[0]
            insn,
            ret_allow,
        ]
    };
    let mut programs = Vec::new();
    // Codes from 0x100 up first: the kernel refuses them all, so no filter has
    // been loaded yet to slow down the many calls.
    for code in (0x100..=0xffff).rev() {
        programs.push(with(stmt(code, 0)));
    }
    let limits = [0, 1, 3, 4, 15, 16, 31, 32, 60, 63, 64, 0xffff_f000];
    for code in 0..0x100u16 {
        for k in limits {
            // A `ret #k` the kernel takes must allow.
            let k = if code == 0x06 {
                RET_ALLOW | k.min(DATA)
            } else {
                k
            };
            programs.push(with(stmt(code, k)));
            programs.push(with(jump(code, 1, 0, k)));
        }
    }
    for k in 0..72 {
        programs.push(vec![stmt(0x20, k), ret_allow]);
    }
    let (a, st) = (stmt(0x00, RET_ALLOW), stmt(0x02, 5));
    let shapes: Vec<Vec<Instruction>> = vec![
        vec![],
        vec![ret_allow; simulate::MAX_INSTRUCTIONS],
        vec![ret_allow; simulate::MAX_INSTRUCTIONS + 1],
        vec![stmt(0x05, 0), ret_allow],
        vec![stmt(0x05, 1), ret_allow],
        vec![jump(0x15, 0, 0, 0), ret_allow],
        vec![jump(0x15, 1, 0, 0), ret_allow],
        vec![jump(0x15, 0, 1, 0), ret_allow],
        vec![stmt(0x00, 0)],
        vec![ret_allow, stmt(0x00, 0)],
        vec![a, stmt(0x16, 0)],
        // M[5] written on one branch only, then read.
        vec![a, jump(0x15, 0, 1, 0), st, stmt(0x60, 5), stmt(0x16, 0)],
        // Written on both branches.
        vec![
            a,
            jump(0x15, 0, 2, 0),
            st,
            stmt(0x05, 1),
            st,
            stmt(0x60, 5),
            stmt(0x16, 0),
        ],
        // Written on the only path to the read, but after the read comes a ret
        // the kernel counts as falling through.
        vec![
            a,
            jump(0x15, 0, 2, 0),
            st,
            stmt(0x05, 1),
            ret_allow,
            stmt(0x60, 5),
            stmt(0x16, 0),
        ],
    ];
    programs.extend(shapes);
    let kernel = kernel_loads(&programs);
    let mut accepted = 0;
    for (program, &answer) in programs.iter().zip(&kernel) {
        let checked = simulate::check(program);
        let listing = || {
            let bytes: Vec<u8> = program.iter().flat_map(|insn| insn.to_bytes()).collect();
            bpf::listing(&bytes)
        };
        match (answer, &checked) {
            (0, Ok(())) => accepted += 1,
            (libc::EINVAL, Err(_)) => {}
            _ => panic!(
                "the kernel answered {answer}, check says {checked:?}, for\n{}",
                listing()
            ),
        }
        // The disassembler calls an instruction invalid where check() does.
        if let Err(simulate::Refused {
            index: Some(index),
            reason,
        }) = &checked
        {
            if program[*index].refusal().is_some() {
                assert!(listing().contains(&format!("; {reason}")), "{}", listing());
            }
        }
    }
    assert!(accepted > 300, "{accepted} programs loaded");
}
