#pragma once
// JSON encoding of keyspace and table definitions as persisted in the schema table.
// DO NOT CHANGE field names: persisted.

#include <string>

#include "common/status.h"
#include "schema/metadata.h"

namespace sibyl::schema {

std::string KeyspaceToJson(const KeyspaceMetadata& keyspace);  // without its tables
Result<KeyspaceMetadata> KeyspaceFromJson(const std::string& json);
std::string TableToJson(const TableMetadata& table);
Result<TableMetadata> TableFromJson(const std::string& json);

}  // namespace sibyl::schema
