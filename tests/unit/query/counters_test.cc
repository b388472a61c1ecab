// Counter tables and counter writes through the real processor (issue 12; docs/dev/counters.md):
// Cassandra 4.1's schema rules and refusals with its texts (CountersTest.java, CreateTable-,
// ModificationStatement.validate, BatchStatement.validate), increments, deletions, COUNTER
// batches and the COUNTER write type of a WriteTimeout.
#include <gtest/gtest.h>

#include "cql/types/value.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

class Counters : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    session_.keyspace = "ks";
    Run("CREATE TABLE c (k int, ck int, a counter, b counter, s counter static, "
        "PRIMARY KEY (k, ck))");
  }

  // The error message of a statement that must fail with Invalid (or `code`).
  std::string Error(const std::string& cql, ErrorCode code = ErrorCode::kInvalid,
                    std::vector<protocol::BoundValue> values = {}) {
    auto r = Query(cql, std::move(values));
    EXPECT_FALSE(r.ok()) << cql;
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), code) << cql << ": " << r.status().ToString();
    return std::string(r.status().message());
  }

  // "a,b" of one row (null as "null"), or "none".
  std::string Read(const std::string& cql) {
    auto r = Query(cql);
    EXPECT_TRUE(r.ok()) << cql << ": " << r.status().ToString();
    if (!r.ok()) return "error";
    const auto& rows = std::get<protocol::RowsResult>(*r).rows;
    if (rows.empty()) return "none";
    std::string out;
    for (const auto& v : rows[0]) {
      out += (out.empty() ? "" : ",") +
             (v ? std::to_string(types::DeserializeBigint(*v)) : std::string("null"));
    }
    return out;
  }
};

TEST_F(Counters, SchemaRules) {
  EXPECT_EQ(Error("CREATE TABLE m (k int PRIMARY KEY, c counter, t text)"),
            "Cannot mix counter and non counter columns in the same table");
  EXPECT_EQ(Error("CREATE TABLE m (k int PRIMARY KEY, t text, c counter)"),
            "Cannot mix counter and non counter columns in the same table");
  EXPECT_EQ(Error("CREATE TABLE m (k counter PRIMARY KEY, c counter)"),
            "counter type is not supported for PRIMARY KEY column 'k'");
  EXPECT_EQ(Error("CREATE TABLE m (k int PRIMARY KEY, c counter) WITH default_time_to_live = 5"),
            "Cannot set default_time_to_live on a table with counters");
  EXPECT_EQ(Error("CREATE TABLE m (k int PRIMARY KEY, l list<counter>)"),
            "Counters are not allowed inside collections: list<counter>");
  EXPECT_EQ(Error("ALTER TABLE c ADD t text", ErrorCode::kConfigError),
            "Cannot have a non counter column (\"t\") in a counter table");
  Run("CREATE TABLE plain (k int PRIMARY KEY, t text)");
  EXPECT_EQ(Error("ALTER TABLE plain ADD x counter", ErrorCode::kConfigError),
            "Cannot have a counter column (\"x\") in a non counter table");
  EXPECT_EQ(Error("ALTER TABLE c WITH default_time_to_live = 5"),
            "Cannot set default_time_to_live on a table with counters");
  Run("ALTER TABLE c ADD d counter");
  auto flags = Query(
      "SELECT flags FROM system_schema.tables WHERE keyspace_name = 'ks' AND table_name = 'c'");
  ASSERT_TRUE(flags.ok());
  const auto& rows = std::get<protocol::RowsResult>(*flags).rows;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0][0]->find("counter"), std::string::npos);
}

