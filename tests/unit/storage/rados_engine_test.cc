// The RADOS engine's own cases (issue 15, docs/dev/rados-mapping.md), on the pool named by
// SIBYL_TEST_CEPH_CONF / SIBYL_TEST_CEPH_POOL (skipped without): partitions past the OSD's
// 1,024-entry page in both orders with ranges and resume; counters and compare-and-apply from
// two nodes at once with read compaction racing; scans across index shards in token order;
// truncate; and a logged batch whose node died before applying it, replayed.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "engine_test_base.h"
#include "rados_test_rows.h"
#include "storage/rados_engine.h"
#include "storage/rados_fragments.h"

namespace sibyl::storage {
namespace {

class RadosEngineTest : public EngineTest {
 protected:
  void SetUp() override {
    if (!RadosTestsEnabled()) GTEST_SKIP() << "SIBYL_TEST_CEPH_CONF/SIBYL_TEST_CEPH_POOL not set";
    OpenEngine("", RocksDbOptions{}, EngineKind::kRados);
  }
  static int64_t CounterOf(const ResolvedPartition& p) {
    if (p.rows.empty() || !p.rows[0].cells.count("c")) return 0;
    return CounterValue(p.rows[0].cells.at("c"));
  }
  std::vector<uint32_t> Keys(const SliceQuery& q, bool* more = nullptr) {
    SliceQuery query = q;
    query.now_seconds = 1000;
    auto p = engine_->ReadPartition("t", "big", 3, query);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    std::vector<uint32_t> out;
    if (!p.ok()) return out;
    for (const auto& r : p->rows) out.push_back(CkValue(r.clustering));
    if (more) *more = p->more;
    return out;
  }
};

// 2,500 rows (some deleted, some overwritten across pages): every read equals the model.
TEST_F(RadosEngineTest, PartitionsPastOnePageInBothOrdersWithRangesAndResume) {
  constexpr uint32_t kRows = 2500;
  for (uint32_t begin = 0; begin < kRows; begin += 500) {
    PartitionMutation m;
    m.partition_key = "big";
    m.token = 3;
    for (uint32_t i = begin; i < begin + 500; ++i) {
      Row r;
      r.clustering = Ck(i);
      r.marker.timestamp = 10;
      r.cells["v"] = Cell{10, 0, 0, false, "x"};
      m.rows.push_back(std::move(r));
    }
    ASSERT_TRUE(engine_->Apply({{"t", std::move(m)}}).ok());
  }
  PartitionMutation del;  // every 10th row deleted: dead rows between pages
  del.partition_key = "big";
  del.token = 3;
  for (uint32_t i = 0; i < kRows; i += 10) {
    Row r;
    r.clustering = Ck(i);
    r.deletion = {20, 1};
    del.rows.push_back(std::move(r));
  }
  ASSERT_TRUE(engine_->Apply({{"t", std::move(del)}}).ok());
  std::vector<uint32_t> live;
  for (uint32_t i = 0; i < kRows; ++i) {
    if (i % 10 != 0) live.push_back(i);
  }
  SliceQuery all;
  EXPECT_EQ(Keys(all), live);
  SliceQuery rev;
  rev.reversed = true;
  EXPECT_EQ(Keys(rev), std::vector<uint32_t>(live.rbegin(), live.rend()));
  // A range with an exclusive start and an inclusive end, limited, then resumed.
  SliceQuery range;
  range.ranges = {{{Ck(101), false}, {Ck(2201), true}}};
  range.row_limit = 1500;
  bool more = false;
  auto first = Keys(range, &more);
  ASSERT_EQ(first.size(), 1500u);
  EXPECT_TRUE(more);
  EXPECT_EQ(first.front(), 102u);
  range.resume_after = Ck(first.back());
  auto rest = Keys(range, &more);
  EXPECT_FALSE(more);
  std::vector<uint32_t> expected;
  for (uint32_t i : live) {
    if (i > 101 && i <= 2201) expected.push_back(i);
  }
  first.insert(first.end(), rest.begin(), rest.end());
  EXPECT_EQ(first, expected);
  // Reversed, two ranges, paged by 700.
  SliceQuery two;
  two.ranges = {{{Ck(5), true}, {Ck(300), false}}, {{Ck(1000), true}, {}}};
  two.reversed = true;
  two.row_limit = 700;
  std::vector<uint32_t> paged;
  for (int page = 0; page < 10; ++page) {
    auto got = Keys(two, &more);
    paged.insert(paged.end(), got.begin(), got.end());
    if (!more) break;
    two.resume_after = Ck(got.back());
  }
  std::vector<uint32_t> want;
  for (auto it = live.rbegin(); it != live.rend(); ++it) {
    if ((*it >= 5 && *it < 300) || *it >= 1000) want.push_back(*it);
  }
  EXPECT_EQ(paged, want);
}

// Two nodes increment one counter concurrently while a third thread keeps reading it (each
// read may compact its fragments): the sum is exact, never an increment lost or doubled.
TEST_F(RadosEngineTest, CountersFromTwoNodesWithCompactionRacingAreExact) {
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  std::vector<Engine*> nodes = {engine_.get(), other->get()};
  constexpr int kPerThread = 150;
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        PartitionMutation m;
        m.partition_key = "ctr";
        m.token = 11;
        Row r;
        r.cells["c"] = Delta(1000 + i, 1 + t);
        m.rows.push_back(std::move(r));
        if (!nodes[t % 2]->Apply({{"t", std::move(m)}}).ok()) ++failures;
      }
    });
  }
  std::thread reader([&] {
    while (!done) {
      SliceQuery q;
      q.now_seconds = 1000;
      auto p = nodes[1]->ReadPartition("t", "ctr", 11, q);
      if (!p.ok()) ++failures;
    }
  });
  for (auto& th : threads) th.join();
  done = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  const int64_t expected = kPerThread * (1 + 2 + 3 + 4);
  for (Engine* node : nodes) {
    SliceQuery q;
    q.now_seconds = 1000;
    auto p = node->ReadPartition("t", "ctr", 11, q);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(CounterOf(*p), expected);
    WaitForCompactionsForTesting(*node);
  }
  // Reads compacted the 600 increments: a few fragments are left, and the sum is the same.
  size_t fragments = SIZE_MAX;
  for (int round = 0; round < 5 && fragments > 9; ++round) {
    SliceQuery q;
    q.now_seconds = 1000;
    auto after = engine_->ReadPartition("t", "ctr", 11, q);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(CounterOf(*after), expected);
    WaitForCompactionsForTesting(*engine_);
    librados::IoCtx io = cleanup_->IoCtx("t");
    std::set<std::string> keys;
    bool more = false;
    int rval = 0;
    librados::ObjectReadOperation op;
    op.omap_get_keys2("", 1024, &keys, &more, &rval);
    ASSERT_EQ(io.operate(rados::PartitionObjectName(11, "ctr"), &op, nullptr), 0);
    fragments = keys.size();
  }
  EXPECT_LE(fragments, 9u);
}

