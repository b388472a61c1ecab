// Issue 11: non-frozen list, set and map columns through the real processor over RocksDB, with
// Cassandra 4.1's semantics (cql3/Lists.java, Sets.java, Maps.java, Operation.java) and texts.
// End-to-end twins with the Python driver: tests/e2e/test_collections.py.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cql/types/value.h"
#include "query/complex_columns.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

using testing::HasSubstr;

// A value as a CQL literal; collections element by element ({1, 2}, {'a': 1}, ['x']).
std::string Literal(const types::Type& type, const std::string& bytes) {
  if (!type.IsCollection()) return types::ToCqlLiteral(type, bytes);
  auto elements = CollectionElements(type, bytes);
  if (!elements.ok()) return "<malformed>";
  const bool map = type.kind() == types::Kind::kMap;
  std::string out;
  for (size_t i = 0; i < elements->size(); ++i) {
    if (i > 0) out += map && i % 2 == 1 ? ": " : ", ";
    out += Literal(type.params()[map ? i % 2 : 0], (*elements)[i]);
  }
  return type.kind() == types::Kind::kList ? "[" + out + "]" : "{" + out + "}";
}

// List element ids sort by bytes in list order: a prepend before every earlier prepend and
// every append (Lists.PrecisionTime mirrors the clock around 2010-01-01), appends increasing.
TEST(ListElementIds, PrependsGoFirstAppendsGoLast) {
  const auto a1 = AppendListElementIds(2);
  const auto p1 = PrependListElementIds(2);
  const auto p2 = PrependListElementIds(1);
  const auto a2 = AppendListElementIds(1);
  const std::vector<std::string> order = {p2[0], p1[0], p1[1], a1[0], a1[1], a2[0]};
  for (size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(order[i].size(), 16u);
    if (i > 0) EXPECT_LT(order[i - 1], order[i]) << i;
  }
}

class Collections : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 1}");
    session_.keyspace = "ks";
    Run("CREATE TABLE t (k int, c int, s set<int>, m map<text, int>, l list<text>, "
        "st set<text> static, v int, PRIMARY KEY (k, c))");
  }

  void Run(const std::string& cql, std::vector<protocol::BoundValue> values = {}) {
    auto result = Query(cql, std::move(values));
    ASSERT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
  }

  // The error text of a statement that must fail with InvalidRequest.
  std::string Invalid(const std::string& cql, std::vector<protocol::BoundValue> values = {}) {
    auto result = Query(cql, std::move(values));
    if (result.ok()) return "<ok>";
    EXPECT_EQ(result.status().code(), ErrorCode::kInvalid) << result.status().ToString();
    return std::string(result.status().message());
  }

  // The rows of a SELECT as CQL literals: "a | b; a | b".
  std::string Select(const std::string& cql) {
    auto result = Query(cql);
    EXPECT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
    if (!result.ok()) return "<error>";
    const auto& rows = std::get<protocol::RowsResult>(*result);
    std::string out;
    for (const auto& row : rows.rows) {
      if (!out.empty()) out += "; ";
      for (size_t i = 0; i < row.size(); ++i) {
        if (i > 0) out += " | ";
        out += row[i] ? Literal(rows.metadata.columns[i].type, *row[i]) : "null";
      }
    }
    return out;
  }
};

TEST_F(Collections, SetsAddRemoveReplaceAndComeOutSortedByTheElementType) {
  Run("UPDATE t SET s = s + {3, -1, 2} WHERE k = 1 AND c = 1");
  Run("UPDATE t SET s = s + {10, -5} WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT s FROM t WHERE k = 1"), "{-5, -1, 2, 3, 10}");
  Run("UPDATE t SET s = s - {2, 10, 99} WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT s FROM t WHERE k = 1"), "{-5, -1, 3}");
  Run("DELETE s[3] FROM t WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT s FROM t WHERE k = 1"), "{-5, -1}");
  Run("UPDATE t SET s = {7} WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT s FROM t WHERE k = 1"), "{7}");
}

