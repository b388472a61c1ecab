// The cost class of a prepared statement (issue 14); see inline_cost.h.
#include "query/inline_cost.h"

#include <set>
#include <string>
#include <variant>
#include <vector>

#include "cql/parser/ast.h"
#include "query/counters.h"
#include "query/statement.h"
#include "schema/metadata.h"

namespace sibyl::query {

namespace {

using cql::parser::Operator;
using cql::parser::Relation;

// Every relation is `primary-key column = term` (no IN, token, tuple, element or field), and
// the partition key is given whole; with `full_key`, every clustering column is given too.
// An empty `where` (an INSERT) passes the check of its own kind elsewhere.
bool PointRelations(const std::vector<Relation>& where, const schema::TableMetadata& table,
                    bool full_key) {
  std::set<std::string> given;
  for (const Relation& r : where) {
    const auto* column_ref = std::get_if<cql::parser::ColumnRef>(&r.left);
    if (column_ref == nullptr || r.op != Operator::kEq || !r.in_values.empty() || r.in_is_list ||
        !r.field.empty() || r.right == nullptr) {
      return false;
    }
    const schema::ColumnMetadata* column = table.FindColumn(column_ref->name);
    if (column == nullptr || !column->is_primary_key()) return false;
    if (!given.insert(column->name).second) return false;
  }
  for (size_t i = 0; i < table.partition_key.size(); ++i) {
    if (given.count(table.partition_key_column(i).name) == 0) return false;
  }
  if (full_key) {
    for (size_t i = 0; i < table.clustering.size(); ++i) {
      if (given.count(table.clustering_column(i).name) == 0) return false;
    }
  }
  return true;
}

bool PlainSelectors(const cql::parser::SelectStatement& s) {
  if (s.select_all) return s.selectors.empty();
  if (s.selectors.empty()) return false;
  for (const auto& selector : s.selectors) {
    if (selector == nullptr || selector->kind != cql::parser::Selector::Kind::kColumn) {
      return false;
    }
  }
  return true;
}

bool IsInlineCheap(const cql::parser::Statement& ast, const CqlStatement& statement) {
  const schema::TableMetadata* table = statement.table.get();
  if (table == nullptr || table->is_virtual || table->keyspace.rfind("system", 0) == 0) {
    return false;  // system tables are computed or internal: the pool runs them
  }
  if (IsCounterTable(*table)) return false;  // counter writes read before they write
  if (const auto* insert = std::get_if<cql::parser::InsertStatement>(&ast.body)) {
    return !insert->json && !insert->conditions.any();
  }
  if (const auto* update = std::get_if<cql::parser::UpdateStatement>(&ast.body)) {
    if (update->conditions.any()) return false;
    for (const auto& assignment : update->assignments) {
      // l[i] = v, l = l - v... read the list first: only plain assignments run inline.
      if (assignment.kind != cql::parser::Assignment::Kind::kSet) return false;
    }
    return PointRelations(update->where, *table, /*full_key=*/false);
  }
  if (const auto* del = std::get_if<cql::parser::DeleteStatement>(&ast.body)) {
    if (del->conditions.any()) return false;
    for (const auto& target : del->columns) {
      if (target.key != nullptr || !target.field.empty()) return false;  // DELETE l[i] reads
    }
    return PointRelations(del->where, *table, /*full_key=*/false);
  }
  if (const auto* select = std::get_if<cql::parser::SelectStatement>(&ast.body)) {
    if (select->json || select->distinct || !select->group_by.empty() ||
        !select->order_by.empty() || select->allow_filtering || !PlainSelectors(*select)) {
      return false;
    }
    // One row: the full primary key (a table without clustering columns: its partition key).
    return PointRelations(select->where, *table, /*full_key=*/true);
  }
  return false;  // batches, DDL, USE, DESCRIBE...
}

}  // namespace

InlineRun InlineRunOf(const cql::parser::Statement& ast, const CqlStatement& statement) {
  if (!IsInlineCheap(ast, statement)) return InlineRun::kNo;
  return std::holds_alternative<cql::parser::SelectStatement>(ast.body) ? InlineRun::kRead
                                                                         : InlineRun::kWrite;
}

}  // namespace sibyl::query
