// Many nodes (issue 15): two schema stores on one storage engine behave as two nodes sharing a
// pool. A DDL on one is seen by the other's Reload, with the SCHEMA_CHANGE events a driver
// needs; unchanged tables keep their metadata objects (prepared statements on them stay); both
// report the same schema version (drivers' schema agreement); a clustered DDL publishes once.
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

#include "schema/schema_store.h"
#include "storage/coordinator.h"
#include "storage/rocksdb_engine.h"
#include "schema_fixtures.h"

namespace sibyl::schema {
namespace {

namespace fs = std::filesystem;

using fixtures::Table;

KeyspaceMetadata Keyspace(const std::string& name) { return fixtures::Keyspace(name, "3"); }

std::string Render(const std::vector<SchemaChange>& changes) {
  std::string out;
  for (const auto& c : changes) {
    out += c.change_type + " " + c.target + " " + c.keyspace + (c.name.empty() ? "" : "." + c.name) + ";";
  }
  return out;
}

class SchemaReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sibyl-schema-reload-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    storage::RocksDbOptions o;
    o.path = dir_.string();
    auto e = storage::OpenRocksDbEngine(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
    auto a = SchemaStore::Open(*engine_, {});
    auto b = SchemaStore::Open(*engine_, {});
    ASSERT_TRUE(a.ok() && b.ok());
    a_ = std::move(*a);
    b_ = std::move(*b);
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    engine_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<SchemaStore> a_, b_;
};

TEST_F(SchemaReloadTest, NodesThatSawNoDdlAgreeOnCassandrasEmptyVersion) {
  EXPECT_EQ(a_->snapshot()->version, kEmptySchemaVersion);
  EXPECT_EQ(b_->snapshot()->version, kEmptySchemaVersion);
}

TEST_F(SchemaReloadTest, ReloadSeesTheOtherNodesDdlWithItsEvents) {
  ASSERT_TRUE(a_->CreateKeyspace(Keyspace("ks")).ok());
  ASSERT_TRUE(a_->CreateTable(Table("ks", "t")).ok());
  auto changes = b_->Reload();
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  EXPECT_EQ(Render(*changes), "CREATED KEYSPACE ks;CREATED TABLE ks.t;");
  EXPECT_NE(b_->snapshot()->FindTable("ks", "t"), nullptr);
  EXPECT_EQ(b_->snapshot()->version, a_->snapshot()->version);
  EXPECT_NE(b_->snapshot()->version, kEmptySchemaVersion);
  // Nothing changed since: nothing to announce, and the same objects.
  auto table = b_->snapshot()->FindTable("ks", "t");
  changes = b_->Reload();
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(Render(*changes), "");
  EXPECT_EQ(b_->snapshot()->FindTable("ks", "t"), table);
}

TEST_F(SchemaReloadTest, UnchangedTablesKeepTheirObjectsAndChangedOnesAreUpdated) {
  ASSERT_TRUE(a_->CreateKeyspace(Keyspace("ks")).ok());
  ASSERT_TRUE(a_->CreateTable(Table("ks", "t")).ok());
  ASSERT_TRUE(a_->CreateTable(Table("ks", "u")).ok());
  ASSERT_TRUE(b_->Reload().ok());
  auto t_before = b_->snapshot()->FindTable("ks", "t");
  auto u_before = b_->snapshot()->FindTable("ks", "u");
  ASSERT_TRUE(a_->AlterTable(Table("ks", "u", "changed")).ok());
  auto changes = b_->Reload();
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(Render(*changes), "UPDATED TABLE ks.u;");
  EXPECT_EQ(b_->snapshot()->FindTable("ks", "t"), t_before);  // prepared statements stay
  EXPECT_NE(b_->snapshot()->FindTable("ks", "u"), u_before);  // re-prepared on next use
  EXPECT_EQ(b_->snapshot()->FindTable("ks", "u")->options.comment, "changed");
  EXPECT_EQ(b_->snapshot()->version, a_->snapshot()->version);
}

TEST_F(SchemaReloadTest, DroppingAKeyspaceIsOneEvent) {
  ASSERT_TRUE(a_->CreateKeyspace(Keyspace("ks")).ok());
  ASSERT_TRUE(a_->CreateTable(Table("ks", "t")).ok());
  ASSERT_TRUE(a_->CreateKeyspace(Keyspace("other")).ok());
  ASSERT_TRUE(b_->Reload().ok());
  ASSERT_TRUE(a_->DropKeyspace("ks").ok());
  ASSERT_TRUE(a_->DropTable("other", "nope").code() == ErrorCode::kNotFound);
  auto changes = b_->Reload();
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(Render(*changes), "DROPPED KEYSPACE ks;");
  EXPECT_EQ(b_->snapshot()->FindKeyspace("ks"), nullptr);
  EXPECT_NE(b_->snapshot()->FindKeyspace("other"), nullptr);
}

TEST_F(SchemaReloadTest, ADdlBuildsOnWhatAnotherNodeDidWithoutReloadingFirst) {
  // B has not reloaded; a clustered DDL reloads first, so B's CREATE TABLE sees A's keyspace
  // and B's DROP sees A's table. A fake coordinator counts the publishes.
  class CountingCoordinator final : public storage::Coordinator {
   public:
    bool clustered() const override { return true; }
    void Subscribe(const std::string&, Reload) override {}
    Status Publish(const std::string& topic) override {
      published.push_back(topic);
      return Status::OK();
    }
    Result<std::unique_ptr<LockGuard>> LockDdl(std::chrono::milliseconds) override {
      locks++;
      return std::make_unique<LockGuard>();
    }
    Status Join(storage::NodeRecord) override { return Status::OK(); }
    storage::NodeRecord Self() const override { return self; }
    Status UpdateSelf(const std::function<void(storage::NodeRecord&)>& change) override {
      change(self);
      return Status::OK();
    }
    Result<std::vector<storage::NodeRecord>> Nodes() override {
      return std::vector<storage::NodeRecord>{self};
    }
    void OnMembership(MembershipListener) override {}
    Status Start() override { return Status::OK(); }
    void Stop() override {}
    std::vector<std::string> published;
    int locks = 0;
    storage::NodeRecord self;
  } coordinator;
  b_->SetCoordinator(&coordinator);
  ASSERT_TRUE(a_->CreateKeyspace(Keyspace("ks")).ok());
  ASSERT_TRUE(b_->CreateTable(Table("ks", "t")).ok());
  ASSERT_TRUE(a_->Reload().ok());
  ASSERT_NE(a_->snapshot()->FindTable("ks", "t"), nullptr);
  EXPECT_EQ(b_->CreateTable(Table("ks", "t")).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(coordinator.published, std::vector<std::string>{"schema"});  // failed DDL: none
  EXPECT_EQ(coordinator.locks, 2);
  EXPECT_EQ(coordinator.self.schema_version, b_->snapshot()->version);
  EXPECT_EQ(a_->snapshot()->version, b_->snapshot()->version);
}

}  // namespace
}  // namespace sibyl::schema
