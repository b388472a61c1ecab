"""Lightweight transactions and logged batches (issue 12): conditional INSERT/UPDATE/DELETE and
BATCH with Cassandra 4.1's answers ([applied] first, the current values when not applied), its
refusals, serial consistency, linearizability under concurrency, batch size thresholds and the
crash atomicity of logged batches. Driven by Debian's python3-cassandra."""
import threading

import pytest
from cassandra import ConsistencyLevel, InvalidRequest
from cassandra.protocol import SyntaxException
from cassandra.query import BatchStatement, BatchType, SimpleStatement
from conftest import write_then_kill


@pytest.fixture(scope="module")
def ks(session, keyspace):
    session.execute(f"CREATE TABLE {keyspace}.t (k int, c int, v int, w text, s int static, "
                    f"PRIMARY KEY (k, c))")
    session.execute(f"CREATE TABLE {keyspace}.kv (k int PRIMARY KEY, v int, w text)")
    session.execute(f"CREATE TYPE {keyspace}.addr (street text, zip int)")
    session.execute(f"CREATE TABLE {keyspace}.coll (k int PRIMARY KEY, m map<text, int>, "
                    f"l list<int>, fl frozen<list<int>>, u addr, fu frozen<addr>)")
    return keyspace


def applied(rs):
    return rs.one()[0]


def test_insert_if_not_exists_twice_shows_the_existing_row(session, ks):
    # Why: the unique sign-up pattern; the second answer carries the row that won (cqlsh shows
    # "[applied] False" and the row).
    rs = session.execute(f"INSERT INTO {ks}.kv (k, v, w) VALUES (1, 10, 'a') IF NOT EXISTS")
    assert rs.was_applied and rs.column_names == ["[applied]"]
    rs = session.execute(f"INSERT INTO {ks}.kv (k, v, w) VALUES (1, 20, 'b') IF NOT EXISTS")
    assert not rs.was_applied
    assert rs.column_names == ["[applied]", "k", "v", "w"]
    assert tuple(rs.one()) == (False, 1, 10, "a")
    assert tuple(session.execute(f"SELECT v, w FROM {ks}.kv WHERE k = 1").one()) == (10, "a")


def test_update_if_exists(session, ks):
    # Why: IF EXISTS on a missing row applies nothing and answers [applied] alone.
    rs = session.execute(f"UPDATE {ks}.kv SET v = 1 WHERE k = 2 IF EXISTS")
    assert not rs.was_applied and rs.column_names == ["[applied]"]
    assert session.execute(f"SELECT * FROM {ks}.kv WHERE k = 2").one() is None
    session.execute(f"INSERT INTO {ks}.kv (k, v) VALUES (2, 5)")
    assert session.execute(f"UPDATE {ks}.kv SET v = 6 WHERE k = 2 IF EXISTS").was_applied
    assert session.execute(f"SELECT v FROM {ks}.kv WHERE k = 2").one().v == 6


@pytest.mark.parametrize("condition,holds", [
    ("v = 5", True), ("v = 6", False), ("v != 6", True), ("v < 6", True), ("v < 5", False),
    ("v <= 5", True), ("v > 4", True), ("v >= 6", False), ("v IN (1, 5)", True),
    ("v IN (1, 2)", False), ("v = 5 AND w = 'x'", True), ("v = 5 AND w = 'y'", False),
    ("w != null", True), ("w = null", False),
])
def test_column_conditions(session, ks, condition, holds):
    # Why: each operator of Cassandra 4.1's ColumnCondition; a failed one shows the current
    # values of the columns named, in IF order.
    session.execute(f"INSERT INTO {ks}.kv (k, v, w) VALUES (3, 5, 'x')")
    rs = session.execute(f"UPDATE {ks}.kv SET v = 5 WHERE k = 3 IF {condition}")
    assert rs.was_applied == holds
    if not holds:
        names = [n for n in rs.column_names[1:]]
        assert names == (["v", "w"] if "w" in condition and "v" in condition
                         else ["w"] if "w" in condition else ["v"])
        row = rs.one()
        assert [row[i + 1] for i in range(len(names))] == [{"v": 5, "w": "x"}[n] for n in names]


