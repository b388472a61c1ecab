// INSERT, UPDATE and DELETE: preparation (Cassandra's validation rules and texts) and the
// mutations they write. Writes are blind (no read): INSERT writes a row marker, UPDATE does not;
// a null value is a cell tombstone; DELETE writes row, range or partition tombstones.
#include <fmt/format.h>

#include <map>
#include <set>

#include "common/clock.h"
#include "query/clustering_bytes.h"
#include "query/collection_operations.h"
#include "query/collection_values.h"
#include "query/lwt.h"
#include "query/complex_columns.h"
#include "query/counters.h"
#include "query/insert_json.h"
#include "query/mutation_size.h"
#include "query/request_deadline.h"
#include "query/row_source.h"
#include "query/statement.h"
#include "query/tracing.h"
#include "query/user_type_cells.h"
#include "query/where_clause.h"
#include "schema/schema_store.h"

namespace sibyl::query {

using schema::ColumnKind;
using schema::ColumnMetadata;
using schema::TableMetadata;

namespace {

constexpr int32_t kMaxTtl = 630720000;  // 20 years, Cassandra's MAX_TTL

struct PreparedUsing {
  std::optional<PreparedTerm> ttl;
  std::optional<PreparedTerm> timestamp;
};

Result<PreparedUsing> PrepareUsing(const parser::UsingClause& using_clause, BindSpecs& specs) {
  PreparedUsing out;
  if (using_clause.ttl) {
    ASSIGN_OR_RETURN(out.ttl, PrepareTerm(using_clause.ttl, types::Type(types::Kind::kInt),
                                          "[ttl]", specs));
  }
  if (using_clause.timestamp) {
    ASSIGN_OR_RETURN(out.timestamp,
                     PrepareTerm(using_clause.timestamp, types::Type(types::Kind::kBigint),
                                 "[timestamp]", specs));
  }
  return out;
}

struct WriteTime {
  int64_t timestamp = 0;
  int32_t ttl = 0;
  int64_t now_seconds = 0;
};

Result<WriteTime> EvaluateUsing(const PreparedUsing& u, const TableMetadata& table,
                                const ExecutionParams& params,
                                std::optional<int64_t> batch_timestamp, bool use_default_ttl) {
  WriteTime w;
  w.now_seconds = NowSeconds();
  if (u.timestamp) {
    bool unset = false;
    ASSIGN_OR_RETURN(types::Value v, u.timestamp->Evaluate(params.values, &unset));
    if (!unset) {
      if (!v) return InvalidRequest("Invalid null value of timestamp");
      w.timestamp = types::DeserializeBigint(*v);
    }
    if (unset) w.timestamp = NextWriteTimestamp();
  } else if (batch_timestamp) {
    w.timestamp = *batch_timestamp;
  } else if (params.default_timestamp) {
    w.timestamp = *params.default_timestamp;
  } else {
    w.timestamp = NextWriteTimestamp();
  }
  if (w.timestamp == INT64_MIN) {
    // Cassandra 4.1 UpdateParameters: Long.MIN_VALUE means "no timestamp" internally, so USING
    // TIMESTAMP (literal, bound or the batch's) may not be it (issue 10 item 14).
    return InvalidRequest(fmt::format("Out of bound timestamp, must be in [{}, {}]", INT64_MIN + 1,
                                      INT64_MAX));
  }
  if (use_default_ttl) w.ttl = table.options.default_time_to_live;
  if (u.ttl) {
    bool unset = false;
    ASSIGN_OR_RETURN(types::Value v, u.ttl->Evaluate(params.values, &unset));
    if (!unset) {
      if (!v) return InvalidRequest("Invalid null value of TTL");
      int32_t ttl = types::DeserializeInt(*v);
      if (ttl < 0) return InvalidRequest(fmt::format("A TTL must be greater or equal to 0, but was {}", ttl));
      if (ttl > kMaxTtl) {
        return InvalidRequest(fmt::format("ttl is too large. requested ({}) maximum ({})", ttl, kMaxTtl));
      }
      w.ttl = ttl;
    }
  }
  return w;
}

storage::Cell MakeCell(types::Value value, const WriteTime& w) {
  storage::Cell cell;
  cell.timestamp = w.timestamp;
  if (!value) {
    cell.tombstone = true;
    cell.local_deletion_time = w.now_seconds;
    return cell;
  }
  cell.value = std::move(*value);
  if (w.ttl > 0) {
    cell.ttl = w.ttl;
    cell.local_deletion_time = w.now_seconds + w.ttl;
  }
  return cell;
}

// The cell every new collection element copies: the statement's timestamp and TTL (issue 11).
storage::Cell ElementProto(const WriteTime& w) { return MakeCell(std::string(), w); }

// The live row (or static row, `clustering` nullopt) as it is now, for the collection operations
// that read (list index and list removal, as Cassandra's prefetch). Dropped columns and TTLs are
// applied as on any read. Null when there is none.
Result<std::optional<storage::Row>> ReadCurrentRow(QueryContext& context, const TableMetadata& table,
                                                   const std::string& partition_key, int64_t token,
                                                   const std::optional<std::string>& clustering,
                                                   int64_t now_seconds) {
  EngineRowSource source(context.engine, table);
  storage::SliceQuery slice;
  slice.now_seconds = now_seconds;
  slice.want_static = !clustering.has_value();
  slice.row_limit = clustering.has_value() ? 1 : 0;
  if (clustering && !clustering->empty()) {
    slice.ranges.push_back({{*clustering, true}, {*clustering, true}});
  }
  ASSIGN_OR_RETURN(auto partition, source.ReadPartition(partition_key, token, slice));
  if (!clustering) return std::move(partition.static_row);
  for (auto& row : partition.rows) {
    if (row.clustering == *clustering) return std::optional<storage::Row>(std::move(row));
  }
  return std::optional<storage::Row>();
}

// Applies the collection operations on static (or regular) columns to one row of a partition,
// reading it first when one of them needs it (issue 11).
Status ApplyCollectionOperations(QueryContext& context, const TableMetadata& table,
                                 const std::vector<CollectionOperation>& ops, bool is_static,
                                 const ExecutionParams& params, const WriteTime& w,
                                 const std::string& partition_key, int64_t token,
                                 const std::string& clustering, storage::Row* out) {
  std::optional<std::optional<storage::Row>> current;
  const storage::Cell proto = ElementProto(w);
  for (const auto& op : ops) {
    if ((op.column->kind == ColumnKind::kStatic) != is_static) continue;
    if (op.NeedsCurrentRow() && !current) {
      ASSIGN_OR_RETURN(auto row, ReadCurrentRow(context, table, partition_key, token,
                                                is_static ? std::nullopt
                                                          : std::optional<std::string>(clustering),
                                                w.now_seconds));
      current = std::move(row);
    }
    const storage::Row* existing = current && *current ? &**current : nullptr;
    RETURN_IF_ERROR(ApplyCollectionOperation(op, params.values, proto, w.now_seconds, existing, out));
  }
  return Status::OK();
}

bool HasOperations(const std::vector<CollectionOperation>& ops, bool is_static) {
  for (const auto& op : ops) {
    if ((op.column->kind == ColumnKind::kStatic) == is_static) return true;
  }
  return false;
}

Status CheckWritable(const TableMetadata& table) {
  if (table.is_virtual) {
    return Status(ErrorCode::kUnauthorized,
                  fmt::format("{} keyspace is not user-modifiable.", table.keyspace));
  }
  return Status::OK();
}

// ---- INSERT ---------------------------------------------------------------------------------

class InsertStatement final : public ModificationStatement {
 public:
  std::vector<std::pair<const ColumnMetadata*, PreparedTerm>> values;
  // Values of non-frozen collection columns: each replaces the collection (issue 11).
  std::vector<CollectionOperation> collection_ops;
  // Values of non-frozen UDT columns, one cell per field (issue 11, query/user_type_cells.h).
  std::vector<UserTypeOperation> udt_ops;
  PreparedUsing using_clause;
  // False for an INSERT of static columns only, without the clustering key: no row is written.
  bool writes_row = true;

