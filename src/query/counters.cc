// Counter tables and counter writes; texts are Cassandra 4.1's (cited per function).
#include "query/counters.h"

#include <fmt/format.h>

#include "cql/types/value.h"

namespace sibyl::query {

using schema::ColumnKind;
using schema::ColumnMetadata;
using schema::TableMetadata;

bool IsCounterTable(const TableMetadata& table) {
  for (const auto& c : table.columns) {
    if (!c.is_primary_key() && c.type.kind() == types::Kind::kCounter) return true;
  }
  return false;
}

// CreateTableStatement.builder: a table with a counter has only counters outside its key;
// "counter type is not supported for PRIMARY KEY column" is types::CheckKeyType's.
Status CheckCounterTable(const TableMetadata& table) {
  if (!IsCounterTable(table)) return Status::OK();
  for (const auto& c : table.columns) {
    if (!c.is_primary_key() && c.type.kind() != types::Kind::kCounter) {
      return InvalidRequest("Cannot mix counter and non counter columns in the same table");
    }
  }
  return CheckAlteredCounterTable(table);
}

// AlterTableStatement.AddColumns (4.1).
Status CheckAddedColumn(const TableMetadata& table, const ColumnMetadata& column) {
  const bool counter_table = IsCounterTable(table);
  const bool counter_column = column.type.kind() == types::Kind::kCounter;
  if (counter_table && !counter_column) {
    return ConfigError(
        fmt::format("Cannot have a non counter column (\"{}\") in a counter table", column.name));
  }
  if (!counter_table && counter_column) {
    return ConfigError(
        fmt::format("Cannot have a counter column (\"{}\") in a non counter table", column.name));
  }
  return Status::OK();
}

// CreateTableStatement / AlterTableStatement.AlterOptions.
Status CheckAlteredCounterTable(const TableMetadata& table) {
  if (IsCounterTable(table) && table.options.default_time_to_live > 0) {
    return InvalidRequest("Cannot set default_time_to_live on a table with counters");
  }
  return Status::OK();
}

// ModificationStatement's constructor, then ModificationStatement.validate.
Status CheckCounterModification(const TableMetadata& table, const parser::UsingClause& using_clause,
                                const parser::Conditions& conditions) {
  if (!IsCounterTable(table)) return Status::OK();
  if (conditions.any()) return InvalidRequest("Conditional updates are not supported on counter tables");
  if (using_clause.timestamp) return InvalidRequest("Cannot provide custom timestamp for counter updates");
  if (using_clause.ttl) return InvalidRequest("Cannot provide custom TTL for counter updates");
  return Status::OK();
}

// UpdateStatement.ParsedInsert.prepareInternal (INSERT and INSERT JSON alike).
Status CheckCounterInsert(const TableMetadata& table) {
  if (!IsCounterTable(table)) return Status::OK();
  return InvalidRequest("INSERT statements are not allowed on counter tables, use UPDATE instead");
}

bool IsCounterAssignment(const parser::Assignment& a, const ColumnMetadata& column) {
  if (column.type.kind() != types::Kind::kCounter) return false;
  using Kind = parser::Assignment::Kind;
  return a.kind == Kind::kSet || a.kind == Kind::kAdd || a.kind == Kind::kSubtract;
}

// Operation.SetValue.prepare refuses setting a counter; Operation.Addition/Substraction.prepare
// give a Constants.Adder/Substracter, whose value is prepared for the counter receiver.
Result<CounterOperation> PrepareCounterAssignment(const parser::Assignment& a,
                                                  const ColumnMetadata& column, BindSpecs& specs) {
  if (a.kind == parser::Assignment::Kind::kSet) {
    return InvalidRequest(fmt::format(
        "Cannot set the value of counter column {} (counters can only be incremented/decremented, "
        "not set)",
        column.name));
  }
  CounterOperation op;
  op.column = &column;
  op.negate = a.kind == parser::Assignment::Kind::kSubtract;
  ASSIGN_OR_RETURN(op.delta, PrepareTerm(a.value, column.type, column.name, specs));
  return op;
}

Status ApplyCounterOperations(const std::vector<CounterOperation>& ops, bool is_static,
                              const std::vector<protocol::BoundValue>& values, int64_t timestamp,
                              storage::Row* row) {
  for (const auto& op : ops) {
    if ((op.column->kind == ColumnKind::kStatic) != is_static) continue;
    bool unset = false;
    ASSIGN_OR_RETURN(types::Value v, op.delta.Evaluate(values, &unset));
    if (unset) continue;  // Constants.Adder: an unset increment changes nothing
    if (!v) return InvalidRequest("Invalid null value for counter increment");
    if (v->size() != 8) return InvalidRequest("Invalid empty value for counter increment");
    int64_t delta = types::DeserializeBigint(*v);
    if (op.negate) {
      if (delta == INT64_MIN) {
        return InvalidRequest(fmt::format(
            "The negation of {} overflows supported counter precision (signed 8 bytes integer)",
            delta));
      }
      delta = -delta;
    }
    storage::Cell& cell = row->cells[op.column->name];
    if (cell.counter) {
      // c = c + 1, c = c + 2 in one statement: both count (Addition.isCompatibleWith).
      delta = static_cast<int64_t>(static_cast<uint64_t>(delta) +
                                   static_cast<uint64_t>(types::DeserializeBigint(cell.value)));
    }
    cell = storage::Cell{};
    cell.timestamp = timestamp;
    cell.counter = true;
    cell.value = types::SerializeBigint(delta);
  }
  return Status::OK();
}

// BatchStatement.validate (4.1), in its order.
Status CheckBatchCounters(BatchKind kind, bool batch_timestamp_set,
                          const std::vector<const TableMetadata*>& tables) {
  if (batch_timestamp_set && kind == BatchKind::kCounter) {
    return InvalidRequest("Cannot provide custom timestamp for counter BATCH");
  }
  bool has_counters = false;
  bool has_non_counters = false;
  for (const auto* t : tables) {
    (t != nullptr && IsCounterTable(*t) ? has_counters : has_non_counters) = true;
  }
  if (batch_timestamp_set && has_counters) {
    return InvalidRequest("Cannot provide custom timestamp for a BATCH containing counters");
  }
  if (kind == BatchKind::kCounter && has_non_counters) {
    return InvalidRequest("Cannot include non-counter statement in a counter batch");
  }
  if (has_counters && has_non_counters) {
    return InvalidRequest("Counter and non-counter mutations cannot exist in the same batch");
  }
  if (kind == BatchKind::kLogged && has_counters) {
    return InvalidRequest("Cannot include a counter statement in a logged batch");
  }
  return Status::OK();
}

const char* WriteTypeFor(const TableMetadata* table, const char* otherwise) {
  return table != nullptr && IsCounterTable(*table) ? "COUNTER" : otherwise;
}

}  // namespace sibyl::query
