// Big partitions on RADOS (issue 15, docs/dev/rados-mapping.md "Big partitions"), on the pool
// named by SIBYL_TEST_CEPH_CONF / SIBYL_TEST_CEPH_POOL (skipped without): with a bound of a few
// hundred entries, partitions spill into range pieces; reads in both orders with ranges, limits
// and resume, deletions of spilled rows, counters from two nodes while spills and compactions
// race, compare-and-apply, readers racing spills and splits, a reversed LIMIT that reads only
// the last pieces, and the sweeper's expiry and purging inside pieces.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "engine_test_base.h"
#include "rados_test_rows.h"
#include "storage/rados_engine.h"
#include "storage/rados_compaction.h"
#include "storage/rados_fragments.h"
#include "storage/rados_pieces.h"
#include "storage/rados_sweeper.h"

namespace sibyl::storage {
namespace {

constexpr int64_t kToken = 3;

// What differs between two reads, readably: the first row where they part, and the sizes.
std::string Diff(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  if (got == want) return "same";
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return "sizes " + std::to_string(got.size()) + " vs " + std::to_string(want.size()) +
         "; first difference at " + std::to_string(i) + ": " + (i < got.size() ? got[i] : "end") +
         " vs " + (i < want.size() ? want[i] : "end");
}

class RadosBigPartitionTest : public EngineTest {
 protected:
  void SetUp() override {
    if (!RadosTestsEnabled()) GTEST_SKIP() << "SIBYL_TEST_CEPH_CONF/SIBYL_TEST_CEPH_POOL not set";
    rados_spill_above_ = 200;
    OpenEngine("", RocksDbOptions{}, EngineKind::kRados);
  }
  static int64_t CounterValue(const Row& row) { return storage::CounterValue(row.cells.at("c")); }
  // Adds `delta` at `ts` to counter "c" of row Ck(`row`) of partition "big".
  static Status Increment(Engine& node, uint32_t row, int64_t ts, int64_t delta) {
    PartitionMutation m;
    m.partition_key = "big";
    m.token = kToken;
    Row r;
    r.clustering = Ck(row);
    r.cells["c"] = Delta(ts, delta);
    m.rows.push_back(std::move(r));
    return node.Apply({{"t", std::move(m)}});
  }
  // The counter rows (clustering below `counters`) of partition "big" read at `now_seconds`,
  // and how many other rows it has; false after a failed read.
  static bool CountersAndPlain(Engine& node, uint32_t counters, int64_t now_seconds,
                               std::map<uint32_t, int64_t>* got, size_t* plain) {
    SliceQuery q;
    q.now_seconds = now_seconds;
    auto p = node.ReadPartition("t", "big", kToken, q);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok()) return false;
    for (const auto& row : p->rows) {
      if (CkValue(row.clustering) < counters) {
        (*got)[CkValue(row.clustering)] = CounterValue(row);
      } else {
        ++*plain;
      }
    }
    return true;
  }
  // Rows [begin, end) with value `value` at `ts`, `per_write` rows per Apply.
  void WriteRows(Engine& node, uint32_t begin, uint32_t end, const std::string& value, int64_t ts,
                 uint32_t per_write = 250) {
    for (uint32_t from = begin; from < end; from += per_write) {
      PartitionMutation m;
      m.partition_key = "big";
      m.token = kToken;
      for (uint32_t i = from; i < std::min(end, from + per_write); ++i) {
        Row r;
        r.clustering = Ck(i);
        r.marker.timestamp = ts;
        r.cells["v"] = Cell{ts, 0, 0, false, value};
        m.rows.push_back(std::move(r));
      }
      ASSERT_TRUE(node.Apply({{"t", std::move(m)}}).ok());
    }
  }
  // "key=value" of every row read.
  std::vector<std::string> Read(Engine& node, SliceQuery query, bool* more = nullptr) {
    query.now_seconds = 1000;
    auto p = node.ReadPartition("t", "big", kToken, query);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    std::vector<std::string> out;
    if (!p.ok()) return out;
    for (const auto& r : p->rows)
      out.push_back(std::to_string(CkValue(r.clustering)) + "=" + r.cells.at("v").value);
    if (more) *more = p->more;
    return out;
  }
  // Every page of `query` (limit `page`), resumed after the last row of the previous.
  std::vector<std::string> ReadPaged(Engine& node, SliceQuery query, uint64_t page) {
    query.row_limit = page;
    std::vector<std::string> out;
    for (int i = 0; i < 10000; ++i) {
      bool more = false;
      auto got = Read(node, query, &more);
      out.insert(out.end(), got.begin(), got.end());
      if (!more || got.empty()) break;
      query.resume_after =
          Ck(static_cast<uint32_t>(std::stoul(got.back().substr(0, got.back().find('=')))));
    }
    return out;
  }
  // The pieces of partition "big" and the row entries of its head, as stored.
  std::pair<size_t, size_t> Layout(const std::string& key = "big", int64_t token = kToken) {
    librados::IoCtx io = cleanup_->IoCtx("t");
    const std::string head = rados::PartitionObjectName(token, key);
    size_t pieces = 0;
    for (auto it = io.nobjects_begin(); it != io.nobjects_end(); ++it) {
      if (it->get_oid().rfind(head + ".", 0) == 0) ++pieces;
    }
    std::set<std::string> keys;
    bool more = false;
    int rval = 0;
    librados::ObjectReadOperation op;
    op.omap_get_keys2(std::string(1, rados::kRowFragment), 1024, &keys, &more, &rval);
    EXPECT_EQ(io.operate(head, &op, nullptr), 0);
    size_t rows = 0;
    for (const auto& k : keys) rows += k[0] == rados::kRowFragment;
    return {pieces, rows};
  }
};

// 5,000 rows spill into many pieces; overwrites, row deletions and a range tombstone of spilled
// rows win; every read (both orders, ranges, limits, paging, another node) equals the model.
TEST_F(RadosBigPartitionTest, SpilledPartitionReadsExactlyInBothOrders) {
  constexpr uint32_t kRows = 5000;
  WriteRows(*engine_, 0, kRows, "x", 10);
  WaitForSpillsForTesting(*engine_);
  auto [pieces, head_rows] = Layout();
  EXPECT_GE(pieces, 10u);
  EXPECT_LT(head_rows, 200u);
  // Overwrite 2000..2099 (newer), delete every 10th row, range-delete [3000, 3100).
  WriteRows(*engine_, 2000, 2100, "y", 30);
  PartitionMutation del;
  del.partition_key = "big";
  del.token = kToken;
  for (uint32_t i = 0; i < kRows; i += 10) {
    Row r;
    r.clustering = Ck(i);
    r.deletion = {20, 1};
    del.rows.push_back(std::move(r));
  }
  del.range_tombstones.push_back({{{Ck(3000), true}, {Ck(3100), false}}, {20, 1}});
  ASSERT_TRUE(engine_->Apply({{"t", std::move(del)}}).ok());
  WaitForSpillsForTesting(*engine_);
  std::vector<std::string> model;
  for (uint32_t i = 0; i < kRows; ++i) {
    const bool overwritten = i >= 2000 && i < 2100;  // at 30, after the deletions at 20
    if ((i % 10 == 0 && !overwritten) || (i >= 3000 && i < 3100)) continue;
    model.push_back(std::to_string(i) + "=" + (i >= 2000 && i < 2100 ? "y" : "x"));
  }
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok());
  SliceQuery all;
  EXPECT_EQ(Diff(Read(*engine_, all), model), "same");
  SliceQuery rev;
  rev.reversed = true;
  const std::vector<std::string> reversed(model.rbegin(), model.rend());
  EXPECT_EQ(Diff(Read(**other, rev), reversed), "same");
  EXPECT_EQ(Diff(ReadPaged(*engine_, all, 333), model), "same");
  EXPECT_EQ(Diff(ReadPaged(**other, rev, 211), reversed), "same");
  // Two ranges (exclusive start, inclusive end), both orders, paged.
  SliceQuery two;
  two.ranges = {{{Ck(101), false}, {Ck(1201), true}}, {{Ck(2950), true}, {Ck(4321), false}}};
  std::vector<std::string> want;
  for (const auto& row : model) {
    uint32_t i = std::stoul(row.substr(0, row.find('=')));
    if ((i > 101 && i <= 1201) || (i >= 2950 && i < 4321)) want.push_back(row);
  }
  EXPECT_EQ(Diff(ReadPaged(*engine_, two, 97), want), "same");
  two.reversed = true;
  EXPECT_EQ(Diff(ReadPaged(**other, two, 97), std::vector<std::string>(want.rbegin(), want.rend())),
            "same");
  // A limit inside one piece, and one row by clustering.
  SliceQuery ten = all;
  ten.row_limit = 10;
  bool more = false;
  EXPECT_EQ(Read(*engine_, ten, &more),
            std::vector<std::string>(model.begin(), model.begin() + 10));
  EXPECT_TRUE(more);
  SliceQuery one;
  one.ranges = {{{Ck(2051), true}, {Ck(2051), true}}};
  EXPECT_EQ(Read(**other, one), std::vector<std::string>{"2051=y"});
  // A partition deletion newer than everything removes the spilled rows; a later row is kept.
  PartitionMutation drop;
  drop.partition_key = "big";
  drop.token = kToken;
  drop.partition_deletion = {40, 1};
  ASSERT_TRUE(engine_->Apply({{"t", std::move(drop)}}).ok());
  WriteRows(*engine_, 4444, 4445, "z", 50);
  EXPECT_EQ(Read(**other, all), std::vector<std::string>{"4444=z"});
  EXPECT_EQ(Read(**other, rev), std::vector<std::string>{"4444=z"});
}

