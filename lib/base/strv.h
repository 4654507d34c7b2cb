/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "base/macro.h"

/* NULL-terminated string arrays. */

char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);

/* A deep copy of @l (NULL gives an empty list); NULL on allocation failure. */
char **strv_copy(char *const *l);
/* Appends a copy of @s. Returns 0 or -ENOMEM; @l is unchanged on failure. */
int strv_extend(char ***l, const char *s);
/* Appends @s itself (takes ownership on success). */
int strv_push(char ***l, char *s);
int strv_contains(char *const *l, const char *s);

/* Sorts @l in place, by strcmp(). */
void strv_sort(char **l);
