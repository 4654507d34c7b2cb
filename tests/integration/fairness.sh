#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# No uid can lock another out of the socket. One unprivileged uid opens all the connections and
# Watch calls it can and keeps them; meanwhile root (binfmtctl and a raw GetStatus), a member of
# the admin group by a supplementary group only (SO_PEERGROUPS), and another uid are still
# served, a refused client gets a named Varlink error, binfmtctl says what happened and falls
# back to direct mode, one client's pipelined calls do not hold others back, a half-closed
# client gets every reply, and one write of hundreds of refused calls is not logged hundreds of
# times. Needs a user namespace that maps more than root.
source "$(dirname "$0")/lib.sh"
make_work_dir

if [ -z "${BINFMTD_TEST_PRIVATE:-}" ]; then
    [ -x /usr/bin/qemu-aarch64-static ] || skip_all "qemu-user-static is not installed"
    command -v setpriv >/dev/null || skip_all "setpriv is missing"
    reexec_in_wide_userns "$@"
fi
enter_private_instance
trap 'stop_daemon; [ -n "${HOSTILE:-}" ] && kill "$HOSTILE" 2>/dev/null' EXIT
chmod 0755 "$WORK"

SOCK=$WORK/io.binfmtd
as_uid() { local u=$1; shift; run setpriv --reuid "$u" --regid "$u" --clear-groups "$@"; }

# The admin group: Debian's "staff" (gid 50), which none of the test's uids has otherwise.
ADMIN_GID=$(getent group staff | cut -d: -f3)
[ -n "$ADMIN_GID" ] || skip_all "no group 'staff' to make the admin group"
write_config "$WORK/binfmtd.conf" "Targets=linux/arm64" "MaxConnections=16" \
    "MaxConnectionsPerUser=6" "MaxWatchesPerUser=3" "IdleTimeoutSec=30" "AdminGroup=staff"
check "binfmtd starts" start_daemon --config "$WORK/binfmtd.conf"

# The hostile uid: as many connections as it may, half of them Watch calls, kept open.
cat >"$WORK/hostile.py" <<'EOF'
import json, socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
held, refused = [], 0
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    call = {"method": "io.binfmtd.Watch", "parameters": {}, "more": True} if i % 2 else \
           {"method": "io.binfmtd.GetStatus", "parameters": {}}
    try:
        s.sendall(json.dumps(call).encode() + b"\0")
        s.settimeout(5)
        buf = s.recv(1 << 20)
    except OSError:
        buf = b""
    if b"TooManyConnections" in buf or not buf:
        refused += 1
        s.close()
    else:
        held.append(s)
print("held=%d refused=%d" % (len(held), refused), flush=True)
time.sleep(600)
EOF
setpriv --reuid 65534 --regid 65534 --clear-groups "$PYTHON" "$WORK/hostile.py" "$SOCK" 40 \
    >"$WORK/hostile.out" 2>&1 &
HOSTILE=$!
check "the hostile uid is done trying" wait_until 60 grep -q "^held=" "$WORK/hostile.out"
diag "hostile uid 65534: $(cat "$WORK/hostile.out")"
check "it holds no more than MaxConnectionsPerUser= (6)" \
    bash -c '[ "$(sed -n "s/^held=\([0-9]*\).*/\1/p" "$0")" -le 6 ]' "$WORK/hostile.out"
check "the refusals are logged, but not one line per refusal" \
    bash -c '[ "$(grep -c "Refused a connection from uid 65534" "$0")" -lt 20 ]' "$WORK/binfmtd.log"

run "$BINFMTCTL" --socket "$SOCK" status --json
check "root's binfmtctl status is answered by the daemon (exit $rc)" test "$rc" -eq 0 -a "$(jq -r '.daemon != null' <<<"$out")" = true
vcall io.binfmtd.GetStatus
check "root's raw GetStatus is answered" test "$(jq -r '.parameters.status.daemon != null' <<<"$out")" = true
as_uid 65000 "$PYTHON" "$HELPERS/varlink-call.py" "$SOCK" io.binfmtd.GetStatus
check "another uid's GetStatus is answered" test "$(jq -r '.parameters.status.daemon != null' <<<"$out")" = true
run setpriv --reuid 65001 --regid 65001 --groups "$ADMIN_GID" "$PYTHON" "$HELPERS/varlink-call.py" "$SOCK" io.binfmtd.Reload
check "a member of the admin group by a supplementary group may Reload" \
    test "$(jq -r .parameters.generation <<<"$out")" -ge 1
