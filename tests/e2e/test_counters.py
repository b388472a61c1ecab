"""Counter columns (issue 12; docs/dev/counters.md) with the Python driver.

Expected behaviour: Cassandra 4.1's cql3/validation/entities/CountersTest.java,
CreateTableStatement, ModificationStatement.validate, UpdateStatement.ParsedInsert,
Operation.SetValue, Constants.Adder/Substracter and BatchStatement.validate. Unit twins:
tests/unit/query/counters_test.cc (messages, WriteTimeout write_type COUNTER) and
tests/unit/storage/counter_cells_test.cc (reconciliation in every merge order).
"""
import threading
import time
import uuid

import pytest
from cassandra import InvalidRequest
from cassandra.protocol import ConfigurationException
from cassandra.query import BatchStatement, BatchType, SimpleStatement
from conftest import write_then_kill


@pytest.fixture(scope="module")
def t(session, keyspace):
    name = f"{keyspace}.c_{uuid.uuid4().hex[:8]}"
    session.execute(f"CREATE TABLE {name} (k int, ck int, a counter, b counter, "
                    "s counter static, PRIMARY KEY (k, ck))")
    return name


_next = iter(range(1, 1_000_000))


def key():
    return next(_next)


def row(session, t, k, columns="a, b"):
    return session.execute(f"SELECT {columns} FROM {t} WHERE k = %s AND ck = 1", [k]).one()


def refused(session, cql, message, params=None, error=InvalidRequest):
    with pytest.raises(error) as e:
        session.execute(cql, params)
    assert message in str(e.value), str(e.value)


def test_schema_metadata_and_describe(session, keyspace, t, cluster):
    # Why: drivers and cqlsh learn the type from system_schema; the table is flagged counter.
    ks, name = t.split(".")
    cols = {r.column_name: r.type for r in session.execute(
        "SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = %s "
        "AND table_name = %s", [ks, name])}
    assert cols["a"] == "counter" and cols["s"] == "counter"
    flags = session.execute("SELECT flags FROM system_schema.tables WHERE keyspace_name = %s "
                            "AND table_name = %s", [ks, name]).one().flags
    assert "counter" in flags
    cluster.refresh_table_metadata(ks, name)
    assert cluster.metadata.keyspaces[ks].tables[name].columns["a"].cql_type == "counter"
    text = "\n".join(r[-1] for r in session.execute(f"DESCRIBE TABLE {t}"))
    assert "a counter" in text and "s counter static" in text


def test_schema_refusals(session, keyspace, t):
    # Why: CountersTest.testRegularCounters / testCannotAlterWithNonCounterColumn /
    # testProhibitReversedCounterAsPartOfPrimaryKey; CreateTableStatement (default TTL).
    n = f"{keyspace}.x_{uuid.uuid4().hex[:8]}"
    refused(session, f"CREATE TABLE {n} (id bigint PRIMARY KEY, count counter, things set<text>)",
            "Cannot mix counter and non counter columns in the same table")
    refused(session, f"CREATE TABLE {n} (a counter, b int, PRIMARY KEY (b, a))",
            "counter type is not supported for PRIMARY KEY column 'a'")
    refused(session, f"CREATE TABLE {n} (k int PRIMARY KEY, c counter) WITH default_time_to_live = 1",
            "Cannot set default_time_to_live on a table with counters")
    refused(session, f"CREATE TABLE {n} (k int PRIMARY KEY, m map<text, counter>)",
            "Counters are not allowed inside collections")
    refused(session, f"ALTER TABLE {t} ADD t text",
            'Cannot have a non counter column ("t") in a counter table', error=ConfigurationException)
    refused(session, f"ALTER TABLE {t} WITH default_time_to_live = 10",
            "Cannot set default_time_to_live on a table with counters")


def test_increments_decrements_and_reads(session, t):
    # Why: a never-written counter is null; +, -, negative literals, several counters and
    # several increments of one counter in one statement; drivers decode counter as an int.
    k = key()
    assert row(session, t, k) is None
    session.execute(f"UPDATE {t} SET a = a + 5, b = b - 3 WHERE k = %s AND ck = 1", [k])
    session.execute(f"UPDATE {t} SET a = a + -2, a = a + 1, b = b - 3 WHERE k = {k} AND ck = 1")
    prepared = session.prepare(f"UPDATE {t} SET a = a + ? WHERE k = ? AND ck = 1")
    session.execute(prepared, [10, k])
    r = row(session, t, k)
    assert (r.a, r.b) == (14, -6)
    session.execute(f"UPDATE {t} SET b = b + 1 WHERE k = %s AND ck = 2", [k])
    assert row(session, t, k, "a, b") is not None
    assert session.execute(f"SELECT a, b FROM {t} WHERE k = %s AND ck = 2", [k]).one() == (None, 1)
    # Static counter.
    session.execute(f"UPDATE {t} SET s = s + 4 WHERE k = %s", [k])
    assert session.execute(f"SELECT s FROM {t} WHERE k = %s LIMIT 1", [k]).one().s == 4
    # Filtering on counters works with ALLOW FILTERING (CountersTest.testCounterFiltering).
    got = session.execute(f"SELECT ck FROM {t} WHERE k = %s AND a > 10 ALLOW FILTERING", [k])
    assert [r.ck for r in got] == [1]


