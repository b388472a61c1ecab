// The clustering encoding must sort exactly like Compare() (reversed for DESC), be prefix-free,
// and decode back to the same bytes. Checked on literal values of every key type.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "cql/types/key_encoding.h"
#include "cql/types/value.h"

namespace sibyl::cql::types {
namespace {

std::vector<std::string> Values(const Type& type, LiteralKind kind,
                                const std::vector<std::string>& literals) {
  std::vector<std::string> out;
  for (const auto& l : literals) {
    auto v = ParseLiteral(type, kind, l, "c");
    EXPECT_TRUE(v.ok()) << l << ": " << v.status().ToString();
    if (v.ok()) out.push_back(*v);
  }
  out.push_back("");  // the empty value sorts first
  return out;
}

void CheckOrderAndRoundTrip(const Type& type, const std::vector<std::string>& values) {
  for (SortOrder order : {SortOrder::kAsc, SortOrder::kDesc}) {
    for (const auto& a : values) {
      std::string ea;
      AppendClusteringComponent(type, order, a, &ea);
      auto decoded = DecodeClustering({type}, {order}, ea);
      ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
      EXPECT_EQ(Compare(type, (*decoded)[0], a), 0) << type.ToCql() << " " << ToCqlLiteral(type, a);
      for (const auto& b : values) {
        std::string eb;
        AppendClusteringComponent(type, order, b, &eb);
        int by_value = Compare(type, a, b);
        if (order == SortOrder::kDesc) by_value = -by_value;
        int by_bytes = ea.compare(eb);
        by_bytes = by_bytes < 0 ? -1 : by_bytes > 0 ? 1 : 0;
        EXPECT_EQ(by_bytes, by_value) << type.ToCql() << ": " << ToCqlLiteral(type, a) << " vs "
                                      << ToCqlLiteral(type, b);
        if (by_value != 0) {
          EXPECT_NE(ea.compare(0, eb.size(), eb), 0) << "encoding is not prefix-free";
        }
      }
    }
  }
}

TEST(KeyEncoding, IntegersSortNumerically) {
  CheckOrderAndRoundTrip(Type(Kind::kInt),
                         Values(Type(Kind::kInt), LiteralKind::kInteger,
                                {"0", "1", "-1", "2147483647", "-2147483648", "256", "-256"}));
  CheckOrderAndRoundTrip(Type(Kind::kBigint),
                         Values(Type(Kind::kBigint), LiteralKind::kInteger,
                                {"0", "-9223372036854775808", "9223372036854775807", "42", "-42"}));
  CheckOrderAndRoundTrip(Type(Kind::kTinyint), Values(Type(Kind::kTinyint), LiteralKind::kInteger,
                                                      {"0", "-128", "127", "5"}));
  CheckOrderAndRoundTrip(Type(Kind::kSmallint), Values(Type(Kind::kSmallint), LiteralKind::kInteger,
                                                       {"0", "-32768", "32767", "-5"}));
}

TEST(KeyEncoding, TextSortsBytewiseIncludingPrefixesAndZeroBytes) {
  std::vector<std::string> values = {"a", "ab", "abc", "b", std::string("a\0", 2),
                                     std::string("a\0b", 3), "\xff", "ü", ""};
  CheckOrderAndRoundTrip(Type(Kind::kVarchar), values);
  CheckOrderAndRoundTrip(Type(Kind::kBlob), values);
}

TEST(KeyEncoding, FloatingPointFollowsJavaCompare) {
  CheckOrderAndRoundTrip(Type(Kind::kDouble),
                         Values(Type(Kind::kDouble), LiteralKind::kFloat,
                                {"0.0", "-0.0", "1.5", "-1.5", "1e300", "-1e300", "NaN", "Infinity",
                                 "-Infinity", "2.5e-10"}));
  CheckOrderAndRoundTrip(Type(Kind::kFloat), Values(Type(Kind::kFloat), LiteralKind::kFloat,
                                                    {"0.0", "1.25", "-3.5", "Infinity"}));
}

TEST(KeyEncoding, VarintAndDecimalSortNumerically) {
  CheckOrderAndRoundTrip(
      Type(Kind::kVarint),
      Values(Type(Kind::kVarint), LiteralKind::kInteger,
             {"0", "1", "-1", "127", "128", "-128", "-129", "255", "256", "-256",
              "123456789012345678901234567890", "-123456789012345678901234567890"}));
  CheckOrderAndRoundTrip(Type(Kind::kDecimal),
                         Values(Type(Kind::kDecimal), LiteralKind::kFloat,
                                {"0", "1", "-1", "1.5", "-1.5", "10", "0.001", "-0.001", "123.456",
                                 "1e10", "-2.5e-3", "99.99", "100"}));
}

TEST(KeyEncoding, TimeTypesAndUuids) {
  CheckOrderAndRoundTrip(Type(Kind::kTimestamp),
                         Values(Type(Kind::kTimestamp), LiteralKind::kString,
                                {"1970-01-01", "1969-12-31 23:59:59", "2020-02-29 12:00:00+0000",
                                 "2038-01-19T03:14:08Z"}));
  CheckOrderAndRoundTrip(Type(Kind::kDate), Values(Type(Kind::kDate), LiteralKind::kString,
                                                   {"1970-01-01", "1969-12-31", "2020-02-29"}));
  CheckOrderAndRoundTrip(Type(Kind::kTime), Values(Type(Kind::kTime), LiteralKind::kString,
                                                   {"00:00:00", "12:34:56.789", "23:59:59.999999999"}));
  std::vector<std::string> timeuuids;
  for (int i = 0; i < 5; ++i) timeuuids.push_back(TimeUuidNow());
  CheckOrderAndRoundTrip(Type(Kind::kTimeuuid), timeuuids);
  std::vector<std::string> uuids = timeuuids;
  for (int i = 0; i < 5; ++i) uuids.push_back(RandomUuid());
  CheckOrderAndRoundTrip(Type(Kind::kUuid), uuids);
}

TEST(KeyEncoding, InetSortsIpv4BeforeIpv6) {
  CheckOrderAndRoundTrip(Type(Kind::kInet), Values(Type(Kind::kInet), LiteralKind::kString,
                                                   {"127.0.0.1", "10.0.0.1", "::1", "fe80::1"}));
}

TEST(KeyEncoding, CompositeKeysSortLikeTuplesAndPrefixesArePrefixes) {
  Type int_type(Kind::kInt), text_type(Kind::kVarchar);
  auto encode = [&](int32_t a, const std::string& b) {
    std::string out;
    AppendClusteringComponent(int_type, SortOrder::kAsc, SerializeInt(a), &out);
    AppendClusteringComponent(text_type, SortOrder::kDesc, b, &out);
    return out;
  };
  EXPECT_LT(encode(1, "z"), encode(2, "a"));
  EXPECT_LT(encode(1, "b"), encode(1, "a"));  // second component is DESC
  std::string prefix;
  AppendClusteringComponent(int_type, SortOrder::kAsc, SerializeInt(1), &prefix);
  EXPECT_EQ(encode(1, "q").compare(0, prefix.size(), prefix), 0);
  auto decoded = DecodeClustering({int_type, text_type}, {SortOrder::kAsc, SortOrder::kDesc},
                                  encode(7, "hello"));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ((*decoded)[0], SerializeInt(7));
  EXPECT_EQ((*decoded)[1], "hello");
}

TEST(KeyEncoding, RejectsTruncatedInput) {
  std::string enc;
  AppendClusteringComponent(Type(Kind::kBigint), SortOrder::kAsc, SerializeBigint(5), &enc);
  auto decoded = DecodeClustering({Type(Kind::kBigint)}, {SortOrder::kAsc}, enc.substr(0, 4));
  EXPECT_EQ(decoded.status().code(), ErrorCode::kCorruption);
}

}  // namespace
}  // namespace sibyl::cql::types
