#pragma once
// Immutable descriptions of keyspaces and tables. A SchemaSnapshot is a consistent view of the
// whole schema; it is shared as std::shared_ptr<const SchemaSnapshot> and replaced (never
// modified) on every DDL statement, so readers never lock.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cql/types/key_encoding.h"
#include "cql/types/type.h"

namespace sibyl::schema {

namespace types = ::sibyl::cql::types;

// DO NOT CHANGE: persisted in the schema table as the strings of ColumnKindName().
enum class ColumnKind : uint8_t { kPartitionKey, kClustering, kRegular, kStatic };

// "partition_key", "clustering", "regular", "static" (system_schema.columns.kind).
const char* ColumnKindName(ColumnKind kind);

struct ColumnMetadata {
  std::string name;
  types::Type type;
  ColumnKind kind = ColumnKind::kRegular;
  int position = -1;  // index within the partition key or clustering key; -1 otherwise
  types::SortOrder order = types::SortOrder::kAsc;  // clustering columns only

  bool is_primary_key() const {
    return kind == ColumnKind::kPartitionKey || kind == ColumnKind::kClustering;
  }
};

struct DroppedColumn {
  std::string type;          // CQL type name
  int64_t dropped_time = 0;  // microseconds; cells written at or before it are ignored
};

// Table options as system_schema.tables shows them. Unknown options are refused at DDL time.
struct TableOptions {
  double bloom_filter_fp_chance = 0.01;
  std::map<std::string, std::string> caching = {{"keys", "ALL"}, {"rows_per_partition", "NONE"}};
  bool cdc = false;
  std::string comment;
  std::map<std::string, std::string> compaction = {
      {"class", "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy"},
      {"max_threshold", "32"},
      {"min_threshold", "4"}};
  std::map<std::string, std::string> compression = {
      {"chunk_length_in_kb", "16"}, {"class", "org.apache.cassandra.io.compress.LZ4Compressor"}};
  double crc_check_chance = 1.0;
  double dclocal_read_repair_chance = 0.1;
  int32_t default_time_to_live = 0;
  int32_t gc_grace_seconds = 864000;
  int32_t max_index_interval = 2048;
  int32_t memtable_flush_period_in_ms = 0;
  int32_t min_index_interval = 128;
  double read_repair_chance = 0.0;
  // Normalised as Cassandra 4 prints it (SpeculativeRetryPolicy.toString), issue 10 item 20.
  std::string speculative_retry = "99p";
  // Amazon Keyspaces' CUSTOM_PROPERTIES, as JSON text (e.g. {"capacity_mode": {...}}).
  std::string custom_properties_json = "{}";
};

struct TableMetadata {
  std::string keyspace;
  std::string name;
  std::string id;  // UUID text; also the storage table id
  // Every column in a stable order: partition key, clustering, then the others by name.
  std::vector<ColumnMetadata> columns;
  TableOptions options;
  std::map<std::string, std::string> tags;
  std::map<std::string, DroppedColumn> dropped_columns;
  // Set for Sibyl's in-memory system tables (system.local, system_schema.*...).
  bool is_virtual = false;

  // Derived on construction (Finish()): indexes into `columns`.
  std::vector<int> partition_key;
  std::vector<int> clustering;
  std::vector<int> regular_and_static;
  bool has_static = false;

  // Recomputes the derived fields and orders `columns`. Call after building or editing.
  void Finish();
  const ColumnMetadata* FindColumn(const std::string& name) const;
  const ColumnMetadata& partition_key_column(size_t i) const { return columns[partition_key[i]]; }
  const ColumnMetadata& clustering_column(size_t i) const { return columns[clustering[i]]; }
};

struct KeyspaceMetadata {
  std::string name;
  // Full replication map as stored, with the class fully qualified
  // ("org.apache.cassandra.locator.SimpleStrategy").
  std::map<std::string, std::string> replication;
  bool durable_writes = true;
  std::map<std::string, std::string> tags;
  std::map<std::string, std::shared_ptr<const TableMetadata>> tables;
  // User-defined types by name (issue 11): each a non-frozen kUdt Type whose fields are resolved
  // (a field of another user type holds that type's definition). Columns and fields that use a
  // type hold a copy, rebuilt by the schema store whenever the type changes.
  std::map<std::string, types::Type> user_types;
  bool is_system = false;  // not user-modifiable
  // A virtual keyspace (system_views, system_virtual_schema): listed in
  // system_virtual_schema.keyspaces only, never in system_schema.* (issue 10 item 19).
  bool is_virtual = false;
};

// The user types of `keyspace` in the order DESCRIBE prints them (Types.sortedStream, 4.1): by
// name, each preceded by the types it uses that are not printed yet.
std::vector<types::Type> UserTypesInDependencyOrder(const KeyspaceMetadata& keyspace);

// The names of the tables and of the other user types of `keyspace` that use `type_name`.
std::vector<std::string> TablesUsingUserType(const KeyspaceMetadata& keyspace,
                                             const std::string& type_name);
std::vector<std::string> UserTypesUsingUserType(const KeyspaceMetadata& keyspace,
                                                const std::string& type_name);

struct SchemaSnapshot {
  std::map<std::string, std::shared_ptr<const KeyspaceMetadata>> keyspaces;
  std::string version;  // UUID text, changes on every DDL

  const KeyspaceMetadata* FindKeyspace(const std::string& name) const;
  std::shared_ptr<const TableMetadata> FindTable(const std::string& keyspace,
                                                 const std::string& table) const;
};

}  // namespace sibyl::schema
