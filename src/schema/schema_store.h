#pragma once
// SchemaStore: the durable schema. Keyspace and table definitions are rows of an internal table
// of the storage engine (one storage, one recovery story); the in-memory view is an immutable
// SchemaSnapshot swapped atomically after each change. DDL is synchronous: when a method returns
// OK the change is durable and visible to every later statement on every connection.
//
// Thread-safe. DDL methods are serialized by a mutex; snapshot() never blocks on them.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "schema/metadata.h"
#include "schema/stored_schema.h"  // issue 15

namespace sibyl::storage {
class Coordinator;
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

  // The current snapshot. Called for every request: while no DDL changed it, a thread gets a
  // copy of its own per-thread alias (common/per_thread_share.h), no lock and no shared count.
  std::shared_ptr<const SchemaSnapshot> snapshot() const;
  // Moves with every change of the snapshot: a snapshot() taken after reading generation g is g's
  // or a later one.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

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
  // Removes every row of the table's storage (TRUNCATE), as a DDL: under the cluster lock, and
  // announced to every node (issue 15: their engine caches about the table are dropped).
  Status TruncateTable(const std::string& table_id);

  // User-defined types (issue 11). `type` is a non-frozen kUdt Type of an existing keyspace,
  // its fields resolved. CreateUserType: kInvalid "A user type with name 'x' already exists".
  // AlterUserType replaces an existing type and rebuilds every table column and other type
  // that uses it (schema/user_types.h); kNotFound if absent. DropUserType: kNotFound if absent,
  // kInvalid with Cassandra's message while another type or a table uses it.
  Status CreateUserType(const types::Type& type);
  Status AlterUserType(const types::Type& type);
  Status DropUserType(const std::string& keyspace, const std::string& name);

  // ---- many nodes (issue 15, docs/dev/rados-mapping.md "Many nodes") ----
  // With a clustered `coordinator`, each DDL runs under its cluster-wide DDL lock on the schema
  // reloaded from storage, and publishes "schema" before it returns (every live node has
  // reloaded by then). The node's registry entry follows its schema version. Call once, before
  // serving; `coordinator` outlives the store.
  void SetCoordinator(storage::Coordinator* coordinator);
  // Re-reads the schema from storage (another node changed it), swaps the snapshot and returns
  // what changed. Definitions that did not change keep their metadata objects.
  Result<std::vector<SchemaChange>> Reload();

 private:
  explicit SchemaStore(storage::Engine& engine);

  // issue 15: one DDL: the cluster lock (clustered), then ddl_mu_, then a reload; publishes
  // "schema" when it ends after Commit.
  class DdlScope;
  Result<std::vector<SchemaChange>> ReloadLocked();  // REQUIRES: ddl_mu_ held
  // Persists `next`'s version, swaps the snapshot, updates the registry. REQUIRES: ddl_mu_ held.
  Status Commit(std::shared_ptr<SchemaSnapshot> next, DdlScope& ddl);
  storage::Coordinator* coordinator_ = nullptr;
  std::vector<std::shared_ptr<const KeyspaceMetadata>> system_keyspaces_;
  StoredSchema stored_;  // GUARDED_BY(ddl_mu_): the JSON the snapshot was built from

  Status PersistKeyspace(const KeyspaceMetadata& keyspace);
  Status PersistTable(const TableMetadata& table);
  Status PersistUserType(const types::Type& type);
  void Publish(std::shared_ptr<SchemaSnapshot> next);
  std::shared_ptr<SchemaSnapshot> CopyForChange() const;

  storage::Engine& engine_;
  std::mutex ddl_mu_;  // serializes DDL
  mutable std::mutex snapshot_mu_;
  std::shared_ptr<const SchemaSnapshot> snapshot_;  // GUARDED_BY(snapshot_mu_)
  // Moves (under snapshot_mu_) with every Publish; a thread's alias of an older one is dropped.
  std::atomic<uint64_t> generation_{0};
  const uint64_t id_;  // unique per store, so a thread's alias never outlives its store's use
};

// The storage table id holding the schema.
inline constexpr const char* kSchemaTableId = "sibyl_schema";

}  // namespace sibyl::schema
