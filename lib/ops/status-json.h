/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "ops/status.h"

/*
 * The status model's JSON: kernel, native, mount, entries, emulators, verification, platforms
 * and supported, as binfmtctl(1) documents them.
 */

/**
 * status_to_json() - render @s. Returns 0 or -ENOMEM.
 */
int status_to_json(const Status *s, struct json_object **ret);
