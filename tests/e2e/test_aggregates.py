"""Aggregates and GROUP BY as Cassandra 4.1 answers them (issue 13).

Expected answers follow Cassandra 4.1's AggregationTest and SelectGroupByTest
(cql3/functions/AggregateFcts.java, statements/SelectStatement.java getAggregationSpecification,
db/aggregation/GroupMaker.java). The module shares one server and keyspace.
"""
import decimal

import pytest
from cassandra import InvalidRequest
from cassandra.query import SimpleStatement

ROWS = [(1, 2, 1, 3), (1, 2, 2, 6), (1, 3, 2, 12), (1, 4, 2, 12), (1, 4, 3, 6),
        (2, 2, 3, 3), (2, 4, 3, 6), (4, 8, 2, 12)]


@pytest.fixture(scope="module")
def g(session, keyspace):
    session.execute(f"CREATE TABLE {keyspace}.g (a int, b int, c int, d int, "
                    "PRIMARY KEY (a, b, c))")
    insert = session.prepare(f"INSERT INTO {keyspace}.g (a, b, c, d) VALUES (?, ?, ?, ?)")
    for row in ROWS:
        session.execute(insert, row)
    return f"{keyspace}.g"


def rows(session, cql, fetch_size=None):
    return [tuple(r) for r in session.execute(SimpleStatement(cql, fetch_size=fetch_size))]


def test_every_type_with_cassandras_result_types(session, keyspace):
    t = f"{keyspace}.ty"
    session.execute(f"CREATE TABLE {t} (k int, c int, i int, ti tinyint, bi bigint, f float, "
                    "d double, de decimal, v varint, tx text, ts timestamp, PRIMARY KEY (k, c))")
    session.execute(f"INSERT INTO {t} (k, c, i, ti, bi, f, d, de, v, tx, ts) VALUES "
                    "(1, 1, 2147483647, 127, 5, 1.5, 11.5, 11.5, 10, 'b', '2024-01-01')")
    session.execute(f"INSERT INTO {t} (k, c, i, ti, bi, f, d, de, v, tx, ts) VALUES "
                    "(1, 2, 1, 1, 6, 2.5, 9.5, 1.5, 20, 'a', '2025-01-01')")
    session.execute(f"INSERT INTO {t} (k, c, d, de) VALUES (1, 3, 9.0, 2.0)")
    r = session.execute(f"SELECT sum(i), avg(i), sum(ti), sum(bi), avg(bi), sum(f), avg(d), "
                        f"sum(de), avg(de), sum(v), avg(v), max(tx), min(ts), count(i), count(*) "
                        f"FROM {t}").one()
    # sum of int wraps as Java's int; avg of int sums exactly then narrows.
    assert r[0] == -2147483648 and r[1] == 1073741824
    assert r[2] == -128 and r[3] == 11 and r[4] == 5
    assert r[5] == 4.0 and r[6] == 10.0
    assert r[7] == decimal.Decimal("15.0") and r[8] == decimal.Decimal("5.0")
    assert r[9] == 30 and r[10] == 15
    assert r[11] == "b" and r[12].year == 2024
    assert r[13] == 2 and r[14] == 3
    names = session.execute(f"SELECT sum(i), count(*), count(1) AS n, max(tx) FROM {t}") \
        .column_names
    assert names == ["system.sum(i)", "count", "n", "system.max(tx)"]


def test_no_rows_and_refusals(session, keyspace, g):
    # AggregationTest.testFunctions: an empty selection gives count 0, sum/avg 0, max null.
    assert rows(session, f"SELECT count(*), max(d), sum(d), avg(d), b FROM {g} WHERE a = 99") == \
        [(0, None, 0, 0, None)]
    with pytest.raises(InvalidRequest, match="Invalid call to function sum, none of its type "
                                             "signatures match"):
        session.execute(f"SELECT sum(CAST(d AS text)) FROM {g}")
    with pytest.raises(InvalidRequest, match="aggregate functions cannot be used as arguments"):
        session.execute(f"SELECT max(sum(d)) FROM {g}")


