// Reconciliation rules of stored cells and rows (Cassandra's), and the stored value formats.
#include <gtest/gtest.h>

#include <vector>

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

// Issue 10 item 6: Cassandra 4.1 Cells.resolveRegular (db/rows/Cells.java). On a timestamp tie
// an expiring cell beats a non-expiring one whatever the values: INSERT v=1 USING TIMESTAMP 1
// AND TTL 100, then v=2 USING TIMESTAMP 1, reads 1 in Cassandra.
TEST(CellWins, ExpiringBeatsNonExpiringOnTieWhateverTheValues) {
  EXPECT_TRUE(CellWins(Value(1, "\x01", 100, 5000), Value(1, "\x02")));
  EXPECT_FALSE(CellWins(Value(1, "\x02"), Value(1, "\x01", 100, 5000)));
}

TEST(CellWins, TombstoneBeatsExpiringOnTie) {
  EXPECT_TRUE(CellWins(Tombstone(5), Value(5, "x", 10, 99999)));
  EXPECT_FALSE(CellWins(Value(5, "x", 10, 99999), Tombstone(5)));
}

TEST(CellWins, LaterLocalDeletionTimeWinsBetweenExpiringCellsBeforeTheValue) {
  EXPECT_TRUE(CellWins(Value(5, "a", 10, 2000), Value(5, "z", 10, 1000)));
  EXPECT_FALSE(CellWins(Value(5, "z", 10, 1000), Value(5, "a", 10, 2000)));
  EXPECT_TRUE(CellWins(Cell{5, 0, 200, true, ""}, Cell{5, 0, 100, true, ""}));
  EXPECT_FALSE(CellWins(Cell{5, 0, 100, true, ""}, Cell{5, 0, 200, true, ""}));
}

TEST(CellWins, ValuesCompareAsUnsignedBytes) {
  // ValueAccessor.compare is unsigned: 0x80 > 0x7f.
  EXPECT_TRUE(CellWins(Value(5, "\x80"), Value(5, "\x7f")));
  EXPECT_FALSE(CellWins(Value(5, "\x7f"), Value(5, "\x80")));
}

// Every merge path (memtable overwrite, merge operator, read) goes through MergeRow: the result
// must not depend on the order the writes arrive in.
TEST(MergeRow, ReconcilesTheSameWayInEitherOrder) {
  const std::vector<Cell> cells = {Value(1, "\x01", 100, 5000), Value(1, "\x02"), Tombstone(1),
                                   Value(1, "\x03", 100, 4000), Value(2, "\x00"),
                                   Value(1, "\x02", 50, 5000)};
  for (const auto& x : cells) {
    for (const auto& y : cells) {
      Row a, b;
      a.cells["v"] = x;
      b.cells["v"] = y;
      Row ab = a, ba = b;
      MergeRow(ab, b);
      MergeRow(ba, a);
      EXPECT_EQ(ab, ba);
    }
  }
}

