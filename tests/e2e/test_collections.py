"""Non-frozen list, set and map columns (issue 11) with the Python driver.

Expected behaviour: Cassandra 4.1's cql3/Lists.java, Sets.java, Maps.java, Operation.java and
the CQL reference's "Data manipulation" page (collections). Each operation is run unprepared
(literal) and prepared (bind markers). Unit twins: tests/unit/query/collections_test.cc.
"""
import time
import uuid

import pytest
from cassandra import InvalidRequest
from cassandra.query import BatchStatement


@pytest.fixture(scope="module")
def t(session, keyspace):
    name = f"{keyspace}.c_{uuid.uuid4().hex[:8]}"
    session.execute(f"CREATE TABLE {name} (k int, c int, s set<int>, m map<text, int>, "
                    "l list<text>, st set<text> static, v int, PRIMARY KEY (k, c))")
    return name


_next = iter(range(1, 1_000_000))


def key():
    return next(_next)


def one(session, t, k, column):
    row = session.execute(f"SELECT {column} FROM {t} WHERE k = %s AND c = 0", [k]).one()
    return None if row is None else getattr(row, column)


@pytest.mark.parametrize("prepared", [False, True])
def test_set_add_remove_replace(session, t, prepared):
    # Why: set add/remove write one cell (or tombstone) per element; sets come out sorted by
    # the element type (-5 before 2 although its bytes are larger). Sets.Adder/Discarder/Setter.
    k = key()
    if prepared:
        add = session.prepare(f"UPDATE {t} SET s = s + ? WHERE k = ? AND c = 0")
        rem = session.prepare(f"UPDATE {t} SET s = s - ? WHERE k = ? AND c = 0")
        rep = session.prepare(f"UPDATE {t} SET s = ? WHERE k = ? AND c = 0")
        run = lambda stmt, v: session.execute(stmt, [v, k])  # noqa: E731
    else:
        add = f"UPDATE {t} SET s = s + %s WHERE k = {k} AND c = 0"
        rem = f"UPDATE {t} SET s = s - %s WHERE k = {k} AND c = 0"
        rep = f"UPDATE {t} SET s = %s WHERE k = {k} AND c = 0"
        run = lambda stmt, v: session.execute(stmt, [v])  # noqa: E731
    run(add, {3, -5, 2})
    run(add, {10})
    assert one(session, t, k, "s") == {-5, 2, 3, 10}
    assert list(one(session, t, k, "s")) == [-5, 2, 3, 10]
    run(rem, {2, 99})
    assert one(session, t, k, "s") == {-5, 3, 10}
    run(rep, {7})
    assert one(session, t, k, "s") == {7}
    run(rep, set())  # an empty collection is null
    assert one(session, t, k, "s") is None


@pytest.mark.parametrize("prepared", [False, True])
def test_map_put_by_key_add_remove_delete(session, t, prepared):
    # Why: Maps.SetterByKey / Putter / Discarder / DiscarderByKey, maps sorted by key.
    k = key()
    if prepared:
        put = session.prepare(f"UPDATE {t} SET m[?] = ? WHERE k = ? AND c = 0")
        session.execute(put, ["b", 2, k])
        session.execute(put, ["a", 1, k])
        session.execute(session.prepare(f"UPDATE {t} SET m = m + ? WHERE k = ? AND c = 0"),
                        [{"c": 3, "d": 4}, k])
        session.execute(session.prepare(f"UPDATE {t} SET m = m - ? WHERE k = ? AND c = 0"),
                        [{"b"}, k])
        session.execute(session.prepare(f"DELETE m[?] FROM {t} WHERE k = ? AND c = 0"), ["c", k])
    else:
        session.execute(f"UPDATE {t} SET m['b'] = 2, m['a'] = 1 WHERE k = {k} AND c = 0")
        session.execute(f"UPDATE {t} SET m = m + {{'c': 3, 'd': 4}} WHERE k = {k} AND c = 0")
        session.execute(f"UPDATE {t} SET m = m - {{'b'}} WHERE k = {k} AND c = 0")
        session.execute(f"DELETE m['c'] FROM {t} WHERE k = {k} AND c = 0")
    assert list(one(session, t, k, "m").items()) == [("a", 1), ("d", 4)]