TEST_F(Counters, IncrementsDecrementsAndNull) {
  EXPECT_EQ(Read("SELECT a FROM c WHERE k = 1 AND ck = 1"), "none");
  Run("UPDATE c SET a = a + 5, b = b - 3 WHERE k = 1 AND ck = 1");
  Run("UPDATE c SET a = a + -2, a = a + 1 WHERE k = 1 AND ck = 1");
  Run("UPDATE c SET a += 10, b -= 1 WHERE k = 1 AND ck = 1");
  EXPECT_EQ(Read("SELECT a, b FROM c WHERE k = 1 AND ck = 1"), "14,-4");
  // A bound increment, an UNSET one (no change), a null one (refused).
  Run("UPDATE c SET a = a + 1 WHERE k = 2 AND ck = 1");
  ASSERT_TRUE(Query("UPDATE c SET a = a + ? WHERE k = 2 AND ck = 1",
                    {protocol::BoundValue::Of(types::SerializeBigint(41))})
                  .ok());
  ASSERT_TRUE(Query("UPDATE c SET a = a + ? WHERE k = 2 AND ck = 1",
                    {protocol::BoundValue::Unset()})
                  .ok());
  EXPECT_EQ(Error("UPDATE c SET a = a + ? WHERE k = 2 AND ck = 1", ErrorCode::kInvalid,
                  {protocol::BoundValue::Null()}),
            "Invalid null value for counter increment");
  // A literal null for a counter is refused when prepared (Constants.NULL_LITERAL; CountersTest
  // testCounterFilteringWithNull), in SET and in WHERE alike.
  EXPECT_EQ(Error("UPDATE c SET a = a + null WHERE k = 2 AND ck = 1"),
            "Invalid null value for counter increment/decrement");
  EXPECT_EQ(Error("SELECT * FROM c WHERE k = 2 AND b = null ALLOW FILTERING"),
            "Invalid null value for counter increment/decrement");
  EXPECT_EQ(Read("SELECT a, b FROM c WHERE k = 2 AND ck = 1"), "42,null");
  // Static counters.
  Run("UPDATE c SET s = s + 7 WHERE k = 2");
  EXPECT_EQ(Read("SELECT s FROM c WHERE k = 2 LIMIT 1"), "7");
}

TEST_F(Counters, OverflowWrapsAsJavaLong) {
  Run("UPDATE c SET a = a + 9223372036854775807 WHERE k = 3 AND ck = 1");
  Run("UPDATE c SET a = a + 1 WHERE k = 3 AND ck = 1");
  EXPECT_EQ(Read("SELECT a FROM c WHERE k = 3 AND ck = 1"), "-9223372036854775808");
  EXPECT_EQ(Error("UPDATE c SET a = a - -9223372036854775808 WHERE k = 3 AND ck = 1"),
            "The negation of -9223372036854775808 overflows supported counter precision (signed 8 "
            "bytes integer)");
}

TEST_F(Counters, RefusedStatements) {
  EXPECT_EQ(Error("INSERT INTO c (k, ck, a) VALUES (1, 1, 1)"),
            "INSERT statements are not allowed on counter tables, use UPDATE instead");
  EXPECT_EQ(Error("UPDATE c SET a = 5 WHERE k = 1 AND ck = 1"),
            "Cannot set the value of counter column a (counters can only be "
            "incremented/decremented, not set)");
  EXPECT_EQ(Error("UPDATE c SET a = 5 + a WHERE k = 1 AND ck = 1"),
            "Invalid operation (a = 5 + a) for non list column a");
  EXPECT_EQ(Error("UPDATE c USING TIMESTAMP 5 SET a = a + 1 WHERE k = 1 AND ck = 1"),
            "Cannot provide custom timestamp for counter updates");
  EXPECT_EQ(Error("UPDATE c USING TTL 5 SET a = a + 1 WHERE k = 1 AND ck = 1"),
            "Cannot provide custom TTL for counter updates");
  EXPECT_EQ(Error("DELETE FROM c USING TIMESTAMP 5 WHERE k = 1"),
            "Cannot provide custom timestamp for counter updates");
  EXPECT_EQ(Error("UPDATE c SET a = a + 1 WHERE k = 1 AND ck = 1 IF EXISTS"),
            "Conditional updates are not supported on counter tables");
  EXPECT_EQ(Error("UPDATE c SET a = a + 1.5 WHERE k = 1 AND ck = 1"),
            "Invalid FLOAT constant (1.5) for \"a\" of type counter");
  Run("CREATE TABLE plain (k int PRIMARY KEY, v int)");
  EXPECT_EQ(Error("UPDATE plain SET v = v + 1 WHERE k = 1"),
            "Invalid operation (v = v + 1) for non counter column v");
}

TEST_F(Counters, DeletionsAndReuse) {
  Run("UPDATE c SET a = a + 5, b = b + 1 WHERE k = 4 AND ck = 1");
  Run("DELETE a FROM c WHERE k = 4 AND ck = 1");
  EXPECT_EQ(Read("SELECT a, b FROM c WHERE k = 4 AND ck = 1"), "null,1");
  Run("UPDATE c SET a = a + 2 WHERE k = 4 AND ck = 1");  // counts from zero (docs/dev/counters.md)
  EXPECT_EQ(Read("SELECT a, b FROM c WHERE k = 4 AND ck = 1"), "2,1");
  Run("DELETE FROM c WHERE k = 4 AND ck = 1");
  EXPECT_EQ(Read("SELECT a FROM c WHERE k = 4 AND ck = 1"), "none");
  Run("UPDATE c SET b = b + 3 WHERE k = 4 AND ck = 1");
  EXPECT_EQ(Read("SELECT a, b FROM c WHERE k = 4 AND ck = 1"), "null,3");
  Run("DELETE FROM c WHERE k = 4");
  EXPECT_EQ(Read("SELECT a, b FROM c WHERE k = 4"), "none");
}

