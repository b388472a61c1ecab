// The query layer gives Apache Cassandra 4.1's answers (issue 10 items 3, 4, 5, 9, 10, 11, 12,
// 14, 15, 18): results, result and PREPARED metadata, and the errors with Cassandra's class and
// text. Each test cites the Cassandra source it follows. Runs the real processor over a RocksDB
// engine in a temporary directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cql/types/value.h"
#include "query/processor.h"
#include "storage/rocksdb_engine.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

MATCHER_P2(StatusIs, code, message, "") {
  *result_listener << "status is " << arg.status().ToString();
  return arg.status().code() == code && arg.status().message() == message;
}

class CassandraAnswers : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 1}");
    session_.keyspace = "ks";
  }

  // The rows of a SELECT as "a,b,c" with CQL literals (null for null).
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
        if (i > 0) text += ",";
        text += row[i] ? types::ToCqlLiteral(rows.metadata.columns[i].type, *row[i]) : "null";
      }
      out.push_back(text);
    }
    return out;
  }

  std::vector<std::string> ColumnNames(const std::string& cql) {
    auto result = Query(cql);
    EXPECT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
    if (!result.ok()) return {};
    std::vector<std::string> out;
    for (const auto& c : std::get<protocol::RowsResult>(*result).metadata.columns) {
      out.push_back(c.name);
    }
    return out;
  }

  protocol::PreparedResult Prepare(const std::string& cql) {
    auto result = processor_->Prepare(session_, cql);
    EXPECT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
    if (!result.ok()) return {};
    return std::get<protocol::PreparedResult>(*result);
  }

  // "ks.t.name:type" for each bind marker.
  static std::vector<std::string> Specs(const protocol::PreparedResult& prepared) {
    std::vector<std::string> out;
    for (const auto& c : prepared.bind_metadata.columns) {
      out.push_back(c.keyspace + "." + c.table + "." + c.name + ":" + c.type.ToCql());
    }
    return out;
  }

};

// Item 3. AggregateFcts.countFunctionForType counts the non-null values of its argument;
// count(*) and count(1) (Cql.g rewrites count(1) to countRows) count rows.
TEST_F(CassandraAnswers, CountOfAColumnSkipsNulls) {
  Run("CREATE TABLE t (k int, c int, v int, PRIMARY KEY (k, c))");
  Run("INSERT INTO t (k, c, v) VALUES (0, 0, 1)");
  Run("INSERT INTO t (k, c, v) VALUES (0, 1, 2)");
  Run("INSERT INTO t (k, c, v) VALUES (0, 2, 3)");
  Run("INSERT INTO t (k, c) VALUES (0, 3)");
  EXPECT_THAT(Rows("SELECT count(v) FROM t WHERE k = 0"), ElementsAre("3"));
  EXPECT_THAT(Rows("SELECT count(*) FROM t WHERE k = 0"), ElementsAre("4"));
  EXPECT_THAT(Rows("SELECT count(1) FROM t WHERE k = 0"), ElementsAre("4"));
  EXPECT_THAT(Rows("SELECT count(c) FROM t WHERE k = 0"), ElementsAre("4"));
  // A native function's result column is named after it: system.count(v).
  EXPECT_THAT(ColumnNames("SELECT count(v) FROM t"), ElementsAre("system.count(v)"));
  EXPECT_THAT(ColumnNames("SELECT count(*) FROM t"), ElementsAre("count"));
}