def test_aggregates_with_columns_functions_and_writetime(session, g):
    # Plain columns show the first row (AggregationTest.testAggregateWithColumns); LIMIT does not
    # limit the rows aggregated.
    assert rows(session, f"SELECT count(*), max(d), a, b, d FROM {g} WHERE a = 1 LIMIT 1") == \
        [(5, 12, 1, 2, 3)]
    assert rows(session, f"SELECT abs(max(d) - 20), max(d - 20) FROM {g} WHERE a = 1") == [(8, -8)]
    r = session.execute(f"SELECT count(writetime(d)), min(writetime(d)) AS w FROM {g}").one()
    assert r[0] == len(ROWS) and r.w > 0


def test_group_by_partition_and_clustering(session, g):
    assert rows(session, f"SELECT a, b, c, d, count(*), max(d) FROM {g} GROUP BY a") == \
        [(1, 2, 1, 3, 5, 12), (2, 2, 3, 3, 2, 6), (4, 8, 2, 12, 1, 12)]
    assert rows(session, f"SELECT a, b, count(*), sum(d) FROM {g} WHERE a = 1 GROUP BY b") == \
        [(1, 2, 2, 9), (1, 3, 1, 12), (1, 4, 2, 18)]
    # Without aggregates: one row per group, its first row.
    assert rows(session, f"SELECT a, b, c FROM {g} WHERE a = 1 GROUP BY a, b") == \
        [(1, 2, 1), (1, 3, 2), (1, 4, 2)]
    # LIMIT and PER PARTITION LIMIT count groups.
    assert rows(session, f"SELECT a, b, count(*) FROM {g} GROUP BY a, b LIMIT 4") == \
        [(1, 2, 2), (1, 3, 1), (1, 4, 2), (2, 2, 1)]
    assert rows(session, f"SELECT a, b, count(*) FROM {g} GROUP BY a, b PER PARTITION LIMIT 1") == \
        [(1, 2, 2), (2, 2, 1), (4, 8, 1)]
    assert rows(session, f"SELECT a, b, count(*) FROM {g} WHERE a = 1 GROUP BY a, b "
                         "ORDER BY b DESC") == [(1, 4, 2), (1, 3, 1), (1, 2, 2)]
    assert rows(session, f"SELECT a, b, count(*) FROM {g} WHERE a IN (2, 4) GROUP BY a, b") == \
        [(2, 2, 1), (2, 4, 1), (4, 8, 1)]
    assert rows(session, f"SELECT a, b, count(*) FROM {g} WHERE d = 12 GROUP BY a, b "
                         "ALLOW FILTERING") == [(1, 3, 1), (1, 4, 1), (4, 8, 1)]
    for cql, message in [
            (f"SELECT a, count(*) FROM {g} GROUP BY a, d",
             "Group by is currently only supported on the columns of the PRIMARY KEY, got d"),
            (f"SELECT a, count(*) FROM {g} WHERE a = 1 GROUP BY c",
             "Group by currently only support groups of columns following their declared order"),
            (f"SELECT DISTINCT a FROM {g} GROUP BY a, b",
             "Grouping on clustering columns is not allowed for SELECT DISTINCT queries")]:
        with pytest.raises(InvalidRequest, match=message):
            session.execute(cql)


def test_group_by_pages_count_groups(session, g):
    # The page size counts groups; a group is never split across pages, and each page's paging
    # state resumes at the next group.
    cql = f"SELECT a, b, count(*), sum(d) FROM {g} GROUP BY a, b"
    expected = [(1, 2, 2, 9), (1, 3, 1, 12), (1, 4, 2, 18), (2, 2, 1, 3), (2, 4, 1, 6),
                (4, 8, 1, 12)]
    assert rows(session, cql) == expected
    for fetch_size in (1, 2, 4):
        result = session.execute(SimpleStatement(cql, fetch_size=fetch_size))
        assert len(result.current_rows) == fetch_size
        assert [tuple(r) for r in result] == expected


