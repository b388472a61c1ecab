// Many nodes (issue 15): two IAM services on one storage engine are two nodes sharing a pool; a
// fake coordinator delivers each one's publishes to the other, as RADOS notify does. A change on
// one node is in force on the other when the call returns; a node with another master key
// refuses to start. And the failed-login brake's exchange between nodes (LoginBrakeSync).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "iam/failure_sketch.h"
#include "iam/iam_service.h"
#include "iam/login_brake.h"
#include "iam/login_brake_sync.h"
#include "storage/coordinator.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::iam {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// One node's coordinator: Publish runs the peer's subscribers for the topic before returning.
class FakeNode final : public storage::Coordinator {
 public:
  FakeNode* peer = nullptr;
  bool clustered() const override { return true; }
  void Subscribe(const std::string& topic, Reload reload) override {
    subscribers_[topic].push_back(std::move(reload));
  }
  Status Publish(const std::string& topic) override {
    if (peer != nullptr) {
      for (const auto& reload : peer->subscribers_[topic]) reload();
    }
    return Status::OK();
  }
  Result<std::unique_ptr<LockGuard>> LockDdl(std::chrono::milliseconds) override {
    return std::make_unique<LockGuard>();
  }
  Status Join(storage::NodeRecord) override { return Status::OK(); }
  storage::NodeRecord Self() const override { return {}; }
  Status UpdateSelf(const std::function<void(storage::NodeRecord&)>&) override { return Status::OK(); }
  Result<std::vector<storage::NodeRecord>> Nodes() override { return std::vector<storage::NodeRecord>{}; }
  void OnMembership(MembershipListener) override {}
  Status Start() override { return Status::OK(); }
  void Stop() override {}

 private:
  std::map<std::string, std::vector<Reload>> subscribers_;
};

class IamClusterTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sibyl-iam-cluster-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    storage::RocksDbOptions o;
    o.path = (dir_ / "db").string();
    auto e = storage::OpenRocksDbEngine(o);
    ASSERT_TRUE(e.ok());
    engine_ = std::move(*e);
    node1_.peer = &node2_;
    node2_.peer = &node1_;
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    engine_.reset();
    fs::remove_all(dir_);
  }
  Result<std::unique_ptr<IamService>> OpenNode(FakeNode& node, const std::string& key_file) {
    IamOptions options;
    options.master_key_path = (dir_ / key_file).string();
    options.coordinator = &node;
    return IamService::Open(*engine_, options, nullptr);
  }

  fs::path dir_;
  std::unique_ptr<storage::Engine> engine_;
  FakeNode node1_, node2_;
  std::unique_ptr<IamService> a_, b_;
};

TEST_F(IamClusterTest, CredentialMadeOnOneNodeLogsInOnTheOtherAndInactiveRefusesAtOnce) {
  auto a = OpenNode(node1_, "master.key");
  auto b = OpenNode(node2_, "master.key");
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString() << b.status().ToString();
  a_ = std::move(*a);
  b_ = std::move(*b);
  ASSERT_TRUE(a_->CreateUser("alice", "/").ok());
  auto cred = a_->CreateServiceSpecificCredential("alice", "cassandra.amazonaws.com");
  ASSERT_TRUE(cred.ok()) << cred.status().ToString();
  auto login = b_->AuthenticateServicePassword(cred->credential.service_user_name, cred->password);
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  // Made Inactive on B: A refuses the next login, with no wait.
  ASSERT_TRUE(
      b_->UpdateServiceSpecificCredential("alice", cred->credential.id, "Inactive").ok());
  login = a_->AuthenticateServicePassword(cred->credential.service_user_name, cred->password);
  EXPECT_EQ(login.status().code(), ErrorCode::kBadCredentials);
}

TEST_F(IamClusterTest, AnotherNodesChangeMovesTheAuthorizationVersion) {
  // CQL connections cache decisions per version: a remote change must invalidate them too.
  auto a = OpenNode(node1_, "master.key");
  auto b = OpenNode(node2_, "master.key");
  ASSERT_TRUE(a.ok() && b.ok());
  a_ = std::move(*a);
  b_ = std::move(*b);
  const uint64_t before = b_->authorization_version();
  ASSERT_TRUE(a_->CreateUser("bob", "/").ok());
  EXPECT_GT(b_->authorization_version(), before);
  EXPECT_TRUE(b_->GetUser("bob").ok());
}

TEST_F(IamClusterTest, ANodeWithAnotherMasterKeyRefusesToStart) {
  auto a = OpenNode(node1_, "master.key");  // makes the root key, sealed with this key
  ASSERT_TRUE(a.ok());
  auto b = OpenNode(node2_, "other.key");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(b.status().message().find("every node must use the same key (--master-key-file)"),
            std::string::npos);
}

// ---- the failed-login brake across nodes (issue 15) ----
// Two LoginBrakes with a LoginBrakeSync each on one engine are two nodes on one pool. Failures
// seen by one slow the next guess on the other after one exchange; counts from another node
// decay with their age; a row that does not decode is skipped; the sketch never under-counts.
constexpr int64_t kWall = 1'800'000'000'000;  // ms since the epoch: realistic, for TTLs

class LoginBrakeSyncTest : public IamClusterTest {
 protected:
  void SetUp() override {
    IamClusterTest::SetUp();
    auto a = LoginBrakeSync::Open(*engine_, brake_a_, "node-a");
    auto b = LoginBrakeSync::Open(*engine_, brake_b_, "node-b");
    ASSERT_TRUE(a.ok() && b.ok());
    sync_a_ = std::move(*a);
    sync_b_ = std::move(*b);
  }
  void TearDown() override {
    sync_a_.reset();
    sync_b_.reset();
    IamClusterTest::TearDown();
  }

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
