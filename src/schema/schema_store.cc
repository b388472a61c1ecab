#include "schema/schema_store.h"

#include <algorithm>

#include "common/clock.h"
#include "common/per_thread_share.h"
#include "cql/types/key_encoding.h"
#include "cql/types/value.h"
#include "schema/schema_codec.h"
#include "storage/coordinator.h"  // issue 15
#include "storage/engine.h"

#include <spdlog/spdlog.h>

namespace sibyl::schema {

// Layout of the schema table: one partition per keyspace (key = its name), whose static cell
// "keyspace" holds the keyspace JSON; one row per table (clustering = table name) whose cell
// "table" holds the table JSON; one row per user type (clustering = "type:" + its name, which no
// table name can be, since ':' is not allowed in them) whose cell "type" holds the type JSON.
// Dropping is a partition or row deletion.
namespace {

constexpr const char* kKeyspaceCell = "keyspace";
constexpr const char* kTableCell = "table";
constexpr const char* kTypeCell = "type";

std::string TypeRowKey(const std::string& name) { return "type:" + name; }

int64_t NextTimestamp() {
  static std::mutex mu;
  static int64_t last = 0;
  std::lock_guard<std::mutex> lock(mu);
  last = std::max(last + 1, NowMicros());
  return last;
}

storage::PartitionMutation KeyspacePartition(const std::string& keyspace) {
  storage::PartitionMutation m;
  m.partition_key = keyspace;
  m.token = types::Murmur3Token(keyspace);
  return m;
}

storage::Cell ValueCell(std::string value) {
  storage::Cell cell;
  cell.timestamp = NextTimestamp();
  cell.value = std::move(value);
  return cell;
}

}  // namespace

// ---- many nodes (issue 15) ----
// A DDL on many nodes: the cluster lock first (so that a node waiting for it holds no local lock
// a reload needs), then ddl_mu_, then the schema as stored now (another node may have changed
// it). When the DDL committed, "schema" is published before the locks are released: every live
// node has reloaded when the statement returns.
class SchemaStore::DdlScope {
 public:
  explicit DdlScope(SchemaStore& store) : store_(store) {
    storage::Coordinator* c = store.coordinator_;
    if (c != nullptr && c->clustered()) {
      auto guard = c->LockDdl(kDdlLockWait);
      if (!guard.ok()) {
        status_ = guard.status();
        return;
      }
      cluster_ = *std::move(guard);
    }
    local_ = std::unique_lock<std::mutex>(store.ddl_mu_);
    if (cluster_ != nullptr) {
      auto missed = store.ReloadLocked();
      if (!missed.ok()) status_ = missed.status();
    }
  }
  ~DdlScope() { PublishNow(); }
  // Publishes a committed change now rather than at the end of the scope (once).
  void PublishNow() {
    if (!committed_ || published_ || cluster_ == nullptr) return;
    published_ = true;
    Status s = store_.coordinator_->Publish("schema");
    if (!s.ok()) spdlog::warn("Schema change published without every node's answer: {}", s.ToString());
  }
  DdlScope(const DdlScope&) = delete;
  DdlScope& operator=(const DdlScope&) = delete;

  const Status& status() const { return status_; }
  void MarkCommitted() { committed_ = true; }

