// Literal parsing, validation and rendering of scalar values, with Cassandra's error texts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>

#include "cql/types/value.h"

namespace sibyl::cql::types {
namespace {

using testing::HasSubstr;

std::string Lit(Kind kind, LiteralKind lk, const std::string& text) {
  auto v = ParseLiteral(Type(kind), lk, text, "c");
  EXPECT_TRUE(v.ok()) << text << ": " << v.status().ToString();
  return v.ok() ? ToCqlLiteral(Type(kind), *v) : "<error>";
}

Status LitError(Kind kind, LiteralKind lk, const std::string& text) {
  auto v = ParseLiteral(Type(kind), lk, text, "c");
  return v.ok() ? Status::OK() : v.status();
}

TEST(ParseLiteral, IntegersWithRangeChecks) {
  EXPECT_EQ(Lit(Kind::kInt, LiteralKind::kInteger, "-42"), "-42");
  EXPECT_EQ(Lit(Kind::kBigint, LiteralKind::kInteger, "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(Lit(Kind::kTinyint, LiteralKind::kInteger, "127"), "127");
  Status s = LitError(Kind::kInt, LiteralKind::kInteger, "3000000000");
  EXPECT_EQ(s.code(), ErrorCode::kInvalid);
  EXPECT_THAT(s.message(), HasSubstr("Invalid INTEGER constant (3000000000) for \"c\" of type int"));
  EXPECT_EQ(LitError(Kind::kSmallint, LiteralKind::kInteger, "32768").code(), ErrorCode::kInvalid);
  s = LitError(Kind::kInt, LiteralKind::kString, "abc");
  EXPECT_THAT(s.message(), HasSubstr("Invalid STRING constant (abc) for \"c\" of type int"));
}

TEST(ParseLiteral, VarintAndDecimalKeepEveryDigit) {
  EXPECT_EQ(Lit(Kind::kVarint, LiteralKind::kInteger, "123456789012345678901234567890"),
            "123456789012345678901234567890");
  EXPECT_EQ(Lit(Kind::kVarint, LiteralKind::kInteger, "-128"), "-128");
  EXPECT_EQ(Lit(Kind::kDecimal, LiteralKind::kFloat, "123.456"), "123.456");
  EXPECT_EQ(Lit(Kind::kDecimal, LiteralKind::kFloat, "-0.001"), "-0.001");
  EXPECT_EQ(Lit(Kind::kDecimal, LiteralKind::kInteger, "42"), "42");
}

TEST(ParseLiteral, FloatingPointSpecials) {
  EXPECT_EQ(Lit(Kind::kDouble, LiteralKind::kFloat, "NaN"), "NaN");
  EXPECT_EQ(Lit(Kind::kDouble, LiteralKind::kFloat, "-Infinity"), "-Infinity");
  EXPECT_EQ(Lit(Kind::kFloat, LiteralKind::kFloat, "1.5"), "1.5");
  EXPECT_EQ(Lit(Kind::kDouble, LiteralKind::kInteger, "3"), "3");
}

TEST(ParseLiteral, TimestampsDatesAndTimes) {
  EXPECT_EQ(Lit(Kind::kTimestamp, LiteralKind::kString, "2020-01-02 03:04:05.678+0000"),
            "'2020-01-02T03:04:05.678Z'");
  EXPECT_EQ(Lit(Kind::kTimestamp, LiteralKind::kString, "2020-01-02T03:04:05+01:00"),
            "'2020-01-02T02:04:05.000Z'");
  EXPECT_EQ(Lit(Kind::kTimestamp, LiteralKind::kString, "2011-02-03"), "'2011-02-03T00:00:00.000Z'");
  EXPECT_EQ(Lit(Kind::kTimestamp, LiteralKind::kInteger, "0"), "'1970-01-01T00:00:00.000Z'");
  EXPECT_EQ(Lit(Kind::kDate, LiteralKind::kString, "2020-02-29"), "'2020-02-29'");
  EXPECT_EQ(Lit(Kind::kDate, LiteralKind::kString, "1969-12-31"), "'1969-12-31'");
  EXPECT_EQ(Lit(Kind::kTime, LiteralKind::kString, "13:45:59.123456789"), "'13:45:59.123456789'");
  Status s = LitError(Kind::kTimestamp, LiteralKind::kString, "yesterday");
  EXPECT_THAT(s.message(), HasSubstr("Unable to coerce 'yesterday' to a formatted date (long)"));
  EXPECT_EQ(LitError(Kind::kDate, LiteralKind::kString, "2021-02-29").code(), ErrorCode::kInvalid);
  EXPECT_EQ(LitError(Kind::kTime, LiteralKind::kString, "25:00:00").code(), ErrorCode::kInvalid);
  // Any 8 bytes are a timestamp: the extremes render without overflow (found by fuzz_value
  // under UBSan: the floor division multiplied back past INT64_MIN).
  EXPECT_THAT(ToCqlLiteral(Type(Kind::kTimestamp), SerializeBigint(INT64_MIN)),
              testing::EndsWith(".192Z'"));
  EXPECT_THAT(ToCqlLiteral(Type(Kind::kTimestamp), SerializeBigint(INT64_MIN + 1)),
              testing::EndsWith(".193Z'"));
  EXPECT_THAT(ToCqlLiteral(Type(Kind::kTimestamp), SerializeBigint(INT64_MAX)),
              testing::EndsWith(".807Z'"));
  // ... and parse back to the same instants; past the range is an error, not a wrapped value.
  for (int64_t extreme : {INT64_MIN, INT64_MIN + 1, INT64_MAX}) {
    const std::string literal = ToCqlLiteral(Type(Kind::kTimestamp), SerializeBigint(extreme));
    EXPECT_EQ(Lit(Kind::kTimestamp, LiteralKind::kString, literal.substr(1, literal.size() - 2)),
              literal);
  }
  EXPECT_EQ(LitError(Kind::kTimestamp, LiteralKind::kString, "999999999-01-01").code(),
            ErrorCode::kInvalid);
}

TEST(ParseLiteral, UuidsInetsBlobsBooleansDurations) {
  EXPECT_EQ(Lit(Kind::kUuid, LiteralKind::kUuid, "123e4567-e89b-12d3-a456-426655440000"),
            "123e4567-e89b-12d3-a456-426655440000");
  EXPECT_EQ(LitError(Kind::kTimeuuid, LiteralKind::kUuid, "123e4567-e89b-42d3-a456-426655440000").code(),
            ErrorCode::kInvalid);
  EXPECT_EQ(Lit(Kind::kInet, LiteralKind::kString, "::1"), "'::1'");
  EXPECT_EQ(Lit(Kind::kInet, LiteralKind::kString, "10.1.2.3"), "'10.1.2.3'");
  EXPECT_EQ(LitError(Kind::kInet, LiteralKind::kString, "300.1.1.1").code(), ErrorCode::kInvalid);
  EXPECT_EQ(Lit(Kind::kBlob, LiteralKind::kHex, "0xCAFE"), "0xcafe");
  EXPECT_EQ(Lit(Kind::kBoolean, LiteralKind::kBoolean, "TRUE"), "true");
  EXPECT_EQ(Lit(Kind::kDuration, LiteralKind::kDuration, "1h30m"), "1h30m");
  EXPECT_EQ(Lit(Kind::kDuration, LiteralKind::kDuration, "P1Y2M3DT4H"), "1y2mo3d4h");
  EXPECT_EQ(Lit(Kind::kDuration, LiteralKind::kDuration, "-2w"), "-14d");
  EXPECT_EQ(LitError(Kind::kAscii, LiteralKind::kString, "é").code(), ErrorCode::kInvalid);
}

TEST(Type, ParsesAndPrintsCqlNames) {
  auto t = ParseTypeName("frozen<map<text, list<int>>>");
  EXPECT_FALSE(t.ok());  // a non-frozen collection inside a collection
  t = ParseTypeName("frozen<map<varchar, frozen<list<int>>>>");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ToCql(), "frozen<map<text, frozen<list<int>>>>");
  // Cassandra 4.1 writes tuples frozen (CQL3Type.Tuple.toString), issue 11.
  EXPECT_EQ(ParseTypeName("tuple<int, text>")->ToCql(), "frozen<tuple<int, text>>");
  EXPECT_EQ(ParseTypeName("frozen<list<tuple<int, text>>>")->ToCql(),
            "frozen<list<frozen<tuple<int, text>>>>");
  EXPECT_EQ(ParseTypeName("nonsense").status().code(), ErrorCode::kInvalid);
  EXPECT_EQ(CheckKeyType(*ParseTypeName("list<int>"), "c").code(), ErrorCode::kInvalid);
}

}  // namespace
}  // namespace sibyl::cql::types

namespace sibyl::cql::types {
namespace {

// Issue 9, fuzz finding F1 (fuzz_value): collections, tuples and UDTs compared their raw bytes, so
// Compare disagreed with the clustering order (a negative int sorted after 42). Cassandra compares
// element by element with each element's comparator; null first; sets and maps as stored (sorted).
namespace composite {
std::string Be32(int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  return std::string{static_cast<char>(u >> 24), static_cast<char>(u >> 16),
                     static_cast<char>(u >> 8), static_cast<char>(u)};
}
std::string Collection(const std::vector<std::string>& elements, int32_t count) {
  std::string out = Be32(count);
  for (const auto& e : elements) out += Be32(static_cast<int32_t>(e.size())) + e;
  return out;
}
}  // namespace composite

TEST(Compare, ListsCompareElementsWithTheirOwnOrder) {
  using composite::Be32;
  using composite::Collection;
  Type list = Type::List(Type(Kind::kInt), true);
  EXPECT_GT(Compare(list, Collection({Be32(42)}, 1), Collection({Be32(-2147483647 - 1)}, 1)), 0);
  EXPECT_LT(Compare(list, Collection({Be32(1)}, 1), Collection({Be32(1), Be32(-5)}, 2)), 0);
  EXPECT_EQ(Compare(list, Collection({Be32(-3)}, 1), Collection({Be32(-3)}, 1)), 0);
}

TEST(Compare, SetsAndMapsCompareSortedWhateverOrderTheyWereSentIn) {
  using composite::Be32;
  using composite::Collection;
  Type set = Type::Set(Type(Kind::kInt), true);
  EXPECT_EQ(Compare(set, Collection({Be32(2), Be32(1), Be32(3)}, 3),
                    Collection({Be32(1), Be32(2), Be32(3)}, 3)), 0);
  EXPECT_LT(Compare(set, Collection({Be32(-1)}, 1), Collection({Be32(0)}, 1)), 0);
  Type map = Type::Map(Type(Kind::kInt), Type(Kind::kInt), true);
  EXPECT_LT(Compare(map, Collection({Be32(1), Be32(-10)}, 1), Collection({Be32(1), Be32(10)}, 1)),
            0);
}

TEST(Compare, TupleFieldsCompareInOrderWithNullFirst) {
  using composite::Be32;
  Type tuple = Type::Tuple({Type(Kind::kInt), Type(Kind::kVarchar)});
  std::string negative = Be32(4) + Be32(-2147483647 - 1) + Be32(1) + "z";
  std::string positive = Be32(4) + Be32(42) + Be32(1) + "a";
  std::string null_first = Be32(-1) + Be32(1) + "a";
  EXPECT_LT(Compare(tuple, negative, positive), 0);
  EXPECT_LT(Compare(tuple, null_first, negative), 0);
  EXPECT_EQ(Compare(tuple, positive, positive), 0);
}

}  // namespace
}  // namespace sibyl::cql::types