  bool has_own_timestamp() const override { return using_clause.timestamp.has_value(); }

  Result<std::vector<storage::TableMutation>> BuildMutations(
      QueryContext& context, const ExecutionParams& params,
      std::optional<int64_t> batch_timestamp) const override {
    ASSIGN_OR_RETURN(WriteTime w, EvaluateUsing(using_clause, *table, params, batch_timestamp, true));
    std::vector<std::string> pk(table->partition_key.size());
    std::string clustering;
    std::vector<std::string> ck(table->clustering.size());
    storage::Row row;
    storage::Row static_row;
    bool has_static = false;
    for (const auto& [column, term] : values) {
      bool unset = false;
      ASSIGN_OR_RETURN(types::Value v, term.Evaluate(params.values, &unset));
      if (column->is_primary_key()) {
        if (unset) return InvalidRequest("Invalid unset value for column " + column->name);
        if (!v) return InvalidRequest("Invalid null value in condition for column " + column->name);
        if (column->kind == ColumnKind::kPartitionKey) {
          pk[column->position] = std::move(*v);
        } else {
          ck[column->position] = std::move(*v);
        }
        continue;
      }
      if (unset) continue;
      if (column->kind == ColumnKind::kStatic) {
        static_row.cells[column->name] = MakeCell(std::move(v), w);
        has_static = true;
      } else {
        row.cells[column->name] = MakeCell(std::move(v), w);
      }
    }
    if (!udt_ops.empty()) {  // non-frozen UDTs (issue 11)
      const storage::Cell proto = MakeCell(std::string(), w);
      RETURN_IF_ERROR(ApplyUserTypeOperations(udt_ops, true, params.values, proto, w.now_seconds,
                                              &static_row));
      RETURN_IF_ERROR(ApplyUserTypeOperations(udt_ops, false, params.values, proto, w.now_seconds,
                                              &row));
      has_static |= !static_row.cells.empty();
    }
    PartitionTarget target = MakePartitionTarget(std::move(pk));
    // On the serialized key, as Cassandra's validateKey (issue 10 items 13, 16).
    RETURN_IF_ERROR(types::ValidatePartitionKey(target.key));
    for (size_t i = 0; i < ck.size(); ++i) {
      RETURN_IF_ERROR(types::AppendClusteringComponent(
          table->clustering_column(i).type, table->clustering_column(i).order, ck[i], &clustering));
    }
    if (!collection_ops.empty()) {
      RETURN_IF_ERROR(ApplyCollectionOperations(context, *table, collection_ops, true, params, w,
                                                target.key, target.token, clustering, &static_row));
      RETURN_IF_ERROR(ApplyCollectionOperations(context, *table, collection_ops, false, params, w,
                                                target.key, target.token, clustering, &row));
      has_static |= !static_row.cells.empty();
    }
    storage::PartitionMutation m;
    m.partition_key = std::move(target.key);
    m.token = target.token;
    if (writes_row) {
      // 123.0 and 123 are one clustering value; the row keeps the bytes written (issue 10 item 8).
      RETURN_IF_ERROR(AddExactClusteringCell(*table, ck, clustering, w.timestamp, &row));
      row.clustering = std::move(clustering);
      row.marker.timestamp = w.timestamp;
      if (w.ttl > 0) {
        row.marker.ttl = w.ttl;
        row.marker.expires_at = w.now_seconds + w.ttl;
      }
      m.rows.push_back(std::move(row));
    }
    if (has_static) m.static_row = std::move(static_row);
    // Not a braced list: its elements are const, so the mutation would be copied (issue 14).
    std::vector<storage::TableMutation> mutations;
    mutations.push_back(storage::TableMutation{table->id, std::move(m)});
    return mutations;
  }
};

// The serialized clustering values an UPDATE names, by encoded key, so that each row it writes
// keeps the bytes written (issue 10 item 8). UPDATE restricts every clustering column by EQ or IN
// (single-column or tuples); the combinations are those EvaluateClusteringKeys encoded (it has
// already refused products beyond its cap, so this stays as small as the key list).
Result<std::map<std::string, std::vector<std::string>>> ClusteringComponentsByKey(
    const WhereClause& where, const TableMetadata& table,
    const std::vector<protocol::BoundValue>& values) {
  std::vector<std::vector<std::string>> combos{{}};
  for (const auto& r : where.clustering) {
    std::vector<std::vector<std::string>> tuples;
    if (r.kind == ClusteringRestriction::Kind::kSlice) return std::map<std::string, std::vector<std::string>>{};
    if (r.in_marker) {
      ASSIGN_OR_RETURN(std::string list, EvaluateRequired(*r.in_marker, values, "IN list"));
      ASSIGN_OR_RETURN(auto elements, DeserializeList(list));
      for (auto& e : elements) tuples.push_back({std::move(e)});
    } else {
      for (const auto& terms : r.tuples) {
        std::vector<std::string> tuple;
        for (const auto& t : terms) {
          bool unset = false;
          ASSIGN_OR_RETURN(types::Value v, t.Evaluate(values, &unset));
          if (unset || !v) break;  // EvaluateClusteringKeys refused or skipped it
          tuple.push_back(std::move(*v));
        }
        if (tuple.size() == terms.size()) tuples.push_back(std::move(tuple));
      }
    }
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : combos) {
      for (const auto& tuple : tuples) {
        auto c = prefix;
        c.insert(c.end(), tuple.begin(), tuple.end());
        next.push_back(std::move(c));
      }
    }
    combos = std::move(next);
  }
  std::map<std::string, std::vector<std::string>> out;
  for (auto& c : combos) {
    if (c.size() != table.clustering.size()) continue;
    std::string key;
    bool ok = true;
    for (size_t i = 0; i < c.size() && ok; ++i) {
      ok = types::AppendClusteringComponent(table.clustering_column(i).type,
                                            table.clustering_column(i).order, c[i], &key)
               .ok();
    }
    if (ok) out[std::move(key)] = std::move(c);
  }
  return out;
}

// ---- UPDATE ---------------------------------------------------------------------------------

class UpdateStatement final : public ModificationStatement {
 public:
  std::vector<std::pair<const ColumnMetadata*, PreparedTerm>> assignments;
  // Operations on non-frozen collection columns (issue 11), in statement order.
  std::vector<CollectionOperation> collection_ops;
  // v = {...} and v.f = x on non-frozen UDT columns (issue 11, query/user_type_cells.h).
  std::vector<UserTypeOperation> udt_ops;
  // c = c + x on counter columns (issue 12, query/counters.h).
  std::vector<CounterOperation> counter_ops;
  WhereClause where;
  PreparedUsing using_clause;
  bool static_only = false;

