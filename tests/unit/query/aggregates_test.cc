// Native aggregates and GROUP BY (issue 13): each aggregate's result type, Java overflow, null
// and empty handling as Cassandra 4.1's AggregateFcts, and the processor path (column names,
// aggregates with plain columns, GROUP BY groups, LIMIT and paging by groups, refusals).
// Expected values follow Cassandra 4.1 AggregationTest / SelectGroupByTest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cql/types/value.h"
#include "query/functions/aggregate_functions.h"
#include "query/functions/function.h"
#include "query/functions/numeric.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

using cql::types::Kind;
using cql::types::Type;
using testing::HasSubstr;

std::string Bytes(Kind kind, const std::string& literal) {
  cql::types::LiteralKind lk = cql::types::LiteralKind::kInteger;
  if (literal.find_first_of(".eEN") != std::string::npos) lk = cql::types::LiteralKind::kFloat;
  if (kind == Kind::kVarchar) lk = cql::types::LiteralKind::kString;
  auto v = cql::types::ParseLiteral(Type(kind), lk, literal, "x");
  EXPECT_TRUE(v.ok()) << literal << ": " << v.status().ToString();
  return v.ok() ? *v : std::string();
}

// Runs the aggregate `name` over `type` on the values (nullopt: null) and renders the result
// (Java's toString for numbers, "null").
std::string Aggregate(const std::string& name, Kind kind,
                      const std::vector<std::optional<std::string>>& literals) {
  const functions::NativeFunction* f = nullptr;
  for (const auto* candidate : functions::FindNativeFunctions(name)) {
    if (candidate->arg_types.size() == 1 && candidate->arg_types[0] == Type(kind)) f = candidate;
  }
  if (f == nullptr || !f->IsAggregate()) return "no such aggregate";
  auto state = f->new_aggregate();
  for (const auto& literal : literals) {
    cql::types::Value v;
    if (literal) v = literal->empty() ? std::string() : Bytes(kind, *literal);
    Status s = state->Add({v});
    if (!s.ok()) return s.ToString();
  }
  auto result = state->Compute();
  if (!result.ok()) return result.status().ToString();
  if (!*result) return "null";
  const Kind out = f->return_type.kind();
  if (functions::IsNumeric(out)) return functions::NumberToJavaString(out, **result);
  return cql::types::ToCqlLiteral(f->return_type, **result);
}

TEST(Aggregates, SumWrapsAsJavaInTheArgumentType) {
  EXPECT_EQ(Aggregate("sum", Kind::kInt, {"2147483647", "1"}), "-2147483648");
  EXPECT_EQ(Aggregate("sum", Kind::kTinyint, {"127", "1"}), "-128");
  EXPECT_EQ(Aggregate("sum", Kind::kSmallint, {"32767", "2"}), "-32767");
  EXPECT_EQ(Aggregate("sum", Kind::kBigint, {"9223372036854775807", "1"}), "-9223372036854775808");
  EXPECT_EQ(Aggregate("sum", Kind::kCounter, {"5", "-7"}), "-2");
  EXPECT_EQ(Aggregate("sum", Kind::kVarint, {"9223372036854775807", "1"}), "9223372036854775808");
  EXPECT_EQ(Aggregate("sum", Kind::kDecimal, {"11.5", "1.5", "2.0"}), "15.0");
}

TEST(Aggregates, AvgOfIntegersIsExactThenNarrowed) {
  // AvgAggregate sums in a long that widens to BigInteger: no overflow in the mean.
  EXPECT_EQ(Aggregate("avg", Kind::kInt, {"2147483647", "2147483647"}), "2147483647");
  EXPECT_EQ(Aggregate("avg", Kind::kInt, {"1", "2"}), "1");
  EXPECT_EQ(Aggregate("avg", Kind::kInt, {"-1", "-2"}), "-1");  // truncates toward zero
  EXPECT_EQ(Aggregate("avg", Kind::kBigint, {"9223372036854775807", "9223372036854775807"}),
            "9223372036854775807");
  EXPECT_EQ(Aggregate("avg", Kind::kTinyint, {"100", "100", "101"}), "100");
  EXPECT_EQ(Aggregate("avg", Kind::kVarint, {"7", "8"}), "7");
  // The running mean avg += (x - avg) / n at the scale of x - avg (AggregationTest: 5.0).
  EXPECT_EQ(Aggregate("avg", Kind::kDecimal, {"11.5", "1.5", "2.0"}), "5.0");
  // 1, then 1 + (2 - 1).divide(2, HALF_EVEN) at scale 0 = 1 + 0.
  EXPECT_EQ(Aggregate("avg", Kind::kDecimal, {"1", "2"}), "1");
}