as_uid 65001 "$PYTHON" "$HELPERS/varlink-call.py" "$SOCK" io.binfmtd.Reload
check "the same uid without that group may not" test "$(jq -r .error <<<"$out")" = io.binfmtd.PermissionDenied

# The hostile uid itself, once more: a named error, and binfmtctl falls back.
as_uid 65534 "$PYTHON" "$HELPERS/varlink-call.py" "$SOCK" io.binfmtd.GetStatus
check "a refused connection gets io.binfmtd.TooManyConnections, not a reset" \
    test "$(jq -r .error <<<"$out")" = io.binfmtd.TooManyConnections
check "with the reason" grep -q "MaxConnectionsPerUser=" <<<"$(jq -r .parameters.reason <<<"$out")"
as_uid 65534 "$BINFMTCTL" --socket "$SOCK" status
check "binfmtctl of that uid still answers, in direct mode (exit $rc)" test "$rc" -eq 0
check "and says why" grep -q "refused the connection (this user has MaxConnectionsPerUser= connections open already); doing the work directly" <<<"$err"
kill "$HOSTILE" 2>/dev/null
wait "$HOSTILE" 2>/dev/null
HOSTILE=

# ---- one client's pipelined calls, and a half-close ------------------------------------------

# pipeline.py PATH N [open|one-by-one|small-buffer]: N calls in one write, then a half-close (or
# none: the connection stays open), or N calls one after another on one connection (with a send
# buffer as small as the kernel allows, for small-buffer). Prints the number of replies, each
# checked to be a GetStatus reply.
cat >"$WORK/pipeline.py" <<'EOF'
import json, socket, sys
path, n = sys.argv[1], int(sys.argv[2])
mode = sys.argv[3] if len(sys.argv) > 3 else "half-close"
call = json.dumps({"method": "io.binfmtd.GetStatus", "parameters": {}}).encode() + b"\0"
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if mode == "small-buffer":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1)
s.connect(path)
s.settimeout(20)
buf, got = b"", 0
def replies(want):
    global buf, got
    while got < want:
        while got < want and b"\0" in buf:
            msg, buf = buf.split(b"\0", 1)
            if "status" not in json.loads(msg).get("parameters", {}):
                sys.exit("not a status: " + msg[:200].decode())
            got += 1
        if got >= want:
            break
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        buf += chunk
if mode in ("one-by-one", "small-buffer"):
    for i in range(n):
        s.sendall(call)
        replies(i + 1)
else:
    s.sendall(call * n)
    if mode == "half-close":
        s.shutdown(socket.SHUT_WR)
    replies(n)
print(got)
EOF
run "$PYTHON" "$WORK/pipeline.py" "$SOCK" 60
check "a client that half-closes after 60 pipelined calls gets 60 replies ($out)" test "$out" = 60
# More calls than one read takes (16 KiB), the connection left open: the calls beyond the first
# read must not wait for a wakeup the socket no longer gives.
run "$PYTHON" "$WORK/pipeline.py" "$SOCK" 600 open
check "a client that pipelines 600 calls and keeps the connection open gets 600 replies ($out)" \
    test "$out" = 600
# One call larger than a read (16 KiB), the connection left open: its end is read too.
pad=$(head -c 40000 /dev/zero | tr '\0' a)
run timeout 10 "$PYTHON" "$HELPERS/varlink-call.py" "$SOCK" io.binfmtd.GetStatus "{\"padding\": \"$pad\"}"
check "a 40 KB call is read whole and answered (exit $rc)" \
    grep -q "org.varlink.service.InvalidParameter" <<<"$out"
