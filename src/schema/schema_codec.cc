#include "schema/schema_codec.h"

#include <nlohmann/json.hpp>

namespace sibyl::schema {

using nlohmann::json;

std::string KeyspaceToJson(const KeyspaceMetadata& keyspace) {
  json j;
  j["name"] = keyspace.name;
  j["replication"] = keyspace.replication;
  j["durable_writes"] = keyspace.durable_writes;
  j["tags"] = keyspace.tags;
  return j.dump();
}

Result<KeyspaceMetadata> KeyspaceFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status(ErrorCode::kCorruption, "bad keyspace definition in schema table");
  }
  KeyspaceMetadata ks;
  ks.name = j.value("name", "");
  ks.replication = j.value("replication", std::map<std::string, std::string>{});
  ks.durable_writes = j.value("durable_writes", true);
  ks.tags = j.value("tags", std::map<std::string, std::string>{});
  return ks;
}

namespace {

json OptionsToJson(const TableOptions& o) {
  return json{{"bloom_filter_fp_chance", o.bloom_filter_fp_chance},
              {"caching", o.caching},
              {"cdc", o.cdc},
              {"comment", o.comment},
              {"compaction", o.compaction},
              {"compression", o.compression},
              {"crc_check_chance", o.crc_check_chance},
              {"dclocal_read_repair_chance", o.dclocal_read_repair_chance},
              {"default_time_to_live", o.default_time_to_live},
              {"gc_grace_seconds", o.gc_grace_seconds},
              {"max_index_interval", o.max_index_interval},
              {"memtable_flush_period_in_ms", o.memtable_flush_period_in_ms},
              {"min_index_interval", o.min_index_interval},
              {"read_repair_chance", o.read_repair_chance},
              {"speculative_retry", o.speculative_retry},
              {"custom_properties", o.custom_properties_json}};
}

TableOptions OptionsFromJson(const json& j) {
  TableOptions o;
  o.bloom_filter_fp_chance = j.value("bloom_filter_fp_chance", o.bloom_filter_fp_chance);
  o.caching = j.value("caching", o.caching);
  o.cdc = j.value("cdc", o.cdc);
  o.comment = j.value("comment", o.comment);
  o.compaction = j.value("compaction", o.compaction);
  o.compression = j.value("compression", o.compression);
  o.crc_check_chance = j.value("crc_check_chance", o.crc_check_chance);
  o.dclocal_read_repair_chance = j.value("dclocal_read_repair_chance", o.dclocal_read_repair_chance);
  o.default_time_to_live = j.value("default_time_to_live", o.default_time_to_live);
  o.gc_grace_seconds = j.value("gc_grace_seconds", o.gc_grace_seconds);
  o.max_index_interval = j.value("max_index_interval", o.max_index_interval);
  o.memtable_flush_period_in_ms = j.value("memtable_flush_period_in_ms", o.memtable_flush_period_in_ms);
  o.min_index_interval = j.value("min_index_interval", o.min_index_interval);
  o.read_repair_chance = j.value("read_repair_chance", o.read_repair_chance);
  o.speculative_retry = j.value("speculative_retry", o.speculative_retry);
  // Before issue 10 the default was stored in Cassandra 3's spelling; 4.x prints it as 99p.
  if (o.speculative_retry == "99PERCENTILE") o.speculative_retry = "99p";
  o.custom_properties_json = j.value("custom_properties", o.custom_properties_json);
  return o;
}

}  // namespace

std::string TableToJson(const TableMetadata& table) {
  json columns = json::array();
  for (const auto& c : table.columns) {
    columns.push_back({{"name", c.name},
                       {"type", c.type.ToCql()},
                       {"kind", ColumnKindName(c.kind)},
                       {"position", c.position},
                       {"desc", c.order == types::SortOrder::kDesc}});
  }
  json dropped = json::object();
  for (const auto& [name, d] : table.dropped_columns) {
    dropped[name] = {{"type", d.type}, {"dropped_time", d.dropped_time}};
  }
  json j{{"keyspace", table.keyspace}, {"name", table.name},   {"id", table.id},
         {"columns", columns},         {"options", OptionsToJson(table.options)},
         {"tags", table.tags},         {"dropped_columns", dropped}};
  return j.dump();
}

Result<TableMetadata> TableFromJson(const std::string& text) {
  return TableFromJson(text, types::UserTypeLookup());
}

std::string UserTypeToJson(const types::Type& user_type) {
  UserTypeDefinition d = DefinitionOf(user_type);
  json j{{"keyspace", d.keyspace},
         {"name", d.name},
         {"field_names", d.field_names},
         {"field_types", d.field_types}};
  return j.dump();
}

Result<UserTypeDefinition> UserTypeFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto bad = [] { return Status(ErrorCode::kCorruption, "bad user type definition in schema table"); };
  if (j.is_discarded() || !j.is_object() || !j["field_names"].is_array() ||
      !j["field_types"].is_array() || !j["name"].is_string() || !j["keyspace"].is_string()) {
    return bad();
  }
  UserTypeDefinition d;
  d.keyspace = j["keyspace"].get<std::string>();
  d.name = j["name"].get<std::string>();
  for (const auto& f : j["field_names"]) {
    if (!f.is_string()) return bad();
    d.field_names.push_back(f.get<std::string>());
  }
  for (const auto& f : j["field_types"]) {
    if (!f.is_string()) return bad();
    d.field_types.push_back(f.get<std::string>());
  }
  if (d.field_names.size() != d.field_types.size()) return bad();
  return d;
}

Result<TableMetadata> TableFromJson(const std::string& text, const types::UserTypeLookup& lookup) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j["columns"].is_array()) {
    return Status(ErrorCode::kCorruption, "bad table definition in schema table");
  }
  TableMetadata t;
  t.keyspace = j.value("keyspace", "");
  t.name = j.value("name", "");
  t.id = j.value("id", "");
  for (const auto& jc : j["columns"]) {
    ColumnMetadata c;
    c.name = jc.value("name", "");
    auto type = types::ParseTypeName(jc.value("type", ""), lookup);
    if (!type.ok()) return type.status().WithContext("schema table");
    c.type = *type;
    std::string kind = jc.value("kind", "regular");
    c.kind = kind == "partition_key" ? ColumnKind::kPartitionKey
             : kind == "clustering"  ? ColumnKind::kClustering
             : kind == "static"      ? ColumnKind::kStatic
                                     : ColumnKind::kRegular;
    c.position = jc.value("position", -1);
    c.order = jc.value("desc", false) ? types::SortOrder::kDesc : types::SortOrder::kAsc;
    t.columns.push_back(std::move(c));
  }
  t.options = OptionsFromJson(j.value("options", json::object()));
  t.tags = j.value("tags", std::map<std::string, std::string>{});
  if (j.contains("dropped_columns") && j["dropped_columns"].is_object()) {
    for (const auto& [name, d] : j["dropped_columns"].items()) {
      t.dropped_columns[name] = DroppedColumn{d.value("type", ""), d.value("dropped_time", int64_t{0})};
    }
  }
  t.Finish();
  return t;
}

}  // namespace sibyl::schema