TEST(Aggregates, FloatingPointSumsAreCompensated) {
  EXPECT_EQ(Aggregate("sum", Kind::kDouble, {"11.5", "9.5", "9.0"}), "30.0");
  EXPECT_EQ(Aggregate("avg", Kind::kDouble, {"11.5", "9.5", "9.0"}), "10.0");
  // Kahan summation: 0.1 ten times is 1.0 (a plain double sum gives 0.9999999999999999).
  std::vector<std::optional<std::string>> tenths(10, std::string("0.1"));
  EXPECT_EQ(Aggregate("sum", Kind::kDouble, tenths), "1.0");
  EXPECT_EQ(Aggregate("sum", Kind::kFloat, {"1.5", "2.25"}), "3.75");
  // An overflowing double sum continues in BigDecimal for avg.
  EXPECT_EQ(Aggregate("avg", Kind::kDouble, {"1.0E308", "1.0E308"}), "1.0E308");
  EXPECT_EQ(Aggregate("sum", Kind::kDouble, {"1.0E308", "1.0E308"}), "Infinity");
}

TEST(Aggregates, NoRowsAndNulls) {
  EXPECT_EQ(Aggregate("sum", Kind::kInt, {}), "0");
  EXPECT_EQ(Aggregate("avg", Kind::kInt, {}), "0");
  EXPECT_EQ(Aggregate("avg", Kind::kDouble, {}), "0.0");
  EXPECT_EQ(Aggregate("sum", Kind::kDecimal, {}), "0");
  EXPECT_EQ(Aggregate("max", Kind::kInt, {}), "null");
  EXPECT_EQ(Aggregate("min", Kind::kVarchar, {std::nullopt}), "null");
  EXPECT_EQ(Aggregate("count", Kind::kInt, {"1", std::nullopt, "3"}), "2");
  EXPECT_EQ(Aggregate("avg", Kind::kInt, {"4", std::nullopt}), "4");
  // An empty value is no number for sum/avg, but it is a value for count.
  EXPECT_EQ(Aggregate("sum", Kind::kInt, {"4", ""}), "4");
  EXPECT_EQ(Aggregate("count", Kind::kInt, {"4", ""}), "2");
}

TEST(Aggregates, MinMaxFollowTheTypesOrder) {
  EXPECT_EQ(Aggregate("max", Kind::kInt, {"-5", "3", "-10"}), "3");
  EXPECT_EQ(Aggregate("min", Kind::kInt, {"-5", "3", "-10"}), "-10");
  EXPECT_EQ(Aggregate("max", Kind::kVarchar, {"b", "ab", "c"}), "'c'");
  EXPECT_EQ(Aggregate("min", Kind::kDecimal, {"1.50", "1.4", "10"}), "1.4");
  EXPECT_EQ(Aggregate("max", Kind::kVarint, {"-100", "99"}), "99");
}

TEST(Aggregates, RegisteredSignatures) {
  // sum/avg of every number type; count/min/max of every native type but varchar (= text).
  EXPECT_EQ(functions::FindNativeFunctions("sum").size(), 9u);
  EXPECT_EQ(functions::FindNativeFunctions("avg").size(), 9u);
  EXPECT_EQ(functions::FindNativeFunctions("max").size(), 20u);
  EXPECT_EQ(functions::FindNativeFunctions("countRows").size(), 1u);
  EXPECT_EQ(functions::FindNativeFunctions("sum")[0]->Signature(), "system.sum : (tinyint) -> tinyint");
}

// ---- through the processor ----------------------------------------------------------------------

