#!/usr/bin/env python3
"""Transport abuse figures (issue 9, items 5 and 6): what hostile CQL clients cost the server in
memory and CPU, and what a well-behaved client's latency is meanwhile.

    python3 bench/transport_abuse.py [--bin build/sibyl] [scenario ...]

Scenarios (default: all), each on a fresh server (auth off, loopback, temporary data dir):
  idle        10,000 TCP connections that send nothing: server RSS before/after
  idle-ready  10,000 connections that did STARTUP (READY) and then stay idle
  lz4-small   a 17-byte lz4 frame declaring a 256 MiB body, 200 times: time per answer
  lz4-bomb    a ~1 MB lz4 frame that decompresses to ~255 MB: time to answer, peak RSS
  options     5 million pipelined OPTIONS whose answers are never read: RSS
  batch       a 64 MiB BATCH of null values before STARTUP: time to answer, peak RSS
A bystander (the python driver) runs `SELECT key FROM system.local` during each abuse; its
p50/p99/max latency is printed. Figures are RSS deltas (kB) from /proc/<pid>/status.
"""
import argparse
import os
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from cassandra.cluster import Cluster


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def frame(opcode, body=b"", stream=0, flags=0, version=4):
    return struct.pack(">BBhBi", version, flags, stream, opcode, len(body)) + body


def string_map(d):
    out = struct.pack(">H", len(d))
    for k, v in d.items():
        out += struct.pack(">H", len(k)) + k.encode() + struct.pack(">H", len(v)) + v.encode()
    return out


def startup(compression=None):
    options = {"CQL_VERSION": "3.0.0"}
    if compression:
        options["COMPRESSION"] = compression
    return frame(0x01, string_map(options))


