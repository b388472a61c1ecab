// The read side of collections and tuples (issue 11) gives Apache Cassandra 4.1's answers:
// element and slice selection (CASSANDRA-7396; Cassandra's CollectionsTest testMapOperation,
// testSetOperation, testSelectionOfEmptyCollections, testElementAccessOnList,
// testFrozenCollectionNestedAccess), CONTAINS / CONTAINS KEY / map-entry filtering (SelectTest
// testFilteringWithoutIndicesWithFrozenCollections, containsFilteringForClusteringKeys,
// testContainsOnPartitionKey) and tuples. Runs the real processor over a RocksDB engine in a
// temporary directory; the end-to-end twins are tests/e2e/test_collection_queries.py.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cql/types/value.h"
#include "processor_fixture.h"
#include "query/processor.h"

namespace sibyl::query {
namespace {

MATCHER_P2(StatusIs, code, message, "") {
  *result_listener << "status is " << arg.status().ToString();
  return arg.status().code() == code && arg.status().message() == message;
}

constexpr ErrorCode kInvalid = ErrorCode::kInvalid;

// A value as a CQL literal, collections and tuples included ({1, 2}, {'a': 1}, (1, null)).
std::string Render(const types::Type& type, std::string_view b) {
  const types::Kind kind = type.kind();
  const bool tuple = kind == types::Kind::kTuple;
  if (!type.IsCollection() && !tuple) return types::ToCqlLiteral(type, b);
  size_t pos = 0;
  auto read_int = [&]() {
    int32_t v = types::DeserializeInt(b.substr(pos, 4));
    pos += 4;
    return v;
  };
  auto read_value = [&](const types::Type& t) -> std::string {
    int32_t len = read_int();
    if (len < 0) return "null";
    std::string out = Render(t, b.substr(pos, len));
    pos += len;
    return out;
  };
  std::string out;
  if (tuple) {
    for (size_t i = 0; i < type.params().size() && pos < b.size(); ++i) {
      out += (i ? ", " : "") + read_value(type.params()[i]);
    }
    return "(" + out + ")";
  }
  int32_t n = read_int();
  for (int32_t i = 0; i < n; ++i) {
    out += i ? ", " : "";
    out += read_value(type.params()[0]);
    if (kind == types::Kind::kMap) out += ": " + read_value(type.params()[1]);
  }
  return kind == types::Kind::kList ? "[" + out + "]" : "{" + out + "}";
}

class CollectionQueries : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 1}");
    session_.keyspace = "ks";
  }

  // The rows of a SELECT as "a|b|c" with CQL literals (null for null).
  std::vector<std::string> Rows(const std::string& cql,
                                std::vector<protocol::BoundValue> values = {}) {
    auto result = Query(cql, std::move(values));
    EXPECT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
    if (!result.ok()) return {"<error>"};
    const auto& rows = std::get<protocol::RowsResult>(*result);
    std::vector<std::string> out;
    for (const auto& row : rows.rows) {
      std::string text;
      for (size_t i = 0; i < row.size(); ++i) {
        if (i > 0) text += "|";
        text += row[i] ? Render(rows.metadata.columns[i].type, *row[i]) : "null";
      }
      out.push_back(text);
    }
    return out;
  }

  // The result columns of a SELECT as "name type, ...".
  std::string Columns(const std::string& cql) {
    auto result = Query(cql);
    EXPECT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
    if (!result.ok()) return "<error>";
    std::string out;
    for (const auto& c : std::get<protocol::RowsResult>(*result).metadata.columns) {
      out += (out.empty() ? "" : ", ") + c.name + " " + c.type.ToCql();
    }
    return out;
  }

  // The bind markers of a prepared statement as "name type, ...".
  std::string Markers(const std::string& cql) {
    auto result = processor_->Prepare(session_, cql);
    EXPECT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
    if (!result.ok()) return "<error>";
    std::string out;
    for (const auto& c : std::get<protocol::PreparedResult>(*result).bind_metadata.columns) {
      out += (out.empty() ? "" : ", ") + c.name + " " + c.type.ToCql();
    }
    return out;
  }

  static protocol::BoundValue Text(const char* v) { return protocol::BoundValue::Of(v); }
  static protocol::BoundValue Int(int32_t v) {
    return protocol::BoundValue::Of(types::SerializeInt(v));
  }
};

using testing::ElementsAre;