class AggregateQueries : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    Run("USE ks");
    Run("CREATE TABLE t (a int, b int, c int, d int, PRIMARY KEY (a, b, c))");
  }

  // The rows of a SELECT rendered as "v1 v2 | v1 v2" with Java number strings, or the error.
  std::string Rows(const std::string& cql, int32_t page_size = 0,
                   std::optional<std::string>* paging_state = nullptr) {
    protocol::QueryParameters params;
    params.page_size = page_size;
    if (paging_state != nullptr && *paging_state) params.paging_state = **paging_state;
    auto result = processor_->Query(session_, cql, params);
    if (!result.ok()) return result.status().message();
    const auto* rows = std::get_if<protocol::RowsResult>(&*result);
    if (rows == nullptr) return "not rows";
    if (paging_state != nullptr) *paging_state = rows->metadata.paging_state;
    std::string out;
    for (const auto& row : rows->rows) {
      if (!out.empty()) out += " | ";
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) out += " ";
        const Type& type = rows->metadata.columns[i].type;
        if (!row[i]) {
          out += "null";
        } else if (functions::IsNumeric(type.kind())) {
          out += functions::NumberToJavaString(type.kind(), *row[i]);
        } else {
          out += cql::types::ToCqlLiteral(type, *row[i]);
        }
      }
    }
    return out;
  }

  std::vector<std::string> Names(const std::string& cql) {
    auto result = Query(cql);
    std::vector<std::string> out;
    if (!result.ok()) return {result.status().message()};
    for (const auto& c : std::get<protocol::RowsResult>(*result).metadata.columns) out.push_back(c.name);
    return out;
  }

  void Fill() {
    // SelectGroupByTest's data.
    Run("INSERT INTO t (a, b, c, d) VALUES (1, 2, 1, 3)");
    Run("INSERT INTO t (a, b, c, d) VALUES (1, 2, 2, 6)");
    Run("INSERT INTO t (a, b, c, d) VALUES (1, 3, 2, 12)");
    Run("INSERT INTO t (a, b, c, d) VALUES (1, 4, 2, 12)");
    Run("INSERT INTO t (a, b, c, d) VALUES (1, 4, 3, 6)");
    Run("INSERT INTO t (a, b, c, d) VALUES (2, 2, 3, 3)");
    Run("INSERT INTO t (a, b, c, d) VALUES (2, 4, 3, 6)");
    Run("INSERT INTO t (a, b, c, d) VALUES (4, 8, 2, 12)");
  }
};

TEST_F(AggregateQueries, EmptyTableAndColumnNames) {
  EXPECT_EQ(Rows("SELECT count(*), max(b), sum(d), avg(d), b FROM t"), "0 null 0 0 null");
  EXPECT_THAT(Names("SELECT count(*), count(1) AS n, max(b), sum(d), b, writetime(d) FROM t"),
              testing::ElementsAre("count", "n", "system.max(b)", "system.sum(d)", "b",
                                   "writetime(d)"));
  EXPECT_THAT(Names("SELECT count(writetime(d)), min(ttl(d)) AS m FROM t"),
              testing::ElementsAre("system.count(writetime(d))", "m"));
}

TEST_F(AggregateQueries, AggregatesWithColumnsShowTheFirstRow) {
  Fill();
  EXPECT_EQ(Rows("SELECT count(*), max(d), a, b, d FROM t WHERE a = 1"), "5 12 1 2 3");
  EXPECT_EQ(Rows("SELECT count(d), sum(d), avg(d), min(c) FROM t WHERE a = 1 LIMIT 2"), "5 39 7 1");
  EXPECT_EQ(Rows("SELECT abs(max(d) - 20), max(d - 20) FROM t WHERE a = 1"), "8 -8");
  EXPECT_EQ(Rows("SELECT max(sum(d)) FROM t"),
            "aggregate functions cannot be used as arguments of aggregate functions");
  EXPECT_THAT(Rows("SELECT sum(CAST(d AS text)) FROM t"),
              HasSubstr("Invalid call to function sum, none of its type signatures match (known "
                        "type signatures: system.sum : (tinyint) -> tinyint, "));
}