 private:
  static constexpr std::chrono::milliseconds kDdlLockWait{10000};
  SchemaStore& store_;
  Status status_;
  bool committed_ = false;
  bool published_ = false;
  std::unique_ptr<storage::Coordinator::LockGuard> cluster_;  // released last
  std::unique_lock<std::mutex> local_;
};

Result<std::unique_ptr<SchemaStore>> SchemaStore::Open(
    storage::Engine& engine, std::vector<std::shared_ptr<const KeyspaceMetadata>> system_keyspaces) {
  std::unique_ptr<SchemaStore> store(new SchemaStore(engine));
  RETURN_IF_ERROR(engine.CreateTable(kSchemaTableId));
  // issue 15: the same read as a reload (schema/stored_schema.h), from nothing.
  ASSIGN_OR_RETURN(store->stored_, ReadStoredSchema(engine, kSchemaTableId));
  auto snapshot = std::make_shared<SchemaSnapshot>();
  ASSIGN_OR_RETURN(snapshot->keyspaces,
                   BuildKeyspaces(engine, store->stored_, StoredSchema{}, SchemaSnapshot{}));
  for (const auto& ks : system_keyspaces) snapshot->keyspaces[ks->name] = ks;
  store->system_keyspaces_ = std::move(system_keyspaces);
  snapshot->version =
      store->stored_.version.empty() ? kEmptySchemaVersion : store->stored_.version;
  store->snapshot_ = std::move(snapshot);
  return store;
}

namespace {
std::atomic<uint64_t> next_store_id{1};
}  // namespace

SchemaStore::SchemaStore(storage::Engine& engine)
    : engine_(engine), id_(next_store_id.fetch_add(1, std::memory_order_relaxed)) {}

std::shared_ptr<const SchemaSnapshot> SchemaStore::snapshot() const {
  struct Alias {
    uint64_t store_id = 0;
    uint64_t generation = 0;
    std::shared_ptr<const SchemaSnapshot> snapshot;
  };
  thread_local Alias alias;
  // Publish moves generation_ after it swapped the snapshot, both under snapshot_mu_: a thread
  // that still sees its alias's generation has the current snapshot, or one that a DDL racing
  // with this call is replacing (as with the lock alone).
  if (alias.store_id == id_ && alias.generation == generation_.load(std::memory_order_acquire)) {
    return alias.snapshot;
  }
  std::shared_ptr<const SchemaSnapshot> current;
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    current = snapshot_;
    generation = generation_.load(std::memory_order_relaxed);
  }
  alias = Alias{id_, generation, PerThreadAlias(std::move(current))};
  return alias.snapshot;
}

std::shared_ptr<SchemaSnapshot> SchemaStore::CopyForChange() const {
  auto next = std::make_shared<SchemaSnapshot>(*snapshot());
  next->version = types::UuidToString(types::RandomUuid());
  return next;
}

void SchemaStore::Publish(std::shared_ptr<SchemaSnapshot> next) {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  snapshot_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
}

Status SchemaStore::PersistKeyspace(const KeyspaceMetadata& keyspace) {
  storage::PartitionMutation m = KeyspacePartition(keyspace.name);
  m.static_row.emplace();
  std::string json = KeyspaceToJson(keyspace);
  m.static_row->cells[kKeyspaceCell] = ValueCell(json);
  RETURN_IF_ERROR(engine_.Apply({{kSchemaTableId, std::move(m)}}));
  stored_.json[StoredKey(StoredKind::kKeyspace, keyspace.name)] = std::move(json);  // issue 15
  return Status::OK();
}

Status SchemaStore::PersistTable(const TableMetadata& table) {
  storage::PartitionMutation m = KeyspacePartition(table.keyspace);
  storage::Row row;
  row.clustering = table.name;
  std::string json = TableToJson(table);
  row.cells[kTableCell] = ValueCell(json);
  m.rows.push_back(std::move(row));
  RETURN_IF_ERROR(engine_.Apply({{kSchemaTableId, std::move(m)}}));
  stored_.json[StoredKey(StoredKind::kTable, table.keyspace, table.name)] = std::move(json);
  return Status::OK();
}

Status SchemaStore::PersistUserType(const types::Type& type) {
  storage::PartitionMutation m = KeyspacePartition(type.udt_keyspace());
  storage::Row row;
  row.clustering = TypeRowKey(type.udt_name());
  std::string json = UserTypeToJson(type);
  row.cells[kTypeCell] = ValueCell(json);
  m.rows.push_back(std::move(row));
  RETURN_IF_ERROR(engine_.Apply({{kSchemaTableId, std::move(m)}}));
  stored_.json[StoredKey(StoredKind::kType, type.udt_keyspace(), type.udt_name())] =
      std::move(json);
  return Status::OK();
}

