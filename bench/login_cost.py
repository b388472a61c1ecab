#!/usr/bin/env python3
"""Server CPU of one IAM PLAIN login (issue 14 goal: < 50 µs): two servers started by this run,
`--auth iam` with an IAM user's service-specific credential and `--auth none`; the same number
of new connections against each (connect, STARTUP, then AUTH_RESPONSE on the iam server and
OPTIONS on the other, so both make two round trips, close),
over raw sockets; the server's CPU (from /proc) per connection, and the difference: the login.

    python3 bench/login_cost.py [--bin build/sibyl] [--connections 4000] [--rounds 3]
"""
import argparse
import os
import socket
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from auth_overhead import start, user_login  # noqa: E402  (servers and the IAM user)
from login_burst import frame, login, read_frame  # noqa: E402


def connect_once(port, user, password):
    if user is not None:
        return login(port, user, password)  # STARTUP, AUTHENTICATE, AUTH_RESPONSE, AUTH_SUCCESS
    with socket.create_connection(("127.0.0.1", port)) as s:
        startup = struct.pack(">H", 1) + struct.pack(">H", 11) + b"CQL_VERSION" + \
            struct.pack(">H", 5) + b"3.0.0"
        s.sendall(frame(1, 0x01, startup))
        opcode, _ = read_frame(s)
        assert opcode == 0x02, opcode  # READY
        # The same number of round trips as a login: OPTIONS -> SUPPORTED, so that the
        # difference is the login's own work, not one more request's network cost.
        s.sendall(frame(2, 0x05, b""))
        opcode, _ = read_frame(s)
        assert opcode == 0x06, opcode  # SUPPORTED


def cpu(proc):
    fields = open(f"/proc/{proc.pid}/stat").read().split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def burst(port, user, password, n, threads):
    errors = []

    def worker():
        try:
            for _ in range(n // threads):
                connect_once(port, user, password)
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        sys.exit(f"connection failed: {errors[0]!r}")
    return (n // threads) * threads


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "sibyl"))
    ap.add_argument("--connections", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sibyl-loginbench-") as tmp:
        servers = {}
        for auth in ("none", "iam"):
            proc, cql, http = start(args.bin, os.path.join(tmp, auth), auth)
            creds = (None, None)
            if auth == "iam":
                provider = user_login(http)
                creds = (provider.username, provider.password)
            servers[auth] = (proc, cql, creds)
        per = {a: [0.0, 0] for a in servers}
        try:
            for _ in range(args.rounds):  # alternating, so both see the same machine state
                for auth, (proc, cql, (user, password)) in servers.items():
                    c = cpu(proc)
                    n = burst(cql, user, password, args.connections, args.threads)
                    per[auth][0] += cpu(proc) - c
                    per[auth][1] += n
        finally:
            for proc, _, _ in servers.values():
                proc.terminate()
                proc.wait()
    us = {a: 1e6 * cpu_s / n for a, (cpu_s, n) in per.items()}
    print(f"server CPU per new connection: --auth none {us['none']:.1f} µs (connect, STARTUP, "
          f"READY, OPTIONS, close); --auth iam {us['iam']:.1f} µs (… AUTHENTICATE, PLAIN login)")
    print(f"login (the difference): {us['iam'] - us['none']:.1f} µs of server CPU "
          f"({per['iam'][1]} logins)")


if __name__ == "__main__":
    main()