TEST_F(Collections, MapsPutByKeyAddRemoveAndDelete) {
  Run("INSERT INTO t (k, c, m) VALUES (1, 1, {'b': 2, 'a': 1})");
  Run("UPDATE t SET m['c'] = 3, m['a'] = 10 WHERE k = 1 AND c = 1");
  Run("UPDATE t SET m = m + {'d': 4} WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT m FROM t WHERE k = 1"), "{'a': 10, 'b': 2, 'c': 3, 'd': 4}");
  Run("UPDATE t SET m = m - {'b', 'zz'} WHERE k = 1 AND c = 1");
  Run("DELETE m['c'] FROM t WHERE k = 1 AND c = 1");
  Run("UPDATE t SET m['d'] = null WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT m FROM t WHERE k = 1"), "{'a': 10}");
  EXPECT_EQ(Invalid("UPDATE t SET m[null] = 1 WHERE k = 1 AND c = 1"), "Invalid null map key");
  EXPECT_EQ(Invalid("DELETE m[null] FROM t WHERE k = 1 AND c = 1"), "Invalid null map key");
  EXPECT_EQ(Invalid("UPDATE t SET m['x'] = ? WHERE k = 1 AND c = 1",
                    {protocol::BoundValue::Of("abc")}),
            "Expected 4 or 0 byte int (3)");
}

// Lists.Appender / Prepender (PrecisionTime: a later prepend goes first), SetterByIndex,
// DiscarderByIndex and Discarder (every equal element goes).
TEST_F(Collections, ListsAppendPrependSetAndRemoveByIndexAndByValue) {
  Run("UPDATE t SET l = l + ['c', 'd'] WHERE k = 1 AND c = 1");
  Run("UPDATE t SET l = ['b'] + l WHERE k = 1 AND c = 1");
  Run("UPDATE t SET l = ['x', 'a'] + l WHERE k = 1 AND c = 1");
  Run("UPDATE t SET l = l + ['x'] WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT l FROM t WHERE k = 1"), "['x', 'a', 'b', 'c', 'd', 'x']");
  Run("UPDATE t SET l[2] = 'B' WHERE k = 1 AND c = 1");
  Run("DELETE l[3] FROM t WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT l FROM t WHERE k = 1"), "['x', 'a', 'B', 'd', 'x']");
  Run("UPDATE t SET l = l - ['x'] WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT l FROM t WHERE k = 1"), "['a', 'B', 'd']");
  EXPECT_EQ(Invalid("UPDATE t SET l[3] = 'z' WHERE k = 1 AND c = 1"),
            "List index 3 out of bound, list has size 3");
  EXPECT_EQ(Invalid("DELETE l[-1] FROM t WHERE k = 1 AND c = 1"),
            "List index -1 out of bound, list has size 3");
  EXPECT_EQ(Invalid("UPDATE t SET l[0] = 'z' WHERE k = 2 AND c = 1"),
            "Attempted to set an element on a list which is null");
  EXPECT_EQ(Invalid("DELETE l[0] FROM t WHERE k = 2 AND c = 1"),
            "Attempted to delete an element from a list which is null");
  EXPECT_EQ(Invalid("UPDATE t SET l[null] = 'z' WHERE k = 1 AND c = 1"),
            "Invalid null value for list index");
}

// An empty collection is null; a row of only collection cells lives while one element does;
// DELETE c is a collection deletion (Constants.Deleter), null writes one at ts - 1.
TEST_F(Collections, EmptyIsNullAndTheRowLivesWhileAnElementDoes) {
  Run("UPDATE t SET s = {} WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT * FROM t WHERE k = 1"), "");
  Run("UPDATE t SET s = s + {1}, m = {'a': 1} WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT k, c, s, m, l FROM t WHERE k = 1"), "1 | 1 | {1} | {'a': 1} | null");
  Run("DELETE s FROM t WHERE k = 1 AND c = 1");
  Run("UPDATE t SET m = null WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT * FROM t WHERE k = 1"), "");
  // INSERT writes a row marker: the row stays with null collections.
  Run("INSERT INTO t (k, c, s) VALUES (2, 1, {})");
  EXPECT_EQ(Select("SELECT k, s FROM t WHERE k = 2"), "2 | null");
}

