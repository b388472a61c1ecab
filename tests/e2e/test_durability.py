"""Nothing acknowledged is lost: restart and kill -9 in sync durability (#2)."""
import pytest
from cassandra.concurrent import execute_concurrent_with_args
from conftest import write_then_kill


def test_schema_and_data_survive_a_clean_restart(fresh_server):
    # Why: restarting reopens everything; SIGTERM exits 0.
    fresh_server.start()
    c = fresh_server.cluster()
    s = c.connect()
    s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute("CREATE TABLE d.t (k int, c int, v text, PRIMARY KEY (k, c)) WITH comment = 'kept'")
    s.execute("INSERT INTO d.t (k, c, v) VALUES (1, 2, 'durable')")
    c.shutdown()
    assert fresh_server.stop() == 0
    fresh_server.start()
    c = fresh_server.cluster()
    try:
        s = c.connect()
        assert s.execute("SELECT v FROM d.t WHERE k = 1 AND c = 2").one().v == "durable"
        assert c.metadata.keyspaces["d"].tables["t"].options["comment"] == "kept"
    finally:
        c.shutdown()


def test_kill_9_loses_no_acknowledged_write(fresh_server):
    # Why: in sync durability every acknowledged write is in the fsynced WAL, so SIGKILL in the
    # middle of a stream of writes loses none of those already acknowledged.
    fresh_server.start()
    c = fresh_server.cluster()
    s = c.connect()
    s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute("CREATE TABLE d.t (k int PRIMARY KEY, v text)")
    ins = s.prepare("INSERT INTO d.t (k, v) VALUES (?, ?)")
    acknowledged, _ = write_then_kill(fresh_server, s, lambda k: ins.bind((k, f"v{k}")), 1500,
                                      in_flight=64)
    c.shutdown()
    fresh_server.start()
    c = fresh_server.cluster()
    try:
        s = c.connect()
        got = {r.k for r in s.execute("SELECT k FROM d.t")}
        assert acknowledged <= got, f"lost {len(acknowledged - got)} acknowledged writes"
    finally:
        c.shutdown()
