// The pure pieces of the RADOS engine (storage/rados_fragments.h, docs/dev/rados-mapping.md):
// names, index keys in token order, fragment keys grouping by row in clustering order, merge and
// compaction plans (counters summed once, expiry, logged-batch fragments left alone), and the
// batchlog encoding with hostile bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <random>

#include "storage/rados_fragments.h"
#include "storage/row_codec.h"

namespace sibyl::storage::rados {
namespace {

Cell Counter(int64_t ts, int64_t delta) {
  Cell c;
  c.timestamp = ts;
  c.counter = true;
  for (int i = 7; i >= 0; --i) c.value.push_back(static_cast<char>(static_cast<uint64_t>(delta) >> (8 * i)));
  return c;
}

int64_t CounterValue(const Cell& c) {
  uint64_t v = 0;
  for (char ch : c.value) v = (v << 8) | static_cast<uint8_t>(ch);
  return static_cast<int64_t>(v);
}

TEST(RadosNames, ObjectNamesAreBoundedAndDistinct) {
  std::string big(65535, 'k');
  std::string name = PartitionObjectName(-1, big);
  EXPECT_EQ(name.size(), 2 + 16 + 1 + 32u);
  EXPECT_NE(PartitionObjectName(5, "a"), PartitionObjectName(5, "b"));
  EXPECT_NE(PartitionObjectName(5, "a"), PartitionObjectName(6, "a"));
  EXPECT_EQ(IndexShardName(0), "i.00");
  EXPECT_EQ(IndexShardName(255), "i.ff");
  EXPECT_EQ(IndexShardOf(INT64_MIN), 0);
  EXPECT_EQ(IndexShardOf(INT64_MAX), 255);
  EXPECT_EQ(IndexShardOf(-1), 127);
  EXPECT_EQ(IndexShardOf(0), 128);
}

TEST(RadosIndex, KeysSortInTokenOrderThenKeyAndRoundTrip) {
  std::vector<std::pair<int64_t, std::string>> positions = {
      {INT64_MIN, "a"}, {-5, ""}, {-5, "a"}, {-5, "b"}, {0, "z"}, {7, "\xff"}, {INT64_MAX, "a"}};
  std::vector<std::string> keys;
  for (const auto& [t, k] : positions) keys.push_back(IndexKey(t, k));
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  for (size_t i = 0; i < keys.size(); ++i) {
    PartitionPosition p;
    ASSERT_TRUE(ParseIndexKey(keys[i], &p));
    EXPECT_EQ(p.token, positions[i].first);
    EXPECT_EQ(p.partition_key, positions[i].second);
  }
  // The scan's start keys: FlipToken(t) is below every entry of t, FlipToken(t) + 0x01 above.
  EXPECT_LT(FlipToken(-5), IndexKey(-5, ""));
  EXPECT_GT(FlipToken(-5) + '\x01', IndexKey(-5, "\xff\xff"));
  PartitionPosition p;
  EXPECT_FALSE(ParseIndexKey("short", &p));
  EXPECT_FALSE(ParseIndexKey(FlipToken(1) + "x", &p));
}

TEST(RadosFragments, SuffixesAreUniqueAndCarryClockAndBatchBit) {
  SuffixSource a(1), b(2);
  std::string s1 = a.Next(1000), s2 = a.Next(1000), s3 = b.Next(1000);
  EXPECT_EQ(s1.size(), kSuffixSize);
  EXPECT_NE(s1, s2);
  EXPECT_NE(s1, s3);
  EXPECT_EQ(SuffixMicros(s1), 1000);
  EXPECT_FALSE(LoggedBatchFragment(s1));
  EXPECT_TRUE(LoggedBatchFragment(a.Next(5, FromLoggedBatch::kYes)));
}

// Fragments of one row are contiguous and rows are in clustering order, whatever the suffixes
// (clusterings are prefix-free: docs/dev/key-encoding.md).
TEST(RadosFragments, KeysGroupByRowInClusteringOrder) {
  SuffixSource s;
  std::vector<std::string> clusterings = {std::string("\x01\x00", 2), "\x01\x01", "\x02", "\x80"};
  std::map<std::string, std::string> omap;
  for (int round = 0; round < 5; ++round) {
    for (const auto& c : clusterings) omap[RowFragmentKey(c, s.Next(1000 - round * 100))] = c;
  }
  omap[HeaderFragmentKey(s.Next(5))] = "h";
  std::vector<std::string> seen;
  for (const auto& [key, value] : omap) {
    std::string_view row = FragmentRowKey(key);
    if (row[0] == kHeaderFragment) {
      EXPECT_TRUE(seen.empty());  // headers first
      continue;
    }
    std::string c(RowClustering(row));
    EXPECT_EQ(c, value);
    if (seen.empty() || seen.back() != c) seen.push_back(c);
  }
  EXPECT_EQ(seen, clusterings);  // each row once: its fragments were contiguous
  EXPECT_TRUE(FragmentRowKey("short").empty());
}

TEST(RadosFragments, AMutationBecomesHeaderAndOneFragmentPerRow) {
  SuffixSource s;
  PartitionMutation m;
  m.partition_deletion = {5, 1};
  Row a;
  a.clustering = "a";
  a.cells["v"] = Cell{10, 0, 0, false, "one"};
  Row a2 = a;
  a2.cells["w"] = Cell{11, 0, 0, false, "two"};
  m.rows = {a, a2};
  Fragments out;
  AppendFragments(m, s, 1000, FromLoggedBatch::kNo, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].first[0], kHeaderFragment);
  auto row = DecodeRow(out[1].second);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->cells.size(), 2u);  // the two writes of row "a" merged
  EXPECT_EQ(RowClustering(FragmentRowKey(out[1].first)), "a");
}

