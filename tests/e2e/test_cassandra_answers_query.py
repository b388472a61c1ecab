"""The query layer answers as Apache Cassandra 4.1 does (issue 10 items 3, 4, 5, 9, 10, 11, 12,
14, 15, 18): results, result and PREPARED metadata as the Python driver reads them, and errors
with Cassandra's class and text. Each test cites the Cassandra source it follows."""
import pytest
from cassandra import InvalidRequest
from cassandra.protocol import SyntaxException


@pytest.fixture(scope="module")
def ks(session, keyspace):
    session.set_keyspace(keyspace)
    return keyspace


def rows(session, cql, params=None):
    return [tuple(r) for r in session.execute(cql, params)]


def test_count_of_a_column_skips_nulls(session, ks):
    # Why (item 3): AggregateFcts.countFunctionForType counts non-null values; count(*) and
    # count(1) count rows; the column is named system.count(v).
    session.execute("CREATE TABLE cnt (k int, c int, v int, PRIMARY KEY (k, c))")
    for c, v in ((0, 1), (1, 2), (2, 3)):
        session.execute("INSERT INTO cnt (k, c, v) VALUES (0, %s, %s)", (c, v))
    session.execute("INSERT INTO cnt (k, c) VALUES (0, 3)")
    result = session.execute("SELECT count(v) FROM cnt WHERE k = 0")
    assert result.column_names == ["system.count(v)"]
    assert result.one()[0] == 3
    assert session.execute("SELECT count(*) FROM cnt WHERE k = 0").one()[0] == 4
    assert session.execute("SELECT count(1) FROM cnt WHERE k = 0").one()[0] == 4


@pytest.fixture(scope="module")
def mc(session, ks):
    session.execute("CREATE TABLE mc (a int, b int, c int, d int, PRIMARY KEY (a, b, c, d))")
    session.execute("CREATE TABLE mcr (a int, b int, c int, d int, PRIMARY KEY (a, b, c, d)) "
                    "WITH CLUSTERING ORDER BY (b DESC, c DESC, d DESC)")
    for t in ("mc", "mcr"):
        for row in ((0, 0, 0), (0, 1, 0), (0, 1, 1), (1, 0, 0), (1, 1, 0), (1, 1, 1)):
            session.execute(f"INSERT INTO {t} (a, b, c, d) VALUES (0, %s, %s, %s)", row)
    return ("mc", "mcr")


def test_several_multi_column_restrictions_all_apply(session, mc):
    # Why (item 4): RestrictionSet.addRestriction merges restrictions sharing a column
    # (MultiColumnRestriction.SliceRestriction.doMergeWith); every bound applies, in both
    # clustering orders (SelectMultiColumnRelationTest.testMultipleClustering).
    for t in mc:
        got = sorted(rows(session, f"SELECT b, c, d FROM {t} WHERE a = 0 AND (b, c, d) > (0, 1, 0) "
                                   "AND (b) < (1)"))
        assert got == [(0, 1, 1)], t
        got = sorted(rows(session, f"SELECT b, c, d FROM {t} WHERE a = 0 AND (b) > (0) "
                                   "AND (b, c) < (1, 1)"))
        assert got == [(1, 0, 0)], t
        got = sorted(rows(session, f"SELECT b, c, d FROM {t} WHERE a = 0 AND b = 1 "
                                   "AND (c, d) > (0, 0)"))
        assert got == [(1, 1, 0), (1, 1, 1)], t


def test_two_end_bounds_on_one_column_are_refused(session, mc):
    # Why (item 4): the query used to return rows with b = 1; Cassandra refuses two end
    # bounds on b ("More than one restriction was found for the end bound on b").
    with pytest.raises(InvalidRequest, match="More than one restriction was found for the end "
                                             "bound on b"):
        session.execute("SELECT * FROM mc WHERE a = 0 AND (b) < (1) AND (b, c) < (1, 2)")


