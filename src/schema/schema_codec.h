#pragma once
// JSON encoding of keyspace and table definitions as persisted in the schema table.
// DO NOT CHANGE field names: persisted.

#include <string>

#include "common/status.h"
#include "schema/metadata.h"
#include "schema/user_types.h"

namespace sibyl::schema {

std::string KeyspaceToJson(const KeyspaceMetadata& keyspace);  // without its tables
Result<KeyspaceMetadata> KeyspaceFromJson(const std::string& json);
std::string TableToJson(const TableMetadata& table);
Result<TableMetadata> TableFromJson(const std::string& json);
// The same, resolving the user types its columns use with `lookup` (issue 11).
Result<TableMetadata> TableFromJson(const std::string& json, const types::UserTypeLookup& lookup);

// A user type: {"keyspace", "name", "field_names": [...], "field_types": [CQL text...]}.
std::string UserTypeToJson(const types::Type& user_type);
Result<UserTypeDefinition> UserTypeFromJson(const std::string& json);

}  // namespace sibyl::schema