Status SchemaStore::CreateKeyspace(const KeyspaceMetadata& keyspace) {
  DdlScope ddl(*this);  // issue 15: cluster lock, reload, publish
  RETURN_IF_ERROR(ddl.status());
  auto next = CopyForChange();
  if (next->keyspaces.count(keyspace.name)) {
    return Status(ErrorCode::kAlreadyExists,
                  "Cannot add existing keyspace \"" + keyspace.name + "\"",
                  AlreadyExistsDetail{keyspace.name, ""});
  }
  RETURN_IF_ERROR(PersistKeyspace(keyspace));
  auto ks = std::make_shared<KeyspaceMetadata>(keyspace);
  ks->tables.clear();
  ks->user_types.clear();
  next->keyspaces[keyspace.name] = std::move(ks);
  return Commit(std::move(next), ddl);
}

Status SchemaStore::AlterKeyspace(const KeyspaceMetadata& keyspace) {
  DdlScope ddl(*this);  // issue 15: cluster lock, reload, publish
  RETURN_IF_ERROR(ddl.status());
  auto next = CopyForChange();
  auto it = next->keyspaces.find(keyspace.name);
  if (it == next->keyspaces.end()) return NotFound("keyspace " + keyspace.name);
  RETURN_IF_ERROR(PersistKeyspace(keyspace));
  auto ks = std::make_shared<KeyspaceMetadata>(keyspace);
  ks->tables = it->second->tables;
  ks->user_types = it->second->user_types;
  it->second = std::move(ks);
  return Commit(std::move(next), ddl);
}

Status SchemaStore::DropKeyspace(const std::string& name) {
  DdlScope ddl(*this);  // issue 15: cluster lock, reload, publish
  RETURN_IF_ERROR(ddl.status());
  auto next = CopyForChange();
  auto it = next->keyspaces.find(name);
  if (it == next->keyspaces.end()) return NotFound("keyspace " + name);
  storage::PartitionMutation m = KeyspacePartition(name);
  m.partition_deletion = {NextTimestamp(), NowSeconds()};
  RETURN_IF_ERROR(engine_.Apply({{kSchemaTableId, std::move(m)}}));
  for (const auto& [table_name, table] : it->second->tables) {
    // The definition is already gone; a failure here leaves only unreachable data.
    engine_.DropTable(table->id).IgnoreError();
  }
  for (auto k = stored_.json.begin(); k != stored_.json.end();) {  // issue 15
    k = (k->first.size() > 2 && k->first.compare(2, name.size() + 1, name + "/") == 0) ||
                k->first == StoredKey(StoredKind::kKeyspace, name)
            ? stored_.json.erase(k)
            : std::next(k);
  }
  next->keyspaces.erase(it);
  return Commit(std::move(next), ddl);
}

Status SchemaStore::CreateTable(const TableMetadata& table) {
  DdlScope ddl(*this);  // issue 15: cluster lock, reload, publish
  RETURN_IF_ERROR(ddl.status());
  auto next = CopyForChange();
  auto it = next->keyspaces.find(table.keyspace);
  if (it == next->keyspaces.end()) return NotFound("keyspace " + table.keyspace);
  if (it->second->tables.count(table.name)) {
    return Status(ErrorCode::kAlreadyExists,
                  "Cannot add already existing table \"" + table.name + "\" to keyspace \"" +
                      table.keyspace + "\"",
                  AlreadyExistsDetail{table.keyspace, table.name});
  }
  RETURN_IF_ERROR(engine_.CreateTable(table.id));
  RETURN_IF_ERROR(PersistTable(table));
  auto ks = std::make_shared<KeyspaceMetadata>(*it->second);
  ks->tables[table.name] = std::make_shared<const TableMetadata>(table);
  it->second = std::move(ks);
  return Commit(std::move(next), ddl);
}

Status SchemaStore::AlterTable(const TableMetadata& table) {
  DdlScope ddl(*this);  // issue 15: cluster lock, reload, publish
  RETURN_IF_ERROR(ddl.status());
  auto next = CopyForChange();
  auto it = next->keyspaces.find(table.keyspace);
  if (it == next->keyspaces.end() || !it->second->tables.count(table.name)) {
    return NotFound("table " + table.keyspace + "." + table.name);
  }
  RETURN_IF_ERROR(PersistTable(table));
  auto ks = std::make_shared<KeyspaceMetadata>(*it->second);
  ks->tables[table.name] = std::make_shared<const TableMetadata>(table);
  it->second = std::move(ks);
  return Commit(std::move(next), ddl);
}

