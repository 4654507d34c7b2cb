#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A plain Varlink client for the tests: varlink-call.py SOCKET METHOD [PARAMETERS-JSON] [--more N]
prints each reply as one JSON line; exit 0 on a reply, 1 on an error reply, 2 on a broken
connection."""
import json
import socket
import sys

sock, method = sys.argv[1], sys.argv[2]
params = json.loads(sys.argv[3]) if len(sys.argv) > 3 and not sys.argv[3].startswith("--") else {}
more = int(sys.argv[sys.argv.index("--more") + 1]) if "--more" in sys.argv else 0

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30)
s.connect(sock)
call = {"method": method, "parameters": params}
if more:
    call["more"] = True
try:
    s.sendall(json.dumps(call).encode() + b"\0")
except (BrokenPipeError, ConnectionResetError):
    pass  # a server that refused us wrote why and closed: its answer may be waiting
buf, replies = b"", 0
while True:
    try:
        chunk = s.recv(65536)
    except (socket.timeout, ConnectionResetError):
        sys.exit(2)
    if not chunk:
        sys.exit(2)
    buf += chunk
    while b"\0" in buf:
        msg, buf = buf.split(b"\0", 1)
        reply = json.loads(msg)
        print(json.dumps(reply), flush=True)
        replies += 1
        if "error" in reply:
            sys.exit(1)
        if not reply.get("continues") or (more and replies >= more):
            sys.exit(0)