def test_condition_on_a_missing_column_and_null(session, ks):
    # Why: `IF w = null` holds when the column has no value; a slice on null is refused.
    session.execute(f"INSERT INTO {ks}.kv (k, v) VALUES (4, 1)")
    assert session.execute(f"UPDATE {ks}.kv SET w = 'set' WHERE k = 4 IF w = null").was_applied
    assert not session.execute(f"UPDATE {ks}.kv SET w = 'z' WHERE k = 4 IF w = null").was_applied
    with pytest.raises(InvalidRequest, match='Invalid comparison with null for operator "<"'):
        session.execute(session.prepare(f"UPDATE {ks}.kv SET v = 1 WHERE k = 4 IF v < ?"),
                        [None])


def test_delete_if(session, ks):
    session.execute(f"INSERT INTO {ks}.kv (k, v) VALUES (5, 1)")
    rs = session.execute(f"DELETE FROM {ks}.kv WHERE k = 5 IF v = 2")
    assert not rs.was_applied and tuple(rs.one()) == (False, 1)
    assert session.execute(f"DELETE FROM {ks}.kv WHERE k = 5 IF v = 1").was_applied
    assert session.execute(f"SELECT * FROM {ks}.kv WHERE k = 5").one() is None
    assert not session.execute(f"DELETE FROM {ks}.kv WHERE k = 5 IF EXISTS").was_applied


def test_static_column_conditions(session, ks):
    # Why: conditions on static columns read the partition's static row.
    session.execute(f"INSERT INTO {ks}.t (k, c, v, s) VALUES (1, 1, 1, 100)")
    assert session.execute(f"UPDATE {ks}.t SET s = 101 WHERE k = 1 IF s = 100").was_applied
    rs = session.execute(f"UPDATE {ks}.t SET v = 2 WHERE k = 1 AND c = 1 IF s = 100")
    assert not rs.was_applied and rs.column_names == ["[applied]", "s"]
    assert tuple(rs.one()) == (False, 101)
    assert session.execute(f"UPDATE {ks}.t SET v = 2 WHERE k = 1 AND c = 1 IF s = 101 AND v = 1"
                           ).was_applied
    assert session.execute(f"SELECT v FROM {ks}.t WHERE k = 1 AND c = 1").one().v == 2


def test_collection_element_and_udt_field_conditions(session, ks):
    session.execute(f"INSERT INTO {ks}.coll (k, m, l, fl, u, fu) VALUES (1, {{'a': 1}}, [7, 8], "
                    f"[1, 2], {{street: 'main', zip: 9}}, {{street: 'x', zip: 3}})")
    for cond, holds in [("m['a'] = 1", True), ("m['a'] = 2", False), ("m['zz'] = null", True),
                        ("l[0] = 7", True), ("l[1] > 8", False), ("l[5] = null", True),
                        ("fl[1] = 2", True), ("u.zip = 9", True), ("u.street = 'x'", False),
                        ("fu.zip < 4", True), ("m = {'a': 1, 'b': 2}", True), ("l = [7, 8]", True),
                        ("m['a'] IN (0, 1)", True)]:
        rs = session.execute(f"UPDATE {ks}.coll SET m['b'] = 2 WHERE k = 1 IF {cond}")
        assert rs.was_applied == holds, cond
    rs = session.execute(f"UPDATE {ks}.coll SET m['b'] = 3 WHERE k = 1 IF m['a'] = 5")
    assert rs.column_names == ["[applied]", "m"] and rs.one()[1] == {"a": 1, "b": 2}


