#!/usr/bin/env python3
"""Large values next to small rows (issue 9, item 10): how much a few large cells slow down reads
that do not even ask for them.

    python3 bench/large_values.py [--bin build/sibyl] [--rows 20000] [--large 3] [--large-mib 12]
                                  [--server-arg=--max-mutation-size-kib=131072 ...]

It starts its own server (no auth, a temporary data dir), loads --rows small rows
(k int PRIMARY KEY, v text of 100 bytes) and --large rows whose v is --large-mib MiB of text
(words of a small vocabulary, which LZ4 compresses about 2x), restarts the server so that everything is read from SST files (a clean
stop flushes the memtables), then times, through Debian's python3-cassandra driver:
  - SELECT k FROM t                     (full scan, all pages)
  - SELECT k FROM t WHERE k IN (0..999) (1000 small partitions)
  - SELECT count(*) FROM t
  - SELECT v FROM t WHERE k = ?         (1000 point reads of small rows, one at a time: p50/p99)
  - SELECT v FROM t WHERE k = <large>   (each large row once)
Each figure is wall-clock time with the server's CPU seconds beside it. The default large size
(12 MiB) fits under the 16 MiB mutation limit; 64 MiB (the size of the original report) needs
a raised limit on a server that has one (--server-arg=--max-mutation-size-kib=131072).
"""
import argparse
import os
import random
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time

from cassandra.cluster import Cluster
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.query import SimpleStatement


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, data_dir, extra):
        self.binary, self.data_dir, self.extra = binary, data_dir, extra
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self.data_dir, "--cql-port", str(self.port),
             "--cql-tls-port", str(free_port()), "--http-port", str(free_port()),
             "--auth", "none", "--durability", "periodic"] + self.extra,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    sys.exit("server exited")
                time.sleep(0.01)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a server still busy with a timed-out query
            self.proc.kill()
            self.proc.wait()

    def cpu(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def large_text(size, seed):
    """`size` bytes of words from a small vocabulary: text that LZ4 shrinks about 2x."""
    rng = random.Random(seed)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9)))
             for _ in range(512)]
    chunk = " ".join(rng.choices(words, k=200_000))
    return (chunk * (size // len(chunk) + 1))[:size]


def timed(server, fn):
    """(result, wall seconds, server CPU seconds); result is the exception when one is raised
    (a client timeout: the figure is then a lower bound)."""
    t, c = time.perf_counter(), server.cpu()
    try:
        result = fn()
    except Exception as e:  # noqa: BLE001 -- printed as the result
        result = f"FAILED ({type(e).__name__})"
    return result, time.perf_counter() - t, server.cpu() - c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "sibyl"))
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--large", type=int, default=3, help="number of large rows")
    ap.add_argument("--large-mib", type=float, default=12.0, help="size of each large value")
    ap.add_argument("--server-arg", action="append", default=[],
                    help="extra argument for `sibyl serve` (repeatable)")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="client timeout of each query, s (a query still running then is reported "
                         "as FAILED after that long)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sibyl-bench-") as data_dir:
        server = Server(args.bin, os.path.join(data_dir, "data"), args.server_arg)
        server.start()
        cluster = Cluster(["127.0.0.1"], port=server.port, connect_timeout=30)
        session = cluster.connect()
        session.default_timeout = args.timeout
        session.execute("CREATE KEYSPACE bench WITH replication = "
                        "{'class': 'SimpleStrategy', 'replication_factor': 1}")
        session.execute("CREATE TABLE bench.t (k int PRIMARY KEY, v text)")
        insert = session.prepare("INSERT INTO bench.t (k, v) VALUES (?, ?)")
        t = time.perf_counter()
        # The large rows first: each fills a memtable of its own, so it is flushed to a file
        # with hardly any other key, and every seek below its key in that file lands on it.
        large_keys = [args.rows + i for i in range(args.large)]
        large_bytes = int(args.large_mib * (1 << 20))
        for k in large_keys:
            session.execute(insert, (k, large_text(large_bytes, seed=k)))
        execute_concurrent_with_args(session, insert, [(i, "x" * 100) for i in range(args.rows)],
                                     concurrency=64, raise_on_first_error=True)
        load_s = time.perf_counter() - t
        cluster.shutdown()
        server.stop()  # a clean stop flushes: the reads below come from SST files

        server.start()
        cluster = Cluster(["127.0.0.1"], port=server.port, connect_timeout=30)
        session = cluster.connect("bench")
        session.default_timeout = args.timeout
        print(f"loaded {args.rows} rows of 100 B and {args.large} of {args.large_mib:g} MiB "
              f"in {load_s:.1f} s; server {args.bin}")

        scan = SimpleStatement("SELECT k FROM t", fetch_size=5000)
        rows, s, c = timed(server, lambda: sum(1 for _ in session.execute(scan, timeout=args.timeout)))
        print(f"SELECT k FROM t:                      {s * 1000:9.0f} ms (server CPU {c:6.2f} s), "
              f"{rows} rows")
        in_list = ",".join(str(i) for i in range(1000))
        rows, s, c = timed(server, lambda: len(list(
            session.execute(f"SELECT k FROM t WHERE k IN ({in_list})", timeout=args.timeout))))
        print(f"SELECT k FROM t WHERE k IN (0..999):  {s * 1000:9.0f} ms (server CPU {c:6.2f} s), "
              f"{rows} rows")
        count, s, c = timed(server, lambda: session.execute("SELECT count(*) FROM t",
                                                            timeout=args.timeout).one()[0])
        print(f"SELECT count(*) FROM t:               {s * 1000:9.0f} ms (server CPU {c:6.2f} s), "
              f"count {count}")

        point = session.prepare("SELECT v FROM t WHERE k = ?")
        latencies = []

        def point_reads():
            for i in range(0, args.rows, max(1, args.rows // 1000)):
                t0 = time.perf_counter()
                session.execute(point, (i,)).one()
                latencies.append(time.perf_counter() - t0)
        _, s, c = timed(server, point_reads)
        latencies.sort()
        print(f"point reads of small rows:            p50 {statistics.median(latencies) * 1000:.2f} ms,"
              f" p99 {latencies[int(len(latencies) * 0.99)] * 1000:.2f} ms "
              f"({len(latencies)} reads, server CPU {c:.2f} s)")
        for k in large_keys:
            value, s, c = timed(server, lambda: len(session.execute(point, (k,)).one()[0]))
            print(f"SELECT v of large row {k}:          {s * 1000:9.0f} ms (server CPU {c:6.2f} s), "
                  f"{value} bytes")
        cluster.shutdown()
        server.stop()


if __name__ == "__main__":
    main()
