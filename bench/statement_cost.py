"""What the *_cost.py benchmarks share: start one `sibyl serve` (no auth) on free loopback ports,
and measure prepared statements run concurrently from one Python driver session: wall-clock
rate (bound by the driver) and the server's CPU per statement (from /proc/<pid>/stat).

    with Server(binary, durability="periodic") as server:
        session = server.session()
        meter = CostMeter(server, session, concurrency=32)
        meter.measure("plain write", prepared, [(k, k) for k in range(n)])
        meter.report()
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

from cassandra.cluster import Cluster
from cassandra.concurrent import execute_concurrent_with_args


def default_binary():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "sibyl")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server on a temporary data dir, stopped (SIGTERM) and removed on exit."""

    def __init__(self, binary, durability="periodic", prefix="sibyl-bench-"):
        self.binary, self.durability, self.prefix = binary, durability, prefix
        self.proc, self.cluster = None, None

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix=self.prefix)
        self.port = free_port()
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self._tmp.name, "--cql-port", str(self.port),
             "--cql-tls-port", str(free_port()), "--http-port", str(free_port()),
             "--durability", self.durability, "--auth", "none"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    sys.exit("server exited")
                time.sleep(0.01)

    def session(self, keyspace="bench"):
        """A driver session with `keyspace` created (SimpleStrategy, RF 1)."""
        self.cluster = Cluster(["127.0.0.1"], port=self.port)
        session = self.cluster.connect()
        session.default_timeout = 60
        session.execute(f"CREATE KEYSPACE {keyspace} WITH replication = "
                        "{'class': 'SimpleStrategy', 'replication_factor': 1}")
        return session

    def cpu_seconds(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc):
        if self.cluster is not None:
            self.cluster.shutdown()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()
        self._tmp.cleanup()


class CostMeter:
    """Accumulates, per statement kind, wall time, server CPU time and statement count."""

    def __init__(self, server, session, concurrency):
        self.server, self.session, self.concurrency = server, session, concurrency
        self.totals = {}

    def measure(self, name, statement, params):
        """Runs `statement` once per parameter tuple; returns the driver's result sets."""
        t, c = time.perf_counter(), self.server.cpu_seconds()
        results = execute_concurrent_with_args(self.session, statement, params,
                                               concurrency=self.concurrency,
                                               raise_on_first_error=True)
        wall, used = time.perf_counter() - t, self.server.cpu_seconds() - c
        assert all(ok for ok, _ in results)
        acc = self.totals.setdefault(name, [0.0, 0.0, 0])
        acc[0] += wall
        acc[1] += used
        acc[2] += len(params)
        return [rs for _, rs in results]

    def report(self):
        for name, (wall, used, n) in self.totals.items():
            print(f"{name}: {n / wall:8,.0f}/s wall, {n / max(used, 0.01):8,.0f}/server CPU-s, "
                  f"{used / n * 1e6:7,.0f} us server CPU each")
