#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# deploy/kubernetes: every file is YAML with the fields the Kubernetes API requires, the
# DaemonSet's references hold together (selector and labels, volumes and mounts, the ConfigMap
# and its key), it runs the daemon privileged with the node's binfmt_misc and nothing of the
# host it does not need, its readiness probe is binfmtctl's --require with platforms binfmtctl
# accepts, and the configuration it ships is one binfmtd accepts. Needs no privileges and no
# binfmt_misc: nothing here touches the kernel.
source "$(dirname "$0")/lib.sh"
make_work_dir

SRC=$(cd "$TESTS_DIR/../.." && pwd)
DIR=$SRC/deploy/kubernetes
BINFMTD=${BINFMTD:?BINFMTD must point to the binfmtd binary}

"$PYTHON" -c 'import yaml' 2>/dev/null || skip_all "python3-yaml is not installed"

# The checks are Python over the parsed documents; each prints "ok"/"not ok" lines in TAP form
# without numbers, which are numbered here. The ConfigMap's configuration is written out for
# binfmtd to read, the readiness probe's platforms for binfmtctl.
"$PYTHON" - "$DIR" "$WORK" >"$WORK/checks" 2>&1 <<'EOF'
import os, re, sys, yaml

d, work = sys.argv[1], sys.argv[2]
results = []

def check(desc, cond):
    results.append((bool(cond), desc))

docs = {}
for f in sorted(os.listdir(d)):
    if not f.endswith(".yaml"):
        continue
    try:
        loaded = [x for x in yaml.safe_load_all(open(os.path.join(d, f))) if x is not None]
        check(f"{f} is YAML", True)
    except yaml.YAMLError as e:
        check(f"{f} is YAML ({e})", False)
        continue
    docs[f] = loaded

dns1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
objects = []
for f, ds in docs.items():
    for o in ds:
        kind = o.get("kind")
        check(f"{f}: {kind} has apiVersion and kind", o.get("apiVersion") and kind)
        if kind == "Kustomization":
            for r in o.get("resources", []):
                check(f"{f}: resource {r} exists", os.path.exists(os.path.join(d, r)))
            check(f"{f}: lists every manifest",
                  sorted(o.get("resources", [])) == sorted(x for x in docs if x != f))
            continue
        name = (o.get("metadata") or {}).get("name", "")
        check(f"{f}: {kind} has a DNS-1123 metadata.name ({name})", dns1123.match(name or ""))
        objects.append((f, o))

by_kind = {}
for f, o in objects:
    by_kind.setdefault(o["kind"], []).append(o)

check("one Namespace, one ConfigMap, one DaemonSet",
      [len(by_kind.get(k, [])) for k in ("Namespace", "ConfigMap", "DaemonSet")] == [1, 1, 1])
ns = by_kind["Namespace"][0]["metadata"]["name"]
for f, o in objects:
    if o["kind"] != "Namespace":
        check(f"{f}: {o['kind']} is in namespace {ns}", o["metadata"].get("namespace") == ns)

cm = by_kind["ConfigMap"][0]
ds = by_kind["DaemonSet"][0]
check("DaemonSet apiVersion is apps/v1", ds["apiVersion"] == "apps/v1")
spec = ds.get("spec", {})
sel = (spec.get("selector") or {}).get("matchLabels") or {}
tpl = spec.get("template") or {}
labels = (tpl.get("metadata") or {}).get("labels") or {}
check("DaemonSet has spec.selector.matchLabels", sel)
check("the selector matches the pod template's labels",
      sel and all(labels.get(k) == v for k, v in sel.items()))
pod = tpl.get("spec") or {}
containers = pod.get("containers") or []
check("the pod template has containers", containers)
check("no hostPID, hostNetwork or hostIPC",
      not any(pod.get(k) for k in ("hostPID", "hostNetwork", "hostIPC")))
check("hostUsers is not false (a user-namespaced pod has a binfmt_misc of its own)",
      pod.get("hostUsers", True) is not False)

