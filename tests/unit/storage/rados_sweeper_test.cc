// The background TTL and tombstone sweeper of the RADOS engine (issue 15,
// docs/dev/rados-mapping.md "Sweeper"): token ranges owned per node (always), and against the
// pool named by SIBYL_TEST_CEPH_CONF / SIBYL_TEST_CEPH_POOL: a pass purges what a table with
// gc_grace 0 no longer needs without changing reads, keeps young tombstones, and loses nothing
// when it races writes and counter increments from two engine instances.
#include "storage/rados_sweeper.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <set>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "engine_test_base.h"
#include "storage/rados_fragments.h"
#include "storage/row_codec.h"
#include "storage/token_layout.h"

namespace sibyl::storage {
namespace {

TEST(OwnedRanges, OneNodeOwnsTheWholeRing) {
  EXPECT_EQ(OwnedRanges({42}, {}), (std::vector<TokenRange>{{INT64_MIN, INT64_MAX}}));
  EXPECT_EQ(OwnedRanges({-5, 7}, {}), (std::vector<TokenRange>{{INT64_MIN, INT64_MAX}}));
  EXPECT_TRUE(OwnedRanges({}, {{1}}).empty());
}

// Every token is owned by exactly one of the nodes, each from its previous ring token
// (exclusive) to its own; the range that wraps is split at the ring's ends.
TEST(OwnedRanges, NodesSplitTheRingWithoutOverlapOrGap) {
  const std::vector<int64_t> a = {-100, 50}, b = {0, 200};
  EXPECT_EQ(OwnedRanges(a, {b}),
            (std::vector<TokenRange>{{INT64_MIN, -100}, {1, 50}, {201, INT64_MAX}}));
  EXPECT_EQ(OwnedRanges(b, {a}), (std::vector<TokenRange>{{-99, 0}, {51, 200}}));
  // Adjacent ranges of one node are joined.
  EXPECT_EQ(OwnedRanges({10, 20}, {{30}}),
            (std::vector<TokenRange>{{INT64_MIN, 20}, {31, INT64_MAX}}));
  EXPECT_EQ(OwnedRanges({INT64_MAX}, {{0}}), (std::vector<TokenRange>{{1, INT64_MAX}}));
}

// The sweeper's rule (no cluster needed): a single fragment is rewritten only when its
// rewrite changes it; two fragments of a row are always merged.
TEST(PlanCompactionWhenChanged, RewritesOnlyWhatChanges) {
  rados::SuffixSource suffixes(7);
  const int64_t now = 1000000;
  Row live;
  live.marker.timestamp = 5;
  live.cells["v"] = Cell{5, 0, 0, false, "x"};
  Row expired = live;
  expired.cells["v"] = Cell{5, 1, now - 10, false, "x"};
  const std::string key_a = rados::RowFragmentKey("a", suffixes.Next(1));
  const std::string key_b = rados::RowFragmentKey("a", suffixes.Next(2));
  auto plan = [&](const rados::Fragments& f) {
    auto p = rados::PlanCompaction(f, false, suffixes, now * 1000000, 3600,
                                   rados::CompactWhen::kChanged);
    EXPECT_TRUE(p.ok());
    return p.ok() ? std::move(*p) : std::nullopt;
  };
  EXPECT_FALSE(plan({{key_a, EncodeRow(live)}}));
  auto one = plan({{key_a, EncodeRow(expired)}});
  ASSERT_TRUE(one);
  ASSERT_TRUE(one->merged);
  auto tombstone = DecodeRow(one->merged->second);
  ASSERT_TRUE(tombstone.ok());
  EXPECT_TRUE(tombstone->cells.at("v").tombstone);  // within gc_grace: kept as a tombstone
  auto two = plan({{key_a, EncodeRow(live)}, {key_b, EncodeRow(live)}});
  ASSERT_TRUE(two);
  EXPECT_EQ(two->guard.size(), 2u);
  // Read compaction's rule is unchanged: not more than kCompactAbove fragments, no rewrite.
  auto read =
      rados::PlanCompaction({{key_a, EncodeRow(expired)}}, false, suffixes, now * 1000000, 3600);
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(*read);
}

class RadosSweeperTest : public EngineTest {
 protected:
  void SetUp() override {
    if (!RadosTestsEnabled()) GTEST_SKIP() << "SIBYL_TEST_CEPH_CONF/SIBYL_TEST_CEPH_POOL not set";
    OpenEngine("", RocksDbOptions{}, EngineKind::kRados);
    auto connection = ConnectForTesting(rados_prefix_);
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    connection_ = *connection;
  }
  void TearDown() override {
    connection_.reset();
    EngineTest::TearDown();
  }
  // The omap of partition (token, key) of table "t": key -> value.
  std::map<std::string, std::string> Omap(int64_t token, const std::string& key) {
    librados::IoCtx io = connection_->IoCtx("t");
    std::map<std::string, librados::bufferlist> page;
    bool more = false;
    int rval = 0;
    librados::ObjectReadOperation op;
    op.omap_get_vals2("", 1024, &page, &more, &rval);
    std::map<std::string, std::string> out;
    if (io.operate(rados::PartitionObjectName(token, key), &op, nullptr) < 0) return out;
    for (auto& [k, v] : page) out[k] = v.to_str();
    return out;
  }
  std::string Render(const std::string& key, int64_t token) {
    SliceQuery q;
    q.now_seconds = NowSeconds();
    auto p = engine_->ReadPartition("t", key, token, q);
    if (!p.ok()) return p.status().ToString();
    std::string out;
    for (const auto& row : p->rows) {
      out += "[" + row.clustering;
      for (const auto& [name, cell] : row.cells) out += " " + name + "=" + cell.value;
      out += "]";
    }
    return out;
  }
  Result<rados::SweepStats> Sweep(int64_t gc_grace_seconds) {
    RadosSweeper sweeper(connection_, nullptr, [] { return std::vector<SweptTable>{}; }, {});
    return sweeper.SweepTableForTesting({"t", gc_grace_seconds});
  }
  // A row written 10 s ago whose cells lived 1 s (a table with a short TTL): expired now.
  static Row ExpiredRow(const std::string& clustering, int64_t now) {
    Row r;
    r.clustering = clustering;
    r.marker = {(now - 10) * 1000000, 1, now - 9};
    r.cells["v"] = Cell{(now - 10) * 1000000, 1, now - 9, false, "gone"};
    return r;
  }
  static Row LiveRow(const std::string& clustering, int64_t now, const std::string& value) {
    Row r;
    r.clustering = clustering;
    r.marker.timestamp = now * 1000000;
    r.cells["v"] = Cell{now * 1000000, 0, 0, false, value};
    return r;
  }