// Replacement writes the collection deletion at ts - 1: an older write loses, an element
// written at the same timestamp survives (Cassandra's setComplexDeletionTimeForOverwrite).
TEST_F(Collections, ReplacementShadowsOnlyOlderElements) {
  Run("UPDATE t USING TIMESTAMP 10 SET s = s + {1} WHERE k = 1 AND c = 1");
  Run("UPDATE t USING TIMESTAMP 20 SET s = s + {2} WHERE k = 1 AND c = 1");
  Run("UPDATE t USING TIMESTAMP 20 SET s = {3} WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT s FROM t WHERE k = 1"), "{2, 3}");
  Run("DELETE s FROM t USING TIMESTAMP 15 WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT s FROM t WHERE k = 1"), "{2, 3}");
  Run("DELETE s FROM t USING TIMESTAMP 20 WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT s FROM t WHERE k = 1"), "");
}

TEST_F(Collections, StaticCollectionsAndBatches) {
  Run("BEGIN BATCH "
      "INSERT INTO t (k, c, st) VALUES (1, 1, {'b'}); "
      "UPDATE t SET st = st + {'a'} WHERE k = 1; "
      "UPDATE t SET m['x'] = 1 WHERE k = 1 AND c = 2; "
      "APPLY BATCH");
  EXPECT_EQ(Select("SELECT c, st, m FROM t WHERE k = 1"),
            "1 | {'a', 'b'} | null; 2 | {'a', 'b'} | {'x': 1}");
  Run("DELETE st['a'] FROM t WHERE k = 1");
  EXPECT_EQ(Select("SELECT DISTINCT k, st FROM t"), "1 | {'b'}");
}

// Cassandra 4.1 Operation.*.prepare / ElementDeletion.prepare and CreateTableStatement.
TEST_F(Collections, RefusalsNameTheColumnAsCassandraDoes) {
  Run("CREATE TABLE f (k int PRIMARY KEY, fs frozen<set<int>>, i int, tu tuple<int, int>)");
  EXPECT_EQ(Invalid("UPDATE f SET i = i + 1 WHERE k = 1"),
            "Invalid operation (i = i + 1) for non counter column i");
  EXPECT_EQ(Invalid("UPDATE f SET fs = fs + {1} WHERE k = 1"),
            "Invalid operation (fs = fs + {1}) for frozen collection column fs");
  EXPECT_EQ(Invalid("UPDATE f SET i = [1] + i WHERE k = 1"),
            "Invalid operation (i = [1] + i) for non list column i");
  EXPECT_EQ(Invalid("UPDATE f SET tu = tu + (1, 2) WHERE k = 1"),
            "Invalid operation (tu = tu + (1, 2)) for tuple column tu");
  EXPECT_EQ(Invalid("UPDATE t SET s[1] = 2 WHERE k = 1 AND c = 1"),
            "Invalid operation (s[1] = 2) for set column s");
  EXPECT_EQ(Invalid("UPDATE f SET i['a'] = 2 WHERE k = 1"),
            "Invalid operation (i['a'] = 2) for non collection column i");
  EXPECT_EQ(Invalid("DELETE fs[1] FROM f WHERE k = 1"),
            "Invalid deletion operation for frozen collection column fs");
  EXPECT_EQ(Invalid("DELETE i[1] FROM f WHERE k = 1"),
            "Invalid deletion operation for non collection column i");
  EXPECT_EQ(Invalid("UPDATE t SET m = m + {'a', 'b'} WHERE k = 1 AND c = 1"),
            "Value for a map addition has to be a map, but was: '{'a', 'b'}'");
  EXPECT_EQ(Invalid("UPDATE t SET m = m - {'a': 1} WHERE k = 1 AND c = 1"),
            "Value for a map substraction has to be a set, but was: '{'a': 1}'");
  EXPECT_EQ(Invalid("UPDATE t SET m['a'] = 'x' WHERE k = 1 AND c = 1"),
            "Invalid STRING constant (x) for \"value(m)\" of type int");
  EXPECT_EQ(Invalid("SELECT writetime(s) FROM t"),
            "Cannot use selection function writeTime on non-frozen collection s");
  EXPECT_EQ(Invalid("SELECT ttl(m) FROM t"),
            "Cannot use selection function ttl on non-frozen collection m");
  EXPECT_THAT(Invalid("CREATE TABLE bad (k set<int> PRIMARY KEY)"),
              HasSubstr("Invalid non-frozen collection type"));
  EXPECT_THAT(Invalid("CREATE TABLE bad (k int PRIMARY KEY, x list<set<int>>)"),
              HasSubstr("Non-frozen collections are not allowed inside collections"));
}

