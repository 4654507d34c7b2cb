/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* write(1, msg, len); exit(42), through the i386 system call ABI (int $0x80) */
        .globl _start
        .text
_start:
        movl    $4, %eax
        movl    $1, %ebx
        movl    $msg, %ecx
        movl    $len, %edx
        int     $0x80
        movl    $1, %eax
        movl    $42, %ebx
        int     $0x80
        .section .rodata
msg:    .ascii  "hello from i386\n"
        .set    len, . - msg
