/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/*
 * binfmtctl's tonistiigi/binfmt compatibility mode: the command line, the messages, the status
 * JSON and the exit codes of the tonistiigi/binfmt container's entry point, done with
 * binfmtd's checks. See binfmtctl-compat(7).
 */

/**
 * compat_wanted() - whether @argv is a tonistiigi/binfmt command line rather than a binfmtctl
 * one:
 *
 *  - invoked as "binfmt" (the basename of argv[0]): with no argument at all, or when the first
 *    argument starts with '-'. A first argument that is a word (a binfmtctl command such as
 *    "status") keeps binfmtctl's meaning.
 *  - under any other name: when the first argument is -install, --install, -uninstall,
 *    --uninstall, -mount, --mount or -version (alone or with =VALUE), and the arguments,
 *    read as tonistiigi/binfmt reads them, hold no word that is not a flag's value: so
 *    "binfmtctl --mount DIR status" and binfmtctl's own "--version" keep their meaning.
 */
bool compat_wanted(int argc, char **argv);

/**
 * compat_main() - run as tonistiigi/binfmt does. Returns the exit code: 2 for a command-line
 * error, 0 otherwise (every other failure is only reported on stderr, as callers expect).
 */
int compat_main(int argc, char **argv);
