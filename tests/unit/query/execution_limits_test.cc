// Statements always finish (issue 9 item 4): paging makes progress whatever the limits, a
// request stops with ReadTimeout/WriteTimeout at its deadline or when its cancel flag is raised,
// and bound values are validated before anything is stored (item 2). Runs the real processor
// over a RocksDB engine in a temporary directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cql/types/value.h"
#include "query/processor.h"
#include "storage/rocksdb_engine.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

using testing::HasSubstr;

class ExecutionLimits : public ProcessorFixture {
 protected:
  void SetUp() override { Open(ProcessorOptions{}); }

  void Open(ProcessorOptions options) {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor(options));
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 3}");
    session_.keyspace = "ks";
  }

  Result<protocol::ResultMessage> Query(const std::string& cql,
                                        const protocol::QueryParameters& params = {}) {
    return processor_->Query(session_, cql, params);
  }

  void Run(const std::string& cql) {
    auto result = Query(cql);
    ASSERT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
  }

  // Pages through `cql` with `page_size`; each page must come back (never loop for ever).
  std::vector<std::string> Pages(const std::string& cql, int32_t page_size) {
    std::vector<std::string> rows;
    protocol::QueryParameters params;
    params.page_size = page_size;
    for (int page = 0; page < 100; ++page) {
      auto result = Query(cql, params);
      EXPECT_TRUE(result.ok()) << result.status().ToString();
      if (!result.ok()) break;
      const auto& rows_result = std::get<protocol::RowsResult>(*result);
      for (const auto& row : rows_result.rows) {
        std::string text;
        for (const auto& v : row) text += (text.empty() ? "" : ",") + std::to_string(
            types::DeserializeInt(*v));
        rows.push_back(text);
      }
      if (!rows_result.metadata.paging_state) break;
      params.paging_state = rows_result.metadata.paging_state;
    }
    return rows;
  }

};

// Issue 9 item 4: with fetch size 1 the third page resumed inside a partition whose PER
// PARTITION LIMIT was used up, read with a row limit of 0 and looped for ever.
TEST_F(ExecutionLimits, PerPartitionLimitWithPagingAlwaysProgresses) {
  Run("CREATE TABLE t (p int, c int, PRIMARY KEY (p, c))");
  for (int p = 0; p < 3; ++p) {
    for (int c = 0; c < 3; ++c) Run(fmt::format("INSERT INTO t (p, c) VALUES ({}, {})", p, c));
  }
  for (int32_t page_size : {1, 2, 3, 100}) {
    auto rows = Pages("SELECT p, c FROM t PER PARTITION LIMIT 2 LIMIT 3", page_size);
    ASSERT_EQ(rows.size(), 3u) << "page size " << page_size;
    EXPECT_EQ(rows[0].substr(rows[0].find(',')), ",0");
    EXPECT_EQ(rows[1].substr(rows[1].find(',')), ",1");
    EXPECT_EQ(rows[2].substr(rows[2].find(',')), ",0");  // the next partition's first row
    auto all = Pages("SELECT p, c FROM t PER PARTITION LIMIT 2", page_size);
    EXPECT_EQ(all.size(), 6u) << "page size " << page_size;
    auto in = Pages("SELECT p, c FROM t WHERE p IN (0, 1, 2) PER PARTITION LIMIT 2 LIMIT 5",
                    page_size);
    EXPECT_EQ(in.size(), 5u) << "page size " << page_size;
  }
}

TEST_F(ExecutionLimits, ACancelledRequestStopsWithATimeout) {
  Run("CREATE TABLE t (p int PRIMARY KEY, v int)");
  Run("INSERT INTO t (p, v) VALUES (1, 1)");
  auto cancel = std::make_shared<CancelToken>();
  session_.cancel = cancel;
  EXPECT_TRUE(Query("SELECT * FROM t").ok());
  cancel->Cancel();
  auto result = Query("SELECT * FROM t");
  EXPECT_EQ(result.status().code(), ErrorCode::kReadTimeout);
  EXPECT_EQ(Query("INSERT INTO t (p, v) VALUES (2, 2)").status().code(),
            ErrorCode::kWriteTimeout);
  session_.cancel = nullptr;
  auto rows = Pages("SELECT p, v FROM t", 10);
  EXPECT_EQ(rows.size(), 1u) << "the cancelled INSERT wrote nothing";
}

