#include "query/system_tables.h"

#include "storage/coordinator.h"  // issue 15

#include <arpa/inet.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cql/types/key_encoding.h"
#include "cql/types/value.h"
#include "query/collection_values.h"
#include "query/counters.h"
#include "query/tracing.h"

namespace sibyl::query {

using schema::ColumnKind;
using schema::KeyspaceMetadata;
using schema::TableMetadata;
using types::Value;

namespace {

struct ColumnDef {
  const char* name;
  const char* type;
  ColumnKind kind;
  int position;
};

constexpr ColumnKind kPk = ColumnKind::kPartitionKey;
constexpr ColumnKind kCk = ColumnKind::kClustering;
constexpr ColumnKind kReg = ColumnKind::kRegular;

// A stable UUID for a system table, derived from its name (FNV-1a, formatted as version 4).
std::string NameUuid(const std::string& name) {
  uint64_t h1 = 1469598103934665603ull, h2 = 1099511628211ull * 31;
  for (unsigned char c : name) {
    h1 = (h1 ^ c) * 1099511628211ull;
    h2 = (h2 ^ c) * 1469598103934665603ull + 7;
  }
  uint8_t b[16];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(h1 >> (56 - 8 * i));
    b[8 + i] = static_cast<uint8_t>(h2 >> (56 - 8 * i));
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return types::UuidToString(std::string(reinterpret_cast<char*>(b), 16));
}

std::shared_ptr<const TableMetadata> MakeTable(const std::string& keyspace, const std::string& name,
                                               std::vector<ColumnDef> columns,
                                               std::string comment = "") {
  auto t = std::make_shared<TableMetadata>();
  t->keyspace = keyspace;
  t->name = name;
  t->id = NameUuid(keyspace + "." + name);
  t->is_virtual = true;
  t->options.comment = std::move(comment);
  t->options.gc_grace_seconds = 0;
  for (const auto& c : columns) {
    schema::ColumnMetadata col;
    col.name = c.name;
    auto type = types::ParseTypeName(c.type);
    col.type = type.ok() ? *type : types::Type(types::Kind::kBlob);
    col.kind = c.kind;
    col.position = c.position;
    t->columns.push_back(std::move(col));
  }
  t->Finish();
  return t;
}

std::shared_ptr<const KeyspaceMetadata> MakeKeyspace(
    const std::string& name, std::vector<std::shared_ptr<const TableMetadata>> tables,
    bool is_virtual = false) {
  auto ks = std::make_shared<KeyspaceMetadata>();
  ks->name = name;
  ks->replication = {{"class", "org.apache.cassandra.locator.LocalStrategy"}};
  ks->durable_writes = true;
  ks->is_system = true;
  ks->is_virtual = is_virtual;
  for (auto& t : tables) ks->tables[t->name] = std::move(t);
  return ks;
}

// Columns every table-like row of system_schema has (tables and views).
std::vector<ColumnDef> TableOptionColumns() {
  return {{"additional_write_policy", "text", kReg, -1},
          {"bloom_filter_fp_chance", "double", kReg, -1},
          {"caching", "frozen<map<text, text>>", kReg, -1},
          {"cdc", "boolean", kReg, -1},
          {"comment", "text", kReg, -1},
          {"compaction", "frozen<map<text, text>>", kReg, -1},
          {"compression", "frozen<map<text, text>>", kReg, -1},
          {"crc_check_chance", "double", kReg, -1},
          {"dclocal_read_repair_chance", "double", kReg, -1},
          {"default_time_to_live", "int", kReg, -1},
          {"extensions", "frozen<map<text, blob>>", kReg, -1},
          {"gc_grace_seconds", "int", kReg, -1},
          {"id", "uuid", kReg, -1},
          {"max_index_interval", "int", kReg, -1},
          {"memtable_flush_period_in_ms", "int", kReg, -1},
          {"min_index_interval", "int", kReg, -1},
          {"read_repair", "text", kReg, -1},
          {"read_repair_chance", "double", kReg, -1},
          {"speculative_retry", "text", kReg, -1}};
}

std::vector<ColumnDef> With(std::vector<ColumnDef> a, const std::vector<ColumnDef>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string Inet(const std::string& address) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, address.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
  if (inet_pton(AF_INET6, address.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 16);
  return std::string("\x7f\x00\x00\x01", 4);
}

// Builds rows column by column for one virtual table.
class RowBuilder {
 public:
  RowBuilder(const TableMetadata& table, MemoryRowSource& source) : table_(table), source_(source) {}

  // Values by column name; missing columns are null. Adds the row to the source.
  void Add(const std::map<std::string, Value>& values) {
    std::vector<std::string> pk;
    for (size_t i = 0; i < table_.partition_key.size(); ++i) {
      auto it = values.find(table_.partition_key_column(i).name);
      pk.push_back(it != values.end() && it->second ? *it->second : std::string());
    }
    std::vector<std::string_view> views(pk.begin(), pk.end());
    std::string key = types::SerializePartitionKey(views);
    storage::Row row;
    for (size_t i = 0; i < table_.clustering.size(); ++i) {
      const auto& c = table_.clustering_column(i);
      auto it = values.find(c.name);
      std::string v = it != values.end() && it->second ? *it->second : std::string();
      // System-table values are made here, valid by construction; a refusal would be a bug.
      if (Status s = types::AppendClusteringComponent(c.type, c.order, v, &row.clustering);
          !s.ok()) {
        spdlog::error("system table {}.{}: {}", table_.keyspace, table_.name, s.ToString());
        return;
      }
    }
    row.marker.timestamp = 0;
    for (int idx : table_.regular_and_static) {
      const auto& c = table_.columns[idx];
      auto it = values.find(c.name);
      if (it == values.end() || !it->second) continue;
      storage::Cell cell;
      cell.value = *it->second;
      row.cells[c.name] = std::move(cell);
    }
    source_.Add(key, types::Murmur3Token(key), std::move(row), false);
  }

 private:
  const TableMetadata& table_;
  MemoryRowSource& source_;
};

Value Text(const std::string& s) { return types::SerializeText(s); }
Value Int(int32_t v) { return types::SerializeInt(v); }
Value Bool(bool v) { return types::SerializeBoolean(v); }
Value Double(double v) { return types::SerializeDouble(v); }
Value Uuid(const std::string& text) {
  auto u = types::UuidFromString(text);
  return u.ok() ? Value(*u) : Value(std::nullopt);
}

std::map<std::string, Value> TableOptionValues(const TableMetadata& t) {
  const auto& o = t.options;
  return {{"additional_write_policy", Text("99p")},
          {"bloom_filter_fp_chance", Double(o.bloom_filter_fp_chance)},
          {"caching", SerializeTextMap(o.caching)},
          {"cdc", Bool(o.cdc)},
          {"comment", Text(o.comment)},
          {"compaction", SerializeTextMap(o.compaction)},
          {"compression", SerializeTextMap(o.compression)},
          {"crc_check_chance", Double(o.crc_check_chance)},
          {"dclocal_read_repair_chance", Double(o.dclocal_read_repair_chance)},
          {"default_time_to_live", Int(o.default_time_to_live)},
          {"extensions", SerializeMap({})},
          {"gc_grace_seconds", Int(o.gc_grace_seconds)},
          {"id", Uuid(t.id)},
          {"max_index_interval", Int(o.max_index_interval)},
          {"memtable_flush_period_in_ms", Int(o.memtable_flush_period_in_ms)},
          {"min_index_interval", Int(o.min_index_interval)},
          {"read_repair", Text("BLOCKING")},
          {"read_repair_chance", Double(o.read_repair_chance)},
          {"speculative_retry", Text(o.speculative_retry)}};
}

// Keyspaces' custom_properties as map<text, frozen<map<text, text>>>: nested objects flattened
// to their JSON text.
std::string CustomPropertiesValue(const std::string& json_text) {
  auto j = nlohmann::json::parse(json_text, nullptr, false);
  std::vector<std::pair<std::string, std::string>> entries;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      std::map<std::string, std::string> inner;
      if (v.is_object()) {
        for (const auto& [ik, iv] : v.items()) inner[ik] = iv.is_string() ? iv.get<std::string>() : iv.dump();
      }
      entries.emplace_back(k, SerializeTextMap(inner));
    }
  }
  return SerializeMap(entries);
}

}  // namespace

