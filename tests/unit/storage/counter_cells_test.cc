// Counter cells (issue 12, docs/dev/key-encoding.md "Counters"): increments are blind writes
// that reconcile by adding, in any merge order and grouping (the RocksDB merge operator's partial
// merges, compactions and reads must all agree), and deletions remove exactly the increments
// written at or before them.
#include <gtest/gtest.h>

#include <filesystem>
#include <atomic>
#include <functional>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "engine_test_base.h"
#include "storage/rocksdb_engine.h"
#include "storage/row_codec.h"

namespace sibyl::storage {
namespace {

std::string Bytes8(int64_t v) {
  std::string out;
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(static_cast<uint64_t>(v) >> (8 * i)));
  return out;
}

int64_t ValueOf(const Cell& c) {
  uint64_t v = 0;
  for (char ch : c.value) v = (v << 8) | static_cast<uint8_t>(ch);
  return static_cast<int64_t>(v);
}

Cell Delta(int64_t ts, int64_t delta) {
  Cell c;
  c.timestamp = ts;
  c.counter = true;
  c.value = Bytes8(delta);
  return c;
}

Cell Tombstone(int64_t ts) {
  Cell c;
  c.timestamp = ts;
  c.tombstone = true;
  c.local_deletion_time = 100;
  return c;
}

Row RowWith(const Cell& c) {
  Row r;
  r.cells["c"] = c;
  return r;
}

Row RowDeletion(int64_t ts) {
  Row r;
  r.deletion = {ts, 100};
  return r;
}

// The live value of a merged row, as a read gives it: nullopt when the counter is absent.
std::optional<int64_t> Read(const Row& merged) {
  auto live = ResolveRow(merged, kNoTimestamp, 1000);
  if (!live || !live->cells.count("c")) return std::nullopt;
  return ValueOf(live->cells.at("c"));
}

// Every way of merging `ops` (in order) by contiguous groups, as RocksDB's partial merges may:
// all of them must read the same.
void AllGroupings(const std::vector<Row>& ops, size_t begin, size_t end,
                  const std::function<void(const Row&)>& each) {
  if (end - begin == 1) {
    each(ops[begin]);
    return;
  }
  for (size_t split = begin + 1; split < end; ++split) {
    AllGroupings(ops, begin, split, [&](const Row& left) {
      AllGroupings(ops, split, end, [&](const Row& right) {
        Row merged = left;
        MergeRow(merged, right);
        each(merged);
      });
    });
  }
}

std::set<std::optional<int64_t>> Outcomes(const std::vector<Row>& ops) {
  std::set<std::optional<int64_t>> out;
  AllGroupings(ops, 0, ops.size(), [&](const Row& r) { out.insert(Read(r)); });
  return out;
}

TEST(CounterCells, IncrementsAdd) {
  Cell sum = ReconcileCounterCells(Delta(1, 5), Delta(2, -3));
  EXPECT_TRUE(sum.counter);
  EXPECT_EQ(ValueOf(sum), 2);
  EXPECT_EQ(sum.timestamp, 2);
  // Same timestamp twice is two increments, not one cell overwriting another.
  EXPECT_EQ(ValueOf(ReconcileCounterCells(Delta(7, 1), Delta(7, 1))), 2);
}

TEST(CounterCells, AdditionWrapsAsJavaLong) {
  EXPECT_EQ(ValueOf(ReconcileCounterCells(Delta(1, INT64_MAX), Delta(2, 1))), INT64_MIN);
  EXPECT_EQ(ValueOf(ReconcileCounterCells(Delta(1, INT64_MIN), Delta(2, -1))), INT64_MAX);
}

TEST(CounterCells, MergeIsCommutative) {
  const Cell a = Delta(3, 10), b = Delta(9, 4), t = Tombstone(5);
  EXPECT_EQ(ReconcileCounterCells(a, b), ReconcileCounterCells(b, a));
  EXPECT_EQ(ReconcileCounterCells(a, t), ReconcileCounterCells(t, a));
  EXPECT_EQ(ReconcileCounterCells(b, t), ReconcileCounterCells(t, b));
}

TEST(CounterCells, OnlyCountersAndTheirTombstonesReconcileByAdding) {
  Cell plain;
  plain.timestamp = 1;
  plain.value = "x";
  EXPECT_TRUE(IsCounterReconciliation(Delta(1, 1), Delta(2, 2)));
  EXPECT_TRUE(IsCounterReconciliation(Tombstone(1), Delta(2, 2)));
  EXPECT_FALSE(IsCounterReconciliation(Tombstone(1), Tombstone(2)));
  EXPECT_FALSE(IsCounterReconciliation(plain, Tombstone(2)));
}

TEST(CounterCells, ManyIncrementsInAnyGroupingSumExactly) {
  std::vector<Row> ops;
  for (int i = 1; i <= 6; ++i) ops.push_back(RowWith(Delta(i, i)));
  EXPECT_EQ(Outcomes(ops), (std::set<std::optional<int64_t>>{21}));
}

// DELETE c at T: increments at or before T are gone, later ones count from zero, whatever the
// grouping of the merges.
TEST(CounterCells, CellDeletionRemovesOlderIncrementsInAnyGrouping) {
  std::vector<Row> ops = {RowWith(Delta(5, 1)), RowWith(Delta(6, 10)), RowWith(Tombstone(10)),
                          RowWith(Delta(15, 1)), RowWith(Delta(20, 2))};
  EXPECT_EQ(Outcomes(ops), (std::set<std::optional<int64_t>>{3}));
  // Only the deletion and older increments: null.
  EXPECT_EQ(Outcomes({RowWith(Delta(5, 1)), RowWith(Tombstone(10))}),
            (std::set<std::optional<int64_t>>{std::nullopt}));
}

TEST(CounterCells, RowDeletionRemovesOlderIncrementsInAnyGrouping) {
  std::vector<Row> ops = {RowWith(Delta(5, 1)), RowDeletion(10), RowWith(Delta(15, 1)),
                          RowWith(Delta(16, 1))};
  EXPECT_EQ(Outcomes(ops), (std::set<std::optional<int64_t>>{2}));
}

TEST(CounterCells, TwoDeletionsKeepTheNewerFloor) {
  std::vector<Row> ops = {RowWith(Delta(5, 1)), RowWith(Tombstone(10)), RowWith(Delta(15, 1)),
                          RowWith(Tombstone(20)), RowWith(Delta(25, 7))};
  EXPECT_EQ(Outcomes(ops), (std::set<std::optional<int64_t>>{7}));
}

TEST(CounterCells, EncodeDecodeRoundTrip) {
  Row r;
  r.cells["a"] = ReconcileCounterCells(Delta(15, 3), Tombstone(10));
  r.cells["b"] = Delta(2, -9);
  auto decoded = DecodeRow(EncodeRow(r));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->cells, r.cells);
  EXPECT_EQ(decoded->cells.at("a").counter_floor, 10);
}