Status SchemaStore::DropTable(const std::string& keyspace, const std::string& table) {
  DdlScope ddl(*this);  // issue 15: cluster lock, reload, publish
  RETURN_IF_ERROR(ddl.status());
  auto next = CopyForChange();
  auto it = next->keyspaces.find(keyspace);
  if (it == next->keyspaces.end()) return NotFound("keyspace " + keyspace);
  auto table_it = it->second->tables.find(table);
  if (table_it == it->second->tables.end()) return NotFound("table " + keyspace + "." + table);
  storage::PartitionMutation m = KeyspacePartition(keyspace);
  storage::Row row;
  row.clustering = table;
  row.deletion = {NextTimestamp(), NowSeconds()};
  m.rows.push_back(std::move(row));
  RETURN_IF_ERROR(engine_.Apply({{kSchemaTableId, std::move(m)}}));
  engine_.DropTable(table_it->second->id).IgnoreError();  // definition gone; data unreachable
  auto ks = std::make_shared<KeyspaceMetadata>(*it->second);
  ks->tables.erase(table);
  it->second = std::move(ks);
  stored_.json.erase(StoredKey(StoredKind::kTable, keyspace, table));  // issue 15
  return Commit(std::move(next), ddl);
}

Status SchemaStore::TruncateTable(const std::string& table_id) {
  DdlScope ddl(*this);  // issue 15: cluster lock, publish (the schema itself does not change)
  RETURN_IF_ERROR(ddl.status());
  RETURN_IF_ERROR(engine_.TruncateTable(table_id));
  ddl.MarkCommitted();
  // Every node has now forgotten its caches and finished the writes it had in flight (its
  // acknowledgement): what raced the removal can be settled (docs/dev/rados-mapping.md
  // "TRUNCATE and racing writes"), still under the DDL lock.
  ddl.PublishNow();
  return engine_.FinishTruncate(table_id);
}

Status SchemaStore::CreateUserType(const types::Type& type) {
  DdlScope ddl(*this);  // issue 15: cluster lock, reload, publish
  RETURN_IF_ERROR(ddl.status());
  auto next = CopyForChange();
  auto it = next->keyspaces.find(type.udt_keyspace());
  if (it == next->keyspaces.end()) return NotFound("keyspace " + type.udt_keyspace());
  if (it->second->user_types.count(type.udt_name())) {
    return InvalidRequest("A user type with name '" + type.udt_name() + "' already exists");
  }
  const types::Type definition = type.WithFrozen(false);
  RETURN_IF_ERROR(PersistUserType(definition));
  auto ks = std::make_shared<KeyspaceMetadata>(*it->second);
  ks->user_types[type.udt_name()] = definition;
  it->second = std::move(ks);
  return Commit(std::move(next), ddl);
}

Status SchemaStore::AlterUserType(const types::Type& type) {
  DdlScope ddl(*this);  // issue 15: cluster lock, reload, publish
  RETURN_IF_ERROR(ddl.status());
  auto next = CopyForChange();
  auto it = next->keyspaces.find(type.udt_keyspace());
  if (it == next->keyspaces.end() || !it->second->user_types.count(type.udt_name())) {
    return NotFound("type " + type.udt_keyspace() + "." + type.udt_name());
  }
  const types::Type definition = type.WithFrozen(false);
  auto ks = std::make_shared<KeyspaceMetadata>(*it->second);
  ks->user_types[type.udt_name()] = definition;
  // Rebuilt before anything is written: a failure leaves the schema as it was.
  RETURN_IF_ERROR(RebindUserTypes(*ks));
  RETURN_IF_ERROR(PersistUserType(definition));
  it->second = std::move(ks);
  return Commit(std::move(next), ddl);
}