std::vector<std::shared_ptr<const KeyspaceMetadata>> SystemTables::Keyspaces() {
  std::vector<std::shared_ptr<const KeyspaceMetadata>> out;
  out.push_back(MakeKeyspace(
      "system",
      {MakeTable("system", "local",
                 {{"key", "text", kPk, 0},
                  {"bootstrapped", "text", kReg, -1},
                  {"broadcast_address", "inet", kReg, -1},
                  {"cluster_name", "text", kReg, -1},
                  {"cql_version", "text", kReg, -1},
                  {"data_center", "text", kReg, -1},
                  {"gossip_generation", "int", kReg, -1},
                  {"host_id", "uuid", kReg, -1},
                  {"listen_address", "inet", kReg, -1},
                  {"native_protocol_version", "text", kReg, -1},
                  {"partitioner", "text", kReg, -1},
                  {"rack", "text", kReg, -1},
                  {"release_version", "text", kReg, -1},
                  {"rpc_address", "inet", kReg, -1},
                  {"schema_version", "uuid", kReg, -1},
                  {"thrift_version", "text", kReg, -1},
                  {"tokens", "set<text>", kReg, -1},
                  {"truncated_at", "map<uuid, blob>", kReg, -1}},
                 "information about the local node"),
       MakeTable("system", "peers",
                 {{"peer", "inet", kPk, 0},
                  {"data_center", "text", kReg, -1},
                  {"host_id", "uuid", kReg, -1},
                  {"preferred_ip", "inet", kReg, -1},
                  {"rack", "text", kReg, -1},
                  {"release_version", "text", kReg, -1},
                  {"rpc_address", "inet", kReg, -1},
                  {"schema_version", "uuid", kReg, -1},
                  {"tokens", "set<text>", kReg, -1}},
                 "information about known peers in the cluster"),
       MakeTable("system", "peers_v2",
                 {{"peer", "inet", kPk, 0},
                  {"peer_port", "int", kCk, 0},
                  {"data_center", "text", kReg, -1},
                  {"host_id", "uuid", kReg, -1},
                  {"native_address", "inet", kReg, -1},
                  {"native_port", "int", kReg, -1},
                  {"preferred_ip", "inet", kReg, -1},
                  {"preferred_port", "int", kReg, -1},
                  {"rack", "text", kReg, -1},
                  {"release_version", "text", kReg, -1},
                  {"schema_version", "uuid", kReg, -1},
                  {"tokens", "set<text>", kReg, -1}},
                 "information about known peers in the cluster"),
       MakeTable("system", "size_estimates",
                 {{"keyspace_name", "text", kPk, 0},
                  {"table_name", "text", kCk, 0},
                  {"range_start", "text", kCk, 1},
                  {"range_end", "text", kCk, 2},
                  {"mean_partition_size", "bigint", kReg, -1},
                  {"partitions_count", "bigint", kReg, -1}},
                 "per-table primary range size estimates")}));
  out.push_back(MakeKeyspace(
      "system_schema",
      {MakeTable("system_schema", "keyspaces",
                 {{"keyspace_name", "text", kPk, 0},
                  {"durable_writes", "boolean", kReg, -1},
                  {"replication", "frozen<map<text, text>>", kReg, -1}},
                 "keyspace definitions"),
       MakeTable("system_schema", "tables",
                 With({{"keyspace_name", "text", kPk, 0},
                       {"table_name", "text", kCk, 0},
                       {"flags", "frozen<set<text>>", kReg, -1}},
                      TableOptionColumns()),
                 "table definitions"),
       MakeTable("system_schema", "columns",
                 {{"keyspace_name", "text", kPk, 0},
                  {"table_name", "text", kCk, 0},
                  {"column_name", "text", kCk, 1},
                  {"clustering_order", "text", kReg, -1},
                  {"column_name_bytes", "blob", kReg, -1},
                  {"kind", "text", kReg, -1},
                  {"position", "int", kReg, -1},
                  {"type", "text", kReg, -1}},
                 "column definitions"),
       MakeTable("system_schema", "dropped_columns",
                 {{"keyspace_name", "text", kPk, 0},
                  {"table_name", "text", kCk, 0},
                  {"column_name", "text", kCk, 1},
                  {"dropped_time", "timestamp", kReg, -1},
                  {"kind", "text", kReg, -1},
                  {"type", "text", kReg, -1}},
                 "dropped column registry"),
       MakeTable("system_schema", "types",
                 {{"keyspace_name", "text", kPk, 0},
                  {"type_name", "text", kCk, 0},
                  {"field_names", "frozen<list<text>>", kReg, -1},
                  {"field_types", "frozen<list<text>>", kReg, -1}},
                 "user defined type definitions"),
       MakeTable("system_schema", "functions",
                 {{"keyspace_name", "text", kPk, 0},
                  {"function_name", "text", kCk, 0},
                  {"argument_types", "frozen<list<text>>", kCk, 1},
                  {"argument_names", "frozen<list<text>>", kReg, -1},
                  {"body", "text", kReg, -1},
                  {"called_on_null_input", "boolean", kReg, -1},
                  {"language", "text", kReg, -1},
                  {"return_type", "text", kReg, -1}},
                 "user defined function definitions"),
       MakeTable("system_schema", "aggregates",
                 {{"keyspace_name", "text", kPk, 0},
                  {"aggregate_name", "text", kCk, 0},
                  {"argument_types", "frozen<list<text>>", kCk, 1},
                  {"final_func", "text", kReg, -1},
                  {"initcond", "text", kReg, -1},
                  {"return_type", "text", kReg, -1},
                  {"state_func", "text", kReg, -1},
                  {"state_type", "text", kReg, -1}},
                 "user defined aggregate definitions"),
       MakeTable("system_schema", "triggers",
                 {{"keyspace_name", "text", kPk, 0},
                  {"table_name", "text", kCk, 0},
                  {"trigger_name", "text", kCk, 1},
                  {"options", "frozen<map<text, text>>", kReg, -1}},
                 "trigger definitions"),
       MakeTable("system_schema", "views",
                 With({{"keyspace_name", "text", kPk, 0},
                       {"view_name", "text", kCk, 0},
                       {"base_table_id", "uuid", kReg, -1},
                       {"base_table_name", "text", kReg, -1},
                       {"include_all_columns", "boolean", kReg, -1},
                       {"where_clause", "text", kReg, -1}},
                      TableOptionColumns()),
                 "view definitions"),
       MakeTable("system_schema", "indexes",
                 {{"keyspace_name", "text", kPk, 0},
                  {"table_name", "text", kCk, 0},
                  {"index_name", "text", kCk, 1},
                  {"kind", "text", kReg, -1},
                  {"options", "frozen<map<text, text>>", kReg, -1}},
                 "secondary index definitions")}));
  // TraceKeyspace (4.1), issue 10 item 23: a distributed system keyspace, served from the
  // in-memory TraceStore.
  {
    auto traces = std::const_pointer_cast<KeyspaceMetadata>(MakeKeyspace(
        "system_traces",
        {MakeTable("system_traces", "sessions",
                   {{"session_id", "uuid", kPk, 0},
                    {"client", "inet", kReg, -1},
                    {"command", "text", kReg, -1},
                    {"coordinator", "inet", kReg, -1},
                    {"coordinator_port", "int", kReg, -1},
                    {"duration", "int", kReg, -1},
                    {"parameters", "map<text, text>", kReg, -1},
                    {"request", "text", kReg, -1},
                    {"started_at", "timestamp", kReg, -1}},
                   "tracing sessions"),
         MakeTable("system_traces", "events",
                   {{"session_id", "uuid", kPk, 0},
                    {"event_id", "timeuuid", kCk, 0},
                    {"activity", "text", kReg, -1},
                    {"source", "inet", kReg, -1},
                    {"source_elapsed", "int", kReg, -1},
                    {"source_port", "int", kReg, -1},
                    {"thread", "text", kReg, -1}},
                   "tracing events")}));
    traces->replication = {{"class", "org.apache.cassandra.locator.SimpleStrategy"},
                           {"replication_factor", "2"}};
    out.push_back(std::move(traces));
  }
  // Cassandra 4's virtual keyspaces (issue 10 item 19): drivers read system_virtual_schema to
  // learn them; neither appears in system_schema.*.
  out.push_back(MakeKeyspace(
      "system_views",
      {// ClientsTable (Cassandra 4.1), issue 10 item 21.
       MakeTable("system_views", "clients",
                 {{"address", "inet", kPk, 0},
                  {"port", "int", kCk, 0},
                  {"client_options", "map<text, text>", kReg, -1},
                  {"connection_stage", "text", kReg, -1},
                  {"driver_name", "text", kReg, -1},
                  {"driver_version", "text", kReg, -1},
                  {"hostname", "text", kReg, -1},
                  {"protocol_version", "int", kReg, -1},
                  {"request_count", "bigint", kReg, -1},
                  {"ssl_cipher_suite", "text", kReg, -1},
                  {"ssl_enabled", "boolean", kReg, -1},
                  {"ssl_protocol", "text", kReg, -1},
                  {"username", "text", kReg, -1}},
                 "currently connected clients")},
      /*is_virtual=*/true));
  out.push_back(MakeKeyspace(
      "system_virtual_schema",
      {MakeTable("system_virtual_schema", "keyspaces", {{"keyspace_name", "text", kPk, 0}},
                 "virtual keyspace definitions"),
       MakeTable("system_virtual_schema", "tables",
                 {{"keyspace_name", "text", kPk, 0},
                  {"table_name", "text", kCk, 0},
                  {"comment", "text", kReg, -1}},
                 "virtual table definitions"),
       MakeTable("system_virtual_schema", "columns",
                 {{"keyspace_name", "text", kPk, 0},
                  {"table_name", "text", kCk, 0},
                  {"column_name", "text", kCk, 1},
                  {"clustering_order", "text", kReg, -1},
                  {"column_name_bytes", "blob", kReg, -1},
                  {"kind", "text", kReg, -1},
                  {"position", "int", kReg, -1},
                  {"type", "text", kReg, -1}},
                 "virtual column definitions")},
      /*is_virtual=*/true));
  out.push_back(MakeKeyspace(
      "system_schema_mcs",
      {MakeTable("system_schema_mcs", "keyspaces",
                 {{"keyspace_name", "text", kPk, 0},
                  {"durable_writes", "boolean", kReg, -1},
                  {"replication", "frozen<map<text, text>>", kReg, -1}},
                 "keyspace definitions (Amazon Keyspaces)"),
       MakeTable("system_schema_mcs", "tables",
                 {{"keyspace_name", "text", kPk, 0},
                  {"table_name", "text", kCk, 0},
                  {"status", "text", kReg, -1},
                  {"custom_properties", "map<text, frozen<map<text, text>>>", kReg, -1}},
                 "table definitions and status (Amazon Keyspaces)"),
       MakeTable("system_schema_mcs", "columns",
                 {{"keyspace_name", "text", kPk, 0},
                  {"table_name", "text", kCk, 0},
                  {"column_name", "text", kCk, 1},
                  {"clustering_order", "text", kReg, -1},
                  {"column_name_bytes", "blob", kReg, -1},
                  {"kind", "text", kReg, -1},
                  {"position", "int", kReg, -1},
                  {"type", "text", kReg, -1}},
                 "column definitions (Amazon Keyspaces)"),
       MakeTable("system_schema_mcs", "tags",
                 {{"keyspace_name", "text", kPk, 0},
                  {"resource_name", "text", kCk, 0},
                  {"resource_type", "text", kCk, 1},
                  {"resource_id", "text", kReg, -1},
                  {"tags", "map<text, text>", kReg, -1}},
                 "tags of keyspaces and tables (Amazon Keyspaces)")}));
  return out;
}

