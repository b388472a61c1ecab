#!/usr/bin/env python3
"""The cost of a non-frozen collection (issue 11): a row with a 100-element map<int, int> next
to a row of scalars and a row with the same map frozen, against one server started by this run.

    python3 bench/collections_cost.py [--bin build/sibyl] [--rows 2000] [--rounds 3]

For each table: prepared INSERTs of whole rows, then prepared point SELECTs of those rows, then
(non-frozen only) prepared `m[?] = ?` element updates. Prints statements per second (wall clock;
bound by the Python driver) and per server CPU-second (what the server spends), and the server
CPU microseconds per statement.
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


def start(binary, data_dir):
    cql = free_port()
    proc = subprocess.Popen(
        [binary, "serve", "--data-dir", data_dir, "--cql-port", str(cql), "--cql-tls-port",
         str(free_port()), "--http-port", str(free_port()), "--durability", "periodic",
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
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sibyl-collbench-") as tmp:
        proc, port = start(args.bin, tmp)
        cluster = Cluster(["127.0.0.1"], port=port)
        session = cluster.connect()
        session.default_timeout = 60
        session.execute("CREATE KEYSPACE bench WITH replication = "
                        "{'class': 'SimpleStrategy', 'replication_factor': 1}")
        session.execute("CREATE TABLE bench.scalars (k int PRIMARY KEY, a int, b bigint, c text, "
                        "d double, e boolean)")
        session.execute("CREATE TABLE bench.map100 (k int PRIMARY KEY, m map<int, int>)")
        session.execute("CREATE TABLE bench.frozen100 (k int PRIMARY KEY, m frozen<map<int, int>>)")
        the_map = {i: i * 7 for i in range(100)}
        loads = {
            "scalars": (session.prepare("INSERT INTO bench.scalars (k, a, b, c, d, e) "
                                        "VALUES (?, ?, ?, ?, ?, ?)"),
                        lambda k: (k, k, k * 3, "value-%d" % k, k / 3, k % 2 == 0),
                        session.prepare("SELECT * FROM bench.scalars WHERE k = ?")),
            "map<int,int> x100": (session.prepare("INSERT INTO bench.map100 (k, m) VALUES (?, ?)"),
                                  lambda k: (k, the_map),
                                  session.prepare("SELECT * FROM bench.map100 WHERE k = ?")),
            "frozen map x100": (session.prepare("INSERT INTO bench.frozen100 (k, m) VALUES (?, ?)"),
                                lambda k: (k, the_map),
                                session.prepare("SELECT * FROM bench.frozen100 WHERE k = ?")),
        }
        put = session.prepare("UPDATE bench.map100 SET m[?] = ? WHERE k = ?")

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

        for _ in range(args.rounds):
            for table, (insert, values, select) in loads.items():
                measure(f"{table:18s} write", insert, [values(k) for k in range(args.rows)])
                measure(f"{table:18s} read ", select, [(k,) for k in range(args.rows)])
            measure(f"{'map<int,int> x100':18s} m[k]=v", put,
                    [(k % 100, k, k) for k in range(args.rows)])
        row = session.execute("SELECT m FROM bench.map100 WHERE k = 5").one()
        assert len(row.m) == 100
        cluster.shutdown()
        proc.send_signal(signal.SIGTERM)
        proc.wait()

    print(f"{args.rounds} rounds x {args.rows} statements per kind, concurrency {args.concurrency}")
    for name, (wall, used, n) in totals.items():
        print(f"{name}: {n / wall:8,.0f}/s wall, {n / max(used, 0.01):8,.0f}/server CPU-s, "
              f"{used / n * 1e6:7,.0f} us server CPU each")


if __name__ == "__main__":
    main()
