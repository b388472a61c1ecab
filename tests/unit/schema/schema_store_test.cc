// The schema survives a restart: definitions are rows of the storage engine.
#include <gtest/gtest.h>

#include <filesystem>

#include "schema/schema_store.h"
#include "storage/rocksdb_engine.h"

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

TableMetadata Table(const std::string& ks, const std::string& name) {
  TableMetadata t;
  t.keyspace = ks;
  t.name = name;
  t.id = "00000000-0000-4000-8000-0000000000" + std::to_string(10 + name.size());
  ColumnMetadata k;
  k.name = "k";
  k.type = types::Type(types::Kind::kInt);
  k.kind = ColumnKind::kPartitionKey;
  k.position = 0;
  t.columns.push_back(k);
  t.Finish();
  return t;
}

TEST(SchemaStore, DefinitionsSurviveReopen) {
  fs::path dir = fs::temp_directory_path() / ("sibyl-schema-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    auto engine = OpenEngine(dir);
    auto store = SchemaStore::Open(*engine, {});
    ASSERT_TRUE(store.ok());
    KeyspaceMetadata ks;
    ks.name = "ks";
    ks.replication = {{"class", "org.apache.cassandra.locator.SimpleStrategy"},
                      {"replication_factor", "1"}};
    ASSERT_TRUE((*store)->CreateKeyspace(ks).ok());
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

}  // namespace
}  // namespace sibyl::schema