  bool has_own_timestamp() const override { return using_clause.timestamp.has_value(); }

  Result<std::vector<storage::TableMutation>> BuildMutations(
      QueryContext& context, const ExecutionParams& params,
      std::optional<int64_t> batch_timestamp) const override {
    ASSIGN_OR_RETURN(WriteTime w, EvaluateUsing(using_clause, *table, params, batch_timestamp, true));
    ASSIGN_OR_RETURN(auto partitions, EvaluatePartitions(where, *table, params.values));
    std::vector<std::string> keys;
    if (!table->clustering.empty() && where.HasClusteringRestrictions()) {
      ASSIGN_OR_RETURN(keys, EvaluateClusteringKeys(where, *table, params.values));
    } else if (table->clustering.empty()) {
      keys.push_back("");
    }
    std::map<std::string, std::vector<std::string>> exact_components;
    if (!table->clustering.empty() && !keys.empty()) {
      ASSIGN_OR_RETURN(exact_components, ClusteringComponentsByKey(where, *table, params.values));
    }
    storage::Row row;
    storage::Row static_row;
    for (const auto& [column, term] : assignments) {
      bool unset = false;
      ASSIGN_OR_RETURN(types::Value v, term.Evaluate(params.values, &unset));
      if (unset) continue;
      (column->kind == ColumnKind::kStatic ? static_row : row).cells[column->name] = MakeCell(v, w);
    }
    if (!udt_ops.empty()) {  // non-frozen UDTs: the same cells for every row (issue 11)
      const storage::Cell proto = MakeCell(std::string(), w);
      RETURN_IF_ERROR(ApplyUserTypeOperations(udt_ops, true, params.values, proto, w.now_seconds,
                                              &static_row));
      RETURN_IF_ERROR(ApplyUserTypeOperations(udt_ops, false, params.values, proto, w.now_seconds,
                                              &row));
    }
    if (!counter_ops.empty()) {  // increments: counter delta cells (issue 12)
      RETURN_IF_ERROR(ApplyCounterOperations(counter_ops, true, params.values, w.timestamp, &static_row));
      RETURN_IF_ERROR(ApplyCounterOperations(counter_ops, false, params.values, w.timestamp, &row));
    }
    const bool regular_ops = HasOperations(collection_ops, false);
    std::vector<storage::TableMutation> out;
    for (auto& p : partitions) {
      storage::PartitionMutation m;
      m.partition_key = p.key;
      m.token = p.token;
      storage::Row statics = static_row;
      RETURN_IF_ERROR(ApplyCollectionOperations(context, *table, collection_ops, true, params, w,
                                                p.key, p.token, "", &statics));
      if (!statics.cells.empty()) m.static_row = std::move(statics);
      if (!row.cells.empty() || regular_ops) {
        for (const auto& key : keys) {
          storage::Row r = row;
          r.clustering = key;
          RETURN_IF_ERROR(ApplyCollectionOperations(context, *table, collection_ops, false, params,
                                                    w, p.key, p.token, key, &r));
          if (r.cells.empty()) continue;
          auto exact = exact_components.find(key);
          if (exact != exact_components.end()) {
            RETURN_IF_ERROR(AddExactClusteringCell(*table, exact->second, key, w.timestamp, &r));
          }
          m.rows.push_back(std::move(r));
        }
      }
      out.push_back({table->id, std::move(m)});
    }
    return out;
  }
};

// ---- DELETE ---------------------------------------------------------------------------------

class DeleteStatement final : public ModificationStatement {
 public:
  std::vector<const ColumnMetadata*> columns;
  // DELETE c on a non-frozen collection, DELETE c[k] (issue 11).
  std::vector<CollectionOperation> collection_ops;
  // DELETE v.f, DELETE v on a non-frozen UDT (issue 11, query/user_type_cells.h).
  std::vector<UserTypeOperation> udt_ops;
  WhereClause where;
  PreparedUsing using_clause;