TEST(CounterCells, MalformedCounterIsCorruptionNotACrash) {
  Row r;
  r.cells["a"] = Delta(1, 1);
  std::string bytes = EncodeRow(r);
  // A counter whose value is not 8 bytes: shorten the value length field and drop a byte.
  std::string shorter = bytes;
  const size_t value_len_at = bytes.size() - 8 - 8 - 4;  // ..., len(4), value(8), floor(8)
  shorter[value_len_at + 3] = 7;
  shorter.erase(value_len_at + 4, 1);
  EXPECT_FALSE(DecodeRow(shorter).ok());
  // An unknown cell kind.
  std::string bad_kind = bytes;
  bad_kind[value_len_at - 1] = 3;
  EXPECT_FALSE(DecodeRow(bad_kind).ok());
}

// The merge operator's full merge: every operand decoded once, same result as merging pairwise.
TEST(CounterCells, MergeStoredValuesFoldsOperandsInOrder) {
  std::vector<std::string> encoded;
  for (const Row& r : {RowWith(Delta(5, 1)), RowWith(Tombstone(10)), RowWith(Delta(15, 2)),
                       RowDeletion(20), RowWith(Delta(25, 4)), RowWith(Delta(26, 8))}) {
    encoded.push_back(EncodeRow(r));
  }
  std::vector<std::string_view> operands(encoded.begin() + 1, encoded.end());
  std::string_view existing = encoded[0];
  std::string out;
  ASSERT_TRUE(MergeStoredValues(&existing, operands, &out));
  auto merged = DecodeRow(out);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(Read(*merged), 12);
  ASSERT_TRUE(MergeStoredValues(nullptr, operands, &out));
  EXPECT_EQ(Read(*DecodeRow(out)), 12);
  // A malformed operand or a header among rows fails the merge (RocksDB reports corruption).
  std::vector<std::string_view> bad = {encoded[1], std::string_view("\x01R")};
  EXPECT_FALSE(MergeStoredValues(nullptr, bad, &out));
  const std::string header = EncodeHeader(PartitionHeader{});
  std::vector<std::string_view> mixed = {header, encoded[1]};
  EXPECT_FALSE(MergeStoredValues(nullptr, mixed, &out));
}