vols = {v["name"]: v for v in pod.get("volumes") or []}
for c in containers:
    cn = c.get("name", "")
    check(f"container {cn}: has a DNS-1123 name and an image", dns1123.match(cn) and c.get("image"))
    check(f"container {cn}: runs binfmtd in the foreground",
          (c.get("command") or [""])[0].endswith("/binfmtd"))
    check(f"container {cn}: privileged",
          (c.get("securityContext") or {}).get("privileged") is True)
    res = c.get("resources") or {}
    for part in ("requests", "limits"):
        for r in ("cpu", "memory"):
            check(f"container {cn}: resources.{part}.{r} is set", (res.get(part) or {}).get(r))
    mounts = c.get("volumeMounts") or []
    for m in mounts:
        check(f"container {cn}: mount {m.get('name')} has a volume", m.get("name") in vols)
        check(f"container {cn}: mount {m.get('name')} has an absolute mountPath",
              str(m.get("mountPath", "")).startswith("/"))
    bm = [m for m in mounts if (vols.get(m.get("name")) or {}).get("hostPath", {}).get("path")
          == "/proc/sys/fs/binfmt_misc"]
    check(f"container {cn}: mounts the node's /proc/sys/fs/binfmt_misc", len(bm) == 1)
    hostpaths = sorted(v["hostPath"]["path"] for v in vols.values() if "hostPath" in v)
    nfd = "/etc/kubernetes/node-feature-discovery/features.d"
    check(f"no hostPath but binfmt_misc and NFD's features.d ({hostpaths})",
          hostpaths == [nfd, "/proc/sys/fs/binfmt_misc"])
    nfd_mount = [m for m in mounts if (vols.get(m.get("name")) or {}).get("hostPath", {}).get("path") == nfd]
    check(f"container {cn}: mounts the node's features.d where NFD reads it",
          len(nfd_mount) == 1 and nfd_mount[0]["mountPath"] == nfd)
    probe = ((c.get("readinessProbe") or {}).get("exec") or {}).get("command") or []
    check(f"container {cn}: readiness probe is binfmtctl status --require ({probe})",
          probe[:3] == ["binfmtctl", "status", "--require"] and len(probe) == 4)
    if len(probe) == 4:
        open(os.path.join(work, "require"), "w").write(probe[3])
    cmv = [v for v in vols.values() if "configMap" in v]
    check("the config volume names the ConfigMap",
          len(cmv) == 1 and cmv[0]["configMap"].get("name") == cm["metadata"]["name"])
    cfg_mount = [m for m in mounts if "configMap" in (vols.get(m.get("name")) or {})]
    check(f"container {cn}: the ConfigMap is a drop-in directory of binfmtd",
          len(cfg_mount) == 1 and cfg_mount[0]["mountPath"] == "/etc/binfmtd/binfmtd.conf.d")
    data = cm.get("data") or {}
    check("the ConfigMap holds one *.conf drop-in",
          len(data) == 1 and all(k.endswith(".conf") for k in data))
    for k, v in data.items():
        open(os.path.join(work, "binfmtd.conf"), "w").write(v)
        mp = re.search(r"^MountPoint=(.*)$", v, re.M)
        check("the configuration's MountPoint= is where binfmt_misc is mounted",
              mp and bm and mp.group(1) == bm[0]["mountPath"])
        nf = re.search(r"^NodeFeatureFile=(.*)$", v, re.M)
        check("the configuration's NodeFeatureFile= is in the mounted features.d",
              nf and os.path.dirname(nf.group(1)) == nfd)

for ok, desc in results:
    print(("ok - " if ok else "not ok - ") + desc)
EOF
py_rc=$?
while IFS= read -r line; do
    case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) not_ok "${line#not ok - }" ;;
        *) diag "$line" ;;
    esac
done <"$WORK/checks"
check "the manifest checks ran to the end (exit $py_rc)" test "$py_rc" -eq 0

if [ -f "$WORK/binfmtd.conf" ]; then
    run "$BINFMTD" --check-config --config="$WORK/binfmtd.conf"
    check "binfmtd accepts the ConfigMap's configuration (exit $rc)" test "$rc" -eq 0
    [ "$rc" -eq 0 ] || diag "$err"
else
    not_ok "the ConfigMap's configuration was found"
fi

# A wrong configuration must be caught the same way: the check can fail.
printf '[binfmtd]\nMountPoint=relative/path\n' >"$WORK/bad.conf"
run "$BINFMTD" --check-config --config="$WORK/bad.conf"
check "binfmtd --check-config refuses a bad configuration (exit $rc)" test "$rc" -ne 0

# The probe's platforms are ones binfmtctl --require accepts: an unknown one is a usage error
# (exit 2), whatever the daemon's state.
if [ -f "$WORK/require" ]; then
    run "$BINFMTCTL" --socket "$WORK/no-daemon" status --require "$(cat "$WORK/require")"
    check "binfmtctl accepts the probe's platforms '$(cat "$WORK/require")' (exit $rc)" test "$rc" -ne 2
    run "$BINFMTCTL" --socket "$WORK/no-daemon" status --require linux/nonsense
    check "an unknown platform would be a usage error (exit $rc)" test "$rc" -eq 2
else
    not_ok "the readiness probe's platforms were found"
fi

done_testing