@pytest.mark.parametrize("prepared", [False, True])
def test_list_append_prepend_index_and_remove(session, t, prepared):
    # Why: Lists.Appender/Prepender (a later prepend goes first, PrecisionTime), SetterByIndex
    # and DiscarderByIndex read the list; Discarder removes every equal element.
    k = key()
    if prepared:
        app = session.prepare(f"UPDATE {t} SET l = l + ? WHERE k = ? AND c = 0")
        pre = session.prepare(f"UPDATE {t} SET l = ? + l WHERE k = ? AND c = 0")
        setidx = session.prepare(f"UPDATE {t} SET l[?] = ? WHERE k = ? AND c = 0")
        delidx = session.prepare(f"DELETE l[?] FROM {t} WHERE k = ? AND c = 0")
        rem = session.prepare(f"UPDATE {t} SET l = l - ? WHERE k = ? AND c = 0")
        session.execute(app, [["c", "d"], k])
        session.execute(pre, [["b"], k])
        session.execute(pre, [["x", "a"], k])
        session.execute(app, [["x"], k])
        session.execute(setidx, [2, "B", k])
        session.execute(delidx, [3, k])
        assert one(session, t, k, "l") == ["x", "a", "B", "d", "x"]
        session.execute(rem, [["x"], k])
    else:
        q = lambda s: session.execute(s.replace("K", str(k)))  # noqa: E731
        q(f"UPDATE {t} SET l = l + ['c', 'd'] WHERE k = K AND c = 0")
        q(f"UPDATE {t} SET l = ['b'] + l WHERE k = K AND c = 0")
        q(f"UPDATE {t} SET l = ['x', 'a'] + l WHERE k = K AND c = 0")
        q(f"UPDATE {t} SET l = l + ['x'] WHERE k = K AND c = 0")
        q(f"UPDATE {t} SET l[2] = 'B' WHERE k = K AND c = 0")
        q(f"DELETE l[3] FROM {t} WHERE k = K AND c = 0")
        assert one(session, t, k, "l") == ["x", "a", "B", "d", "x"]
        q(f"UPDATE {t} SET l = l - ['x'] WHERE k = K AND c = 0")
    assert one(session, t, k, "l") == ["a", "B", "d"]


def test_list_index_errors(session, t):
    # Why: Lists.SetterByIndex / DiscarderByIndex texts.
    k = key()
    session.execute(f"UPDATE {t} SET l = ['a', 'b'] WHERE k = {k} AND c = 0")
    with pytest.raises(InvalidRequest, match="List index 2 out of bound, list has size 2"):
        session.execute(f"UPDATE {t} SET l[2] = 'z' WHERE k = {k} AND c = 0")
    with pytest.raises(InvalidRequest, match="List index 5 out of bound, list has size 2"):
        session.execute(session.prepare(f"DELETE l[?] FROM {t} WHERE k = ? AND c = 0"), [5, k])
    with pytest.raises(InvalidRequest, match="Attempted to set an element on a list which is null"):
        session.execute(f"UPDATE {t} SET l[0] = 'z' WHERE k = {key()} AND c = 0")


def test_prepared_metadata_names_element_markers(session, t):
    # Why: drivers type each marker from PREPARED metadata: m[?] = ? binds key(m) and value(m),
    # l[?] binds idx(l) int (Maps.keySpecOf/valueSpecOf, Lists.indexSpecOf).
    p = session.prepare(f"UPDATE {t} SET m[?] = ?, l[?] = ? WHERE k = ? AND c = 0")
    names = [c.name for c in p.column_metadata]
    assert names == ["key(m)", "value(m)", "idx(l)", "value(l)", "k"]
    types = [c.type.cql_parameterized_type() for c in p.column_metadata]
    assert types == ["varchar", "int", "int", "varchar", "int"]
    k = key()
    session.execute(f"UPDATE {t} SET l = ['a'] WHERE k = {k} AND c = 0")
    session.execute(p, ["x", 1, 0, "b", k])
    assert (one(session, t, k, "m"), one(session, t, k, "l")) == ({"x": 1}, ["b"])


def test_whole_collection_insert_null_unset_and_delete(session, t):
    # Why: INSERT replaces the collection (deletion at ts - 1 then the elements); null deletes
    # it; an unset marker leaves it alone; DELETE c is a collection deletion.
    k = key()
    ins = session.prepare(f"INSERT INTO {t} (k, c, s, m, l) VALUES (?, 0, ?, ?, ?)")
    session.execute(ins, [k, {1, 2}, {"a": 1}, ["x", "x"]])
    row = session.execute(f"SELECT s, m, l FROM {t} WHERE k = {k}").one()
    assert (row.s, row.m, row.l) == ({1, 2}, {"a": 1}, ["x", "x"])
    upd = session.prepare(f"UPDATE {t} SET s = ?, m = ? WHERE k = ? AND c = 0")
    from cassandra.query import UNSET_VALUE
    session.execute(upd, [None, UNSET_VALUE, k])
    row = session.execute(f"SELECT s, m, l FROM {t} WHERE k = {k}").one()
    assert (row.s, row.m, row.l) == (None, {"a": 1}, ["x", "x"])
    session.execute(f"DELETE m, l FROM {t} WHERE k = {k} AND c = 0")
    row = session.execute(f"SELECT s, m, l FROM {t} WHERE k = {k}").one()
    assert (row.s, row.m, row.l) == (None, None, None)  # the INSERT's row marker keeps the row