def test_big_partition_aggregates_page_internally(session, keyspace):
    t = f"{keyspace}.big"
    session.execute(f"CREATE TABLE {t} (k int, c int, v int, PRIMARY KEY (k, c))")
    insert = session.prepare(f"INSERT INTO {t} (k, c, v) VALUES (0, ?, ?)")
    n = 20000
    from cassandra.concurrent import execute_concurrent_with_args
    execute_concurrent_with_args(session, insert, [(i, i % 7) for i in range(n)],
                                 concurrency=64)
    r = session.execute(f"SELECT count(*), sum(v), max(c), min(c) FROM {t} WHERE k = 0").one()
    assert tuple(r) == (n, sum(i % 7 for i in range(n)), n - 1, 0)
    # GROUP BY over the big partition with paging: 20000 groups of one row, 5000 per page.
    result = session.execute(SimpleStatement(f"SELECT c, count(*) FROM {t} WHERE k = 0 "
                                             "GROUP BY k, c", fetch_size=5000))
    assert sum(1 for _ in result) == n


def test_distinct_aggregates_and_token_over_no_rows(session, keyspace, g):
    # SelectStatement.validateDistinctSelection: count(*) reads no column, so over a range of
    # partitions the partition key is missing; with the key restricted it is allowed.
    with pytest.raises(InvalidRequest, match=r"SELECT DISTINCT queries must request all the "
                                             r"partition key columns \(missing a\)"):
        session.execute(f"SELECT DISTINCT count(*) FROM {g}")
    assert rows(session, f"SELECT DISTINCT a, count(*) FROM {g}") == [(1, 3)]
    assert rows(session, f"SELECT DISTINCT count(*) FROM {g} WHERE a = 1") == [(1,)]
    # TokenFct.execute: null for a null key, as in the row of aggregates over no rows.
    assert rows(session, f"SELECT token(a), count(*) FROM {g} WHERE a = 99") == [(None, 0)]


def test_min_max_count_of_collections_tuples_and_udts(session, keyspace):
    # Cassandra 4.1 registers count/min/max for the native types only (AggregateFcts); a
    # collection, tuple or UDT argument is weakly assignable to blob alone
    # (BytesType.isValueCompatibleWithInternal), so the blob overloads apply: the result is a
    # blob, compared byte by byte (not by the collection's own order).
    session.execute(f"CREATE TYPE {keyspace}.pt (x int, y text)")
    t = f"{keyspace}.cx"
    session.execute(f"CREATE TABLE {t} (k int PRIMARY KEY, l list<int>, fl frozen<list<int>>, "
                    f"tu tuple<int, text>, u frozen<pt>, m map<int, int>)")
    session.execute(f"INSERT INTO {t} (k, l, fl, tu, u) VALUES (1, [1, 2], [3], (1, 'a'), "
                    "{x: 1, y: 'b'})")
    session.execute(f"INSERT INTO {t} (k, l, fl, tu, u) VALUES (2, [0, 5], [1, 9], (2, 'a'), "
                    "{x: 0, y: 'z'})")
    r = session.execute(f"SELECT max(fl), min(tu), max(u), count(l), count(m) FROM {t}")
    assert r.column_names == ["system.max(fl)", "system.min(tu)", "system.max(u)",
                              "system.count(l)", "system.count(m)"]
    row = r.one()
    assert row[0] == bytes.fromhex("00000002" "00000004" "00000001" "00000004" "00000009")
    assert row[1] == bytes.fromhex("00000004" "00000001" "00000001") + b"a"
    assert row[2] == bytes.fromhex("00000004" "00000001" "00000001") + b"b"
    assert row[3] == 2 and row[4] == 0


def test_field_of_an_aggregates_result(session, keyspace):
    # Parser.g's selectorModifier follows any selector; WithFieldSelection then needs a UDT.
    t = f"{keyspace}.fa"
    session.execute(f"CREATE TABLE {t} (k int PRIMARY KEY, v int)")
    with pytest.raises(InvalidRequest, match=r"Invalid field selection: system.max\(v\) of type "
                                             r"int is not a user type"):
        session.execute(f"SELECT max(v).x FROM {t}")
