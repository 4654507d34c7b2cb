/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* write(1, msg, len); exit(42) */
        .section .rodata
msg:    .ascii  "hello from riscv64\n"
        .set    len, . - msg

        .globl _start
        .text
_start:
        li      a0, 1
        la      a1, msg
        li      a2, len
        li      a7, 64
        ecall
        li      a0, 42
        li      a7, 93
        ecall