// A reversed LIMIT 10 on a spilled partition reads the last piece(s), not the partition: the
// engine's count of omap entries read says so (a forward full read is the yardstick).
TEST_F(RadosBigPartitionTest, ReversedLimitReadsOnlyTheLastPieces) {
  WriteRows(*engine_, 0, 5000, "x", 10);
  WaitForSpillsForTesting(*engine_);
  ASSERT_GE(Layout().first, 10u);
  SliceQuery all;
  uint64_t before = EntriesReadForTesting(*engine_);
  EXPECT_EQ(Read(*engine_, all).size(), 5000u);
  const uint64_t full = EntriesReadForTesting(*engine_) - before;
  EXPECT_GE(full, 5000u);
  SliceQuery last;
  last.reversed = true;
  last.row_limit = 10;
  before = EntriesReadForTesting(*engine_);
  auto got = Read(*engine_, last);
  const uint64_t reversed = EntriesReadForTesting(*engine_) - before;
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got.front(), "4999=x");
  EXPECT_EQ(got.back(), "4990=x");
  // The piece holds at most the bound (200) and the head's page and piece map are small.
  EXPECT_LE(reversed, 600u) << "full read: " << full;
  RecordProperty("entries_full_read", static_cast<int>(full));
  RecordProperty("entries_reversed_limit_10", static_cast<int>(reversed));
  // Forward LIMIT 10 is cheap too.
  SliceQuery first = all;
  first.row_limit = 10;
  before = EntriesReadForTesting(*engine_);
  EXPECT_EQ(Read(*engine_, first).size(), 10u);
  EXPECT_LE(EntriesReadForTesting(*engine_) - before, 300u);
}