class MultiColumn : public CassandraAnswers {
 protected:
  void SetUp() override {
    CassandraAnswers::SetUp();
    Run("CREATE TABLE t (a int, b int, c int, d int, PRIMARY KEY (a, b, c, d))");
    Run("CREATE TABLE r (a int, b int, c int, d int, PRIMARY KEY (a, b, c, d)) "
        "WITH CLUSTERING ORDER BY (b DESC, c DESC, d DESC)");
    for (const char* table : {"t", "r"}) {
      for (const char* row : {"0, 0, 0, 0", "0, 0, 1, 0", "0, 0, 1, 1", "0, 1, 0, 0", "0, 1, 1, 0",
                              "0, 1, 1, 1"}) {
        Run(std::string("INSERT INTO ") + table + " (a, b, c, d) VALUES (" + row + ")");
      }
    }
  }
  // Rows as "b,c,d" in ascending order.
  std::vector<std::string> Sorted(const std::string& cql) {
    std::vector<std::string> rows = Rows(cql);
    for (auto& r : rows) r = r.substr(2);
    std::sort(rows.begin(), rows.end());
    return rows;
  }
};

// Item 4. Several multi-column (and single-column) restrictions on the clustering key merge into
// one slice (RestrictionSet.addRestriction -> MultiColumnRestriction.SliceRestriction.doMergeWith)
// and all apply; expected rows from SelectMultiColumnRelationTest.testMultipleClustering.
TEST_F(MultiColumn, SeveralRestrictionsAllApply) {
  for (std::string table : {"t", "r"}) {
    SCOPED_TRACE(table);
    EXPECT_THAT(Sorted("SELECT * FROM " + table + " WHERE a = 0 AND (b, c, d) > (0, 1, 0) AND (b) < (1)"),
                ElementsAre("0,1,1"));
    EXPECT_THAT(
        Sorted("SELECT * FROM " + table + " WHERE a = 0 AND (b, c, d) > (0, 1, 1) AND (b, c) < (1, 1)"),
        ElementsAre("1,0,0"));
    EXPECT_THAT(Sorted("SELECT * FROM " + table + " WHERE a = 0 AND (b) > (0) AND (b, c) < (1, 1)"),
                ElementsAre("1,0,0"));
    // Single-column slices convert to multi-column ones and merge (SingleColumnRestriction.mergeWith).
    EXPECT_THAT(Sorted("SELECT * FROM " + table + " WHERE a = 0 AND (b, c) > (0, 1) AND b < 1"),
                ElementsAre());
    EXPECT_THAT(Sorted("SELECT * FROM " + table + " WHERE a = 0 AND b >= 0 AND (b, c) < (0, 1)"),
                ElementsAre("0,0,0"));
    // EQ/IN prefixes with a multi-column restriction after them (testMultiAndSingleColumnRelationMix).
    EXPECT_THAT(Sorted("SELECT * FROM " + table + " WHERE a = 0 AND b = 1 AND (c, d) > (0, 0)"),
                ElementsAre("1,1,0", "1,1,1"));
    EXPECT_THAT(Sorted("SELECT * FROM " + table + " WHERE a = 0 AND b IN (0, 1) AND (c, d) >= (1, 1)"),
                ElementsAre("0,1,1", "1,1,1"));
    EXPECT_THAT(Sorted("SELECT * FROM " + table + " WHERE a = 0 AND (b, c) = (0, 1) AND d >= 0"),
                ElementsAre("0,1,0", "0,1,1"));
    EXPECT_THAT(Sorted("SELECT * FROM " + table + " WHERE a = 0 AND (b, c) IN ((0, 1), (1, 0)) AND d = 0"),
                ElementsAre("0,1,0", "1,0,0"));
    EXPECT_THAT(Sorted("SELECT * FROM " + table + " WHERE a = 0 AND (b) = (1) AND (c, d) > (0, 0) AND (c) <= (1)"),
                ElementsAre("1,1,0", "1,1,1"));
  }
  // Both directions of ORDER BY give the same rows, in order.
  EXPECT_THAT(Rows("SELECT b, c, d FROM t WHERE a = 0 AND (b, c, d) > (0, 1, 0) AND (b, c) < (1, 1) "
                   "ORDER BY b DESC, c DESC, d DESC"),
              ElementsAre("1,0,0", "0,1,1"));
  EXPECT_THAT(Rows("SELECT b, c, d FROM r WHERE a = 0 AND (b, c, d) > (0, 1, 0) AND (b, c) < (1, 1) "
                   "ORDER BY b ASC, c ASC, d ASC"),
              ElementsAre("0,1,1", "1,0,0"));
}

