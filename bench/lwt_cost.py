#!/usr/bin/env python3
"""The cost of an uncontended lightweight transaction (issue 12) next to a plain write, against
one server started by this run.

    python3 bench/lwt_cost.py [--bin build/sibyl] [--rows 2000] [--rounds 3] [--durability periodic]

Per round, on fresh keys: prepared plain INSERTs; prepared `INSERT ... IF NOT EXISTS` (every
one applies); prepared `UPDATE ... SET v = ? WHERE k = ? IF v = ?` on the rows just written
(every one applies); and plain UPDATEs of the same rows. Prints statements per second (wall
clock; bound by the Python driver) and per server CPU-second (what the server spends), and the
server CPU microseconds per statement. Goal (issue 12): an LWT costs at most ~2x a plain write.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

from cassandra.cluster import Cluster
from cassandra.concurrent import execute_concurrent_with_args


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, data_dir, durability):
    cql = free_port()
    proc = subprocess.Popen(
        [binary, "serve", "--data-dir", data_dir, "--cql-port", str(cql), "--cql-tls-port",
         str(free_port()), "--http-port", str(free_port()), "--durability", durability,
         "--auth", "none"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            socket.create_connection(("127.0.0.1", cql), timeout=0.1).close()
            return proc, cql
        except OSError:
            if proc.poll() is not None:
                sys.exit("server exited")
            time.sleep(0.01)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "sibyl"))
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--durability", default="periodic", choices=["periodic", "sync"])
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sibyl-lwtbench-") as tmp:
        proc, port = start(args.bin, tmp, args.durability)
        cluster = Cluster(["127.0.0.1"], port=port)
        session = cluster.connect()
        session.default_timeout = 60
        session.execute("CREATE KEYSPACE bench WITH replication = "
                        "{'class': 'SimpleStrategy', 'replication_factor': 1}")
        session.execute("CREATE TABLE bench.t (k int PRIMARY KEY, v int, w text)")
        plain = session.prepare("INSERT INTO bench.t (k, v, w) VALUES (?, ?, 'x')")
        lwt_insert = session.prepare("INSERT INTO bench.t (k, v, w) VALUES (?, ?, 'x') IF NOT EXISTS")
        lwt_update = session.prepare("UPDATE bench.t SET v = ? WHERE k = ? IF v = ?")
        plain_update = session.prepare("UPDATE bench.t SET v = ? WHERE k = ?")

        def cpu():
            fields = open(f"/proc/{proc.pid}/stat").read().split()
            return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")

        totals = {}

        def measure(name, stmt, params, lwt):
            t, c = time.perf_counter(), cpu()
            results = execute_concurrent_with_args(session, stmt, params,
                                                   concurrency=args.concurrency,
                                                   raise_on_first_error=True)
            wall, used = time.perf_counter() - t, cpu() - c
            assert all(ok for ok, _ in results)
            if lwt:
                assert all(rs.was_applied for _, rs in results), "an uncontended LWT failed"
            acc = totals.setdefault(name, [0.0, 0.0, 0])
            acc[0] += wall
            acc[1] += used
            acc[2] += len(params)

        base = 0
        for _ in range(args.rounds):
            keys = range(base, base + args.rows)
            measure("plain INSERT          ", plain, [(k, 0) for k in keys], False)
            lwt_keys = range(base + args.rows, base + 2 * args.rows)
            measure("INSERT IF NOT EXISTS  ", lwt_insert, [(k, 0) for k in lwt_keys], True)
            measure("plain UPDATE          ", plain_update, [(1, k) for k in keys], False)
            measure("UPDATE ... IF v = ?   ", lwt_update, [(1, k, 0) for k in lwt_keys], True)
            base += 2 * args.rows
        cluster.shutdown()
        proc.send_signal(signal.SIGTERM)
        proc.wait()

    print(f"{args.rounds} rounds x {args.rows} statements per kind, concurrency "
          f"{args.concurrency}, durability {args.durability}")
    for name, (wall, used, n) in totals.items():
        print(f"{name}: {n / wall:8,.0f}/s wall, {n / max(used, 0.01):8,.0f}/server CPU-s, "
              f"{used / n * 1e6:7,.0f} us server CPU each")


if __name__ == "__main__":
    main()