@pytest.mark.parametrize("statement,error", [
    ("UPDATE {ks}.kv USING TIMESTAMP 1 SET v = 1 WHERE k = 1 IF v = 1",
     "Cannot provide custom timestamp for conditional updates"),
    ("INSERT INTO {ks}.kv (k, v) VALUES (1, 1) IF NOT EXISTS USING TIMESTAMP 1",
     "Cannot provide custom timestamp for conditional updates"),
    ("UPDATE {ks}.t SET v = 1 WHERE k = 1 AND c = 1 IF c = 1",
     "PRIMARY KEY column 'c' cannot have IF conditions"),
    ("UPDATE {ks}.kv SET v = 1 WHERE k IN (1, 2) IF v = 1",
     "IN on the partition key is not supported with conditional updates"),
    ("DELETE FROM {ks}.t WHERE k = 1 AND c IN (1, 2) IF v = 1",
     "IN on the clustering key columns is not supported with conditional deletions"),
    ("DELETE FROM {ks}.t WHERE k = 1 IF v = 1",
     "DELETE statements must restrict all PRIMARY KEY columns with equality relations"),
    ("UPDATE {ks}.coll SET l = [1] WHERE k = 1 IF m['a'] CONTAINS 1", "syntax"),
    ("UPDATE {ks}.kv SET v = 1 WHERE k = 1 IF nope = 1", "Undefined column name nope"),
    ("UPDATE {ks}.coll SET l = [1] WHERE k = 1 IF u.nope = 1", "Unknown field nope for column u"),
])
def test_refusals(session, ks, statement, error):
    # Why: Cassandra 4.1's texts (ModificationStatement, DeleteStatement, ColumnCondition).
    with pytest.raises((InvalidRequest, SyntaxException)) as e:
        session.execute(statement.format(ks=ks))
    if error and error != "syntax":
        assert error in str(e.value)


def test_serial_consistency_and_serial_reads(session, ks):
    # Why: drivers send SERIAL / LOCAL_SERIAL; SELECT at SERIAL reads the latest LWT.
    stmt = SimpleStatement(f"INSERT INTO {ks}.kv (k, v) VALUES (6, 1) IF NOT EXISTS",
                           serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL)
    assert session.execute(stmt).was_applied
    upd = session.prepare(f"UPDATE {ks}.kv SET v = ? WHERE k = ? IF v = ?")
    upd.serial_consistency_level = ConsistencyLevel.SERIAL
    assert session.execute(upd, (2, 6, 1)).was_applied
    rs = session.execute(upd, (3, 6, 1))
    assert not rs.was_applied and tuple(rs.one()) == (False, 2)
    read = SimpleStatement(f"SELECT v FROM {ks}.kv WHERE k = 6",
                           consistency_level=ConsistencyLevel.SERIAL)
    assert session.execute(read).one().v == 2
    with pytest.raises(InvalidRequest, match="may only be requested for one partition at a time"):
        session.execute(SimpleStatement(f"SELECT v FROM {ks}.kv",
                                        consistency_level=ConsistencyLevel.SERIAL))
    with pytest.raises(InvalidRequest, match="You must use conditional updates for serializable"):
        session.execute(SimpleStatement(f"INSERT INTO {ks}.kv (k, v) VALUES (6, 9)",
                                        consistency_level=ConsistencyLevel.SERIAL))