// MergeStoredValues sums runs of plain increments without decoding them into rows: on random
// sequences of increments, cell tombstones and row deletions (timestamps in any order, as racing
// writers give) it must produce exactly what merging the rows one by one gives.
TEST(CounterCells, MergeStoredValuesFastPathEqualsOneByOne) {
  uint64_t seed = 12345;
  auto next = [&](uint64_t bound) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % bound;
  };
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> encoded;
    const size_t n = 1 + next(12);
    for (size_t i = 0; i < n; ++i) {
      const int64_t ts = 1 + static_cast<int64_t>(next(40));
      const std::string column = next(2) == 0 ? "a" : "b";
      Row r;
      switch (next(6)) {
        case 0: r.cells[column] = Tombstone(ts); break;
        case 1: r = RowDeletion(ts); break;
        default:
          r.cells[column] = Delta(ts, static_cast<int64_t>(next(1000)) - 500);
          if (next(3) == 0) r.cells[column == "a" ? "b" : "a"] = Delta(ts, 1);
      }
      encoded.push_back(EncodeRow(r));
    }
    std::optional<Row> one_by_one;
    for (const auto& e : encoded) {
      auto r = DecodeRow(e);
      ASSERT_TRUE(r.ok());
      if (one_by_one) {
        MergeRow(*one_by_one, *r);
      } else {
        one_by_one = *r;
      }
    }
    std::vector<std::string_view> operands(encoded.begin(), encoded.end());
    std::string out;
    ASSERT_TRUE(MergeStoredValues(nullptr, operands, &out));
    auto fast = DecodeRow(out);
    ASSERT_TRUE(fast.ok());
    EXPECT_EQ(*fast, *one_by_one) << "round " << round;
  }
}

// ---- through the RocksDB engine: merge operator, compaction, reopen, real threads ----------

class CounterEngineTest : public EngineTest {
 protected:
  void SetUp() override { OpenEngine("sibyl-counter-", RocksDbOptions{}, GetParam()); }
  Status Apply(Row row) {
    PartitionMutation m;
    m.partition_key = "k";
    m.token = 1;
    m.rows.push_back(std::move(row));
    return engine_->Apply({{"t", std::move(m)}});
  }
  std::optional<int64_t> ReadCounter() {
    SliceQuery q;
    q.now_seconds = 1000;
    auto p = engine_->ReadPartition("t", "k", 1, q);
    EXPECT_TRUE(p.ok());
    if (!p.ok() || p->rows.empty() || !p->rows[0].cells.count("c")) return std::nullopt;
    return ValueOf(p->rows[0].cells.at("c"));
  }

};

INSTANTIATE_TEST_SUITE_P(Engines, CounterEngineTest, testing::ValuesIn(EngineKinds()), EngineKindName);

TEST_P(CounterEngineTest, ConcurrentBlindIncrementsAreNeverLost) {
  constexpr int kThreads = 4, kPerThread = 250;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!Apply(RowWith(Delta(1000 + t * kPerThread + i, 1))).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ReadCounter(), kThreads * kPerThread);
  Compact();
  EXPECT_EQ(ReadCounter(), kThreads * kPerThread);
  Reopen();
  EXPECT_EQ(ReadCounter(), kThreads * kPerThread);
}

// A hot counter's increments are folded into one stored value once 32 are in a row in the
// memtable, after a hot key was seen (storage/rocksdb_hot_keys.h): the folds must keep the sum
// and the deletion floor exact, with a deletion between them.
TEST_P(CounterEngineTest, AHotCountersFoldedIncrementsKeepSumAndDeletionsExact) {
  for (int64_t ts = 1; ts <= 200; ++ts) ASSERT_TRUE(Apply(RowWith(Delta(ts, 1))).ok());
  EXPECT_EQ(ReadCounter(), 200);  // merges 200 operands: a hot key
  for (int64_t ts = 201; ts <= 300; ++ts) ASSERT_TRUE(Apply(RowWith(Delta(ts, 1))).ok());
  if (GetParam() == EngineKind::kRocksDb) {
    ASSERT_TRUE(WaitForHotKeyCapForTesting(*engine_, std::chrono::seconds(30)));
  }
  for (int64_t ts = 301; ts <= 400; ++ts) ASSERT_TRUE(Apply(RowWith(Delta(ts, 1))).ok());
  EXPECT_EQ(ReadCounter(), 400);
  ASSERT_TRUE(Apply(RowWith(Tombstone(450))).ok());
  // Half of these are older than the deletion (late arrivals): it removes them too.
  for (int64_t ts = 401; ts <= 500; ++ts) ASSERT_TRUE(Apply(RowWith(Delta(ts, 1))).ok());
  EXPECT_EQ(ReadCounter(), 50);
  Compact();
  EXPECT_EQ(ReadCounter(), 50);
}

TEST_P(CounterEngineTest, DeletionThenReuseSurvivesCompaction) {
  ASSERT_TRUE(Apply(RowWith(Delta(5, 40))).ok());
  Compact();  // the old increment sits in another file
  ASSERT_TRUE(Apply(RowWith(Tombstone(10))).ok());
  EXPECT_EQ(ReadCounter(), std::nullopt);
  ASSERT_TRUE(Apply(RowWith(Delta(15, 2))).ok());
  EXPECT_EQ(ReadCounter(), 2);
  ASSERT_TRUE(Apply(RowDeletion(20)).ok());
  ASSERT_TRUE(Apply(RowWith(Delta(25, 3))).ok());
  EXPECT_EQ(ReadCounter(), 3);
  Compact();
  EXPECT_EQ(ReadCounter(), 3);
}

}  // namespace
}  // namespace sibyl::storage
