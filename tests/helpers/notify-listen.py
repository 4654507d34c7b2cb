#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Listens on a NOTIFY_SOCKET path as systemd does and appends every datagram, one line per
field, to a file, until killed or until nothing arrived for TIMEOUT seconds."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 120
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(timeout)
with open(out, "a", buffering=1) as f:
    try:
        while True:
            for line in s.recv(65536).decode(errors="replace").splitlines():
                f.write(line + "\n")
    except socket.timeout:
        pass
