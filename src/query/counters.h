#pragma once
// Counter tables and counter writes (issue 12; docs/dev/counters.md): Cassandra 4.1's schema
// rules (CreateTableStatement, AlterTableStatement), its refusals for counter statements
// (ModificationStatement.validate, UpdateStatement.ParsedInsert, Operation.SetValue) and for
// batches (BatchStatement.validate), and the increments UPDATE writes. An increment is a counter
// delta cell (storage/partition.h Cell::counter), a blind write that storage reconciles by adding.

#include <string>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "query/term.h"
#include "schema/metadata.h"
#include "storage/partition.h"

namespace sibyl::query {

// A table is a counter table when its regular and static columns are counters.
bool IsCounterTable(const schema::TableMetadata& table);

// CREATE TABLE: "Cannot mix counter and non counter columns in the same table", and no
// default_time_to_live on a counter table. `table` has its columns and options set.
Status CheckCounterTable(const schema::TableMetadata& table);
// ALTER TABLE ADD: a counter column only in a counter table and the reverse (ConfigError).
Status CheckAddedColumn(const schema::TableMetadata& table, const schema::ColumnMetadata& column);
// ALTER TABLE WITH: no default_time_to_live on a counter table.
Status CheckAlteredCounterTable(const schema::TableMetadata& table);

// UPDATE/DELETE on a counter table: no conditions, no USING TIMESTAMP, no USING TTL.
Status CheckCounterModification(const schema::TableMetadata& table,
                                const parser::UsingClause& using_clause,
                                const parser::Conditions& conditions);
// INSERT on a counter table is refused.
Status CheckCounterInsert(const schema::TableMetadata& table);

// `c = c + x`, `c = c - x` (and `c += x`, `c -= x`) on a counter column.
struct CounterOperation {
  const schema::ColumnMetadata* column = nullptr;
  PreparedTerm delta;
  bool negate = false;
};

// Whether the assignment is one PrepareCounterAssignment handles: c = x, c = c + x, c = c - x
// on a counter column (the other forms keep their generic errors).
bool IsCounterAssignment(const parser::Assignment& a, const schema::ColumnMetadata& column);
// Cassandra's refusal of `c = x` ("Cannot set the value of counter column c ...") or the
// prepared increment.
Result<CounterOperation> PrepareCounterAssignment(const parser::Assignment& a,
                                                  const schema::ColumnMetadata& column,
                                                  BindSpecs& specs);

// Adds the increments of `ops` on static (or regular) columns to `row` as counter delta cells at
// `timestamp`. An UNSET value is no increment; null is refused (Constants.Adder/Substracter).
// Several increments of one column in a statement add up.
Status ApplyCounterOperations(const std::vector<CounterOperation>& ops, bool is_static,
                              const std::vector<protocol::BoundValue>& values, int64_t timestamp,
                              storage::Row* row);

// BATCH (BatchStatement.validate): the batch type against the tables of its statements.
enum class BatchKind : uint8_t { kLogged, kUnlogged, kCounter };
Status CheckBatchCounters(BatchKind kind, bool batch_timestamp_set,
                          const std::vector<const schema::TableMetadata*>& tables);

// The write_type of a WriteTimeout for a write to `table`: COUNTER on a counter table
// (Cassandra's WriteType.COUNTER), else `otherwise`.
const char* WriteTypeFor(const schema::TableMetadata* table, const char* otherwise);

}  // namespace sibyl::query