  std::shared_ptr<RadosConnection> connection_;
};

// A table with gc_grace 0: expired rows and old row tombstones leave the omap entirely, a
// partition whose rows all expired is left with an empty omap, live rows are not rewritten,
// reads see the same rows before and after, and a second pass has nothing to do.
TEST_F(RadosSweeperTest, PassPurgesExpiredCellsAndOldTombstonesWithoutChangingReads) {
  const int64_t now = NowSeconds();
  PartitionMutation a;
  a.partition_key = "a";
  a.token = 100;
  a.rows = {ExpiredRow("1", now), LiveRow("2", now, "kept")};
  Row deleted;
  deleted.clustering = "3";
  deleted.deletion = {(now - 10) * 1000000, now - 10};
  a.rows.push_back(deleted);
  PartitionMutation b;
  b.partition_key = "b";
  b.token = -100;
  b.rows = {ExpiredRow("1", now), ExpiredRow("2", now)};
  ASSERT_TRUE(engine_->Apply({{"t", a}}).ok());
  ASSERT_TRUE(engine_->Apply({{"t", b}}).ok());
  ASSERT_EQ(Omap(100, "a").size(), 3u);
  ASSERT_EQ(Omap(-100, "b").size(), 2u);
  const std::string before_a = Render("a", 100), before_b = Render("b", -100);
  EXPECT_EQ(before_a, "[2 v=kept]");
  EXPECT_EQ(before_b, "");
  const auto live_fragment = Omap(100, "a");

  auto stats = Sweep(0);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->partitions, 2u);
  EXPECT_EQ(stats->rewrites, 4u);  // rows 1 and 3 of a, rows 1 and 2 of b
  EXPECT_EQ(stats->raced, 0u);
  auto after_a = Omap(100, "a");
  ASSERT_EQ(after_a.size(), 1u);
  EXPECT_EQ(after_a.begin()->first, rados::RowFragmentKey("2", after_a.begin()->first.substr(2)));
  EXPECT_TRUE(live_fragment.count(after_a.begin()->first));  // the same fragment, not rewritten
  EXPECT_TRUE(Omap(-100, "b").empty());
  EXPECT_EQ(Render("a", 100), before_a);
  EXPECT_EQ(Render("b", -100), before_b);

