#pragma once
// User-defined types in the schema (issue 11): how a keyspace's types are resolved from their
// stored definitions, and how the types, tables and other types that use a type are rebuilt when
// it changes (Cassandra's KeyspaceMetadata.withUpdatedUserType). A column or field of a user type
// holds the type's full definition (its fields resolved), so values can be read without the
// schema; only the names are persisted.

#include <string>
#include <vector>

#include "common/status.h"
#include "schema/metadata.h"

namespace sibyl::schema {

// A user type as persisted and as system_schema.types shows it: field types are CQL text
// ("int", "frozen<address>", "set<text>").
struct UserTypeDefinition {
  std::string keyspace;
  std::string name;
  std::vector<std::string> field_names;
  std::vector<std::string> field_types;
};

UserTypeDefinition DefinitionOf(const types::Type& user_type);

// Resolves `definitions` (the types of one keyspace, in any order) into keyspace.user_types.
// kCorruption when a type names an unknown type, refers to itself, or nests deeper than
// types::kMaxNestingDepth.
Status ResolveUserTypes(const std::vector<UserTypeDefinition>& definitions,
                        KeyspaceMetadata& keyspace);

// The lookup of `keyspace`'s user types for types::ParseTypeName: "Unknown type <ks>.<name>".
types::UserTypeLookup LookupIn(const KeyspaceMetadata& keyspace);

// After keyspace.user_types[name] changed (added field, renamed fields): rebuilds every other
// type and every column of every table of the keyspace that uses it, so they hold the new
// definition. Tables that changed are replaced by new TableMetadata objects (prepared
// statements on them prepare again).
Status RebindUserTypes(KeyspaceMetadata& keyspace);

}  // namespace sibyl::schema