// Two nodes increment counters of 30 rows (and one row of a partition without clustering)
// while another thread reads (read compactions in the head) and both nodes spill and split:
// every sum is exact.
TEST_F(RadosBigPartitionTest, CountersFromTwoNodesWhileSpillsAndCompactionsRaceAreExact) {
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  std::vector<Engine*> nodes = {engine_.get(), other->get()};
  constexpr int kPerThread = 300;
  constexpr uint32_t kRows = 30;
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        PartitionMutation m;
        m.partition_key = "big";
        m.token = kToken;
        Row r;
        r.clustering = Ck(static_cast<uint32_t>((i * 7 + t) % kRows));
        r.cells["c"] = Delta(1000 + i, 1 + t);
        m.rows.push_back(std::move(r));
        PartitionMutation single;
        single.partition_key = "one";
        single.token = 4;
        Row s;
        s.cells["c"] = Delta(1000 + i, 1 + t);
        single.rows.push_back(std::move(s));
        if (!nodes[t % 2]->Apply({{"t", std::move(m)}}).ok()) ++failures;
        if (!nodes[(t + 1) % 2]->Apply({{"t", std::move(single)}}).ok()) ++failures;
      }
    });
  }
  std::thread reader([&] {
    while (!done) {
      SliceQuery q;
      q.now_seconds = 1000;
      if (!nodes[1]->ReadPartition("t", "big", kToken, q).ok()) ++failures;
      q.single_row = true;
      if (!nodes[0]->ReadPartition("t", "one", 4, q).ok()) ++failures;
    }
  });
  for (auto& th : threads) th.join();
  done = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  std::map<uint32_t, int64_t> expected;
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < kPerThread; ++i) expected[(i * 7 + t) % kRows] += 1 + t;
  }
  const int64_t total = kPerThread * (1 + 2 + 3 + 4);
  for (int round = 0; round < 2; ++round) {
    for (Engine* node : nodes) {
      SliceQuery q;
      q.now_seconds = 1000;
      auto p = node->ReadPartition("t", "big", kToken, q);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      std::map<uint32_t, int64_t> got;
      for (const auto& row : p->rows) got[CkValue(row.clustering)] = CounterValue(row);
      EXPECT_EQ(got, expected);
      q.single_row = true;
      auto one = node->ReadPartition("t", "one", 4, q);
      ASSERT_TRUE(one.ok());
      ASSERT_EQ(one->rows.size(), 1u);
      EXPECT_EQ(CounterValue(one->rows[0]), total);
      WaitForSpillsForTesting(*node);
      WaitForCompactionsForTesting(*node);
    }
  }
  EXPECT_GE(Layout().first, 1u);  // the counters did spill
  // Unread, the row of "one" gathers fragments past the bound and spills as one row: a
  // single_row read still sums exactly.
  for (int i = 0; i < 300; ++i) {
    PartitionMutation single;
    single.partition_key = "one";
    single.token = 4;
    Row s;
    s.cells["c"] = Delta(5000 + i, 2);
    single.rows.push_back(std::move(s));
    ASSERT_TRUE(engine_->Apply({{"t", std::move(single)}}).ok());
  }
  WaitForSpillsForTesting(*engine_);
  EXPECT_EQ(Layout("one", 4).first, 1u);
  SliceQuery q;
  q.now_seconds = 1000;
  q.single_row = true;
  auto one = (*other)->ReadPartition("t", "one", 4, q);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->rows.size(), 1u);
  EXPECT_EQ(CounterValue(one->rows[0]), total + 600);
}

