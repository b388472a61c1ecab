// Lightweight transactions through the processor (issue 12): condition evaluation with
// Cassandra 4.1's semantics (ColumnCondition.Bound.compareWithOperator), the [applied] result
// and its columns, refusals, conditional batches, and concurrent compare-and-set.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cql/types/value.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

using testing::HasSubstr;

class LwtTest : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 1}");
    Run("CREATE TABLE ks.t (k int, c int, v int, w text, s int static, PRIMARY KEY (k, c))");
    Run("CREATE TABLE ks.m (k int PRIMARY KEY, m map<text, int>, l list<int>)");
  }

  // "[applied]=true" or "[applied]=false v=1 ..." (null as "null"; ints and text only).
  std::string Cas(const std::string& cql, std::vector<protocol::BoundValue> values = {}) {
    auto result = Query(cql, std::move(values));
    if (!result.ok()) return "error: " + result.status().message();
    const auto* rows = std::get_if<protocol::RowsResult>(&*result);
    if (rows == nullptr) return "not rows";
    std::string out;
    for (size_t row_idx = 0; row_idx < rows->rows.size(); ++row_idx) {
      const auto& row = rows->rows[row_idx];
      if (row_idx > 0) out += " | ";
      for (size_t i = 0; i < row.size(); ++i) {
        const auto& spec = rows->metadata.columns[i];
        std::string value = "null";
        if (row[i]) {
          if (spec.type.kind() == types::Kind::kBoolean) {
            value = (*row[i])[0] ? "true" : "false";
          } else if (spec.type.kind() == types::Kind::kInt) {
            value = std::to_string(types::DeserializeInt(*row[i]));
          } else if (spec.type.kind() == types::Kind::kVarchar) {
            value = "'" + *row[i] + "'";
          } else {
            value = "<" + spec.type.ToCql() + ">";
          }
        }
        out += (i > 0 ? " " : "") + spec.name + "=" + value;
      }
    }
    return out;
  }
};

TEST_F(LwtTest, IfNotExistsShowsTheWholeExistingRow) {
  EXPECT_EQ(Cas("INSERT INTO ks.t (k, c, v) VALUES (1, 1, 5) IF NOT EXISTS"), "[applied]=true");
  EXPECT_EQ(Cas("INSERT INTO ks.t (k, c, v) VALUES (1, 1, 6) IF NOT EXISTS"),
            "[applied]=false k=1 c=1 s=null v=5 w=null");
}

TEST_F(LwtTest, OperatorsCompareTheCurrentValueWithTheConditionValue) {
  Run("INSERT INTO ks.t (k, c, v, w) VALUES (1, 1, 5, 'b')");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 5 WHERE k = 1 AND c = 1 IF v < 6"), "[applied]=true");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 5 WHERE k = 1 AND c = 1 IF v > 5"), "[applied]=false v=5");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 5 WHERE k = 1 AND c = 1 IF w >= 'a' AND v <= 5"),
            "[applied]=true");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 5 WHERE k = 1 AND c = 1 IF w IN ('x', 'y') AND v = 5"),
            "[applied]=false w='b' v=5");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 5 WHERE k = 1 AND c = 1 IF v != 4"), "[applied]=true");
}

// compareWithOperator: a null condition value compares with = and != only; a missing column
// satisfies only != v.
TEST_F(LwtTest, NullsFollowCassandrasRules) {
  Run("INSERT INTO ks.t (k, c, v) VALUES (2, 1, 5)");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 1 WHERE k = 2 AND c = 1 IF w = null"), "[applied]=true");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 1 WHERE k = 2 AND c = 1 IF w != 'x'"), "[applied]=true");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 1 WHERE k = 2 AND c = 1 IF w > 'x'"),
            "[applied]=false w=null");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 1 WHERE k = 2 AND c = 1 IF v > ?",
                {protocol::BoundValue::Null()}),
            "error: Invalid comparison with null for operator \">\"");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 1 WHERE k = 2 AND c = 1 IF v = ?",
                {protocol::BoundValue::Unset()}),
            "error: Invalid 'unset' value in condition");
}

