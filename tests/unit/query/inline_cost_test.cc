// Which prepared statements run inline on the connection's event-loop thread (issue 14,
// query/inline_cost.h): only bounded point requests that never wait; the rest stays on the pool.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "processor_fixture.h"

namespace sibyl::query {
namespace {

class InlineCostTest : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    session_.keyspace = "ks";
    Run("CREATE TABLE kv (k text PRIMARY KEY, v blob, l list<int>)");
    Run("CREATE TABLE wide (p int, c int, d int, v text, PRIMARY KEY (p, c, d))");
    Run("CREATE TABLE cnt (k int PRIMARY KEY, n counter)");
  }

  // Prepares `cql` and asks the processor how an EXECUTE of it runs.
  InlineRun RunOf(const std::string& cql) {
    auto prepared = processor_->Prepare(session_, cql);
    EXPECT_TRUE(prepared.ok()) << cql << ": " << prepared.status().ToString();
    if (!prepared.ok()) return InlineRun::kNo;
    const auto* result = std::get_if<protocol::PreparedResult>(&*prepared);
    EXPECT_NE(result, nullptr) << cql;
    return result != nullptr ? processor_->RunsInline(result->id) : InlineRun::kNo;
  }
  bool Inline(const std::string& cql) { return RunOf(cql) != InlineRun::kNo; }
};

TEST_F(InlineCostTest, PointWritesAndReadsRunInline) {
  EXPECT_TRUE(Inline("INSERT INTO kv (k, v) VALUES (?, ?)"));
  EXPECT_TRUE(Inline("INSERT INTO kv (k, v) VALUES (?, ?) USING TTL 10"));
  EXPECT_TRUE(Inline("UPDATE kv SET v = ? WHERE k = ?"));
  EXPECT_TRUE(Inline("DELETE FROM kv WHERE k = ?"));
  EXPECT_TRUE(Inline("SELECT v FROM kv WHERE k = ?"));
  EXPECT_TRUE(Inline("SELECT * FROM kv WHERE k = ?"));
  EXPECT_TRUE(Inline("SELECT v FROM wide WHERE p = ? AND c = ? AND d = ?"));
  EXPECT_TRUE(Inline("UPDATE wide SET v = ? WHERE p = ? AND c = ? AND d = ?"));
}

TEST_F(InlineCostTest, WritesAreToldFromReads) {
  // Only writes may have their storage write collected (storage/write_collect.h).
  EXPECT_EQ(RunOf("INSERT INTO kv (k, v) VALUES (?, ?)"), InlineRun::kWrite);
  EXPECT_EQ(RunOf("UPDATE wide SET v = ? WHERE p = ? AND c = ? AND d = ?"), InlineRun::kWrite);
  EXPECT_EQ(RunOf("DELETE FROM kv WHERE k = ?"), InlineRun::kWrite);
  EXPECT_EQ(RunOf("SELECT v FROM kv WHERE k = ?"), InlineRun::kRead);
  EXPECT_EQ(RunOf("UPDATE cnt SET n = n + 1 WHERE k = ?"), InlineRun::kNo);
}

TEST_F(InlineCostTest, EverythingElseStaysOnThePool) {
  // LWT: a partition lock and a read before the write.
  EXPECT_FALSE(Inline("INSERT INTO kv (k, v) VALUES (?, ?) IF NOT EXISTS"));
  EXPECT_FALSE(Inline("UPDATE kv SET v = ? WHERE k = ? IF v = ?"));
  EXPECT_FALSE(Inline("DELETE FROM kv WHERE k = ? IF EXISTS"));
  // Counters and list operations read before they write.
  EXPECT_FALSE(Inline("UPDATE cnt SET n = n + 1 WHERE k = ?"));
  EXPECT_FALSE(Inline("UPDATE kv SET l[0] = ? WHERE k = ?"));
  EXPECT_FALSE(Inline("UPDATE kv SET l = l - ? WHERE k = ?"));
  EXPECT_FALSE(Inline("DELETE l[0] FROM kv WHERE k = ?"));
  // More than one row, or not a point: partitions, slices, IN, scans, tokens.
  EXPECT_FALSE(Inline("SELECT v FROM wide WHERE p = ?"));
  EXPECT_FALSE(Inline("SELECT v FROM wide WHERE p = ? AND c = ?"));
  EXPECT_FALSE(Inline("SELECT v FROM wide WHERE p = ? AND c = ? AND d > ?"));
  EXPECT_FALSE(Inline("SELECT v FROM kv WHERE k IN (?, ?)"));
  EXPECT_FALSE(Inline("SELECT v FROM kv"));
  EXPECT_FALSE(Inline("SELECT v FROM kv WHERE token(k) > ?"));
  EXPECT_FALSE(Inline("DELETE FROM kv WHERE k IN (?, ?)"));
  // Aggregates, functions, JSON, filtering.
  EXPECT_FALSE(Inline("SELECT count(*) FROM kv WHERE k = ?"));
  EXPECT_FALSE(Inline("SELECT JSON v FROM kv WHERE k = ?"));
  EXPECT_FALSE(Inline("INSERT INTO kv JSON ?"));
  // Batches, DDL, system tables.
  EXPECT_FALSE(Inline("BEGIN BATCH INSERT INTO kv (k, v) VALUES (?, ?); APPLY BATCH"));
  EXPECT_FALSE(Inline("SELECT release_version FROM system.local WHERE key = 'local'"));
  // An id never prepared: the pool answers UNPREPARED.
  EXPECT_EQ(processor_->RunsInline(std::string(16, 'x')), InlineRun::kNo);
}

}  // namespace
}  // namespace sibyl::query