// The background sweeper (docs: "Sweeper") passing over a partition that keeps spilling: it
// skips the head's piece map, makes no row rewrite while a spill holds the lease, and no
// increment is lost or counted twice.
TEST_F(RadosBigPartitionTest, SweepsRacingSpillsKeepCountersExact) {
  auto connection = ConnectForTesting(rados_prefix_);
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  constexpr int kWrites = 1500;
  constexpr uint32_t kRows = 40;
  std::atomic<bool> done{false};
  std::atomic<int> sweeps{0};
  std::string sweep_error;
  std::thread sweeper([&] {
    RadosSweeper s(*connection, nullptr, [] { return std::vector<SweptTable>{}; }, {});
    while (!done) {
      auto stats = s.SweepTableForTesting({"t", 0});
      if (!stats.ok()) {
        sweep_error = stats.status().ToString();
        return;
      }
      ++sweeps;
    }
  });
  std::map<uint32_t, int64_t> expected;
  for (int i = 0; i < kWrites; ++i) {
    // Plain rows past the bound now and then keep the partition spilling.
    if (i % 300 == 0) WriteRows(*engine_, 1000 + i, 1000 + i + 300, "x", 10);
    ASSERT_TRUE(Increment(*engine_, static_cast<uint32_t>(i) % kRows, 1000 + i, 1 + i % 3).ok());
    expected[static_cast<uint32_t>(i) % kRows] += 1 + i % 3;
  }
  WaitForSpillsForTesting(*engine_);
  done = true;
  sweeper.join();
  EXPECT_EQ(sweep_error, "");
  EXPECT_GT(sweeps.load(), 0);
  EXPECT_GE(Layout().first, 1u);  // it did spill
  // The head, with its piece map in place, sweeps cleanly (the sweeper itself only logs an
  // object that does not).
  librados::IoCtx io = (*connection)->IoCtx("t");
  rados::SuffixSource suffixes;
  std::atomic<bool> stop{false};
  rados::SweepStats stats;
  Status swept = rados::SweepObject(io, rados::PartitionObjectName(kToken, "big"), suffixes, 0,
                                    stop, &stats);
  EXPECT_TRUE(swept.ok()) << swept.ToString();
  std::map<uint32_t, int64_t> got;
  size_t plain = 0;
  ASSERT_TRUE(CountersAndPlain(*engine_, kRows, 1000, &got, &plain));
  EXPECT_EQ(got, expected);
  EXPECT_EQ(plain, 1500u);
}

