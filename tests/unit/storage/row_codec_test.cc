// Reconciliation rules of stored cells and rows (Cassandra's), and the stored value formats.
#include <gtest/gtest.h>

#include "storage/row_codec.h"

namespace sibyl::storage {
namespace {

Cell Value(int64_t ts, std::string v, int32_t ttl = 0, int64_t expires = 0) {
  return Cell{ts, ttl, expires, false, std::move(v)};
}
Cell Tombstone(int64_t ts) { return Cell{ts, 0, 100, true, ""}; }

TEST(CellWins, HigherTimestampWins) {
  EXPECT_TRUE(CellWins(Value(2, "a"), Value(1, "z")));
  EXPECT_FALSE(CellWins(Value(1, "z"), Value(2, "a")));
}

TEST(CellWins, TombstoneBeatsValueOnTie) {
  EXPECT_TRUE(CellWins(Tombstone(5), Value(5, "x")));
  EXPECT_FALSE(CellWins(Value(5, "x"), Tombstone(5)));
}

TEST(CellWins, GreaterValueBeatsSmallerOnTie) {
  EXPECT_TRUE(CellWins(Value(5, "b"), Value(5, "a")));
  EXPECT_FALSE(CellWins(Value(5, "a"), Value(5, "b")));
}

TEST(MergeRow, IsCommutativeAndDropsShadowedCells) {
  Row a;
  a.marker.timestamp = 1;
  a.cells["x"] = Value(1, "old");
  a.cells["y"] = Value(3, "keep");
  Row b;
  b.deletion = {2, 10};
  Row ab = a, ba = b;
  MergeRow(ab, b);
  MergeRow(ba, a);
  EXPECT_EQ(ab, ba);
  EXPECT_EQ(ab.marker.timestamp, kNoTimestamp);
  EXPECT_EQ(ab.cells.count("x"), 0u);
  EXPECT_EQ(ab.cells.at("y").value, "keep");
}

TEST(ResolveRow, MarkerKeepsRowAliveWithoutCells) {
  Row r;
  r.marker.timestamp = 1;
  r.cells["v"] = Tombstone(2);
  auto live = ResolveRow(r, kNoTimestamp, 1000);
  ASSERT_TRUE(live.has_value());
  EXPECT_TRUE(live->cells.empty());
}

TEST(ResolveRow, RowWithoutMarkerVanishesWithItsLastCell) {
  Row r;
  r.cells["v"] = Tombstone(2);
  EXPECT_FALSE(ResolveRow(r, kNoTimestamp, 1000).has_value());
}

TEST(ResolveRow, ExpiredCellsAndCoveringDeletionsHideData) {
  Row r;
  r.cells["ttl"] = Value(5, "gone", 10, 100);
  r.cells["old"] = Value(5, "covered");
  r.cells["new"] = Value(9, "visible");
  auto live = ResolveRow(r, /*covering=*/6, /*now=*/100);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->cells.size(), 1u);
  EXPECT_EQ(live->cells.at("new").value, "visible");
}

TEST(Codec, RoundTripsRowsAndHeaders) {
  Row r;
  r.marker = {7, 60, 1000};
  r.deletion = {3, 50};
  r.cells["a"] = Value(8, std::string("\0bytes", 6), 60, 1000);
  r.cells["b"] = Tombstone(9);
  auto decoded = DecodeRow(EncodeRow(r));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, r);
  PartitionHeader h;
  h.deletion = {4, 40};
  h.range_tombstones.push_back({{{"a", true}, {"c", false}}, {5, 50}});
  h.static_row = r;
  auto hd = DecodeHeader(EncodeHeader(h));
  ASSERT_TRUE(hd.ok());
  EXPECT_EQ(*hd, h);
  EXPECT_EQ(DecodeRow("\x01R\x00").status().code(), ErrorCode::kCorruption);
}

TEST(CompactRow, ExpiresThenPurgesAfterGrace) {
  Row r;
  r.cells["v"] = Value(1, "x", 10, 100);
  EXPECT_TRUE(CompactRow(r, 200, INT64_MIN));
  EXPECT_TRUE(r.cells.at("v").tombstone);
  EXPECT_FALSE(CompactRow(r, 200, 150));
}

TEST(ClusteringRange, ComparesOnThePrefixOnly) {
  ClusteringRange r{{"b", true}, {"d", false}};
  EXPECT_FALSE(r.Contains("a"));
  EXPECT_TRUE(r.Contains("b"));
  EXPECT_TRUE(r.Contains("bzz"));
  EXPECT_TRUE(r.Contains("c"));
  EXPECT_FALSE(r.Contains("d"));
  EXPECT_FALSE(r.Contains("dx"));
  ClusteringRange eq{{"b", true}, {"b", true}};
  EXPECT_TRUE(eq.Contains("b1"));
  EXPECT_FALSE(eq.Contains("c"));
}

}  // namespace
}  // namespace sibyl::storage