def test_select_star_puts_statics_before_regulars(session, ks):
    # Why (item 5): TableMetadata.allColumnsInSelectOrder is partition key, clustering, statics,
    # regulars (each by name); InsertTest expects row(1, null, null, "B", null).
    session.execute("CREATE TABLE st (p int, c int, v int, s text static, a int, "
                    "PRIMARY KEY (p, c))")
    session.execute("INSERT INTO st (p, s) VALUES (1, 'B')")
    result = session.execute("SELECT * FROM st")
    assert result.column_names == ["p", "c", "s", "a", "v"]
    assert [tuple(r) for r in result] == [(1, None, "B", None, None)]
    prepared = session.prepare("SELECT * FROM st WHERE p = ?")
    assert [c[2] for c in prepared.result_metadata] == ["p", "c", "s", "a", "v"]


def test_in_on_the_partition_key_reads_in_key_order(session, ks):
    # Why (item 9): PartitionKeySingleRestrictionSet.values collects the IN keys into a set
    # sorted by the key type's comparator: 0 then 1, not the listed or the token order.
    session.execute("CREATE TABLE inord (k int PRIMARY KEY, v int)")
    for k in (-5, 0, 1, 2, 300):
        session.execute("INSERT INTO inord (k, v) VALUES (%s, 0)", (k,))
    assert rows(session, "SELECT k FROM inord WHERE k IN (1, 0)") == [(0,), (1,)]
    sel = session.prepare("SELECT k FROM inord WHERE k IN ?")
    assert rows(session, sel, ([300, 2, -5, 2],)) == [(-5,), (2,), (300,)]


def test_distinct_static_with_restricted_partition_key(session, ks):
    # Why (item 10): SelectStatement.validateDistinctSelection wants every partition key column
    # selected only for a key range.
    session.execute("CREATE TABLE dst (pk int, c int, s int static, PRIMARY KEY (pk, c))")
    session.execute("INSERT INTO dst (pk, c, s) VALUES (1, 1, 10)")
    sel = session.prepare("SELECT DISTINCT s FROM dst WHERE pk = ?")
    assert rows(session, sel, (1,)) == [(10,)]
    with pytest.raises(InvalidRequest, match=r"must request all the partition key columns "
                                             r"\(missing pk\)"):
        session.execute("SELECT DISTINCT s FROM dst")
    # StatementRestrictions: a selection of static columns only reads the static row, so it may
    # not restrict the clustering key.
    with pytest.raises(InvalidRequest, match="Cannot restrict clustering columns when selecting "
                                             "only static columns"):
        session.execute("SELECT s FROM dst WHERE pk = 1 AND c = 1")


def test_prepared_batch_markers_have_column_specs(session, ks):
    # Why (item 11): BatchStatement.Parsed.prepare fills one VariableSpecifications from every
    # statement, so drivers see each marker's keyspace, table, column and type (an int was sent
    # as an empty blob before: "Key may not be empty"); the batch's own USING TIMESTAMP marker
    # is [batch].[batch].[timestamp] (attrs.prepare("[batch]", "[batch]")).
    session.execute("CREATE TABLE bt (k int, c text, v bigint, PRIMARY KEY (k, c))")
    ps = session.prepare("BEGIN BATCH USING TIMESTAMP ? "
                         "INSERT INTO bt (k, c, v) VALUES (?, ?, ?); "
                         "UPDATE bt SET v = ? WHERE k = ? AND c = ?; APPLY BATCH")
    specs = [(c.keyspace_name, c.table_name, c.name, c.type.typename) for c in ps.column_metadata]
    assert specs == [("[batch]", "[batch]", "[timestamp]", "bigint"),
                     (ks, "bt", "k", "int"), (ks, "bt", "c", "varchar"), (ks, "bt", "v", "bigint"),
                     (ks, "bt", "v", "bigint"), (ks, "bt", "k", "int"), (ks, "bt", "c", "varchar")]
    assert ps.routing_key_indexes == [5]
    session.execute(ps, (1000, 7, "a", 1, 2, 7, "b"))
    assert rows(session, "SELECT c, v, writetime(v) FROM bt WHERE k = 7") == [("a", 1, 1000),
                                                                          ("b", 2, 1000)]