// CollectionsTest.testMapOperation / testSetOperation on frozen columns, and the result metadata
// of testCollectionOperationResultSetMetadata: c[x] is the value (element) type, slices keep the
// collection's type, names are Selectable.toString.
TEST_F(CollectionQueries, ElementAndSliceSelectionOnFrozenSetsAndMaps) {
  Run("CREATE TABLE t (k int PRIMARY KEY, m frozen<map<text, text>>, s frozen<set<text>>)");
  Run("INSERT INTO t (k, m, s) VALUES (0, {'1': 'one', '2': 'two'}, {'1', '22', '22_2', '333'})");
  EXPECT_THAT(Rows("SELECT m['2'], m['9'], s['22'], s['foobar'] FROM t WHERE k = 0"),
              ElementsAre("'two'|null|'22'|null"));
  EXPECT_THAT(Rows("SELECT m['2'..'3'], m[..'2'], m['3'..] FROM t WHERE k = 0"),
              ElementsAre("{'2': 'two'}|{'1': 'one', '2': 'two'}|{}"));
  EXPECT_THAT(Rows("SELECT s['1'..'22'], s[''..'23'], s['2'..'3'], s['22'..] FROM t WHERE k = 0"),
              ElementsAre("{'1', '22'}|{'1', '22', '22_2'}|{'22', '22_2'}|{'22', '22_2', '333'}"));
  EXPECT_EQ(Columns("SELECT m['2'], m['2'..'3'], s[''..'22'], s[..'2'] AS x FROM t"),
            "m['2'] text, m['2'..'3'] frozen<map<text, text>>, "
            "s[''..'22'] frozen<set<text>>, x frozen<set<text>>");
  // Integers and the range token: 1..3 is 1, .., 3 (Lexer.g FLOAT).
  Run("CREATE TABLE n (k int PRIMARY KEY, m frozen<map<int, int>>)");
  Run("INSERT INTO n (k, m) VALUES (0, {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5})");
  EXPECT_THAT(Rows("SELECT m[7..8], m[0..3], m[2..4], m[1..3], m[2] FROM n WHERE k = 0"),
              ElementsAre("{}|{0: 0, 1: 1, 2: 2, 3: 3}|{2: 2, 3: 3, 4: 4}|{1: 1, 2: 2, 3: 3}|2"));
}

// testSelectionOfEmptyCollections: a null collection gives null for every selection, an empty
// frozen one gives null elements and empty slices.
TEST_F(CollectionQueries, SelectionOfNullAndEmptyFrozenCollections) {
  Run("CREATE TABLE t (k int PRIMARY KEY, m frozen<map<text, int>>, s frozen<set<int>>)");
  Run("INSERT INTO t (k) VALUES (0)");
  Run("INSERT INTO t (k, m, s) VALUES (1, {}, {})");
  EXPECT_THAT(Rows("SELECT m['0'], s[0], m['0'..'1'], s[0..1] FROM t WHERE k = 0"),
              ElementsAre("null|null|null|null"));
  EXPECT_THAT(Rows("SELECT m['0'], s[0], m['0'..'1'], s[0..1], m['0'..'1']['3'..'5'] FROM t "
                   "WHERE k = 1"),
              ElementsAre("null|null|{}|{}|{}"));
}

// testFrozenCollectionNestedAccess and testMapOperationOnPartKey / OnClustKey: chains, markers
// (named key(...) / value(...) by the selected's name) and key columns.
TEST_F(CollectionQueries, NestedSelectionWithMarkersAndOnKeyColumns) {
  Run("CREATE TABLE t (k frozen<map<text, text>>, c frozen<map<text, frozen<map<text, "
      "frozen<set<int>>>>>>, v int, PRIMARY KEY (k, c))");
  Run("INSERT INTO t (k, c, v) VALUES ({'1': 'value1', '22': 'value22'}, "
      "{'1': {'a': {1, 2, 4}, 'b': {3}}, '2': {'a': {2, 4}}}, 42)");
  EXPECT_THAT(Rows("SELECT k['22'], k[''..'23'], c[?][?][?], c[?][?][?..?] FROM t",
                   {Text("1"), Text("a"), Int(2), Text("1"), Text("a"), Int(2), Int(3)}),
              ElementsAre("'value22'|{'1': 'value1', '22': 'value22'}|2|{2}"));
  EXPECT_EQ(Markers("SELECT c[?][?][?..?] FROM t"),
            "key(c) text, key(c[?]) text, value(c[?][?]) int, value(c[?][?]) int");
  EXPECT_EQ(Columns("SELECT c['1']['a'] FROM t"), "c['1']['a'] frozen<set<int>>");
}

