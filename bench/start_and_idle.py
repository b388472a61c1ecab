#!/usr/bin/env python3
"""Start time, idle RSS and memory per idle connection (issue 14 goals: start < 200 ms on an empty
data dir, idle RSS < 64 MB, < 16 KB per idle connection).

    python3 bench/start_and_idle.py [build/sibyl] [iam|none]

Starts the server three times (on an empty data dir, then twice again on it) and prints the time
until the CQL port accepts, the RSS half a second later, and the RSS growth per connection with
200 connections that each sent STARTUP and then stay idle.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS")).split()[1])


def run(binary, auth, data_dir, label):
    cql = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [binary, "serve", "--data-dir", data_dir, "--cql-port", str(cql), "--cql-tls-port",
         str(free_port()), "--http-port", str(free_port()), "--auth", auth],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", cql), timeout=0.05).close()
                break
            except OSError:
                if proc.poll() is not None:
                    sys.exit("the server exited")
                time.sleep(0.002)
        start_ms = (time.monotonic() - started) * 1000
        time.sleep(0.5)
        idle = rss_kb(proc.pid)
        startup = struct.pack(">H", 1) + struct.pack(">H", 11) + b"CQL_VERSION" + \
            struct.pack(">H", 5) + b"3.0.0"
        conns = []
        for i in range(200):
            s = socket.create_connection(("127.0.0.1", cql))
            s.sendall(struct.pack(">BBhBI", 4, 0, 1, 1, len(startup)) + startup)
            s.recv(100)  # READY or AUTHENTICATE
            conns.append(s)
        time.sleep(0.5)
        per_conn = (rss_kb(proc.pid) - idle) / len(conns)
        for s in conns:
            s.close()
    finally:
        proc.terminate()
        proc.wait()
    print(f"{label}: start {start_ms:.0f} ms, idle RSS {idle / 1024:.1f} MB, "
          f"{per_conn:.1f} KB per idle connection")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "build", "sibyl")
    auth = sys.argv[2] if len(sys.argv) > 2 else "iam"
    data_dir = tempfile.mkdtemp(prefix="sibyl-start-")
    shutil.rmtree(data_dir)
    try:
        run(binary, auth, data_dir, "empty data dir")
        run(binary, auth, data_dir, "restart")
        run(binary, auth, data_dir, "restart")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