// Read-increment-write through CompareAndApply from two nodes: linearizable, no lost update.
TEST_F(RadosEngineTest, CompareAndApplyFromTwoNodesLosesNoUpdate) {
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok());
  std::vector<Engine*> nodes = {engine_.get(), other->get()};
  constexpr int kRounds = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        SliceQuery q;
        q.now_seconds = 1000;
        Status s = IncrementByCompareAndApply(*nodes[t % 2], "cas", 9, "", q);
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  SliceQuery q;
  q.now_seconds = 1000;
  auto p = nodes[1]->ReadPartition("t", "cas", 9, q);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->rows.size(), 1u);
  EXPECT_EQ(p->rows[0].cells.at("v").value, std::to_string(4 * kRounds));
}

// Node A decides on an empty partition, node B's IF NOT EXISTS wins meanwhile: A's guarded
// write fails, and A reads and decides again, now seeing B's row (so it applies nothing and a
// caller's "[applied]" must come from the last decision: engine.h, query/lwt.cc).
TEST_F(RadosEngineTest, ALosingCompareAndApplyDecidesAgainOnWhatWon) {
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok());
  auto if_absent = [](const std::string& value, int64_t ts, const ResolvedPartition& current)
      -> Result<std::optional<PartitionMutation>> {
    if (!current.rows.empty()) return std::optional<PartitionMutation>();
    PartitionMutation m;
    m.partition_key = "race";
    m.token = 5;
    Row r;
    r.marker.timestamp = ts;
    r.cells["v"] = Cell{ts, 0, 0, false, value};
    m.rows.push_back(std::move(r));
    return std::optional<PartitionMutation>(std::move(m));
  };
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::vector<std::string> seen;
  std::thread a([&] {
    SliceQuery q;
    q.now_seconds = 1000;
    Status s = engine_->CompareAndApply(
        "t", "race", 5, q,
        [&](const ResolvedPartition& current, int64_t ts) -> Result<std::optional<PartitionMutation>> {
          seen.push_back(current.rows.empty() ? "" : current.rows[0].cells.at("v").value);
          if (seen.size() == 1) {
            entered.set_value();
            released.wait();
          }
          return if_absent("a", ts, current);
        });
    EXPECT_TRUE(s.ok()) << s.ToString();
  });
  entered.get_future().wait();
  SliceQuery q;
  q.now_seconds = 1000;
  Status b = (*other)->CompareAndApply(
      "t", "race", 5, q,
      [&](const ResolvedPartition& current, int64_t ts) { return if_absent("b", ts, current); });
  EXPECT_TRUE(b.ok()) << b.ToString();
  release.set_value();
  a.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"", "b"}));
  auto p = engine_->ReadPartition("t", "race", 5, q);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->rows.size(), 1u);
  EXPECT_EQ(p->rows[0].cells.at("v").value, "b");
}

