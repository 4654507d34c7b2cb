/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "target/arch.h"

/*
 * Names users give for targets: QEMU names ("aarch64"), aliases ("arm64", "armhf", "mips64le"),
 * OCI architectures and OCI platforms ("linux/arm64", "linux/arm64/v8", "linux/arm/v6"). This
 * module maps them to table entries and renders a target's OCI platform strings.
 */

/**
 * platform_resolve() - map a user-given target name to a table entry. Case-insensitive.
 * Accepts a QEMU name, an alias, an OCI architecture, or "OS/ARCH[/VARIANT]" where OS must be
 * "linux" and VARIANT must be one the architecture has.
 *
 * Returns 0 on success, -ENOENT for an unknown architecture, -EINVAL for a malformed name, an
 * OS other than linux, or an unknown variant.
 */
int platform_resolve(const char *name, const BinfmtArch **ret);

/**
 * platform_format() - the primary OCI platform of @a ("linux/arm64", "linux/arm/v7") into @buf.
 * Returns @buf, or NULL when the target has no OCI name (then @buf holds "").
 */
const char *platform_format(const BinfmtArch *a, char *buf, size_t size);

#define PLATFORM_MAX 64

/**
 * platform_list() - all OCI platform strings of @a, primary first ("linux/arm/v7",
 * "linux/arm/v6"). Returns a newly allocated NULL-terminated array (free with strv_free()),
 * empty when the target has no OCI name; NULL only on allocation failure.
 */
char **platform_list(const BinfmtArch *a);