  bool has_own_timestamp() const override { return using_clause.timestamp.has_value(); }

  Result<std::vector<storage::TableMutation>> BuildMutations(
      QueryContext& context, const ExecutionParams& params,
      std::optional<int64_t> batch_timestamp) const override {
    ASSIGN_OR_RETURN(WriteTime w, EvaluateUsing(using_clause, *table, params, batch_timestamp, false));
    ASSIGN_OR_RETURN(auto partitions, EvaluatePartitions(where, *table, params.values));
    storage::Deletion deletion{w.timestamp, w.now_seconds};
    std::vector<storage::TableMutation> out;
    ClusteringRanges ranges;
    if (!table->clustering.empty()) {
      ASSIGN_OR_RETURN(ranges, EvaluateClusteringRanges(where, *table, params.values));
    }
    bool full_rows = where.ClusteringFullyEq(*table);
    for (auto& p : partitions) {
      storage::PartitionMutation m;
      m.partition_key = p.key;
      m.token = p.token;
      if (!columns.empty() || !collection_ops.empty() || !udt_ops.empty()) {
        storage::Row row;
        storage::Row static_row;
        for (const auto* c : columns) {
          storage::Cell cell;
          cell.timestamp = w.timestamp;
          cell.tombstone = true;
          cell.local_deletion_time = w.now_seconds;
          (c->kind == ColumnKind::kStatic ? static_row : row).cells[c->name] = cell;
        }
        const storage::Cell proto = MakeCell(std::string(), w);
        RETURN_IF_ERROR(ApplyUserTypeOperations(udt_ops, true, params.values, proto,
                                                w.now_seconds, &static_row));
        RETURN_IF_ERROR(ApplyUserTypeOperations(udt_ops, false, params.values, proto,
                                                w.now_seconds, &row));
        RETURN_IF_ERROR(ApplyCollectionOperations(context, *table, collection_ops, true, params, w,
                                                  p.key, p.token, "", &static_row));
        if (!static_row.cells.empty()) m.static_row = std::move(static_row);
        if (!row.cells.empty() || HasOperations(collection_ops, false)) {
          std::vector<std::string> keys;
          if (table->clustering.empty()) {
            keys.push_back("");
          } else {
            for (const auto& r : ranges.ranges) keys.push_back(r.start.prefix);
          }
          for (const auto& key : keys) {
            storage::Row copy = row;
            copy.clustering = key;
            RETURN_IF_ERROR(ApplyCollectionOperations(context, *table, collection_ops, false, params,
                                                      w, p.key, p.token, key, &copy));
            if (!copy.cells.empty()) m.rows.push_back(std::move(copy));
          }
        }
      } else if (table->clustering.empty()) {
        storage::Row row;
        row.deletion = deletion;
        m.rows.push_back(std::move(row));
      } else if (ranges.all) {
        m.partition_deletion = deletion;
      } else if (full_rows) {
        for (const auto& r : ranges.ranges) {
          storage::Row row;
          row.clustering = r.start.prefix;
          row.deletion = deletion;
          m.rows.push_back(std::move(row));
        }
      } else {
        for (const auto& r : ranges.ranges) m.range_tombstones.push_back({r, deletion});
      }
      out.push_back({table->id, std::move(m)});
    }
    return out;
  }
};

}  // namespace

