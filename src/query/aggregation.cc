// Aggregates and GROUP BY (aggregation.h). References: Cassandra 4.1
// cql3/statements/SelectStatement.java (getAggregationSpecification), cql3/selection/Selection.java
// (ResultSetBuilder), db/aggregation/GroupMaker.java.
#include "query/aggregation.h"

#include <fmt/format.h>

namespace sibyl::query {

using schema::ColumnKind;
using schema::ColumnMetadata;

namespace {

// StatementRestrictions.isColumnRestrictedByEq: an EQ on the partition key column, or an EQ
// (single- or multi-column) covering the clustering column, or an EQ filter on it.
bool RestrictedByEq(const ColumnMetadata& c, const WhereClause& where) {
  if (c.kind == ColumnKind::kPartitionKey) {
    for (const auto& r : where.partition) {
      if (r.column == &c) return r.kind == ColumnRestriction::Kind::kEq;
    }
  } else {
    for (const auto& r : where.clustering) {
      if (r.kind != ClusteringRestriction::Kind::kEq) continue;
      for (const ColumnMetadata* rc : r.columns) {
        if (rc == &c) return true;
      }
    }
  }
  for (const auto& f : where.filters) {
    if (f.column == &c && f.op == parser::Operator::kEq && !f.map_key) return true;
  }
  return false;
}

}  // namespace

Result<size_t> PrepareGroupBy(const schema::TableMetadata& table,
                              const std::vector<std::string>& columns, const WhereClause& where,
                              bool distinct) {
  std::vector<const ColumnMetadata*> key;
  for (size_t i = 0; i < table.partition_key.size(); ++i) key.push_back(&table.partition_key_column(i));
  for (size_t i = 0; i < table.clustering.size(); ++i) key.push_back(&table.clustering_column(i));
  const char* kOrder =
      "Group by currently only support groups of columns following their declared order in the "
      "PRIMARY KEY";
  size_t next = 0;
  size_t prefix = 0;
  for (const auto& name : columns) {
    const ColumnMetadata* c = table.FindColumn(name);
    if (c == nullptr) {
      return InvalidRequest(
          fmt::format("Undefined column name {} in table {}.{}", name, table.keyspace, table.name));
    }
    if (!c->is_primary_key()) {
      return InvalidRequest(fmt::format(
          "Group by is currently only supported on the columns of the PRIMARY KEY, got {}",
          c->name));
    }
    while (true) {
      if (next == key.size()) return InvalidRequest(kOrder);
      const ColumnMetadata* k = key[next++];
      if (k->kind == ColumnKind::kClustering) ++prefix;
      if (k == c) break;
      if (!RestrictedByEq(*k, where)) return InvalidRequest(kOrder);
    }
  }
  if (next < key.size() && key[next]->kind == ColumnKind::kPartitionKey) {
    return InvalidRequest("Group by is not supported on only a part of the partition key");
  }
  if (prefix > 0 && distinct) {
    return InvalidRequest("Grouping on clustering columns is not allowed for SELECT DISTINCT queries");
  }
  return prefix;
}

bool SameGroupPrefix(const schema::TableMetadata& table, size_t prefix,
                     const std::vector<types::Value>& a, const std::vector<types::Value>& b) {
  for (size_t i = 0; i < prefix && i < table.clustering.size(); ++i) {
    const int idx = table.clustering[i];
    const types::Value& x = a[idx];
    const types::Value& y = b[idx];
    if (x.has_value() != y.has_value()) return false;
    if (x && types::Compare(table.columns[idx].type, *x, *y) != 0) return false;
  }
  return true;
}

GroupAggregates::GroupAggregates(std::vector<const functions::Expression*> calls)
    : calls_(std::move(calls)) {
  Reset();
}

void GroupAggregates::Reset() {
  states_.clear();
  for (const auto* call : calls_) states_.push_back(call->function->new_aggregate());
}

Status GroupAggregates::Add(const std::vector<protocol::BoundValue>& values,
                            const functions::RowInput& row) {
  functions::Arguments args;
  for (size_t i = 0; i < calls_.size(); ++i) {
    args.clear();
    for (const auto& a : calls_[i]->args) {
      ASSIGN_OR_RETURN(types::Value v, a->Evaluate(values, &row));
      args.push_back(std::move(v));
    }
    RETURN_IF_ERROR(states_[i]->Add(args));
  }
  return Status::OK();
}

Result<AggregateResults> GroupAggregates::Compute() {
  AggregateResults out;
  for (size_t i = 0; i < calls_.size(); ++i) {
    ASSIGN_OR_RETURN(types::Value v, states_[i]->Compute());
    out.emplace_back(calls_[i], std::move(v));
  }
  return out;
}

void RowSnapshot::Assign(const std::vector<types::Value>& row_values,
                         const std::vector<const storage::Cell*>& row_cells,
                         const std::vector<const std::map<std::string, storage::Cell>*>& row_complex) {
  values = row_values;
  cells.assign(row_cells.size(), std::nullopt);
  for (size_t i = 0; i < row_cells.size(); ++i) {
    if (row_cells[i] != nullptr) cells[i] = *row_cells[i];
  }
  complex.assign(row_complex.size(), std::nullopt);
  for (size_t i = 0; i < row_complex.size(); ++i) {
    if (row_complex[i] != nullptr) complex[i] = *row_complex[i];
  }
}

std::vector<const storage::Cell*> RowSnapshot::CellPointers() const {
  std::vector<const storage::Cell*> out(cells.size(), nullptr);
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i]) out[i] = &*cells[i];
  }
  return out;
}

std::vector<const std::map<std::string, storage::Cell>*> RowSnapshot::ComplexPointers() const {
  std::vector<const std::map<std::string, storage::Cell>*> out(complex.size(), nullptr);
  for (size_t i = 0; i < complex.size(); ++i) {
    if (complex[i]) out[i] = &*complex[i];
  }
  return out;
}

}  // namespace sibyl::query
