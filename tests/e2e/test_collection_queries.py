"""The read side of collections and tuples with the Python driver (issue 11): element and slice
selection (Cassandra 4.0 CASSANDRA-7396), CONTAINS / CONTAINS KEY / map entries in WHERE, tuple
literals and keys, collection literals, and paging through rows that carry big collections.

Expectations follow Cassandra 4.1's CollectionsTest, SelectTest and FrozenCollectionsTest; each
test names its source. Unit twins: tests/unit/query/collection_queries_test.cc.
"""
import uuid

import pytest
from cassandra import InvalidRequest
from cassandra.query import SimpleStatement

FILTERING = ("Cannot execute this query as it might involve data filtering and thus may have "
             "unpredictable performance. If you want to execute this query despite the "
             "performance unpredictability, use ALLOW FILTERING")


def table(session, keyspace, columns):
    name = f"{keyspace}.t_{uuid.uuid4().hex[:10]}"
    session.execute(f"CREATE TABLE {name} ({columns})")
    return name


def refused(session, query, message, params=None):
    with pytest.raises(InvalidRequest) as e:
        session.execute(query, params)
    assert message in str(e.value), str(e.value)


@pytest.fixture(scope="module")
def maps(session, keyspace):
    t = table(session, keyspace, "k int PRIMARY KEY, m frozen<map<text, int>>, "
                                 "s frozen<set<text>>, l frozen<list<int>>")
    session.execute(f"INSERT INTO {t} (k, m, s, l) VALUES (1, {{'z': 26, 'a': 1, 'c': 3}}, "
                    f"{{'b', 'a', 'b'}}, [3, 1])")
    session.execute(f"INSERT INTO {t} (k, m, s) VALUES (2, {{}}, {{}})")
    return t


@pytest.mark.parametrize("prepared", [False, True])
def test_element_and_slice_selection(session, maps, prepared):
    # Why: SELECT m['k'] / s['e'] / m[a..b] is Cassandra 4.0's collection sub-selection; the
    # columns are named as Selectable.toString (m['a']) and typed as the element / collection.
    q = (f"SELECT m['a'], m['q'], s['b'], m['b'..'y'], m[..'c'], s['b'..] FROM {maps} "
         "WHERE k = 1")
    rs = session.execute(session.prepare(q) if prepared else q)
    row = rs.one()
    assert rs.column_names == ["m['a']", "m['q']", "s['b']", "m['b'..'y']", "m[..'c']", "s['b'..]"]
    assert list(row) [:3] == [1, None, "b"]
    assert dict(row[3]) == {"c": 3}
    assert dict(row[4]) == {"a": 1, "c": 3}
    assert set(row[5]) == {"b"}


def test_selection_with_bind_markers(session, maps):
    # Why: m[?] binds the key type (Maps.keySpecOf: "key(m)"), s[?..?] the element type.
    ps = session.prepare(f"SELECT m[?], s[?..?] FROM {maps} WHERE k = ?")
    assert [c.name for c in ps.column_metadata] == ["key(m)", "value(s)", "value(s)", "k"]
    row = session.execute(ps, ["z", "a", "az", 1]).one()
    assert row[0] == 26 and set(row[1]) == {"a"}
    refused(session, ps, "Invalid null value for element selection on m", [None, "a", "b", 1])


def test_empty_frozen_collection_selection(session, maps):
    # Why: CollectionsTest.testSelectionOfEmptyCollections: an empty frozen collection gives a
    # null element but an empty slice.
    row = session.execute(f"SELECT m['a'], m['a'..'z'], s[..'x'] FROM {maps} WHERE k = 2").one()
    assert row[0] is None
    assert dict(row[1] or {}) == {} and row[1] is not None
    assert row[2] is not None and len(row[2]) == 0


def test_list_and_scalar_selection_refused(session, maps):
    # Why: Cassandra 4.1 refuses element and slice selection on lists (CollectionsTest
    # testElementAccessOnList) and on non-collections.
    refused(session, f"SELECT l[0] FROM {maps}",
            "Element selection is only allowed on sets and maps, but l is a list")
    refused(session, f"SELECT l[1..3] FROM {maps}",
            "Slice selection is only allowed on sets and maps, but l is a list")
    refused(session, f"SELECT k[1] FROM {maps}",
            "Invalid element selection: k is of type int is not a collection")