// WRITETIME / TTL of one element of a non-frozen set or map and of one field of a non-frozen UDT
// (Cassandra 5.0, CASSANDRA-8877: Selectable.WritetimeOrTTL takes a selector modifier): the
// element's or field's own cell, bigint / int, named "writetime(m['a'])", null when absent.
// A whole non-frozen collection stays refused as in 4.1 (RefusalsNameTheColumnAsCassandraDoes).
TEST_F(Collections, WritetimeAndTtlOfOneElementOrField) {
  Run("UPDATE t USING TIMESTAMP 100 SET m['a'] = 1, s = s + {5} WHERE k = 1 AND c = 1");
  Run("UPDATE t USING TIMESTAMP 200 AND TTL 1000 SET m['b'] = 2 WHERE k = 1 AND c = 1");
  Run("UPDATE t USING TIMESTAMP 300 SET v = 7 WHERE k = 1 AND c = 2");
  EXPECT_EQ(Select("SELECT writetime(m['a']), writetime(m['b']), writetime(m['zz']), "
                   "writetime(s[5]), writetime(s[6]), ttl(m['a']) FROM t WHERE k = 1"),
            "100 | 200 | null | 100 | null | null; null | null | null | null | null | null");
  auto ttl = Query("SELECT ttl(m['b']), writetime(m['b']) AS w FROM t WHERE k = 1 AND c = 1");
  ASSERT_TRUE(ttl.ok()) << ttl.status().ToString();
  const auto& rows = std::get<protocol::RowsResult>(*ttl);
  ASSERT_EQ(rows.rows.size(), 1u);
  ASSERT_TRUE(rows.rows[0][0].has_value());
  const int32_t left = types::DeserializeInt(*rows.rows[0][0]);
  EXPECT_GT(left, 990);
  EXPECT_LE(left, 1000);
  EXPECT_EQ(rows.metadata.columns[0].name, "ttl(m['b'])");
  EXPECT_EQ(rows.metadata.columns[0].type.ToCql(), "int");
  EXPECT_EQ(rows.metadata.columns[1].name, "w");
  EXPECT_EQ(rows.metadata.columns[1].type.ToCql(), "bigint");
  // A deleted or overwritten element answers its own state.
  Run("DELETE m['a'] FROM t USING TIMESTAMP 400 WHERE k = 1 AND c = 1");
  Run("UPDATE t USING TIMESTAMP 500 SET m['b'] = 3 WHERE k = 1 AND c = 1");
  EXPECT_EQ(Select("SELECT writetime(m['a']), writetime(m['b']), ttl(m['b']) FROM t "
                   "WHERE k = 1 AND c = 1"),
            "null | 500 | null");

  // Bound keys: the marker is "key(m)" as for m[?] (Maps.keySpecOf).
  auto prepared = processor_->Prepare(session_, "SELECT writetime(m[?]) FROM t WHERE k = 1 AND c = 1");
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  const auto& p = std::get<protocol::PreparedResult>(*prepared);
  ASSERT_EQ(p.bind_metadata.columns.size(), 1u);
  EXPECT_EQ(p.bind_metadata.columns[0].name, "key(m)");
  EXPECT_EQ(p.result_metadata.columns[0].name, "writetime(m[?])");
  protocol::QueryParameters params;
  params.values = {protocol::BoundValue::Of("b")};
  auto executed = processor_->Execute(session_, p.id, params);
  ASSERT_TRUE(executed.ok()) << executed.status().ToString();
  const auto& exec_rows = std::get<protocol::RowsResult>(*executed).rows;
  ASSERT_EQ(exec_rows.size(), 1u);
  ASSERT_TRUE(exec_rows[0][0].has_value());
  EXPECT_EQ(types::DeserializeBigint(*exec_rows[0][0]), 500);

  // Non-frozen UDT fields.
  Run("CREATE TYPE addr (street text, city text)");
  Run("CREATE TABLE u (k int PRIMARY KEY, a addr, fa frozen<addr>)");
  Run("UPDATE u USING TIMESTAMP 600 AND TTL 1000 SET a.city = 'x' WHERE k = 1");
  EXPECT_EQ(Select("SELECT writetime(a.city), writetime(a.street), ttl(a.street) FROM u"),
            "600 | null | null");

  // Cassandra's refusals, and the 5.0 forms not built here as a clear "unsupported".
  EXPECT_EQ(Invalid("SELECT writetime(l[0]) FROM t"),
            "Element selection is only allowed on sets and maps, but l is a list");
  EXPECT_EQ(Invalid("SELECT writetime(v['a']) FROM t"),
            "Invalid element selection: v is of type int is not a collection");
  EXPECT_EQ(Invalid("SELECT ttl(nope['a']) FROM t"), "Undefined column name nope");
  EXPECT_EQ(Invalid("SELECT writetime(k['a']) FROM t"),
            "Cannot use selection function writeTime on PRIMARY KEY part k");
  EXPECT_THAT(Invalid("SELECT writetime(m['a'..'b']) FROM t"), HasSubstr("unsupported"));
  EXPECT_THAT(Invalid("SELECT writetime(fa.city) FROM u"), HasSubstr("unsupported"));
  EXPECT_THAT(Invalid("SELECT bigintAsBlob(writetime(m['a'])) FROM t"), HasSubstr("unsupported"));
  EXPECT_EQ(Invalid("SELECT writetime(a) FROM u"),
            "Cannot use selection function writeTime on non-frozen UDT a");
}