// 300 partitions spread over the 256 index shards: a scan is in token order, token ranges and
// paging (on another node) agree with it, and TRUNCATE empties it.
TEST_F(RadosEngineTest, ScansAcrossIndexShardsInTokenOrder) {
  std::mt19937_64 rng(42);
  std::vector<TableMutation> batch;
  std::vector<std::pair<int64_t, std::string>> expected;
  for (int i = 0; i < 300; ++i) {
    PartitionMutation m;
    m.partition_key = "p" + std::to_string(i);
    m.token = static_cast<int64_t>(rng());
    Row r;
    r.cells["v"] = Cell{1, 0, 0, false, "x"};
    m.rows.push_back(r);
    expected.emplace_back(m.token, m.partition_key);
    ASSERT_TRUE(engine_->Apply({{"t", std::move(m)}}).ok());
  }
  std::sort(expected.begin(), expected.end());
  auto render = [](const std::vector<PartitionPosition>& ps) {
    std::vector<std::pair<int64_t, std::string>> out;
    for (const auto& p : ps) out.emplace_back(p.token, p.partition_key);
    return out;
  };
  ScanQuery all;
  all.max_partitions = 1000;
  auto scanned = engine_->ScanPartitions("t", all);
  ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
  EXPECT_EQ(render(*scanned), expected);
  // Exclusive start and inclusive end at existing tokens.
  ScanQuery range;
  range.start_token = expected[50].first;
  range.start_inclusive = false;
  range.end_token = expected[200].first;
  auto ranged = engine_->ScanPartitions("t", range);
  ASSERT_TRUE(ranged.ok());
  const std::vector<std::pair<int64_t, std::string>> inside(expected.begin() + 51,
                                                            expected.begin() + 201);
  EXPECT_EQ(render(*ranged), inside);
  // Pages of 7 resumed on another node.
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok());
  std::vector<PartitionPosition> paged;
  ScanQuery page;
  page.max_partitions = 7;
  for (int i = 0; i < 100; ++i) {
    Engine& node = i % 2 ? **other : *engine_;
    auto got = node.ScanPartitions("t", page);
    ASSERT_TRUE(got.ok());
    paged.insert(paged.end(), got->begin(), got->end());
    if (got->size() < 7) break;
    page.resume_after = got->back();
  }
  EXPECT_EQ(render(paged), expected);
  ASSERT_TRUE(engine_->TruncateTable("t").ok());
  auto empty = (*other)->ScanPartitions("t", all);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  SliceQuery q;
  auto gone = (*other)->ReadPartition("t", expected[0].second, expected[0].first, q);
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->rows.empty());
}

// Another node's TRUNCATE empties the index; this node still "knows" its partitions are indexed
// until ForgetCachedState (called on the schema reload every DDL, TRUNCATE included, publishes):
// after it, a write here indexes the partition again, so scans on any node find it (issue 15).
TEST_F(RadosEngineTest, AfterAnotherNodesTruncateForgottenCachesIndexWritesAgain) {
  auto write = [](Engine& node, const std::string& key) {
    PartitionMutation m;
    m.partition_key = key;
    m.token = 77;
    Row r;
    r.cells["v"] = Cell{1, 0, 0, false, "x"};
    m.rows.push_back(r);
    return node.Apply({{"t", std::move(m)}});
  };
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(write(*engine_, "a").ok());  // this node indexed "a"
  ASSERT_TRUE((*other)->TruncateTable("t").ok());
  engine_->ForgetCachedState();
  ASSERT_TRUE(write(*engine_, "a").ok());
  ScanQuery all;
  auto scanned = (*other)->ScanPartitions("t", all);
  ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
  ASSERT_EQ(scanned->size(), 1u);
  EXPECT_EQ((*scanned)[0].partition_key, "a");
}

// A batch over two partitions logged by a node that died before applying it: nothing is
// visible, a replay (by another node) applies all of it, and a second replay adds nothing
// (counters included: the same fragment keys are written again).
TEST_F(RadosEngineTest, LoggedBatchOfADeadNodeIsReplayedOnce) {
  std::vector<TableMutation> batch;
  for (const char* key : {"a", "b"}) {
    PartitionMutation m;
    m.partition_key = key;
    m.token = key[0];
    Row r;
    r.cells["c"] = Delta(100, 5);
    m.rows.push_back(std::move(r));
    batch.push_back({"t", std::move(m)});
  }
  ASSERT_TRUE(LogBatchOnlyForTesting(*engine_, batch).ok());
  SliceQuery q;
  q.now_seconds = 1000;
  auto before = engine_->ReadPartition("t", "a", 'a', q);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(CounterOf(*before), 0);
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok());
  auto replayed = ReplayBatchlogForTesting(**other, std::chrono::seconds(0));
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  EXPECT_EQ(*replayed, 1);
  auto again = ReplayBatchlogForTesting(**other, std::chrono::seconds(0));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  for (const char* key : {"a", "b"}) {
    auto p = engine_->ReadPartition("t", key, key[0], q);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(CounterOf(*p), 5) << key;
  }
  ScanQuery all;
  auto scanned = engine_->ScanPartitions("t", all);
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ(scanned->size(), 2u);  // the replay indexed them too
}

}  // namespace
}  // namespace sibyl::storage