def test_row_of_only_collection_cells_lives_while_an_element_does(session, t):
    # Why: an UPDATE writes no row marker; the row is alive while one element is.
    k = key()
    session.execute(f"UPDATE {t} SET s = s + {{1}} WHERE k = {k} AND c = 0")
    assert session.execute(f"SELECT k FROM {t} WHERE k = {k}").one() is not None
    session.execute(f"DELETE s[1] FROM {t} WHERE k = {k} AND c = 0")
    assert session.execute(f"SELECT k FROM {t} WHERE k = {k}").one() is None


def test_single_element_ttl_expiry(session, t):
    # Why: USING TTL applies per element: one element expires, the others stay; when the last
    # one expires the collection is null and the marker-less row is gone.
    k = key()
    session.execute(f"UPDATE {t} SET m = m + {{'keep': 1}} WHERE k = {k} AND c = 0")
    session.execute(f"UPDATE {t} USING TTL 1 SET m['gone'] = 2 WHERE k = {k} AND c = 0")
    session.execute(f"UPDATE {t} USING TTL 1 SET s = s + {{5}} WHERE k = {k} AND c = 0")
    k2 = key()  # INSERT ... USING TTL: the marker and every element expire together
    session.execute(session.prepare(f"INSERT INTO {t} (k, c, l) VALUES (?, 0, ?) USING TTL 1"),
                    [k2, ["a", "b"]])
    assert one(session, t, k, "m") == {"gone": 2, "keep": 1}
    assert one(session, t, k2, "l") == ["a", "b"]
    time.sleep(2.05)
    assert one(session, t, k, "m") == {"keep": 1}
    assert one(session, t, k, "s") is None
    assert session.execute(f"SELECT k FROM {t} WHERE k = {k2}").one() is None


@pytest.mark.parametrize("prepared", [False, True])
def test_writetime_and_ttl_of_one_element_or_field(session, keyspace, t, prepared):
    # Why: Cassandra 5.0 (CASSANDRA-8877) answers WRITETIME/TTL of one element c[k] of a
    # non-frozen set or map, and of one field of a non-frozen UDT, from that element's cell:
    # bigint / int, null when the element is absent or has no TTL. The whole non-frozen
    # collection stays refused as in 4.1 (test_errors_name_the_column).
    k = key()
    session.execute(f"UPDATE {t} USING TIMESTAMP 100 SET m['a'] = 1, s = s + {{5}} "
                    f"WHERE k = {k} AND c = 0")
    session.execute(f"UPDATE {t} USING TIMESTAMP 200 AND TTL 1000 SET m['b'] = 2 "
                    f"WHERE k = {k} AND c = 0")
    cql = (f"SELECT writetime(m[%s]) AS wa, writetime(m[%s]) AS wb, writetime(m[%s]) AS wz, "
           f"writetime(s[%s]) AS ws, ttl(m[%s]) AS ta, ttl(m[%s]) AS tb FROM {t} "
           f"WHERE k = %s AND c = 0")
    values = ["a", "b", "zz", 5, "a", "b", k]
    if prepared:
        cql = session.prepare(cql.replace("%s", "?"))
    row = session.execute(cql, values).one()
    assert (row.wa, row.wb, row.wz, row.ws, row.ta) == (100, 200, None, 100, None)
    assert 990 < row.tb <= 1000
    names = session.execute(f"SELECT writetime(m['a']), ttl(s[5]) FROM {t} "
                            f"WHERE k = {k} AND c = 0").column_names
    assert names == ["writetime(m['a'])", "ttl(s[5])"]  # Selectable.WritetimeOrTTL.toString

    udt = f"{keyspace}.wt_{uuid.uuid4().hex[:6]}"
    table = f"{udt}_t"
    session.execute(f"CREATE TYPE IF NOT EXISTS {udt} (street text, city text)")
    session.execute(f"CREATE TABLE IF NOT EXISTS {table} (k int PRIMARY KEY, a {udt.split('.')[1]})")
    session.execute(f"UPDATE {table} USING TIMESTAMP 300 SET a.city = 'x' WHERE k = 1")
    fields = f"SELECT writetime(a.city) AS wc, writetime(a.street) AS ws FROM {table} WHERE k = 1"
    row = session.execute(session.prepare(fields) if prepared else fields).one()
    assert (row.wc, row.ws) == (300, None)
    with pytest.raises(InvalidRequest) as e:
        session.execute(f"SELECT writetime(l[0]) FROM {t}")
    assert "Element selection is only allowed on sets and maps, but l is a list" in str(e.value)