def test_overflow_wraps_as_java_long(session, t):
    k = key()
    session.execute(f"UPDATE {t} SET a = a + 9223372036854775807 WHERE k = %s AND ck = 1", [k])
    session.execute(f"UPDATE {t} SET a = a + 1 WHERE k = %s AND ck = 1", [k])
    assert row(session, t, k).a == -9223372036854775808


def test_write_refusals(session, t):
    # Why: Cassandra 4.1's texts (UpdateStatement.ParsedInsert, Operation.SetValue/Prepend,
    # ModificationStatement.validate, Constants.Adder).
    k = key()
    refused(session, f"INSERT INTO {t} (k, ck, a) VALUES (1, 1, 1)",
            "INSERT statements are not allowed on counter tables, use UPDATE instead")
    refused(session, f"UPDATE {t} SET a = 5 WHERE k = 1 AND ck = 1",
            "Cannot set the value of counter column a (counters can only be "
            "incremented/decremented, not set)")
    refused(session, f"UPDATE {t} SET a = 5 + a WHERE k = 1 AND ck = 1",
            "Invalid operation (a = 5 + a) for non list column a")
    refused(session, f"UPDATE {t} USING TTL 10 SET a = a + 1 WHERE k = 1 AND ck = 1",
            "Cannot provide custom TTL for counter updates")
    refused(session, f"UPDATE {t} USING TIMESTAMP 10 SET a = a + 1 WHERE k = 1 AND ck = 1",
            "Cannot provide custom timestamp for counter updates")
    refused(session, f"DELETE FROM {t} USING TIMESTAMP 10 WHERE k = 1",
            "Cannot provide custom timestamp for counter updates")
    refused(session, f"UPDATE {t} SET a = a + 1 WHERE k = 1 AND ck = 1 IF EXISTS",
            "Conditional updates are not supported on counter tables")
    prepared = session.prepare(f"UPDATE {t} SET a = a + ? WHERE k = ? AND ck = 1")
    refused(session, prepared, "Invalid null value for counter increment", [None, k])
    assert row(session, t, k) is None


def test_delete_and_reuse(session, t):
    # Why: docs/dev/counters.md: a DELETE of the counter or of its row removes the increments
    # before it, and later increments count from zero.
    k = key()
    session.execute(f"UPDATE {t} SET a = a + 5, b = b + 1 WHERE k = %s AND ck = 1", [k])
    session.execute(f"DELETE a FROM {t} WHERE k = %s AND ck = 1", [k])
    assert tuple(row(session, t, k)) == (None, 1)
    session.execute(f"UPDATE {t} SET a = a + 2 WHERE k = %s AND ck = 1", [k])
    assert tuple(row(session, t, k)) == (2, 1)
    session.execute(f"DELETE FROM {t} WHERE k = %s AND ck = 1", [k])
    assert row(session, t, k) is None
    session.execute(f"UPDATE {t} SET b = b + 3 WHERE k = %s AND ck = 1", [k])
    assert tuple(row(session, t, k)) == (None, 3)
    session.execute(f"DELETE FROM {t} WHERE k = %s", [k])
    assert row(session, t, k) is None


def test_counter_batches(session, keyspace, t):
    # Why: BEGIN COUNTER BATCH and the protocol BATCH of type COUNTER apply counter statements;
    # BatchStatement.validate's refusals for the other mixes (CountersTest.testCounterBatch).
    k = key()
    session.execute(f"BEGIN COUNTER BATCH UPDATE {t} SET a = a + 1 WHERE k = {k} AND ck = 1; "
                    f"UPDATE {t} SET a = a + 1, b = b + 1 WHERE k = {k} AND ck = 1; APPLY BATCH")
    session.execute(f"BEGIN UNLOGGED BATCH UPDATE {t} SET a = a + 1 WHERE k = {k} AND ck = 1; "
                    "APPLY BATCH")
    batch = BatchStatement(batch_type=BatchType.COUNTER)
    prepared = session.prepare(f"UPDATE {t} SET b = b + ? WHERE k = ? AND ck = 1")
    batch.add(prepared, [10, k])
    batch.add(SimpleStatement(f"UPDATE {t} SET a = a - 1 WHERE k = %s AND ck = 1"), [k])
    session.execute(batch)
    assert tuple(row(session, t, k)) == (2, 11)
    plain = f"{keyspace}.p_{uuid.uuid4().hex[:8]}"
    session.execute(f"CREATE TABLE {plain} (k int PRIMARY KEY, v int)")
    refused(session, f"BEGIN BATCH UPDATE {t} SET a = a + 1 WHERE k = {k} AND ck = 1; APPLY BATCH",
            "Cannot include a counter statement in a logged batch")
    refused(session, f"BEGIN COUNTER BATCH INSERT INTO {plain} (k, v) VALUES (1, 1); APPLY BATCH",
            "Cannot include non-counter statement in a counter batch")
    refused(session, f"BEGIN UNLOGGED BATCH INSERT INTO {plain} (k, v) VALUES (1, 1); "
            f"UPDATE {t} SET a = a + 1 WHERE k = {k} AND ck = 1; APPLY BATCH",
            "Counter and non-counter mutations cannot exist in the same batch")
    logged = BatchStatement(batch_type=BatchType.LOGGED)
    logged.add(prepared, [1, k])
    refused(session, logged, "Cannot include a counter statement in a logged batch")
    mixed = BatchStatement(batch_type=BatchType.COUNTER)
    mixed.add(SimpleStatement(f"INSERT INTO {plain} (k, v) VALUES (2, 2)"))
    refused(session, mixed, "Cannot include non-counter statement in a counter batch")
    assert tuple(row(session, t, k)) == (2, 11)
    assert session.execute(f"SELECT * FROM {plain}").one() is None