TEST_F(ExecutionLimits, ARequestPastItsDeadlineGetsReadTimeoutWithItsDetail) {
  Run("CREATE TABLE t (p int PRIMARY KEY, v int)");
  Run("INSERT INTO t (p, v) VALUES (1, 1)");
  // A request that arrived long ago is already past every deadline (no sleep needed).
  session_.received = RequestContext::Clock::now() - std::chrono::seconds(60);
  protocol::QueryParameters params;
  params.consistency = protocol::Consistency::kQuorum;
  auto read = Query("SELECT * FROM t WHERE p = 1", params);
  ASSERT_EQ(read.status().code(), ErrorCode::kReadTimeout);
  EXPECT_EQ(read.status().message(), "Operation timed out - received only 0 responses.");
  const auto* detail = std::get_if<TimeoutDetail>(&read.status().detail());
  ASSERT_NE(detail, nullptr);
  EXPECT_EQ(detail->consistency, static_cast<uint16_t>(protocol::Consistency::kQuorum));
  EXPECT_EQ(detail->received, 0);
  EXPECT_EQ(detail->block_for, 2);  // quorum of replication_factor 3
  EXPECT_FALSE(detail->data_present);
  EXPECT_EQ(Query("SELECT * FROM t").status().code(), ErrorCode::kReadTimeout);  // range read

  auto write = Query("INSERT INTO t (p, v) VALUES (2, 2)");
  ASSERT_EQ(write.status().code(), ErrorCode::kWriteTimeout);
  detail = std::get_if<TimeoutDetail>(&write.status().detail());
  ASSERT_NE(detail, nullptr);
  EXPECT_EQ(detail->write_type, "SIMPLE");
  EXPECT_EQ(detail->block_for, 1);  // ONE
  auto batch = Query("BEGIN UNLOGGED BATCH INSERT INTO t (p, v) VALUES (3, 3); APPLY BATCH");
  ASSERT_EQ(batch.status().code(), ErrorCode::kWriteTimeout);
  EXPECT_EQ(std::get<TimeoutDetail>(batch.status().detail()).write_type, "UNLOGGED_BATCH");

  session_.received = {};
  EXPECT_EQ(Pages("SELECT p, v FROM t", 10).size(), 1u) << "timed-out writes wrote nothing";
}

TEST_F(ExecutionLimits, TimeoutsComeFromTheOptions) {
  ProcessorOptions options;
  options.timeouts.read = std::chrono::hours(1);
  options.timeouts.range = std::chrono::hours(1);
  options.timeouts.write = std::chrono::hours(1);
  Open(options);
  Run("CREATE TABLE t (p int PRIMARY KEY, v int)");
  session_.received = RequestContext::Clock::now() - std::chrono::seconds(60);
  EXPECT_TRUE(Query("INSERT INTO t (p, v) VALUES (2, 2)").ok());
  EXPECT_TRUE(Query("SELECT * FROM t").ok());
}

// Issue 9 item 2 through the whole EXECUTE path: nothing is stored, the partition stays readable.
TEST_F(ExecutionLimits, InvalidBoundValuesAreRefusedBeforeAnythingIsStored) {
  Run("CREATE TABLE t (p int, c frozen<list<int>>, v int, PRIMARY KEY (p, c))");
  auto prepared = processor_->Prepare(session_, "INSERT INTO t (p, c, v) VALUES (?, ?, ?)");
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  const auto& id = std::get<protocol::PreparedResult>(*prepared).id;
  auto execute = [&](std::string list) {
    protocol::QueryParameters params;
    params.values = {protocol::BoundValue::Of(types::SerializeInt(1)),
                     protocol::BoundValue::Of(std::move(list)),
                     protocol::BoundValue::Of(types::SerializeInt(2))};
    return processor_->Execute(session_, id, params);
  };
  ASSERT_TRUE(execute(std::string("\0\0\0\x01\0\0\0\x04\0\0\0\x05", 12)).ok());
  auto result = execute(std::string("\0\0\0\x01\0\0\0\x01\x07", 9));
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalid);
  EXPECT_EQ(result.status().message(), "Expected 4 or 0 byte int (1)");
  auto read = Query("SELECT v FROM t WHERE p = 1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(std::get<protocol::RowsResult>(*read).rows.size(), 1u);
}

}  // namespace
}  // namespace sibyl::query