// Item 4: the combinations Cassandra refuses, with its texts (MultiColumnRestriction.doMergeWith,
// ClusteringColumnRestrictions.mergeWith, SelectMultiColumnRelationTest).
TEST_F(MultiColumn, RefusedCombinations) {
  const ErrorCode kInvalid = ErrorCode::kInvalid;
  EXPECT_THAT(Query("SELECT * FROM t WHERE a = 0 AND (b) < (1) AND (b, c) < (1, 2)"),
              StatusIs(kInvalid, "More than one restriction was found for the end bound on b"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE a = 0 AND (b) > (0) AND (b) > (1)"),
              StatusIs(kInvalid, "More than one restriction was found for the start bound on b"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE a = 0 AND (b) = (0) AND (b) > (0)"),
              StatusIs(kInvalid, "b cannot be restricted by more than one relation if it includes an Equal"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE a = 0 AND b IN (0, 1) AND (b, c) > (0, 0)"),
              StatusIs(kInvalid, "b cannot be restricted by more than one relation if it includes a IN"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE a = 0 AND (b, c) > (0, 0) AND b = 1"),
              StatusIs(kInvalid,
                       "Column \"b\" cannot be restricted by both an equality and an inequality relation"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE a = 0 AND (b, c) > (0, 0) AND (b) < (1) AND (c) < (1)"),
              StatusIs(kInvalid,
                       "Column \"c\" cannot be restricted by two inequalities not starting with the same column"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE a = 0 AND (b) < (1) AND (c) < (1) AND (b, c) > (0, 0)"),
              StatusIs(kInvalid,
                       "Clustering column \"c\" cannot be restricted (preceding column \"b\" is restricted by a non-EQ relation)"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE a = 0 AND (c, d) > (0, 0) AND b > 0"),
              StatusIs(kInvalid,
                       "PRIMARY KEY column \"c\" cannot be restricted (preceding column \"b\" is restricted by a non-EQ relation)"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE a = 0 AND (c, d) = (0, 0)"),
              StatusIs(kInvalid,
                       "PRIMARY KEY column \"c\" cannot be restricted as preceding column \"b\" is not restricted"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE a = 0 AND (d, c, b) = (0, 0, 0)"),
              StatusIs(kInvalid,
                       "Clustering columns must appear in the PRIMARY KEY order in multi-column relations: (d, c, b) = (0, 0, 0)"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE a = 0 AND (b, c) > (0, 1, 2)"),
              StatusIs(kInvalid, "Expected 2 elements in value tuple, but got 3: (0, 1, 2)"));
}

// Item 5. TableMetadata.allColumnsInSelectOrder: partition key, clustering, then statics and
// regulars, each in Columns.selectOrderIterator (name) order; SelectTest expects
// row("p1", "k1", "sv1", "v1") for (p, c, v, s static).
TEST_F(CassandraAnswers, SelectStarOrdersStaticsBeforeRegulars) {
  Run("CREATE TABLE t (p text, c text, v text, s text static, a int, z frozen<list<int>>, "
      "b int static, PRIMARY KEY (p, c))");
  EXPECT_THAT(ColumnNames("SELECT * FROM t"), ElementsAre("p", "c", "b", "s", "a", "v", "z"));
  Run("INSERT INTO t (p, c, v, s, a, b) VALUES ('p1', 'k1', 'v1', 'sv1', 1, 2)");
  EXPECT_THAT(Rows("SELECT * FROM t WHERE p = 'p1'"), ElementsAre("'p1','k1',2,'sv1',1,'v1',null"));
}

// Item 9. PartitionKeySingleRestrictionSet.values builds the IN keys with MultiCBuilder into a
// set sorted by the key type's comparator: `k IN (1, 0)` reads 0 then 1, duplicates once
// (SelectMultiColumnRelationTest "same query, but reversed order for the IN values").
TEST_F(CassandraAnswers, InPartitionsInKeyTypeOrder) {
  Run("CREATE TABLE t (k int PRIMARY KEY, v int)");
  Run("CREATE TABLE u (k1 int, k2 text, v int, PRIMARY KEY ((k1, k2)))");
  for (int k : {-5, 0, 1, 2, 300}) {
    Run("INSERT INTO t (k, v) VALUES (" + std::to_string(k) + ", 0)");
    for (const char* k2 : {"a", "b"}) {
      Run("INSERT INTO u (k1, k2, v) VALUES (" + std::to_string(k) + ", '" + k2 + "', 0)");
    }
  }
  EXPECT_THAT(Rows("SELECT k FROM t WHERE k IN (1, 0)"), ElementsAre("0", "1"));
  EXPECT_THAT(Rows("SELECT k FROM t WHERE k IN (300, 2, -5, 2, 0)"),
              ElementsAre("-5", "0", "2", "300"));
  EXPECT_THAT(Rows("SELECT k1, k2 FROM u WHERE k1 IN (2, -5) AND k2 IN ('b', 'a')"),
              ElementsAre("-5,'a'", "-5,'b'", "2,'a'", "2,'b'"));
}

// ORDER BY over an IN of partitions (Cassandra 4.1 SelectStatement.orderResults): the rows of all
// the partitions merged in clustering order, then the LIMIT. The merge is the one use of each
// row's clustering, which a read of one partition no longer keeps (issue 14).
TEST_F(CassandraAnswers, OrderByAcrossInPartitionsMergesRowsByClustering) {
  Run("CREATE TABLE o (k int, c int, v int, PRIMARY KEY (k, c))");
  for (auto [k, c] : {std::pair{1, 1}, {1, 4}, {2, 2}, {2, 3}, {3, 0}, {3, 5}}) {
    Run("INSERT INTO o (k, c, v) VALUES (" + std::to_string(k) + ", " + std::to_string(c) + ", 0)");
  }
  EXPECT_THAT(Rows("SELECT k, c FROM o WHERE k IN (1, 2, 3) ORDER BY c ASC"),
              ElementsAre("3,0", "1,1", "2,2", "2,3", "1,4", "3,5"));
  EXPECT_THAT(Rows("SELECT k, c FROM o WHERE k IN (1, 2, 3) ORDER BY c DESC"),
              ElementsAre("3,5", "1,4", "2,3", "2,2", "1,1", "3,0"));
  EXPECT_THAT(Rows("SELECT k, c FROM o WHERE k IN (3, 1) ORDER BY c ASC LIMIT 3"),
              ElementsAre("3,0", "1,1", "1,4"));
  // One partition: its own order, nothing merged.
  EXPECT_THAT(Rows("SELECT c FROM o WHERE k = 1 ORDER BY c DESC"), ElementsAre("4", "1"));
}

// Item 10. SelectStatement.validateDistinctSelection: all the partition key columns must be
// selected only for a key range; a static column with a restricted key is allowed.
TEST_F(CassandraAnswers, DistinctStaticWithRestrictedPartitionKey) {
  Run("CREATE TABLE t (pk int, c int, s int static, v int, PRIMARY KEY (pk, c))");
  Run("INSERT INTO t (pk, c, s, v) VALUES (1, 1, 10, 0)");
  Run("INSERT INTO t (pk, c, v) VALUES (1, 2, 0)");
  EXPECT_THAT(Rows("SELECT DISTINCT s FROM t WHERE pk = 1"), ElementsAre("10"));
  EXPECT_THAT(Rows("SELECT DISTINCT s FROM t WHERE pk IN (1, 2)"), ElementsAre("10"));
  EXPECT_THAT(Query("SELECT DISTINCT s FROM t"),
              StatusIs(ErrorCode::kInvalid,
                       "SELECT DISTINCT queries must request all the partition key columns (missing pk)"));
  EXPECT_THAT(Query("SELECT DISTINCT pk FROM t WHERE pk = 1 AND c = 1"),
              StatusIs(ErrorCode::kInvalid,
                       "SELECT DISTINCT with WHERE clause only supports restriction by partition key "
                       "and/or static columns."));
  // StatementRestrictions refuses this first: a selection of static columns only reads the
  // static row (SelectStatement.RawStatement.selectOnlyStaticColumns).
  EXPECT_THAT(Query("SELECT DISTINCT s FROM t WHERE pk = 1 AND c = 1"),
              StatusIs(ErrorCode::kInvalid,
                       "Cannot restrict clustering columns when selecting only static columns"));
  EXPECT_THAT(Query("SELECT pk, s FROM t WHERE pk = 1 AND c = 1"),
              StatusIs(ErrorCode::kInvalid,
                       "Cannot restrict clustering columns when selecting only static columns"));
  EXPECT_THAT(Rows("SELECT c, s FROM t WHERE pk = 1 AND c = 1"), ElementsAre("1,10"));
  EXPECT_THAT(Query("SELECT DISTINCT v FROM t WHERE pk = 1"),
              StatusIs(ErrorCode::kInvalid,
                       "SELECT DISTINCT queries must only request partition key columns and/or static "
                       "columns (not v)"));
}

// Item 11. BatchStatement.Parsed.prepare: every statement fills the batch's one
// VariableSpecifications, so each marker has its column's spec; getPartitionKeyBindVariableIndexes
// uses the first statement's table when all statements write one table.
TEST_F(CassandraAnswers, PreparedBatchMarkersCarryColumnSpecs) {
  Run("CREATE TABLE t (k int, c text, v bigint, PRIMARY KEY (k, c))");
  Run("CREATE TABLE u (id int PRIMARY KEY, w int)");
  auto prepared = Prepare(
      "BEGIN BATCH USING TIMESTAMP ? INSERT INTO t (k, c, v) VALUES (?, ?, ?); "
      "UPDATE t SET v = ? WHERE k = ? AND c = ?; APPLY BATCH");
  EXPECT_THAT(Specs(prepared),
              ElementsAre("[batch].[batch].[timestamp]:bigint", "ks.t.k:int", "ks.t.c:text", "ks.t.v:bigint",
                          "ks.t.v:bigint", "ks.t.k:int", "ks.t.c:text"));
  EXPECT_THAT(prepared.partition_key_indexes, ElementsAre(5));  // the last marker of k
  auto two_tables = Prepare(
      "BEGIN BATCH INSERT INTO t (k, c, v) VALUES (?, ?, ?); INSERT INTO u (id, w) VALUES (?, ?); "
      "APPLY BATCH");
  EXPECT_THAT(Specs(two_tables), ElementsAre("ks.t.k:int", "ks.t.c:text", "ks.t.v:bigint",
                                             "ks.u.id:int", "ks.u.w:int"));
  EXPECT_THAT(two_tables.partition_key_indexes, ElementsAre());
}

// Item 12. VariableSpecifications.getPartitionKeyBindVariableIndexes works from the target
// column of each marker, whatever its name; a marker inside token(?) targets a function argument
// ("arg0(system.token)", FunctionResolver.makeArgSpec) and `k IN ?` the "in(k)" spec, never k.
TEST_F(CassandraAnswers, PartitionKeyIndexesOfNamedAndTokenMarkers) {
  Run("CREATE TABLE t (p int, q text, c int, v int, PRIMARY KEY ((p, q), c))");
  auto named = Prepare("SELECT * FROM t WHERE q = :b AND p = :a AND c = :a");
  EXPECT_THAT(named.partition_key_indexes, ElementsAre(1, 0));
  EXPECT_THAT(Specs(named), ElementsAre("ks.t.b:text", "ks.t.a:int", "ks.t.a:int"));
  auto insert = Prepare("INSERT INTO t (c, q, p, v) VALUES (:x, :y, :z, :x)");
  EXPECT_THAT(insert.partition_key_indexes, ElementsAre(2, 1));
  auto token = Prepare("SELECT * FROM t WHERE token(p, q) > token(?, ?)");
  EXPECT_THAT(token.partition_key_indexes, ElementsAre());
  EXPECT_THAT(Specs(token), ElementsAre("ks.t.arg0(system.token):int", "ks.t.arg1(system.token):text"));
  auto in_marker = Prepare("SELECT * FROM t WHERE p IN ? AND q = ?");
  EXPECT_THAT(in_marker.partition_key_indexes, ElementsAre());
  auto in_list = Prepare("SELECT * FROM t WHERE p IN (?, ?) AND q = ?");
  EXPECT_THAT(in_list.partition_key_indexes, ElementsAre(1, 2));
}

// Item 14. UpdateParameters: Long.MIN_VALUE means "no timestamp" inside Cassandra, so a write
// with it is refused ("Out of bound timestamp, must be in [%d, %d]"), literal or bound.
TEST_F(CassandraAnswers, TimestampLongMinValueRefused) {
  Run("CREATE TABLE t (k int PRIMARY KEY, v int)");
  const std::string kMessage =
      "Out of bound timestamp, must be in [-9223372036854775807, 9223372036854775807]";
  EXPECT_THAT(Query("INSERT INTO t (k, v) VALUES (0, 1) USING TIMESTAMP -9223372036854775808"),
              StatusIs(ErrorCode::kInvalid, kMessage));
  EXPECT_THAT(Query("UPDATE t USING TIMESTAMP ? SET v = 1 WHERE k = 0",
                    {protocol::BoundValue::Of(types::SerializeBigint(INT64_MIN))}),
              StatusIs(ErrorCode::kInvalid, kMessage));
  EXPECT_THAT(Query("DELETE FROM t USING TIMESTAMP -9223372036854775808 WHERE k = 0"),
              StatusIs(ErrorCode::kInvalid, kMessage));
  EXPECT_THAT(Query("BEGIN BATCH USING TIMESTAMP -9223372036854775808 INSERT INTO t (k, v) "
                    "VALUES (0, 1); APPLY BATCH"),
              StatusIs(ErrorCode::kInvalid, kMessage));
  Run("INSERT INTO t (k, v) VALUES (0, 1) USING TIMESTAMP -9223372036854775807");
  EXPECT_THAT(Rows("SELECT v FROM t WHERE k = 0"), ElementsAre("1"));
}

// Item 15. UpdateStatement.ParsedInsert + StatementRestrictions.processClusteringColumnsRestrictions:
// only an INSERT that sets no clustering and no regular column writes the static row alone;
// otherwise every clustering column is needed (InsertTest.testInsertWithAStaticColumn).
TEST_F(CassandraAnswers, InsertWithStaticNeedsWholeClusteringKey) {
  Run("CREATE TABLE t (partitionKey int, clustering_1 int, clustering_2 int, value int, "
      "staticValue text static, PRIMARY KEY (partitionKey, clustering_1, clustering_2))");
  EXPECT_THAT(Query("INSERT INTO t (partitionKey, clustering_2, staticValue) VALUES (0, 0, 'A')"),
              StatusIs(ErrorCode::kInvalid, "Some clustering keys are missing: clustering_1"));
  EXPECT_THAT(Query("INSERT INTO t (partitionKey, clustering_1, staticValue) VALUES (0, 0, 'A')"),
              StatusIs(ErrorCode::kInvalid, "Some clustering keys are missing: clustering_2"));
  EXPECT_THAT(Query("INSERT INTO t (partitionKey, value) VALUES (0, 1)"),
              StatusIs(ErrorCode::kInvalid,
                       "Some clustering keys are missing: clustering_1, clustering_2"));
  Run("INSERT INTO t (partitionKey, staticValue) VALUES (1, 'B')");
  EXPECT_THAT(Rows("SELECT * FROM t"), ElementsAre("1,null,null,'B',null"));
  // UpdateTest.testUpdateWithStaticColumn: the UPDATE rules.
  EXPECT_THAT(Query("UPDATE t SET staticValue = 'A', value = 7 WHERE partitionKey = 0"),
              StatusIs(ErrorCode::kInvalid,
                       "Some clustering keys are missing: clustering_1, clustering_2"));
  EXPECT_THAT(Query("UPDATE t SET staticValue = 'A' WHERE partitionKey = 0 AND clustering_1 = 0 "
                    "AND clustering_2 = 1"),
              StatusIs(ErrorCode::kInvalid,
                       "Invalid restrictions on clustering columns since the UPDATE statement "
                       "modifies only static columns"));
  EXPECT_THAT(Query("UPDATE t SET staticValue = 'A' WHERE partitionKey = 0 AND clustering_1 = 0"),
              StatusIs(ErrorCode::kInvalid,
                       "Invalid restrictions on clustering columns since the UPDATE statement "
                       "modifies only static columns"));
  EXPECT_THAT(Query("DELETE staticValue FROM t WHERE partitionKey = 0 AND clustering_1 = 0"),
              StatusIs(ErrorCode::kInvalid,
                       "Invalid restrictions on clustering columns since the DELETE statement "
                       "modifies only static columns"));
}

// Item 18. Error classes and texts of Cassandra 4.1: AlterKeyspaceStatement / DropKeyspaceStatement
// ire("Keyspace '%s' doesn't exist"); TokenRelation.toReceivers; processPartitionKeyRestrictions.
TEST_F(CassandraAnswers, ErrorClassesAndTexts) {
  EXPECT_THAT(Query("ALTER KEYSPACE missing WITH durable_writes = true"),
              StatusIs(ErrorCode::kInvalid, "Keyspace 'missing' doesn't exist"));
  EXPECT_THAT(Query("DROP KEYSPACE missing"),
              StatusIs(ErrorCode::kInvalid, "Keyspace 'missing' doesn't exist"));
  Run("CREATE TABLE t (a int, b int, c int, v int, PRIMARY KEY ((a, b), c))");
  EXPECT_THAT(Query("SELECT * FROM t WHERE token(a) > 0"),
              StatusIs(ErrorCode::kInvalid,
                       "The token() function must be applied to all partition key components or none of them"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE token(a, b, a) > 0"),
              StatusIs(ErrorCode::kInvalid,
                       "The token() function contains duplicate partition key components"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE token(a, b, c) > 0"),
              StatusIs(ErrorCode::kInvalid,
                       "The token() function must contains only partition key components"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE token(b, a) > 0"),
              StatusIs(ErrorCode::kInvalid,
                       "The token function arguments must be in the partition key order: a, b"));
  EXPECT_THAT(Query("UPDATE t SET v = 1 WHERE a = 0 AND b > 0 AND c = 0"),
              StatusIs(ErrorCode::kInvalid,
                       "Only EQ and IN relation are supported on the partition key (unless you use "
                       "the token() function) for UPDATE statements"));
  EXPECT_THAT(Query("DELETE FROM t WHERE a > 0 AND b = 0"),
              StatusIs(ErrorCode::kInvalid,
                       "Only EQ and IN relation are supported on the partition key (unless you use "
                       "the token() function) for DELETE statements"));
  EXPECT_THAT(Query("DELETE FROM t WHERE a > 0"),
              StatusIs(ErrorCode::kInvalid, "Some partition key parts are missing: b"));
  EXPECT_THAT(Query("SELECT * FROM t WHERE a > 0 AND b = 0"),
              StatusIs(ErrorCode::kInvalid,
                       "Cannot execute this query as it might involve data filtering and thus may "
                       "have unpredictable performance. If you want to execute this query despite "
                       "the performance unpredictability, use ALLOW FILTERING"));
}

}  // namespace
}  // namespace sibyl::query
