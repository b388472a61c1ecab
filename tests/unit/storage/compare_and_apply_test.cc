// Engine::CompareAndApply on every engine (issue 12; RADOS: issue 15): the decision sees the partition as it is, its
// mutation is applied atomically, nothing is applied on nullopt, timestamps grow per partition
// and beat the content decided on, concurrent operations on one partition never interleave,
// and a wait for a held partition honours the request's deadline.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "engine_test_base.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::storage {
namespace {

namespace fs = std::filesystem;

class CompareAndApplyTest : public EngineTest {
 protected:
  void SetUp() override {
    RocksDbOptions o;
    o.durability = Durability::kPeriodic;  // the unit tests need no fsync per write
    OpenEngine("sibyl-cas-", o, GetParam());
  }
  static PartitionMutation WriteValue(const std::string& value, int64_t ts) {
    PartitionMutation m;
    m.partition_key = "pk";
    m.token = 7;
    Row row;
    row.marker.timestamp = ts;
    row.cells["v"] = Cell{ts, 0, 0, false, value};
    m.rows.push_back(std::move(row));
    return m;
  }
  static std::optional<std::string> Value(const ResolvedPartition& p) {
    if (p.rows.empty()) return std::nullopt;
    auto it = p.rows[0].cells.find("v");
    if (it == p.rows[0].cells.end()) return std::nullopt;
    return it->second.value;
  }
  std::optional<std::string> Read() {
    SliceQuery q;
    q.now_seconds = 1000;
    auto p = engine_->ReadPartition("t", "pk", 7, q);
    EXPECT_TRUE(p.ok());
    return Value(*p);
  }
  Status IfAbsent(const std::string& value, bool* applied, const RequestContext* context = nullptr) {
    SliceQuery q;
    q.now_seconds = 1000;
    q.context = context;
    *applied = false;
    return engine_->CompareAndApply(
        "t", "pk", 7, q,
        [&](const ResolvedPartition& current,
            int64_t ts) -> Result<std::optional<PartitionMutation>> {
          if (!current.rows.empty()) return std::optional<PartitionMutation>();
          *applied = true;
          return std::optional<PartitionMutation>(WriteValue(value, ts));
        });
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, CompareAndApplyTest, testing::ValuesIn(EngineKinds()), EngineKindName);

TEST_P(CompareAndApplyTest, AppliesOnlyWhenTheDecisionSaysSo) {
  bool applied = false;
  ASSERT_TRUE(IfAbsent("a", &applied).ok());
  EXPECT_TRUE(applied);
  ASSERT_TRUE(IfAbsent("b", &applied).ok());
  EXPECT_FALSE(applied);
  EXPECT_EQ(Read(), "a");
}

TEST_P(CompareAndApplyTest, TimestampsGrowAndBeatTheContentRead) {
  // A blind write far in the future: the next compare-and-apply must still win over it.
  const int64_t future = int64_t{4102444800} * 1000000;  // 2100-01-01
  ASSERT_TRUE(engine_->Apply({{"t", WriteValue("old", future)}}).ok());
  std::vector<int64_t> seen;
  for (int i = 0; i < 3; ++i) {
    SliceQuery q;
    q.now_seconds = 1000;
    ASSERT_TRUE(engine_->CompareAndApply("t", "pk", 7, q,
                                         [&](const ResolvedPartition&, int64_t ts)
                                             -> Result<std::optional<PartitionMutation>> {
                                           seen.push_back(ts);
                                           return std::optional<PartitionMutation>(
                                               WriteValue("n" + std::to_string(i), ts));
                                         })
                    .ok());
  }
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_GT(seen[0], future);
  EXPECT_GT(seen[1], seen[0]);
  EXPECT_GT(seen[2], seen[1]);
  EXPECT_EQ(Read(), "n2");
}

// The per-partition last timestamp lives in memory: after a restart whose clock went back, the
// write must still be newer than every timestamp read, tombstones included, or an applied LWT
// would be shadowed by what it was decided on (here the engine is fresh, as after a restart, and
// each tombstone is in the future). Each case leaves nothing live to read.
TEST_P(CompareAndApplyTest, TimestampsBeatTombstonesRead) {
  const int64_t future = int64_t{4102444800} * 1000000;  // 2100-01-01
  std::vector<std::pair<std::string, PartitionMutation>> cases;
  {
    PartitionMutation m;
    m.partition_deletion.timestamp = future;
    cases.emplace_back("partition deletion", m);
  }
  {
    PartitionMutation m;
    m.range_tombstones.push_back(RangeTombstone{ClusteringRange{}, Deletion{future, 1}});
    cases.emplace_back("range tombstone", m);
  }
  {
    PartitionMutation m;
    Row row;
    row.deletion.timestamp = future;
    m.rows.push_back(row);
    cases.emplace_back("row deletion", m);
  }
  {
    PartitionMutation m;
    Row row;
    row.cells["v"] = Cell{future, 0, 1, true, ""};
    m.rows.push_back(row);
    cases.emplace_back("cell tombstone", m);
  }
  {
    PartitionMutation m;
    Row row;
    row.marker = Liveness{future, 1, 999};  // expired at now_seconds 1000
    row.cells["v"] = Cell{future, 1, 999, false, "gone"};
    m.rows.push_back(row);
    cases.emplace_back("expired row", m);
  }
  for (auto& [what, m] : cases) {
    SCOPED_TRACE(what);
    TearDown();
    SetUp();
    m.partition_key = "pk";
    m.token = 7;
    ASSERT_TRUE(engine_->Apply({{"t", m}}).ok());
    ASSERT_EQ(Read(), std::nullopt);
    bool applied = false;
    ASSERT_TRUE(IfAbsent("new", &applied).ok());
    EXPECT_TRUE(applied);
    EXPECT_EQ(Read(), "new");
  }
}

TEST_P(CompareAndApplyTest, RefusesAMutationOfAnotherPartition) {
  SliceQuery q;
  Status s = engine_->CompareAndApply(
      "t", "other", 8, q,
      [&](const ResolvedPartition&, int64_t ts) -> Result<std::optional<PartitionMutation>> {
        return std::optional<PartitionMutation>(WriteValue("x", ts));
      });
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
  EXPECT_EQ(Read(), std::nullopt);
}

TEST_P(CompareAndApplyTest, UnknownTableIsNotFound) {
  SliceQuery q;
  Status s = engine_->CompareAndApply(
      "nope", "pk", 7, q,
      [&](const ResolvedPartition&, int64_t) -> Result<std::optional<PartitionMutation>> {
        return std::optional<PartitionMutation>();
      });
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
}

// Read-increment-write from several threads: no increment is lost, which it would be if two
// operations on the partition could interleave between read and write.
TEST_P(CompareAndApplyTest, ConcurrentIncrementsAreNeverLost) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        SliceQuery q;
        q.now_seconds = 1000;
        Status s = engine_->CompareAndApply(
            "t", "pk", 7, q,
            [&](const ResolvedPartition& current,
                int64_t ts) -> Result<std::optional<PartitionMutation>> {
              auto v = Value(current);
              int n = v ? std::stoi(*v) : 0;
              return std::optional<PartitionMutation>(WriteValue(std::to_string(n + 1), ts));
            });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Read(), std::to_string(kThreads * kRounds));
}

// While one operation holds the partition, another whose deadline has passed gives up with the
// request's timeout instead of waiting (issue 9: bounded work).
TEST_P(CompareAndApplyTest, WaitingForAHeldPartitionHonoursTheDeadline) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread holder([&] {
    SliceQuery q;
    Status s = engine_->CompareAndApply(
        "t", "pk", 7, q,
        [&](const ResolvedPartition&, int64_t) -> Result<std::optional<PartitionMutation>> {
          entered.set_value();
          released.wait();
          return std::optional<PartitionMutation>();
        });
    EXPECT_TRUE(s.ok());
  });
  entered.get_future().wait();
  RequestContext expired(
      RequestContext::Clock::now(),
      [] { return Status(ErrorCode::kWriteTimeout, "Operation timed out"); }, nullptr);
  bool applied = true;
  Status s = IfAbsent("late", &applied, &expired);
  EXPECT_EQ(s.code(), ErrorCode::kWriteTimeout);
  EXPECT_FALSE(applied);
  release.set_value();
  holder.join();
  ASSERT_TRUE(IfAbsent("now", &applied).ok());
  EXPECT_TRUE(applied);
}

}  // namespace
}  // namespace sibyl::storage