// Compare-and-apply on a spilled partition from two nodes while blind writes keep spilling it:
// linearizable, no lost update.
TEST_F(RadosBigPartitionTest, CompareAndApplyOnASpilledPartitionLosesNoUpdate) {
  WriteRows(*engine_, 0, 1000, "x", 10);
  WaitForSpillsForTesting(*engine_);
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok());
  std::vector<Engine*> nodes = {engine_.get(), other->get()};
  constexpr int kRounds = 30;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.emplace_back([&] { WriteRows(**other, 1000, 3000, "w", 10, 50); });
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        SliceQuery q;
        q.now_seconds = 1000;
        q.ranges = {{{Ck(500), true}, {Ck(500), true}}};
        Status s = IncrementByCompareAndApply(*nodes[t % 2], "big", kToken, Ck(500), q);
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  SliceQuery one;
  one.ranges = {{{Ck(500), true}, {Ck(500), true}}};
  EXPECT_EQ(Read(*engine_, one), std::vector<std::string>{"500=" + std::to_string(4 * kRounds)});
  SliceQuery all;
  EXPECT_EQ(Read(**other, all).size(), 3000u);
}

// A reader racing spills and splits (bound 100, rows added 100 at a time by another node) sees
// every row written before it started, in order, each once.
TEST_F(RadosBigPartitionTest, ReadsRacingSpillsAndSplitsSeeEveryRow) {
  auto writer = OpenAnother();
  ASSERT_TRUE(writer.ok());
  std::atomic<uint32_t> written{0};
  std::atomic<bool> done{false};
  std::thread write([&] {
    for (uint32_t from = 0; from < 4000; from += 100) {
      WriteRows(**writer, from, from + 100, "x", 10, 100);
      written = from + 100;
    }
    done = true;
  });
  int reads = 0, bad = 0;
  for (bool reversed : {false, true}) {
    while (!done || reads < 4) {
      const uint32_t before = written.load();
      SliceQuery q;
      q.reversed = reversed;
      auto got = Read(*engine_, q);
      std::vector<uint32_t> keys;
      for (const auto& row : got) keys.push_back(std::stoul(row.substr(0, row.find('='))));
      if (reversed) std::reverse(keys.begin(), keys.end());
      // Rows are written in order: a read holds 0..n-1 with n >= what was written before it.
      bool exact = keys.size() >= before;
      for (size_t i = 0; i < keys.size() && exact; ++i) exact = keys[i] == i;
      if (!exact) {
        ++bad;
        size_t i = 0;
        while (i < keys.size() && keys[i] == i) ++i;
        std::string around;
        for (size_t j = i >= 3 ? i - 3 : 0; j < std::min(keys.size(), i + 5); ++j) {
          around += std::to_string(keys[j]) + " ";
        }
        ADD_FAILURE() << (reversed ? "reversed" : "forward") << " read of " << keys.size()
                      << " rows, " << before << " written before it; first wrong at " << i << ": "
                      << around;
      }
      ++reads;
      if (done && reads >= 4) break;
    }
    reads = 0;
  }
  write.join();
  EXPECT_EQ(bad, 0);
  WaitForSpillsForTesting(**writer);
  EXPECT_GE(Layout().first, 20u);
}

// The sweep of pieces (docs: "Sweeping pieces") ---------------------------------------------