Result<protocol::ResultMessage> ModificationStatement::Execute(QueryContext& context,
                                                               const ExecutionParams& params) const {
  // Conditional writes run as one compare-and-apply of their partition (issue 12).
  if (conditions) return ExecuteConditional(context, params, {CasEntry{this, &params}}, false);
  RETURN_IF_ERROR(CheckWriteConsistency(params.consistency));
  const RequestContext request =
      WriteRequestContext(context, params, table ? table->keyspace : "",
                          WriteTypeFor(table.get(), "SIMPLE"));  // COUNTER: issue 12
  ASSIGN_OR_RETURN(auto mutations, BuildMutations(context, params, std::nullopt));
  // Past the deadline nothing is written: the client gets WriteTimeout (issue 9 item 4).
  RETURN_IF_ERROR(request.Check());
  RETURN_IF_ERROR(ApplyMutations(context, mutations));
  return protocol::ResultMessage(protocol::VoidResult{});
}

Status ApplyMutations(QueryContext& context, const std::vector<storage::TableMutation>& mutations) {
  if (mutations.empty()) return Status::OK();
  // Every CQL write passes here once, whole: refuse it before anything is stored (issue 9).
  RETURN_IF_ERROR(CheckMutationSizes(context.schema, mutations, context.max_mutation_bytes));
  if (CurrentTrace() != nullptr) {
    // Tracing (issue 10 item 23): the storage write, with its counts, as Cassandra's
    // "Appending to commitlog" / "Adding to <table> memtable" events.
    size_t rows = 0;
    for (const auto& m : mutations) rows += m.mutation.rows.size() + (m.mutation.static_row ? 1 : 0);
    TraceEvent(fmt::format("Appending to commitlog: {} partition update(s), {} row(s)",
                           mutations.size(), rows));
  }
  Status s = context.engine.Apply(mutations);
  if (s.ok()) TraceEvent("Added to memtable");
  if (s.code() == ErrorCode::kNotFound) {
    // The table was dropped while the statement ran.
    return InvalidRequest("unconfigured table (dropped while writing)");
  }
  return s;
}

