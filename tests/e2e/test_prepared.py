"""Prepared statements: markers, named values, metadata, re-preparation (#2)."""
import pytest


@pytest.fixture(scope="module")
def table(session, keyspace):
    session.execute(f"CREATE TABLE {keyspace}.p (k int, c text, v bigint, PRIMARY KEY (k, c))")
    return f"{keyspace}.p"


def test_positional_and_named_markers(session, table):
    # Why: ? and :name markers, with values by position or by name.
    ins = session.prepare(f"INSERT INTO {table} (k, c, v) VALUES (:k, :c, :v)")
    session.execute(ins, {"k": 1, "c": "a", "v": 10})
    session.execute(ins, (1, "b", 20))
    sel = session.prepare(f"SELECT c, v FROM {table} WHERE k = ? AND c IN ?")
    assert [tuple(r) for r in session.execute(sel, (1, ["b", "a"]))] == [("a", 10), ("b", 20)]
    assert [c.name for c in sel.column_metadata] == ["k", "in(c)"]  # Cassandra names IN markers so
    assert sel.routing_key_indexes == [0]


def test_prepared_select_after_alter_table(session, table):
    # Why: a prepared statement keeps working when its table changes.
    sel = session.prepare(f"SELECT * FROM {table} WHERE k = ?")
    session.execute(f"ALTER TABLE {table} ADD extra text")
    session.execute(f"UPDATE {table} SET extra = 'e' WHERE k = 2 AND c = 'z'")
    rows = list(session.execute(sel, (2,)))
    assert len(rows) == 1


def test_reprepares_after_server_restart(fresh_server):
    # Why: an unknown prepared id gets UNPREPARED, and the driver re-prepares transparently.
    fresh_server.start()
    cluster = fresh_server.cluster()
    try:
        s = cluster.connect()
        s.execute("CREATE KEYSPACE r WITH replication = {'class': 'SimpleStrategy', "
                  "'replication_factor': 1}")
        s.execute("CREATE TABLE r.t (k int PRIMARY KEY, v int)")
        ins = s.prepare("INSERT INTO r.t (k, v) VALUES (?, ?)")
        s.execute(ins, (1, 1))
        fresh_server.stop()
        fresh_server.start()
        for attempt in range(50):
            try:
                s.execute(ins, (2, 2))
                break
            except Exception:
                import time
                time.sleep(0.1)
        assert s.execute("SELECT v FROM r.t WHERE k = 2").one().v == 2
    finally:
        cluster.shutdown()