// Lists/Maps/Sets indexSpecOf, keySpecOf, valueSpecOf: the receivers PREPARED names.
TEST_F(Collections, PreparedMarkersAreNamedAsCassandraNamesThem) {
  auto prepared = processor_->Prepare(
      session_, "UPDATE t SET m[?] = ?, l[?] = ?, s = s + ? WHERE k = ? AND c = ?");
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  const auto& specs = std::get<protocol::PreparedResult>(*prepared).bind_metadata.columns;
  std::string names;
  for (const auto& spec : specs) names += spec.name + ":" + spec.type.ToCql() + " ";
  EXPECT_EQ(names, "key(m):text value(m):int idx(l):int value(l):text s:set<int> k:int c:int ");
  auto deletion = processor_->Prepare(session_, "DELETE m[?], s[?], l[?] FROM t WHERE k = 1 AND c = 1");
  ASSERT_TRUE(deletion.ok()) << deletion.status().ToString();
  names.clear();
  for (const auto& spec : std::get<protocol::PreparedResult>(*deletion).bind_metadata.columns) {
    names += spec.name + ":" + spec.type.ToCql() + " ";
  }
  EXPECT_EQ(names, "key(m):text value(s):int idx(l):int ");
}

// Bound values: unset leaves the collection alone, null deletes it, elements validated.
TEST_F(Collections, BoundWholeCollectionsUnsetAndNull) {
  Run("UPDATE t SET s = ? WHERE k = 1 AND c = 1",
      {protocol::BoundValue::Of(std::string("\0\0\0\2\0\0\0\4\0\0\0\2\0\0\0\4\0\0\0\1", 20))});
  EXPECT_EQ(Select("SELECT s FROM t WHERE k = 1"), "{1, 2}");
  Run("UPDATE t SET s = ? WHERE k = 1 AND c = 1", {protocol::BoundValue::Unset()});
  EXPECT_EQ(Select("SELECT s FROM t WHERE k = 1"), "{1, 2}");
  Run("UPDATE t SET s = s + ? WHERE k = 1 AND c = 1", {protocol::BoundValue::Null()});
  EXPECT_EQ(Select("SELECT s FROM t WHERE k = 1"), "{1, 2}");
  Run("UPDATE t SET s = ? WHERE k = 1 AND c = 1", {protocol::BoundValue::Null()});
  EXPECT_EQ(Select("SELECT s FROM t WHERE k = 1"), "");
}

