"""The data directory at rest is for the server's user only (issue 9 item 9).

A data directory the server created used to be 0755 with database files 0644: anyone on the
machine could copy the database, the TLS key's directory listing and more. Now everything the
server creates is 0700/0600 (as Cassandra's packages keep /var/lib/cassandra); an existing data
directory is left as it is, with a warning when other users can open it.
"""
import os
import stat
import tempfile

import pytest

from conftest import Server

# The RocksDB files of the data dir (db/...) are what these tests check (issue 15: skipped when the
# suite runs on the RADOS engine, which keeps no database files in the data dir).
pytestmark = pytest.mark.rocksdb_only


def modes(root):
    """{relative path: mode} of root and everything below it."""
    out = {".": stat.S_IMODE(os.stat(root).st_mode)}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, root)] = stat.S_IMODE(os.lstat(path).st_mode)
    return out


def write_some_data(srv):
    cluster = srv.cluster()
    session = cluster.connect()
    session.execute("CREATE KEYSPACE ks WITH replication = "
                    "{'class': 'SimpleStrategy', 'replication_factor': 1}")
    session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v blob)")
    session.execute("INSERT INTO ks.t (k, v) VALUES (1, 0xcafe)")
    # A large row too (a block of its own now, a blob file once compacted).
    session.execute("INSERT INTO ks.t (k, v) VALUES (2, %s)", (os.urandom(64 << 10),))
    cluster.shutdown()


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="sibyl-e2e-perm-") as d:
        os.chmod(d, 0o755)  # as a parent directory usually is
        yield d


def test_a_fresh_data_dir_and_everything_in_it_is_private(workdir):
    # Why: the server makes the data directory (and missing parents) itself on first start.
    data_dir = os.path.join(workdir, "parent", "data")
    srv = Server(data_dir)
    srv.log_path = os.path.join(workdir, "server.log")
    srv.start()
    write_some_data(srv)
    assert srv.stop() == 0  # a clean stop flushes: SST files exist now

    found = modes(data_dir)
    names = set(found)
    assert {".", "db", "db/CURRENT", "tls", "tls/key.pem", "keys", "keys/master.key"} <= names
    assert any(n.endswith(".sst") for n in names), sorted(names)
    assert any(n.endswith(".log") and n.startswith("db/") for n in names), sorted(names)
    for name, mode in found.items():
        path = os.path.join(data_dir, name)
        want = 0o700 if os.path.isdir(path) else 0o600
        assert mode == want, f"{name} is {mode:04o}, expected {want:04o}"
    assert stat.S_IMODE(os.stat(os.path.join(workdir, "parent")).st_mode) == 0o700
    assert "open to other users" not in open(srv.log_path, errors="replace").read()


def test_an_existing_open_data_dir_is_kept_with_a_warning(workdir):
    # Why: the operator may have made the directory (a mount point, a shared volume); the server
    # does not change it behind their back, but it says so, and it closes its own subdirectories
    # left open by an older Sibyl.
    data_dir = os.path.join(workdir, "data")
    os.makedirs(os.path.join(data_dir, "db"))
    os.chmod(data_dir, 0o755)
    os.chmod(os.path.join(data_dir, "db"), 0o755)
    srv = Server(data_dir)
    srv.log_path = os.path.join(workdir, "server.log")
    srv.start()
    write_some_data(srv)
    assert srv.stop() == 0
    log = open(srv.log_path, errors="replace").read()
    assert f"The data directory {data_dir} is open to other users (mode 0755)" in log
    assert f"{os.path.join(data_dir, 'db')} was open to other users (mode 0755); it is now 0700" \
        in log
    found = modes(data_dir)
    assert found["."] == 0o755
    for name, mode in found.items():
        if name == ".":
            continue
        path = os.path.join(data_dir, name)
        want = 0o700 if os.path.isdir(path) else 0o600
        assert mode == want, f"{name} is {mode:04o}, expected {want:04o}"
