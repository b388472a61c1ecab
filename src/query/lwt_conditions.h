#pragma once
// The IF clause of a lightweight transaction (issue 12), prepared and evaluated: IF EXISTS,
// IF NOT EXISTS, and column conditions `c op v`, `c IN (...)`, `l[i] op v`, `m[k] op v`,
// `u.f op v` with op one of = != < <= > >= (Cassandra 4.1's ColumnCondition; CONTAINS in
// conditions is Cassandra 5.0 and a syntax error here as in 4.1).
//
// Evaluation follows ColumnCondition.Bound.compareWithOperator: a null condition value only
// compares with = (the column is null) and != (it is not), other operators on null are
// refused; a null current value satisfies only != v. A non-frozen collection is null when it
// has no element, so `IF l = []` holds for an empty list. A list index out of range and an
// absent map key or UDT field read as null.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "cql/protocol/messages.h"
#include "query/term.h"
#include "schema/metadata.h"
#include "storage/partition.h"

#include "query/namespaces.h"

namespace sibyl::query {

// One column condition.
struct ColumnCondition {
  enum class Target : uint8_t { kColumn, kListElement, kMapElement, kField };
  const schema::ColumnMetadata* column = nullptr;
  Target target = Target::kColumn;
  std::optional<PreparedTerm> element;  // kListElement: the index; kMapElement: the key
  size_t field = 0;                     // kField: the field's position
  types::Type compared;                 // the type the values compare as
  parser::Operator op = parser::Operator::kEq;
  std::optional<PreparedTerm> value;    // every operator but IN, and `IN ?` (a list)
  std::vector<PreparedTerm> in_values;  // IN (a, b, ...)
  bool in_marker = false;
};

struct WhereClause;  // query/where_clause.h

struct LwtConditions {
  bool if_exists = false;
  bool if_not_exists = false;
  std::vector<ColumnCondition> columns;
  // Set from the WHERE clause at prepare: Cassandra refuses these when the statement runs.
  bool partition_in = false;
  bool clustering_in = false;
  // A DELETE: Cassandra's texts say "deletions" where an UPDATE's say "updates".
  bool deletion = false;
  // The WHERE clause of the UPDATE/DELETE these conditions belong to (owned by the statement,
  // null for INSERT): names the row the conditions are on when the statement writes nothing
  // there (every SET value unset), as Cassandra takes it from the restrictions.
  const WhereClause* where = nullptr;

  bool OnStaticColumns() const;
  bool OnRegularColumns() const;
  // The columns the conditions name, each once, in IF order (Cassandra's columnsWithConditions);
  // empty for IF EXISTS / IF NOT EXISTS, whose failure shows the whole row.
  std::vector<const schema::ColumnMetadata*> Columns() const;

  // Whether the conditions hold on the current row (`row`, null when absent) and static row
  // (`static_row`, null when none); `exists` is whether the statement's row (or static row, or
  // partition) exists. kInvalid with Cassandra's text for a bad bound value ("Invalid 'unset'
  // value in condition", "Invalid comparison with null for operator \"<\"", ...).
  Result<bool> Evaluate(const std::vector<protocol::BoundValue>& values, const storage::Row* row,
                        const storage::Row* static_row, bool exists) const;
};

// Prepares the IF clause of an UPDATE or DELETE (INSERT has only IF NOT EXISTS) on `table`,
// recording its markers in `specs`. kInvalid with Cassandra 4.1's texts: "PRIMARY KEY column
// 'k' cannot have IF conditions", "Undefined column name x", "Invalid element access syntax for
// set column s", "Slice conditions ( < ) are not supported on durations", ...
Result<std::shared_ptr<LwtConditions>> PrepareConditions(const parser::Conditions& raw,
                                                              const schema::TableMetadata& table,
                                                              BindSpecs& specs);

// The value of `column` in a resolved row (its static row for a static column), as SELECT
// shows it: multi-cell collections and UDTs assembled; nullopt when absent or `row` is null.
types::Value CurrentColumnValue(const schema::ColumnMetadata& column, const storage::Row* row);

}  // namespace sibyl::query