Result<std::shared_ptr<const CqlStatement>> PrepareInsert(const parser::InsertStatement& s,
                                                          size_t bind_count, const Session& session,
                                                          QueryContext& context) {
  auto snapshot = context.schema.snapshot();
  ASSIGN_OR_RETURN(auto table, ResolveTable(*snapshot, s.table, session));
  RETURN_IF_ERROR(CheckWritable(*table));
  RETURN_IF_ERROR(CheckCounterInsert(*table));  // issue 12
  if (s.json) return PrepareInsertJson(s, bind_count, session, context);  // issue 13
  auto stmt = std::make_shared<InsertStatement>();
  stmt->table = table;
  BindSpecs specs(bind_count);
  specs.keyspace = table->keyspace;
  specs.table = table->name;
  if (s.columns.size() != s.values.size()) {
    return InvalidRequest("Unmatched column names/values");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < s.columns.size(); ++i) {
    const ColumnMetadata* column = table->FindColumn(s.columns[i]);
    if (column == nullptr) return InvalidRequest("Undefined column name " + s.columns[i]);
    if (!seen.insert(column->name).second) {
      return InvalidRequest("Multiple definitions found for column " + column->name);
    }
    if (IsMultiCellCollection(column->type)) {
      ASSIGN_OR_RETURN(auto op, PrepareCollectionReplace(s.values[i], *column, specs));
      stmt->collection_ops.push_back(std::move(op));
      continue;
    }
    if (IsMultiCellUserType(column->type)) {  // issue 11
      ASSIGN_OR_RETURN(auto op, PrepareUserTypeReplace(s.values[i], *column, specs));
      stmt->udt_ops.push_back(std::move(op));
      continue;
    }
    ASSIGN_OR_RETURN(auto term, PrepareColumnTerm(s.values[i], *column, specs));
    stmt->values.emplace_back(column, std::move(term));
  }
  for (size_t i = 0; i < table->partition_key.size(); ++i) {
    if (!seen.count(table->partition_key_column(i).name)) {
      return InvalidRequest("Some partition key parts are missing: " +
                            table->partition_key_column(i).name);
    }
  }
  // Cassandra 4.1 UpdateStatement.ParsedInsert: an INSERT applies to the static row only when it
  // sets no clustering column and no regular column but some static one; otherwise every
  // clustering column must be given (StatementRestrictions: "Some clustering keys are missing:
  // c1, c2"), even when the INSERT sets static columns (issue 10 item 15).
  bool has_regular = false;
  bool has_static = false;
  bool has_clustering = false;
  for (const auto& [column, term] : stmt->values) {
    has_regular |= column->kind == ColumnKind::kRegular;
    has_static |= column->kind == ColumnKind::kStatic;
    has_clustering |= column->kind == ColumnKind::kClustering;
  }
  for (const auto& op : stmt->collection_ops) {
    has_regular |= op.column->kind == ColumnKind::kRegular;
    has_static |= op.column->kind == ColumnKind::kStatic;
  }
  for (const auto& op : stmt->udt_ops) {
    has_regular |= op.column->kind == ColumnKind::kRegular;
    has_static |= op.column->kind == ColumnKind::kStatic;
  }
  const bool static_only = !has_clustering && !has_regular && has_static;
  if (!table->clustering.empty()) {
    if (static_only) {
      stmt->writes_row = false;
    } else {
      std::string missing;
      for (size_t i = 0; i < table->clustering.size(); ++i) {
        const std::string& name = table->clustering_column(i).name;
        if (!seen.count(name)) missing += (missing.empty() ? "" : ", ") + name;
      }
      if (!missing.empty()) return InvalidRequest("Some clustering keys are missing: " + missing);
    }
  }
  ASSIGN_OR_RETURN(stmt->using_clause, PrepareUsing(s.using_clause, specs));
  // IF NOT EXISTS (lightweight transactions, query/lwt.h; issue 12).
  RETURN_IF_ERROR(AttachConditions(*stmt, s.conditions, s.using_clause.timestamp != nullptr,
                                   nullptr, /*is_delete=*/false, specs));
  stmt->bind_specs = specs.specs;
  stmt->partition_key_indexes = PartitionKeyBindIndexes(*table, specs);
  stmt->bind_targets = specs.targets;
  return std::shared_ptr<const CqlStatement>(std::move(stmt));
}

