// DDL and USE: CREATE/ALTER/DROP KEYSPACE, CREATE/ALTER/DROP TABLE, TRUNCATE. Validation follows
// Cassandra 4 (texts copied where drivers and users match them). DDL is synchronous: the schema
// store has persisted and published the change before the response is sent.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "common/clock.h"
#include "common/utf8.h"
#include "query/counters.h"
#include "query/properties.h"
#include "query/statement.h"
#include "query/table_options.h"
#include "query/user_types.h"
#include "schema/schema_store.h"

namespace sibyl::query {

using schema::ColumnKind;
using schema::ColumnMetadata;
using schema::KeyspaceMetadata;
using schema::TableMetadata;

namespace {

constexpr int32_t kMaxTtl = 630720000;

Status ValidateName(const std::string& name, const char* what) {
  // ^\w{1,48}$ by hand (std::regex recurses per character; names may be 64 KiB).
  const bool valid = !name.empty() && name.size() <= 48 &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                     });
  if (!valid) {
    return InvalidRequest(fmt::format(
        "{} name must not be empty, more than 48 characters long, or contain "
        "non-alphanumeric-underscore characters (got \"{}\")",
        what, QuoteForMessage(name)));
  }
  return Status::OK();
}

Status NotModifiable(const std::string& keyspace) {
  return Status(ErrorCode::kUnauthorized,
                fmt::format("{} keyspace is not user-modifiable.", keyspace));
}

protocol::SchemaChangeResult Change(const char* type, const char* target, std::string keyspace,
                                    std::string name = "") {
  return protocol::SchemaChangeResult{type, target, std::move(keyspace), std::move(name), {}};
}

Result<protocol::ResultMessage> Announce(QueryContext& context, protocol::SchemaChangeResult change) {
  if (context.notify_schema_change) context.notify_schema_change(change);
  return protocol::ResultMessage(std::move(change));
}

