"""CRUD semantics through the Python driver, exactly as Cassandra defines them (#2)."""
import struct
import time

import pytest
from cassandra import InvalidRequest
from cassandra.metadata import Murmur3Token
from cassandra.query import BatchStatement, SimpleStatement


@pytest.fixture(scope="module")
def ks(session, keyspace):
    session.execute(f"CREATE TABLE {keyspace}.kv (k int PRIMARY KEY, a text, b int)")
    session.execute(f"CREATE TABLE {keyspace}.events (k int, c int, s text static, v text, "
                    f"PRIMARY KEY (k, c))")
    session.execute(f"CREATE TABLE {keyspace}.ttl (k int PRIMARY KEY, v text) "
                    f"WITH default_time_to_live = 1")
    session.execute(f"CREATE TABLE {keyspace}.tk (k text, n int, v int, PRIMARY KEY ((k, n)))")
    return keyspace


def test_insert_creates_a_row_marker_update_does_not(session, ks):
    # Why: a row created by INSERT survives the deletion of all its cells; one created by
    # UPDATE vanishes with its last cell (Cassandra's primary key liveness).
    session.execute(f"INSERT INTO {ks}.kv (k, a, b) VALUES (1, 'one', 1)")
    session.execute(f"UPDATE {ks}.kv SET a = 'two' WHERE k = 2")
    session.execute(f"UPDATE {ks}.kv SET a = null, b = null WHERE k = 1")
    session.execute(f"UPDATE {ks}.kv SET a = null WHERE k = 2")
    rows = list(session.execute(f"SELECT * FROM {ks}.kv WHERE k IN (1, 2)"))
    assert [(r.k, r.a, r.b) for r in rows] == [(1, None, None)]


def test_last_write_wins_by_timestamp_not_arrival(session, ks):
    # Why: per-cell last-write-wins; an older timestamp loses even when it arrives later.
    session.execute(f"INSERT INTO {ks}.kv (k, a) VALUES (3, 'new') USING TIMESTAMP 2000")
    session.execute(f"INSERT INTO {ks}.kv (k, a) VALUES (3, 'old') USING TIMESTAMP 1000")
    row = session.execute(f"SELECT a, writetime(a) FROM {ks}.kv WHERE k = 3").one()
    assert row.a == "new" and row.writetime_a == 2000
    session.execute(f"DELETE FROM {ks}.kv USING TIMESTAMP 1500 WHERE k = 3")
    assert session.execute(f"SELECT a FROM {ks}.kv WHERE k = 3").one().a == "new"
    session.execute(f"DELETE FROM {ks}.kv USING TIMESTAMP 2500 WHERE k = 3")
    assert session.execute(f"SELECT a FROM {ks}.kv WHERE k = 3").one() is None


def test_range_delete_and_static_columns(session, ks):
    # Why: clustering-range tombstones delete a slice; statics are shared by the partition.
    for c in range(1, 5):
        session.execute(f"INSERT INTO {ks}.events (k, c, v) VALUES (10, {c}, 'v{c}')")
    session.execute(f"INSERT INTO {ks}.events (k, s) VALUES (10, 'shared')")
    session.execute(f"INSERT INTO {ks}.events (k, s) VALUES (11, 'alone')")
    session.execute(f"DELETE FROM {ks}.events WHERE k = 10 AND c > 1 AND c <= 3")
    rows = list(session.execute(f"SELECT k, c, s, v FROM {ks}.events WHERE k = 10"))
    assert [(r.c, r.s, r.v) for r in rows] == [(1, "shared", "v1"), (4, "shared", "v4")]
    alone = list(session.execute(f"SELECT k, c, s, v FROM {ks}.events WHERE k = 11"))
    assert [(r.c, r.s, r.v) for r in alone] == [(None, "alone", None)]


def test_ttl_expires_and_ttl_selector_counts_down(session, ks):
    # Why: USING TTL and default_time_to_live expire data; ttl() shows the time left.
    session.execute(f"INSERT INTO {ks}.kv (k, a) VALUES (20, 'brief') USING TTL 1")
    session.execute(f"INSERT INTO {ks}.kv (k, a) VALUES (21, 'long') USING TTL 1000")
    session.execute(f"INSERT INTO {ks}.ttl (k, v) VALUES (1, 'default')")
    assert 990 <= session.execute(f"SELECT ttl(a) FROM {ks}.kv WHERE k = 21").one()[0] <= 1000
    time.sleep(2.1)
    assert session.execute(f"SELECT a FROM {ks}.kv WHERE k = 20").one() is None
    assert session.execute(f"SELECT v FROM {ks}.ttl WHERE k = 1").one() is None
    assert session.execute(f"SELECT a FROM {ks}.kv WHERE k = 21").one().a == "long"


