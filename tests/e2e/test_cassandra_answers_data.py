"""Data mechanisms give Cassandra 4.1's answers (issue 10 items 1, 2, 6, 7, 8, 13, 16).

Each test names the item and the Cassandra source its expectation comes from.
"""
import decimal
import struct
import time
import uuid

import pytest
from cassandra import InvalidRequest
from cassandra.murmur3 import murmur3


def table(session, keyspace, columns, options=""):
    name = f"{keyspace}.t_{uuid.uuid4().hex[:10]}"
    session.execute(f"CREATE TABLE {name} ({columns}){options}")
    return name


# ---- item 1: frozen maps as clustering values ---------------------------------------------------

@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_frozen_map_clustering_round_trips(session, keyspace, order):
    # Why: a frozen<map<int,int>> clustering value {1:10, 2:20, 3:30} read back as {1:10, 2:null}
    # (issue 10 item 1). Cassandra stores the map's serialization as the clustering value and
    # returns it as written (MapType, CollectionSerializer).
    t = table(session, keyspace, "p int, c frozen<map<int, int>>, v int, PRIMARY KEY (p, c)",
              f" WITH CLUSTERING ORDER BY (c {order})")
    ins = session.prepare(f"INSERT INTO {t} (p, c, v) VALUES (?, ?, ?)")
    maps = [{1: 10, 2: 20, 3: 30}, {1: 10}, {}, {-5: 0, 7: 2 ** 31 - 1}]
    for i, m in enumerate(maps):
        session.execute(ins, [0, m, i])
    rows = list(session.execute(f"SELECT c, v FROM {t} WHERE p = 0"))
    got = {r.v: dict(r.c or {}) for r in rows}
    assert got == {i: m for i, m in enumerate(maps)}
    # Cassandra's MapType order: entry by entry, a prefix first ({} < {-5:..} < {1:10} < {1:10,..}).
    expected_order = [2, 3, 1, 0]
    if order == "DESC":
        expected_order.reverse()
    assert [r.v for r in rows] == expected_order
    one = session.execute(f"SELECT v FROM {t} WHERE p = 0 AND c = ?".replace("?", "%s"),
                          [{3: 30, 1: 10, 2: 20}]).one()
    assert one.v == 0


def test_nested_collections_as_clustering_round_trip(session, keyspace):
    # Why: item 1 asks for the map encoding at every nesting depth (maps inside lists, tuples).
    t = table(session, keyspace,
              "p int, c frozen<list<frozen<map<text, frozen<tuple<int, frozen<map<int, text>>>>>>>>,"
              " v int, PRIMARY KEY (p, c)", " WITH CLUSTERING ORDER BY (c DESC)")
    value = [{"a": (1, {1: "x", 2: "y"}), "b": (2, {})}, {}]
    # Prepared: in a simple statement the driver writes Python tuples as CQL lists.
    session.execute(session.prepare(f"INSERT INTO {t} (p, c, v) VALUES (0, ?, 1)"), [value])
    row = session.execute(f"SELECT c FROM {t} WHERE p = 0").one()
    got = [{k: (tp[0], dict(tp[1] or {})) for k, tp in (m or {}).items()} for m in row.c]
    assert got == [{"a": (1, {1: "x", 2: "y"}), "b": (2, {})}, {}]


# ---- item 2: sets and maps normalised on the way in --------------------------------------------

def test_bound_set_is_sorted_and_deduplicated_in_every_column_kind(session, keyspace):
    # Why: a frozen<set<int>> bound as (2, 1, 3) was stored unsorted, so WHERE c = {1,2,3} found
    # nothing (issue 10 item 2). Cassandra's Sets.Value.fromSerialized puts the elements in a
    # TreeSet of the element type: sorted, each once, for every column kind.
    t = table(session, keyspace,
              "p frozen<set<int>>, c frozen<set<int>>, s frozen<set<int>> static, "
              "r frozen<set<int>>, PRIMARY KEY (p, c)")
    ins = session.prepare(f"INSERT INTO {t} (p, c, s, r) VALUES (?, ?, ?, ?)")
    # A list binds as the set's elements in the order given (the driver does not sort).
    session.execute(ins, [[3, 1, 2], [2, 1, 3, 2], [9, -1, 9], [5, 4, 4]])
    sel = session.prepare(f"SELECT p, c, s, r FROM {t} WHERE p = ? AND c = ?")
    row = session.execute(sel, [[1, 2, 3], [1, 2, 3]]).one()
    assert row is not None
    assert (list(row.p), list(row.c), list(row.s), list(row.r)) == \
        ([1, 2, 3], [1, 2, 3], [-1, 9], [4, 5])
    # The token is the token of the normalised bytes, as in Cassandra.
    tok = session.execute(f"SELECT token(p) FROM {t}").one()[0]
    tok_sorted = session.execute(session.prepare(f"SELECT token(p) FROM {t} WHERE p = ?"),
                                 [[2, 3, 1]]).one()[0]
    assert tok == tok_sorted


