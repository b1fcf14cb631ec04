//! How the kernel reads each argument whose width step 4's policy knows: the
//! audit behind [`ARGUMENT_WIDTHS`](crate::condition::ARGUMENT_WIDTHS).
//!
//! For each syscall of the table, one entry per argument: the function that
//! finally reads it, with the type it reads it as (Linux 6.x on x86_64, each
//! `SYSCALL_DEFINE` followed through the calls it makes). A `4` is narrowed to a
//! 32-bit type on the way (`int`, `unsigned int`, `pid_t`, `u32`, or
//! `lower_32_bits`), an `8` is used whole (a pointer, `size_t`, `loff_t`,
//! `unsigned long`), and the entry of a `?` says what decides how it is read.
//! `common/tests/widths.rs` checks the table against the running kernel without
//! reading either (it makes each call twice, the second time with `1 << 32`
//! added to the argument), and names the reader of an argument that fails.

/// Per syscall of [`ARGUMENT_WIDTHS`](crate::condition::ARGUMENT_WIDTHS), in its
/// order, the reader of each argument.
#[rustfmt::skip]
pub const ARGUMENT_READERS: &[(&str, &[&str])] = &[
    ("accept", &[
        "__sys_accept4(int fd)",
        "move_addr_to_user(void __user *uaddr)",
        "move_addr_to_user(int __user *ulen)",
    ]),
    ("accept4", &[
        "__sys_accept4(int fd)",
        "move_addr_to_user(void __user *uaddr)",
        "move_addr_to_user(int __user *ulen)",
        "__sys_accept4(int flags)",
    ]),
    ("bind", &[
        "__sys_bind(int fd)",
        "move_addr_to_kernel(void __user *uaddr)",
        "move_addr_to_kernel(int ulen)",
    ]),
    ("brk", &["brk(unsigned long brk)"]),
    ("clock_nanosleep", &[
        "clockid_to_kclock(const clockid_t id)",
        "common_nsleep(int flags)",
        "get_timespec64(const struct __kernel_timespec __user *)",
        "restart_block.nanosleep.rmtp (struct __kernel_timespec __user *)",
    ]),
    ("clone", &[
        "kernel_clone_args.flags = lower_32_bits(clone_flags)",
        "kernel_clone_args.stack (unsigned long newsp)",
        "kernel_clone_args.parent_tid (int __user *)",
        "kernel_clone_args.child_tid (int __user *)",
        "kernel_clone_args.tls (unsigned long)",
    ]),
    ("clone3", &[
        "copy_clone_args_from_user(struct clone_args __user *uargs)",
        "copy_clone_args_from_user(size_t usize)",
    ]),
    ("close", &["file_close_fd(unsigned int fd)"]),
    ("close_range", &[
        "__close_range(unsigned int fd)",
        "__close_range(unsigned int max_fd)",
        "__close_range(unsigned int flags)",
    ]),
    ("connect", &[
        "__sys_connect(int fd)",
        "move_addr_to_kernel(void __user *uaddr)",
        "move_addr_to_kernel(int ulen)",
    ]),
    ("dup", &["fget_raw(unsigned int fd)"]),
    ("dup2", &["ksys_dup3(unsigned int oldfd)", "ksys_dup3(unsigned int newfd)"]),
    ("dup3", &[
        "ksys_dup3(unsigned int oldfd)",
        "ksys_dup3(unsigned int newfd)",
        "ksys_dup3(int flags)",
    ]),
    ("execve", &[
        "getname(const char __user *filename)",
        "do_execve(const char __user *const __user *argv)",
        "do_execve(const char __user *const __user *envp)",
    ]),
    ("exit", &["do_exit((int error_code & 0xff) << 8)"]),
    ("exit_group", &["do_group_exit((int error_code & 0xff) << 8)"]),
    ("fcntl", &[
        "fdget_raw(unsigned int fd)",
        "do_fcntl(unsigned int cmd)",
        "do_fcntl(unsigned long arg), as the command says: an int for F_DUPFD \
         and F_SETOWN, a pointer for F_GETLK, F_SETLK, F_GETOWN_EX, F_SET_RW_HINT",
    ]),
    ("fstat", &["vfs_fstat(int fd)", "cp_new_stat(struct stat __user *statbuf)"]),
    ("futex", &[
        "get_futex_key(u32 __user *uaddr)",
        "do_futex(int op)",
        "do_futex(u32 val)",
        "as the operation says: futex_init_timeout(struct __kernel_timespec __user *) \
         for FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_LOCK_PI; do_futex(u32 val2) for \
         FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP",
        "do_futex(u32 __user *uaddr2)",
        "do_futex(u32 val3)",
    ]),
    ("getdents64", &[
        "fdget_pos(unsigned int fd)",
        "filldir64 into struct linux_dirent64 __user *",
        "getdents64(unsigned int count)",
    ]),
    ("getpid", &[]),
    ("getppid", &[]),
    ("getrandom", &[
        "import_ubuf(char __user *ubuf)",
        "import_ubuf(size_t len)",
        "getrandom(unsigned int flags)",
    ]),
    ("gettid", &[]),
    ("ioctl", &[
        "fdget(unsigned int fd)",
        "do_vfs_ioctl(unsigned int cmd)",
        "f_op->unlocked_ioctl(unsigned long arg), as the command says: a pointer \
         (FIONREAD), a number the driver reads at a width of its own, or nothing",
    ]),
    ("kill", &["kill_something_info(pid_t pid)", "kill_something_info(int sig)"]),
    ("listen", &["__sys_listen(int fd)", "__sys_listen(int backlog)"]),
    ("lseek", &[
        "ksys_lseek(unsigned int fd)",
        "vfs_llseek(loff_t offset)",
        "ksys_lseek(unsigned int whence)",
    ]),
    ("madvise", &[
        "do_madvise(unsigned long start)",
        "do_madvise(size_t len_in)",
        "do_madvise(int behavior)",
    ]),
    ("mmap", &[
        "ksys_mmap_pgoff(unsigned long addr)",
        "ksys_mmap_pgoff(unsigned long len)",
        "do_mmap(unsigned long prot), whose unknown bits calc_vm_prot_bits ignores",
        "do_mmap(unsigned long flags), whose unknown bits it ignores but with \
         MAP_SHARED_VALIDATE",
        "fget(unsigned int fd)",
        "mmap(unsigned long off) >> PAGE_SHIFT",
    ]),
    ("mprotect", &[
        "do_mprotect_pkey(unsigned long start)",
        "do_mprotect_pkey(size_t len)",
        "arch_validate_prot(unsigned long prot)",
    ]),
    ("munmap", &["__vm_munmap(unsigned long start)", "__vm_munmap(size_t len)"]),
    ("nanosleep", &[
        "get_timespec64(const struct __kernel_timespec __user *)",
        "restart_block.nanosleep.rmtp (struct __kernel_timespec __user *)",
    ]),
    ("newfstatat", &[
        "vfs_fstatat(int dfd)",
        "getname_flags(const char __user *filename)",
        "cp_new_stat(struct stat __user *statbuf)",
        "vfs_fstatat(int flags)",
    ]),
    ("openat", &[
        "do_sys_open(int dfd)",
        "getname(const char __user *filename)",
        "build_open_flags(int flags)",
        "build_open_how(umode_t mode): 16 bits, with O_CREAT or O_TMPFILE only",
    ]),
    ("personality", &["personality(unsigned int personality)"]),
    ("prctl", &[
        "prctl(int option)",
        "as the option says: prctl_set_mm(int opt) for PR_SET_MM, \
         sched_core_share_pid(unsigned int cmd) for PR_SCHED_CORE, \
         strncpy_from_user(char __user *) for PR_SET_NAME, valid_signal(unsigned \
         long) for PR_SET_PDEATHSIG",
        "as the option says: prctl_set_mm_exe_file(unsigned int fd) for \
         PR_SET_MM_EXE_FILE, sched_core_share_pid(pid_t pid) for PR_SCHED_CORE, \
         put_user(unsigned int __user *) for PR_SET_MM_MAP_SIZE",
        "as the option says: sched_core_share_pid(enum pid_type type) for \
         PR_SCHED_CORE, prctl_set_mm_map(unsigned long data_size) for PR_SET_MM_MAP",
        "as the option says: sched_core_share_pid(unsigned long uaddr) for \
         PR_SCHED_CORE, set_syscall_user_dispatch(char __user *selector), or \
         nonzero refused (unsigned long)",
    ]),
    ("pread64", &[
        "ksys_pread64(unsigned int fd)",
        "vfs_read(char __user *buf)",
        "vfs_read(size_t count)",
        "vfs_read(loff_t *pos)",
    ]),
    ("pwrite64", &[
        "ksys_pwrite64(unsigned int fd)",
        "vfs_write(const char __user *buf)",
        "vfs_write(size_t count)",
        "vfs_write(loff_t *pos)",
    ]),
    ("read", &[
        "ksys_read(unsigned int fd)",
        "vfs_read(char __user *buf)",
        "vfs_read(size_t count)",
    ]),
    ("readv", &[
        "do_readv(unsigned long fd) to fdget_pos(unsigned int fd)",
        "import_iovec(const struct iovec __user *uvec)",
        "import_iovec(unsigned nr_segs); rw_copy_check_uvector(unsigned long \
         nr_segs) in old kernels",
    ]),
    ("recvfrom", &[
        "__sys_recvfrom(int fd)",
        "import_ubuf(void __user *ubuf)",
        "import_ubuf(size_t size)",
        "__sys_recvfrom(unsigned int flags)",
        "move_addr_to_user(void __user *uaddr)",
        "move_addr_to_user(int __user *ulen)",
    ]),
    ("recvmsg", &[
        "__sys_recvmsg(int fd)",
        "copy_msghdr_from_user(struct user_msghdr __user *umsg)",
        "__sys_recvmsg(unsigned int flags)",
    ]),
    ("restart_syscall", &[]),
    ("rt_sigaction", &[
        "do_sigaction(int sig)",
        "copy_from_user(const struct sigaction __user *act)",
        "copy_to_user(struct sigaction __user *oact)",
        "rt_sigaction(size_t sigsetsize) != sizeof(sigset_t)",
    ]),
    ("rt_sigprocmask", &[
        "sigprocmask(int how)",
        "copy_from_user(sigset_t __user *nset)",
        "copy_to_user(sigset_t __user *oset)",
        "rt_sigprocmask(size_t sigsetsize) != sizeof(sigset_t)",
    ]),
    ("rt_sigreturn", &[]),
    ("sched_yield", &[]),
    ("sendmsg", &[
        "__sys_sendmsg(int fd)",
        "copy_msghdr_from_user(struct user_msghdr __user *umsg)",
        "__sys_sendmsg(unsigned int flags)",
    ]),
    ("sendto", &[
        "__sys_sendto(int fd)",
        "import_ubuf(void __user *buff)",
        "import_ubuf(size_t len)",
        "__sys_sendto(unsigned int flags)",
        "move_addr_to_kernel(void __user *uaddr)",
        "move_addr_to_kernel(int ulen)",
    ]),
    ("set_robust_list", &[
        "current->robust_list (struct robust_list_head __user *)",
        "set_robust_list(size_t len) != sizeof(*head)",
    ]),
    ("setgid", &["__sys_setgid(gid_t gid)"]),
    ("setns", &["setns(int fd) to fdget(unsigned int fd)", "setns(int flags)"]),
    ("setuid", &["__sys_setuid(uid_t uid)"]),
    ("shutdown", &["__sys_shutdown(int fd)", "__sys_shutdown_sock(int how)"]),
    ("sigaltstack", &[
        "copy_from_user(const stack_t __user *uss)",
        "copy_to_user(stack_t __user *uoss)",
    ]),
    ("sigreturn", &[]),
    ("socket", &[
        "__sys_socket(int family)",
        "__sys_socket(int type)",
        "__sys_socket(int protocol)",
    ]),
    ("tgkill", &["do_tkill(pid_t tgid)", "do_tkill(pid_t pid)", "do_tkill(int sig)"]),
    ("tkill", &["do_tkill(pid_t pid)", "do_tkill(int sig)"]),
    ("umask", &["umask(int mask) & S_IRWXUGO"]),
    ("unshare", &["check_unshare_flags(unsigned long unshare_flags)"]),
    ("wait4", &[
        "kernel_wait4(pid_t upid)",
        "put_user(int __user *stat_addr)",
        "kernel_wait4(int options)",
        "put_user(struct rusage __user *ru)",
    ]),
    ("write", &[
        "ksys_write(unsigned int fd)",
        "vfs_write(const char __user *buf)",
        "vfs_write(size_t count)",
    ]),
    ("writev", &[
        "do_writev(unsigned long fd) to fdget_pos(unsigned int fd)",
        "import_iovec(const struct iovec __user *uvec)",
        "import_iovec(unsigned nr_segs); rw_copy_check_uvector(unsigned long \
         nr_segs) in old kernels",
    ]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::ARGUMENT_WIDTHS;

    /// The audit has every syscall of the table, in its order, and one reader
    /// per argument; the reader of a `?` says what decides its width.
    #[test]
    fn every_width_comes_with_how_the_kernel_reads_it() {
        assert_eq!(ARGUMENT_READERS.len(), ARGUMENT_WIDTHS.len());
        for ((name, widths), (audited, readers)) in ARGUMENT_WIDTHS.iter().zip(ARGUMENT_READERS) {
            assert_eq!(name, audited);
            assert_eq!(widths.len(), readers.len(), "{name}");
            for (width, reader) in widths.bytes().zip(readers.iter()) {
                let says_why = ["as the", "ignores", "bits", "old kernels"]
                    .iter()
                    .any(|why| reader.contains(why));
                assert!(width != b'?' || says_why, "{name}: {reader}");
            }
        }
    }
}
