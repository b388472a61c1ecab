// Issue 10 (items 2, 7, 8, 13, 16): the data mechanisms give Cassandra 4.1's answers through the
// real processor over a RocksDB engine in a temporary directory. End-to-end twins with the
// Python driver are in tests/e2e/test_cassandra_answers_data.py.
#include <gtest/gtest.h>

#include "cql/types/numbers.h"
#include "cql/types/value.h"
#include "query/processor.h"
#include "storage/rocksdb_engine.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

std::string Collection(const std::vector<std::string>& elements) {
  std::string out = types::SerializeInt(static_cast<int32_t>(elements.size()));
  for (const auto& e : elements) out += types::SerializeInt(static_cast<int32_t>(e.size())) + e;
  return out;
}
std::string I(int32_t v) { return types::SerializeInt(v); }

class DataAnswers : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 1}");
    session_.keyspace = "ks";
  }

  Result<protocol::ResultMessage> Query(const std::string& cql,
                                        std::vector<std::string> values = {}) {
    protocol::QueryParameters params;
    for (auto& v : values) params.values.push_back(protocol::BoundValue::Of(std::move(v)));
    return processor_->Query(session_, cql, params);
  }

  void Run(const std::string& cql, std::vector<std::string> values = {}) {
    auto result = Query(cql, std::move(values));
    ASSERT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
  }

  std::vector<std::vector<types::Value>> Rows(const std::string& cql,
                                              std::vector<std::string> values = {}) {
    auto result = Query(cql, std::move(values));
    EXPECT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
    if (!result.ok()) return {};
    return std::get<protocol::RowsResult>(*result).rows;
  }

};

// Item 2: Sets.Value.fromSerialized sorts and de-duplicates a bound set, for every column kind,
// so the partition key's token and a clustering lookup see one value.
TEST_F(DataAnswers, BoundSetsAreStoredSortedInEveryColumnKind) {
  Run("CREATE TABLE t (p frozen<set<int>>, c frozen<set<int>>, s frozen<set<int>> static, "
      "r frozen<list<frozen<set<int>>>>, PRIMARY KEY (p, c))");
  const std::string unsorted = Collection({I(3), I(1), I(2), I(1)});
  const std::string sorted = Collection({I(1), I(2), I(3)});
  Run("INSERT INTO t (p, c, s, r) VALUES (?, ?, ?, ?)",
      {unsorted, unsorted, unsorted, Collection({unsorted})});
  auto rows = Rows("SELECT p, c, s, r FROM t WHERE p = ? AND c = ?", {sorted, sorted});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], sorted);
  EXPECT_EQ(rows[0][1], sorted);
  EXPECT_EQ(rows[0][2], sorted);
  EXPECT_EQ(rows[0][3], Collection({sorted}));
  // Found with the elements in any order, and by an IN list of sets.
  EXPECT_EQ(Rows("SELECT p FROM t WHERE p = ? AND c = ?", {unsorted, Collection({I(2), I(3), I(1)})})
                .size(),
            1u);
  EXPECT_EQ(Rows("SELECT p FROM t WHERE p = ? AND c IN ?", {sorted, Collection({unsorted})}).size(),
            1u);
}

// Item 2 for literals: Lists/Sets/Maps/Tuples.Literal are built, validated and normalised like
// bound values, with Cassandra's texts when they cannot be.
TEST_F(DataAnswers, CollectionLiteralsAreNormalisedAndChecked) {
  Run("CREATE TABLE t (p frozen<set<int>>, m frozen<map<int, text>>, "
      "u frozen<tuple<int, frozen<list<frozen<set<int>>>>>>, PRIMARY KEY (p))");
  Run("INSERT INTO t (p, m, u) VALUES ({3, 1, 2, 1}, {2: 'b', 1: 'a', 2: 'z'}, (7, [{2, 1}, {}]))");
  auto rows = Rows("SELECT p, m, u FROM t WHERE p = {1, 2, 3}");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], Collection({I(1), I(2), I(3)}));
  EXPECT_EQ(rows[0][1], Collection({I(1), "a", I(2), "z"}).replace(0, 4, I(2)));
  const std::string list = Collection({Collection({I(1), I(2)}), Collection({})});
  EXPECT_EQ(rows[0][2], I(4) + I(7) + I(static_cast<int32_t>(list.size())) + list);
  // Markers inside a literal are bound per request.
  EXPECT_EQ(Rows("SELECT p FROM t WHERE p = {?, 1, ?}", {I(3), I(2)}).size(), 1u);
  auto status = [&](const std::string& cql) { return Query(cql).status(); };
  EXPECT_EQ(status("INSERT INTO t (p) VALUES ({1, null})").message(),
            "null is not supported inside collections");
  EXPECT_EQ(status("INSERT INTO t (p) VALUES ([1])").message(),
            "Invalid list literal for p of type frozen<set<int>>");
  EXPECT_EQ(status("INSERT INTO t (p, u) VALUES ({1}, (1, [], 3))").code(), ErrorCode::kInvalid);
  EXPECT_EQ(status("INSERT INTO t (p, m) VALUES ({1}, {1: 2})").code(), ErrorCode::kInvalid);
}

