/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmtd: the daemon. Until it is built, this entry point says so and fails, so nothing can
 * mistake it for a running service. binfmtctl does the same work in direct mode meanwhile.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"

int main(int argc, char *argv[])
{
        if (argc > 1 && strcmp(argv[1], "--version") == 0) {
                printf("binfmtd %s\n", PROJECT_VERSION);
                return EXIT_SUCCESS;
        }
        fprintf(stderr, "binfmtd: the daemon is not available in this version; "
                        "use binfmtctl install (direct mode).\n");
        return EXIT_FAILURE;
}