def read_frame(sock):
    header = recv_exactly(sock, 9)
    if header is None:
        return None
    version, flags, stream, opcode, length = struct.unpack(">BBhBi", header)
    body = recv_exactly(sock, length)
    return opcode, body


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class Server:
    def __init__(self, binary, extra=()):
        self.dir = tempfile.TemporaryDirectory(prefix="sibyl-abuse-")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [binary, "serve", "--data-dir", self.dir.name, "--cql-port", str(self.port),
             "--cql-tls-port", str(free_port()), "--http-port", str(free_port()),
             "--auth", "none"] + list(extra),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                break
            except OSError:
                if self.proc.poll() is not None:
                    sys.exit("server exited")
                time.sleep(0.01)

    def status(self, field):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return 0

    def rss(self):
        return self.status("VmRSS")

    def peak(self):
        return self.status("VmHWM")

    def cpu(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.dir.cleanup()


class Bystander:
    """A well-behaved driver session querying in a loop; records latencies."""

    def __init__(self, port):
        self.cluster = Cluster(["127.0.0.1"], port=port, connect_timeout=10)
        self.session = self.cluster.connect()
        self.session.default_timeout = 30
        self.latencies = []
        self.errors = 0
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop_flag.is_set():
            t = time.perf_counter()
            try:
                self.session.execute("SELECT key FROM system.local")
                self.latencies.append(time.perf_counter() - t)
            except Exception:  # noqa: BLE001 - counted and reported
                self.errors += 1
            time.sleep(0.005)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join()
        self.cluster.shutdown()

    def report(self):
        if not self.latencies:
            return f"bystander: no answer, {self.errors} errors"
        lat = sorted(self.latencies)
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
        return (f"bystander: {len(lat)} queries, p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms, "
                f"max {lat[-1] * 1000:.2f} ms, {self.errors} errors")


def scenario_idle(server, ready):
    n = 10000
    base = server.rss()
    socks = []
    t = time.perf_counter()
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", server.port))
        if ready:
            s.sendall(startup())
        socks.append(s)
    if ready:
        for s in socks:
            read_frame(s)
    time.sleep(1.0)
    after = server.rss()
    print(f"  {n} idle {'READY ' if ready else ''}connections opened in "
          f"{time.perf_counter() - t:.1f} s: RSS +{(after - base) / 1024:.1f} MB "
          f"({(after - base) * 1024 / n:.0f} bytes each)")
    open_count = 0
    for s in socks:
        s.setblocking(False)
        try:
            open_count += s.recv(1) == b"" and 0 or 1
        except BlockingIOError:
            open_count += 1
        except OSError:
            pass
    print(f"  still open after 1 s: {open_count}")
    for s in socks:
        s.close()


def scenario_lz4_small(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    s.sendall(startup("lz4"))
    read_frame(s)
    body = struct.pack(">I", 256 << 20) + bytes([0xF0]) + b"\x00" * 12  # 17 bytes
    cpu0 = server.cpu()
    t = time.perf_counter()
    n = 200
    for i in range(n):
        s.sendall(frame(0x07, body, stream=i % 1000, flags=0x01))
        reply = read_frame(s)
        if reply is None:
            print("  connection closed by the server")
            break
    dt = time.perf_counter() - t
    print(f"  {n} x 17-byte lz4 frames: {dt * 1000 / n:.2f} ms per answer, "
          f"server CPU {(server.cpu() - cpu0) * 1000 / n:.2f} ms each, peak RSS "
          f"{server.peak() / 1024:.0f} MB")
    s.close()


def lz4_bomb_body():
    import lz4.block
    query = b"SELECT * FROM system.local WHERE key = '" + b"a" * (255 << 20) + b"'"
    body = struct.pack(">i", len(query)) + query + struct.pack(">HB", 1, 0)
    compressed = lz4.block.compress(body, store_size=False, mode="high_compression")
    return struct.pack(">I", len(body)) + compressed


def scenario_lz4_bomb(server):
    body = lz4_bomb_body()
    s = socket.create_connection(("127.0.0.1", server.port), timeout=120)
    s.sendall(startup("lz4"))
    read_frame(s)
    base = server.rss()
    t = time.perf_counter()
    s.sendall(frame(0x07, body, stream=7, flags=0x01))
    reply = read_frame(s)
    dt = time.perf_counter() - t
    print(f"  {len(body) / 1e6:.2f} MB lz4 frame: answered in {dt * 1000:.0f} ms "
          f"({'closed' if reply is None else 'opcode 0x%02x' % reply[0]}), RSS before "
          f"{base / 1024:.0f} MB, peak {server.peak() / 1024:.0f} MB")
    s.close()


def scenario_options(server, seconds=30):
    n = 5_000_000
    s = socket.create_connection(("127.0.0.1", server.port))
    # After STARTUP: before it, the handshake deadline (10 s) would close the connection.
    s.sendall(startup())
    read_frame(s)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    chunk = frame(0x05) * 100_000
    base = server.rss()
    sent = 0
    s.settimeout(1.0)
    deadline = time.time() + seconds
    while sent < n * 9 and time.time() < deadline:
        offset = sent % len(chunk)  # a partial send goes on where it stopped
        try:
            sent += s.send(chunk[offset: offset + min(len(chunk) - offset, n * 9 - sent)])
        except socket.timeout:
            pass
        except OSError as e:
            print(f"  the server closed the connection: {e}")
            break
    time.sleep(1.0)
    print(f"  {sent // 9} OPTIONS sent in {seconds - max(0, deadline - time.time()):.1f} s "
          f"(the server stops reading when its answers are not read): RSS "
          f"+{(server.rss() - base) / 1024:.0f} MB, peak {server.peak() / 1024:.0f} MB")
    s.close()


def scenario_batch(server):
    n_statements = 1024
    values_per = 65535 // 4
    entry = b"\x00" + struct.pack(">i", 1) + b"x" + struct.pack(">H", values_per) + \
        struct.pack(">i", -1) * values_per
    body = b"\x00" + struct.pack(">H", n_statements) + entry * n_statements + b"\x00\x01\x00"
    s = socket.create_connection(("127.0.0.1", server.port), timeout=120)
    base = server.rss()
    t = time.perf_counter()
    try:
        s.sendall(frame(0x0D, body, stream=3))
        reply = read_frame(s)
    except OSError as e:
        reply = None
        print(f"  send failed: {e}")
    dt = time.perf_counter() - t
    print(f"  {len(body) / 2**20:.0f} MiB BATCH before STARTUP: answered in {dt * 1000:.0f} ms "
          f"({'closed' if reply is None else 'opcode 0x%02x' % reply[0]}), RSS before "
          f"{base / 1024:.0f} MB, peak {server.peak() / 1024:.0f} MB")
    s.close()


SCENARIOS = {
    "idle": lambda srv: scenario_idle(srv, ready=False),
    "idle-ready": lambda srv: scenario_idle(srv, ready=True),
    "lz4-small": scenario_lz4_small,
    "lz4-bomb": scenario_lz4_bomb,
    "options": scenario_options,
    "batch": scenario_batch,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "sibyl"))
    ap.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    for name in args.scenarios:
        print(f"{name}:")
        server = Server(args.bin)
        try:
            with Bystander(server.port) as bystander:
                time.sleep(0.5)
                SCENARIOS[name](server)
            print(f"  {bystander.report()}; server {'alive' if server.alive() else 'DEAD'}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
