"""Fixtures for end-to-end tests: the real `sibyl serve` binary on loopback ports with a fresh
data directory, driven by Debian's python3-cassandra driver."""
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import pytest
from cassandra.cluster import Cluster

SIBYL_BIN = os.environ.get(
    "SIBYL_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "sibyl"))


# ---- Storage engine of the servers under test (issue 15) ------------------------------------------
# SIBYL_TEST_STORAGE=rados runs every server the fixtures start on a Ceph pool instead of RocksDB:
# `--storage rados --ceph-conf $SIBYL_TEST_CEPH_CONF --pool $SIBYL_TEST_CEPH_POOL`, each Server
# object under its own --pool-namespace (kept across its restarts, like a deployment's), so
# servers sharing the pool never see each other's data. scripts/ceph.sh starts such a pool.
# Tests marked @pytest.mark.rocksdb_only (the data dir's files, RocksDB's crash recovery of local
# files, the on-disk format, the order of requests run on a connection's thread) are skipped
# under rados, with the reason shown.
TEST_STORAGE = os.environ.get("SIBYL_TEST_STORAGE", "rocksdb")
_namespace_counter = [0]


def storage_args():
    """The `sibyl serve` flags choosing the engine of one new server (empty for RocksDB)."""
    if TEST_STORAGE != "rados":
        return []
    conf, pool = os.environ.get("SIBYL_TEST_CEPH_CONF"), os.environ.get("SIBYL_TEST_CEPH_POOL")
    if not conf or not pool:
        raise RuntimeError("SIBYL_TEST_STORAGE=rados needs SIBYL_TEST_CEPH_CONF and SIBYL_TEST_CEPH_POOL")
    _namespace_counter[0] += 1
    args = ["--storage", "rados", "--ceph-conf", conf, "--pool", pool,
            "--pool-namespace", f"t{os.getpid()}x{_namespace_counter[0]}"]
    # SIBYL_TEST_RADOS_SPILL_ABOVE=N: partitions past N row entries move into range pieces
    # (docs/dev/rados-mapping.md "Big partitions"), so that small tests exercise them.
    if os.environ.get("SIBYL_TEST_RADOS_SPILL_ABOVE"):
        args += ["--rados-spill-above", os.environ["SIBYL_TEST_RADOS_SPILL_ABOVE"]]
    return args


# Tests marked @pytest.mark.ceph_cluster start Ceph clusters and several nodes of their own
# (scripts/cluster.sh, scripts/ceph.sh): scripts/test.sh runs them once, in its rados phase, with
# SIBYL_TEST_CEPH_CLUSTER=1; elsewhere they are skipped with the reason shown.
CEPH_CLUSTER_TESTS = os.environ.get("SIBYL_TEST_CEPH_CLUSTER") == "1"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "rocksdb_only: meaningful on the embedded RocksDB engine only (skipped under "
        "SIBYL_TEST_STORAGE=rados)")
    config.addinivalue_line(
        "markers", "ceph_cluster: starts its own Ceph cluster and nodes (runs with "
        "SIBYL_TEST_CEPH_CLUSTER=1)")


def pytest_collection_modifyitems(config, items):
    skip_rocksdb = pytest.mark.skip(
        reason="rocksdb_only: tests what only the embedded RocksDB engine does (its local files, "
               "requests run in order on a connection's thread); this run uses "
               "SIBYL_TEST_STORAGE=rados")
    skip_cluster = pytest.mark.skip(
        reason="ceph_cluster: starts its own Ceph cluster; set SIBYL_TEST_CEPH_CLUSTER=1 "
               "(scripts/test.sh --rados does)")
    for item in items:
        if TEST_STORAGE == "rados" and "rocksdb_only" in item.keywords:
            item.add_marker(skip_rocksdb)
        if not CEPH_CLUSTER_TESTS and "ceph_cluster" in item.keywords:
            item.add_marker(skip_cluster)
# ---- end storage engine block ----------------------------------------------------------------------