// LivenessInfo.supersedes: on a tie an expiring row marker beats a non-expiring one.
TEST(MergeRow, ExpiringMarkerBeatsNonExpiringOnTie) {
  Row plain, expiring;
  plain.marker = {7, 0, 0};
  expiring.marker = {7, 100, 5000};
  Row a = plain, b = expiring;
  MergeRow(a, expiring);
  MergeRow(b, plain);
  EXPECT_EQ(a.marker, expiring.marker);
  EXPECT_EQ(b.marker, expiring.marker);
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

// What MergeStoredValues did before its overwrite fast path, but for one detail: decode each
// value, fold with MergeRow oldest first, encode once.
std::string MergedByDecoding(const std::vector<std::string>& values) {
  Row merged = *DecodeRow(values[0]);
  for (size_t i = 1; i < values.size(); ++i) MergeRow(merged, *DecodeRow(values[i]));
  return EncodeRow(merged);
}

std::string Merged(const std::vector<std::string>& values) {
  std::vector<std::string_view> operands(values.begin() + 1, values.end());
  const std::string_view existing = values[0];
  std::string out;
  EXPECT_TRUE(MergeStoredValues(&existing, operands, &out));
  std::string again;
  std::vector<std::string_view> all(values.begin(), values.end());
  EXPECT_TRUE(MergeStoredValues(nullptr, all, &again));  // as a partial merge sees them
  EXPECT_EQ(out, again);
  return out;
}

// Issue 14: a flush mostly merges whole rows written again, each newer than the last; the merge
// then returns the newest value's bytes without decoding (NewestSupersedes). The result must be
// what decoding and folding every value gives, whatever the values: random rows over a few
// columns and timestamps, so that ties, older markers, deletions, tombstones, expiring cells,
// columns the newest value lacks and collection cells all occur. Where a value deletes the row the
// comparison is of what reads see: MergeStoredValues does not resolve a value it merges alone, as
// when every older value is empty, which the fold does.
TEST(MergeStoredValues, GivesWhatFoldingEveryDecodedValueGives) {
  uint64_t seed = 88172645463325252ull;
  auto next = [&](uint64_t n) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed % n;
  };
  const std::vector<std::string> names = {"a", "b", "c", std::string("\xff") + "x",
                                          std::string("d\xfe") + "k", std::string("d\xfd")};
  auto random_row = [&] {
    Row r;
    if (next(4) != 0) r.marker = {static_cast<int64_t>(1 + next(6)), 0, 0};
    if (next(8) == 0) r.marker = {static_cast<int64_t>(1 + next(6)), 10, 5000};
    if (next(8) == 0) r.deletion = {static_cast<int64_t>(1 + next(6)), 100};
    for (const auto& name : names) {
      if (next(3) == 0) continue;
      if (name[0] == 'd' && next(4) != 0) continue;
      const int64_t ts = static_cast<int64_t>(1 + next(6));
      switch (next(5)) {
        case 0: r.cells[name] = Tombstone(ts); break;
        case 1: r.cells[name] = Value(ts, "e", 10, 5000); break;
        default: r.cells[name] = Value(ts, std::string(1, static_cast<char>('p' + next(3))));
      }
    }
    return r;
  };
  int superseded = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<std::string> values;
    const size_t n = 1 + next(4);
    for (size_t i = 0; i < n; ++i) values.push_back(EncodeRow(random_row()));
    const std::string expected = MergedByDecoding(values);
    const std::string got = Merged(values);
    bool deletions = false;
    for (const auto& v : values) deletions |= DecodeRow(v)->deletion.timestamp != kNoTimestamp;
    if (!deletions) {
      ASSERT_EQ(got, expected) << "round " << round;
    } else {
      // Where a value deletes the row, a merge may keep the cells it shadows until a later merge
      // (a value merged alone is not resolved): what reads see is the same.
      for (int64_t now : {1000, 6000}) {
        ASSERT_EQ(ResolveRow(*DecodeRow(got), kNoTimestamp, now),
                  ResolveRow(*DecodeRow(expected), kNoTimestamp, now))
            << "round " << round;
      }
    }
    superseded += n > 1 && got == values.back();
  }
  EXPECT_GT(superseded, 100);  // the fast path's case occurs, not only the slow path's
}

TEST(MergeStoredValues, AnOverwriteGivesTheNewestValueAndAnyOlderColumnKeepsTheSlowPath) {
  Row older;
  older.marker = {5, 0, 0};
  older.cells["v"] = Value(5, "old");
  Row newer;
  newer.marker = {9, 0, 0};
  newer.cells["v"] = Value(9, "new");
  EXPECT_EQ(Merged({EncodeRow(older), EncodeRow(newer)}), EncodeRow(newer));
  // An older column the newest value does not set survives the merge.
  older.cells["w"] = Value(5, "kept");
  Row both = newer;
  both.cells["w"] = Value(5, "kept");
  EXPECT_EQ(Merged({EncodeRow(older), EncodeRow(newer)}), EncodeRow(both));
  // A tie is decided by the cell rules, not by arrival: the greater value wins.
  Row tie;
  tie.marker = {9, 0, 0};
  tie.cells["v"] = Value(9, "a");
  EXPECT_EQ(Merged({EncodeRow(newer), EncodeRow(tie)}), EncodeRow(newer));
  // A later write with an older timestamp (USING TIMESTAMP) loses.
  EXPECT_EQ(Merged({EncodeRow(newer), EncodeRow(older)}), EncodeRow([&] {
              Row r = newer;
              r.cells["w"] = Value(5, "kept");
              return r;
            }()));
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

// Issue 10 item 7: a dropped column's cells written up to the drop time are not data any more
// (Cassandra skips them when reading, system_schema.dropped_columns), so a row created by UPDATE
// whose only cell they were is gone; cells written after the drop (column re-added) count.
TEST(ResolveRow, DroppedColumnCellsNoLongerKeepARowAlive) {
  const DroppedColumns dropped = {{"x", 100}};
  Row r;
  r.cells["x"] = Value(99, "old");
  EXPECT_TRUE(ResolveRow(r, kNoTimestamp, 1000).has_value());
  EXPECT_FALSE(ResolveRow(r, kNoTimestamp, 1000, &dropped).has_value());
  r.cells["x"] = Value(100, "at the drop");
  EXPECT_FALSE(ResolveRow(r, kNoTimestamp, 1000, &dropped).has_value());
  r.cells["x"] = Value(101, "re-added");
  auto live = ResolveRow(r, kNoTimestamp, 1000, &dropped);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->cells.at("x").value, "re-added");
  Row with_marker;
  with_marker.marker.timestamp = 5;
  with_marker.cells["x"] = Value(5, "old");
  with_marker.cells["y"] = Value(5, "kept");
  live = ResolveRow(with_marker, kNoTimestamp, 1000, &dropped);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->cells.count("x"), 0u);
  EXPECT_EQ(live->cells.at("y").value, "kept");
}

