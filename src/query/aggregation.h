#pragma once
// Aggregates and GROUP BY in SELECT (issue 13), as Cassandra 4.1: the GROUP BY clause
// (SelectStatement.getAggregationSpecification), the running aggregates of one group
// (Selection.ResultSetBuilder with its AggregateFunctionSelectors), and a copy of the group's
// first row, whose plain columns the group's output row shows (SimpleSelector keeps the first
// input). Groups (GroupMaker) are the partition key plus the first `prefix` clustering
// columns, compared with the columns' comparators. select_statement.cc feeds rows page by page
// (bounded memory: one group's state, never the group's rows).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "cql/protocol/messages.h"
#include "cql/types/value.h"
#include "query/functions/aggregate_functions.h"
#include "query/functions/expression.h"
#include "query/where_clause.h"
#include "schema/metadata.h"
#include "storage/partition.h"

#include "query/namespaces.h"

namespace sibyl::query {

// The number of clustering columns of a GROUP BY over `columns` (names as written), with
// Cassandra's refusals: "Undefined column name x in table ks.t", "Group by is currently only
// supported on the columns of the PRIMARY KEY, got x", "Group by currently only support groups of
// columns following their declared order in the PRIMARY KEY" (a skipped column must be
// restricted by EQ), "Group by is not supported on only a part of the partition key",
// "Grouping on clustering columns is not allowed for SELECT DISTINCT queries".
Result<size_t> PrepareGroupBy(const schema::TableMetadata& table,
                              const std::vector<std::string>& columns, const WhereClause& where,
                              bool distinct);

// Whether two rows with these clustering values are in the same group of `prefix` columns
// (partition keys are compared by the caller).
bool SameGroupPrefix(const schema::TableMetadata& table, size_t prefix,
                     const std::vector<types::Value>& a, const std::vector<types::Value>& b);

using AggregateResults = std::vector<std::pair<const functions::Expression*, types::Value>>;

// The states of a selection's aggregate calls for the group being built.
class GroupAggregates {
 public:
  explicit GroupAggregates(std::vector<const functions::Expression*> calls);
  // Starts a new group (fresh states, Aggregate.reset()).
  void Reset();
  // Feeds one row: each call's arguments are evaluated on it (errors: the arguments' own).
  Status Add(const std::vector<protocol::BoundValue>& values, const functions::RowInput& row);
  // Each call's result for the rows fed since Reset().
  Result<AggregateResults> Compute();

 private:
  std::vector<const functions::Expression*> calls_;
  std::vector<std::unique_ptr<functions::AggregateState>> states_;
};

// A copy of one row's values and cells (RowView in select_statement.cc) that outlives the read
// it came from: the first row of a group.
struct RowSnapshot {
  std::vector<types::Value> values;
  std::vector<std::optional<storage::Cell>> cells;
  std::vector<std::optional<std::map<std::string, storage::Cell>>> complex;

  void Assign(const std::vector<types::Value>& row_values,
              const std::vector<const storage::Cell*>& row_cells,
              const std::vector<const std::map<std::string, storage::Cell>*>& row_complex);
  // Views for RowView: pointers into this snapshot (valid until the next Assign).
  std::vector<const storage::Cell*> CellPointers() const;
  std::vector<const std::map<std::string, storage::Cell>*> ComplexPointers() const;
};

}  // namespace sibyl::query
