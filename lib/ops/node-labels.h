/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "ops/readiness.h"

/*
 * Node labels for a cluster: the platforms verified to run in containers on this node, as a
 * feature file of Node Feature Discovery's local source. NFD reads every file in
 * /etc/kubernetes/node-feature-discovery/features.d/ and turns each line "NAME=VALUE" into the
 * node label feature.node.kubernetes.io/NAME=VALUE, so a build pod can ask for
 * feature.node.kubernetes.io/binfmtd-linux-arm64 in its nodeAffinity. No Kubernetes convention
 * says "this node runs linux/arm64 through emulation"; these names are binfmtd's.
 */

/* A label name is at most 63 characters (Kubernetes' limit for the name part). */
#define NODE_LABEL_MAX 64

/**
 * node_label_name() - the label name of @platform: "binfmtd-" and the platform with every
 * character outside [a-z0-9.] made '-' ("linux/arm/v7" gives "binfmtd-linux-arm-v7"), into
 * @buf. Returns 0, or -EINVAL when the result would not be a valid label name (empty, too long,
 * not ending in a letter or digit).
 */
int node_label_name(const char *platform, char *buf, size_t size);

/**
 * node_labels_format() - the feature file for the verdicts @l[0..n): a comment line, then one
 * "NAME=true" line per verified platform, in the verdicts' order. Returns 0 and a newly
 * allocated text, or -ENOMEM.
 */
int node_labels_format(const PlatformVerdict *l, size_t n, char **ret);