TEST_F(AggregateQueries, GroupByPartitionAndClusteringPrefix) {
  Fill();
  EXPECT_EQ(Rows("SELECT a, b, c, d, count(*), max(d) FROM t GROUP BY a"),
            "1 2 1 3 5 12 | 2 2 3 3 2 6 | 4 8 2 12 1 12");
  EXPECT_EQ(Rows("SELECT a, b, count(*), sum(d) FROM t WHERE a = 1 GROUP BY a, b"),
            "1 2 2 9 | 1 3 1 12 | 1 4 2 18");
  EXPECT_EQ(Rows("SELECT a, b, c FROM t WHERE a = 1 GROUP BY a, b"), "1 2 1 | 1 3 2 | 1 4 2");
  EXPECT_EQ(Rows("SELECT a, b, count(*) FROM t WHERE a = 1 GROUP BY b"), "1 2 2 | 1 3 1 | 1 4 2");
  EXPECT_EQ(Rows("SELECT a, b, count(*) FROM t GROUP BY a, b LIMIT 4"),
            "1 2 2 | 1 3 1 | 1 4 2 | 2 2 1");
  EXPECT_EQ(Rows("SELECT a, b, count(*) FROM t GROUP BY a, b PER PARTITION LIMIT 1"),
            "1 2 2 | 2 2 1 | 4 8 1");
  EXPECT_EQ(Rows("SELECT a, b, count(*) FROM t WHERE a = 1 GROUP BY a, b ORDER BY b DESC"),
            "1 4 2 | 1 3 1 | 1 2 2");
  EXPECT_EQ(Rows("SELECT a, b, count(*) FROM t WHERE d = 12 GROUP BY a, b ALLOW FILTERING"),
            "1 3 1 | 1 4 1 | 4 8 1");
}

TEST_F(AggregateQueries, GroupByPagesCountGroups) {
  Fill();
  std::string all = Rows("SELECT a, b, count(*), sum(d) FROM t GROUP BY a, b");
  for (int page_size : {1, 2, 3, 5}) {
    std::optional<std::string> state;
    std::string joined;
    for (int pages = 0; pages < 20; ++pages) {
      std::string page = Rows("SELECT a, b, count(*), sum(d) FROM t GROUP BY a, b", page_size, &state);
      if (!page.empty()) joined += (joined.empty() ? "" : " | ") + page;
      if (!state) break;
    }
    EXPECT_EQ(joined, all) << "page size " << page_size;
  }
  std::optional<std::string> state;
  EXPECT_EQ(Rows("SELECT a, b, count(*) FROM t GROUP BY a, b", 2, &state), "1 2 2 | 1 3 1");
  ASSERT_TRUE(state.has_value());
}

TEST_F(AggregateQueries, GroupByRefusals) {
  EXPECT_EQ(Rows("SELECT a, count(*) FROM t GROUP BY a, d"),
            "Group by is currently only supported on the columns of the PRIMARY KEY, got d");
  EXPECT_EQ(Rows("SELECT a, count(*) FROM t WHERE a = 1 GROUP BY c"),
            "Group by currently only support groups of columns following their declared order in "
            "the PRIMARY KEY");
  EXPECT_EQ(Rows("SELECT a, count(*) FROM t GROUP BY a, a"),
            "Group by currently only support groups of columns following their declared order in "
            "the PRIMARY KEY");
  EXPECT_EQ(Rows("SELECT DISTINCT a FROM t GROUP BY a, b"),
            "Grouping on clustering columns is not allowed for SELECT DISTINCT queries");
  Run("CREATE TABLE t2 (a int, b int, c int, PRIMARY KEY ((a, b), c))");
  EXPECT_EQ(Rows("SELECT a, count(*) FROM t2 GROUP BY a"),
            "Group by is not supported on only a part of the partition key");
  EXPECT_EQ(Rows("SELECT a, count(*) FROM t GROUP BY zz"), "Undefined column name zz in table ks.t");
}

