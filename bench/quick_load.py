#!/usr/bin/env python3
"""A first, quick measurement (issue #2): server start time, then writes/s and reads/s from a
simple load through Debian's python3-cassandra driver (prepared statements, concurrency 64).

    python3 bench/quick_load.py [--bin build/sibyl] [--rows 50000] [--durability sync]

It starts its own server on a free loopback port with a temporary data dir and prints figures.
The Python driver, not the server, is the bottleneck at these rates (the server CPU time is
printed too): read the wall-clock rates as a floor, not a ceiling.
"""
import argparse
import os
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "sibyl"))
    ap.add_argument("--rows", type=int, default=50000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--durability", default="sync", choices=["sync", "periodic"])
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sibyl-bench-") as data_dir:
        port = free_port()
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [args.bin, "serve", "--data-dir", data_dir, "--cql-port", str(port),
             "--cql-tls-port", str(free_port()), "--http-port", str(free_port()),
             "--durability", args.durability, "--auth", "none"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    sys.exit("server exited")
                time.sleep(0.001)
        start_ms = (time.perf_counter() - t0) * 1000

        def server_cpu():
            fields = open(f"/proc/{proc.pid}/stat").read().split()
            return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
        try:
            cluster = Cluster(["127.0.0.1"], port=port)
            session = cluster.connect()
            session.execute("CREATE KEYSPACE bench WITH replication = "
                            "{'class': 'SimpleStrategy', 'replication_factor': 1}")
            session.execute("CREATE TABLE bench.kv (k int PRIMARY KEY, v text)")
            insert = session.prepare("INSERT INTO bench.kv (k, v) VALUES (?, ?)")
            select = session.prepare("SELECT v FROM bench.kv WHERE k = ?")
            value = "x" * 100
            rows = [(i, value) for i in range(args.rows)]
            t, c = time.perf_counter(), server_cpu()
            execute_concurrent_with_args(session, insert, rows, concurrency=args.concurrency)
            write_s, write_cpu = time.perf_counter() - t, server_cpu() - c
            t, c = time.perf_counter(), server_cpu()
            results = execute_concurrent_with_args(session, select, [(i,) for i in range(args.rows)],
                                                   concurrency=args.concurrency)
            read_s, read_cpu = time.perf_counter() - t, server_cpu() - c
            missing = sum(1 for ok, r in results if not ok or r.one() is None)
            cluster.shutdown()
        finally:
            proc.terminate()
            proc.wait()
    print(f"server start (exec to CQL port accepting): {start_ms:.0f} ms")
    print(f"writes: {args.rows} in {write_s:.2f} s = {args.rows / write_s:,.0f}/s "
          f"(durability {args.durability}, concurrency {args.concurrency}); server CPU "
          f"{write_cpu:.2f} s = {args.rows / max(write_cpu, 0.01):,.0f} writes per server CPU-second")
    print(f"reads:  {args.rows} in {read_s:.2f} s = {args.rows / read_s:,.0f}/s, missing {missing}; "
          f"server CPU {read_cpu:.2f} s = {args.rows / max(read_cpu, 0.01):,.0f} reads per server "
          f"CPU-second")


if __name__ == "__main__":
    main()
