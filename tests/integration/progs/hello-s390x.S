/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* write(1, msg, len); exit(42) */
        .globl _start
        .text
_start:
        lghi    %r2, 1
        larl    %r3, msg
        lghi    %r4, len
        svc     4
        lghi    %r2, 42
        svc     1
        .section .rodata
        .align  2
msg:    .ascii  "hello from s390x\n"
        .set    len, . - msg
