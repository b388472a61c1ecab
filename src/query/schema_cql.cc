#include "query/schema_cql.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace sibyl::query {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string MapCql(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    out += fmt::format("{}{}: {}", first ? "" : ", ", Quote(k), Quote(v));
    first = false;
  }
  return out + "}";
}

std::string Double(double d) {
  std::string s = fmt::format("{}", d);
  if (s.find('.') == std::string::npos && s.find('e') == std::string::npos) s += ".0";
  return s;
}

}  // namespace

std::string QuoteIdentifier(const std::string& name) {
  // ^[a-z][a-z0-9_]*$ by hand: names may be 64 KiB long, and libstdc++'s regex executor
  // recurses once per character (issue 9).
  const bool plain =
      !name.empty() && name[0] >= 'a' && name[0] <= 'z' &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
  static const std::set<std::string> kReserved = {
      "add", "allow", "alter", "and", "apply", "asc", "authorize", "batch", "begin", "by",
      "columnfamily", "create", "delete", "desc", "describe", "drop", "entries", "execute",
      "from", "full", "grant", "if", "in", "index", "infinity", "insert", "into", "is",
      "keyspace", "limit", "modify", "nan", "norecursive", "not", "null", "of", "on", "or",
      "order", "primary", "rename", "replace", "revoke", "schema", "select", "set", "table",
      "to", "token", "truncate", "unlogged", "update", "use", "using", "view", "where", "with"};
  if (plain && !kReserved.count(name)) return name;
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string KeyspaceCql(const schema::KeyspaceMetadata& ks) {
  if (ks.is_virtual) {
    return fmt::format(
        "/*\nWarning: Keyspace {0} is a virtual keyspace and cannot be recreated with CQL.\n"
        "Structure, for reference:\nVIRTUAL KEYSPACE {0};\n*/",
        QuoteIdentifier(ks.name));
  }
  std::string out = fmt::format("CREATE KEYSPACE {} WITH replication = {}  AND durable_writes = {}",
                                QuoteIdentifier(ks.name), MapCql(ks.replication),
                                ks.durable_writes ? "true" : "false");
  if (!ks.tags.empty()) out += " AND TAGS = " + MapCql(ks.tags);
  return out + ";";
}

std::string TableCql(const schema::TableMetadata& t, bool virtual_table) {
  using schema::ColumnKind;
  const std::string name = QuoteIdentifier(t.keyspace) + "." + QuoteIdentifier(t.name);
  std::string out = virtual_table
                        ? fmt::format("/*\nWarning: Table {} is a virtual table and cannot be "
                                      "recreated with CQL.\nStructure, for reference:\n"
                                      "VIRTUAL TABLE {} (\n",
                                      name, name)
                        : fmt::format("CREATE TABLE {} (\n", name);
  bool inline_pk = t.partition_key.size() == 1 && t.clustering.empty();
  for (const auto& c : t.columns) {
    out += fmt::format("    {} {}{}{},\n", QuoteIdentifier(c.name), c.type.ToCql(),
                       c.kind == ColumnKind::kStatic ? " static" : "",
                       inline_pk && c.kind == ColumnKind::kPartitionKey ? " PRIMARY KEY" : "");
  }
  if (!inline_pk) {
    std::string pk;
    for (size_t i = 0; i < t.partition_key.size(); ++i) {
      pk += (i ? ", " : "") + QuoteIdentifier(t.partition_key_column(i).name);
    }
    if (t.partition_key.size() > 1) pk = "(" + pk + ")";
    for (size_t i = 0; i < t.clustering.size(); ++i) {
      pk += ", " + QuoteIdentifier(t.clustering_column(i).name);
    }
    out += fmt::format("    PRIMARY KEY ({})\n", pk);
  } else {
    out.erase(out.size() - 2, 1);  // the trailing comma
  }
  out += ") WITH ";
  bool first = true;
  if (!t.clustering.empty()) {
    std::string order;
    for (size_t i = 0; i < t.clustering.size(); ++i) {
      const auto& c = t.clustering_column(i);
      order += fmt::format("{}{} {}", i ? ", " : "", QuoteIdentifier(c.name),
                           c.order == types::SortOrder::kDesc ? "DESC" : "ASC");
    }
    out += "CLUSTERING ORDER BY (" + order + ")";
    first = false;
  }
  const auto& o = t.options;
  if (virtual_table) {
    out += (first ? "" : "\n    AND ") + std::string("comment = ") + Quote(o.comment);
    return out + ";\n*/";
  }
  auto option = [&](const std::string& name, const std::string& value) {
    out += (first ? "" : "\n    AND ") + name + " = " + value;
    first = false;
  };
  option("additional_write_policy", "'99p'");
  option("bloom_filter_fp_chance", Double(o.bloom_filter_fp_chance));
  option("caching", MapCql(o.caching));
  option("cdc", o.cdc ? "true" : "false");
  option("comment", Quote(o.comment));
  option("compaction", MapCql(o.compaction));
  option("compression", MapCql(o.compression));
  option("crc_check_chance", Double(o.crc_check_chance));
  if (o.custom_properties_json != "{}") option("custom_properties", o.custom_properties_json);
  option("default_time_to_live", std::to_string(o.default_time_to_live));
  option("extensions", "{}");
  option("gc_grace_seconds", std::to_string(o.gc_grace_seconds));
  option("max_index_interval", std::to_string(o.max_index_interval));
  option("memtable_flush_period_in_ms", std::to_string(o.memtable_flush_period_in_ms));
  option("min_index_interval", std::to_string(o.min_index_interval));
  option("read_repair", "'BLOCKING'");
  option("speculative_retry", Quote(o.speculative_retry));
  if (!t.tags.empty()) option("TAGS", MapCql(t.tags));
  return out + ";";
}

std::string UserTypeCql(const types::Type& t) {
  std::string out = fmt::format("CREATE TYPE {}.{} (\n", QuoteIdentifier(t.udt_keyspace()),
                                QuoteIdentifier(t.udt_name()));
  const auto& names = t.udt_field_names();
  for (size_t i = 0; i < names.size() && i < t.params().size(); ++i) {
    out += fmt::format("{}    {} {}", i ? ",\n" : "", QuoteIdentifier(names[i]),
                       t.params()[i].ToCql());
  }
  return out + "\n);";
}

}  // namespace sibyl::query
