#pragma once
// The schema as the schema table stores it, read whole, and the snapshot built from it (issue
// 15): SchemaStore::Open reads it once, and on many nodes every node reads it again when another
// node changed the schema (SchemaStore::Reload). Building reuses the metadata objects of
// definitions that did not change, so that prepared statements on them stay valid, and the
// difference between two reads gives the SCHEMA_CHANGE events of DDL made on another node.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "schema/metadata.h"

namespace sibyl::storage {
class Engine;
}

namespace sibyl::schema {

// Cassandra's SchemaConstants.emptyVersion: the version of a schema no DDL ever changed, so that
// nodes that never saw one agree.
inline constexpr const char* kEmptySchemaVersion = "59adb24e-f3cd-3e02-97f0-5b395827453f";

struct StoredSchema {
  // The version the last DDL wrote (UUID text); empty when none did.
  std::string version;
  // Every definition's JSON by key: "k/<keyspace>", "t/<keyspace>/<table>",
  // "u/<keyspace>/<type>" (StoredKey).
  std::map<std::string, std::string> json;
};

enum class StoredKind : char { kKeyspace = 'k', kTable = 't', kType = 'u' };
std::string StoredKey(StoredKind kind, const std::string& keyspace, const std::string& name = "");

// Reads the schema table (`table_id`) whole. kCorruption for undecodable rows.
Result<StoredSchema> ReadStoredSchema(storage::Engine& engine, const std::string& table_id);

// The keyspaces of `stored`. A table whose JSON and whose keyspace's user types are unchanged
// from `previous_json` keeps its object from `previous`. Calls engine.CreateTable for every
// other table (the storage of a table another node created).
Result<std::map<std::string, std::shared_ptr<const KeyspaceMetadata>>> BuildKeyspaces(
    storage::Engine& engine, const StoredSchema& stored, const StoredSchema& previous_json,
    const SchemaSnapshot& previous);

// One SCHEMA_CHANGE event (native_protocol_v4.spec §4.2.6).
struct SchemaChange {
  std::string change_type;  // CREATED, UPDATED, DROPPED
  std::string target;       // KEYSPACE, TABLE, TYPE
  std::string keyspace;
  std::string name;  // table or type; empty for KEYSPACE
};

// What changed from `before` to `after` (non-system keyspaces), keyspaces created before their
// tables and types, dropped after them.
std::vector<SchemaChange> DiffStoredSchemas(const StoredSchema& before, const StoredSchema& after);

}  // namespace sibyl::schema