TEST_F(LwtTest, ElementConditionsReadOneElement) {
  Run("INSERT INTO ks.m (k, m, l) VALUES (1, {'a': 1}, [10, 20])");
  EXPECT_EQ(Cas("UPDATE ks.m SET l = [1] WHERE k = 1 IF m['a'] = 1 AND l[1] = 20"),
            "[applied]=true");
  EXPECT_EQ(Cas("UPDATE ks.m SET l = [2] WHERE k = 1 IF l[3] = null AND m['b'] = null"),
            "[applied]=true");
  EXPECT_THAT(Cas("UPDATE ks.m SET l = [2] WHERE k = 1 IF l[0] = 5"),
              HasSubstr("[applied]=false l="));
}

TEST_F(LwtTest, StaticConditionsAndIfExistsOnStaticOnlyStatements) {
  EXPECT_EQ(Cas("UPDATE ks.t SET s = 1 WHERE k = 3 IF EXISTS"), "[applied]=false");
  EXPECT_EQ(Cas("INSERT INTO ks.t (k, s) VALUES (3, 1) IF NOT EXISTS"), "[applied]=true");
  EXPECT_EQ(Cas("UPDATE ks.t SET s = 2 WHERE k = 3 IF s = 1"), "[applied]=true");
  EXPECT_EQ(Cas("UPDATE ks.t SET s = 3 WHERE k = 3 IF s = 1"), "[applied]=false s=2");
}

TEST_F(LwtTest, RefusalsUseCassandrasTexts) {
  EXPECT_EQ(Cas("UPDATE ks.t USING TIMESTAMP 3 SET v = 1 WHERE k = 1 AND c = 1 IF v = 1"),
            "error: Cannot provide custom timestamp for conditional updates");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 1 WHERE k = 1 AND c = 1 IF k = 1"),
            "error: PRIMARY KEY column 'k' cannot have IF conditions");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = 1 WHERE k IN (1, 2) AND c = 1 IF v = 1"),
            "error: IN on the partition key is not supported with conditional updates");
  Run("CREATE TABLE ks.views (k int PRIMARY KEY, n counter)");
  EXPECT_EQ(Cas("UPDATE ks.views SET n = n + 1 WHERE k = 1 IF EXISTS"),
            "error: Conditional updates are not supported on counter tables");
  EXPECT_EQ(Cas("UPDATE ks.m SET l = [1] WHERE k = 1 IF nope = 1"),
            "error: Undefined column name nope");
  EXPECT_EQ(Cas("BEGIN BATCH UPDATE ks.t SET v = 1 WHERE k = 1 AND c = 1 IF v = 1; "
                "UPDATE ks.t SET v = 1 WHERE k = 2 AND c = 1; APPLY BATCH"),
            "error: Batch with conditions cannot span multiple partitions");
}