class RadosPieceSweepTest : public RadosBigPartitionTest {
 protected:
  void SetUp() override {
    RadosBigPartitionTest::SetUp();
    if (IsSkipped()) return;
    auto connection = ConnectForTesting(rados_prefix_);
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    connection_ = *connection;
  }
  void TearDown() override {
    connection_.reset();
    RadosBigPartitionTest::TearDown();
  }
  // Rows [begin, end) whose cells and marker expired 9 s ago (a TTL of 1 s, written 10 s ago).
  void WriteExpiredRows(Engine& node, uint32_t begin, uint32_t end, uint32_t per_write = 100,
                        uint32_t step = 1) {
    const int64_t now = NowSeconds();
    for (uint32_t from = begin; from < end; from += per_write * step) {
      PartitionMutation m;
      m.partition_key = "big";
      m.token = kToken;
      for (uint32_t i = from; i < std::min(end, from + per_write * step); i += step) {
        Row r;
        r.clustering = Ck(i);
        r.marker = {(now - 10) * 1000000, 1, now - 9};
        r.cells["v"] = Cell{(now - 10) * 1000000, 1, now - 9, false, "gone"};
        m.rows.push_back(std::move(r));
      }
      ASSERT_TRUE(node.Apply({{"t", std::move(m)}}).ok());
    }
  }
  // Every row entry of every piece of partition "big": piece oid -> key -> value.
  std::map<std::string, std::map<std::string, std::string>> PieceOmaps() {
    librados::IoCtx io = connection_->IoCtx("t");
    const std::string head = rados::PartitionObjectName(kToken, "big");
    std::map<std::string, std::map<std::string, std::string>> out;
    for (auto it = io.nobjects_begin(); it != io.nobjects_end(); ++it) {
      if (it->get_oid().rfind(head + ".", 0) != 0) continue;
      auto& omap = out[it->get_oid()];
      std::string after;
      while (true) {
        std::map<std::string, librados::bufferlist> page;
        bool more = false;
        int rval = 0;
        librados::ObjectReadOperation op;
        op.omap_get_vals2(after, 1024, &page, &more, &rval);
        EXPECT_EQ(io.operate(it->get_oid(), &op, nullptr), 0);
        for (auto& [k, v] : page) omap[k] = v.to_str();
        if (!more || page.empty()) break;
        after = page.rbegin()->first;
      }
    }
    return out;
  }
  static size_t Entries(const std::map<std::string, std::map<std::string, std::string>>& omaps) {
    size_t n = 0;
    for (const auto& [oid, omap] : omaps) n += omap.size();
    return n;
  }
  // "key=value" of every row read at the real time (expired cells are gone).
  std::vector<std::string> ReadNow(Engine& node) {
    SliceQuery q;
    q.now_seconds = NowSeconds();
    auto p = node.ReadPartition("t", "big", kToken, q);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    std::vector<std::string> out;
    if (!p.ok()) return out;
    for (const auto& r : p->rows) {
      auto v = r.cells.find("v");
      out.push_back(std::to_string(CkValue(r.clustering)) + "=" +
                    (v == r.cells.end() ? "-" : v->second.value));
    }
    return out;
  }
  Result<rados::SweepStats> Sweep(int64_t gc_grace_seconds) {
    RadosSweeper sweeper(connection_, nullptr, [] { return std::vector<SweptTable>{}; }, {});
    return sweeper.SweepTableForTesting({"t", gc_grace_seconds});
  }

  std::shared_ptr<RadosConnection> connection_;
};

// Expired rows that spilled into pieces (gc_grace 0): one pass leaves only the live rows'
// entries in the pieces, reads are the same before and after, a second pass does nothing.
TEST_F(RadosPieceSweepTest, PassPurgesExpiredRowsInsidePieces) {
  WriteExpiredRows(*engine_, 0, 3000);
  WriteRows(*engine_, 5000, 5010, "live", NowSeconds() * 1000000, 10);
  WaitForSpillsForTesting(*engine_);
  auto before = PieceOmaps();
  ASSERT_GE(before.size(), 3u);
  ASSERT_GE(Entries(before), 2900u);
  const std::vector<std::string> read_before = ReadNow(*engine_);
  EXPECT_EQ(read_before.size(), 10u);
  const auto started = std::chrono::steady_clock::now();
  auto first = Sweep(0);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::printf("piece sweep pass: %zu pieces, %zu entries: %llu rewrites, %llu piece pages, "
              "%lld ms\n",
              before.size(), Entries(before), static_cast<unsigned long long>(first->rewrites),
              static_cast<unsigned long long>(first->piece_pages),
              static_cast<long long>(took.count()));
  EXPECT_GE(first->rewrites, 2900u);
  EXPECT_GE(first->piece_pages, before.size());
  EXPECT_EQ(first->busy, 0u);
  EXPECT_EQ(first->raced, 0u);
  auto after = PieceOmaps();
  EXPECT_EQ(after.size(), before.size());  // pieces stay (never removed)
  size_t left = 0;
  for (const auto& [oid, omap] : after) {
    for (const auto& [key, value] : omap) {
      ++left;
      EXPECT_GE(CkValue(std::string(rados::RowClustering(rados::FragmentRowKey(key)))), 5000u);
    }
  }
  EXPECT_LE(left, 10u);  // the live rows that spilled (the others are still in the head)
  EXPECT_EQ(Diff(ReadNow(*engine_), read_before), "same");
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Diff(ReadNow(**other), read_before), "same");
  auto second = Sweep(0);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->rewrites, 0u);
  EXPECT_GE(second->piece_pages, after.size());
  EXPECT_EQ(PieceOmaps(), after);
}

