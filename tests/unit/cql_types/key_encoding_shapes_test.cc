// Issue 10 item 1: collection, tuple and UDT clustering values of every shape round-trip through
// the order-preserving key encoding, ASC and DESC, byte for byte (a frozen<map<int,int>>
// {1:10, 2:20, 3:30} read back as {1:10, 2:null}), and sort like Compare (Cassandra's
// ListType/SetType/MapType/TupleType/UserType comparators). Item 8: decimals over their whole
// range (32-bit scale, any unscaled value) encode and decode in bounded time.
#include <gtest/gtest.h>

#include <chrono>

#include "cql/types/key_encoding.h"
#include "cql/types/normalize.h"
#include "cql/types/numbers.h"
#include "cql/types/validate.h"
#include "cql/types/value.h"

namespace sibyl::cql::types {
namespace {

std::string Collection(const std::vector<std::string>& elements) {
  std::string out = SerializeInt(static_cast<int32_t>(elements.size()));
  for (const auto& e : elements) out += SerializeInt(static_cast<int32_t>(e.size())) + e;
  return out;
}
// A map: [int n] then n keys and values, given as k1, v1, k2, v2...
std::string MapOf(const std::vector<std::string>& keys_and_values) {
  std::string out = SerializeInt(static_cast<int32_t>(keys_and_values.size() / 2));
  for (const auto& e : keys_and_values) out += SerializeInt(static_cast<int32_t>(e.size())) + e;
  return out;
}
std::string Fields(const std::vector<std::optional<std::string>>& fields) {
  std::string out;
  for (const auto& f : fields) {
    out += f ? SerializeInt(static_cast<int32_t>(f->size())) + *f : SerializeInt(-1);
  }
  return out;
}
std::string I(int32_t v) { return SerializeInt(v); }
std::string D(const char* text) { return *DecimalFromText(text); }

// Every value round-trips exactly and the encodings sort like Compare, in both orders, alone and
// followed by another component (prefix-freedom).
void CheckShapes(const Type& type, const std::vector<std::string>& values) {
  for (SortOrder order : {SortOrder::kAsc, SortOrder::kDesc}) {
    for (const auto& a : values) {
      ASSERT_TRUE(ValidateValue(type, a).ok()) << type.ToCql();
      ASSERT_EQ(NormalizeValue(type, a), a) << "test values must be normal";
      std::string ea;
      ASSERT_TRUE(AppendClusteringComponent(type, order, a, &ea).ok());
      std::string with_next = ea;
      ASSERT_TRUE(AppendClusteringComponent(Type(Kind::kInt), SortOrder::kAsc, I(7), &with_next).ok());
      auto decoded = DecodeClustering({type, Type(Kind::kInt)}, {order, SortOrder::kAsc}, with_next);
      ASSERT_TRUE(decoded.ok()) << type.ToCql() << ": " << decoded.status().ToString();
      ASSERT_EQ(decoded->size(), 2u);
      EXPECT_EQ((*decoded)[0], a) << type.ToCql() << " " << ToCqlLiteral(type, a);
      EXPECT_EQ((*decoded)[1], I(7));
      for (const auto& b : values) {
        std::string eb;
        ASSERT_TRUE(AppendClusteringComponent(type, order, b, &eb).ok())
            << AppendClusteringComponent(type, order, b, &eb).ToString();
        int by_value = Compare(type, a, b);
        if (order == SortOrder::kDesc) by_value = -by_value;
        int by_bytes = ea.compare(eb);
        by_bytes = by_bytes < 0 ? -1 : by_bytes > 0 ? 1 : 0;
        EXPECT_EQ(by_bytes, by_value) << type.ToCql();
      }
    }
  }
}

TEST(KeyEncodingShapes, FrozenMapOfIntsRoundTrips) {
  Type map = Type::Map(Type(Kind::kInt), Type(Kind::kInt), true);
  CheckShapes(map, {MapOf({I(1), I(10), I(2), I(20), I(3), I(30)}), MapOf({I(1), I(10)}),
                    MapOf({}), MapOf({I(-5), I(0), I(7), I(2147483647)}),
                    MapOf({I(1), I(10), I(2), I(19)})});
}

TEST(KeyEncodingShapes, MapsOfEveryKeyAndValueKind) {
  CheckShapes(Type::Map(Type(Kind::kVarchar), Type(Kind::kBlob), true),
              {MapOf({"", "", "a", std::string("\0\xff", 2)}), MapOf({"a", ""}),
               MapOf({"a", "x", "b", "y"}), MapOf({std::string("a\0", 2), "z"})});
  CheckShapes(Type::Map(Type(Kind::kDecimal), Type(Kind::kBoolean), true),
              // Decimals in their shortest form decode to the same bytes (123.0 decodes as 123:
              // the row keeps its bytes in a cell instead, query/clustering_bytes.h).
              {MapOf({D("-1.5"), SerializeBoolean(true), D("123"), SerializeBoolean(false)}),
               MapOf({D("1E+3"), SerializeBoolean(true)})});
  CheckShapes(Type::Map(Type::Tuple({Type(Kind::kInt), Type(Kind::kVarchar)}),
                        Type::Set(Type(Kind::kBigint), true), true),
              {MapOf({Fields({I(1), "a"}), Collection({SerializeBigint(-1), SerializeBigint(4)}),
                      Fields({I(2), std::nullopt}), Collection({})}),
               MapOf({Fields({I(1), "b"}), Collection({SerializeBigint(0)})})});
}

TEST(KeyEncodingShapes, NestedCollectionsTuplesAndUdts) {
  Type inner = Type::Map(Type(Kind::kInt), Type(Kind::kVarchar), true);
  Type list_of_maps = Type::List(inner, true);
  const std::string m1 = MapOf({I(1), "x", I(2), "y"});
  const std::string m2 = MapOf({});
  CheckShapes(list_of_maps, {Collection({m1, m2}), Collection({m2}), Collection({m1}),
                             Collection({m1, m1}), Collection({})});
  Type set_of_maps = Type::Set(inner, true);
  CheckShapes(set_of_maps, {Collection({m2, m1}), Collection({m1})});
  Type tuple = Type::Tuple({inner, Type::List(Type(Kind::kInt), true), Type(Kind::kVarchar)});
  CheckShapes(tuple, {Fields({m1, Collection({I(3), I(1)}), "t"}),
                      Fields({std::nullopt, Collection({}), std::nullopt}),
                      Fields({m2, std::nullopt, ""})});
  Type udt = Type::Udt("ks", "u", {"m", "s"}, {inner, Type::Set(Type(Kind::kInt), true)}, true);
  CheckShapes(udt, {Fields({m1, Collection({I(1), I(2)})}), Fields({std::nullopt, Collection({})}),
                    Fields({m2, std::nullopt})});
  // A map of maps of maps.
  Type deep = Type::Map(Type(Kind::kInt), Type::Map(Type(Kind::kInt), inner, true), true);
  CheckShapes(deep, {MapOf({I(1), MapOf({I(2), m1, I(3), m2})}), MapOf({I(1), MapOf({})}),
                     MapOf({})});
}

TEST(KeyEncodingShapes, DecimalsOverTheWholeRangeInBoundedTime) {
  // Scale is a 32-bit int, so the normal exponent (digits - scale) goes past INT32_MAX:
  // 19866597869857659876855e1000000000 and 1e2147483647-scale values used to be refused or
  // unreadable ("malformed clustering key encoding").
  std::vector<std::string> values;
  for (const char* text :
       {"19866597869857659876855e1000000000", "1", "-1", "123.0", "1E-2147483647",
        "-98765432109876543210E+2147483648", "98765432109876543210E+2147483648",
        "9E+2147483648", "-9E+2147483648", "1E+2147483646", "10E+2147483646", "-7E+2147483647"}) {
    auto d = DecimalFromText(text);
    ASSERT_TRUE(d.has_value()) << text;
    values.push_back(*d);
  }
  // An unscaled value of 10,000 digits with the smallest and largest scales.
  for (int32_t scale : {INT32_MIN, INT32_MAX, 0}) {
    const std::string digits = "7" + std::string(9998, '3') + "1";
    const std::string unscaled = DecimalFromText(digits)->substr(4);  // after its scale 0
    values.push_back(SerializeInt(scale) + unscaled);
  }
  const auto start = std::chrono::steady_clock::now();
  for (SortOrder order : {SortOrder::kAsc, SortOrder::kDesc}) {
    for (const auto& a : values) {
      std::string ea;
      ASSERT_TRUE(AppendClusteringComponent(Type(Kind::kDecimal), order, a, &ea).ok())
          << ToCqlLiteral(Type(Kind::kDecimal), a);
      auto decoded = DecodeClustering({Type(Kind::kDecimal)}, {order}, ea);
      ASSERT_TRUE(decoded.ok()) << ToCqlLiteral(Type(Kind::kDecimal), a) << " "
                                << decoded.status().ToString();
      EXPECT_EQ(Compare(Type(Kind::kDecimal), (*decoded)[0], a), 0)
          << ToCqlLiteral(Type(Kind::kDecimal), a);
      for (const auto& b : values) {
        std::string eb;
        ASSERT_TRUE(AppendClusteringComponent(Type(Kind::kDecimal), order, b, &eb).ok());
        int by_value = Compare(Type(Kind::kDecimal), a, b);
        if (order == SortOrder::kDesc) by_value = -by_value;
        int by_bytes = ea.compare(eb);
        by_bytes = by_bytes < 0 ? -1 : by_bytes > 0 ? 1 : 0;
        EXPECT_EQ(by_bytes, by_value) << ToCqlLiteral(Type(Kind::kDecimal), a) << " vs "
                                      << ToCqlLiteral(Type(Kind::kDecimal), b);
      }
    }
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(KeyEncodingShapes, DecimalExponentsAtInt32MaxKeepTheirLayout) {
  // 1E+2147483646 has the normal exponent INT32_MAX: its bytes are the issue 9 layout
  // (biased exponent 0xffffffff, then the digit bytes), which stays readable.
  std::string enc;
  ASSERT_TRUE(AppendClusteringComponent(Type(Kind::kDecimal), SortOrder::kAsc,
                                        D("1E+2147483646"), &enc).ok());
  EXPECT_EQ(enc, std::string("\x01\x02\xff\xff\xff\xff\x02\x00", 8));
}

TEST(PartitionKey, ValidatesTheSerializedKeyAsCassandra) {
  // QueryProcessor.validateKey: on the whole serialized key (issue 10 items 13 and 16).
  EXPECT_EQ(ValidatePartitionKey("").message(), "Key may not be empty");
  EXPECT_TRUE(ValidatePartitionKey(SerializePartitionKey({"", ""})).ok());
  EXPECT_TRUE(ValidatePartitionKey(std::string(65535, 'k')).ok());
  Status s = ValidatePartitionKey(std::string(65536, 'k'));
  EXPECT_EQ(s.code(), ErrorCode::kInvalid);
  EXPECT_EQ(s.message(), "Key length of 65536 is longer than maximum of 65535");
  const std::string big(65533, 'x');
  s = ValidatePartitionKey(SerializePartitionKey({"", big}));
  EXPECT_EQ(s.message(), "Key length of 65539 is longer than maximum of 65535");
  // Empty components round-trip.
  auto split = SplitPartitionKey(SerializePartitionKey({"", I(1), ""}), 3);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(*split, (std::vector<std::string>{"", I(1), ""}));
}

// SplitPartitionKeyInto reuses a vector across keys of different shapes (a point read's, issue
// 14): what it leaves is exactly the key's components, and malformed keys are refused as by
// SplitPartitionKey.
TEST(KeyEncodingShapes, SplitIntoAReusedVectorLeavesExactlyTheComponents) {
  std::vector<std::string> out = {"left", "over", "from", "before"};
  ASSERT_TRUE(SplitPartitionKeyInto(SerializePartitionKey({"a", "bb"}), 2, &out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"a", "bb"}));
  ASSERT_TRUE(SplitPartitionKeyInto("whole key", 1, &out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"whole key"}));
  ASSERT_TRUE(SplitPartitionKeyInto(SerializePartitionKey({"x", "", "zzz"}), 3, &out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"x", "", "zzz"}));

  const std::string three = SerializePartitionKey({"x", "y", "z"});
  EXPECT_EQ(SplitPartitionKeyInto(three, 2, &out).code(), ErrorCode::kCorruption);  // one too many
  EXPECT_EQ(SplitPartitionKeyInto(three, 4, &out).code(), ErrorCode::kCorruption);  // one short
  EXPECT_EQ(SplitPartitionKeyInto(three.substr(0, 5), 3, &out).code(), ErrorCode::kCorruption);
  EXPECT_EQ(SplitPartitionKey(three, 2).status().code(), ErrorCode::kCorruption);
}

}  // namespace
}  // namespace sibyl::cql::types
