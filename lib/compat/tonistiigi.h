/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The pure half of binfmtctl's tonistiigi/binfmt compatibility mode: its command line (Go's
 * flag package), its architecture names (containerd's normalisation, the ten install keys) and
 * its status JSON (Go's encoding/json). The run itself is tools/compat.c. See
 * binfmtctl-compat(7).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* tonistiigi/binfmt's install keys (GOARCH names) and the QEMU target of each. */
typedef struct CompatTarget {
        const char *key;
        const char *qemu;
} CompatTarget;

/* The command line; a string flag not given is NULL (the caller supplies the default). */
typedef struct CompatArgs {
        const char *install;
        const char *uninstall;
        const char *mount;
        bool version;
} CompatArgs;

/* compat_args_parse() returns this when -h/-help/--help asked for the usage. */
#define COMPAT_ARGS_HELP 1

/**
 * compat_targets() - tonistiigi/binfmt's table, in the order of its documentation: amd64,
 * arm64, arm, s390x, ppc64le, riscv64, 386, mips64le, mips64, loong64. The number of entries
 * goes to @ret_n.
 */
const CompatTarget *compat_targets(size_t *ret_n);

/**
 * compat_qemu_name() - the QEMU target of the install key @key ("arm64" -> "aarch64"), or NULL
 * when @key is none of the ten (keys are exact: "aarch64" is not one).
 */
const char *compat_qemu_name(const char *key);

/**
 * compat_args_wanted() - whether @argv is a tonistiigi/binfmt command line rather than a
 * binfmtctl one:
 *
 *  - invoked as "binfmt" (the basename of argv[0]): with no argument at all, or when the first
 *    argument starts with '-'.
 *  - under any other name: when the first argument is one of the four flags (-x or --x, alone
 *    or with =VALUE) and the arguments, read as Go's flag package reads them, hold no word
 *    that is not a flag's value, and no option that is not one of the four.
 */
bool compat_args_wanted(int argc, char *const *argv);

/**
 * compat_args_parse() - parse @argv as Go's flag.Parse() does for -install, -uninstall, -mount
 * (strings) and -version (bool): -x and --x alike, -x=v, -x v (the next argument is the value
 * whatever it looks like), a bool only as -x or -x=BOOL with strconv.ParseBool's spellings.
 * Parsing stops at the first argument that is not a flag ("-" is not one) or after "--"; what
 * follows is ignored. A flag given twice keeps its last value.
 *
 * Returns 0 with the flags in @ret, COMPAT_ARGS_HELP for -h/-help (in any of the flag forms),
 * -EINVAL with Go's wording of the error in @ret_error ("flag provided but not defined: -foo",
 * "flag needs an argument: -install", "bad flag syntax: ---x", "invalid boolean value \"x\"
 * for -version: parse error"), or -ENOMEM. Nothing is printed.
 */
int compat_args_parse(int argc, char *const *argv, CompatArgs *ret, char **ret_error);

/**
 * compat_arch_normalize() - containerd's normalisation of an architecture that is already in
 * lower case: "i386" -> "386", "x86_64"/"x86-64" -> "amd64", "aarch64" -> "arm64",
 * "armhf"/"armel" -> "arm"; any other name is returned as it is.
 */
const char *compat_arch_normalize(const char *arch);

/**
 * compat_arch_parse() - the architecture containerd's platforms.Parse() finds in @spec, as
 * tonistiigi/binfmt takes it ("linux/arm64/v8" -> "arm64", "AArch64" -> "arm64", "armhf" ->
 * "arm"). A bare OS name ("linux") stands for the host's architecture @host_arch (an OCI name;
 * NULL when unknown). With an OS given, any architecture is taken and the variant dropped;
 * alone, it must be one Go knows. The result is written to @buf, truncated to @size as
 * snprintf() truncates.
 *
 * Returns 0, -EINVAL where containerd fails (the caller then keeps @spec as given, as
 * tonistiigi/binfmt does), -ENOMEM.
 */
int compat_arch_parse(const char *spec, const char *host_arch, char *buf, size_t size);

/**
 * compat_install_list() - the keys an --install list other than "all" names: @list split on
 * ',' (no trimming), each item through compat_arch_parse(), or kept as given where that
 * fails. Empty items stay, as empty strings. Returns 0 with a NULL-terminated list in @ret,
 * -ENOMEM.
 */
int compat_install_list(const char *list, const char *host_arch, char ***ret);

/**
 * compat_install_is_all() - whether @list means every key: exactly "all", nothing else
 * ("all,arm64" and "ALL" are ordinary lists).
 */
bool compat_install_is_all(const char *list);

/**
 * compat_json_string() - write @s to @f as a JSON string as Go's encoding/json writes it:
 * '"' and '\\' escaped with a backslash, \n \r \t as such, other control characters and the
 * HTML-unsafe '<', '>' and '&' as \u00XX, U+2028 and U+2029 as \u2028 and \u2029, each byte
 * that does not start valid UTF-8 (overlong forms, surrogates and code points above U+10FFFF
 * included) as \ufffd. Returns 0, -EIO when @f is in error.
 */
int compat_json_string(FILE *f, const char *s);

/**
 * compat_json_array() - write the NULL-terminated list @l to @f as json.MarshalIndent(v, "",
 * "  ") writes a []string one level deep: "null" for an empty or NULL list, else one element
 * a line. Returns 0, -EIO when @f is in error.
 */
int compat_json_array(FILE *f, char *const *l);

/**
 * compat_json_status() - write tonistiigi/binfmt's status document to @f: {"supported": ...,
 * "emulators": ...} with two-space indentation and a final newline. Returns 0, -EIO when @f
 * is in error.
 */
int compat_json_status(FILE *f, char *const *supported, char *const *emulators);