// Item 7: a row created by UPDATE (no row marker) whose only cell belongs to a dropped column
// is gone (Cassandra skips the dropped column's cells older than the drop).
TEST_F(DataAnswers, RowsOfOnlyDroppedCellsDisappear) {
  Run("CREATE TABLE t (k int PRIMARY KEY, x int, y int)");
  Run("UPDATE t SET x = 1 WHERE k = 0");
  Run("UPDATE t SET x = 1, y = 2 WHERE k = 1");
  Run("ALTER TABLE t DROP x");
  EXPECT_EQ(Rows("SELECT * FROM t").size(), 1u);
  EXPECT_TRUE(Rows("SELECT * FROM t WHERE k = 0").empty());
  auto count = Rows("SELECT count(*) FROM t");
  ASSERT_EQ(count.size(), 1u);
  EXPECT_EQ(types::DeserializeBigint(*count[0][0]), 1);
  Run("ALTER TABLE t ADD x int");
  EXPECT_TRUE(Rows("SELECT * FROM t WHERE k = 0").empty());
  Run("UPDATE t SET x = 3 WHERE k = 0");
  EXPECT_EQ(Rows("SELECT * FROM t WHERE k = 0").size(), 1u);
}

// Item 8: DecimalType keeps the scale written; values that compare equal are one row.
TEST_F(DataAnswers, DecimalClusteringValuesKeepTheirBytes) {
  Run("CREATE TABLE t (p int, c decimal, v int, PRIMARY KEY (p, c))");
  const std::string written = *types::DecimalFromText("123.0");
  Run("INSERT INTO t (p, c, v) VALUES (0, ?, 1)", {written});
  auto rows = Rows("SELECT c, v FROM t WHERE p = 0");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], written);
  EXPECT_EQ(Rows("SELECT v FROM t WHERE p = 0 AND c = 123").size(), 1u);
  // Deleting the row deletes its bytes.
  Run("DELETE FROM t WHERE p = 0 AND c = 123");
  EXPECT_TRUE(Rows("SELECT c FROM t WHERE p = 0").empty());
  Run("INSERT INTO t (p, c, v) VALUES (0, 123.000, 1)");
  rows = Rows("SELECT c FROM t WHERE p = 0");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], *types::DecimalFromText("123.000"));
}

// Item 8 for UPDATE: the later write of an equal value is the same row and keeps its own bytes.
TEST_F(DataAnswers, UpdateKeepsTheDecimalClusteringBytesItWrites) {
  Run("CREATE TABLE t (p int, c decimal, v int, PRIMARY KEY (p, c))");
  Run("INSERT INTO t (p, c, v) VALUES (0, 123.0, 1)");
  const std::string later = *types::DecimalFromText("123.00");
  Run("UPDATE t SET v = 2 WHERE p = 0 AND c = ?", {later});
  auto rows = Rows("SELECT c, v FROM t WHERE p = 0");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], later);
  EXPECT_EQ(types::DeserializeInt(*rows[0][1]), 2);
  // A row UPDATE creates keeps its bytes too, also through IN.
  Run("UPDATE t SET v = 3 WHERE p = 1 AND c IN (1.50, 2.0)");
  rows = Rows("SELECT c FROM t WHERE p = 1");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], *types::DecimalFromText("1.50"));
  EXPECT_EQ(rows[1][0], *types::DecimalFromText("2.0"));
}