def test_bound_map_is_sorted_by_key_at_any_depth(session, keyspace):
    # Why: item 2 — maps too, nested inside lists and tuples (Maps.Value.fromSerialized: a TreeMap
    # of the key type; nested frozen values are re-serialized sorted by SetSerializer/
    # MapSerializer.serializeValues).
    t = table(session, keyspace,
              "p int, c frozen<tuple<int, frozen<list<frozen<map<int, frozen<set<text>>>>>>>>, "
              "r frozen<list<frozen<map<int, frozen<set<text>>>>>>, PRIMARY KEY (p, c)")
    ins = session.prepare(f"INSERT INTO {t} (p, c, r) VALUES (?, ?, ?)")
    value = [{3: ["z", "a", "z"], 1: ["b"]}]
    session.execute(ins, [0, (1, value), value])
    row = session.execute(f"SELECT c, r FROM {t} WHERE p = 0").one()
    assert [list(m.items()) for m in row.r] == [[(1, {"b"}), (3, {"a", "z"})]]
    assert [list(m.keys()) for m in row.c[1]] == [[1, 3]]
    assert [sorted(s) for s in row.r[0].values()] == [["b"], ["a", "z"]]
    found = session.execute(session.prepare(f"SELECT p FROM {t} WHERE p = 0 AND c = ?"),
                            [(1, [{3: ["z", "a"], 1: ["b"]}])]).one()
    assert found is not None


def test_collection_literals_are_normalised_too(session, keyspace):
    # Why: item 2 — literals go the same way as bound values: {3, 1, 2, 1} is the set {1, 2, 3}
    # (Sets.Literal -> Sets.Value in a TreeSet), map literals keep the last value of a key, and
    # WHERE c = {1, 2, 3} finds a set bound as (2, 1, 3).
    # (UDT literals: tests/e2e/test_udts.py.)
    t = table(session, keyspace,
              "p frozen<set<int>>, c frozen<map<int, text>>, u frozen<tuple<int, frozen<set<text>>>>, "
              "l frozen<list<frozen<tuple<int, frozen<set<int>>>>>>, PRIMARY KEY (p, c)")
    session.execute(f"INSERT INTO {t} (p, c, u, l) VALUES ({{3, 1, 2, 1}}, {{2: 'b', 1: 'a', 2: 'z'}},"
                    f" (1, {{'q', 'b', 'q'}}), [(1, {{9, 8}}), (0, {{}})])")
    ins = session.prepare(f"INSERT INTO {t} (p, c) VALUES (?, ?)")
    session.execute(ins, [[2, 1, 3], {5: "e"}])
    row = session.execute(f"SELECT p, c, u, l FROM {t} WHERE p = {{1, 2, 3}} AND c = {{1: 'a', 2: 'z'}}").one()
    assert row is not None
    assert list(row.p) == [1, 2, 3]
    assert list(row.c.items()) == [(1, "a"), (2, "z")]
    assert row.u[0] == 1 and list(row.u[1]) == ["b", "q"]
    assert [(i, list(s or [])) for i, s in row.l] == [(1, [8, 9]), (0, [])]
    assert len(list(session.execute(f"SELECT c FROM {t} WHERE p = {{2, 3, 1}}"))) == 2
    # Markers inside literals are bound, validated and normalised per request.
    sel = session.prepare(f"SELECT c FROM {t} WHERE p = {{?, ?, 3}} AND c = {{5: ?}}")
    assert session.execute(sel, [2, 1, "e"]).one().c == {5: "e"}
    with pytest.raises(InvalidRequest, match="null is not supported inside collections"):
        session.execute(f"INSERT INTO {t} (p, c) VALUES ({{1, null}}, {{}})")
    with pytest.raises(InvalidRequest, match="Invalid list literal for p of type frozen<set<int>>"):
        session.execute(f"INSERT INTO {t} (p, c) VALUES ([1], {{}})")


