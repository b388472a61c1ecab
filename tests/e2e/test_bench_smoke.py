"""Smoke of bench/loadgen (issue 14), so that the benchmark tool cannot rot: about a second of
load against the test server (and Debian's redis-server when installed), checked for zero errors
and a JSON line that parses; and fake servers with wrong answers, which loadgen must count as
errors (exit status 1) rather than crash, hang or ignore. No speed is asserted."""
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import SIBYL_BIN, free_port

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def loadgen_path():
    candidates = [os.environ.get("SIBYL_LOADGEN"),
                  os.path.join(os.path.dirname(SIBYL_BIN), "bench", "loadgen"),
                  os.path.join(ROOT, "build", "bench", "loadgen")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    if os.environ.get("SIBYL_SANITIZER_LOG_DIR"):
        pytest.skip("bench/ is not built under the sanitizers (CMakeLists.txt)")
    pytest.fail(f"bench/loadgen not found next to {SIBYL_BIN}: build the sibyl_programs target")


def run_loadgen(*args, timeout=15):
    proc = subprocess.run([loadgen_path(), "--host", "127.0.0.1"] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode >= 0, f"loadgen killed by signal {-proc.returncode}:\n{proc.stderr}"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc, json.loads(lines[0])


def check_clean_run(proc, result, populated):
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert result["errors"] == 0, proc.stderr
    assert result["ops"] > 0 and result["completed"] >= result["ops"]
    assert 0 < result["p50_us"] <= result["p90_us"] <= result["p99_us"] <= result["p999_us"]
    assert result["p999_us"] <= result["max_us"] + 1e-6
    assert result["client_cpu_us_per_op"] > 0
    if populated:  # a mixed run over written keys: every read found its 100-byte value
        assert result["hits"] > 0 and result["misses"] == 0


def test_loadgen_against_sibyl(server, keyspace):
    proc, result = run_loadgen(
        "--protocol", "cql", "--port", server.cql_port, "--connections", 4, "--depth", 8,
        "--op", "mixed", "--keys", 500, "--populate", "--duration", 1, "--keyspace", keyspace,
        "--server-pid", server.proc.pid)
    check_clean_run(proc, result, populated=True)
    assert result["server_cpu_us_per_op"] is not None and result["server_rss_mb"] > 0
    # Without --settle nothing is waited for after the run.
    assert result["server_after_cpu_us_per_op"] is None and result["settle_s"] is None


def test_loadgen_read_percent_sets_a_mixed_runs_share_of_reads(server, keyspace):
    """--read-percent (bench/README.md): 90 makes nine requests in ten reads, 0 makes none."""
    proc, result = run_loadgen(
        "--protocol", "cql", "--port", server.cql_port, "--connections", 4, "--depth", 8,
        "--op", "mixed", "--read-percent", 90, "--keys", 500, "--populate", "--duration", 1,
        "--keyspace", keyspace)
    check_clean_run(proc, result, populated=True)
    assert result["read_percent"] == 90
    assert 0.85 <= result["hits"] / result["ops"] <= 0.95, result
    proc, result = run_loadgen(
        "--protocol", "cql", "--port", server.cql_port, "--connections", 4, "--depth", 8,
        "--op", "mixed", "--read-percent", 0, "--keys", 500, "--duration", 1, "--keyspace", keyspace)
    check_clean_run(proc, result, populated=False)
    assert result["hits"] == 0 and result["misses"] == 0
    proc, result = run_loadgen("--protocol", "cql", "--port", server.cql_port, "--op", "write",
                               "--duration", 1, "--keyspace", keyspace)
    assert result["read_percent"] is None


def test_loadgen_over_tls_against_sibyl(server, keyspace):
    """The same loop through the server's TLS port (9142's role), as bench/compare.sh runs it."""
    proc, result = run_loadgen(
        "--protocol", "cql", "--port", server.tls_port, "--tls", "--connections", 4, "--depth", 8,
        "--op", "mixed", "--keys", 500, "--populate", "--duration", 1, "--keyspace", keyspace,
        "--server-pid", server.proc.pid)
    check_clean_run(proc, result, populated=True)
    assert result["tls"] is True


def test_loadgen_over_tls_reports_a_plain_server_as_a_setup_error(server):
    """A TLS client on the plain port fails its handshake: exit status 2 and why, no hang."""
    proc = subprocess.run([loadgen_path(), "--host", "127.0.0.1", "--protocol", "cql", "--port",
                           str(server.cql_port), "--tls", "--connections", "1", "--duration", "1"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "TLS handshake" in proc.stderr, proc.stderr


@pytest.mark.skipif(shutil.which("redis-server") is None,
                    reason="redis-server is not installed (scripts/install-deps.sh)")
def test_loadgen_against_redis():
    with tempfile.TemporaryDirectory(prefix="sibyl-e2e-redis-") as d:
        port = free_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
             "--appendonly", "no", "--logfile", os.path.join(d, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    assert time.time() < deadline and redis.poll() is None, "redis did not start"
                    time.sleep(0.02)
            proc, result = run_loadgen(
                "--protocol", "redis", "--port", port, "--connections", 4, "--depth", 8,
                "--op", "mixed", "--keys", 500, "--populate", "--duration", 1, "--threads", 2,
                "--server-pid", redis.pid)
            check_clean_run(proc, result, populated=True)
        finally:
            redis.send_signal(signal.SIGTERM)
            redis.wait(timeout=10)


@pytest.mark.skipif(shutil.which("redis-server") is None,
                    reason="redis-server is not installed (scripts/install-deps.sh)")
def test_compare_sh_smoke_over_two_rounds():
    """bench/compare.sh end to end, in its CI form (--smoke: zero errors, no speed) over two
    rounds: every case of both rounds ran, and the table gives each ratio as the median of the
    rounds' own ratios with their range."""
    if os.environ.get("SIBYL_SANITIZER_LOG_DIR"):
        # compare.sh runs the server and loadgen of one build dir, and the sanitizer build has no
        # bench/ (CMakeLists.txt); the normal e2e run covers it. (loadgen_path() alone does not
        # skip here: it may find the normal build's loadgen in build/.)
        pytest.skip("bench/ is not built under the sanitizers (CMakeLists.txt)")
    build_dir = os.path.dirname(SIBYL_BIN)
    assert os.access(os.path.join(build_dir, "bench", "loadgen"), os.X_OK), \
        f"bench/loadgen not found in {build_dir}: build the sibyl_programs target"
    with tempfile.TemporaryDirectory(prefix="sibyl-e2e-compare-") as d:
        out = os.path.join(d, "table.md")
        proc = subprocess.run(["bash", os.path.join(ROOT, "bench", "compare.sh"), "--smoke",
                               "--rounds", "2", "--build-dir", build_dir, "--out", out],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert proc.stdout.count("compare.sh: round ") == 2, proc.stdout
        # The disk's own cost of a durable append, against which the sync rows are read.
        assert re.search(r"fdatasync after a 150-byte append in \S+: median \d+\.\d\d ms, "
                         r"p90 \d+\.\d\d ms \(200 in a row\)", proc.stdout), proc.stdout[:2000]
        table = open(out).read()
    assert table.startswith("Median of 2 rounds"), table
    plain, tls = table.split("Over TLS")
    ratio = r"\d+\.\d\dx \(\d+\.\d\d-\d+\.\d\d\)"
    for part, columns in ((plain, (3, 7)), (tls, (3, 4))):
        rows = [line for line in part.splitlines() if line.startswith("| writes,")
                or line.startswith("| reads,")]
        assert len(rows) == 4, table
        for row in rows:
            cells = [c.strip() for c in row.strip("|").split("|")]
            for column in columns:  # plain: Sibyl/Redis, sync/periodic; TLS: Sibyl/Redis, TLS/plain
                assert re.fullmatch(ratio, cells[column]), row
        if part is plain:
            # Half reads, half writes at 32 in flight: every ratio of the four servers.
            mixed = [line for line in part.splitlines() if line.startswith("| half reads, half")]
            assert len(mixed) == 1, table
            cells = [c.strip() for c in mixed[0].strip("|").split("|")]
            for column in (3, 6, 7):
                assert re.fullmatch(ratio, cells[column]), mixed[0]
        # What each case left behind, measured until the server was idle (loadgen --settle).
        after = [line for line in part.splitlines() if line.startswith("| then until idle")]
        assert len(after) == 2, table
        for row in after:
            cells = [c.strip() for c in row.strip("|").split("|")]
            assert re.fullmatch(r"\d+\.\d / \d+\.\d us", cells[2]), row  # Sibyl, 1 / 32


# ---- fake servers with wrong answers ------------------------------------------------------------
class FakeServer:
    """Answers each connection with handler(conn) in a thread, on a free loopback port."""

    def __init__(self, handler):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.handler = handler
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            self.handler(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.sock.close()


def cql_frame(stream, opcode, body, version=0x84):
    return struct.pack(">BBhBI", version, 0, stream, opcode, len(body)) + body


def fake_cql(mode):
    """Set-up answered as a server would (READY, Void, PREPARED); EXECUTEs answered per mode."""
    def handler(conn):
        buf = b""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            while len(buf) >= 9:
                _, _, stream, opcode, length = struct.unpack(">BBhBI", buf[:9])
                if len(buf) < 9 + length:
                    break
                buf = buf[9 + length:]
                if opcode == 0x01:
                    out = cql_frame(stream, 0x02, b"")
                elif opcode == 0x07:
                    out = cql_frame(stream, 0x08, struct.pack(">i", 1))
                elif opcode == 0x09:
                    out = cql_frame(stream, 0x08, struct.pack(">iH", 4, 2) + b"id")
                elif mode == "ok":  # the control: a well-formed empty Rows (no_metadata)
                    out = cql_frame(stream, 0x08, struct.pack(">iiii", 2, 0x0004, 1, 0))
                elif mode == "error":  # Unavailable, as a server under trouble would say
                    msg = b"Cannot achieve consistency level ONE"
                    out = cql_frame(stream, 0x00, struct.pack(">iH", 0x1000, len(msg)) + msg)
                elif mode == "version":
                    out = cql_frame(stream, 0x08, struct.pack(">i", 1), version=0x85)
                elif mode == "stream":  # an answer on a stream that has no request
                    out = cql_frame(stream ^ 0x4000, 0x08, struct.pack(">i", 1))
                elif mode == "short-row":  # one row whose 100-byte value is 3 bytes
                    out = cql_frame(stream, 0x08, struct.pack(">iiii", 2, 0x0004, 1, 1) +
                                    struct.pack(">i", 100) + b"abc")
                elif mode == "huge":  # a header declaring a 2 GiB body
                    out = struct.pack(">BBhBI", 0x84, 0, stream, 0x08, 0x7FFFFFF0)
                elif mode == "silent":
                    continue
                conn.sendall(out)
    return handler


def test_loadgen_accepts_the_fake_servers_well_formed_answers():
    """The control of the test below: the same fake with right answers is not an error."""
    fake = FakeServer(fake_cql("ok"))
    try:
        proc, result = run_loadgen(
            "--protocol", "cql", "--port", fake.port, "--connections", 2, "--depth", 4,
            "--op", "read", "--keys", 10, "--duration", 0.2, "--drain-timeout", 0.5)
    finally:
        fake.close()
    assert proc.returncode == 0 and result["errors"] == 0, proc.stdout + proc.stderr
    assert result["misses"] == result["completed"] > 0


@pytest.mark.parametrize("busy", [False, True])
def test_loadgen_settle_waits_for_an_idle_server_and_no_longer_than_its_limit(busy):
    """--settle (compare.sh's wait after each case): the CPU of the --server-pid process after the
    run is reported per op. A process that stays busy ends the wait at its limit, marked not
    settled; an idle one ends it within a window or two. The load goes to a fake server, so the
    process watched is only a stand-in for a server that is still compacting, or is not."""
    spin = "while True: pass" if busy else "import time; time.sleep(60)"
    stand_in = subprocess.Popen(["/usr/bin/python3", "-c", spin])
    fake = FakeServer(fake_cql("ok"))
    try:
        time.sleep(0.3)  # the stand-in's start-up is not what is measured
        proc, result = run_loadgen(
            "--protocol", "cql", "--port", fake.port, "--connections", 2, "--depth", 4,
            "--op", "read", "--keys", 10, "--duration", 0.2, "--drain-timeout", 0.5,
            "--server-pid", stand_in.pid, "--settle", 3)
    finally:
        fake.close()
        stand_in.kill()
        stand_in.wait(timeout=10)
    assert proc.returncode == 0 and result["errors"] == 0, proc.stdout + proc.stderr
    assert result["settled"] is (not busy), result
    if busy:
        assert 3 <= result["settle_s"] < 5, result
        # ~3 s of one core, per op of a 0.2 s run
        assert result["server_after_cpu_us_per_op"] * result["completed"] / 1e6 > 1.5, result
        assert "(still busy)" in proc.stdout
    else:
        assert result["settle_s"] < 2.5, result
        assert result["server_after_cpu_us_per_op"] * result["completed"] / 1e6 < 0.1, result


@pytest.mark.parametrize("mode", ["error", "version", "stream", "short-row", "huge", "silent"])
def test_loadgen_counts_wrong_cql_answers(mode):
    fake = FakeServer(fake_cql(mode))
    try:
        proc, result = run_loadgen(
            "--protocol", "cql", "--port", fake.port, "--connections", 2, "--depth", 4,
            "--op", "read", "--keys", 10, "--duration", 0.2, "--drain-timeout", 0.5)
    finally:
        fake.close()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert result["errors"] > 0 and "loadgen: error:" in proc.stderr
    kind = {"error": "error_responses", "silent": "timeouts"}.get(mode, "bad_responses")
    assert result[kind] > 0, result


def test_loadgen_counts_redis_error_replies():
    def handler(conn):  # -ERR to every SET, counted by the commands received
        pending = b""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            pending += data
            n = pending.count(b"*3\r\n$3\r\nSET\r\n")
            pending = pending[pending.rfind(b"*3\r\n$3\r\nSET\r\n") + 1:] if n else pending
            conn.sendall(b"-ERR OOM command not allowed\r\n" * n)
    fake = FakeServer(handler)
    try:
        proc, result = run_loadgen(
            "--protocol", "redis", "--port", fake.port, "--connections", 2, "--depth", 4,
            "--op", "write", "--duration", 0.2, "--drain-timeout", 0.5)
    finally:
        fake.close()
    assert proc.returncode == 1 and result["error_responses"] > 0, proc.stdout + proc.stderr
    assert "OOM command not allowed" in proc.stderr