def test_partition_key_indexes_of_named_and_token_markers(session, ks):
    # Why (item 12): VariableSpecifications.getPartitionKeyBindVariableIndexes works from each
    # marker's target column, whatever the marker's name; a marker inside token(?) is a function
    # argument and never a key index (native_protocol_v4.spec 4.2.5.4, pk_count).
    session.execute("CREATE TABLE pki (p int, q text, c int, v int, PRIMARY KEY ((p, q), c))")
    named = session.prepare("SELECT * FROM pki WHERE q = :b AND p = :a AND c = :a")
    assert named.routing_key_indexes == [1, 0]
    ins = session.prepare("INSERT INTO pki (c, q, p, v) VALUES (:x, :y, :z, :x)")
    assert ins.routing_key_indexes == [2, 1]
    session.execute(ins, {"x": 3, "y": "q", "z": 4})
    assert rows(session, named, {"a": 4, "b": "q"}) == []
    assert rows(session, "SELECT c, v FROM pki WHERE p = 4 AND q = 'q'") == [(3, 3)]
    token = session.prepare("SELECT * FROM pki WHERE token(p, q) > token(?, ?)")
    assert not token.routing_key_indexes
    assert [c.name for c in token.column_metadata] == ["arg0(system.token)",
                                                        "arg1(system.token)"]


def test_timestamp_long_min_value_is_refused(session, ks):
    # Why (item 14): UpdateParameters refuses Long.MIN_VALUE, Cassandra's "no timestamp".
    session.execute("CREATE TABLE tsmin (k int PRIMARY KEY, v int)")
    message = r"Out of bound timestamp, must be in \[-9223372036854775807, 9223372036854775807\]"
    with pytest.raises(InvalidRequest, match=message):
        session.execute("INSERT INTO tsmin (k, v) VALUES (0, 1) USING TIMESTAMP "
                        "-9223372036854775808")
    upd = session.prepare("UPDATE tsmin USING TIMESTAMP ? SET v = 1 WHERE k = 0")
    with pytest.raises(InvalidRequest, match=message):
        session.execute(upd, (-9223372036854775808,))
    assert rows(session, "SELECT * FROM tsmin") == []


def test_insert_of_a_static_needs_the_whole_clustering_key(session, ks):
    # Why (item 15): InsertTest.testInsertWithAStaticColumn: an INSERT that sets clustering_2
    # but not clustering_1 is refused even though it sets a static column.
    session.execute("CREATE TABLE sins (partitionKey int, clustering_1 int, clustering_2 int, "
                    "value int, staticValue text static, "
                    "PRIMARY KEY (partitionKey, clustering_1, clustering_2))")
    with pytest.raises(InvalidRequest, match="Some clustering keys are missing: clustering_1"):
        session.execute("INSERT INTO sins (partitionKey, clustering_2, staticValue) "
                        "VALUES (0, 0, 'A')")
    session.execute("INSERT INTO sins (partitionKey, staticValue) VALUES (1, 'B')")
    assert rows(session, "SELECT * FROM sins") == [(1, None, None, "B", None)]


def test_error_classes_and_texts(session, ks):
    # Why (item 18): AlterKeyspaceStatement.apply answers InvalidRequest "Keyspace '%s' doesn't
    # exist"; Cql.g needs a column in CREATE TABLE (SyntaxException); TokenRelation.toReceivers
    # and processPartitionKeyRestrictions texts.
    with pytest.raises(InvalidRequest, match="Keyspace 'missing_ks' doesn't exist"):
        session.execute("ALTER KEYSPACE missing_ks WITH durable_writes = true")
    with pytest.raises(SyntaxException, match="no viable alternative at input '\\)'"):
        session.execute("CREATE TABLE empty_cols ()")
    session.execute("CREATE TABLE errs (a int, b int, c int, v int, PRIMARY KEY ((a, b), c))")
    with pytest.raises(InvalidRequest, match="The token function arguments must be in the "
                                             "partition key order: a, b"):
        session.execute("SELECT * FROM errs WHERE token(b, a) > 0")
    with pytest.raises(InvalidRequest, match=r"Only EQ and IN relation are supported on the "
                                             r"partition key \(unless you use the token\(\) "
                                             r"function\) for UPDATE statements"):
        session.execute("UPDATE errs SET v = 1 WHERE a = 0 AND b > 0 AND c = 0")