def test_token_matches_the_drivers_murmur3(session, ks):
    # Why: token() must be bit-identical to Cassandra's Murmur3Partitioner (driver is the oracle).
    keys = list(range(-50, 50)) + [2**31 - 1, -2**31]
    prepared = session.prepare(f"INSERT INTO {ks}.kv (k, a) VALUES (?, 'x')")
    for k in keys:
        session.execute(prepared, (k,))
    for row in session.execute(f"SELECT k, token(k) FROM {ks}.kv"):
        assert row[1] == Murmur3Token.hash_fn(struct.pack(">i", row.k)), row.k
    # Compound keys hash the CompositeType serialization.
    session.execute(f"INSERT INTO {ks}.tk (k, n, v) VALUES ('ab', 7, 1)")
    tok = session.execute(f"SELECT token(k, n) FROM {ks}.tk WHERE k = 'ab' AND n = 7").one()[0]
    composite = b"".join(struct.pack(">H", len(p)) + p + b"\x00"
                         for p in (b"ab", struct.pack(">i", 7)))
    assert tok == Murmur3Token.hash_fn(composite)


def test_token_range_scan_returns_exactly_the_keys_above(session, ks):
    # Why: token-range scans are how drivers and Spark split a table.
    tokens = {r.k: r[1] for r in session.execute(f"SELECT k, token(k) FROM {ks}.kv")}
    pivot = sorted(tokens.values())[len(tokens) // 2]
    got = {r.k for r in session.execute(f"SELECT k FROM {ks}.kv WHERE token(k) > {pivot}")}
    assert got == {k for k, t in tokens.items() if t > pivot}


def test_batches_apply_together_and_empty_batch_is_fine(session, ks):
    # Why: BATCH applies all statements; the empty batch is valid CQL.
    session.execute("BEGIN BATCH APPLY BATCH")
    session.execute(f"BEGIN BATCH INSERT INTO {ks}.kv (k, a) VALUES (100, 'x'); "
                    f"UPDATE {ks}.kv SET b = 5 WHERE k = 100; APPLY BATCH")
    batch = BatchStatement()
    batch.add(session.prepare(f"INSERT INTO {ks}.kv (k, a) VALUES (?, ?)"), (101, "y"))
    batch.add(SimpleStatement(f"INSERT INTO {ks}.kv (k, b) VALUES (%s, %s)"), (101, 7))
    session.execute(batch)
    rows = {r.k: (r.a, r.b) for r in session.execute(f"SELECT * FROM {ks}.kv WHERE k IN (100, 101)")}
    assert rows == {100: ("x", 5), 101: ("y", 7)}


def test_select_features(session, ks):
    # Why: the common SELECT shapes drivers and apps use.
    for c in range(5):
        session.execute(f"INSERT INTO {ks}.events (k, c, v) VALUES (30, {c}, 'v{c}')")
    desc = [r.c for r in session.execute(f"SELECT c FROM {ks}.events WHERE k = 30 ORDER BY c DESC")]
    assert desc == [4, 3, 2, 1, 0]
    assert [r.c for r in session.execute(f"SELECT c FROM {ks}.events WHERE k = 30 LIMIT 2")] == [0, 1]
    assert [r.c for r in session.execute(
        f"SELECT c FROM {ks}.events WHERE k = 30 AND c IN (3, 1)")] == [1, 3]
    assert session.execute(f"SELECT count(*) FROM {ks}.events WHERE k = 30").one().count == 5
    filtered = session.execute(f"SELECT c FROM {ks}.events WHERE k = 30 AND v = 'v2' ALLOW FILTERING")
    assert [r.c for r in filtered] == [2]
    with pytest.raises(InvalidRequest, match="ALLOW FILTERING"):
        session.execute(f"SELECT c FROM {ks}.events WHERE v = 'v2'")


def test_errors_are_invalid_requests(session, ks):
    # Why: semantic errors are InvalidRequest with Cassandra's wording.
    with pytest.raises(InvalidRequest, match="Some partition key parts are missing: k"):
        session.execute(f"INSERT INTO {ks}.kv (a) VALUES ('x')")
    with pytest.raises(InvalidRequest, match="Undefined column name nope"):
        session.execute(f"SELECT nope FROM {ks}.kv")
    with pytest.raises(InvalidRequest, match="unconfigured table missing"):
        session.execute(f"SELECT * FROM {ks}.missing")
