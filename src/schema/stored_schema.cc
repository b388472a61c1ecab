#include "schema/stored_schema.h"

#include "common/clock.h"
#include "schema/schema_codec.h"
#include "schema/user_types.h"
#include "storage/engine.h"

namespace sibyl::schema {
namespace {

// The cells and keys of the schema table (schema_store.cc writes them).
constexpr const char* kKeyspaceCell = "keyspace";
constexpr const char* kTableCell = "table";
constexpr const char* kTypeCell = "type";
constexpr const char* kVersionCell = "version";
constexpr const char* kTypePrefix = "type:";

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// The entries of `json` under `prefix`, for comparing one keyspace's types.
std::map<std::string, std::string> Under(const std::map<std::string, std::string>& json,
                                         const std::string& prefix) {
  std::map<std::string, std::string> out;
  for (auto it = json.lower_bound(prefix); it != json.end() && StartsWith(it->first, prefix); ++it) {
    out.insert(*it);
  }
  return out;
}

}  // namespace

std::string StoredKey(StoredKind kind, const std::string& keyspace, const std::string& name) {
  std::string key(1, static_cast<char>(kind));
  key += "/" + keyspace;
  if (kind != StoredKind::kKeyspace) key += "/" + name;
  return key;
}

Result<StoredSchema> ReadStoredSchema(storage::Engine& engine, const std::string& table_id) {
  StoredSchema out;
  storage::ScanQuery scan;
  scan.max_partitions = UINT64_MAX;
  ASSIGN_OR_RETURN(auto positions, engine.ScanPartitions(table_id, scan));
  storage::SliceQuery slice;
  slice.now_seconds = NowSeconds();
  for (const auto& pos : positions) {
    ASSIGN_OR_RETURN(auto partition,
                     engine.ReadPartition(table_id, pos.partition_key, pos.token, slice));
    if (!partition.static_row) continue;  // a dropped keyspace
    const auto& statics = partition.static_row->cells;
    if (auto v = statics.find(kVersionCell); v != statics.end()) out.version = v->second.value;
    auto ks = statics.find(kKeyspaceCell);
    if (ks == statics.end()) continue;
    const std::string& name = pos.partition_key;
    out.json[StoredKey(StoredKind::kKeyspace, name)] = ks->second.value;
    for (const auto& row : partition.rows) {
      if (auto t = row.cells.find(kTypeCell); t != row.cells.end()) {
        if (!StartsWith(row.clustering, kTypePrefix)) continue;
        out.json[StoredKey(StoredKind::kType, name, row.clustering.substr(5))] = t->second.value;
      } else if (auto t = row.cells.find(kTableCell); t != row.cells.end()) {
        out.json[StoredKey(StoredKind::kTable, name, row.clustering)] = t->second.value;
      }
    }
  }
  return out;
}

Result<std::map<std::string, std::shared_ptr<const KeyspaceMetadata>>> BuildKeyspaces(
    storage::Engine& engine, const StoredSchema& stored, const StoredSchema& previous_json,
    const SchemaSnapshot& previous) {
  std::map<std::string, std::shared_ptr<const KeyspaceMetadata>> out;
  const std::string keyspace_prefix = StoredKey(StoredKind::kKeyspace, "");  // "k/"
  for (auto it = stored.json.lower_bound(keyspace_prefix);
       it != stored.json.end() && StartsWith(it->first, keyspace_prefix); ++it) {
    const std::string name = it->first.substr(keyspace_prefix.size());
    ASSIGN_OR_RETURN(KeyspaceMetadata ks, KeyspaceFromJson(it->second));
    const std::string type_prefix = StoredKey(StoredKind::kType, name, "");
    const auto types = Under(stored.json, type_prefix);
    const bool types_unchanged = types == Under(previous_json.json, type_prefix);
    // User types first: the tables' columns refer to them by name (issue 11).
    std::vector<UserTypeDefinition> user_types;
    for (const auto& [key, json] : types) {
      ASSIGN_OR_RETURN(UserTypeDefinition d, UserTypeFromJson(json));
      user_types.push_back(std::move(d));
    }
    RETURN_IF_ERROR(ResolveUserTypes(user_types, ks));
    const types::UserTypeLookup lookup = LookupIn(ks);
    const std::string table_prefix = StoredKey(StoredKind::kTable, name, "");
    for (const auto& [key, json] : Under(stored.json, table_prefix)) {
      const std::string table_name = key.substr(table_prefix.size());
      auto old = previous.FindTable(name, table_name);
      auto old_json = previous_json.json.find(key);
      if (old && types_unchanged && old_json != previous_json.json.end() &&
          old_json->second == json) {
        ks.tables[table_name] = old;  // unchanged: prepared statements on it stay valid
        continue;
      }
      ASSIGN_OR_RETURN(TableMetadata table, TableFromJson(json, lookup));
      RETURN_IF_ERROR(engine.CreateTable(table.id));
      ks.tables[table_name] = std::make_shared<const TableMetadata>(std::move(table));
    }
    out[name] = std::make_shared<const KeyspaceMetadata>(std::move(ks));
  }
  return out;
}

std::vector<SchemaChange> DiffStoredSchemas(const StoredSchema& before, const StoredSchema& after) {
  std::vector<SchemaChange> created_or_updated, dropped;
  auto change = [](const std::string& key, const char* type) {
    SchemaChange c;
    c.change_type = type;
    const size_t slash = key.find('/', 2);
    c.keyspace = key.substr(2, slash == std::string::npos ? std::string::npos : slash - 2);
    if (slash != std::string::npos) c.name = key.substr(slash + 1);
    c.target = key[0] == 'k' ? "KEYSPACE" : key[0] == 't' ? "TABLE" : "TYPE";
    return c;
  };
  auto keyspace_gone = [&](const std::string& key) {
    return key[0] != 'k' && !after.json.count(StoredKey(StoredKind::kKeyspace, change(key, "").keyspace));
  };
  // Keys sort 'k' < 't' < 'u': keyspaces come first, as Cassandra announces them.
  for (const auto& [key, json] : after.json) {
    auto old = before.json.find(key);
    if (old == before.json.end()) {
      created_or_updated.push_back(change(key, "CREATED"));
    } else if (old->second != json) {
      created_or_updated.push_back(change(key, "UPDATED"));
    }
  }
  for (auto it = before.json.rbegin(); it != before.json.rend(); ++it) {
    // A dropped keyspace is one event; its tables and types go with it.
    if (!after.json.count(it->first) && !keyspace_gone(it->first)) {
      dropped.push_back(change(it->first, "DROPPED"));
    }
  }
  created_or_updated.insert(created_or_updated.end(), dropped.begin(), dropped.end());
  return created_or_updated;
}

}  // namespace sibyl::schema
