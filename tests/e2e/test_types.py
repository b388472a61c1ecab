"""Every scalar type round-trips as a literal and as a bound value (#2)."""
import datetime
import decimal
import ipaddress
import uuid

import pytest
from cassandra import InvalidRequest
from cassandra.util import Date, Duration, Time, uuid_from_time

VALUES = {
    "a": ("ascii", "plain ascii"),
    "b": ("bigint", -9223372036854775808),
    "bl": ("blob", b"\x00\xffbytes"),
    "bo": ("boolean", True),
    "d": ("date", Date(datetime.date(2020, 2, 29))),
    "de": ("decimal", decimal.Decimal("-123.4560")),
    "do": ("double", 1.5e300),
    "du": ("duration", Duration(1, 2, 3000000000)),
    "f": ("float", -3.25),
    "i4": ("inet", "192.168.1.20"),
    "i6": ("inet", "2001:db8::1"),
    "n": ("int", -2147483648),
    "s": ("smallint", -32768),
    "te": ("text", "ünïcode ✓"),
    "ti": ("time", Time(49545123456789)),
    "ts": ("timestamp", datetime.datetime(2021, 3, 4, 5, 6, 7, 890000)),
    "tu": ("timeuuid", uuid_from_time(1600000000.5)),
    "ty": ("tinyint", 127),
    "u": ("uuid", uuid.UUID("123e4567-e89b-12d3-a456-426655440000")),
    "vi": ("varint", 123456789012345678901234567890123),
}


@pytest.fixture(scope="module")
def table(session, keyspace):
    cols = ", ".join(f"{name} {typ}" for name, (typ, _) in VALUES.items())
    session.execute(f"CREATE TABLE {keyspace}.alltypes (k int PRIMARY KEY, {cols})")
    return f"{keyspace}.alltypes"


def test_bound_values_round_trip(session, table):
    # Why: prepared statements carry every type in its native-protocol encoding.
    names = list(VALUES)
    insert = session.prepare(f"INSERT INTO {table} (k, {', '.join(names)}) "
                             f"VALUES (?, {', '.join('?' for _ in names)})")
    session.execute(insert, [1] + [v for _, v in VALUES.values()])
    row = session.execute(f"SELECT * FROM {table} WHERE k = 1").one()
    for name, (typ, value) in VALUES.items():
        got = getattr(row, name)
        if typ == "inet":
            assert ipaddress.ip_address(got) == ipaddress.ip_address(value)
        else:
            assert got == value, name


def test_literals_round_trip(session, table):
    # Why: CQL literal forms of every type parse to the same values.
    session.execute(
        f"INSERT INTO {table} (k, a, b, bl, bo, d, de, do, du, f, i4, n, s, te, ti, ts, tu, ty, u, vi) "
        f"VALUES (2, 'x', 42, 0xcafe, false, '2001-02-03', 1.50, -0.5, 1h30m, 2.5, '10.0.0.1', 7, 8, "
        f"'it''s', '01:02:03.5', '2001-02-03 04:05:06+0000', 50554d6e-29bb-11e5-b345-feff819cdc9f, "
        f"-1, 123e4567-e89b-12d3-a456-426655440000, -98765432109876543210)")
    row = session.execute(f"SELECT * FROM {table} WHERE k = 2").one()
    assert row.bl == b"\xca\xfe" and row.te == "it's" and row.d == Date(datetime.date(2001, 2, 3))
    assert row.de == decimal.Decimal("1.50") and row.du == Duration(0, 0, 5400000000000)
    assert row.ts == datetime.datetime(2001, 2, 3, 4, 5, 6)
    assert row.ti == Time(3723500000000) and row.vi == -98765432109876543210


@pytest.mark.parametrize("column,literal", [
    ("n", "3000000000"), ("ty", "128"), ("a", "'é'"), ("u", "'nope'"),
    ("tu", "123e4567-e89b-42d3-a456-426655440000"), ("d", "'2021-02-29'"), ("ts", "'yesterday'"),
    ("i4", "'300.1.1.1'"), ("bo", "'maybe'"), ("n", "'12'"),
])
def test_invalid_literals_are_refused(session, table, column, literal):
    # Why: bad literals are InvalidRequest, never silently coerced.
    with pytest.raises(InvalidRequest):
        session.execute(f"INSERT INTO {table} (k, {column}) VALUES (3, {literal})")


def test_clustering_order_follows_the_type(session, keyspace):
    # Why: clustering keys sort by CQL type order, in ASC and DESC.
    session.execute(f"CREATE TABLE {keyspace}.ord (k int, c varint, PRIMARY KEY (k, c))")
    session.execute(f"CREATE TABLE {keyspace}.ordd (k int, c double, PRIMARY KEY (k, c)) "
                    f"WITH CLUSTERING ORDER BY (c DESC)")
    ints = [0, -1, 1, 255, -256, 10**20, -10**20]
    doubles = [0.0, -1.5, 2.25, -1e10, 1e-3]
    for v in ints:
        session.execute(f"INSERT INTO {keyspace}.ord (k, c) VALUES (1, {v})")
    for v in doubles:
        session.execute(f"INSERT INTO {keyspace}.ordd (k, c) VALUES (1, {v})")
    assert [r.c for r in session.execute(f"SELECT c FROM {keyspace}.ord WHERE k = 1")] == sorted(ints)
    assert [r.c for r in session.execute(f"SELECT c FROM {keyspace}.ordd WHERE k = 1")] == sorted(
        doubles, reverse=True)