def test_static_collections_and_batches(session, t):
    # Why: static collections are multi-cell too; a batch applies every operation atomically.
    k = key()
    b = BatchStatement()
    b.add(f"INSERT INTO {t} (k, c, st) VALUES ({k}, 1, {{'b'}})")
    b.add(session.prepare(f"UPDATE {t} SET st = st + ? WHERE k = ?"), [{"a"}, k])
    b.add(session.prepare(f"UPDATE {t} SET m[?] = ? WHERE k = ? AND c = 2"), ["x", 1, k])
    session.execute(b)
    rows = list(session.execute(f"SELECT c, st, m FROM {t} WHERE k = {k}"))
    assert [(r.c, r.st, r.m) for r in rows] == [(1, {"a", "b"}, None), (2, {"a", "b"}, {"x": 1})]


def test_errors_name_the_column(session, keyspace, t):
    # Why: Cassandra 4.1's refusals (Operation.*.prepare, Selectable.WritetimeOrTTL,
    # CreateTableStatement) reach the driver as InvalidRequest with the same text.
    cases = [
        (f"UPDATE {t} SET v = v + 1 WHERE k = 1 AND c = 0",
         "Invalid operation (v = v + 1) for non counter column v"),
        (f"UPDATE {t} SET s[1] = 2 WHERE k = 1 AND c = 0",
         "Invalid operation (s[1] = 2) for set column s"),
        (f"UPDATE {t} SET m['a'] = 'x' WHERE k = 1 AND c = 0",
         'Invalid STRING constant (x) for "value(m)" of type int'),
        (f"SELECT writetime(s) FROM {t}",
         "Cannot use selection function writeTime on non-frozen collection s"),
        (f"CREATE TABLE {keyspace}.bad (k set<int> PRIMARY KEY)",
         "Invalid non-frozen collection type"),
        (f"CREATE TABLE {keyspace}.bad (k int PRIMARY KEY, x map<int, list<int>>)",
         "Non-frozen collections are not allowed inside collections"),
    ]
    for cql, text in cases:
        with pytest.raises(InvalidRequest) as e:
            session.execute(cql)
        assert text in str(e.value), cql


def test_schema_shows_non_frozen_types(session, keyspace, t):
    # Why: drivers and cqlsh read the column types from system_schema.columns and DESCRIBE.
    table = t.split(".")[1]
    rows = session.execute("SELECT column_name, type FROM system_schema.columns WHERE "
                           f"keyspace_name = '{keyspace}' AND table_name = '{table}'")
    types = {r.column_name: r.type for r in rows}
    assert types["m"] == "map<text, int>" and types["s"] == "set<int>"
    assert types["l"] == "list<text>" and types["st"] == "set<text>"
    described = "\n".join(r[-1] for r in session.execute(f"DESCRIBE TABLE {t}"))
    assert "m map<text, int>" in described and "st set<text> static" in described


def test_alter_add_collection_and_drop_does_not_resurrect(session, keyspace):
    # Why: re-adding a dropped collection column must not bring its old elements back
    # (Cassandra's dropped_columns, by drop time).
    t = f"{keyspace}.a_{uuid.uuid4().hex[:8]}"
    session.execute(f"CREATE TABLE {t} (k int PRIMARY KEY, v int)")
    session.execute(f"ALTER TABLE {t} ADD tags set<text>")
    session.execute(f"UPDATE {t} SET tags = tags + {{'x'}}, v = 1 WHERE k = 1")
    session.execute(f"ALTER TABLE {t} DROP tags")
    session.execute(f"ALTER TABLE {t} ADD tags set<text>")
    assert session.execute(f"SELECT tags FROM {t} WHERE k = 1").one().tags is None


def test_collections_persist_across_restart(fresh_server):
    # Why: element cells and collection deletions are stored, merged and read back after a
    # restart (the merge operator and the WAL/flush path).
    srv = fresh_server.start()
    cluster = srv.cluster()
    s = cluster.connect()
    s.execute("CREATE KEYSPACE p WITH replication = {'class': 'SimpleStrategy', "
              "'replication_factor': 1}")
    s.execute("CREATE TABLE p.t (k int PRIMARY KEY, m map<int, text>, l list<int>)")
    s.execute("UPDATE p.t SET m = m + {2: 'b', 1: 'a'}, l = l + [1, 2] WHERE k = 1")
    s.execute("UPDATE p.t SET m = {3: 'c'}, l = [0] + l WHERE k = 1")
    cluster.shutdown()
    srv.stop()
    srv.start()
    cluster = srv.cluster()
    row = cluster.connect().execute("SELECT m, l FROM p.t WHERE k = 1").one()
    assert (dict(row.m), row.l) == ({3: "c"}, [0, 1, 2])
    cluster.shutdown()