// ALTER TABLE ADD of a non-frozen collection; a dropped one's elements stay hidden when a
// column of that name is added again (Cassandra's dropped_columns, by drop time).
TEST_F(Collections, AlterAddAndDropDoNotResurrectElements) {
  Run("CREATE TABLE a (k int PRIMARY KEY, v int)");
  Run("ALTER TABLE a ADD tags set<text>");
  Run("UPDATE a SET tags = tags + {'x'}, v = 1 WHERE k = 1");
  EXPECT_EQ(Select("SELECT tags FROM a WHERE k = 1"), "{'x'}");
  Run("ALTER TABLE a DROP tags");
  Run("ALTER TABLE a ADD tags set<text>");
  EXPECT_EQ(Select("SELECT tags FROM a WHERE k = 1"), "null");
  Run("UPDATE a SET tags = tags + {'y'} WHERE k = 1");
  EXPECT_EQ(Select("SELECT tags FROM a WHERE k = 1"), "{'y'}");
  EXPECT_EQ(Select("SELECT type FROM system_schema.columns WHERE keyspace_name = 'ks' AND "
                   "table_name = 'a' AND column_name = 'tags'"),
            "'set<text>'");
}

// Non-frozen collections of frozen ones: elements sorted by the frozen type's order, inner
// sets normalised (sorted, each once) whatever order they were written in.
TEST_F(Collections, NonFrozenCollectionsOfFrozenCollections) {
  Run("CREATE TABLE n (k int PRIMARY KEY, s set<frozen<list<int>>>, m map<text, frozen<set<int>>>)");
  Run("UPDATE n SET s = s + {[2], [1, 5], [1]}, m['b'] = {3, 1, 3}, m['a'] = {} WHERE k = 1");
  EXPECT_EQ(Select("SELECT s, m FROM n WHERE k = 1"), "{[1], [1, 5], [2]} | {'a': {}, 'b': {1, 3}}");
  Run("UPDATE n SET s = s - {[1, 5]} WHERE k = 1");
  Run("DELETE m['b'] FROM n WHERE k = 1");
  EXPECT_EQ(Select("SELECT s, m FROM n WHERE k = 1"), "{[1], [2]} | {'a': {}}");
}

// AlterTableStatement.AddColumns (4.1) / AlterTest.testNonFrozenCollectionsAreIncompatibleWithBlob.
TEST_F(Collections, ReAddingADroppedColumnNeedsACompatibleType) {
  Run("CREATE TABLE r (k int PRIMARY KEY, a map<int, int>, b blob, c set<int>)");
  Run("ALTER TABLE r DROP a");
  Run("ALTER TABLE r DROP b");
  Run("ALTER TABLE r DROP c");
  EXPECT_EQ(Invalid("ALTER TABLE r ADD a blob"),
            "Cannot re-add previously dropped column 'a' of type blob, incompatible with previous "
            "type map<int, int>");
  EXPECT_EQ(Invalid("ALTER TABLE r ADD b list<int>"),
            "Cannot re-add previously dropped column 'b' of type list<int>, incompatible with "
            "previous type blob");
  EXPECT_EQ(Invalid("ALTER TABLE r ADD c frozen<set<int>>"),
            "Cannot re-add previously dropped column 'c' of type frozen<set<int>>, incompatible "
            "with previous type set<int>");
  EXPECT_EQ(Invalid("ALTER TABLE r ADD c list<int>"),
            "Cannot re-add previously dropped column 'c' of type list<int>, incompatible with "
            "previous type set<int>");
  Run("ALTER TABLE r ADD a map<int, int>");
}

// System tables keep whole values of their non-frozen set/map columns (system.local tokens,
// system_schema.tables flags): drivers build their token map from them.
TEST_F(Collections, SystemTablesNonFrozenColumnsStillRead) {
  EXPECT_EQ(Select("SELECT tokens FROM system.local"), "{'-9223372036854775808'}");
  EXPECT_EQ(Select("SELECT flags FROM system_schema.tables WHERE keyspace_name = 'ks' AND "
                   "table_name = 't'"),
            "{'compound'}");
}

}  // namespace
}  // namespace sibyl::query