TEST(RadosCompaction, MergesCountersOnceAndOnlyAboveTheThreshold) {
  SuffixSource s;
  Fragments fragments;
  for (int i = 0; i < 8; ++i) {
    Row r;
    r.cells["c"] = Counter(100 + i, 1);
    fragments.emplace_back(RowFragmentKey("k", s.Next(100 + i)), EncodeRow(r));
  }
  auto none = PlanCompaction(fragments, false, s, 1000000000, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  Row r;
  r.cells["c"] = Counter(200, 5);
  fragments.emplace_back(RowFragmentKey("k", s.Next(200)), EncodeRow(r));
  auto plan = PlanCompaction(fragments, false, s, 1000000000, 0);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(plan->has_value());
  EXPECT_EQ((*plan)->guard, fragments);  // every merged fragment guarded with its exact value
  ASSERT_TRUE((*plan)->merged.has_value());
  EXPECT_EQ(FragmentRowKey((*plan)->merged->first), "\x01k");
  auto merged = DecodeRow((*plan)->merged->second);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(CounterValue(merged->cells.at("c")), 13);
}

TEST(RadosCompaction, ExpiresAndPurgesAndSkipsYoungLoggedBatchFragments) {
  SuffixSource s;
  const int64_t now = int64_t{2000000000} * 1000000;
  Fragments fragments;
  for (int i = 0; i < 9; ++i) {
    Row r;
    r.cells["v"] = Cell{i, 0, 100, true, ""};  // tombstones deleted long ago
    fragments.emplace_back(RowFragmentKey("k", s.Next(i)), EncodeRow(r));
  }
  auto plan = PlanCompaction(fragments, false, s, now, 10);
  ASSERT_TRUE(plan.ok() && plan->has_value());
  EXPECT_FALSE((*plan)->merged.has_value());  // nothing left: only removals
  // Young fragments of a logged batch are never merged (a replay re-adds their keys).
  Fragments logged;
  for (int i = 0; i < 12; ++i) {
    Row r;
    r.cells["c"] = Counter(i, 1);
    logged.emplace_back(RowFragmentKey("k", s.Next(now - 1000, FromLoggedBatch::kYes)), EncodeRow(r));
  }
  auto skipped = PlanCompaction(logged, false, s, now, 10);
  ASSERT_TRUE(skipped.ok());
  EXPECT_FALSE(skipped->has_value());
  auto later = PlanCompaction(logged, false, s, now + kBatchReplayHorizonMicros, 10);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->has_value());
  // A stored time at the far end of the range (another node's bytes) is old, not an overflow
  // (found by fuzz_rados_objects under UBSan).
  Fragments ancient;
  for (int i = 0; i < 12; ++i) {
    Row r;
    r.cells["c"] = Counter(i, 1);
    ancient.emplace_back(
        RowFragmentKey("k", s.Next(std::numeric_limits<int64_t>::min() + i, FromLoggedBatch::kYes)),
        EncodeRow(r));
  }
  auto old = PlanCompaction(ancient, false, s, now, 10);
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(old->has_value());
}

TEST(RadosCompaction, MalformedValueIsCorruption) {
  SuffixSource s;
  Fragments fragments;
  for (int i = 0; i < 9; ++i) fragments.emplace_back(RowFragmentKey("k", s.Next(i)), "\x01R garbage");
  auto plan = PlanCompaction(fragments, false, s, 1000000, 10);
  EXPECT_EQ(plan.status().code(), ErrorCode::kCorruption);
}

TEST(RadosBatchlog, RoundTripsAndRefusesEveryTruncationAndGarbage) {
  std::vector<BatchPartition> batch = {{"t1", -7, "pk1", {{"k1", "v1"}, {"k2", std::string(3, '\0')}}},
                                       {"t2", INT64_MAX, "", {}}};
  std::string bytes = EncodeBatch(batch);
  auto back = DecodeBatch(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, batch);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(DecodeBatch(bytes.substr(0, n)).status().code(), ErrorCode::kCorruption) << n;
  }
  EXPECT_EQ(DecodeBatch(bytes + "x").status().code(), ErrorCode::kCorruption);
  // A huge count is refused from the bytes left, not allocated.
  std::string huge = std::string(1, '\x01') + "\xff\xff\xff\xff";
  EXPECT_EQ(DecodeBatch(huge).status().code(), ErrorCode::kCorruption);
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string garbage = bytes;
    garbage[rng() % garbage.size()] = static_cast<char>(rng());
    (void)DecodeBatch(garbage);  // never crashes
  }
}

}  // namespace
}  // namespace sibyl::storage::rados
