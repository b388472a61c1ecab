// The schema survives a restart: definitions are rows of the storage engine.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "schema/schema_store.h"
#include "storage/rocksdb_engine.h"
#include "schema_fixtures.h"

namespace sibyl::schema {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<storage::Engine> OpenEngine(const fs::path& dir) {
  storage::RocksDbOptions o;
  o.path = dir.string();
  auto e = storage::OpenRocksDbEngine(o);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return std::move(*e);
}

using fixtures::Table;

KeyspaceMetadata Keyspace(const std::string& name) { return fixtures::Keyspace(name, "1"); }

TEST(SchemaStore, DefinitionsSurviveReopen) {
  fs::path dir = fs::temp_directory_path() / ("sibyl-schema-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    auto engine = OpenEngine(dir);
    auto store = SchemaStore::Open(*engine, {});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->CreateKeyspace(Keyspace("ks")).ok());
    ASSERT_TRUE((*store)->CreateTable(Table("ks", "t")).ok());
    ASSERT_TRUE((*store)->CreateTable(Table("ks", "gone")).ok());
    ASSERT_TRUE((*store)->DropTable("ks", "gone").ok());
    ASSERT_TRUE(engine->Flush().ok());
  }
  auto engine = OpenEngine(dir);
  auto store = SchemaStore::Open(*engine, {});
  ASSERT_TRUE(store.ok());
  auto snapshot = (*store)->snapshot();
  ASSERT_NE(snapshot->FindKeyspace("ks"), nullptr);
  EXPECT_EQ(snapshot->FindKeyspace("ks")->replication.at("replication_factor"), "1");
  EXPECT_NE(snapshot->FindTable("ks", "t"), nullptr);
  EXPECT_EQ(snapshot->FindTable("ks", "gone"), nullptr);
  EXPECT_EQ(snapshot->keyspaces.size(), 1u);
  fs::remove_all(dir);
}

// Each thread keeps an alias of the snapshot it last took (issue 14): a DDL made on another thread
// is seen at the next snapshot(), a snapshot held stays as it was, and two stores in one thread
// never answer with each other's.
TEST(SchemaStore, ASnapshotTakenAfterAnotherThreadsDdlHasIt) {
  fs::path dir = fs::temp_directory_path() / ("sibyl-schema-alias-" + std::to_string(::getpid()));
  fs::path other_dir = dir.string() + "-other";
  fs::remove_all(dir);
  fs::remove_all(other_dir);
  {
    auto engine = OpenEngine(dir);
    auto other_engine = OpenEngine(other_dir);
    auto store = SchemaStore::Open(*engine, {});
    auto other = SchemaStore::Open(*other_engine, {});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(other.ok());
    auto before = (*store)->snapshot();
    EXPECT_EQ(before->FindKeyspace("ks"), nullptr);
    std::thread([&] {
      ASSERT_TRUE((*store)->CreateKeyspace(Keyspace("ks")).ok());
      ASSERT_TRUE((*store)->CreateTable(Table("ks", "t")).ok());
    }).join();
    auto after = (*store)->snapshot();
    EXPECT_NE(after->FindTable("ks", "t"), nullptr);
    EXPECT_EQ(before->FindKeyspace("ks"), nullptr);  // the older snapshot did not change
    EXPECT_EQ((*other)->snapshot()->FindKeyspace("ks"), nullptr);
    EXPECT_NE((*store)->snapshot()->FindKeyspace("ks"), nullptr);
    EXPECT_EQ((*store)->snapshot().get(), after.get());  // the same snapshot, not a copy
  }
  fs::remove_all(dir);
  fs::remove_all(other_dir);
}

}  // namespace
}  // namespace sibyl::schema