def _hammer(server, t, keys, per_thread, threads):
    """`threads` threads, each on its own connection (its own Cluster), each incrementing the
    cells of `keys` round-robin `per_thread` times."""
    errors = []
    start = threading.Barrier(threads)

    def run():
        c = server.cluster()
        try:
            s = c.connect()
            inc = s.prepare(f"UPDATE {t} SET a = a + 1 WHERE k = ? AND ck = 1")
            start.wait()
            for i in range(per_thread):
                s.execute(inc, [keys[i % len(keys)]])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            c.shutdown()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors


def test_concurrent_increments_are_never_lost(server, session, t):
    # Why: increments are blind merges added by storage; 8 connections x 250 increments on one
    # cell read back exactly 2000 (lost updates = 0), and spread over 5 cells 400 each.
    hot = key()
    began = time.time()
    _hammer(server, t, [hot], 250, 8)
    assert row(session, t, hot).a == 2000
    spread = [key() for _ in range(5)]
    _hammer(server, t, spread, 250, 8)
    assert [row(session, t, k).a for k in spread] == [400] * 5
    print(f"8 connections x 250 increments twice: {time.time() - began:.2f} s")


def test_kill_9_keeps_every_acknowledged_increment(fresh_server):
    # Why: in sync durability (the default) an acknowledged increment is in the fsynced WAL.
    # Each COUNTER batch increments its own row and a shared hot counter atomically, so after
    # restart the hot counter equals the number of rows present, and every acknowledged row is.
    fresh_server.start()
    c = fresh_server.cluster()
    s = c.connect()
    s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', "
              "'replication_factor': 1}")
    s.execute("CREATE TABLE d.c (k int PRIMARY KEY, n counter)")
    inc = s.prepare("UPDATE d.c SET n = n + 1 WHERE k = ?")

    def counter_batch(k):
        batch = BatchStatement(batch_type=BatchType.COUNTER)
        batch.add(inc, [k])
        batch.add(inc, [-1])
        return batch

    acknowledged, sent = write_then_kill(fresh_server, s, counter_batch, 600)
    c.shutdown()
    fresh_server.start()
    c = fresh_server.cluster()
    try:
        s = c.connect()
        rows = {r.k: r.n for r in s.execute("SELECT k, n FROM d.c")}
        hot = rows.pop(-1)
        assert acknowledged <= set(rows), f"lost {len(acknowledged - set(rows))} increments"
        assert set(rows.values()) == {1}, "an increment was applied twice"
        assert hot == len(rows) and len(acknowledged) <= hot <= sent
    finally:
        c.shutdown()


def test_write_timeout_says_counter_and_applies_nothing():
    # Why: Cassandra answers a counter write past its deadline with WriteTimeout, write_type
    # COUNTER, which drivers do not retry (the Python driver's RetryPolicy.on_write_timeout
    # rethrows it). Sibyl checks the deadline before its one atomic write, so nothing was applied
    # (docs/dev/counters.md "Retries and timeouts"). 5,000 partitions take far more than 1 ms.
    import tempfile
    from cassandra import WriteTimeout
    from cassandra.policies import WriteType
    from conftest import Server
    with tempfile.TemporaryDirectory(prefix="sibyl-e2e-") as data_dir:
        server = Server(data_dir, extra_args=["--write-request-timeout-ms", "1"]).start()
        try:
            cluster = server.cluster()
            s = cluster.connect()
            s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', "
                      "'replication_factor': 1}")
            s.execute("CREATE TABLE d.c (k int PRIMARY KEY, n counter)")
            inc = s.prepare("UPDATE d.c SET n = n + 1 WHERE k IN ?")
            with pytest.raises(WriteTimeout) as error:
                s.execute(inc, [list(range(5000))])
            assert error.value.write_type == WriteType.COUNTER
            assert s.execute("SELECT count(*) FROM d.c").one().count == 0
            cluster.shutdown()
        finally:
            assert server.stop() == 0