def test_conditional_batch_is_all_or_nothing(session, ks):
    # Why: the conditions of a batch are evaluated together; all statements apply or none.
    session.execute(f"INSERT INTO {ks}.t (k, c, v) VALUES (2, 1, 1)")
    batch = (f"BEGIN BATCH UPDATE {ks}.t SET v = 10 WHERE k = 2 AND c = 1 IF v = 1; "
             f"INSERT INTO {ks}.t (k, c, v) VALUES (2, 2, 20) IF NOT EXISTS; APPLY BATCH")
    assert session.execute(batch).was_applied
    rs = session.execute(batch)
    # Two rows (one per row read): the driver's was_applied wants one for a non-batch statement.
    assert not applied(rs)
    assert rs.column_names[:3] == ["[applied]", "k", "c"]
    assert sorted((r.k, r.c, r.v) for r in rs) == [(2, 1, 10), (2, 2, 20)]
    with pytest.raises(InvalidRequest, match="Batch with conditions cannot span multiple partitions"):
        session.execute(f"BEGIN BATCH UPDATE {ks}.t SET v = 1 WHERE k = 2 AND c = 1 IF v = 10; "
                        f"UPDATE {ks}.t SET v = 1 WHERE k = 3 AND c = 1; APPLY BATCH")
    with pytest.raises(InvalidRequest, match="Cannot provide custom timestamp for conditional BATCH"):
        session.execute(f"BEGIN BATCH USING TIMESTAMP 5 UPDATE {ks}.t SET v = 1 WHERE k = 2 "
                        f"AND c = 1 IF v = 10; APPLY BATCH")
    # A prepared batch message with conditions.
    upd = session.prepare(f"UPDATE {ks}.t SET v = ? WHERE k = ? AND c = ? IF v = ?")
    b = BatchStatement(batch_type=BatchType.LOGGED)
    b.add(upd, (11, 2, 1, 10))
    b.add(upd, (21, 2, 2, 99))
    assert not session.execute(b).was_applied
    assert session.execute(f"SELECT v FROM {ks}.t WHERE k = 2 AND c = 1").one().v == 10


def test_batch_partition_condition_next_to_a_row_condition(session, ks):
    # Why: a partition deletion's IF EXISTS in a batch with a condition on an absent row is
    # judged on the partition (which has another row), not on the rows the batch names.
    session.execute(f"INSERT INTO {ks}.t (k, c, v) VALUES (40, 1, 1)")
    batch = (f"BEGIN BATCH DELETE FROM {ks}.t WHERE k = 40 IF EXISTS; "
             f"UPDATE {ks}.t SET w = 'x' WHERE k = 40 AND c = 2 IF v = null; APPLY BATCH")
    assert applied(session.execute(batch))
    assert session.execute(f"SELECT * FROM {ks}.t WHERE k = 40").one() is None
    assert not applied(session.execute(batch))


def test_update_with_every_value_unset_checks_its_own_row(session, ks):
    # Why: with UNSET values nothing is written, but the condition is still on the row the
    # WHERE clause names (Cassandra 4.1 makeCasRequest), not on the partition.
    from cassandra.query import UNSET_VALUE
    session.execute(f"INSERT INTO {ks}.t (k, c, v) VALUES (41, 1, 1)")
    upd = session.prepare(f"UPDATE {ks}.t SET v = ? WHERE k = ? AND c = ? IF EXISTS")
    assert not session.execute(upd, (UNSET_VALUE, 41, 2)).was_applied
    assert session.execute(upd, (UNSET_VALUE, 41, 1)).was_applied
    cas = session.prepare(f"UPDATE {ks}.t SET v = ? WHERE k = ? AND c = ? IF v = ?")
    rs = session.execute(cas, (UNSET_VALUE, 41, 1, 2))
    assert not rs.was_applied and tuple(rs.one()) == (False, 1)
    assert session.execute(f"SELECT v FROM {ks}.t WHERE k = 41 AND c = 1").one().v == 1


def test_concurrent_if_not_exists_has_exactly_one_winner(server, ks):
    # Why: linearizability: 16 concurrent IF NOT EXISTS on one key from 4 connections -> 1 wins.
    clusters = [server.cluster() for _ in range(4)]
    sessions = [c.connect() for c in clusters]
    try:
        stmts = [s.prepare(f"INSERT INTO {ks}.kv (k, v) VALUES (100, ?) IF NOT EXISTS")
                 for s in sessions]
        futures = [sessions[i % 4].execute_async(stmts[i % 4], (i,)) for i in range(16)]
        results = [f.result() for f in futures]
        winners = [i for i, r in enumerate(results) if r.was_applied]
        assert len(winners) == 1
        stored = sessions[0].execute(f"SELECT v FROM {ks}.kv WHERE k = 100").one().v
        assert stored == winners[0]
        assert all(r.one()[2] == stored for r in results if not r.was_applied)
    finally:
        for c in clusters:
            c.shutdown()


