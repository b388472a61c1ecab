#include "schema/metadata.h"

#include <algorithm>

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