# ---- item 6: reconciliation of equal timestamps --------------------------------------------------

def test_equal_timestamps_expiring_cell_beats_plain_cell(session, keyspace):
    # Why: INSERT v=1 USING TIMESTAMP 1 AND TTL 100 then v=2 USING TIMESTAMP 1 read 2; Cassandra
    # 4.1 reads 1: on a tie an expiring cell beats a non-expiring one (Cells.resolveRegular,
    # CASSANDRA-14592), whatever the values, in either write order (issue 10 item 6).
    t = table(session, keyspace, "k int PRIMARY KEY, v int")
    session.execute(f"INSERT INTO {t} (k, v) VALUES (0, 1) USING TIMESTAMP 1 AND TTL 100")
    session.execute(f"INSERT INTO {t} (k, v) VALUES (0, 2) USING TIMESTAMP 1")
    session.execute(f"INSERT INTO {t} (k, v) VALUES (1, 2) USING TIMESTAMP 1")
    session.execute(f"INSERT INTO {t} (k, v) VALUES (1, 1) USING TIMESTAMP 1 AND TTL 100")
    assert session.execute(f"SELECT v FROM {t} WHERE k = 0").one().v == 1
    assert session.execute(f"SELECT v FROM {t} WHERE k = 1").one().v == 1


def test_equal_timestamps_later_expiry_then_greater_value(session, keyspace):
    # Why: Cells.resolveRegular — between expiring cells the later local expiration time wins
    # before the values are looked at; between plain cells the greater value wins.
    t = table(session, keyspace, "k int PRIMARY KEY, v int")
    session.execute(f"INSERT INTO {t} (k, v) VALUES (0, 9) USING TIMESTAMP 5 AND TTL 100")
    session.execute(f"INSERT INTO {t} (k, v) VALUES (0, 1) USING TIMESTAMP 5 AND TTL 10000")
    session.execute(f"INSERT INTO {t} (k, v) VALUES (1, 1) USING TIMESTAMP 5")
    session.execute(f"INSERT INTO {t} (k, v) VALUES (1, 9) USING TIMESTAMP 5")
    session.execute(f"INSERT INTO {t} (k, v) VALUES (1, 3) USING TIMESTAMP 5")
    assert session.execute(f"SELECT v FROM {t} WHERE k = 0").one().v == 1
    assert session.execute(f"SELECT v FROM {t} WHERE k = 1").one().v == 9


def test_equal_timestamps_tombstone_beats_value(session, keyspace):
    # Why: on a tie a deletion wins over a live or expiring cell (Cells.resolveRegular).
    t = table(session, keyspace, "k int PRIMARY KEY, v int, w int")
    session.execute(f"INSERT INTO {t} (k, v, w) VALUES (0, 1, 1) USING TIMESTAMP 7 AND TTL 1000")
    session.execute(f"DELETE v FROM {t} USING TIMESTAMP 7 WHERE k = 0")
    row = session.execute(f"SELECT v, w FROM {t} WHERE k = 0").one()
    assert row.v is None and row.w == 1


# ---- item 7: dropped columns -------------------------------------------------------------------