Result<std::unique_ptr<RowSource>> SystemTables::Open(const TableMetadata& table,
                                                      const schema::SchemaSnapshot& snapshot) const {
  auto source = std::make_unique<MemoryRowSource>();
  RowBuilder rows(table, *source);
  const std::string id = table.keyspace + "." + table.name;

  // system_schema.* describe the ordinary keyspaces, system_virtual_schema.* the virtual ones
  // (Cassandra's SchemaKeyspace and VirtualSchemaKeyspace; issue 10 item 19).
  const bool virtual_schema = table.keyspace == "system_virtual_schema";
  auto listed = [&](const KeyspaceMetadata& ks) { return ks.is_virtual == virtual_schema; };
  auto each_table = [&](auto fn) {
    for (const auto& [ks_name, ks] : snapshot.keyspaces) {
      if (!listed(*ks)) continue;
      for (const auto& [t_name, t] : ks->tables) fn(*ks, *t);
    }
  };
  auto column_rows = [&]() {
    each_table([&](const KeyspaceMetadata& ks, const TableMetadata& t) {
      for (const auto& c : t.columns) {
        const char* order = c.kind != ColumnKind::kClustering ? "none"
                            : c.order == types::SortOrder::kDesc ? "desc"
                                                                 : "asc";
        rows.Add({{"keyspace_name", Text(ks.name)},
                  {"table_name", Text(t.name)},
                  {"column_name", Text(c.name)},
                  {"clustering_order", Text(order)},
                  {"column_name_bytes", Value(c.name)},
                  {"kind", Text(schema::ColumnKindName(c.kind))},
                  {"position", Int(c.position)},
                  {"type", Text(c.type.ToCql())}});
      }
    });
  };
  auto keyspace_rows = [&]() {
    for (const auto& [name, ks] : snapshot.keyspaces) {
      if (!listed(*ks)) continue;
      rows.Add({{"keyspace_name", Text(name)},
                {"durable_writes", Bool(ks->durable_writes)},
                {"replication", SerializeTextMap(ks->replication)}});
    }
  };

  if (id == "system.local") {
    std::set<std::string> tokens = {"-9223372036854775808"};
    if (coordinator_ != nullptr) {  // issue 15: this node's share of the ring
      tokens.clear();
      for (int64_t t : coordinator_->Self().tokens) tokens.insert(std::to_string(t));
      if (tokens.empty()) tokens.insert("-9223372036854775808");
    }
    rows.Add({{"key", Text("local")},
              {"bootstrapped", Text("COMPLETED")},
              {"broadcast_address", Inet(node_.listen_address)},
              {"cluster_name", Text(node_.cluster_name)},
              {"cql_version", Text(kCqlVersion)},
              {"data_center", Text(node_.data_center)},
              {"gossip_generation", Int(1)},
              {"host_id", Uuid(host_id_)},
              {"listen_address", Inet(node_.listen_address)},
              {"native_protocol_version", Text("4")},
              {"partitioner", Text("org.apache.cassandra.dht.Murmur3Partitioner")},
              {"rack", Text(node_.rack)},
              {"release_version", Text(kReleaseVersion)},
              {"rpc_address", Inet(node_.listen_address)},
              {"schema_version", Uuid(snapshot.version)},
              {"thrift_version", Text("20.1.0")},
              {"tokens", SerializeTextSet(tokens)},
              {"truncated_at", SerializeMap({})}});
  } else if (id == "system_schema.keyspaces" || id == "system_schema_mcs.keyspaces" ||
             id == "system_virtual_schema.keyspaces") {
    keyspace_rows();
  } else if (id == "system_virtual_schema.tables") {
    each_table([&](const KeyspaceMetadata& ks, const TableMetadata& t) {
      rows.Add({{"keyspace_name", Text(ks.name)},
                {"table_name", Text(t.name)},
                {"comment", Text(t.options.comment)}});
    });
  } else if (id == "system_traces.sessions" || id == "system_traces.events") {
    if (traces_ != nullptr) {
      const Value coordinator = Inet(node_.listen_address);
      for (const auto& session : traces_->Sessions()) {
        if (id == "system_traces.sessions") {
          std::map<std::string, Value> values = {
              {"session_id", Value(session.session_id)},
              {"client", Inet(session.client)},
              {"command", Text(session.command)},
              {"coordinator", coordinator},
              {"coordinator_port", Int(7000)},
              {"parameters", SerializeTextMap(session.parameters)},
              {"request", Text(session.request)},
              {"started_at", types::SerializeBigint(session.started_at_ms)}};
          if (session.duration_us) values["duration"] = Int(*session.duration_us);
          rows.Add(values);
          continue;
        }
        for (const auto& event : session.events) {
          rows.Add({{"session_id", Value(session.session_id)},
                    {"event_id", Value(event.event_id)},
                    {"activity", Text(event.activity)},
                    {"source", coordinator},
                    {"source_elapsed", Int(event.source_elapsed)},
                    {"source_port", Int(7000)},
                    {"thread", Text(event.thread)}});
        }
      }
    }
  } else if (id == "system_views.clients") {
    if (clients_ != nullptr) {
      for (const auto& c : clients_->Clients()) {
        std::map<std::string, Value> values = {
            {"address", Inet(c.address)},
            {"port", Int(c.port)},
            {"connection_stage", Text(c.connection_stage)},
            {"hostname", Text(c.hostname)},
            {"protocol_version", Int(c.protocol_version)},
            {"request_count", types::SerializeBigint(c.request_count)},
            {"ssl_enabled", Bool(c.ssl_enabled)}};
        auto optional = [&](const char* column, const std::optional<std::string>& v) {
          if (v) values[column] = Text(*v);
        };
        optional("driver_name", c.driver_name);
        optional("driver_version", c.driver_version);
        optional("username", c.username);
        optional("ssl_protocol", c.ssl_protocol);
        optional("ssl_cipher_suite", c.ssl_cipher_suite);
        if (c.client_options) values["client_options"] = SerializeTextMap(*c.client_options);
        rows.Add(values);
      }
    }
  } else if (id == "system_schema.tables") {
    each_table([&](const KeyspaceMetadata& ks, const TableMetadata& t) {
      auto values = TableOptionValues(t);
      values["keyspace_name"] = Text(ks.name);
      values["table_name"] = Text(t.name);
      // Cassandra 4.1 TableMetadata.Flag: a counter table is also flagged "counter" (issue 12).
      values["flags"] = IsCounterTable(t) ? SerializeTextSet({"compound", "counter"})
                                          : SerializeTextSet({"compound"});
      rows.Add(values);
    });
  } else if (id == "system_schema_mcs.tables") {
    each_table([&](const KeyspaceMetadata& ks, const TableMetadata& t) {
      rows.Add({{"keyspace_name", Text(ks.name)},
                {"table_name", Text(t.name)},
                {"status", Text("ACTIVE")},
                {"custom_properties", CustomPropertiesValue(t.options.custom_properties_json)}});
    });
  } else if (id == "system_schema_mcs.tags") {
    const std::string prefix =
        fmt::format("arn:aws:cassandra:{}:{}:/keyspace/", node_.region, node_.account_id);
    for (const auto& [name, ks] : snapshot.keyspaces) {
      if (!ks->tags.empty()) {
        rows.Add({{"keyspace_name", Text(name)},
                  {"resource_name", Text(name)},
                  {"resource_type", Text("keyspace")},
                  {"resource_id", Text(prefix + name + "/")},
                  {"tags", SerializeTextMap(ks->tags)}});
      }
      for (const auto& [t_name, t] : ks->tables) {
        if (t->tags.empty()) continue;
        rows.Add({{"keyspace_name", Text(name)},
                  {"resource_name", Text(t_name)},
                  {"resource_type", Text("table")},
                  {"resource_id", Text(prefix + name + "/table/" + t_name)},
                  {"tags", SerializeTextMap(t->tags)}});
      }
    }
  } else if (id == "system_schema.columns" || id == "system_schema_mcs.columns" ||
             id == "system_virtual_schema.columns") {
    column_rows();
  } else if (id == "system_schema.types") {
    // SchemaKeyspace.addTypeToSchemaMutation (4.1): field types as CQL text (issue 11).
    for (const auto& [ks_name, ks] : snapshot.keyspaces) {
      if (!listed(*ks)) continue;
      for (const auto& [type_name, type] : ks->user_types) {
        std::vector<std::string> field_types;
        for (const auto& f : type.params()) field_types.push_back(f.ToCql());
        rows.Add({{"keyspace_name", Text(ks_name)},
                  {"type_name", Text(type_name)},
                  {"field_names", SerializeTextList(type.udt_field_names())},
                  {"field_types", SerializeTextList(field_types)}});
      }
    }
  } else if (id == "system_schema.dropped_columns") {
    each_table([&](const KeyspaceMetadata& ks, const TableMetadata& t) {
      for (const auto& [name, d] : t.dropped_columns) {
        rows.Add({{"keyspace_name", Text(ks.name)},
                  {"table_name", Text(t.name)},
                  {"column_name", Text(name)},
                  {"dropped_time", types::SerializeBigint(d.dropped_time / 1000)},
                  {"kind", Text("regular")},
                  {"type", Text(d.type)}});
      }
    });
  } else if ((id == "system.peers" || id == "system.peers_v2") && coordinator_ != nullptr &&
             coordinator_->clustered()) {
    // issue 15: the other live nodes of the registry (docs/dev/rados-mapping.md "Many nodes").
    // Nodes may share an address (all on one machine): peers_v2 tells them apart by port, with
    // the CQL port as peer_port too (there is no internode port); drivers read peers_v2 first.
    auto nodes = coordinator_->Nodes();
    if (!nodes.ok()) return nodes.status();
    for (const auto& n : *nodes) {
      if (n.host_id == host_id_ || !n.live) continue;
      std::set<std::string> tokens;
      for (int64_t t : n.tokens) tokens.insert(std::to_string(t));
      std::map<std::string, Value> values = {
          {"peer", Inet(n.address)},
          {"data_center", Text(n.data_center)},
          {"host_id", Uuid(n.host_id)},
          {"rack", Text(n.rack)},
          {"release_version", Text(n.release_version)},
          {"tokens", SerializeTextSet(tokens)}};
      if (!n.schema_version.empty()) values["schema_version"] = Uuid(n.schema_version);
      if (id == "system.peers") {
        values["rpc_address"] = Inet(n.address);
      } else {
        values["peer_port"] = Int(n.cql_port);
        values["native_address"] = Inet(n.address);
        values["native_port"] = Int(n.cql_port);
      }
      rows.Add(values);
    }
  }
  // Every other system table (peers, peers_v2 of one node, size_estimates, types, functions, aggregates,
  // triggers, views, indexes) is empty on one node without those features.
  return std::unique_ptr<RowSource>(std::move(source));
}

}  // namespace sibyl::query
