/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A real foreign program for the tests: linked statically against the target's C library. */
#include <stdio.h>

int main(void)
{
        printf("hello from arm64\n");
        return 7;
}