// ConsistencyLevel.validateForCas / validateForCasCommit / validateForWrite (Cassandra 4.1).
TEST_F(LwtTest, SerialConsistencyIsCheckedAsCassandraDoes) {
  protocol::QueryParameters params;
  params.serial_consistency = protocol::Consistency::kOne;
  auto r = processor_->Query(session_, "INSERT INTO ks.t (k, c) VALUES (1, 1) IF NOT EXISTS", params);
  EXPECT_EQ(r.status().message(),
            "Invalid consistency for conditional update. Must be one of SERIAL or LOCAL_SERIAL");
  params.serial_consistency = protocol::Consistency::kLocalSerial;
  params.consistency = protocol::Consistency::kSerial;
  r = processor_->Query(session_, "INSERT INTO ks.t (k, c) VALUES (1, 1) IF NOT EXISTS", params);
  EXPECT_THAT(r.status().message(),
              HasSubstr("SERIAL is not supported as conditional update commit consistency"));
  r = processor_->Query(session_, "INSERT INTO ks.t (k, c) VALUES (1, 1)", params);
  EXPECT_EQ(r.status().message(), "You must use conditional updates for serializable writes");
  params.consistency = protocol::Consistency::kQuorum;
  r = processor_->Query(session_, "INSERT INTO ks.t (k, c) VALUES (1, 1) IF NOT EXISTS", params);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

TEST_F(LwtTest, ConditionalBatchAppliesAllOrNothing) {
  Run("INSERT INTO ks.t (k, c, v) VALUES (5, 1, 1)");
  const std::string batch =
      "BEGIN BATCH UPDATE ks.t SET v = 2 WHERE k = 5 AND c = 1 IF v = 1; "
      "INSERT INTO ks.t (k, c, v) VALUES (5, 2, 7); APPLY BATCH";
  EXPECT_EQ(Cas(batch), "[applied]=true");
  EXPECT_EQ(Cas(batch), "[applied]=false k=5 c=1 v=2");
  EXPECT_EQ(Cas("SELECT v FROM ks.t WHERE k = 5 AND c = 2"), "v=7");
}

// A condition on the partition (a partition deletion's IF EXISTS) next to a condition on a row
// that does not exist: the partition's existence is judged on the partition, not on the named
// rows (CQL3CasRequest reads what every condition needs).
TEST_F(LwtTest, BatchWithAPartitionConditionReadsThePartition) {
  Run("INSERT INTO ks.t (k, c, v) VALUES (7, 1, 1)");
  EXPECT_EQ(Cas("BEGIN BATCH DELETE FROM ks.t WHERE k = 7 IF EXISTS; "
                "UPDATE ks.t SET w = 'x' WHERE k = 7 AND c = 2 IF v = null; APPLY BATCH"),
            "[applied]=true");
  EXPECT_EQ(Cas("SELECT v FROM ks.t WHERE k = 7"), "");
  EXPECT_EQ(Cas("BEGIN BATCH DELETE FROM ks.t WHERE k = 7 IF EXISTS; "
                "UPDATE ks.t SET w = 'x' WHERE k = 7 AND c = 2 IF v = null; APPLY BATCH"),
            "[applied]=false");
}

// An UPDATE whose SET values are all unset still has its conditions on the row its WHERE clause
// names (Cassandra 4.1 ModificationStatement.makeCasRequest: the clustering comes from the
// restrictions; STATIC_CLUSTERING for static columns without clustering restrictions).
TEST_F(LwtTest, AllUnsetUpdateChecksItsOwnRow) {
  Run("INSERT INTO ks.t (k, c, v) VALUES (8, 1, 1)");
  const auto unset = protocol::BoundValue::Unset();
  EXPECT_EQ(Cas("UPDATE ks.t SET v = ? WHERE k = 8 AND c = 2 IF EXISTS", {unset}),
            "[applied]=false");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = ? WHERE k = 8 AND c = 1 IF v = 1", {unset}),
            "[applied]=true");
  EXPECT_EQ(Cas("UPDATE ks.t SET v = ? WHERE k = 8 AND c = 1 IF v = 2", {unset}),
            "[applied]=false v=1");
  EXPECT_EQ(Cas("UPDATE ks.t SET s = ? WHERE k = 8 IF EXISTS", {unset}), "[applied]=false");
  EXPECT_EQ(Cas("SELECT v FROM ks.t WHERE k = 8"), "v=1");
}

// Compare-and-set from several threads through the processor: no update is lost.
TEST_F(LwtTest, ConcurrentCompareAndSetLosesNoUpdate) {
  Run("INSERT INTO ks.t (k, c, v) VALUES (9, 9, 0)");
  constexpr int kThreads = 4;
  constexpr int kRounds = 25;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Session session;
      int done = 0;
      int current = 0;
      while (done < kRounds) {
        protocol::QueryParameters params;
        params.values = {protocol::BoundValue::Of(types::SerializeInt(current + 1)),
                         protocol::BoundValue::Of(types::SerializeInt(current))};
        auto r = processor_->Query(session,
                                   "UPDATE ks.t SET v = ? WHERE k = 9 AND c = 9 IF v = ?", params);
        if (!r.ok()) {
          ++errors;
          return;
        }
        const auto& rows = std::get<protocol::RowsResult>(*r);
        if ((*rows.rows[0][0])[0]) {
          ++done;
          ++current;
        } else {
          current = types::DeserializeInt(*rows.rows[0][1]);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(Cas("SELECT v FROM ks.t WHERE k = 9 AND c = 9"), "v=" + std::to_string(kThreads * kRounds));
}

}  // namespace
}  // namespace sibyl::query