def test_row_of_only_a_dropped_column_disappears(session, keyspace):
    # Why: a row created by UPDATE (no row marker) whose only cell belongs to a dropped column
    # stayed visible as (k, null); Cassandra skips the dropped column's cells when reading
    # (dropped_columns, SerializationHeader/ColumnFilter), so the row has no live data
    # (issue 10 item 7).
    t = table(session, keyspace, "k int PRIMARY KEY, x int, y int")
    session.execute(f"UPDATE {t} SET x = 1 WHERE k = 0")
    session.execute(f"INSERT INTO {t} (k) VALUES (1)")
    session.execute(f"UPDATE {t} SET x = 1, y = 2 WHERE k = 2")
    session.execute(f"ALTER TABLE {t} DROP x")
    rows = sorted((r.k, r.y) for r in session.execute(f"SELECT * FROM {t}"))
    assert rows == [(1, None), (2, 2)]
    assert session.execute(f"SELECT * FROM {t} WHERE k = 0").one() is None
    assert session.execute(f"SELECT count(*) FROM {t}").one()[0] == 2
    # Re-added: the cells written before the drop stay dead, new writes count.
    session.execute(f"ALTER TABLE {t} ADD x int")
    assert session.execute(f"SELECT * FROM {t} WHERE k = 0").one() is None
    session.execute(f"UPDATE {t} SET x = 5 WHERE k = 3")
    assert session.execute(f"SELECT x FROM {t} WHERE k = 3").one().x == 5


def test_static_row_of_only_a_dropped_static_column_disappears(session, keyspace):
    # Why: item 7 for static columns: a partition whose only data is a dropped static cell is gone.
    t = table(session, keyspace, "k int, c int, s int static, PRIMARY KEY (k, c)")
    session.execute(f"UPDATE {t} SET s = 1 WHERE k = 0")
    session.execute(f"ALTER TABLE {t} DROP s")
    assert list(session.execute(f"SELECT * FROM {t} WHERE k = 0")) == []


# ---- item 8: decimals as clustering values -------------------------------------------------------

def test_decimal_clustering_keeps_the_written_scale(session, keyspace):
    # Why: 123.0 as a decimal clustering value read back as 123 (issue 10 item 8). Cassandra
    # stores the clustering value's bytes (DecimalType: scale and unscaled value) and returns
    # them; values that compare equal (BigDecimal.compareTo) are the same clustering.
    t = table(session, keyspace, "p int, c decimal, v int, PRIMARY KEY (p, c)")
    ins = session.prepare(f"INSERT INTO {t} (p, c, v) VALUES (?, ?, ?)")
    session.execute(ins, [0, decimal.Decimal("123.0"), 1])
    session.execute(ins, [0, decimal.Decimal("-0.50"), 2])
    session.execute(ins, [0, decimal.Decimal("1E+3"), 3])
    rows = list(session.execute(f"SELECT c, v FROM {t} WHERE p = 0"))
    assert [(str(r.c), r.v) for r in rows] == [("-0.50", 2), ("123.0", 1), ("1E+3", 3)]
    # 123 and 123.0 compare equal: one row, found by either form.
    assert session.execute(f"SELECT v FROM {t} WHERE p = 0 AND c = 123").one().v == 1
    session.execute(f"UPDATE {t} SET v = 7 WHERE p = 0 AND c = 123.00")
    assert [r.v for r in session.execute(f"SELECT v FROM {t} WHERE p = 0")] == [2, 7, 3]


@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_decimal_with_huge_exponent_is_a_prompt_clustering_value(session, keyspace, order):
    # Why: 19866597869857659876855e1000000000 took seconds of CPU and left the partition
    # unreadable ("malformed clustering key encoding"); decimal's range is a 32-bit scale and any
    # unscaled varint (DecimalType), and must encode and decode in bounded time (issue 10 item 8).
    t = table(session, keyspace, "p int, c decimal, v int, PRIMARY KEY (p, c)",
              f" WITH CLUSTERING ORDER BY (c {order})")
    # Scales from -2^31 + 1 (e2147483647) to 2^31 - 1 (e-2147483647), as BigDecimal allows.
    # (Scale -2^31 itself is in the unit tests: the Python driver negates it in 32 bits.)
    values = ["19866597869857659876855e1000000000", "-7e2147483647", "1e-2147483647",
              "123456789e-2147483647", "-3e-2147483647", "5", "-98765432109876543210e2147483647",
              "98765432109876543210e2147483647", "1e2147483646"]
    start = time.monotonic()
    for i, text in enumerate(values):
        session.execute(f"INSERT INTO {t} (p, c, v) VALUES (0, {text}, {i})")
    rows = list(session.execute(f"SELECT c, v FROM {t} WHERE p = 0"))
    assert time.monotonic() - start < 5
    got = {r.v: r.c for r in rows}
    assert len(got) == len(values)
    for i, text in enumerate(values):
        assert got[i] == decimal.Decimal(text), text
    assert [r.c for r in rows] == sorted((decimal.Decimal(v) for v in values),
                                         reverse=order == "DESC")


