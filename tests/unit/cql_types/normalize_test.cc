// Sets and maps in Cassandra's one form (issue 10 item 2): Sets.Value.fromSerialized (a TreeSet
// of the element type), Maps.Value.fromSerialized (a TreeMap of the key type) and
// SetSerializer/MapSerializer.serializeValues (nested values sorted when re-serialized).
#include <gtest/gtest.h>

#include "cql/types/normalize.h"
#include "cql/types/numbers.h"
#include "cql/types/validate.h"
#include "cql/types/value.h"

namespace sibyl::cql::types {
namespace {

std::string Collection(const std::vector<std::string>& elements) {
  std::string out = SerializeInt(static_cast<int32_t>(elements.size() ));
  for (const auto& e : elements) out += SerializeInt(static_cast<int32_t>(e.size())) + e;
  return out;
}
std::string MapOf(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = SerializeInt(static_cast<int32_t>(entries.size()));
  for (const auto& [k, v] : entries) {
    out += SerializeInt(static_cast<int32_t>(k.size())) + k;
    out += SerializeInt(static_cast<int32_t>(v.size())) + v;
  }
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

std::string Normal(const Type& type, const std::string& value) {
  EXPECT_TRUE(ValidateValue(type, value).ok()) << ValidateValue(type, value).ToString();
  std::string out = NormalizeValue(type, value);
  EXPECT_TRUE(ValidateValue(type, out).ok());
  EXPECT_EQ(NormalizeValue(type, out), out) << "not idempotent";
  return out;
}

TEST(NormalizeValue, SortsAndDeduplicatesSets) {
  Type set = Type::Set(Type(Kind::kInt), true);
  EXPECT_EQ(Normal(set, Collection({I(2), I(1), I(3), I(2)})), Collection({I(1), I(2), I(3)}));
  // By the element type's order, not by bytes: -1 (0xffffffff) sorts before 0.
  EXPECT_EQ(Normal(set, Collection({I(0), I(-1)})), Collection({I(-1), I(0)}));
  EXPECT_EQ(Normal(set, Collection({})), Collection({}));
}

TEST(NormalizeValue, MapsKeepTheFirstKeyAndTheLastValue) {
  Type map = Type::Map(Type(Kind::kInt), Type(Kind::kVarchar), true);
  EXPECT_EQ(Normal(map, MapOf({{I(3), "c"}, {I(1), "a"}, {I(3), "z"}})),
            MapOf({{I(1), "a"}, {I(3), "z"}}));
  // Keys that compare equal with different bytes (decimal 1.0 and 1.00): a TreeMap keeps the
  // first key it was given and the last value put.
  Type by_decimal = Type::Map(Type(Kind::kDecimal), Type(Kind::kInt), true);
  EXPECT_EQ(Normal(by_decimal, MapOf({{D("1.0"), I(1)}, {D("0.5"), I(0)}, {D("1.00"), I(2)}})),
            MapOf({{D("0.5"), I(0)}, {D("1.0"), I(2)}}));
  Type decimals = Type::Set(Type(Kind::kDecimal), true);
  EXPECT_EQ(Normal(decimals, Collection({D("2.50"), D("2.5"), D("-1")})),
            Collection({D("-1"), D("2.50")}));
}

TEST(NormalizeValue, NormalisesAtEveryDepth) {
  // frozen<list<frozen<map<int, frozen<set<text>>>>>> inside a tuple, and inside a UDT.
  Type inner = Type::Map(Type(Kind::kInt), Type::Set(Type(Kind::kVarchar), true), true);
  Type list = Type::List(inner, true);
  const std::string unsorted =
      Collection({MapOf({{I(3), Collection({"z", "a", "z"})}, {I(1), Collection({"b"})}})});
  const std::string sorted =
      Collection({MapOf({{I(1), Collection({"b"})}, {I(3), Collection({"a", "z"})}})});
  EXPECT_EQ(Normal(list, unsorted), sorted);
  Type tuple = Type::Tuple({Type(Kind::kInt), list, Type(Kind::kVarchar)});
  EXPECT_EQ(Normal(tuple, Fields({I(1), unsorted, std::nullopt})),
            Fields({I(1), sorted, std::nullopt}));
  Type udt = Type::Udt("ks", "u", {"a", "b"}, {Type::Set(Type(Kind::kInt), true), list}, true);
  // A UDT value may stop before its last fields; they stay absent.
  EXPECT_EQ(Normal(udt, Fields({Collection({I(9), I(8)})})), Fields({Collection({I(8), I(9)})}));
  EXPECT_EQ(Normal(udt, Fields({std::nullopt, unsorted})), Fields({std::nullopt, sorted}));
  // Sets of sets: the inner sets are normalised before the outer one compares them.
  Type sets = Type::Set(Type::Set(Type(Kind::kInt), true), true);
  EXPECT_EQ(Normal(sets, Collection({Collection({I(2), I(1)}), Collection({I(1), I(2)}),
                                     Collection({I(0)})})),
            Collection({Collection({I(0)}), Collection({I(1), I(2)})}));
}

TEST(NormalizeValue, LeavesListsScalarsAndEmptyValuesAlone) {
  Type list = Type::List(Type(Kind::kInt), true);
  EXPECT_EQ(Normal(list, Collection({I(3), I(1), I(3)})), Collection({I(3), I(1), I(3)}));
  EXPECT_EQ(NormalizeValue(Type(Kind::kInt), I(5)), I(5));
  EXPECT_EQ(NormalizeValue(Type::Set(Type(Kind::kInt), true), ""), "");
  EXPECT_FALSE(HasSetOrMap(Type::Tuple({list, Type(Kind::kInt)})));
  EXPECT_TRUE(HasSetOrMap(Type::Tuple({Type::List(Type::Map(Type(Kind::kInt), Type(Kind::kInt),
                                                             true), true)})));
}

}  // namespace
}  // namespace sibyl::cql::types
