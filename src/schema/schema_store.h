#pragma once
// SchemaStore: the durable schema. Keyspace and table definitions are rows of an internal table
// of the storage engine (one storage, one recovery story); the in-memory view is an immutable
// SchemaSnapshot swapped atomically after each change. DDL is synchronous: when a method returns
// OK the change is durable and visible to every later statement on every connection.
//
// Thread-safe. DDL methods are serialized by a mutex; snapshot() never blocks on them.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "schema/metadata.h"

namespace sibyl::storage {
class Engine;
}

namespace sibyl::schema {

class SchemaStore {
 public:
  // Loads the persisted schema and adds `system_keyspaces` (built in memory, never persisted).
  static Result<std::unique_ptr<SchemaStore>> Open(
      storage::Engine& engine, std::vector<std::shared_ptr<const KeyspaceMetadata>> system_keyspaces);

  SchemaStore(const SchemaStore&) = delete;
  SchemaStore& operator=(const SchemaStore&) = delete;

  std::shared_ptr<const SchemaSnapshot> snapshot() const;

  // kAlreadyExists (with detail) if the keyspace exists.
  Status CreateKeyspace(const KeyspaceMetadata& keyspace);
  // Replaces replication/durable_writes/tags of an existing keyspace (tables are kept).
  // kNotFound if it does not exist.
  Status AlterKeyspace(const KeyspaceMetadata& keyspace);
  // Drops the keyspace, its tables and their data. kNotFound if it does not exist.
  Status DropKeyspace(const std::string& name);

  // Creates the storage table then the definition. kAlreadyExists if the table exists,
  // kNotFound if the keyspace does not.
  Status CreateTable(const TableMetadata& table);
  // Replaces an existing table's definition (same id). kNotFound if absent.
  Status AlterTable(const TableMetadata& table);
  // Drops the definition and the data. kNotFound if absent.
  Status DropTable(const std::string& keyspace, const std::string& table);

 private:
  explicit SchemaStore(storage::Engine& engine) : engine_(engine) {}

  Status PersistKeyspace(const KeyspaceMetadata& keyspace);
  Status PersistTable(const TableMetadata& table);
  void Publish(std::shared_ptr<SchemaSnapshot> next);
  std::shared_ptr<SchemaSnapshot> CopyForChange() const;

  storage::Engine& engine_;
  std::mutex ddl_mu_;  // serializes DDL
  mutable std::mutex snapshot_mu_;
  std::shared_ptr<const SchemaSnapshot> snapshot_;  // GUARDED_BY(snapshot_mu_)
};

// The storage table id holding the schema.
inline constexpr const char* kSchemaTableId = "sibyl_schema";

}  // namespace sibyl::schema
