// Lightweight transactions (issue 12): Cassandra 4.1's ModificationStatement.executeWithCondition
// / BatchStatement.executeWithConditions and CQL3CasRequest, on Engine::CompareAndApply instead
// of Paxos. The partition is held for the read, the conditions and the write, so concurrent
// conditional writes of a partition are linearizable (docs/dev/lwt.md).
#include "query/lwt.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/clock.h"
#include "cql/types/key_encoding.h"
#include "query/clustering_bytes.h"
#include "query/lwt_conditions.h"
#include "query/mutation_size.h"
#include "query/request_deadline.h"
#include "query/select_order.h"
#include "query/where_clause.h"
#include "schema/schema_store.h"
#include "storage/row_codec.h"

namespace sibyl::query {

using protocol::Consistency;
using schema::ColumnKind;
using schema::ColumnMetadata;
using schema::TableMetadata;

namespace {

const char* ConsistencyText(Consistency c) {
  switch (c) {
    case Consistency::kAny: return "ANY";
    case Consistency::kOne: return "ONE";
    case Consistency::kTwo: return "TWO";
    case Consistency::kThree: return "THREE";
    case Consistency::kQuorum: return "QUORUM";
    case Consistency::kAll: return "ALL";
    case Consistency::kLocalQuorum: return "LOCAL_QUORUM";
    case Consistency::kEachQuorum: return "EACH_QUORUM";
    case Consistency::kSerial: return "SERIAL";
    case Consistency::kLocalSerial: return "LOCAL_SERIAL";
    case Consistency::kLocalOne: return "LOCAL_ONE";
  }
  return "UNKNOWN";
}

bool IsSerial(Consistency c) { return c == Consistency::kSerial || c == Consistency::kLocalSerial; }

// ConsistencyLevel.validateForCas (the serial consistency) and validateForCasCommit (the
// consistency the write is committed at).
Status CheckCasConsistency(const ExecutionParams& params) {
  if (params.serial_consistency && !IsSerial(*params.serial_consistency)) {
    return InvalidRequest(
        "Invalid consistency for conditional update. Must be one of SERIAL or LOCAL_SERIAL");
  }
  if (IsSerial(params.consistency)) {
    return InvalidRequest(fmt::format(
        "{} is not supported as conditional update commit consistency. Use ANY if you mean "
        "\"make sure it is accepted but I don't care how many replicas commit it for "
        "non-SERIAL reads\"",
        ConsistencyText(params.consistency)));
  }
  return Status::OK();
}

// What a statement's conditions are checked on (CQL3CasRequest: a row's clustering, the static
// row for statements on static columns only, or the partition for a partition deletion).
struct CasTarget {
  enum class Kind : uint8_t { kRow, kStatic, kPartition };
  Kind kind = Kind::kRow;
  std::string clustering;  // kRow
};

struct PlannedEntry {
  const CasEntry* entry = nullptr;
  CasTarget target;
};

const char* Noun(const ModificationStatement& s) {
  return s.conditions && s.conditions->deletion ? "deletions" : "updates";
}

// The target of one statement, from the mutation it writes (built once before the partition is
// held, to know the partition; built again under it with the real timestamp).
Result<CasTarget> TargetOf(const ModificationStatement& statement, const ExecutionParams& params,
                           const storage::PartitionMutation& m) {
  CasTarget t;
  const LwtConditions* conditions = statement.conditions.get();
  if (!m.rows.empty()) {
    for (const auto& row : m.rows) {
      if (row.clustering != m.rows[0].clustering) {
        return InvalidRequest(fmt::format(
            "IN on the clustering key columns is not supported with conditional {}",
            Noun(statement)));
      }
    }
    t.clustering = m.rows[0].clustering;
    return t;
  }
  if (!m.range_tombstones.empty() || m.partition_deletion.timestamp != storage::kNoTimestamp) {
    // DeleteStatement.prepareInternal: without the full primary key only conditions on static
    // columns (or IF EXISTS) can be checked.
    if (conditions != nullptr && conditions->OnRegularColumns()) {
      return InvalidRequest(
          "DELETE statements must restrict all PRIMARY KEY columns with equality relations in "
          "order to use IF conditions on non static columns");
    }
    if (!m.range_tombstones.empty() && conditions != nullptr &&
        (conditions->if_exists || conditions->if_not_exists)) {
      return InvalidRequest(
          "DELETE statements must restrict all PRIMARY KEY columns with equality relations in "
          "order to use IF condition");
    }
    t.kind = CasTarget::Kind::kPartition;
    return t;
  }
  if (m.static_row) {
    t.kind = CasTarget::Kind::kStatic;
    return t;
  }
  // Nothing to write (every SET value unset): the row the WHERE clause names, as Cassandra 4.1
  // (ModificationStatement.makeCasRequest takes the clustering from the restrictions, not from
  // the update); the static row for a statement on static columns without clustering
  // restrictions (createClustering: STATIC_CLUSTERING).
  if (statement.table->clustering.empty()) return t;
  const WhereClause* where = conditions != nullptr ? conditions->where : nullptr;
  if (where != nullptr && where->HasClusteringRestrictions() &&
      where->ClusteringFullyEq(*statement.table)) {
    ASSIGN_OR_RETURN(auto keys, EvaluateClusteringKeys(*where, *statement.table, params.values));
    if (keys.size() == 1) {
      t.clustering = std::move(keys[0]);
      return t;
    }
  }
  if (where != nullptr && !where->HasClusteringRestrictions()) {
    t.kind = CasTarget::Kind::kStatic;
    return t;
  }
  t.kind = CasTarget::Kind::kPartition;
  return t;
}

const storage::Row* FindRow(const storage::ResolvedPartition& p, const std::string& clustering) {
  for (const auto& row : p.rows) {
    if (row.clustering == clustering) return &row;
  }
  return nullptr;
}

// Merges the mutations of one partition (a batch's statements) into one.
void MergeInto(storage::PartitionMutation& into, storage::PartitionMutation&& m) {
  if (m.partition_deletion.timestamp != storage::kNoTimestamp &&
      (into.partition_deletion.timestamp == storage::kNoTimestamp ||
       m.partition_deletion.timestamp > into.partition_deletion.timestamp)) {
    into.partition_deletion = m.partition_deletion;
  }
  for (auto& rt : m.range_tombstones) into.range_tombstones.push_back(std::move(rt));
  if (m.static_row) {
    if (into.static_row) {
      storage::MergeRow(*into.static_row, *m.static_row);
    } else {
      into.static_row = std::move(m.static_row);
    }
  }
  for (auto& row : m.rows) {
    auto it = std::find_if(into.rows.begin(), into.rows.end(),
                           [&](const storage::Row& r) { return r.clustering == row.clustering; });
    if (it != into.rows.end()) {
      storage::MergeRow(*it, row);
    } else {
      into.rows.push_back(std::move(row));
    }
  }
}

// The failure rows (ModificationStatement.buildCasFailureResultSet): `columns` of each row read
// (the static row alone when no row was read but it exists).
Result<std::vector<std::vector<types::Value>>> FailureRows(
    const TableMetadata& table, const std::vector<const ColumnMetadata*>& columns,
    const storage::ResolvedPartition& current, const std::vector<PlannedEntry>& planned) {
  ASSIGN_OR_RETURN(auto pk, types::SplitPartitionKey(current.partition_key,
                                                     table.partition_key.size()));
  const storage::Row* static_row = current.static_row ? &*current.static_row : nullptr;
  std::vector<const storage::Row*> rows;
  for (const auto& row : current.rows) {
    bool wanted = false;
    for (const auto& p : planned) {
      // Only rows some condition is on (CQL3CasRequest reads those alone).
      if (!p.entry->statement->conditions) continue;
      wanted |= p.target.kind == CasTarget::Kind::kPartition ||
                (p.target.kind == CasTarget::Kind::kRow && p.target.clustering == row.clustering);
    }
    if (wanted) rows.push_back(&row);
  }
  if (rows.empty() && static_row != nullptr) rows.push_back(nullptr);
  std::vector<std::vector<types::Value>> out;
  for (const storage::Row* row : rows) {
    std::vector<std::string> ck;
    if (row != nullptr && !table.clustering.empty()) {
      ASSIGN_OR_RETURN(ck, RowClusteringValues(table, *row));
    }
    std::vector<types::Value> values;
    values.push_back(types::SerializeBoolean(false));
    for (const ColumnMetadata* c : columns) {
      switch (c->kind) {
        case ColumnKind::kPartitionKey:
          values.emplace_back(pk[c->position]);
          break;
        case ColumnKind::kClustering:
          values.push_back(static_cast<size_t>(c->position) < ck.size()
                               ? types::Value(ck[c->position])
                               : types::Value());
          break;
        case ColumnKind::kStatic:
          values.push_back(CurrentColumnValue(*c, static_row));
          break;
        default:
          values.push_back(CurrentColumnValue(*c, row));
          break;
      }
    }
    out.push_back(std::move(values));
  }
  return out;
}

}  // namespace

Status CheckWriteConsistency(Consistency consistency) {
  if (IsSerial(consistency)) {
    return InvalidRequest("You must use conditional updates for serializable writes");
  }
  return Status::OK();
}

Status CheckSerialRead(Consistency consistency) {
  if (IsSerial(consistency)) {
    return InvalidRequest(
        "SERIAL/LOCAL_SERIAL consistency may only be requested for one partition at a time");
  }
  return Status::OK();
}

Status AttachConditions(ModificationStatement& statement, const parser::Conditions& raw,
                        bool has_custom_timestamp, const WhereClause* where, bool is_delete,
                        BindSpecs& specs) {
  if (!raw.any()) return Status::OK();
  // ModificationStatement.Parsed.prepare.
  if (has_custom_timestamp) {
    return InvalidRequest("Cannot provide custom timestamp for conditional updates");
  }
  for (const auto& column : statement.table->columns) {
    if (column.type.kind() == types::Kind::kCounter) {
      return InvalidRequest("Conditional updates are not supported on counter tables");
    }
  }
  ASSIGN_OR_RETURN(auto conditions, PrepareConditions(raw, *statement.table, specs));
  conditions->deletion = is_delete;
  conditions->where = where;
  if (where != nullptr) {
    for (const auto& r : where->partition) {
      conditions->partition_in |= r.kind == ColumnRestriction::Kind::kIn;
    }
    for (const auto& r : where->clustering) {
      conditions->clustering_in |= r.kind == ClusteringRestriction::Kind::kIn;
    }
  }
  statement.conditions = std::move(conditions);
  return Status::OK();
}

Result<protocol::ResultMessage> ExecuteConditional(QueryContext& context,
                                                   const ExecutionParams& params,
                                                   const std::vector<CasEntry>& entries,
                                                   bool is_batch) {
  if (entries.empty()) return InternalError("empty conditional write");
  RETURN_IF_ERROR(CheckCasConsistency(params));
  const TableMetadata& table = *entries[0].statement->table;
  const RequestContext request = WriteRequestContext(context, params, table.keyspace, "CAS");

  // The partition and the rows the conditions are on. The mutations built here only locate
  // them; they are built again under the partition with the engine's timestamp.
  std::vector<PlannedEntry> planned;
  std::string partition_key;
  int64_t token = 0;
  for (const CasEntry& entry : entries) {
    const ModificationStatement& stmt = *entry.statement;
    RETURN_IF_ERROR(request.Check());
    if (is_batch && (stmt.table->keyspace != table.keyspace || stmt.table->name != table.name)) {
      // BatchStatement.validate.
      return InvalidRequest("Batch with conditions cannot span multiple tables");
    }
    if (stmt.conditions && stmt.conditions->partition_in) {
      return InvalidRequest(fmt::format(
          "IN on the partition key is not supported with conditional {}", Noun(stmt)));
    }
    if (stmt.conditions && stmt.conditions->clustering_in) {
      return InvalidRequest(fmt::format(
          "IN on the clustering key columns is not supported with conditional {}", Noun(stmt)));
    }
    ASSIGN_OR_RETURN(auto mutations, stmt.BuildMutations(context, *entry.params, NextWriteTimestamp()));
    if (mutations.size() != 1) {
      if (is_batch) return InvalidRequest("Batch with conditions cannot span multiple partitions");
      return InvalidRequest(fmt::format(
          "IN on the partition key is not supported with conditional {}", Noun(stmt)));
    }
    const storage::PartitionMutation& m = mutations[0].mutation;
    if (planned.empty()) {
      partition_key = m.partition_key;
      token = m.token;
    } else if (m.partition_key != partition_key) {
      return InvalidRequest("Batch with conditions cannot span multiple partitions");
    }
    ASSIGN_OR_RETURN(CasTarget target, TargetOf(stmt, *entry.params, m));
    planned.push_back({&entry, std::move(target)});
  }

  // What to read: the rows named, or the partition's first row for a partition target; the
  // static row when the table has one.
  storage::SliceQuery slice;
  slice.now_seconds = NowSeconds();
  slice.want_static = table.has_static;
  slice.context = &request;
  storage::DroppedColumns dropped;
  for (const auto& [name, column] : table.dropped_columns) dropped[name] = column.dropped_time;
  if (!dropped.empty()) slice.dropped_columns = &dropped;
  bool whole_partition = false;
  std::vector<std::string> clusterings;
  for (const auto& p : planned) {
    if (p.target.kind == CasTarget::Kind::kPartition) whole_partition = true;
    if (p.target.kind == CasTarget::Kind::kRow) clusterings.push_back(p.target.clustering);
  }
  std::sort(clusterings.begin(), clusterings.end());
  clusterings.erase(std::unique(clusterings.begin(), clusterings.end()), clusterings.end());
  if (whole_partition && clusterings.empty()) {
    slice.row_limit = 1;
  } else if (!clusterings.empty() && !table.clustering.empty()) {
    for (const auto& c : clusterings) slice.ranges.push_back({{c, true}, {c, true}});
    slice.row_limit = clusterings.size();
    // A condition on the partition (a partition deletion's IF EXISTS, a static condition) next
    // to row conditions: the named rows alone cannot tell whether the partition exists, so the
    // partition's first live row is read too (CQL3CasRequest reads what every condition needs).
    slice.also_first_row = whole_partition;
  } else {
    slice.row_limit = clusterings.empty() ? 0 : 1;
  }

  bool applied = false;
  storage::ResolvedPartition seen;
  Status s = context.engine.CompareAndApply(
      table.id, partition_key, token, slice,
      [&](const storage::ResolvedPartition& current,
          int64_t timestamp) -> Result<std::optional<storage::PartitionMutation>> {
        applied = false;  // the engine may decide again after a conflict (engine.h)
        const storage::Row* static_row = current.static_row ? &*current.static_row : nullptr;
        for (const auto& p : planned) {
          const LwtConditions* conditions = p.entry->statement->conditions.get();
          if (conditions == nullptr) continue;
          const storage::Row* row = nullptr;
          bool exists = false;
          switch (p.target.kind) {
            case CasTarget::Kind::kRow:
              row = table.clustering.empty() ? (current.rows.empty() ? nullptr : &current.rows[0])
                                             : FindRow(current, p.target.clustering);
              exists = row != nullptr;
              break;
            case CasTarget::Kind::kStatic:
              exists = static_row != nullptr;
              break;
            case CasTarget::Kind::kPartition:
              exists = !current.rows.empty() || static_row != nullptr;
              break;
          }
          ASSIGN_OR_RETURN(bool holds,
                           conditions->Evaluate(p.entry->params->values, row, static_row, exists));
          if (!holds) {
            seen = current;
            return std::optional<storage::PartitionMutation>();
          }
        }
        storage::PartitionMutation merged;
        merged.partition_key = partition_key;
        merged.token = token;
        for (const auto& p : planned) {
          ASSIGN_OR_RETURN(auto mutations, p.entry->statement->BuildMutations(
                                               context, *p.entry->params, timestamp));
          for (auto& m : mutations) MergeInto(merged, std::move(m.mutation));
        }
        RETURN_IF_ERROR(CheckMutationSizes(context.schema, {{table.id, merged}},
                                           context.max_mutation_bytes));
        applied = true;
        return std::optional<storage::PartitionMutation>(std::move(merged));
      });
  if (s.code() == ErrorCode::kNotFound) {
    return InvalidRequest("unconfigured table (dropped while writing)");
  }
  RETURN_IF_ERROR(s);

  protocol::RowsResult result;
  result.metadata.columns.push_back(protocol::ColumnSpec{table.keyspace, table.name, "[applied]",
                                                         types::Type(types::Kind::kBoolean)});
  if (applied) {
    result.rows.push_back({types::SerializeBoolean(true)});
    return protocol::ResultMessage(std::move(result));
  }
  // Columns: every column when a statement has IF EXISTS / IF NOT EXISTS, else (the primary key
  // in a batch, then) the conditions' columns in IF order.
  std::vector<const ColumnMetadata*> columns;
  bool wildcard = false;
  for (const auto& p : planned) {
    const LwtConditions* c = p.entry->statement->conditions.get();
    wildcard |= c != nullptr && (c->if_exists || c->if_not_exists);
  }
  if (wildcard) {
    columns = SelectAllOrder(table);
  } else {
    if (is_batch) {
      for (size_t i = 0; i < table.partition_key.size(); ++i) {
        columns.push_back(&table.partition_key_column(i));
      }
      for (size_t i = 0; i < table.clustering.size(); ++i) {
        columns.push_back(&table.clustering_column(i));
      }
    }
    for (const auto& p : planned) {
      if (!p.entry->statement->conditions) continue;
      for (const ColumnMetadata* c : p.entry->statement->conditions->Columns()) {
        if (std::find(columns.begin(), columns.end(), c) == columns.end()) columns.push_back(c);
      }
    }
  }
  ASSIGN_OR_RETURN(auto rows, FailureRows(table, columns, seen, planned));
  if (rows.empty()) {
    // Nothing read: [applied] alone (ModificationStatement.merge with an empty right side).
    result.rows.push_back({types::SerializeBoolean(false)});
    return protocol::ResultMessage(std::move(result));
  }
  for (const ColumnMetadata* c : columns) {
    result.metadata.columns.push_back(
        protocol::ColumnSpec{table.keyspace, table.name, c->name, c->type});
  }
  result.rows = std::move(rows);
  return protocol::ResultMessage(std::move(result));
}

}  // namespace sibyl::query