// ElementsSelector.newElementFactory / newSliceFactory and Selectable.specForElementOrSlice.
TEST_F(CollectionQueries, SelectionRefusalsAndBindErrors) {
  Run("CREATE TABLE t (k int PRIMARY KEY, l frozen<list<int>>, v int, m frozen<map<int, int>>, "
      "tu frozen<tuple<int, text>>)");
  Run("INSERT INTO t (k, l, v, m) VALUES (1, [1, 2, 3], 1, {1: 1})");
  EXPECT_THAT(Query("SELECT k, l[0] FROM t"),
              StatusIs(kInvalid, "Element selection is only allowed on sets and maps, but l is a "
                                 "list"));
  EXPECT_THAT(Query("SELECT k, l[1..3] FROM t"),
              StatusIs(kInvalid, "Slice selection is only allowed on sets and maps, but l is a "
                                 "list"));
  EXPECT_THAT(Query("SELECT v[1] FROM t"),
              StatusIs(kInvalid, "Invalid element selection: v is of type int is not a "
                                 "collection"));
  EXPECT_THAT(Query("SELECT tu[1..2] FROM t"),
              StatusIs(kInvalid, "Invalid slice selection: tu of type frozen<tuple<int, text>> "
                                 "is not a collection"));
  EXPECT_THAT(Query("SELECT m['a'] FROM t"),
              StatusIs(kInvalid, "Invalid STRING constant (a) for \"key(m)\" of type int"));
  EXPECT_THAT(Query("SELECT m[?] FROM t", {protocol::BoundValue::Null()}),
              StatusIs(kInvalid, "Invalid null value for element selection on m"));
  EXPECT_THAT(Query("SELECT m[?] FROM t", {protocol::BoundValue::Unset()}),
              StatusIs(kInvalid, "Invalid unset value for element selection on m"));
  EXPECT_THAT(Query("SELECT m[?..2] FROM t", {protocol::BoundValue::Null()}),
              StatusIs(kInvalid, "Invalid null value for slice selection on m"));
  // An unset slice bound is an open one (Constants.UNSET_VALUE is how c[a..] is written).
  EXPECT_THAT(Rows("SELECT m[?..2] FROM t", {protocol::BoundValue::Unset()}),
              ElementsAre("{1: 1}"));
}

