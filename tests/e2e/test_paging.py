"""Paging through many rows, in both orders, across partitions (#2)."""
import pytest
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.query import SimpleStatement

ROWS_PER_PARTITION = 10000
PARTITIONS = 40


@pytest.fixture(scope="module")
def table(session, keyspace):
    session.execute(f"CREATE TABLE {keyspace}.big (k int, c int, v text, PRIMARY KEY (k, c))")
    insert = session.prepare(f"INSERT INTO {keyspace}.big (k, c, v) VALUES (?, ?, 'x')")
    args = [(0, c) for c in range(ROWS_PER_PARTITION)]
    args += [(k, c) for k in range(1, PARTITIONS + 1) for c in range(50)]
    execute_concurrent_with_args(session, insert, args, concurrency=100, raise_on_first_error=True)
    return f"{keyspace}.big"


@pytest.mark.parametrize("order,fetch", [("ASC", 100), ("DESC", 1000), ("ASC", 7)])
def test_pages_through_one_big_partition(session, table, order, fetch):
    # Why: fetch_size pages must return every row exactly once, in order, both ways.
    stmt = SimpleStatement(f"SELECT c FROM {table} WHERE k = 0 ORDER BY c {order}", fetch_size=fetch)
    got = [r.c for r in session.execute(stmt)]
    expected = list(range(ROWS_PER_PARTITION))
    assert got == (expected if order == "ASC" else expected[::-1])


def test_pages_across_partitions_in_token_order(session, table):
    # Why: a full scan pages across partitions without losing or repeating rows.
    stmt = SimpleStatement(f"SELECT k, c, token(k) FROM {table}", fetch_size=333)
    rows = [(r.k, r.c, r[2]) for r in session.execute(stmt)]
    assert len(rows) == ROWS_PER_PARTITION + PARTITIONS * 50
    assert len(set((k, c) for k, c, _ in rows)) == len(rows)
    tokens = [t for _, _, t in rows]
    assert tokens == sorted(tokens)


def test_manual_paging_state_with_a_prepared_statement(session, table):
    # Why: applications resume from result.paging_state, often with prepared statements.
    prepared = session.prepare(f"SELECT c FROM {table} WHERE k = 0")
    prepared.fetch_size = 2500
    seen, state = [], None
    while True:
        result = session.execute(prepared, paging_state=state)
        seen.extend(r.c for r in result.current_rows)
        state = result.paging_state
        if state is None:
            break
    assert seen == list(range(ROWS_PER_PARTITION))


def test_limit_with_paging(session, table):
    # Why: LIMIT holds across pages.
    stmt = SimpleStatement(f"SELECT c FROM {table} WHERE k = 0 LIMIT 2345", fetch_size=1000)
    assert [r.c for r in session.execute(stmt)] == list(range(2345))