// Issue 10 item 8: row metadata cells (the exact clustering bytes) ride along with a live row
// but never make one.
TEST(ResolveRow, MetadataCellsNeverMakeARowLive) {
  const std::string meta = std::string(1, kRowMetadataCellPrefix) + "clustering";
  Row r;
  r.cells[meta] = Value(5, "bytes");
  EXPECT_FALSE(ResolveRow(r, kNoTimestamp, 1000).has_value());
  r.cells["v"] = Value(5, "1");
  auto live = ResolveRow(r, kNoTimestamp, 1000);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->cells.at(meta).value, "bytes");
  r.cells["v"] = Tombstone(6);
  EXPECT_FALSE(ResolveRow(r, kNoTimestamp, 1000).has_value());
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

// The stored row format is on disk: its bytes must not move when the encoder changes (issue 14
// rewrote it to write at a cursor). Fields big-endian: marker timestamp, ttl, expiry; deletion
// timestamp, local time; cell count; per cell its name, timestamp, ttl, local deletion time,
// kind (0 value, 1 tombstone, 2 counter), value (, counter floor).
TEST(Codec, TheStoredRowBytesAreTheDocumentedFormat) {
  Row r;
  r.marker = {0x0102030405060708, 0x0A0B0C0D, -2};
  r.deletion = {kNoTimestamp, 0};
  r.cells["a"] = Value(0x11, std::string("\0v", 2), 60, 0x22);
  r.cells["b"] = Tombstone(9);
  Cell counter;
  counter.timestamp = 5;
  counter.counter = true;
  counter.value = std::string("\0\0\0\0\0\0\0\x03", 8);
  counter.counter_floor = 4;
  r.cells["c"] = counter;
  const auto be = [](uint64_t v, int n) {
    std::string s;
    for (int i = n - 1; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
    return s;
  };
  std::string want = std::string("\x01R", 2);
  want += be(0x0102030405060708, 8) + be(0x0A0B0C0D, 4) + be(static_cast<uint64_t>(-2), 8);
  want += be(static_cast<uint64_t>(kNoTimestamp), 8) + be(0, 8) + be(3, 4);
  want += be(1, 4) + "a" + be(0x11, 8) + be(60, 4) + be(0x22, 8) + std::string(1, '\0') + be(2, 4) +
          std::string("\0v", 2);
  want += be(1, 4) + "b" + be(9, 8) + be(0, 4) + be(100, 8) + std::string(1, '\1') + be(0, 4);
  want += be(1, 4) + "c" + be(5, 8) + be(0, 4) + be(0, 8) + std::string(1, '\2') + be(8, 4) +
          counter.value + be(4, 8);
  EXPECT_EQ(EncodeRow(r), want);
  std::string reused = "old bytes";
  EncodeRowInto(r, &reused);
  EXPECT_EQ(reused, want);
  PartitionHeader h;
  h.deletion = {7, 8};
  h.static_row = r;
  EXPECT_EQ(EncodeHeader(h), std::string("\x01H", 2) + be(7, 8) + be(8, 8) + be(0, 4) +
                                 std::string(1, '\1') + want.substr(2));
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
