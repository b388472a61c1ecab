// Cassandra's max_mutation_size (issue 9 item 10): a statement or batch writing more than the
// limit to one partition key of one keyspace is refused with InvalidRequest, worded as
// Cassandra's, before anything is written. Runs the real processor over a RocksDB engine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "query/processor.h"
#include "storage/rocksdb_engine.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

using testing::HasSubstr;
using testing::MatchesRegex;

constexpr uint64_t kLimit = 4096;

class MutationSize : public ProcessorFixture {
 protected:
  void SetUp() override {
    ProcessorOptions options;
    options.max_mutation_bytes = kLimit;
    ASSERT_NO_FATAL_FAILURE(OpenProcessor(options));
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 1}");
    session_.keyspace = "ks";
    Run("CREATE TABLE t (k int PRIMARY KEY, v text)");
    Run("CREATE TABLE t2 (k int PRIMARY KEY, v text)");
  }

  Status Query(const std::string& cql) {
    auto result = processor_->Query(session_, cql, {});
    return result.ok() ? Status::OK() : result.status();
  }
  void Run(const std::string& cql) {
    Status s = Query(cql);
    ASSERT_TRUE(s.ok()) << cql << ": " << s.ToString();
  }
  size_t Rows(const std::string& table) {
    auto result = processor_->Query(session_, "SELECT k FROM " + table, {});
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::get<protocol::RowsResult>(*result).rows.size() : 0;
  }
  static std::string Insert(const std::string& table, int key, size_t value_size) {
    return "INSERT INTO " + table + " (k, v) VALUES (" + std::to_string(key) + ", '" +
           std::string(value_size, 'a') + "')";
  }

};

TEST_F(MutationSize, AnOversizedStatementIsRefusedWithCassandrasWording) {
  Status s = Query(Insert("t", 1, kLimit));
  EXPECT_EQ(s.code(), ErrorCode::kInvalid);
  EXPECT_THAT(s.message(), MatchesRegex("Rejected an oversized mutation \\([0-9]+/4096\\) for "
                                        "keyspace: ks\\. Top keys are: t\\.1"));
  EXPECT_EQ(Rows("t"), 0u);
  Run(Insert("t", 1, kLimit - 200));  // a write under the limit is stored
  EXPECT_EQ(Rows("t"), 1u);
}

TEST_F(MutationSize, ABatchIsMeasuredPerPartitionAndRefusedWhole) {
  // Two partitions of 2500 bytes each: two mutations, each under the limit.
  Run("BEGIN BATCH " + Insert("t", 1, 2500) + "; " + Insert("t", 2, 2500) + " APPLY BATCH");
  EXPECT_EQ(Rows("t"), 2u);
  // The same partition twice: one mutation over the limit, and nothing of the batch is written.
  Status s = Query("BEGIN BATCH " + Insert("t2", 3, 100) + "; " + Insert("t", 3, 2500) + "; " +
                   "UPDATE t SET v = '" + std::string(2500, 'b') + "' WHERE k = 3 APPLY BATCH");
  EXPECT_EQ(s.code(), ErrorCode::kInvalid);
  EXPECT_THAT(s.message(), HasSubstr("for keyspace: ks. Top keys are: t.3, t2.3"));
  EXPECT_EQ(Rows("t"), 2u);
  EXPECT_EQ(Rows("t2"), 0u);
}

TEST_F(MutationSize, TablesOfOneKeyspaceAndKeyAreOneMutationListedLargestFirst) {
  Status s = Query("BEGIN BATCH " + Insert("t", 7, 1500) + "; " + Insert("t2", 7, 2600) +
                   " APPLY BATCH");
  EXPECT_EQ(s.code(), ErrorCode::kInvalid);
  EXPECT_THAT(s.message(), HasSubstr("Top keys are: t2.7, t.7"));
  EXPECT_EQ(Rows("t"), 0u);
}

TEST_F(MutationSize, CompositeKeysPrintAsCassandraPrintsThem) {
  Run("CREATE TABLE c (a text, b int, v text, PRIMARY KEY ((a, b)))");
  Status s = Query("INSERT INTO c (a, b, v) VALUES ('x:y''z', 3, '" + std::string(kLimit, 'v') +
                   "')");
  EXPECT_EQ(s.code(), ErrorCode::kInvalid);
  EXPECT_THAT(s.message(), HasSubstr("Top keys are: c.x\\:y'z:3"));
}

}  // namespace
}  // namespace sibyl::query