def test_nested_selection(session, keyspace):
    # Why: CollectionsTest.testFrozenCollectionNestedAccess: selections chain to any depth.
    t = table(session, keyspace,
              "k int PRIMARY KEY, m frozen<map<text, frozen<map<text, frozen<set<int>>>>>>")
    session.execute(f"INSERT INTO {t} (k, m) VALUES (0, {{'1': {{'a': {{1, 2, 4}}, 'b': {{3}}}}}})")
    row = session.execute(session.prepare(f"SELECT m[?][?], m[?][?][?], m[?][?][?..?] FROM {t}"),
                          ["1", "a", "1", "a", 2, "1", "a", 2, 3]).one()
    assert set(row[0]) == {1, 2, 4} and row[1] == 2 and set(row[2]) == {2}


@pytest.fixture(scope="module")
def filtered(session, keyspace):
    t = table(session, keyspace, "a int, b int, c frozen<list<int>>, d frozen<set<int>>, "
                                 "e frozen<map<int, int>>, s frozen<set<text>> static, "
                                 "PRIMARY KEY (a, b)")
    for a, b, c, d, e in [(1, 2, [1, 6], {2, 12}, {1: 6}), (1, 3, [3, 2], {6, 4}, {3: 2}),
                          (1, 4, [1, 2], {2, 4}, {1: 2}), (2, 3, [3, 6], {6, 12}, {3: 6})]:
        session.execute(f"INSERT INTO {t} (a, b, c, d, e) VALUES (%s, %s, %s, %s, %s)",
                        [a, b, c, d, e])
    session.execute(f"INSERT INTO {t} (a, s) VALUES (2, {{'tag'}})")
    return t


@pytest.mark.parametrize("prepared", [False, True])
def test_contains_filtering(session, filtered, prepared):
    # Why: SelectTest.testFilteringWithoutIndicesWithFrozenCollections (Cassandra 4.1).
    def rows(where, params=()):
        q = f"SELECT a, b FROM {filtered} WHERE {where} ALLOW FILTERING"
        if prepared:
            return sorted(tuple(r) for r in session.execute(session.prepare(q.replace("%s", "?")),
                                                            list(params)))
        return sorted(tuple(r) for r in session.execute(q, list(params)))
    assert rows("c CONTAINS %s", [2]) == [(1, 3), (1, 4)]
    assert rows("c CONTAINS %s AND c CONTAINS %s", [2, 3]) == [(1, 3)]
    assert rows("d CONTAINS %s", [4]) == [(1, 3), (1, 4)]
    assert rows("e CONTAINS %s", [2]) == [(1, 3), (1, 4)]
    assert rows("e CONTAINS KEY %s AND e CONTAINS %s", [1, 2]) == [(1, 4)]
    assert rows("s CONTAINS %s", ["tag"]) == [(2, 3)]


def test_contains_metadata_and_refusals(session, filtered):
    # Why: the markers are CollectionType.makeCollectionReceiver specs; the refusals are
    # SingleColumnRelation.toReceivers' and StatementRestrictions' texts.
    ps = session.prepare(f"SELECT * FROM {filtered} WHERE c CONTAINS ? AND e CONTAINS KEY ? "
                         "AND e CONTAINS ? ALLOW FILTERING")
    assert [(c.name, c.type.typename) for c in ps.column_metadata] == [
        ("value(c)", "int"), ("key(e)", "int"), ("value(e)", "int")]
    refused(session, f"SELECT * FROM {filtered} WHERE c CONTAINS 2", FILTERING)
    refused(session, f"SELECT * FROM {filtered} WHERE d CONTAINS KEY 1 ALLOW FILTERING",
            "Cannot use CONTAINS KEY on non-map column d")
    refused(session, f"SELECT * FROM {filtered} WHERE b CONTAINS 1 ALLOW FILTERING",
            "Cannot use CONTAINS on non-collection column b")
    refused(session, f"SELECT * FROM {filtered} WHERE e[1] = 6 ALLOW FILTERING",
            "Map-entry equality predicates on frozen map column e are not supported")
    refused(session, f"SELECT * FROM {filtered} WHERE c CONTAINS null ALLOW FILTERING",
            "Unsupported null value for column c")


