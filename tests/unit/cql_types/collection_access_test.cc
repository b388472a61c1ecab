// Element and slice selection and CONTAINS on serialized collections (issue 11), with Cassandra
// 4.1's answers: CollectionSerializer.getSerializedValue / getSliceFromSerialized (an empty slice
// is an empty frozen collection but a null non-frozen one) and RowFilter CONTAINS / CONTAINS KEY.
#include <gtest/gtest.h>

#include "cql/types/collection_access.h"
#include "cql/types/value.h"

namespace sibyl::cql::types {
namespace {

std::string Collection(const std::vector<std::string>& elements) {
  std::string out = SerializeInt(static_cast<int32_t>(elements.size()));
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
std::string I(int32_t v) { return SerializeInt(v); }
std::string T(const char* v) { return SerializeText(v); }

const Type kInt(Kind::kInt);
const Type kText(Kind::kVarchar);

TEST(CollectionAccess, ElementOfSetAndMapByTheElementTypesOrder) {
  const Type set = Type::Set(kInt, /*frozen=*/true);
  // -1 sorts before 2 as an int (its bytes sort after): found by Compare, not by bytes.
  const std::string s = Collection({I(-1), I(2), I(40)});
  EXPECT_EQ(SelectCollectionElement(set, s, I(-1)), I(-1));
  EXPECT_EQ(SelectCollectionElement(set, s, I(40)), I(40));
  EXPECT_EQ(SelectCollectionElement(set, s, I(3)), std::nullopt);
  const Type map = Type::Map(kText, kInt, /*frozen=*/false);
  const std::string m = MapOf({{T("a"), I(1)}, {T("c"), I(3)}});
  EXPECT_EQ(SelectCollectionElement(map, m, T("c")), I(3));
  EXPECT_EQ(SelectCollectionElement(map, m, T("b")), std::nullopt);
  // Lists have no element selection in 4.1 (query/ refuses it first).
  EXPECT_EQ(SelectCollectionElement(Type::List(kInt, true), s, I(2)), std::nullopt);
}

// MapSerializer.getSliceFromSerialized: inclusive bounds, either open; `frozen` decides what an
// empty slice is (CollectionsTest.testSelectionOfEmptyCollections, testMapOverlappingSlices).
TEST(CollectionAccess, SlicesAreInclusiveAndEmptyIsNullOnlyWhenNotFrozen) {
  const Type map = Type::Map(kInt, kInt, /*frozen=*/true);
  const std::string m = MapOf({{I(0), I(0)}, {I(1), I(10)}, {I(2), I(20)}, {I(3), I(30)}});
  EXPECT_EQ(SelectCollectionSlice(map, m, I(1), I(2), true),
            MapOf({{I(1), I(10)}, {I(2), I(20)}}));
  EXPECT_EQ(SelectCollectionSlice(map, m, std::nullopt, I(1), true),
            MapOf({{I(0), I(0)}, {I(1), I(10)}}));
  EXPECT_EQ(SelectCollectionSlice(map, m, I(3), std::nullopt, true), MapOf({{I(3), I(30)}}));
  EXPECT_EQ(SelectCollectionSlice(map, m, std::nullopt, std::nullopt, true), m);
  EXPECT_EQ(SelectCollectionSlice(map, m, I(7), I(8), true), MapOf({}));
  EXPECT_EQ(SelectCollectionSlice(map, m, I(7), I(8), false), std::nullopt);
  // from > to selects nothing.
  EXPECT_EQ(SelectCollectionSlice(map, m, I(2), I(1), true), MapOf({}));
  const Type set = Type::Set(kText, false);
  const std::string s = Collection({T("1"), T("22"), T("22_2"), T("333")});
  EXPECT_EQ(SelectCollectionSlice(set, s, T("2"), T("3"), false),
            Collection({T("22"), T("22_2")}));
  EXPECT_EQ(SelectCollectionSlice(set, s, T(""), T("23"), false),
            Collection({T("1"), T("22"), T("22_2")}));
}

TEST(CollectionAccess, ContainsLooksAtListAndSetElementsAndMapValues) {
  const std::string l = Collection({I(3), I(2), I(3)});
  EXPECT_TRUE(CollectionContains(Type::List(kInt, true), l, I(2)));
  EXPECT_FALSE(CollectionContains(Type::List(kInt, true), l, I(4)));
  EXPECT_TRUE(CollectionContains(Type::Set(kInt, true), Collection({I(2), I(4)}), I(4)));
  const Type map = Type::Map(kInt, kText, true);
  const std::string m = MapOf({{I(1), T("a")}, {I(2), T("b")}});
  EXPECT_TRUE(CollectionContains(map, m, T("b")));
  EXPECT_FALSE(CollectionContains(map, m, I(1)));  // a key is no value
  EXPECT_TRUE(MapContainsKey(map, m, I(1)));
  EXPECT_FALSE(MapContainsKey(map, m, I(3)));
  EXPECT_FALSE(MapContainsKey(Type::Set(kInt, true), Collection({I(1)}), I(1)));
}

// Stored values are validated, but a malformed one must still never be read out of bounds: a
// count larger than the bytes, a length past the end.
TEST(CollectionAccess, MalformedValuesAreReadOnlyAsFarAsTheyGo) {
  const Type set = Type::Set(kInt, true);
  std::string lying = SerializeInt(1000000) + SerializeInt(4) + I(5) + SerializeInt(400);
  EXPECT_EQ(SelectCollectionElement(set, lying, I(5)), I(5));
  EXPECT_EQ(SelectCollectionElement(set, lying, I(6)), std::nullopt);
  EXPECT_EQ(SelectCollectionSlice(set, lying, I(0), I(9), true), Collection({I(5)}));
  EXPECT_FALSE(CollectionContains(set, "\x01", I(5)));
  EXPECT_FALSE(MapContainsKey(Type::Map(kInt, kInt, true), "", I(5)));
}

}  // namespace
}  // namespace sibyl::cql::types
