#!/usr/bin/env python3
"""What TLS costs the server per statement (issue 14): one server started by this run, the same
prepared point reads through its plain port (9042's role) and its TLS port (9142's, Amazon
Keyspaces' only one), in alternating rounds.

    python3 bench/tls_overhead.py [--bin build/sibyl] [--rows 2000] [--concurrency 100]
                                  [--seconds 4] [--rounds 3]

Prints, per port and round, statements per second (wall clock; bound by the Python driver) and
the server's CPU per statement from /proc. The driver keeps --concurrency requests in flight on
its one connection, so answers that finish together can share a write.
"""
import argparse
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from cassandra.cluster import Cluster, ExecutionProfile, EXEC_PROFILE_DEFAULT
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.policies import RoundRobinPolicy


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connect(port, tls):
    context = None
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), request_timeout=30)
    cluster = Cluster(["127.0.0.1"], port=port, ssl_context=context, protocol_version=4,
                      execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    return cluster, cluster.connect()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                      "sibyl"))
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        plain, tls = free_port(), free_port()
        proc = subprocess.Popen(
            [args.bin, "serve", "--data-dir", data_dir, "--cql-port", str(plain),
             "--cql-tls-port", str(tls), "--http-port", str(free_port()), "--durability",
             "periodic", "--auth", "none"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for port in (plain, tls):
                deadline = time.time() + 30
                while True:
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                        break
                    except OSError:
                        if proc.poll() is not None or time.time() > deadline:
                            sys.exit("the server did not start")
                        time.sleep(0.02)
            cluster, session = connect(plain, False)
            session.execute("CREATE KEYSPACE IF NOT EXISTS bench WITH replication = "
                            "{'class': 'SimpleStrategy', 'replication_factor': 1}")
            session.execute("CREATE TABLE IF NOT EXISTS bench.tls (k int PRIMARY KEY, v blob)")
            insert = session.prepare("INSERT INTO bench.tls (k, v) VALUES (?, ?)")
            execute_concurrent_with_args(session, insert,
                                         [(k, os.urandom(100)) for k in range(args.rows)],
                                         concurrency=args.concurrency)
            cluster.shutdown()
            sessions = {}
            for name, port, secure in (("plain", plain, False), ("tls", tls, True)):
                cluster, session = connect(port, secure)
                sessions[name] = (cluster, session,
                                  session.prepare("SELECT v FROM bench.tls WHERE k = ?"))
            keys = [(k % args.rows,) for k in range(args.rows * 5)]
            print(f"tls_overhead.py: {args.rows} rows, {args.concurrency} in flight on one "
                  f"connection, {args.seconds} s per case")
            for rnd in range(1, args.rounds + 1):
                for name, (cluster, session, select) in sessions.items():
                    done = 0
                    cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
                    while time.perf_counter() - t0 < args.seconds:
                        results = execute_concurrent_with_args(
                            session, select, keys[:2000], concurrency=args.concurrency)
                        done += sum(1 for ok, _ in results if ok)
                    wall = time.perf_counter() - t0
                    cpu = cpu_seconds(proc.pid) - cpu0
                    print(f"round {rnd} {name:5}: {done / wall:8.0f} statements/s, server CPU "
                          f"{1e6 * cpu / done:6.1f} us/statement")
            for cluster, _, _ in sessions.values():
                cluster.shutdown()
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