def test_compare_and_set_counter_loses_no_update(server, ks):
    # Why: an optimistic-locking counter (read, UPDATE ... IF v = old) from 4 threads × 50
    # successful rounds ends at exactly 200.
    setup = server.cluster()
    setup.connect().execute(f"INSERT INTO {ks}.kv (k, v) VALUES (200, 0)")
    setup.shutdown()
    clusters = [server.cluster() for _ in range(4)]
    errors = []

    def worker(cluster):
        try:
            s = cluster.connect()
            read = s.prepare(f"SELECT v FROM {ks}.kv WHERE k = 200")
            cas = s.prepare(f"UPDATE {ks}.kv SET v = ? WHERE k = 200 IF v = ?")
            done = 0
            current = s.execute(read).one().v
            while done < 50:
                rs = s.execute(cas, (current + 1, current))
                if rs.was_applied:
                    done += 1
                    current += 1
                else:
                    current = rs.one()[1]
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(c,)) for c in clusters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert not errors
        final = clusters[0].connect().execute(f"SELECT v FROM {ks}.kv WHERE k = 200").one().v
        assert final == 200
    finally:
        for c in clusters:
            c.shutdown()


def test_batch_size_warning_and_failure(session, ks):
    # Why: Cassandra's batch_size_warn_threshold (5 KiB) warns and batch_size_fail_threshold
    # (50 KiB) refuses a batch over several partitions; one partition is never checked.
    big = "x" * 1500
    ins = session.prepare(f"INSERT INTO {ks}.kv (k, w) VALUES (?, ?)")
    b = BatchStatement()
    for i in range(5):
        b.add(ins, (300 + i, big))
    rs = session.execute(b)
    assert rs.response_future.warnings
    assert "exceeding specified threshold of 5120" in rs.response_future.warnings[0]
    b = BatchStatement()
    for i in range(40):
        b.add(ins, (400 + i, big))
    with pytest.raises(InvalidRequest, match="Batch too large"):
        session.execute(b)
    assert session.execute(f"SELECT * FROM {ks}.kv WHERE k = 400").one() is None


def test_logged_batches_are_atomic_across_kill_9(fresh_server):
    # Why: a logged batch over N partitions is one atomic write: after kill -9 mid-stream every
    # acknowledged batch is fully visible and no batch is partially visible.
    fresh_server.start()
    c = fresh_server.cluster()
    s = c.connect()
    s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', "
              "'replication_factor': 1}")
    s.execute("CREATE TABLE d.seq (p int PRIMARY KEY, n int)")
    s.execute("CREATE TABLE d.log (p int, n int, PRIMARY KEY (p, n))")
    ins_seq = s.prepare("INSERT INTO d.seq (p, n) VALUES (?, ?)")
    ins_log = s.prepare("INSERT INTO d.log (p, n) VALUES (?, ?)")
    partitions = 8

    def logged_batch(n):
        b = BatchStatement(batch_type=BatchType.LOGGED)
        for p in range(partitions):
            b.add(ins_seq, (p, n))
            b.add(ins_log, (p, n))
        return b

    acknowledged, _ = write_then_kill(fresh_server, s, logged_batch, 150, in_flight=16)
    c.shutdown()
    fresh_server.start()
    c = fresh_server.cluster()
    try:
        s = c.connect()
        by_n = {}
        for r in s.execute("SELECT p, n FROM d.log"):
            by_n.setdefault(r.n, set()).add(r.p)
        partial = {k: v for k, v in by_n.items() if len(v) != partitions}
        assert not partial, f"partially visible batches: {sorted(partial)[:5]}"
        assert acknowledged <= set(by_n), "an acknowledged batch was lost"
    finally:
        c.shutdown()