// Live rows and young tombstones (within gc_grace) in pieces are not rewritten; a head whose
// lease a spill holds is skipped, untouched.
TEST_F(RadosPieceSweepTest, LiveRowsAndYoungTombstonesInPiecesAreLeftAlone) {
  const int64_t ts = NowSeconds() * 1000000;
  WriteRows(*engine_, 0, 2000, "x", ts);
  PartitionMutation del;
  del.partition_key = "big";
  del.token = kToken;
  for (uint32_t i = 3000; i < 3400; ++i) {  // rows never written: one tombstone fragment each
    Row r;
    r.clustering = Ck(i);
    r.deletion = {ts, NowSeconds()};
    del.rows.push_back(std::move(r));
  }
  ASSERT_TRUE(engine_->Apply({{"t", std::move(del)}}).ok());
  WaitForSpillsForTesting(*engine_);
  auto before = PieceOmaps();
  ASSERT_GE(before.size(), 3u);
  const std::vector<std::string> read_before = ReadNow(*engine_);
  EXPECT_EQ(read_before.size(), 2000u);
  auto stats = Sweep(3600);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->rewrites, 0u);
  EXPECT_GE(stats->fragments_read, 2000u);
  EXPECT_GE(stats->piece_pages, before.size());
  EXPECT_EQ(PieceOmaps(), before);
  EXPECT_EQ(Diff(ReadNow(*engine_), read_before), "same");

  // A busy lease (a spill of another node running): nothing is read or changed in the pieces.
  librados::IoCtx io = connection_->IoCtx("t");
  const std::string head = rados::PartitionObjectName(kToken, "big");
  librados::bufferlist idle;
  ASSERT_GE(io.getxattr(head, rados::kSpillXattr, idle), 0);
  auto state = rados::ParseSpill(idle.to_str());
  ASSERT_TRUE(state.ok());
  rados::SpillState busy = *state;
  busy.busy = true;
  busy.deadline_micros = NowMicros() + 60'000'000;
  busy.owner = rados::NewPieceId();
  librados::bufferlist busy_bl;
  busy_bl.append(rados::FormatSpill(busy));
  ASSERT_EQ(io.setxattr(head, rados::kSpillXattr, busy_bl), 0);
  WriteExpiredRows(*engine_, 10000, 10100);  // would be purged (gc_grace 0) if swept
  auto skipped = Sweep(0);
  ASSERT_TRUE(skipped.ok()) << skipped.status().ToString();
  EXPECT_EQ(skipped->busy, 1u);
  EXPECT_EQ(skipped->piece_pages, 0u);
  EXPECT_EQ(PieceOmaps(), before);
  ASSERT_EQ(io.setxattr(head, rados::kSpillXattr, idle), 0);
}

