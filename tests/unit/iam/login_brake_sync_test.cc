// The failed-login brake across nodes (issue 15): two LoginBrakes with a LoginBrakeSync each on
// one engine are two nodes on one pool. Failures seen by one slow the next guess on the other
// after one exchange; counts from another node decay with their age; a row that does not decode
// is skipped; the sketch never under-counts a key.
#include <gtest/gtest.h>

#include <filesystem>

#include "iam/failure_sketch.h"
#include "iam/login_brake.h"
#include "iam/login_brake_sync.h"
#include "storage/engine.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::iam {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr int64_t kWall = 1'800'000'000'000;  // ms since the epoch: realistic, for TTLs

class LoginBrakeSyncTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sibyl-brake-sync-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    storage::RocksDbOptions o;
    o.path = (dir_ / "db").string();
    auto e = storage::OpenRocksDbEngine(o);
    ASSERT_TRUE(e.ok());
    engine_ = std::move(*e);
    auto a = LoginBrakeSync::Open(*engine_, brake_a_, "node-a");
    auto b = LoginBrakeSync::Open(*engine_, brake_b_, "node-b");
    ASSERT_TRUE(a.ok() && b.ok());
    sync_a_ = std::move(*a);
    sync_b_ = std::move(*b);
  }
  void TearDown() override {
    sync_a_.reset();
    sync_b_.reset();
    engine_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  std::unique_ptr<storage::Engine> engine_;
  LoginBrake brake_a_, brake_b_;
  std::unique_ptr<LoginBrakeSync> sync_a_, sync_b_;
};

TEST_F(LoginBrakeSyncTest, GuessesOnOneNodeSlowTheNextGuessOnTheOther) {
  // Why (issue 15): each node counted only its own failures, so a guesser spreading over N
  // nodes had N times the free guesses and short delays.
  for (int i = 0; i < 4; ++i) brake_a_.RecordFailure("10.0.0.1", "alice", 0);
  EXPECT_EQ(brake_b_.RecordFailure("10.0.0.9", "alice", 0), milliseconds(0));  // not yet known
  ASSERT_TRUE(sync_a_->SyncOnce(kWall, 0).ok());
  ASSERT_TRUE(sync_b_->SyncOnce(kWall, 0).ok());
  // 4 failures on node A + 2 on node B: the 6th in all.
  EXPECT_EQ(brake_b_.RecordFailure("10.0.0.9", "alice", 0), milliseconds(1000));
  // Node A's address counts on node B too; another address and name are untouched.
  EXPECT_EQ(brake_b_.RecordFailure("10.0.0.1", "bob", 0), milliseconds(500));
  EXPECT_EQ(brake_b_.RecordFailure("10.0.0.2", "carol", 0), milliseconds(0));
}

TEST_F(LoginBrakeSyncTest, ANodesOwnRowIsNotCountedTwice) {
  for (int i = 0; i < 3; ++i) brake_a_.RecordFailure("10.0.0.1", "alice", 0);
  ASSERT_TRUE(sync_a_->SyncOnce(kWall, 0).ok());
  EXPECT_EQ(brake_a_.RecordFailure("10.0.0.1", "alice", 0), milliseconds(250));  // the 4th
}

TEST_F(LoginBrakeSyncTest, CountsFromAnotherNodeDecayWithTheirAge) {
  for (int i = 0; i < 16; ++i) brake_a_.RecordFailure("10.0.0.1", "alice", 0);
  ASSERT_TRUE(sync_a_->SyncOnce(kWall, 0).ok());
  // Read two half-lives (120 s) after it was written: 16 -> 4, + this failure = 5.
  ASSERT_TRUE(sync_b_->SyncOnce(kWall + 120'000, 0).ok());
  EXPECT_EQ(brake_b_.RecordFailure("10.0.0.9", "alice", 0), milliseconds(500));
}

TEST_F(LoginBrakeSyncTest, ARowThatDoesNotDecodeIsSkipped) {
  // Why: rows come from shared storage; a bad one must not stop the exchange or crash a node.
  storage::PartitionMutation m;
  m.partition_key = "sketches";
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : std::string("sketches")) h = (h ^ c) * 1099511628211ull;
  m.token = static_cast<int64_t>(h);
  storage::Row row;
  row.clustering = "node-evil";
  row.cells["s"] = storage::Cell{1, 0, 0, false, std::string(100, '\xff')};
  m.rows.push_back(row);
  ASSERT_TRUE(engine_->Apply({{kLoginFailuresTableId, m}}).ok());
  for (int i = 0; i < 4; ++i) brake_a_.RecordFailure("10.0.0.1", "alice", 0);
  ASSERT_TRUE(sync_a_->SyncOnce(kWall, 0).ok());
  ASSERT_TRUE(sync_b_->SyncOnce(kWall, 0).ok());
  EXPECT_EQ(brake_b_.RecordFailure("10.0.0.9", "alice", 0), milliseconds(500));  // 5th
}

TEST(FailureSketch, NeverCountsAKeyBelowItsFailuresAndDecodesOnlyItsOwnSize) {
  FailureSketch sketch;
  for (int i = 0; i < 3000; ++i) sketch.Add("n:user" + std::to_string(i), 1);
  sketch.Add("n:alice", 5);
  EXPECT_GE(sketch.Estimate("n:alice"), 5);
  auto back = FailureSketch::Decode(sketch.Encode());
  ASSERT_TRUE(back.ok());
  EXPECT_NEAR(back->Estimate("n:alice"), sketch.Estimate("n:alice"), 1.0 / 64);
  EXPECT_EQ(FailureSketch::Decode("x").status().code(), ErrorCode::kCorruption);
  std::string wrong_version = sketch.Encode();
  wrong_version[0] = 9;
  EXPECT_EQ(FailureSketch::Decode(wrong_version).status().code(), ErrorCode::kCorruption);
  FailureSketch empty;
  EXPECT_TRUE(empty.Empty());
  EXPECT_DOUBLE_EQ(empty.Estimate("n:alice"), 0);
}

}  // namespace
}  // namespace sibyl::iam