def test_contains_on_key_columns(session, keyspace):
    # Why: SelectTest.containsFilteringForClusteringKeys and testContainsOnPartitionKey.
    t = table(session, keyspace, "pk frozen<map<int, int>>, ck frozen<list<int>>, v int, "
                                 "PRIMARY KEY (pk, ck)")
    session.execute(f"INSERT INTO {t} (pk, ck, v) VALUES ({{1: 2}}, [1, 3], 1)")
    session.execute(f"INSERT INTO {t} (pk, ck, v) VALUES ({{1: 2, 3: 4}}, [2, 3], 2)")
    refused(session, f"SELECT v FROM {t} WHERE pk = {{1: 2}} AND ck CONTAINS 3",
            "Clustering columns can only be restricted with CONTAINS with a secondary index or "
            "filtering")
    assert [r.v for r in session.execute(
        f"SELECT v FROM {t} WHERE pk = {{1: 2}} AND ck CONTAINS 3 ALLOW FILTERING")] == [1]
    refused(session, f"SELECT v FROM {t} WHERE pk CONTAINS KEY 3", FILTERING)
    assert [r.v for r in session.execute(
        f"SELECT v FROM {t} WHERE pk CONTAINS KEY 3 AND ck CONTAINS 2 ALLOW FILTERING")] == [2]


@pytest.mark.parametrize("prepared", [False, True])
def test_tuples(session, keyspace, prepared):
    # Why: tuples are frozen values usable as keys, nested and inside collections (Tuples.Literal);
    # system_schema spells them frozen<tuple<...>> as Cassandra 4.1 does.
    t = table(session, keyspace, "k frozen<tuple<int, text>>, c tuple<int, frozen<list<int>>>, "
                                 "v tuple<int, tuple<text, int>>, l frozen<list<tuple<int, text>>>,"
                                 " PRIMARY KEY (k, c)")
    if prepared:
        ins = session.prepare(f"INSERT INTO {t} (k, c, v, l) VALUES ((?, ?), ?, (1, (?, 2)), ?)")
        assert [c.name for c in ins.column_metadata] == ["k[0]", "k[1]", "c", "v[1][0]", "l"]
        session.execute(ins, [1, "a", (1, [1, 2]), "x", [(1, "a"), (2, "b")]])
    else:
        session.execute(f"INSERT INTO {t} (k, c, v, l) VALUES ((1, 'a'), (1, [1, 2]), "
                        "(1, ('x', 2)), [(1, 'a'), (2, 'b')])")
    row = session.execute(f"SELECT * FROM {t} WHERE k = (1, 'a') AND c >= (1, [1])").one()
    assert row.k == (1, "a") and row.c == (1, [1, 2]) and row.v == (1, ("x", 2))
    assert row.l == [(1, "a"), (2, "b")]
    types = {r.column_name: r.type for r in session.execute(
        "SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = %s AND "
        "table_name = %s", t.split("."))}
    assert types["k"] == "frozen<tuple<int, text>>"
    assert types["l"] == "frozen<list<frozen<tuple<int, text>>>>"
    refused(session, f"INSERT INTO {t} (k, c) VALUES ((1, 'a', 3), (1, [1]))",
            "Invalid tuple literal for k: too many elements. Type frozen<tuple<int, text>> "
            "expects 2 but got 3")


def test_collection_literals_are_normalised_everywhere(session, keyspace):
    # Why: sets sorted and de-duplicated, maps sorted by key, whatever the client sent, also
    # inside tuples and as keys (cql/types/normalize, Sets/Maps.Value.fromSerialized).
    t = table(session, keyspace, "k frozen<set<int>>, c frozen<map<text, frozen<list<int>>>>, "
                                 "v tuple<int, frozen<set<text>>>, e frozen<list<int>>, "
                                 "PRIMARY KEY (k, c)")
    session.execute(f"INSERT INTO {t} (k, c, v, e) VALUES ({{3, 1, 3}}, {{'b': [2], 'a': []}}, "
                    "(1, {'y', 'x', 'y'}), [])")
    row = session.execute(f"SELECT * FROM {t} WHERE k = {{1, 3}} AND c = {{'a': [], 'b': [2]}}").one()
    assert list(row.k) == [1, 3] and list(row.c.keys()) == ["a", "b"]
    assert list(row.v[1]) == ["x", "y"] and (row.e is None or row.e == [])
    # Filtering compares normalised values; a DELETE finds the row from an unsorted literal.
    assert len(list(session.execute(f"SELECT k FROM {t} WHERE v = (1, {{'y', 'x'}}) "
                                    "ALLOW FILTERING"))) == 1
    session.execute(f"DELETE FROM {t} WHERE k = {{3, 1, 1}} AND c = {{'b': [2], 'a': []}}")
    assert session.execute(f"SELECT k FROM {t}").one() is None