Result<std::shared_ptr<const CqlStatement>> PrepareUpdate(const parser::UpdateStatement& s,
                                                          size_t bind_count, const Session& session,
                                                          QueryContext& context) {
  auto snapshot = context.schema.snapshot();
  ASSIGN_OR_RETURN(auto table, ResolveTable(*snapshot, s.table, session));
  RETURN_IF_ERROR(CheckWritable(*table));
  RETURN_IF_ERROR(CheckCounterModification(*table, s.using_clause, s.conditions));  // issue 12
  auto stmt = std::make_shared<UpdateStatement>();
  stmt->table = table;
  BindSpecs specs(bind_count);
  specs.keyspace = table->keyspace;
  specs.table = table->name;
  ASSIGN_OR_RETURN(stmt->using_clause, PrepareUsing(s.using_clause, specs));
  std::set<std::string> seen;
  bool only_static = true;
  for (const auto& a : s.assignments) {
    const ColumnMetadata* column = table->FindColumn(a.column);
    if (column == nullptr) return InvalidRequest("Undefined column name " + a.column);
    if (column->is_primary_key()) {
      return InvalidRequest(fmt::format("PRIMARY KEY part {} found in SET part", column->name));
    }
    if (IsCounterAssignment(a, *column)) {  // issue 12: c = c + x (query/counters.h)
      only_static &= column->kind == ColumnKind::kStatic;
      ASSIGN_OR_RETURN(auto op, PrepareCounterAssignment(a, *column, specs));
      stmt->counter_ops.push_back(std::move(op));
      continue;
    }
    // Non-frozen UDTs: v.f = x, and v = {...} (issue 11, query/user_type_cells.h).
    if (a.kind == parser::Assignment::Kind::kSetField ||
        (a.kind == parser::Assignment::Kind::kSet && IsMultiCellUserType(column->type))) {
      if (a.kind == parser::Assignment::Kind::kSet && !seen.insert(column->name).second) {
        return InvalidRequest("Multiple definitions found for column " + column->name);
      }
      only_static &= column->kind == ColumnKind::kStatic;
      ASSIGN_OR_RETURN(auto op, a.kind == parser::Assignment::Kind::kSetField
                                    ? PrepareUserTypeFieldAssignment(a, *column, specs)
                                    : PrepareUserTypeReplace(a.value, *column, specs));
      stmt->udt_ops.push_back(std::move(op));
      continue;
    }
    if (IsCollectionAssignment(a, *column)) {
      // Several element operations on one collection are fine (m[a] = 1, m[b] = 2).
      if (a.kind == parser::Assignment::Kind::kSet && !seen.insert(column->name).second) {
        return InvalidRequest("Multiple definitions found for column " + column->name);
      }
      only_static &= column->kind == ColumnKind::kStatic;
      ASSIGN_OR_RETURN(auto op, PrepareCollectionAssignment(a, *column, specs));
      stmt->collection_ops.push_back(std::move(op));
      continue;
    }
    if (a.kind != parser::Assignment::Kind::kSet) {
      return Unsupported("counter and field operations in UPDATE");
    }
    if (!seen.insert(column->name).second) {
      return InvalidRequest("Multiple definitions found for column " + column->name);
    }
    only_static &= column->kind == ColumnKind::kStatic;
    ASSIGN_OR_RETURN(auto term, PrepareTerm(a.value, column->type, column->name, specs));
    stmt->assignments.emplace_back(column, std::move(term));
  }
  ASSIGN_OR_RETURN(stmt->where, AnalyzeWhere(*table, s.where, StatementKind::kUpdate, false, specs));
  if (!table->clustering.empty()) {
    // Cassandra 4.1 StatementRestrictions: an UPDATE of static columns only may not restrict the
    // clustering key; otherwise no slices and every clustering column restricted.
    if (only_static && stmt->where.HasClusteringRestrictions()) {
      return InvalidRequest(
          "Invalid restrictions on clustering columns since the UPDATE statement modifies only "
          "static columns");
    }
    if (stmt->where.HasClusteringSlice()) {
      return InvalidRequest(
          "Slice restrictions are not supported on the clustering columns in UPDATE statements");
    }
    if (only_static) {
      stmt->static_only = true;
    } else if (!stmt->where.unrestricted_clustering.empty()) {
      std::string missing;
      for (const auto& name : stmt->where.unrestricted_clustering) {
        missing += (missing.empty() ? "" : ", ") + name;
      }
      return InvalidRequest("Some clustering keys are missing: " + missing);
    }
  }
  // IF ... (lightweight transactions, query/lwt.h; issue 12).
  RETURN_IF_ERROR(AttachConditions(*stmt, s.conditions, s.using_clause.timestamp != nullptr,
                                   &stmt->where, /*is_delete=*/false, specs));
  stmt->bind_specs = specs.specs;
  stmt->partition_key_indexes = PartitionKeyBindIndexes(*table, specs);
  stmt->bind_targets = specs.targets;
  return std::shared_ptr<const CqlStatement>(std::move(stmt));
}