// Counters from two nodes and plain rows, half of them already expired, into a partition that
// keeps spilling while the sweeper loops over its pieces (gc_grace 0) and a reader reads it
// whole: every read holds every live plain row written before it once, in order, and no
// expired one; the sums are exact at the end and the expired rows are gone from the pieces.
TEST_F(RadosPieceSweepTest, SweepsOfExpiringPiecesRacingSpillsKeepCountersAndRowsExact) {
  auto other = OpenAnother();
  ASSERT_TRUE(other.ok());
  constexpr int kWrites = 1200;
  constexpr uint32_t kCounters = 40;
  constexpr uint32_t kPlainBase = 1000;
  std::atomic<bool> done{false};
  std::atomic<uint32_t> plain_written{0};  // live rows kPlainBase + 2i for i < this
  std::atomic<int> sweeps{0};
  std::string sweep_error;
  rados::SweepStats swept;
  std::thread sweeper([&] {
    RadosSweeper s(connection_, nullptr, [] { return std::vector<SweptTable>{}; }, {});
    while (!done) {
      auto stats = s.SweepTableForTesting({"t", 0});
      if (!stats.ok()) {
        sweep_error = stats.status().ToString();
        return;
      }
      swept += *stats;
      ++sweeps;
    }
  });
  int reads = 0, bad = 0;
  std::thread reader([&] {
    while (!done || reads < 3) {
      const uint32_t before = plain_written.load();
      SliceQuery q;
      q.now_seconds = NowSeconds();
      auto p = engine_->ReadPartition("t", "big", kToken, q);
      if (!p.ok()) {
        ++bad;
        ADD_FAILURE() << p.status().ToString();
        continue;
      }
      std::vector<uint32_t> plain;
      std::set<uint32_t> counters;
      bool exact = true;
      for (const auto& row : p->rows) {
        const uint32_t k = CkValue(row.clustering);
        if (k < kCounters) {
          exact = exact && counters.insert(k).second;
        } else {
          plain.push_back(k);
        }
      }
      exact = exact && plain.size() >= before;
      for (size_t i = 0; i < plain.size() && exact; ++i) exact = plain[i] == kPlainBase + 2 * i;
      if (!exact) {
        ++bad;
        size_t i = 0;
        while (i < plain.size() && plain[i] == kPlainBase + 2 * i) ++i;
        ADD_FAILURE() << "read of " << plain.size() << " plain rows, " << before
                      << " written before it; first wrong at " << i << ": "
                      << (i < plain.size() ? std::to_string(plain[i]) : "end");
      }
      ++reads;
    }
  });
  std::map<uint32_t, int64_t> expected;
  std::thread second_node([&] {
    for (int i = 0; i < kWrites; ++i) {
      ASSERT_TRUE(Increment(**other, static_cast<uint32_t>(i * 7) % kCounters, 2000 + i, 2).ok());
    }
  });
  for (int i = 0; i < kWrites; ++i) {
    expected[static_cast<uint32_t>(i * 7) % kCounters] += 2;
    if (i % 100 == 0) {
      // 100 live rows (even keys) and 100 expired ones (odd keys) interleaved: the pieces hold
      // both, and keep spilling and splitting.
      const uint32_t n = plain_written.load();
      WriteExpiredRows(*engine_, kPlainBase + 2 * n + 1, kPlainBase + 2 * (n + 100), 100, 2);
      PartitionMutation live;
      live.partition_key = "big";
      live.token = kToken;
      for (uint32_t j = n; j < n + 100; ++j) {
        Row r;
        r.clustering = Ck(kPlainBase + 2 * j);
        r.marker.timestamp = 10;
        r.cells["v"] = Cell{10, 0, 0, false, "x"};
        live.rows.push_back(std::move(r));
      }
      ASSERT_TRUE(engine_->Apply({{"t", std::move(live)}}).ok());
      plain_written = n + 100;
    }
    ASSERT_TRUE(
        Increment(*engine_, static_cast<uint32_t>(i) % kCounters, 1000 + i, 1 + i % 3).ok());
    expected[static_cast<uint32_t>(i) % kCounters] += 1 + i % 3;
  }
  second_node.join();
  WaitForSpillsForTesting(*engine_);
  WaitForSpillsForTesting(**other);
  done = true;
  sweeper.join();
  reader.join();
  WaitForSpillsForTesting(*engine_);  // the reader's last reads may have queued one
  EXPECT_EQ(sweep_error, "");
  EXPECT_GT(sweeps.load(), 0);
  EXPECT_EQ(bad, 0);
  EXPECT_GE(Layout().first, 2u);  // it did spill and split
  // A last pass after the spills: no expired row is left in a piece.
  auto last = Sweep(0);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->busy, 0u);
  librados::bufferlist lease;
  EXPECT_GE(connection_->IoCtx("t").getxattr(rados::PartitionObjectName(kToken, "big"),
                                              rados::kSpillXattr, lease),
            0);
  EXPECT_EQ(lease.to_str().find(':'), std::string::npos) << "busy: " << lease.to_str();
  swept += *last;
  for (const auto& [oid, omap] : PieceOmaps()) {
    for (const auto& [key, value] : omap) {
      const uint32_t k = CkValue(std::string(rados::RowClustering(rados::FragmentRowKey(key))));
      EXPECT_TRUE(k < kCounters || k % 2 == 0) << "expired row " << k << " left in " << oid;
    }
  }
  EXPECT_GT(swept.rewrites, 0u);
  for (Engine* node : {engine_.get(), other->get()}) {
    std::map<uint32_t, int64_t> got;
    size_t plain = 0;
    ASSERT_TRUE(CountersAndPlain(*node, kCounters, NowSeconds(), &got, &plain));
    EXPECT_EQ(got, expected);
    EXPECT_EQ(plain, plain_written.load());
  }
  std::printf("piece sweep race: %d sweeps, %d reads, %llu rewrites, %llu piece pages, %llu "
              "busy, %llu raced\n",
              sweeps.load(), reads, static_cast<unsigned long long>(swept.rewrites),
              static_cast<unsigned long long>(swept.piece_pages),
              static_cast<unsigned long long>(swept.busy),
              static_cast<unsigned long long>(swept.raced));
}

}  // namespace
}  // namespace sibyl::storage
