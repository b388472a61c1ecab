#include "schema/schema_store.h"

#include <algorithm>

#include "common/clock.h"
#include "cql/types/key_encoding.h"
#include "cql/types/value.h"
#include "schema/schema_codec.h"
#include "storage/engine.h"

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

Result<std::unique_ptr<SchemaStore>> SchemaStore::Open(
    storage::Engine& engine, std::vector<std::shared_ptr<const KeyspaceMetadata>> system_keyspaces) {
  std::unique_ptr<SchemaStore> store(new SchemaStore(engine));
  RETURN_IF_ERROR(engine.CreateTable(kSchemaTableId));
  auto snapshot = std::make_shared<SchemaSnapshot>();
  storage::ScanQuery scan;
  scan.max_partitions = UINT64_MAX;
  ASSIGN_OR_RETURN(auto positions, engine.ScanPartitions(kSchemaTableId, scan));
  storage::SliceQuery slice;
  slice.now_seconds = NowSeconds();
  for (const auto& pos : positions) {
    ASSIGN_OR_RETURN(auto partition,
                     engine.ReadPartition(kSchemaTableId, pos.partition_key, pos.token, slice));
    if (!partition.static_row) continue;
    auto cell = partition.static_row->cells.find(kKeyspaceCell);
    if (cell == partition.static_row->cells.end()) continue;
    ASSIGN_OR_RETURN(KeyspaceMetadata ks, KeyspaceFromJson(cell->second.value));
    // User types first: the tables' columns refer to them by name (issue 11).
    std::vector<UserTypeDefinition> user_types;
    for (const auto& row : partition.rows) {
      auto type_cell = row.cells.find(kTypeCell);
      if (type_cell == row.cells.end()) continue;
      ASSIGN_OR_RETURN(UserTypeDefinition d, UserTypeFromJson(type_cell->second.value));
      user_types.push_back(std::move(d));
    }
    RETURN_IF_ERROR(ResolveUserTypes(user_types, ks));
    const types::UserTypeLookup lookup = LookupIn(ks);
    for (const auto& row : partition.rows) {
      auto table_cell = row.cells.find(kTableCell);
      if (table_cell == row.cells.end()) continue;
      ASSIGN_OR_RETURN(TableMetadata table, TableFromJson(table_cell->second.value, lookup));
      RETURN_IF_ERROR(engine.CreateTable(table.id));
      std::string table_name = table.name;  // the right side is evaluated first (C++17)
      ks.tables[table_name] = std::make_shared<const TableMetadata>(std::move(table));
    }
    std::string ks_name = ks.name;
    snapshot->keyspaces[ks_name] = std::make_shared<const KeyspaceMetadata>(std::move(ks));
  }
  for (auto& ks : system_keyspaces) {
    std::string name = ks->name;
    snapshot->keyspaces[name] = std::move(ks);
  }
  snapshot->version = types::UuidToString(types::RandomUuid());
  store->snapshot_ = std::move(snapshot);
  return store;
}

std::shared_ptr<const SchemaSnapshot> SchemaStore::snapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return snapshot_;
}

std::shared_ptr<SchemaSnapshot> SchemaStore::CopyForChange() const {
  auto next = std::make_shared<SchemaSnapshot>(*snapshot());
  next->version = types::UuidToString(types::RandomUuid());
  return next;
}

void SchemaStore::Publish(std::shared_ptr<SchemaSnapshot> next) {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  snapshot_ = std::move(next);
}

Status SchemaStore::PersistKeyspace(const KeyspaceMetadata& keyspace) {
  storage::PartitionMutation m = KeyspacePartition(keyspace.name);
  m.static_row.emplace();
  m.static_row->cells[kKeyspaceCell] = ValueCell(KeyspaceToJson(keyspace));
  return engine_.Apply({{kSchemaTableId, std::move(m)}});
}

Status SchemaStore::PersistTable(const TableMetadata& table) {
  storage::PartitionMutation m = KeyspacePartition(table.keyspace);
  storage::Row row;
  row.clustering = table.name;
  row.cells[kTableCell] = ValueCell(TableToJson(table));
  m.rows.push_back(std::move(row));
  return engine_.Apply({{kSchemaTableId, std::move(m)}});
}

Status SchemaStore::PersistUserType(const types::Type& type) {
  storage::PartitionMutation m = KeyspacePartition(type.udt_keyspace());
  storage::Row row;
  row.clustering = TypeRowKey(type.udt_name());
  row.cells[kTypeCell] = ValueCell(UserTypeToJson(type));
  m.rows.push_back(std::move(row));
  return engine_.Apply({{kSchemaTableId, std::move(m)}});
}

Status SchemaStore::CreateKeyspace(const KeyspaceMetadata& keyspace) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
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
  Publish(std::move(next));
  return Status::OK();
}

Status SchemaStore::AlterKeyspace(const KeyspaceMetadata& keyspace) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
  auto next = CopyForChange();
  auto it = next->keyspaces.find(keyspace.name);
  if (it == next->keyspaces.end()) return NotFound("keyspace " + keyspace.name);
  RETURN_IF_ERROR(PersistKeyspace(keyspace));
  auto ks = std::make_shared<KeyspaceMetadata>(keyspace);
  ks->tables = it->second->tables;
  ks->user_types = it->second->user_types;
  it->second = std::move(ks);
  Publish(std::move(next));
  return Status::OK();
}

Status SchemaStore::DropKeyspace(const std::string& name) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
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
  next->keyspaces.erase(it);
  Publish(std::move(next));
  return Status::OK();
}

Status SchemaStore::CreateTable(const TableMetadata& table) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
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
  Publish(std::move(next));
  return Status::OK();
}

Status SchemaStore::AlterTable(const TableMetadata& table) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
  auto next = CopyForChange();
  auto it = next->keyspaces.find(table.keyspace);
  if (it == next->keyspaces.end() || !it->second->tables.count(table.name)) {
    return NotFound("table " + table.keyspace + "." + table.name);
  }
  RETURN_IF_ERROR(PersistTable(table));
  auto ks = std::make_shared<KeyspaceMetadata>(*it->second);
  ks->tables[table.name] = std::make_shared<const TableMetadata>(table);
  it->second = std::move(ks);
  Publish(std::move(next));
  return Status::OK();
}

Status SchemaStore::DropTable(const std::string& keyspace, const std::string& table) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
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
  Publish(std::move(next));
  return Status::OK();
}

Status SchemaStore::CreateUserType(const types::Type& type) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
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
  Publish(std::move(next));
  return Status::OK();
}

Status SchemaStore::AlterUserType(const types::Type& type) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
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
  Publish(std::move(next));
  return Status::OK();
}

Status SchemaStore::DropUserType(const std::string& keyspace, const std::string& name) {
  std::lock_guard<std::mutex> lock(ddl_mu_);
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
  Publish(std::move(next));
  return Status::OK();
}

}  // namespace sibyl::schema
