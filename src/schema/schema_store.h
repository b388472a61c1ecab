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

  // User-defined types (issue 11). `type` is a non-frozen kUdt Type of an existing keyspace,
  // its fields resolved. CreateUserType: kInvalid "A user type with name 'x' already exists".
  // AlterUserType replaces an existing type and rebuilds every table column and other type
  // that uses it (schema/user_types.h); kNotFound if absent. DropUserType: kNotFound if absent,
  // kInvalid with Cassandra's message while another type or a table uses it.
  Status CreateUserType(const types::Type& type);
  Status AlterUserType(const types::Type& type);
  Status DropUserType(const std::string& keyspace, const std::string& name);

 private:
  explicit SchemaStore(storage::Engine& engine) : engine_(engine) {}

  Status PersistKeyspace(const KeyspaceMetadata& keyspace);
  Status PersistTable(const TableMetadata& table);
  Status PersistUserType(const types::Type& type);
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