# Ports for the servers the tests start. Not the kernel's ephemeral ports (bind to 0): those are
# what every client connection of the suite also uses as its local port, so a port found free
# could be taken by a connection before the server binds it ("Address already in use"). Each
# pytest-xdist worker takes its ports from its own block below the ephemeral range (32768+).
_PORT_BLOCK = 2400
_port_cursor = None


def free_port():
    global _port_cursor
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    base = 20000 + (index % 5) * _PORT_BLOCK
    if _port_cursor is None:  # a random start, so that reruns do not reuse recent ports
        _port_cursor = int.from_bytes(os.urandom(2), "big") % _PORT_BLOCK
    for _ in range(_PORT_BLOCK):
        port = base + _port_cursor % _PORT_BLOCK
        _port_cursor += 1
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError(f"no free port in {base}..{base + _PORT_BLOCK - 1}")


class Server:
    """One sibyl process. start()/stop()/kill() keep the same data dir and ports."""

    def __init__(self, data_dir, extra_args=(), auth="none"):
        self.data_dir = data_dir
        self.cql_port = free_port()
        self.http_port = free_port()
        self.tls_port = free_port()
        # The database tests run without logins; IAM tests pass auth="iam".
        self.extra_args = ["--auth", auth] + storage_args() + list(extra_args)
        self.proc = None
        self.log_path = os.path.join(data_dir, "server.log")

    def start(self, timeout=20):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [SIBYL_BIN, "serve", "--data-dir", self.data_dir, "--listen-address", "127.0.0.1",
             "--cql-port", str(self.cql_port), "--cql-tls-port", str(self.tls_port),
             "--http-port", str(self.http_port)] + self.extra_args,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("sibyl exited early:\n" + open(self.log_path).read())
            try:
                with socket.create_connection(("127.0.0.1", self.cql_port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("sibyl did not start listening:\n" + open(self.log_path).read())

    def stop(self):
        stopped_here = False
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
            stopped_here = True
        check_log_for_sanitizer_reports(self.log_path)  # issue 9
        if stopped_here and self.proc.returncode != 0:
            # A clean stop exits 0: a crash during shutdown (destructors, flushes) is a failure of
            # the test that stopped it, and so is a hang the watchdog cut short (exit 1) -- except
            # under the sanitizers, where everything runs ~3x slower than its 9 s budget assumes.
            with open(self.log_path, errors="replace") as f:
                tail = f.read()[-3000:]
            watchdog = "Shutdown did not finish within" in tail
            if not (watchdog and os.environ.get("SIBYL_SANITIZER_LOG_DIR")):
                raise AssertionError(
                    f"sibyl exited with {self.proc.returncode} after SIGTERM; log tail:\n{tail}")
        return self.proc.returncode if self.proc else None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        check_log_for_sanitizer_reports(self.log_path)  # issue 9

    def cluster(self, **kwargs):
        return Cluster(["127.0.0.1"], port=self.cql_port, **kwargs)


# ---- Sanitizer reports (issue 9) ------------------------------------------------------------------
# `scripts/test.sh --sanitize` runs this suite against the ASan+UBSan binary with ASAN_OPTIONS and
# UBSAN_OPTIONS log_path under SIBYL_SANITIZER_LOG_DIR: every sibyl process (server or CLI) writes
# its reports there. A report that appears fails the test running when it was found (or, for a
# server that reported at shutdown, the test whose teardown stopped it).
SANITIZER_LOG_DIR = os.environ.get("SIBYL_SANITIZER_LOG_DIR")
# ---- pytest-xdist workers (CI time, docs/dev/ci.md) ------------------------------------------------
# scripts/test.sh runs this suite with `-n N --dist loadfile` (each module on one worker, so module
# fixtures are as in a serial run; each worker has its own session server). Each worker gets its
# own report directory: a sanitizer report fails a test of the worker whose process wrote it.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if SANITIZER_LOG_DIR and _XDIST_WORKER:
    SANITIZER_LOG_DIR = os.path.join(SANITIZER_LOG_DIR, _XDIST_WORKER)
    os.makedirs(SANITIZER_LOG_DIR, exist_ok=True)
    os.environ["SIBYL_SANITIZER_LOG_DIR"] = SANITIZER_LOG_DIR
    for _var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):  # log_path=<dir>/asan -> <dir>/<worker>/asan
        os.environ[_var] = ":".join(
            "log_path=" + os.path.join(SANITIZER_LOG_DIR, os.path.basename(opt[len("log_path="):]))
            if opt.startswith("log_path=") else opt
            for opt in os.environ.get(_var, "").split(":") if opt)
# ---- end pytest-xdist block ------------------------------------------------------------------------
_reported = set()
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def new_sanitizer_reports():
    if not SANITIZER_LOG_DIR or not os.path.isdir(SANITIZER_LOG_DIR):
        return []
    found = []
    for name in sorted(os.listdir(SANITIZER_LOG_DIR)):
        path = os.path.join(SANITIZER_LOG_DIR, name)
        if path in _reported:
            continue
        _reported.add(path)
        with open(path, errors="replace") as f:
            found.append(f"--- {name}\n" + f.read()[-20000:])
    return found


def check_sanitizer_reports():
    reports = new_sanitizer_reports()
    if reports:
        pytest.fail("sanitizer report(s):\n" + "\n".join(reports), pytrace=False)


@pytest.fixture(autouse=True)
def _fail_on_sanitizer_report():
    yield
    check_sanitizer_reports()


@pytest.fixture(scope="session", autouse=True)
def _fail_on_sanitizer_report_at_exit():
    # Torn down after every other session fixture, so reports at server shutdown count too.
    yield
    check_sanitizer_reports()


def check_log_for_sanitizer_reports(log_path):
    """A server whose sanitizer reports went to its log (no log_path set) fails as well."""
    try:
        text = open(log_path, errors="replace").read()
    except OSError:
        return
    for marker in SANITIZER_MARKERS:
        at = text.find(marker)
        if at >= 0:
            pytest.fail(f"sanitizer report in {log_path}:\n" + text[max(0, at - 200):at + 8000],
                        pytrace=False)
# ---- end sanitizer block ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server():
    with tempfile.TemporaryDirectory(prefix="sibyl-e2e-") as data_dir:
        srv = Server(data_dir).start()
        yield srv
        srv.stop()


@pytest.fixture(scope="session")
def cluster(server):
    c = server.cluster()
    yield c
    c.shutdown()


@pytest.fixture(scope="session")
def session(cluster):
    return cluster.connect()


@pytest.fixture(scope="module")
def keyspace(session):
    """A fresh keyspace per test module."""
    name = "ks_" + uuid.uuid4().hex[:12]
    session.execute(
        f"CREATE KEYSPACE {name} WITH replication = {{'class': 'SimpleStrategy', "
        f"'replication_factor': 1}}")
    yield name


@pytest.fixture
def fresh_server():
    """A private server for tests that restart or kill it."""
    with tempfile.TemporaryDirectory(prefix="sibyl-e2e-") as data_dir:
        srv = Server(data_dir)
        yield srv
        srv.kill()


def write_then_kill(server, session, statement_for, acknowledged_target, in_flight=32):
    """Sends statement_for(i) for i = 0, 1, ... asynchronously (at most `in_flight` at a time)
    until `acknowledged_target` are acknowledged, then SIGKILLs `server` with writes still in
    flight. Returns (the set of acknowledged i, how many were sent)."""
    import threading
    acked, lock, slots = set(), threading.Lock(), threading.Semaphore(in_flight)

    def done(_, i):
        with lock:
            acked.add(i)
        slots.release()

    def failed(_):
        slots.release()

    i = 0
    while True:
        with lock:
            if len(acked) >= acknowledged_target:
                break
        slots.acquire()
        session.execute_async(statement_for(i)).add_callbacks(done, failed, callback_args=(i,))
        i += 1
    server.kill()
    time.sleep(0.3)  # let the driver see the connection drop before the caller shuts it down
    with lock:
        return set(acked), i
