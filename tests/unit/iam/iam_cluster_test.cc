// Many nodes (issue 15): two IAM services on one storage engine are two nodes sharing a pool; a
// fake coordinator delivers each one's publishes to the other, as RADOS notify does. A change on
// one node is in force on the other when the call returns; a node with another master key
// refuses to start.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "iam/iam_service.h"
#include "storage/coordinator.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::iam {
namespace {

namespace fs = std::filesystem;

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

}  // namespace
}  // namespace sibyl::iam
