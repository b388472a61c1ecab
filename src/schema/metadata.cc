#include "schema/metadata.h"

#include <algorithm>
#include <set>

namespace sibyl::schema {

const char* ColumnKindName(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kPartitionKey:
      return "partition_key";
    case ColumnKind::kClustering:
      return "clustering";
    case ColumnKind::kRegular:
      return "regular";
    case ColumnKind::kStatic:
      return "static";
  }
  return "regular";
}

void TableMetadata::Finish() {
  // Keys first in key order, then the other columns by name, as Cassandra lists them.
  auto rank = [](const ColumnMetadata& c) {
    switch (c.kind) {
      case ColumnKind::kPartitionKey:
        return 0;
      case ColumnKind::kClustering:
        return 1;
      default:
        return 2;
    }
  };
  std::stable_sort(columns.begin(), columns.end(),
                   [&](const ColumnMetadata& a, const ColumnMetadata& b) {
                     if (rank(a) != rank(b)) return rank(a) < rank(b);
                     if (rank(a) < 2) return a.position < b.position;
                     return a.name < b.name;
                   });
  partition_key.clear();
  clustering.clear();
  regular_and_static.clear();
  has_static = false;
  for (size_t i = 0; i < columns.size(); ++i) {
    switch (columns[i].kind) {
      case ColumnKind::kPartitionKey:
        partition_key.push_back(static_cast<int>(i));
        break;
      case ColumnKind::kClustering:
        clustering.push_back(static_cast<int>(i));
        break;
      case ColumnKind::kStatic:
        has_static = true;
        regular_and_static.push_back(static_cast<int>(i));
        break;
      case ColumnKind::kRegular:
        regular_and_static.push_back(static_cast<int>(i));
        break;
    }
  }
}

const ColumnMetadata* TableMetadata::FindColumn(const std::string& column_name) const {
  for (const auto& c : columns) {
    if (c.name == column_name) return &c;
  }
  return nullptr;
}

namespace {

void AddWithDependencies(const KeyspaceMetadata& keyspace, const types::Type& type,
                         std::set<std::string>& done, std::vector<types::Type>& out) {
  if (type.kind() == types::Kind::kUdt && type.udt_keyspace() == keyspace.name) {
    if (done.count(type.udt_name())) return;
    done.insert(type.udt_name());
    auto it = keyspace.user_types.find(type.udt_name());
    // The keyspace's own definition (a field holds a copy, maybe frozen).
    const types::Type& definition = it != keyspace.user_types.end() ? it->second : type;
    for (const auto& field : definition.params()) AddWithDependencies(keyspace, field, done, out);
    out.push_back(definition);
    return;
  }
  for (const auto& p : type.params()) AddWithDependencies(keyspace, p, done, out);
}

}  // namespace

std::vector<types::Type> UserTypesInDependencyOrder(const KeyspaceMetadata& keyspace) {
  std::set<std::string> done;
  std::vector<types::Type> out;
  for (const auto& [name, type] : keyspace.user_types) {
    AddWithDependencies(keyspace, type, done, out);
  }
  return out;
}

std::vector<std::string> TablesUsingUserType(const KeyspaceMetadata& keyspace,
                                             const std::string& type_name) {
  std::vector<std::string> out;
  for (const auto& [name, table] : keyspace.tables) {
    for (const auto& c : table->columns) {
      if (types::ReferencesUserType(c.type, keyspace.name, type_name)) {
        out.push_back(name);
        break;
      }
    }
  }
  return out;
}

std::vector<std::string> UserTypesUsingUserType(const KeyspaceMetadata& keyspace,
                                                const std::string& type_name) {
  std::vector<std::string> out;
  for (const auto& [name, type] : keyspace.user_types) {
    if (name == type_name) continue;
    for (const auto& field : type.params()) {
      if (types::ReferencesUserType(field, keyspace.name, type_name)) {
        out.push_back(name);
        break;
      }
    }
  }
  return out;
}

const KeyspaceMetadata* SchemaSnapshot::FindKeyspace(const std::string& name) const {
  auto it = keyspaces.find(name);
  return it == keyspaces.end() ? nullptr : it->second.get();
}

std::shared_ptr<const TableMetadata> SchemaSnapshot::FindTable(const std::string& keyspace,
                                                               const std::string& table) const {
  const KeyspaceMetadata* ks = FindKeyspace(keyspace);
  if (ks == nullptr) return nullptr;
  auto it = ks->tables.find(table);
  return it == ks->tables.end() ? nullptr : it->second;
}

}  // namespace sibyl::schema
