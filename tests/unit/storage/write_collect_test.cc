// Writes coalesced per event-loop turn (issue 14, storage/write_collect.h): in a WriteCollectScope
// the RocksDB engine adds Apply's mutations to the thread's collected batch instead of writing
// them; nothing is visible before CollectedWrites::Commit, everything is after; a mutation that
// fails while being collected leaves the others collected and adds nothing of its own; a commit
// follows the DeferredSyncScope and NoStallScope open around it, as Apply does.
#include "storage/write_collect.h"

#include <gtest/gtest.h>

#include <future>

#include "engine_test_base.h"
#include "storage/deferred_sync.h"
#include "storage/no_stall_scope.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::storage {
namespace {

class WriteCollectTest : public EngineTest {
 protected:
  void TearDown() override {
    collected_.reset();
    EngineTest::TearDown();
  }
  void Open(Durability durability) {
    RocksDbOptions o;
    o.durability = durability;
    OpenEngine("sibyl-write-collect-", o);
  }
  static std::vector<TableMutation> OneRow(const std::string& key, const std::string& table = "t",
                                           size_t value_bytes = 1) {
    PartitionMutation m;
    m.partition_key = key;
    m.token = 7;
    Row row;
    row.cells["v"].timestamp = 1;
    row.cells["v"].value.assign(value_bytes, 'x');
    m.rows.push_back(std::move(row));
    return {{table, std::move(m)}};
  }
  size_t Rows(const std::string& key) {
    SliceQuery q;
    auto p = engine_->ReadPartition("t", key, 7, q);
    EXPECT_TRUE(p.ok());
    return p.ok() ? p->rows.size() : 0;
  }
  // Applies `mutations` in a scope collecting into collected_; whether it was collected.
  bool Collect(const std::vector<TableMutation>& mutations, Status* status = nullptr) {
    WriteCollectScope scope(&collected_);
    Status s = engine_->Apply(mutations);
    if (status != nullptr) *status = s;
    return scope.collected();
  }
  std::unique_ptr<CollectedWrites> collected_;
};

TEST_F(WriteCollectTest, CollectedWritesAreInvisibleUntilTheCommitThenAllVisible) {
  Open(Durability::kPeriodic);
  for (const char* key : {"a", "b", "c"}) {
    Status s;
    ASSERT_TRUE(Collect(OneRow(key), &s));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  ASSERT_NE(collected_, nullptr);
  EXPECT_FALSE(collected_->empty());
  EXPECT_GT(collected_->bytes(), 0u);
  EXPECT_EQ(Rows("a") + Rows("b") + Rows("c"), 0u);
  ASSERT_TRUE(collected_->Commit().ok());
  EXPECT_TRUE(collected_->empty());
  EXPECT_EQ(Rows("a") + Rows("b") + Rows("c"), 3u);
  // The set is reused by the next turn; an empty commit writes nothing and succeeds.
  ASSERT_TRUE(Collect(OneRow("d")));
  ASSERT_TRUE(collected_->Commit().ok());
  EXPECT_EQ(Rows("d"), 1u);
  EXPECT_TRUE(collected_->Commit().ok());
}

TEST_F(WriteCollectTest, AMutationThatFailsWhileCollectedAddsNothingAndKeepsTheOthers) {
  Open(Durability::kPeriodic);
  ASSERT_TRUE(Collect(OneRow("a")));
  const size_t before = collected_->bytes();
  // Two partitions, the second of a table that does not exist: neither is collected.
  auto mixed = OneRow("b");
  mixed.push_back(OneRow("c", "no_such_table")[0]);
  Status s;
  EXPECT_FALSE(Collect(mixed, &s));
  EXPECT_EQ(s.code(), ErrorCode::kNotFound) << s.ToString();
  EXPECT_EQ(collected_->bytes(), before);
  ASSERT_TRUE(collected_->Commit().ok());
  EXPECT_EQ(Rows("a"), 1u);
  EXPECT_EQ(Rows("b"), 0u);
}

TEST_F(WriteCollectTest, WritesOutsideAScopeAreAppliedAtOnce) {
  Open(Durability::kPeriodic);
  ASSERT_TRUE(Collect(OneRow("a")));
  ASSERT_TRUE(engine_->Apply(OneRow("b")).ok());  // no scope: written now
  EXPECT_EQ(Rows("b"), 1u);
  EXPECT_EQ(Rows("a"), 0u);
  ASSERT_TRUE(collected_->Commit().ok());
  EXPECT_EQ(Rows("a"), 1u);
}

TEST_F(WriteCollectTest, ASyncCommitInADeferredScopeLeavesItsFsyncToWhenDurable) {
  Open(Durability::kSync);
  {
    DeferredSyncScope request;  // collecting is not writing: nothing to wait for
    ASSERT_TRUE(Collect(OneRow("a")));
    EXPECT_FALSE(request.pending());
  }
  DeferredSyncScope commit;
  ASSERT_TRUE(collected_->Commit().ok());
  EXPECT_TRUE(commit.pending());
  EXPECT_EQ(Rows("a"), 1u);
  std::promise<Status> durable;
  engine_->WhenDurable([&](const Status& s) { durable.set_value(s); });
  EXPECT_TRUE(durable.get_future().get().ok());
}

TEST_F(WriteCollectTest, ACommitThatWouldStallIsRefusedWholeInANoStallScope) {
  Open(Durability::kPeriodic);
  ASSERT_TRUE(PauseBackgroundWorkForTesting(*engine_, true).ok());
  // 1 MiB rows until RocksDB slows writes (3 memtables of 16 MiB waiting); the last commit, of several
  // collected rows, is refused and applies none of them.
  bool refused = false;
  int written = 0;
  for (int turn = 0; turn < 100 && !refused; ++turn) {
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(Collect(OneRow("k" + std::to_string(turn * 3 + i), "t", 1 << 20)));
    }
    NoStallScope scope;
    Status s = collected_->Commit();
    if (scope.stalled()) {
      EXPECT_EQ(s.code(), ErrorCode::kOverloaded) << s.ToString();
      refused = true;
      for (int i = 0; i < 3; ++i) EXPECT_EQ(Rows("k" + std::to_string(turn * 3 + i)), 0u);
      EXPECT_TRUE(collected_->empty());  // the caller runs each request again
    } else {
      ASSERT_TRUE(s.ok()) << s.ToString();
      written += 3;
    }
  }
  EXPECT_TRUE(refused) << "the writes never stalled";
  EXPECT_GT(written, 0);
  ASSERT_TRUE(PauseBackgroundWorkForTesting(*engine_, false).ok());
}

}  // namespace
}  // namespace sibyl::storage
