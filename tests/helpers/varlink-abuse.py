#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Misbehaving Varlink clients against binfmtd. varlink-abuse.py SOCKET SCENARIO prints
"ok" or "fail: reason" and exits 0 or 1. Each scenario also checks that a well-behaved client
is answered promptly while (or after) the misbehaving one does its thing."""
import json
import socket
import sys
import time

SOCK, SCENARIO = sys.argv[1], sys.argv[2]
CALL = json.dumps({"method": "io.binfmtd.GetStatus", "parameters": {}}).encode() + b"\0"


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(SOCK)
    return s


def get_status(timeout=5.0):
    """A polite client: one call, one reply, within the timeout."""
    s = connect()
    s.settimeout(timeout)
    start = time.monotonic()
    s.sendall(CALL)
    buf = b""
    while b"\0" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise RuntimeError("polite client: connection closed")
        buf += chunk
    s.close()
    reply = json.loads(buf.split(b"\0", 1)[0])
    if "parameters" not in reply or "status" not in reply["parameters"]:
        raise RuntimeError("polite client: unexpected reply %r" % reply)
    return time.monotonic() - start


def closed_by_peer(s, within):
    """True if the daemon closes the connection within `within` seconds."""
    s.settimeout(within)
    try:
        while True:
            if not s.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def fail(msg):
    print("fail: " + msg)
    sys.exit(1)


if SCENARIO == "concurrent":
    # Many clients at once, each making a call: the daemon answers those it accepts (up to
    # MaxConnections), refuses the rest by closing, and is fine afterwards.
    socks, answered, refused = [], 0, 0
    for _ in range(int(sys.argv[3])):
        s = connect()
        try:
            s.sendall(CALL)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused already: counted below
        socks.append(s)
    for s in socks:
        buf = b""
        try:
            while b"\0" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        # A refused client is told so with a named error (or, racing the close, nothing).
        if b"\0" in buf and b"io.binfmtd.TooManyConnections" not in buf:
            answered += 1
        else:
            refused += 1
        s.close()
    print("answered=%d refused=%d" % (answered, refused), file=sys.stderr)
    limit = int(sys.argv[4])
    if answered < limit or answered + refused != len(socks):
        fail("answered %d of %d (limit %d)" % (answered, len(socks), limit))
    get_status()
elif SCENARIO == "oversized":
    s = connect()
    try:
        s.sendall(b'{"method":"io.binfmtd.GetStatus","parameters":{"x":"' + b"a" * 200000)
    except (BrokenPipeError, ConnectionResetError):
        pass
    if not closed_by_peer(s, 5):
        fail("an oversized message did not get the client dropped")
    get_status()
elif SCENARIO == "malformed":
    for garbage in [b"{not json}\0", b"[1,2,3]\0", b'{"method":42}\0', b"\xff\xfe\0",
                    b'{"method":"io.binfmtd.GetStatus","parameters":[]}\0',
                    b'{"method":"io.binfmtd.GetStatus","oneway":true,"more":true}\0']:
        s = connect()
        s.sendall(garbage)
        if not closed_by_peer(s, 5):
            fail("garbage %r did not get the client dropped" % garbage)
    get_status()
elif SCENARIO == "stall":
    # Half a message, then silence: others are answered meanwhile, the staller is dropped
    # after IdleTimeoutSec.
    s = connect()
    s.sendall(CALL[:10])
    # Well under the idle timeout (5 s in the test): a daemon blocked by the staller would
    # answer only after dropping it.
    if get_status() > 2.5:
        fail("a stalled client slowed the others down")
    if not closed_by_peer(s, 10):
        fail("a stalled client was not dropped")
    get_status()
elif SCENARIO == "no-read":
    # Calls without ever reading the replies: the daemon must not queue without bound.
    s = connect()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    dropped = False
    try:
        for _ in range(20000):
            s.sendall(CALL)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        dropped = True
    if not dropped and not closed_by_peer(s, 10):
        fail("a client that never reads was not dropped")
    if get_status() > 2.5:
        fail("the daemon is slow after a client that never reads")
elif SCENARIO == "watch-flood":
    # A watcher that keeps sending: its unread calls are bounded like one message.
    s = connect()
    s.sendall(json.dumps({"method": "io.binfmtd.Watch", "parameters": {}, "more": True}).encode()
              + b"\0")
    dropped = False
    try:
        for _ in range(4000):
            s.sendall(CALL)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        dropped = True
    if not dropped and not closed_by_peer(s, 10):
        fail("a watcher flooding its connection was not dropped")
    get_status()
elif SCENARIO == "many":
    # Many requests one after another (memory must stay bounded).
    for _ in range(int(sys.argv[3])):
        get_status()
else:
    fail("unknown scenario " + SCENARIO)
print("ok")
