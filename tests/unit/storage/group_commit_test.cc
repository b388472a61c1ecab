// Group commit (issue 14): one sync serves every write deferred before it began; a callback never
// runs before a sync that began after it was deferred; errors reach every callback of the group;
// Stop runs what is pending. The engine's side: writes in a DeferredSyncScope under kSync leave
// their fsync to WhenDurable, writes outside one do not.
#include "storage/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>

#include "storage/deferred_sync.h"
#include "storage/no_stall_scope.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::storage {
namespace {

// A sync the test holds until it lets it finish; counts the syncs begun.
class HeldSync {
 public:
  Status operator()() {
    std::unique_lock lock(mu_);
    ++begun_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return released_ >= begun_; });
    return status_;
  }
  void WaitBegun(int n) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return begun_ >= n; });
  }
  void Release(int n, Status status = Status::OK()) {
    std::lock_guard lock(mu_);
    released_ = n;
    status_ = std::move(status);
    changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int begun_ = 0;
  int released_ = 0;
  Status status_;
};

TEST(GroupCommit, CallbacksDeferredDuringASyncShareTheNextOne) {
  HeldSync held;
  GroupCommit commit([&] { return held(); });
  std::atomic<int> first_done{0}, second_done{0};
  commit.Defer([&](const Status& s) { EXPECT_TRUE(s.ok()); ++first_done; });
  held.WaitBegun(1);  // sync 1 runs for the first callback
  for (int i = 0; i < 100; ++i) {
    commit.Defer([&](const Status& s) { EXPECT_TRUE(s.ok()); ++second_done; });
  }
  EXPECT_EQ(first_done.load(), 0);  // not before its sync ends
  held.Release(1);
  held.WaitBegun(2);  // the 100 began no sooner than sync 2: they wait for it, all together
  EXPECT_EQ(first_done.load(), 1);
  EXPECT_EQ(second_done.load(), 0);
  held.Release(2);
  commit.Stop();
  EXPECT_EQ(second_done.load(), 100);
  EXPECT_EQ(commit.syncs(), 2u);
}

TEST(GroupCommit, AFailedSyncReachesEveryCallbackOfItsGroup) {
  HeldSync held;
  GroupCommit commit([&] { return held(); });
  std::atomic<int> failed{0};
  commit.Defer([&](const Status& s) { failed += !s.ok(); });
  held.WaitBegun(1);
  held.Release(1, Status(ErrorCode::kIOError, "disk gone"));
  commit.Stop();
  EXPECT_EQ(failed.load(), 1);
}

TEST(GroupCommit, StopRunsPendingCallbacksAndLaterOnesRunInline) {
  std::atomic<int> syncs{0};
  GroupCommit commit([&] {
    ++syncs;
    return Status::OK();
  });
  std::promise<void> ran;
  commit.Defer([&](const Status&) { ran.set_value(); });
  commit.Stop();
  EXPECT_EQ(ran.get_future().wait_for(std::chrono::seconds(0)), std::future_status::ready);
  bool inline_ran = false;
  commit.Defer([&](const Status& s) { inline_ran = s.ok(); });
  EXPECT_TRUE(inline_ran);
  EXPECT_EQ(syncs.load(), 2);
}

class DeferredEngineTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sibyl-group-commit-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(Durability durability) {
    RocksDbOptions o;
    o.path = dir_.string();
    o.durability = durability;
    auto e = OpenRocksDbEngine(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
    ASSERT_TRUE(engine_->CreateTable("t").ok());
  }
  static std::vector<TableMutation> OneRow(const std::string& key) {
    PartitionMutation m;
    m.partition_key = key;
    m.token = 7;
    Row row;
    row.cells["v"].timestamp = 1;
    row.cells["v"].value = "x";
    m.rows.push_back(std::move(row));
    return {{"t", std::move(m)}};
  }
  size_t Rows(const std::string& key) {
    SliceQuery q;
    auto p = engine_->ReadPartition("t", key, 7, q);
    EXPECT_TRUE(p.ok());
    return p.ok() ? p->rows.size() : 0;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(DeferredEngineTest, SyncWritesInAScopeLeaveTheirFsyncToWhenDurable) {
  Open(Durability::kSync);
  {
    DeferredSyncScope scope;
    ASSERT_TRUE(engine_->Apply(OneRow("a")).ok());
    EXPECT_TRUE(scope.pending());
  }
  EXPECT_EQ(Rows("a"), 1u);
  std::promise<Status> durable;
  engine_->WhenDurable([&](const Status& s) { durable.set_value(s); });
  EXPECT_TRUE(durable.get_future().get().ok());
  {
    DeferredSyncScope scope;  // reads defer nothing
    EXPECT_EQ(Rows("a"), 1u);
    EXPECT_FALSE(scope.pending());
  }
}

TEST_F(DeferredEngineTest, PeriodicWritesAndWritesOutsideAScopeDeferNothing) {
  Open(Durability::kPeriodic);
  {
    DeferredSyncScope scope;
    ASSERT_TRUE(engine_->Apply(OneRow("a")).ok());
    EXPECT_FALSE(scope.pending());  // periodic: nothing to wait for
  }
  engine_.reset();
  std::filesystem::remove_all(dir_);
  Open(Durability::kSync);
  ASSERT_TRUE(engine_->Apply(OneRow("b")).ok());  // no scope: synced before it returned
  EXPECT_EQ(DeferredSyncScope::Current(), nullptr);
  EXPECT_EQ(Rows("b"), 1u);
}

// Inline writes must not block the event loop (issue 14): with flushes paused the memtables fill
// and RocksDB stops writes; in a NoStallScope the write is refused at once, applies nothing and
// marks the scope, and the same write outside a scope waits for the stall to clear.
TEST_F(DeferredEngineTest, AWriteThatWouldStallIsRefusedInANoStallScope) {
  Open(Durability::kPeriodic);
  ASSERT_TRUE(PauseBackgroundWorkForTesting(*engine_, true).ok());
  auto big_row = [](const std::string& key) {
    auto batch = OneRow(key);
    batch[0].mutation.rows[0].cells["v"].value.assign(1 << 20, 'x');
    return batch;
  };
  int refused_at = -1;
  for (int i = 0; i < 200 && refused_at < 0; ++i) {  // slowed at 3 waiting 16 MiB memtables: < 70
    NoStallScope scope;
    Status s = engine_->Apply(big_row("k" + std::to_string(i)));
    if (scope.stalled()) {
      EXPECT_EQ(s.code(), ErrorCode::kOverloaded) << s.ToString();
      refused_at = i;
    } else {
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }
  ASSERT_GE(refused_at, 0) << "the writes never stalled";
  const std::string refused = "k" + std::to_string(refused_at);
  EXPECT_EQ(Rows(refused), 0u);  // nothing of it was applied
  // Outside a scope the write waits for the stall, which ends once flushes run again.
  auto resume = std::async(std::launch::async,
                           [&] { return PauseBackgroundWorkForTesting(*engine_, false); });
  ASSERT_TRUE(engine_->Apply(big_row(refused)).ok());
  ASSERT_TRUE(resume.get().ok());
  EXPECT_EQ(Rows(refused), 1u);
}

}  // namespace
}  // namespace sibyl::storage