@pytest.mark.parametrize("prepared", [False, True])
def test_non_frozen_selection_and_map_entry_filtering(session, keyspace, prepared):
    # Why: non-frozen collections read back as one value, so m['k'] and slices work on them; an
    # empty slice of a multi-cell column is null (CollectionsTest.testSelectionOfEmptyCollections)
    # and m[k] = v filters them (SelectTest.testFilteringWithoutIndices: e[1] = 6).
    t = table(session, keyspace, "k int, c int, m map<text, int>, s set<text>, PRIMARY KEY (k, c)")
    session.execute(f"INSERT INTO {t} (k, c, m, s) VALUES (1, 1, {{'z': 1, 'a': 2}}, {{'b'}})")
    session.execute(f"UPDATE {t} SET m['q'] = 7 WHERE k = 1 AND c = 2")
    q = f"SELECT c, m['a'], m['a'..'b'], s['x'..] FROM {t} WHERE k = 1"
    rows = list(session.execute(session.prepare(q) if prepared else q))
    assert [(r[0], r[1], dict(r[2]) if r[2] is not None else None, r[3]) for r in rows] == [
        (1, 2, {"a": 2}, None), (2, None, None, None)]
    if prepared:
        ps = session.prepare(f"SELECT c FROM {t} WHERE m[?] = ? ALLOW FILTERING")
        assert [c.name for c in ps.column_metadata] == ["key(m)", "value(m)"]
        assert [r.c for r in session.execute(ps, ["q", 7])] == [2]
    else:
        assert [r.c for r in session.execute(
            f"SELECT c FROM {t} WHERE m['a'] = 2 ALLOW FILTERING")] == [1]
    refused(session, f"SELECT c FROM {t} WHERE m['a'] = 2", FILTERING)
    refused(session, f"SELECT c FROM {t} WHERE m = {{'a': 2}} ALLOW FILTERING",
            "Collection column 'm' (map<text, int>) cannot be restricted by a '=' relation")


@pytest.mark.parametrize("kind", ["frozen<set<int>>", "set<int>"])
@pytest.mark.parametrize("fetch_size", [7, 199, 1000])
def test_paging_rows_with_big_collections(session, keyspace, fetch_size, kind):
    # Why: a page never splits a row and never loses or repeats one, whatever the page size,
    # when each row carries a 1,000-element collection, frozen (one cell) or not (one cell per
    # element) (issue 11, paging).
    tables = test_paging_rows_with_big_collections.__dict__.setdefault("tables", {})
    t = tables.get(kind)
    if t is None:
        t = table(session, keyspace, f"p int, c int, s {kind}, PRIMARY KEY (p, c)")
        ins = session.prepare(f"INSERT INTO {t} (p, c, s) VALUES (0, ?, ?)")
        for c in range(200):
            session.execute(ins, [c, set(range(c, c + 1000))])
        tables[kind] = t
    rows = list(session.execute(SimpleStatement(f"SELECT c, s FROM {t} WHERE p = 0",
                                                fetch_size=fetch_size)))
    assert [r.c for r in rows] == list(range(200))
    assert all(len(r.s) == 1000 and min(r.s) == r.c for r in rows)
    sliced = list(session.execute(SimpleStatement(
        f"SELECT c, s[100..102] FROM {t} WHERE p = 0", fetch_size=fetch_size)))
    assert [r.c for r in sliced] == list(range(200))
    # An empty slice is an empty frozen set but a null non-frozen one.
    assert all(set(r[1] or ()) == {x for x in (100, 101, 102) if r.c <= x < r.c + 1000}
               for r in sliced)
    assert (sliced[150][1] is None) == (kind == "set<int>")