Result<std::shared_ptr<const CqlStatement>> PrepareDelete(const parser::DeleteStatement& s,
                                                          size_t bind_count, const Session& session,
                                                          QueryContext& context) {
  auto snapshot = context.schema.snapshot();
  ASSIGN_OR_RETURN(auto table, ResolveTable(*snapshot, s.table, session));
  RETURN_IF_ERROR(CheckWritable(*table));
  RETURN_IF_ERROR(CheckCounterModification(*table, s.using_clause, s.conditions));  // issue 12
  if (s.using_clause.ttl) return InvalidRequest("Cannot provide custom TTL for DELETE statements");
  auto stmt = std::make_shared<DeleteStatement>();
  stmt->table = table;
  BindSpecs specs(bind_count);
  specs.keyspace = table->keyspace;
  specs.table = table->name;
  bool only_static = !s.columns.empty();
  for (const auto& target : s.columns) {
    const ColumnMetadata* column = table->FindColumn(target.column);
    if (column == nullptr) return InvalidRequest("Undefined column name " + target.column);
    if (column->is_primary_key()) {
      return InvalidRequest(fmt::format(
          "Invalid identifier {} for deletion (should not be a PRIMARY KEY part)", column->name));
    }
    if (!target.field.empty() || (!target.key && IsMultiCellUserType(column->type))) {
      // DELETE v.f, DELETE v of a non-frozen UDT (issue 11, query/user_type_cells.h).
      only_static &= column->kind == ColumnKind::kStatic;
      ASSIGN_OR_RETURN(auto op, PrepareUserTypeDeletion(target, *column));
      stmt->udt_ops.push_back(std::move(op));
      continue;
    }
    only_static &= column->kind == ColumnKind::kStatic;
    if (target.key || IsMultiCellCollection(column->type)) {
      ASSIGN_OR_RETURN(auto op, PrepareCollectionDeletion(target, *column, specs));
      stmt->collection_ops.push_back(std::move(op));
      continue;
    }
    stmt->columns.push_back(column);
  }
  ASSIGN_OR_RETURN(stmt->using_clause, PrepareUsing(s.using_clause, specs));
  ASSIGN_OR_RETURN(stmt->where, AnalyzeWhere(*table, s.where, StatementKind::kDelete, false, specs));
  if (only_static && stmt->where.HasClusteringRestrictions()) {
    // Cassandra 4.1 StatementRestrictions (static columns only, clustering restricted).
    return InvalidRequest(
        "Invalid restrictions on clustering columns since the DELETE statement modifies only "
        "static columns");
  }
  if (!s.columns.empty() && !table->clustering.empty() && !only_static &&
      !stmt->where.ClusteringFullyEq(*table)) {
    return InvalidRequest(
        "Range deletions are not supported for specific columns");
  }
  // IF ... (lightweight transactions, query/lwt.h; issue 12).
  RETURN_IF_ERROR(AttachConditions(*stmt, s.conditions, s.using_clause.timestamp != nullptr,
                                   &stmt->where, /*is_delete=*/true, specs));
  stmt->bind_specs = specs.specs;
  stmt->partition_key_indexes = PartitionKeyBindIndexes(*table, specs);
  stmt->bind_targets = specs.targets;
  return std::shared_ptr<const CqlStatement>(std::move(stmt));
}

}  // namespace sibyl::query
