/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* write(1, msg, len); exit(42) */
        .abiversion 2
        .globl _start
        .text
_start:
        li      0, 4
        li      3, 1
        lis     4, msg@ha
        addi    4, 4, msg@l
        li      5, len
        sc
        li      0, 1
        li      3, 42
        sc
        .section .rodata
msg:    .ascii  "hello from ppc64le\n"
        .set    len, . - msg