  auto again = Sweep(0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rewrites, 0u);
  EXPECT_EQ(again->partitions, 2u);  // entries stay (docs: removing them races first writes)
}

// Within gc_grace an expired cell becomes a tombstone (it must still shadow older data on
// replicas of the past) but is not dropped; several fragments of a row are merged into one.
TEST_F(RadosSweeperTest, YoungTombstonesAreKeptAndFragmentsMerged) {
  const int64_t now = NowSeconds();
  PartitionMutation m;
  m.partition_key = "k";
  m.token = 5;
  m.rows = {ExpiredRow("1", now)};
  ASSERT_TRUE(engine_->Apply({{"t", m}}).ok());
  m.rows = {LiveRow("2", now, "x")};
  ASSERT_TRUE(engine_->Apply({{"t", m}}).ok());
  m.rows = {LiveRow("2", now, "y")};
  m.rows[0].cells["v"].timestamp += 1;
  ASSERT_TRUE(engine_->Apply({{"t", m}}).ok());
  ASSERT_EQ(Omap(5, "k").size(), 3u);

  auto stats = Sweep(3600);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->rewrites, 2u);
  auto omap = Omap(5, "k");
  ASSERT_EQ(omap.size(), 2u);
  auto row1 = DecodeRow(omap.begin()->second);
  ASSERT_TRUE(row1.ok());
  ASSERT_EQ(row1->cells.count("v"), 1u);
  EXPECT_TRUE(row1->cells.at("v").tombstone);
  EXPECT_EQ(Render("k", 5), "[2 v=y]");
}

// The sweeper races four writers on two engine instances (counter increments and rows written
// expired, then overwritten live): every increment is counted once and every live row is read.
TEST_F(RadosSweeperTest, SweepRacingWritesFromTwoNodesLosesNothing) {
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  std::vector<Engine*> nodes = {engine_.get(), other->get()};
  constexpr int kPerThread = 120;
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  const int64_t now = NowSeconds();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        PartitionMutation m;
        m.partition_key = "p" + std::to_string(i % 3);
        m.token = i % 3;
        Row counter;
        counter.clustering = "c";
        Cell delta;
        delta.timestamp = 1000 + i;
        delta.counter = true;
        delta.value = std::string(7, '\0') + static_cast<char>(1 + t);
        counter.cells["c"] = delta;
        m.rows.push_back(counter);
        char ck[16];  // fixed width: clusterings of one table are prefix-free
        std::snprintf(ck, sizeof(ck), "r%d-%03d", t, i);
        m.rows.push_back(ExpiredRow(ck, now));
        if (!nodes[t % 2]->Apply({{"t", m}}).ok()) ++failures;
        m.rows = {LiveRow(ck, now, "live")};
        if (!nodes[(t + 1) % 2]->Apply({{"t", m}}).ok()) ++failures;
      }
    });
  }
  std::atomic<int> passes{0};
  std::thread sweeper([&] {
    while (!done) {
      auto s = Sweep(0);
      if (!s.ok()) ++failures;
      ++passes;
    }
  });
  for (auto& th : threads) th.join();
  done = true;
  sweeper.join();
  auto last = Sweep(0);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(passes.load(), 0);
  int64_t total = 0;
  size_t live_rows = 0;
  for (int p = 0; p < 3; ++p) {
    SliceQuery q;
    q.now_seconds = NowSeconds();
    auto read = nodes[p % 2]->ReadPartition("t", "p" + std::to_string(p), p, q);
    ASSERT_TRUE(read.ok());
    for (const auto& row : read->rows) {
      if (row.clustering == "c") {
        uint64_t v = 0;
        for (char ch : row.cells.at("c").value) v = (v << 8) | static_cast<uint8_t>(ch);
        total += static_cast<int64_t>(v);
      } else {
        EXPECT_EQ(row.cells.at("v").value, "live") << row.clustering;
        ++live_rows;
      }
    }
    // After the last pass each row is one fragment: 1 counter row + its live rows.
    EXPECT_EQ(Omap(p, "p" + std::to_string(p)).size(), read->rows.size());
  }
  EXPECT_EQ(total, int64_t{kPerThread} * (1 + 2 + 3 + 4));
  EXPECT_EQ(live_rows, 4u * kPerThread);
}

}  // namespace
}  // namespace sibyl::storage