# ---- items 13 and 16: key lengths and empty components ---------------------------------------------

def test_key_components_longer_than_65535_bytes_are_refused(session, keyspace):
    # Why: Cassandra refuses a clustering value over 65535 bytes (ModificationStatement's
    # clustering check) and a partition key whose serialization is over 65535 bytes
    # (QueryProcessor.validateKey, on the whole CompositeType for a compound key) with
    # InvalidRequest "Key length of N is longer than maximum of 65535" (issue 10 item 13).
    t = table(session, keyspace, "a text, b text, c text, v int, PRIMARY KEY ((a, b), c)")
    t1 = table(session, keyspace, "k text, c text, v int, PRIMARY KEY (k, c)")
    # Simple statements: the driver cannot even build a routing key this long for a prepared one.
    ins = f"INSERT INTO {t} (a, b, c, v) VALUES (%s, %s, %s, 1)"
    ins1 = session.prepare(f"INSERT INTO {t1} (k, c, v) VALUES (?, ?, 1)")
    big = "x" * 65536
    too_long = "Key length of {} is longer than maximum of 65535"
    for args, n in ((["a", "b", big], 65536), (["a", big, "c"], 4 + 65539),
                    ([big, "", "c"], 65539 + 3)):
        with pytest.raises(InvalidRequest, match=too_long.format(n)):
            session.execute(ins, args)
    with pytest.raises(InvalidRequest, match=too_long.format(65536)):
        session.execute(ins1, [big, "c"])
    with pytest.raises(InvalidRequest, match=too_long.format(65536)):
        session.execute(ins1, ["k", big])
    with pytest.raises(InvalidRequest, match=too_long.format(65536)):
        session.execute(f"SELECT * FROM {t1} WHERE k = %s", [big])
    ok = "y" * 65535
    session.execute(ins, ["y" * 65000, "", ok])
    session.execute(ins1, [ok, ok])
    assert session.execute(f"SELECT v FROM {t} WHERE a = %s AND b = '' AND c = %s",
                           ["y" * 65000, ok]).one().v == 1
    assert session.execute(f"SELECT v FROM {t1} WHERE k = %s AND c = %s", [ok, ok]).one().v == 1


def test_empty_component_of_a_composite_partition_key_is_allowed(session, keyspace):
    # Why: Cassandra refuses only an empty single-column partition key ("Key may not be empty");
    # a component of a composite key may be empty (CompositeType) (issue 10 item 16).
    t = table(session, keyspace, "a text, b int, c text, v int, PRIMARY KEY ((a, b, c))")
    session.execute(f"INSERT INTO {t} (a, b, c, v) VALUES ('', 1, '', 5)")
    ins = session.prepare(f"INSERT INTO {t} (a, b, c, v) VALUES (?, ?, ?, ?)")
    session.execute(ins, ["", 2, "z", 6])
    rows = sorted((r.a, r.b, r.c, r.v) for r in session.execute(f"SELECT a, b, c, v FROM {t}"))
    assert rows == [("", 1, "", 5), ("", 2, "z", 6)]
    row = session.execute(f"SELECT v, token(a, b, c) FROM {t} WHERE a = '' AND b = 1 AND c = ''").one()
    assert row.v == 5
    # CompositeType bytes: [u16 len][bytes][0] per component, and Murmur3Partitioner's token of
    # them (the driver's own murmur3, as it routes requests).
    composite = b"".join(struct.pack(">H", len(c)) + c + b"\x00"
                         for c in (b"", struct.pack(">i", 1), b""))
    assert row[1] == murmur3(composite)
    by_token = session.execute(f"SELECT v FROM {t} WHERE token(a, b, c) >= {row[1]} "
                               f"AND token(a, b, c) <= {row[1]}").one()
    assert by_token.v == 5
    t1 = table(session, keyspace, "k text PRIMARY KEY, v int")
    with pytest.raises(InvalidRequest, match="Key may not be empty"):
        session.execute(f"INSERT INTO {t1} (k, v) VALUES ('', 1)")