// SelectTest.testFilteringWithoutIndicesWithFrozenCollections: CONTAINS on lists, sets and map
// values, CONTAINS KEY, several on one column, null and unset, map entries on frozen maps.
TEST_F(CollectionQueries, ContainsFilteringOnFrozenCollections) {
  Run("CREATE TABLE t (a int, b int, c frozen<list<int>>, d frozen<set<int>>, "
      "e frozen<map<int, int>>, PRIMARY KEY (a, b))");
  Run("INSERT INTO t (a, b, c, d, e) VALUES (1, 2, [1, 6], {2, 12}, {1: 6})");
  Run("INSERT INTO t (a, b, c, d, e) VALUES (1, 3, [3, 2], {6, 4}, {3: 2})");
  Run("INSERT INTO t (a, b, c, d, e) VALUES (1, 4, [1, 2], {2, 4}, {1: 2})");
  Run("INSERT INTO t (a, b, c, d, e) VALUES (2, 3, [3, 6], {6, 12}, {3: 6})");
  const char* kFiltering =
      "Cannot execute this query as it might involve data filtering and thus may have "
      "unpredictable performance. If you want to execute this query despite the performance "
      "unpredictability, use ALLOW FILTERING";
  EXPECT_THAT(Query("SELECT * FROM t WHERE c CONTAINS 2"), StatusIs(kInvalid, kFiltering));
  EXPECT_THAT(Rows("SELECT a, b FROM t WHERE c CONTAINS 2 ALLOW FILTERING"),
              ElementsAre("1|3", "1|4"));
  EXPECT_THAT(Rows("SELECT a, b FROM t WHERE c CONTAINS 2 AND c CONTAINS 3 ALLOW FILTERING"),
              ElementsAre("1|3"));
  EXPECT_THAT(Rows("SELECT a, b FROM t WHERE d CONTAINS 4 AND d CONTAINS 6 ALLOW FILTERING"),
              ElementsAre("1|3"));
  EXPECT_THAT(Rows("SELECT a, b FROM t WHERE e CONTAINS 2 ALLOW FILTERING"),
              ElementsAre("1|3", "1|4"));
  EXPECT_THAT(Rows("SELECT a, b FROM t WHERE e CONTAINS KEY 1 AND e CONTAINS 2 ALLOW FILTERING"),
              ElementsAre("1|4"));
  EXPECT_THAT(Rows("SELECT a, b FROM t WHERE c CONTAINS 2 AND d CONTAINS 4 AND e CONTAINS KEY 3 "
                   "ALLOW FILTERING"),
              ElementsAre("1|3"));
  EXPECT_THAT(Rows("SELECT a, b FROM t WHERE a = 1 AND e CONTAINS KEY ? ALLOW FILTERING",
                   {Int(3)}),
              ElementsAre("1|3"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE e[1] = 6 ALLOW FILTERING"),
              StatusIs(kInvalid, "Map-entry equality predicates on frozen map column e are not "
                                 "supported"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE c CONTAINS null ALLOW FILTERING"),
              StatusIs(kInvalid, "Unsupported null value for column c"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE e CONTAINS KEY ? ALLOW FILTERING",
                    {protocol::BoundValue::Unset()}),
              StatusIs(kInvalid, "Unsupported unset value for column e"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE c = ? ALLOW FILTERING", {protocol::BoundValue::Unset()}),
              StatusIs(kInvalid, "Unsupported unset value for column c"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE d CONTAINS KEY 1 ALLOW FILTERING"),
              StatusIs(kInvalid, "Cannot use CONTAINS KEY on non-map column d"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE b CONTAINS 1 ALLOW FILTERING"),
              StatusIs(kInvalid, "Cannot use CONTAINS on non-collection column b"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE c[0] = 1 ALLOW FILTERING"),
              StatusIs(kInvalid, "Indexes on list entries (c[index] = value) are not currently "
                                 "supported."));
  EXPECT_THAT(Query("SELECT * FROM t WHERE b[0] = 1 ALLOW FILTERING"),
              StatusIs(kInvalid, "Column b cannot be used as a map"));
  // PREPARED metadata: CollectionType.makeCollectionReceiver.
  EXPECT_EQ(Markers("SELECT * FROM t WHERE c CONTAINS ? AND e CONTAINS KEY ? AND e CONTAINS ? "
                    "ALLOW FILTERING"),
            "value(c) int, key(e) int, value(e) int");
}

// SelectTest.containsFilteringForClusteringKeys and testContainsOnPartitionKey.
TEST_F(CollectionQueries, ContainsOnClusteringAndPartitionKeyColumns) {
  Run("CREATE TABLE c (a int, b int, c frozen<list<int>>, d int, PRIMARY KEY (a, b, c))");
  Run("INSERT INTO c (a, b, c, d) VALUES (11, 12, [1, 3], 14)");
  Run("INSERT INTO c (a, b, c, d) VALUES (21, 22, [2, 3], 24)");
  Run("INSERT INTO c (a, b, c, d) VALUES (21, 22, [3, 3], 34)");
  EXPECT_THAT(Rows("SELECT d FROM c WHERE a = 21 AND c CONTAINS 2 ALLOW FILTERING"),
              ElementsAre("24"));
  EXPECT_THAT(Query("SELECT d FROM c WHERE a = 21 AND c CONTAINS 2"),
              StatusIs(kInvalid, "Clustering columns can only be restricted with CONTAINS with a "
                                 "secondary index or filtering"));
  EXPECT_THAT(Query("SELECT d FROM c WHERE b > 20 AND c CONTAINS 2"),
              StatusIs(kInvalid, "Clustering column \"c\" cannot be restricted (preceding column "
                                 "\"b\" is restricted by a non-EQ relation)"));
  EXPECT_THAT(Rows("SELECT d FROM c WHERE b > 20 AND c CONTAINS 2 ALLOW FILTERING"),
              ElementsAre("24"));
  EXPECT_THAT(Query("UPDATE c SET d = 1 WHERE a = 1 AND b = 1 AND c CONTAINS 1"),
              StatusIs(kInvalid, "Cannot use UPDATE with CONTAINS"));

  Run("CREATE TABLE p (pk frozen<map<int, int>>, ck int, v int, PRIMARY KEY ((pk, ck)))");
  Run("INSERT INTO p (pk, ck, v) VALUES ({1: 2}, 1, 1)");
  Run("INSERT INTO p (pk, ck, v) VALUES ({1: 2, 3: 4}, 1, 3)");
  Run("INSERT INTO p (pk, ck, v) VALUES ({1: 2, 3: 4}, 2, 3)");
  Run("INSERT INTO p (pk, ck, v) VALUES ({5: 6}, 5, 5)");
  EXPECT_THAT(Query("SELECT * FROM p WHERE pk CONTAINS KEY 1"),
              StatusIs(kInvalid,
                       "Cannot execute this query as it might involve data filtering and thus may "
                       "have unpredictable performance. If you want to execute this query despite "
                       "the performance unpredictability, use ALLOW FILTERING"));
  EXPECT_EQ(Rows("SELECT v FROM p WHERE pk CONTAINS KEY 1 AND pk CONTAINS 4 ALLOW FILTERING")
                .size(),
            2u);
  EXPECT_THAT(Rows("SELECT v FROM p WHERE pk CONTAINS KEY 1 AND ck = 1 AND v = 3 ALLOW FILTERING"),
              ElementsAre("3"));
}

// CONTAINS on a static collection filters the rows of the partitions whose static value has it.
TEST_F(CollectionQueries, ContainsOnStaticCollection) {
  Run("CREATE TABLE t (k int, c int, s frozen<set<text>> static, PRIMARY KEY (k, c))");
  Run("INSERT INTO t (k, c, s) VALUES (1, 1, {'x', 'y'})");
  Run("INSERT INTO t (k, c) VALUES (1, 2)");
  Run("INSERT INTO t (k, c, s) VALUES (2, 1, {'z'})");
  EXPECT_THAT(Rows("SELECT k, c FROM t WHERE s CONTAINS 'y' ALLOW FILTERING"),
              ElementsAre("1|1", "1|2"));
}

// Tuples (Tuples.Literal): fewer values than the type are null-padded, too many refused with the
// frozen<tuple<...>> spelling; tuples as partition and clustering keys and nested.
TEST_F(CollectionQueries, TupleLiteralsAndKeys) {
  Run("CREATE TABLE t (k frozen<tuple<int, text>>, c tuple<int, frozen<list<int>>>, "
      "v tuple<int, tuple<text, int>>, PRIMARY KEY (k, c))");
  Run("INSERT INTO t (k, c, v) VALUES ((1, 'a'), (1, [1, 2]), (5))");
  // Tuples.DelayedValue serializes the components written, so (5) is stored as one component
  // (drivers show the missing ones as null): no padding on the server, as in Cassandra 4.1.
  EXPECT_THAT(Rows("SELECT k, c, v FROM t WHERE k = (1, 'a') AND c > (0, [9])"),
              ElementsAre("(1, 'a')|(1, [1, 2])|(5)"));
  // A parenthesised term is not a tuple when the receiver is no tuple (Tuples.Literal.prepare).
  Run("CREATE TABLE i (k int PRIMARY KEY, v text)");
  Run("INSERT INTO i (k, v) VALUES ((1), ('x'))");
  EXPECT_THAT(Rows("SELECT k, v FROM i WHERE k = (1)"), ElementsAre("1|'x'"));
  EXPECT_THAT(Query("INSERT INTO t (k, c, v) VALUES ((1, 'a', 3), (1, [1]), (1, ('x', 2)))"),
              StatusIs(kInvalid, "Invalid tuple literal for k: too many elements. Type "
                                 "frozen<tuple<int, text>> expects 2 but got 3"));
  EXPECT_EQ(Markers("INSERT INTO t (k, c, v) VALUES ((?, ?), ?, (1, (?, 2)))"),
            "k[0] int, k[1] text, c frozen<tuple<int, frozen<list<int>>>>, v[1][0] text");
}

// Non-frozen collections read back as one value (query/complex_columns), so selection and
// filtering work alike, with the multi-cell differences: an empty slice is null
// (CollectionsTest.testSelectionOfEmptyCollections), map entries may be filtered
// (SelectTest.testFilteringWithoutIndices: e[1] = 6), whole-collection relations are refused.
TEST_F(CollectionQueries, NonFrozenCollections) {
  Run("CREATE TABLE t (k int, c int, m map<text, int>, s set<text>, l list<int>, "
      "sm map<int, text> static, PRIMARY KEY (k, c))");
  Run("INSERT INTO t (k, c, m, s, l, sm) VALUES (1, 1, {'z': 1, 'a': 2}, {'b', 'a'}, [3, 1], "
      "{1: 'x'})");
  Run("UPDATE t SET m['q'] = 7, s = s + {'c'} WHERE k = 1 AND c = 2");
  EXPECT_THAT(Rows("SELECT c, m['a'], m['a'..'b'], s['x'..], s['b'..'c'] FROM t WHERE k = 1"),
              ElementsAre("1|2|{'a': 2}|null|{'b'}", "2|null|null|null|{'c'}"));
  EXPECT_THAT(Rows("SELECT c FROM t WHERE m['a'] = 2 ALLOW FILTERING"), ElementsAre("1"));
  EXPECT_THAT(Rows("SELECT c FROM t WHERE m CONTAINS KEY 'q' ALLOW FILTERING"), ElementsAre("2"));
  EXPECT_THAT(Rows("SELECT c FROM t WHERE m CONTAINS ? ALLOW FILTERING", {Int(1)}),
              ElementsAre("1"));
  EXPECT_THAT(Rows("SELECT c FROM t WHERE l CONTAINS 3 AND s CONTAINS 'a' ALLOW FILTERING"),
              ElementsAre("1"));
  EXPECT_THAT(Rows("SELECT c FROM t WHERE sm CONTAINS 'x' ALLOW FILTERING"),
              ElementsAre("1", "2"));
  EXPECT_EQ(Markers("SELECT c FROM t WHERE m[?] = ? ALLOW FILTERING"), "key(m) text, value(m) int");
  EXPECT_THAT(Query("SELECT c FROM t WHERE m = {'a': 2} ALLOW FILTERING"),
              StatusIs(kInvalid, "Collection column 'm' (map<text, int>) cannot be restricted by a "
                                 "'=' relation"));
  EXPECT_THAT(Query("SELECT c FROM t WHERE m['a'] > 2 ALLOW FILTERING"),
              StatusIs(kInvalid, "Only EQ relations are supported on map entries"));
  EXPECT_THAT(Query("SELECT c FROM t WHERE m['a'] = null ALLOW FILTERING"),
              StatusIs(kInvalid, "Unsupported null map value for column m"));
  EXPECT_THAT(Query("SELECT c FROM t WHERE m[?] = 1 ALLOW FILTERING",
                    {protocol::BoundValue::Unset()}),
              StatusIs(kInvalid, "Unsupported unset map key for column m"));
  EXPECT_THAT(Query("SELECT c FROM t WHERE m['a'] = 2"),
              StatusIs(kInvalid,
                       "Cannot execute this query as it might involve data filtering and thus may "
                       "have unpredictable performance. If you want to execute this query despite "
                       "the performance unpredictability, use ALLOW FILTERING"));
}

// CollectionsTest.testUDTAndCollectionNestedAccess: field and element steps chain either way
// (v[?].s, v.m[..?], others['work'].city).
TEST_F(CollectionQueries, FieldAndElementSelectionsChain) {
  Run("CREATE TYPE addr (city text, zips frozen<set<int>>)");
  Run("CREATE TABLE t (k int PRIMARY KEY, others map<text, frozen<addr>>, home frozen<addr>)");
  Run("INSERT INTO t (k, others, home) VALUES (0, {'work': {city: 'Bergen', zips: {5, 1}}}, "
      "{city: 'Oslo', zips: {2, 4, 6}})");
  EXPECT_THAT(Rows("SELECT others['work'].city, others['x'].city, home.zips[?..?], "
                   "others['work'].zips[1] FROM t",
                   {Int(3), Int(9)}),
              ElementsAre("'Bergen'|null|{4, 6}|1"));
  EXPECT_EQ(Columns("SELECT others['work'].city, home.zips[2] FROM t"),
            "others['work'].city text, home.zips[2] int");
  EXPECT_THAT(Query("SELECT others['work'].nope FROM t"),
              StatusIs(kInvalid, "others['work'] of type frozen<addr> has no field nope"));
}

// Selectable.WithElementSelection is a selector like any other, so functions and operators take
// it as an argument (CollectionsTest.testMapOperation: "with UDF taking a map", f(m[1])).
TEST_F(CollectionQueries, SelectionsInsideFunctionsAndOperators) {
  Run("CREATE TABLE t (k int PRIMARY KEY, m frozen<map<int, int>>)");
  Run("INSERT INTO t (k, m) VALUES (0, {1: 10, 2: 20})");
  EXPECT_THAT(Rows("SELECT m[1] + 1, blobasint(intasblob(m[?])), m[3] + 1 FROM t", {Int(2)}),
              ElementsAre("11|20|null"));
  EXPECT_EQ(Columns("SELECT m[1] + 1 FROM t"), "m[1] + 1 int");
}

}  // namespace
}  // namespace sibyl::query