// Items 13 and 16: QueryProcessor.validateKey on the serialized partition key.
TEST_F(DataAnswers, PartitionKeysAreValidatedAsSerialized) {
  Run("CREATE TABLE t (a text, b text, v int, PRIMARY KEY ((a, b)))");
  Run("INSERT INTO t (a, b, v) VALUES ('', '', 1)");
  auto rows = Rows("SELECT v FROM t WHERE a = '' AND b = ''");
  ASSERT_EQ(rows.size(), 1u);
  auto too_long = Query("INSERT INTO t (a, b, v) VALUES (?, 'b', 1)", {std::string(65533, 'x')});
  EXPECT_EQ(too_long.status().code(), ErrorCode::kInvalid);
  EXPECT_EQ(too_long.status().message(), "Key length of 65540 is longer than maximum of 65535");
  Run("CREATE TABLE one (k text PRIMARY KEY, v int)");
  EXPECT_EQ(Query("INSERT INTO one (k, v) VALUES ('', 1)").status().message(),
            "Key may not be empty");
  EXPECT_EQ(Query("SELECT * FROM one WHERE k = ?", {std::string(65536, 'k')}).status().message(),
            "Key length of 65536 is longer than maximum of 65535");
}


// Issue 14: a SELECT of plain columns, each once, moves the values of the rows it reads into its
// result instead of copying them. Every projection still gets every value: a static value shared
// by the partition's rows, a column selected twice, a filtered column, pages, a statement run
// again.
TEST_F(DataAnswers, EveryProjectionGetsEveryValueOfTheRowsItReads) {
  Run("CREATE TABLE t (p int, c int, s text static, v text, PRIMARY KEY (p, c))");
  for (int c = 1; c <= 3; ++c) {
    Run("INSERT INTO t (p, c, s, v) VALUES (1, ?, 'shared', ?)", {I(c), "v" + std::to_string(c)});
  }
  const std::vector<std::vector<types::Value>> all = {
      {I(1), I(1), "shared", "v1"}, {I(1), I(2), "shared", "v2"}, {I(1), I(3), "shared", "v3"}};
  for (int run = 0; run < 2; ++run) {  // the second run reuses the prepared statement
    EXPECT_EQ(Rows("SELECT p, c, s, v FROM t WHERE p = 1"), all);
  }
  EXPECT_EQ(Rows("SELECT v, v, s, s FROM t WHERE p = 1 AND c = 2"),
            (std::vector<std::vector<types::Value>>{{"v2", "v2", "shared", "shared"}}));
  EXPECT_EQ(Rows("SELECT c, v FROM t WHERE p = 1 AND v = 'v3' ALLOW FILTERING"),
            (std::vector<std::vector<types::Value>>{{I(3), "v3"}}));
  EXPECT_EQ(Rows("SELECT v, writetime(v) FROM t WHERE p = 1 AND c = 1").at(0).at(0), "v1");

  protocol::QueryParameters params;
  params.page_size = 2;
  std::vector<std::vector<types::Value>> paged;
  for (int page = 0; page < 3; ++page) {
    auto result = processor_->Query(session_, "SELECT p, c, s, v FROM t WHERE p = 1", params);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    const auto& rows = std::get<protocol::RowsResult>(*result);
    paged.insert(paged.end(), rows.rows.begin(), rows.rows.end());
    if (!rows.metadata.paging_state) break;
    params.paging_state = rows.metadata.paging_state;
  }
  EXPECT_EQ(paged, all);

  // A partition of a table without clustering columns (a point read of the row cache).
  Run("CREATE TABLE kv (k text PRIMARY KEY, v blob)");
  Run("INSERT INTO kv (k, v) VALUES ('a', 0xcafe)");
  for (int run = 0; run < 3; ++run) {
    EXPECT_EQ(Rows("SELECT v, k FROM kv WHERE k = 'a'"),
              (std::vector<std::vector<types::Value>>{{std::string("\xca\xfe"), "a"}}));
  }
}

}  // namespace
}  // namespace sibyl::query
