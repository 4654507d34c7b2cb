/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* write(1, msg, len); exit(42), through the EABI system call ABI */
        .globl _start
        .text
        .arm
_start:
        mov     r0, #1
        ldr     r1, =msg
        mov     r2, #len
        mov     r7, #4
        svc     #0
        mov     r0, #42
        mov     r7, #1
        svc     #0
        .section .rodata
msg:    .ascii  "hello from arm\n"
        .set    len, . - msg
