#!/usr/bin/env python3
"""The cost of a counter increment (issue 12) next to a plain write, against one server started by
this run.

    python3 bench/counters_cost.py [--bin build/sibyl] [--ops 4000] [--rounds 3]
                                   [--durability sync|periodic]

Prepared statements, `--concurrency` in flight from one driver connection:
  plain write        UPDATE plain SET v = ? WHERE k = ?      (one bigint cell, distinct keys)
  counter, spread    UPDATE ctr SET n = n + 1 WHERE k = ?    (distinct keys)
  counter, one cell  UPDATE ctr SET n = n + 1 WHERE k = -1   (every increment on one cell)
  counter read       SELECT n FROM ctr WHERE k = ?           (a cell merged from many increments)
Prints statements per second (wall clock; bound by the Python driver) and per server CPU-second,
and the server CPU microseconds per statement. Checks the hot counter's final value.
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
    ap.add_argument("--ops", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--durability", default="sync", choices=["sync", "periodic"])
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sibyl-counterbench-") as tmp:
        proc, port = start(args.bin, tmp, args.durability)
        cluster = Cluster(["127.0.0.1"], port=port)
        session = cluster.connect()
        session.default_timeout = 60
        session.execute("CREATE KEYSPACE bench WITH replication = "
                        "{'class': 'SimpleStrategy', 'replication_factor': 1}")
        session.execute("CREATE TABLE bench.plain (k int PRIMARY KEY, v bigint)")
        session.execute("CREATE TABLE bench.ctr (k int PRIMARY KEY, n counter)")
        plain = session.prepare("UPDATE bench.plain SET v = ? WHERE k = ?")
        inc = session.prepare("UPDATE bench.ctr SET n = n + 1 WHERE k = ?")
        read = session.prepare("SELECT n FROM bench.ctr WHERE k = ?")

        def cpu():
            fields = open(f"/proc/{proc.pid}/stat").read().split()
            return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")

        totals = {}

        def measure(name, stmt, params):
            t, c = time.perf_counter(), cpu()
            results = execute_concurrent_with_args(session, stmt, params,
                                                   concurrency=args.concurrency,
                                                   raise_on_first_error=True)
            wall, used = time.perf_counter() - t, cpu() - c
            assert all(ok for ok, _ in results)
            acc = totals.setdefault(name, [0.0, 0.0, 0])
            acc[0] += wall
            acc[1] += used
            acc[2] += len(params)

        n = args.ops
        for r in range(args.rounds):
            measure("plain write      ", plain, [(k, k) for k in range(n)])
            measure("counter, spread  ", inc, [(k,) for k in range(n)])
            measure("counter, one cell", inc, [(-1,)] * n)
            measure("counter read     ", read, [(k % 100,) for k in range(n)])
        hot = session.execute("SELECT n FROM bench.ctr WHERE k = -1").one().n
        assert hot == args.rounds * n, hot
        cluster.shutdown()
        proc.send_signal(signal.SIGTERM)
        proc.wait()

    print(f"{args.rounds} rounds x {n} statements per kind, concurrency {args.concurrency}, "
          f"durability {args.durability}; hot counter = {hot} (lost updates: {args.rounds * n - hot})")
    for name, (wall, used, count) in totals.items():
        print(f"{name}: {count / wall:8,.0f}/s wall, {count / max(used, 0.01):8,.0f}/server CPU-s, "
              f"{used / count * 1e6:7,.0f} us server CPU each")


if __name__ == "__main__":
    main()