# Many calls one after another on one connection: the calls read are taken off the socket in
# bulk, and each answer must still be the answer to its call.
run "$PYTHON" "$WORK/pipeline.py" "$SOCK" 300 one-by-one
check "300 calls one after another on one connection get 300 replies ($out)" test "$out" = 300
# The calls read wait on the socket for a while, and count against the client's send buffer: a
# client whose buffer they fill must not be left blocked in send().
run "$PYTHON" "$WORK/pipeline.py" "$SOCK" 100 small-buffer
check "100 calls one after another with the smallest send buffer get 100 replies ($out)" \
    test "$out" = 100

# Clients that keep writing calls larger than a read, oneway (nothing to read back), do not
# hold the others back: their further reads take turns with them.
cat >"$WORK/flood.py" <<'EOF'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
call = json.dumps({"method": "io.binfmtd.GetStatus", "parameters": {"padding": "a" * 60000},
                   "oneway": True}).encode() + b"\0"
end = time.monotonic() + float(sys.argv[2])
try:
    while time.monotonic() < end:
        s.sendall(call)
except OSError:
    pass
EOF
flooders=()
for _ in 1 2 3 4; do
    "$PYTHON" "$WORK/flood.py" "$SOCK" 6 &
    flooders+=($!)
done
sleep 1
run timeout 3 "$PYTHON" "$HELPERS/varlink-call.py" "$SOCK" io.binfmtd.GetStatus
check "another client is answered while four flood the socket with oneway calls (exit $rc)" \
    test "$rc" -eq 0
wait "${flooders[@]}"

# While one client pipes 2000 calls, another's call is answered promptly.
"$PYTHON" "$WORK/pipeline.py" "$SOCK" 2000 >"$WORK/pipe.out" 2>&1 &
piper=$!
sleep 0.2
run timeout 5 "$PYTHON" "$HELPERS/varlink-call.py" "$SOCK" io.binfmtd.GetStatus
check "another client is answered meanwhile (exit $rc)" test "$rc" -eq 0
wait "$piper"
check "and the pipeline got all its replies ($(cat "$WORK/pipe.out"))" test "$(cat "$WORK/pipe.out")" = 2000

# A Verify answered when the verification ends, even to a client that half-closed after it;
# and a Watch goes on after a half-close, until the client closes.
cat >"$WORK/halfclose.py" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
call = {"method": "io.binfmtd." + sys.argv[2], "parameters": {}}
if sys.argv[2] == "Watch":
    call["more"] = True
s.sendall(json.dumps(call).encode() + b"\0")
s.shutdown(socket.SHUT_WR)
s.settimeout(30)
buf = b""
while b"\0" not in buf:
    chunk = s.recv(1 << 20)
    if not chunk:
        break
    buf += chunk
if b"\0" not in buf:
    sys.exit("closed without a reply")
reply = json.loads(buf.split(b"\0", 1)[0])
print("status" in reply.get("parameters", {}))
if sys.argv[2] == "Watch":
    s.settimeout(1)
    try:
        print("closed" if s.recv(1) == b"" else "more")
    except socket.timeout:
        print("open")
EOF
run "$PYTHON" "$WORK/halfclose.py" "$SOCK" Verify
check "a client that half-closes after Verify gets the status when it has run ($out)" \
    test "$out" = True
run "$PYTHON" "$WORK/halfclose.py" "$SOCK" Watch
check "a Watch stays open after the client half-closes ($(echo $out))" test "$(echo $out)" = "True open"

# Hundreds of refused calls in one write: the log is rate-limited.
before=$(grep -c "Refused io.binfmtd.Reload" "$WORK/binfmtd.log")
cat >"$WORK/reloads.py" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall((json.dumps({"method": "io.binfmtd.Reload", "parameters": {}}).encode() + b"\0") * 480)
s.shutdown(socket.SHUT_WR)
n = 0
while True:
    chunk = s.recv(1 << 20)
    if not chunk:
        break
    n += chunk.count(b"\0")
print(n)
EOF
as_uid 65000 "$PYTHON" "$WORK/reloads.py" "$SOCK"
check "480 refused Reload calls are all answered ($out)" test "$out" = 480
after=$(grep -c "Refused io.binfmtd.Reload" "$WORK/binfmtd.log")
check "and logged in a few lines, not 480 ($((after - before)))" test $((after - before)) -le 5

done_testing