// Cassandra 4.1 SelectStatement.validateDistinctSelection: Selection.getColumns() (the columns
// the selectors read; count(*) reads none) must hold every partition key column when the query
// reads a range of partitions, and only partition key and static columns.
TEST_F(AggregateQueries, DistinctAggregatesNeedThePartitionKeyOverARange) {
  Fill();
  Run("CREATE TABLE st (a int, b int, s int static, v int, PRIMARY KEY (a, b))");
  Run("INSERT INTO st (a, b, s, v) VALUES (1, 1, 7, 1)");
  EXPECT_EQ(Rows("SELECT DISTINCT count(*) FROM t"),
            "SELECT DISTINCT queries must request all the partition key columns (missing a)");
  EXPECT_EQ(Rows("SELECT DISTINCT max(s) FROM st"),
            "SELECT DISTINCT queries must request all the partition key columns (missing a)");
  EXPECT_EQ(Rows("SELECT DISTINCT a, max(v) FROM st"),
            "SELECT DISTINCT queries must only request partition key columns and/or static "
            "columns (not v)");
  EXPECT_EQ(Rows("SELECT DISTINCT count(a) FROM t"), "3");
  EXPECT_EQ(Rows("SELECT DISTINCT a, count(*) FROM t"), "1 3");
  EXPECT_EQ(Rows("SELECT DISTINCT count(*) FROM t WHERE a = 1"), "1");
  EXPECT_EQ(Rows("SELECT DISTINCT max(s) FROM st WHERE a = 1"), "7");
}

// TokenFct.execute is null for a null key: the row of aggregates over no rows has a null
// token(k), as its plain columns are null.
TEST_F(AggregateQueries, TokenOfTheRowOverNoRowsIsNull) {
  EXPECT_EQ(Rows("SELECT token(a), count(*), a FROM t WHERE a = 5"), "null 0 null");
  EXPECT_EQ(Rows("SELECT toJson(token(a)), count(*) FROM t WHERE a = 5"), "'null' 0");
  Fill();
  EXPECT_EQ(Rows("SELECT token(a), count(*) FROM t WHERE a = 1"), "-4069959284402364209 5");
}

// Cassandra 4.1's Parser.g applies selectorModifier to any selector: a field of a function's
// result parses, and Selectable.WithFieldSelection refuses a result that is not a UDT (max of a
// UDT is the blob overload in 4.1, so max(u).x is refused too).
TEST_F(AggregateQueries, FieldOfAFunctionsResultIsRefusedAsCassandra) {
  Run("CREATE TYPE pt (x int, y text)");
  Run("CREATE TABLE fu (k int PRIMARY KEY, u frozen<pt>)");
  Run("INSERT INTO fu (k, u) VALUES (1, {x: 3, y: 'a'})");
  EXPECT_EQ(Rows("SELECT max(k).x FROM fu"),
            "Invalid field selection: system.max(k) of type int is not a user type");
  EXPECT_EQ(Rows("SELECT max(u).x FROM fu"),
            "Invalid field selection: system.max(u) of type blob is not a user type");
  EXPECT_EQ(Rows("SELECT count(*).x FROM fu"),
            "Invalid field selection: count of type bigint is not a user type");
  EXPECT_EQ(Rows("SELECT CAST(k AS text).x FROM fu"),
            "Invalid field selection: cast(k as text) of type text is not a user type");
  EXPECT_EQ(Rows("SELECT (u).x, (u).y FROM fu"), "3 'a'");
  EXPECT_EQ(Rows("SELECT max(u) FROM fu"), "0x00000004000000030000000161");
}

// Aggregates read page by page like any read: past its deadline or cancelled, a request stops
// with ReadTimeout (issue 9 item 4), with or without GROUP BY.
TEST_F(AggregateQueries, AggregatesHonourTheRequestDeadline) {
  Fill();
  session_.received = RequestContext::Clock::now() - std::chrono::seconds(60);
  EXPECT_EQ(Query("SELECT count(*), sum(d) FROM t").status().code(), ErrorCode::kReadTimeout);
  EXPECT_EQ(Query("SELECT a, max(d) FROM t WHERE a = 1 GROUP BY a, b").status().code(),
            ErrorCode::kReadTimeout);
  session_.received = RequestContext::Clock::now();
  auto cancel = std::make_shared<CancelToken>();
  session_.cancel = cancel;
  cancel->Cancel();
  EXPECT_EQ(Query("SELECT count(*) FROM t").status().code(), ErrorCode::kReadTimeout);
  session_.cancel = nullptr;
}

}  // namespace
}  // namespace sibyl::query