Status SchemaStore::DropUserType(const std::string& keyspace, const std::string& name) {
  DdlScope ddl(*this);  // issue 15: cluster lock, reload, publish
  RETURN_IF_ERROR(ddl.status());
  auto next = CopyForChange();
  auto it = next->keyspaces.find(keyspace);
  if (it == next->keyspaces.end() || !it->second->user_types.count(name)) {
    return NotFound("type " + keyspace + "." + name);
  }
  // DropTypeStatement.apply (4.1): a type still in use is not dropped.
  auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  if (auto users = UserTypesUsingUserType(*it->second, name); !users.empty()) {
    return InvalidRequest("Cannot drop user type '" + keyspace + "." + name +
                          "' as it is still used by user types " + join(users));
  }
  if (auto users = TablesUsingUserType(*it->second, name); !users.empty()) {
    return InvalidRequest("Cannot drop user type '" + keyspace + "." + name +
                          "' as it is still used by tables " + join(users));
  }
  storage::PartitionMutation m = KeyspacePartition(keyspace);
  storage::Row row;
  row.clustering = TypeRowKey(name);
  row.deletion = {NextTimestamp(), NowSeconds()};
  m.rows.push_back(std::move(row));
  RETURN_IF_ERROR(engine_.Apply({{kSchemaTableId, std::move(m)}}));
  auto ks = std::make_shared<KeyspaceMetadata>(*it->second);
  ks->user_types.erase(name);
  it->second = std::move(ks);
  stored_.json.erase(StoredKey(StoredKind::kType, keyspace, name));  // issue 15
  return Commit(std::move(next), ddl);
}


// ---- many nodes (issue 15) ----
namespace schema_version_cell {
constexpr const char* kPartition = "sibyl:version";  // never a keyspace name (no ':' in those)
}

void SchemaStore::SetCoordinator(storage::Coordinator* coordinator) {
  coordinator_ = coordinator;
  const std::string version = snapshot()->version;
  Status s = coordinator_->UpdateSelf([&](storage::NodeRecord& r) { r.schema_version = version; });
  if (!s.ok()) spdlog::warn("Cannot announce the schema version: {}", s.ToString());
}

Result<std::vector<SchemaChange>> SchemaStore::Reload() {
  std::lock_guard<std::mutex> lock(ddl_mu_);
  return ReloadLocked();
}

Result<std::vector<SchemaChange>> SchemaStore::ReloadLocked() {
  // A reload racing a DDL (at start, after a lost watch) may read a mix of before and after;
  // the DDL's publish that follows makes every node read again, and it differs, so it rebuilds.
  ASSIGN_OR_RETURN(StoredSchema stored, ReadStoredSchema(engine_, kSchemaTableId));
  if (stored.json == stored_.json && stored.version == stored_.version) {
    return std::vector<SchemaChange>{};
  }
  auto current = snapshot();
  auto next = std::make_shared<SchemaSnapshot>();
  ASSIGN_OR_RETURN(next->keyspaces, BuildKeyspaces(engine_, stored, stored_, *current));
  for (const auto& ks : system_keyspaces_) next->keyspaces[ks->name] = ks;
  next->version = stored.version.empty() ? kEmptySchemaVersion : stored.version;
  std::vector<SchemaChange> changes = DiffStoredSchemas(stored_, stored);
  stored_ = std::move(stored);
  const std::string version = next->version;
  Publish(std::move(next));
  if (coordinator_ != nullptr) {
    Status s = coordinator_->UpdateSelf([&](storage::NodeRecord& r) { r.schema_version = version; });
    if (!s.ok()) spdlog::warn("Cannot announce the schema version: {}", s.ToString());
  }
  return changes;
}

Status SchemaStore::Commit(std::shared_ptr<SchemaSnapshot> next, DdlScope& ddl) {
  // The version every node reports once it has this schema (drivers compare them: schema
  // agreement). Written last: a reader that sees it sees the definitions too.
  storage::PartitionMutation m = KeyspacePartition(schema_version_cell::kPartition);
  m.static_row.emplace();
  m.static_row->cells["version"] = ValueCell(next->version);
  RETURN_IF_ERROR(engine_.Apply({{kSchemaTableId, std::move(m)}}));
  stored_.version = next->version;
  const std::string version = next->version;
  Publish(std::move(next));
  ddl.MarkCommitted();
  if (coordinator_ != nullptr) {
    Status s = coordinator_->UpdateSelf([&](storage::NodeRecord& r) { r.schema_version = version; });
    if (!s.ok()) spdlog::warn("Cannot announce the schema version: {}", s.ToString());
  }
  return Status::OK();
}

}  // namespace sibyl::schema