// replication = {...}: validated and stored with the class fully qualified, as Cassandra 4.1's
// KeyspaceAttributes and ReplicationParams.fromMapWithDefaults do (issue 10 item 17).
// `data_center`: this node's data centre, the only one NetworkTopologyStrategy may name.
Result<std::map<std::string, std::string>> Replication(const parser::Property& property,
                                                       const std::string& keyspace,
                                                       const std::string& data_center) {
  ASSIGN_OR_RETURN(auto options, PropertyMap(property));
  auto cls = options.find("class");
  // KeyspaceAttributes.validate: "Missing replication strategy class" for options without a
  // class. An empty map reaches AbstractReplicationStrategy.getClass(null) in Cassandra 4.1,
  // which fails with a NullPointerException (SERVER_ERROR); Sibyl answers the same
  // ConfigurationException as for a map without a class instead.
  if (cls == options.end()) return ConfigError("Missing replication strategy class");
  std::string name = cls->second;
  const std::string prefix = "org.apache.cassandra.locator.";
  std::string short_name = name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
  std::map<std::string, std::string> out;
  // AbstractReplicationStrategy.validateReplicationFactor (4.1): ReplicationFactor.fromString's
  // Integer.parseInt (NumberFormatException: 'For input string: "x"') and its
  // "Replication factor must be non-negative, found %s".
  auto check_factor = [&](const std::string& value) -> Status {
    const bool digits = value.size() <= 11 && !value.empty() &&
                        std::all_of(value.begin() + (value[0] == '-' || value[0] == '+'),
                                    value.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                        value.find_first_of("0123456789") != std::string::npos;
    const long long v = digits ? std::strtoll(value.c_str(), nullptr, 10) : 0;
    if (!digits || v < INT32_MIN || v > INT32_MAX) {
      return ConfigError(fmt::format("For input string: \"{}\"", QuoteForMessage(value)));
    }
    if (v < 0) return ConfigError(fmt::format("Replication factor must be non-negative, found {}", v));
    return Status::OK();
  };
  auto unrecognized = [&](const std::string& option, const char* strategy) {
    // AbstractReplicationStrategy.validateExpectedOptions.
    return ConfigError(fmt::format("Unrecognized strategy option {{{}}} passed to {} for keyspace {}",
                                   option, strategy, keyspace));
  };
  if (short_name == "SimpleStrategy") {
    out["class"] = prefix + short_name;
    // SimpleStrategy.prepareOptions (4.1): a missing replication_factor is default_keyspace_rf (1).
    auto rf = options.find("replication_factor");
    const std::string factor = rf == options.end() ? "1" : rf->second;
    RETURN_IF_ERROR(check_factor(factor));
    for (const auto& [k, v] : options) {
      if (k != "class" && k != "replication_factor") return unrecognized(k, "SimpleStrategy");
    }
    out["replication_factor"] = factor;
    return out;
  }
  if (short_name == "NetworkTopologyStrategy") {
    out["class"] = prefix + short_name;
    // NetworkTopologyStrategy.prepareOptions (4.1): no option at all means replication_factor
    // default_keyspace_rf (1); 'replication_factor' is the factor of every known data centre not
    // named; factors of 0 are dropped. validateExpectedOptions then accepts only the names of
    // known data centres (this node's).
    std::map<std::string, std::string> factors;
    for (const auto& [k, v] : options) {
      if (k != "class" && k != "replication_factor") factors[k] = v;
    }
    auto rf = options.find("replication_factor");
    if (rf != options.end() || factors.empty()) {
      const std::string factor = rf != options.end() ? rf->second : "1";
      RETURN_IF_ERROR(check_factor(factor));
      factors.emplace(data_center, factor);
    }
    for (auto it = factors.begin(); it != factors.end();) {
      it = it->second == "0" ? factors.erase(it) : std::next(it);
    }
    if (factors.empty()) {
      return ConfigError("Configuration for at least one datacenter must be present");
    }
    for (const auto& [dc, v] : factors) {
      if (dc != data_center) return unrecognized(dc, "NetworkTopologyStrategy");
    }
    for (const auto& [dc, v] : factors) {
      RETURN_IF_ERROR(check_factor(v));
      out[dc] = v;
    }
    return out;
  }
  if (short_name == "SingleRegionStrategy") {
    // Amazon Keyspaces' single-Region class: accepted and stored as written.
    out["class"] = short_name;
    for (const auto& [k, v] : options) {
      if (k != "class") out[k] = v;
    }
    return out;
  }
  if (short_name == "LocalStrategy" || short_name == "EverywhereStrategy") {
    return ConfigError(fmt::format("Unable to use given strategy class: {} is reserved for internal use.", name));
  }
  return ConfigError(fmt::format("Unable to find replication strategy class '{}'", name.find('.') == std::string::npos ? prefix + name : name));
}

Status ApplyKeyspaceProperties(const std::vector<parser::Property>& properties,
                               KeyspaceMetadata& ks, bool require_replication,
                               const std::string& data_center) {
  bool has_replication = false;
  std::set<std::string> seen;
  for (const auto& p : properties) {
    if (!seen.insert(p.name).second) {
      return SyntaxError(fmt::format("Multiple definition for property '{}'", p.name));
    }
    if (p.name == "replication") {
      ASSIGN_OR_RETURN(ks.replication, Replication(p, ks.name, data_center));
      has_replication = true;
    } else if (p.name == "durable_writes") {
      ASSIGN_OR_RETURN(ks.durable_writes, PropertyBool(p));
    } else if (p.name == "tags") {
      ASSIGN_OR_RETURN(ks.tags, PropertyMap(p));
    } else {
      return SyntaxError(fmt::format("Unknown property '{}'", p.name));
    }
  }
  if (require_replication && !has_replication) {
    // CreateKeyspaceStatement.apply (4.1): ire("Missing mandatory option '%s'", REPLICATION).
    return InvalidRequest("Missing mandatory option 'replication'");
  }
  return Status::OK();
}

Status ApplyTableProperties(const std::vector<parser::Property>& properties, TableMetadata& t) {
  auto& o = t.options;
  std::set<std::string> seen;
  for (const auto& p : properties) {
    const std::string& n = p.name;
    if (!seen.insert(n).second) {
      return SyntaxError(fmt::format("Multiple definition for property '{}'", n));
    }
    if (n == "comment") {
      ASSIGN_OR_RETURN(o.comment, PropertyText(p));
    } else if (n == "default_time_to_live") {
      ASSIGN_OR_RETURN(o.default_time_to_live, PropertyInt(p));
      if (o.default_time_to_live < 0) {
        return ConfigError(fmt::format("default_time_to_live must be greater than or equal to 0 (got {})", o.default_time_to_live));
      }
      if (o.default_time_to_live > kMaxTtl) {
        return ConfigError(fmt::format("default_time_to_live must be less than or equal to {} (got {})", kMaxTtl, o.default_time_to_live));
      }
    } else if (n == "gc_grace_seconds") {
      ASSIGN_OR_RETURN(o.gc_grace_seconds, PropertyInt(p));
      if (o.gc_grace_seconds < 0) return ConfigError("gc_grace_seconds must be greater than or equal to 0");
    } else if (n == "bloom_filter_fp_chance") {
      ASSIGN_OR_RETURN(o.bloom_filter_fp_chance, PropertyDouble(p));
    } else if (n == "crc_check_chance") {
      ASSIGN_OR_RETURN(o.crc_check_chance, PropertyDouble(p));
    } else if (n == "dclocal_read_repair_chance") {
      ASSIGN_OR_RETURN(o.dclocal_read_repair_chance, PropertyDouble(p));
    } else if (n == "read_repair_chance") {
      ASSIGN_OR_RETURN(o.read_repair_chance, PropertyDouble(p));
    } else if (n == "max_index_interval") {
      ASSIGN_OR_RETURN(o.max_index_interval, PropertyInt(p));
    } else if (n == "min_index_interval") {
      ASSIGN_OR_RETURN(o.min_index_interval, PropertyInt(p));
    } else if (n == "memtable_flush_period_in_ms") {
      ASSIGN_OR_RETURN(o.memtable_flush_period_in_ms, PropertyInt(p));
    } else if (n == "speculative_retry") {
      ASSIGN_OR_RETURN(std::string text, PropertyText(p));
      ASSIGN_OR_RETURN(o.speculative_retry, NormalizeSpeculativeRetry(text));
    } else if (n == "cdc") {
      ASSIGN_OR_RETURN(o.cdc, PropertyBool(p));
    } else if (n == "caching") {
      ASSIGN_OR_RETURN(o.caching, PropertyMap(p));
    } else if (n == "compaction") {
      ASSIGN_OR_RETURN(auto compaction, PropertyMap(p));
      ASSIGN_OR_RETURN(o.compaction, NormalizeCompaction(compaction));
    } else if (n == "compression") {
      ASSIGN_OR_RETURN(auto compression, PropertyMap(p));
      ASSIGN_OR_RETURN(o.compression, NormalizeCompression(compression));
    } else if (n == "custom_properties") {
      ASSIGN_OR_RETURN(o.custom_properties_json, PropertyJson(p));
    } else if (n == "tags") {
      ASSIGN_OR_RETURN(t.tags, PropertyMap(p));
    } else if (n == "extensions" || n == "read_repair" || n == "additional_write_policy") {
      // Accepted and not stored: they mean nothing on one node.
    } else {
      return SyntaxError(fmt::format("Unknown property '{}'", n));
    }
  }
  // TableParams.validate: the ranges of the numeric options (issue 10 item 17).
  return ValidateTableOptions(o);
}

std::string ResolveKeyspace(const std::string& written, const Session& session) {
  return written.empty() ? session.keyspace : written;
}

Status NoKeyspace() {
  return InvalidRequest(
      "No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename");
}

// A non-frozen user type column (issue 11): CreateTableStatement.builder (4.1) refuses one whose
// fields include non-frozen collections.
Status CheckUserTypeColumn(const types::Type& type, const std::string& column) {
  if (type.kind() != types::Kind::kUdt || type.frozen()) return Status::OK();
  for (const auto& field : type.params()) {
    if (field.IsCollection() && !field.frozen()) {
      return InvalidRequest("Non-frozen UDTs with nested non-frozen collections are not supported");
    }
  }
  // Stored one cell per field (query/user_type_cells.h).
  (void)column;
  return Status::OK();
}

Result<types::Type> ColumnType(const parser::TypeName& name, const std::string& column,
                               const KeyspaceMetadata& ks) {
  // User types resolve in the table's keyspace (issue 11, query/user_types.h).
  auto type = ResolveType(name, ks.name, &ks);
  if (!type.ok()) return type.status();
  RETURN_IF_ERROR(CheckUserTypeColumn(*type, column));
  // Counter columns (issue 12): the table-level rules are query/counters.h CheckCounterTable.
  // Non-frozen list/set/map columns are multi-cell (issue 11, storage/complex_cells.h); key
  // columns go through CheckKeyType instead, which refuses them as Cassandra does.
  return *type;
}

// AlterTableStatement.AddColumns (4.1): a dropped column comes back only with a type whose values
// are compatible with the old one's (type.isValueCompatibleWith). Refused here where the answer
// is certain: multi-cell and single-cell (frozen or scalar) either way, or collections of another
// kind (CollectionType.isValueCompatibleWithInternal, AlterTest
// testNonFrozenCollectionsAreIncompatibleWithBlob). Old cells stay hidden by the drop time
// whatever the type (issue 11).
Status CheckReAddedColumn(const TableMetadata& table, const std::string& name,
                          const types::Type& type) {
  auto dropped = table.dropped_columns.find(name);
  if (dropped == table.dropped_columns.end()) return Status::OK();
  auto old = types::ParseTypeName(dropped->second.type);
  if (!old.ok()) return Status::OK();  // a user type: not decided here
  auto multi_cell = [](const types::Type& t) {
    return (t.IsCollection() || t.kind() == types::Kind::kUdt) && !t.frozen();
  };
  const bool incompatible = multi_cell(*old) != multi_cell(type) ||
                            (old->IsCollection() && type.IsCollection() && old->kind() != type.kind());
  if (!incompatible) return Status::OK();
  return InvalidRequest(fmt::format(
      "Cannot re-add previously dropped column '{}' of type {}, incompatible with previous type {}",
      name, type.ToCql(), old->ToCql()));
}

// ---- statements -----------------------------------------------------------------------------

class SchemaStatement final : public CqlStatement {
 public:
  explicit SchemaStatement(std::shared_ptr<const parser::Statement> ast) : ast_(std::move(ast)) {}

 private:
  // Declared before Execute's generic lambda uses it: clang 14 otherwise never instantiates it
  // for the statement kinds that reach it (undefined references at link time).
  template <typename T>
  Result<protocol::ResultMessage> Run(const T&, QueryContext&, const ExecutionParams&) const {
    return InternalError("not a schema statement");
  }

 public:
  Result<protocol::ResultMessage> Execute(QueryContext& context,
                                          const ExecutionParams& params) const override {
    return std::visit(
        [&](const auto& s) -> Result<protocol::ResultMessage> { return Run(s, context, params); },
        ast_->body);
  }

 private:
  Result<protocol::ResultMessage> Run(const parser::UseStatement& s, QueryContext& context,
                                      const ExecutionParams& params) const {
    auto snapshot = context.schema.snapshot();
    if (snapshot->FindKeyspace(s.keyspace) == nullptr) {
      return InvalidRequest(fmt::format("Keyspace '{}' does not exist", s.keyspace));
    }
    params.session.keyspace = s.keyspace;
    return protocol::ResultMessage(protocol::SetKeyspaceResult{s.keyspace});
  }

  Result<protocol::ResultMessage> Run(const parser::CreateKeyspaceStatement& s,
                                      QueryContext& context, const ExecutionParams&) const {
    RETURN_IF_ERROR(ValidateName(s.keyspace, "Keyspace"));
    KeyspaceMetadata ks;
    ks.name = s.keyspace;
    RETURN_IF_ERROR(ApplyKeyspaceProperties(s.properties, ks, true, context.node.data_center));
    Status st = context.schema.CreateKeyspace(ks);
    if (st.code() == ErrorCode::kAlreadyExists && s.if_not_exists == parser::IfNotExists::kYes) {
      return protocol::ResultMessage(protocol::VoidResult{});
    }
    RETURN_IF_ERROR(st);
    return Announce(context, Change("CREATED", "KEYSPACE", s.keyspace));
  }

  Result<protocol::ResultMessage> Run(const parser::AlterKeyspaceStatement& s,
                                      QueryContext& context, const ExecutionParams&) const {
    auto snapshot = context.schema.snapshot();
    const KeyspaceMetadata* existing = snapshot->FindKeyspace(s.keyspace);
    if (existing == nullptr) {
      // Cassandra 4.1 AlterKeyspaceStatement.apply: ire("Keyspace '%s' doesn't exist").
      return InvalidRequest(fmt::format("Keyspace '{}' doesn't exist", s.keyspace));
    }
    if (existing->is_system) return NotModifiable(s.keyspace);
    KeyspaceMetadata ks = *existing;
    RETURN_IF_ERROR(ApplyKeyspaceProperties(s.properties, ks, false, context.node.data_center));
    if (s.add_tags) {
      ASSIGN_OR_RETURN(auto tags, TermToTextMap(s.add_tags, "tags"));
      for (auto& [k, v] : tags) ks.tags[k] = v;
    }
    if (s.drop_tags) {
      ASSIGN_OR_RETURN(auto tags, TermToTextMap(s.drop_tags, "tags"));
      for (auto& [k, v] : tags) ks.tags.erase(k);
    }
    RETURN_IF_ERROR(context.schema.AlterKeyspace(ks));
    return Announce(context, Change("UPDATED", "KEYSPACE", s.keyspace));
  }

  Result<protocol::ResultMessage> Run(const parser::DropKeyspaceStatement& s,
                                      QueryContext& context, const ExecutionParams& params) const {
    auto snapshot = context.schema.snapshot();
    const KeyspaceMetadata* existing = snapshot->FindKeyspace(s.keyspace);
    if (existing != nullptr && existing->is_system) return NotModifiable(s.keyspace);
    Status st = existing ? context.schema.DropKeyspace(s.keyspace) : NotFound(s.keyspace);
    if (st.code() == ErrorCode::kNotFound) {
      if (s.if_exists == parser::IfExists::kYes) return protocol::ResultMessage(protocol::VoidResult{});
      // Cassandra 4.1 DropKeyspaceStatement.apply: ire("Keyspace '%s' doesn't exist").
      return InvalidRequest(fmt::format("Keyspace '{}' doesn't exist", s.keyspace));
    }
    RETURN_IF_ERROR(st);
    if (params.session.keyspace == s.keyspace) params.session.keyspace.clear();
    return Announce(context, Change("DROPPED", "KEYSPACE", s.keyspace));
  }

  Result<protocol::ResultMessage> Run(const parser::CreateTableStatement& s, QueryContext& context,
                                      const ExecutionParams& params) const {
    std::string keyspace = ResolveKeyspace(s.table.keyspace, params.session);
    if (keyspace.empty()) return NoKeyspace();
    auto snapshot = context.schema.snapshot();
    const KeyspaceMetadata* ks = snapshot->FindKeyspace(keyspace);
    if (ks == nullptr) return InvalidRequest(fmt::format("Keyspace {} does not exist", keyspace));
    if (ks->is_system) return NotModifiable(keyspace);
    RETURN_IF_ERROR(ValidateName(s.table.name, "Table"));
    if (s.compact_storage) return Unsupported("COMPACT STORAGE");
    if (ks->tables.count(s.table.name)) {
      if (s.if_not_exists == parser::IfNotExists::kYes) return protocol::ResultMessage(protocol::VoidResult{});
      return Status(ErrorCode::kAlreadyExists,
                    fmt::format("Cannot add already existing table \"{}\" to keyspace \"{}\"",
                                s.table.name, keyspace),
                    AlreadyExistsDetail{keyspace, s.table.name});
    }
    TableMetadata t;
    t.keyspace = keyspace;
    t.name = s.table.name;
    t.id = types::UuidToString(types::RandomUuid());
    std::vector<std::string> partition_key = s.partition_key;
    std::vector<std::string> clustering = s.clustering_key;
    std::set<std::string> names;
    for (const auto& def : s.columns) {
      if (!names.insert(def.name).second) {
        return InvalidRequest(fmt::format("Duplicate column '{}' declaration for table {}.{}",
                                          def.name, keyspace, t.name));
      }
      if (def.primary_key) {
        if (!partition_key.empty()) {
          return InvalidRequest("Multiple PRIMARY KEYs specifed (exactly one required)");
        }
        partition_key.push_back(def.name);
      }
    }
    if (partition_key.empty()) {
      return InvalidRequest(fmt::format(
          "No PRIMARY KEY specifed for table '{}' (exactly one required)", t.name));
    }
    std::map<std::string, std::pair<ColumnKind, int>> key_positions;
    for (size_t i = 0; i < partition_key.size(); ++i) {
      if (!key_positions.emplace(partition_key[i], std::make_pair(ColumnKind::kPartitionKey, static_cast<int>(i))).second) {
        return InvalidRequest(fmt::format("Duplicate definition for {} in PRIMARY KEY", partition_key[i]));
      }
    }
    for (size_t i = 0; i < clustering.size(); ++i) {
      if (!key_positions.emplace(clustering[i], std::make_pair(ColumnKind::kClustering, static_cast<int>(i))).second) {
        return InvalidRequest(fmt::format("Duplicate definition for {} in PRIMARY KEY", clustering[i]));
      }
    }
    for (const auto& [name, pos] : key_positions) {
      if (!names.count(name)) {
        return InvalidRequest(fmt::format("Unknown definition {} referenced in PRIMARY KEY", name));
      }
    }
    for (const auto& def : s.columns) {
      ColumnMetadata c;
      c.name = def.name;
      auto key = key_positions.find(def.name);
      if (key != key_positions.end()) {
        if (def.is_static) {
          return InvalidRequest(fmt::format("Static column {} cannot be part of the PRIMARY KEY", def.name));
        }
        auto type = ResolveType(def.type, keyspace, ks);
        if (!type.ok()) return type.status();
        RETURN_IF_ERROR(types::CheckKeyType(*type, def.name));
        c.type = *type;
        c.kind = key->second.first;
        c.position = key->second.second;
      } else {
        ASSIGN_OR_RETURN(c.type, ColumnType(def.type, def.name, *ks));
        c.kind = def.is_static ? ColumnKind::kStatic : ColumnKind::kRegular;
        if (def.is_static && clustering.empty()) {
          return InvalidRequest(
              "Static columns are only useful (and thus allowed) if the table has at least one "
              "clustering column");
        }
      }
      t.columns.push_back(std::move(c));
    }
    for (size_t i = 0; i < s.clustering_order.size(); ++i) {
      const auto& o = s.clustering_order[i];
      auto key = key_positions.find(o.column);
      if (key == key_positions.end() || key->second.first != ColumnKind::kClustering) {
        return InvalidRequest(fmt::format(
            "Only clustering key columns can be defined in CLUSTERING ORDER directive: {} is not "
            "a clustering column",
            o.column));
      }
      if (key->second.second != static_cast<int>(i)) {
        return InvalidRequest(
            "The order of columns in the CLUSTERING ORDER directive must match that of the "
            "clustering columns");
      }
      for (auto& c : t.columns) {
        if (c.name == o.column) c.order = o.descending ? types::SortOrder::kDesc : types::SortOrder::kAsc;
      }
    }
    RETURN_IF_ERROR(ApplyTableProperties(s.properties, t));
    RETURN_IF_ERROR(CheckCounterTable(t));  // issue 12: no mixing, no default TTL
    t.Finish();
    Status st = context.schema.CreateTable(t);
    if (st.code() == ErrorCode::kAlreadyExists && s.if_not_exists == parser::IfNotExists::kYes) {
      return protocol::ResultMessage(protocol::VoidResult{});
    }
    if (st.code() == ErrorCode::kNotFound) {
      return InvalidRequest(fmt::format("Keyspace {} does not exist", keyspace));
    }
    RETURN_IF_ERROR(st);
    return Announce(context, Change("CREATED", "TABLE", keyspace, t.name));
  }

  Result<protocol::ResultMessage> Run(const parser::AlterTableStatement& s, QueryContext& context,
                                      const ExecutionParams& params) const {
    auto snapshot = context.schema.snapshot();
    ASSIGN_OR_RETURN(auto existing, ResolveTable(*snapshot, s.table, params.session));
    if (existing->is_virtual) return NotModifiable(existing->keyspace);
    TableMetadata t = *existing;
    using Kind = parser::AlterTableStatement::Kind;
    switch (s.kind) {
      case Kind::kAdd:
        for (const auto& def : s.added) {
          if (t.FindColumn(def.name) != nullptr) {
            return InvalidRequest(fmt::format(
                "Invalid column name {} because it conflicts with an existing column", def.name));
          }
          ColumnMetadata c;
          c.name = def.name;
          const KeyspaceMetadata* table_ks = snapshot->FindKeyspace(t.keyspace);
          if (table_ks == nullptr) {
            return InvalidRequest(fmt::format("Keyspace {} does not exist", t.keyspace));
          }
          ASSIGN_OR_RETURN(c.type, ColumnType(def.type, def.name, *table_ks));
          RETURN_IF_ERROR(CheckReAddedColumn(t, def.name, c.type));
          RETURN_IF_ERROR(CheckAddedColumn(t, c));  // issue 12: counters only with counters
          c.kind = def.is_static ? ColumnKind::kStatic : ColumnKind::kRegular;
          if (def.is_static && t.clustering.empty()) {
            return InvalidRequest(fmt::format(
                "Static columns are not allowed in COMPACT STORAGE tables or tables without "
                "clustering columns"));
          }
          t.columns.push_back(std::move(c));
        }
        break;
      case Kind::kDrop:
        for (const auto& name : s.dropped) {
          const ColumnMetadata* c = t.FindColumn(name);
          if (c == nullptr) {
            return InvalidRequest(fmt::format("Column {} was not found in table {}", name, t.name));
          }
          if (c->is_primary_key()) return InvalidRequest("Cannot drop PRIMARY KEY part " + name);
          t.dropped_columns[name] = schema::DroppedColumn{c->type.ToCql(), NextWriteTimestamp()};
          t.columns.erase(t.columns.begin() + (c - t.columns.data()));
        }
        break;
      case Kind::kRename:
        for (const auto& [from, to] : s.renames) {
          ColumnMetadata* c = nullptr;
          for (auto& col : t.columns) {
            if (col.name == from) c = &col;
          }
          if (c == nullptr) {
            return InvalidRequest(fmt::format("Column {} was not found in table {}", from, t.name));
          }
          if (!c->is_primary_key()) {
            return InvalidRequest(fmt::format("Cannot rename non PRIMARY KEY column {}", from));
          }
          if (t.FindColumn(to) != nullptr) {
            return InvalidRequest(fmt::format(
                "Cannot rename column {} to {} in table '{}'; another column with that name "
                "already exists",
                from, to, t.name));
          }
          c->name = to;
        }
        break;
      case Kind::kWith:
        RETURN_IF_ERROR(ApplyTableProperties(s.properties, t));
        RETURN_IF_ERROR(CheckAlteredCounterTable(t));  // issue 12
        break;
      case Kind::kAlterType:
        return InvalidRequest("Altering column types is no longer supported");
      case Kind::kAddTags:
      case Kind::kDropTags: {
        ASSIGN_OR_RETURN(auto tags, TermToTextMap(s.tags, "tags"));
        for (auto& [k, v] : tags) {
          if (s.kind == Kind::kAddTags) {
            t.tags[k] = v;
          } else {
            t.tags.erase(k);
          }
        }
        break;
      }
    }
    t.Finish();
    RETURN_IF_ERROR(context.schema.AlterTable(t));
    return Announce(context, Change("UPDATED", "TABLE", t.keyspace, t.name));
  }

  Result<protocol::ResultMessage> Run(const parser::DropTableStatement& s, QueryContext& context,
                                      const ExecutionParams& params) const {
    std::string keyspace = ResolveKeyspace(s.table.keyspace, params.session);
    if (keyspace.empty()) return NoKeyspace();
    auto snapshot = context.schema.snapshot();
    const KeyspaceMetadata* ks = snapshot->FindKeyspace(keyspace);
    if (ks != nullptr && ks->is_system) return NotModifiable(keyspace);
    Status st = ks ? context.schema.DropTable(keyspace, s.table.name) : NotFound(keyspace);
    if (st.code() == ErrorCode::kNotFound) {
      if (s.if_exists == parser::IfExists::kYes) return protocol::ResultMessage(protocol::VoidResult{});
      if (ks == nullptr) return InvalidRequest(fmt::format("Keyspace {} does not exist", keyspace));
      return InvalidRequest(fmt::format("Table '{}.{}' doesn't exist", keyspace, s.table.name));
    }
    RETURN_IF_ERROR(st);
    return Announce(context, Change("DROPPED", "TABLE", keyspace, s.table.name));
  }

  Result<protocol::ResultMessage> Run(const parser::TruncateStatement& s, QueryContext& context,
                                      const ExecutionParams& params) const {
    auto snapshot = context.schema.snapshot();
    ASSIGN_OR_RETURN(auto table, ResolveTable(*snapshot, s.table, params.session));
    if (table->is_virtual) return NotModifiable(table->keyspace);
    RETURN_IF_ERROR(context.schema.TruncateTable(table->id));  // issue 15: every node knows
    return protocol::ResultMessage(protocol::VoidResult{});
  }

  std::shared_ptr<const parser::Statement> ast_;
};

}  // namespace

Result<std::shared_ptr<const CqlStatement>> PrepareSchemaStatement(
    const parser::Statement& statement, const Session&, QueryContext&) {
  return std::shared_ptr<const CqlStatement>(
      std::make_shared<SchemaStatement>(std::make_shared<parser::Statement>(statement)));
}

}  // namespace sibyl::query
