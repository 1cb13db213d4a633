/* SPDX-License-Identifier: GPL-2.0 */
/* The syscall numbers and argument registers the observe layer reads at sys_enter/sys_exit,
 * per target architecture (scripts/build-native passes -D__TARGET_ARCH_x86 or
 * -D__TARGET_ARCH_arm64 with that architecture's vmlinux.h). aarch64 has no open(2): its
 * libc opens through openat. */
#ifndef LEASH_SYSCALL_ARCH_H
#define LEASH_SYSCALL_ARCH_H

#include <bpf/bpf_core_read.h>

#if defined(__TARGET_ARCH_x86)
#define NR_open 2
#define NR_connect 42
#define NR_execve 59
#define NR_openat 257
#define NR_execveat 322
#define NR_openat2 437
#define IS_NR_open(id) ((id) == NR_open)
#define SYSCALL_ARG0(regs) BPF_CORE_READ(regs, di)
#define SYSCALL_ARG1(regs) BPF_CORE_READ(regs, si)
#define SYSCALL_ARG2(regs) BPF_CORE_READ(regs, dx)
#define SYSCALL_NR(regs) BPF_CORE_READ(regs, orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define NR_openat 56
#define NR_connect 203
#define NR_execve 221
#define NR_execveat 281
#define NR_openat2 437
#define IS_NR_open(id) 0
/* x0 is overwritten by the return value; orig_x0 keeps the first argument. */
#define SYSCALL_ARG0(regs) BPF_CORE_READ(regs, orig_x0)
#define SYSCALL_ARG1(regs) BPF_CORE_READ(regs, regs[1])
#define SYSCALL_ARG2(regs) BPF_CORE_READ(regs, regs[2])
#define SYSCALL_NR(regs) BPF_CORE_READ(regs, syscallno)
#else
#error "leash's observe layer knows x86_64 and aarch64 only: define __TARGET_ARCH_x86 or __TARGET_ARCH_arm64"
#endif

#endif