TEST_F(Counters, Batches) {
  Run("BEGIN COUNTER BATCH UPDATE c SET a = a + 1 WHERE k = 5 AND ck = 1; "
      "UPDATE c SET a = a + 1 WHERE k = 5 AND ck = 1; UPDATE c SET b = b + 1 WHERE k = 6 AND ck = 1; "
      "APPLY BATCH");
  Run("BEGIN UNLOGGED BATCH UPDATE c SET a = a + 1 WHERE k = 5 AND ck = 1; APPLY BATCH");
  EXPECT_EQ(Read("SELECT a FROM c WHERE k = 5 AND ck = 1"), "3");
  EXPECT_EQ(Read("SELECT b FROM c WHERE k = 6 AND ck = 1"), "1");
  Run("CREATE TABLE plain (k int PRIMARY KEY, v int)");
  EXPECT_EQ(Error("BEGIN BATCH UPDATE c SET a = a + 1 WHERE k = 5 AND ck = 1; APPLY BATCH"),
            "Cannot include a counter statement in a logged batch");
  EXPECT_EQ(Error("BEGIN COUNTER BATCH INSERT INTO plain (k, v) VALUES (1, 1); APPLY BATCH"),
            "Cannot include non-counter statement in a counter batch");
  EXPECT_EQ(Error("BEGIN UNLOGGED BATCH INSERT INTO plain (k, v) VALUES (1, 1); "
                  "UPDATE c SET a = a + 1 WHERE k = 5 AND ck = 1; APPLY BATCH"),
            "Counter and non-counter mutations cannot exist in the same batch");
  EXPECT_EQ(Error("BEGIN COUNTER BATCH USING TIMESTAMP 5 UPDATE c SET a = a + 1 WHERE k = 5 AND "
                  "ck = 1; APPLY BATCH"),
            "Cannot provide custom timestamp for counter BATCH");
  // The protocol BATCH message of type COUNTER.
  protocol::BatchRequest batch;
  batch.type = protocol::BatchRequest::Type::kCounter;
  batch.entries.push_back({false, "UPDATE c SET a = a + 10 WHERE k = 5 AND ck = 1", {}});
  ASSERT_TRUE(processor_->Batch(session_, batch).ok());
  EXPECT_EQ(Read("SELECT a FROM c WHERE k = 5 AND ck = 1"), "13");
  batch.type = protocol::BatchRequest::Type::kLogged;
  auto logged = processor_->Batch(session_, batch);
  ASSERT_FALSE(logged.ok());
  EXPECT_EQ(logged.status().message(), "Cannot include a counter statement in a logged batch");
  batch.type = protocol::BatchRequest::Type::kCounter;
  batch.entries = {{false, "INSERT INTO plain (k, v) VALUES (2, 2)", {}}};
  auto mixed = processor_->Batch(session_, batch);
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.status().message(), "Cannot include non-counter statement in a counter batch");
  EXPECT_EQ(Read("SELECT v FROM plain WHERE k = 2"), "none");
}

// Cassandra answers a counter write that times out with WriteTimeout, write_type COUNTER; Sibyl
// checks the deadline before the write, so nothing was applied (docs/dev/counters.md).
TEST_F(Counters, WriteTimeoutSaysCounterAndAppliesNothing) {
  session_.received = RequestContext::Clock::now() - std::chrono::seconds(60);
  auto write = Query("UPDATE c SET a = a + 1 WHERE k = 7 AND ck = 1");
  ASSERT_EQ(write.status().code(), ErrorCode::kWriteTimeout);
  EXPECT_EQ(std::get<TimeoutDetail>(write.status().detail()).write_type, "COUNTER");
  auto batch = Query("BEGIN COUNTER BATCH UPDATE c SET a = a + 1 WHERE k = 7 AND ck = 1; APPLY BATCH");
  ASSERT_EQ(batch.status().code(), ErrorCode::kWriteTimeout);
  EXPECT_EQ(std::get<TimeoutDetail>(batch.status().detail()).write_type, "COUNTER");
  session_.received = {};
  EXPECT_EQ(Read("SELECT a FROM c WHERE k = 7 AND ck = 1"), "none");
}

}  // namespace
}  // namespace sibyl::query
