#pragma once
// Function calls and arithmetic in CQL statements, prepared: in terms (WHERE k = blobAsInt(?),
// INSERT ... VALUES (now(), toTimestamp(now()) - 1d)) and in selectors (SELECT
// system.totimestamp(system.now()), a + b, CAST(x AS text)). Preparation resolves every call
// against the native functions as Cassandra 4.1's FunctionResolver does (function_resolver.h);
// pure calls of constants are evaluated at prepare time, the rest per execution (the current-
// time functions read statement_clock.h). Aggregate calls are Kind::kAggregate nodes, fed and
// computed per group by query/aggregation.h (issue 13).

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "cql/protocol/messages.h"
#include "cql/types/type.h"
#include "cql/types/value.h"
#include "query/functions/function.h"
#include "query/term.h"

namespace sibyl::schema {
struct TableMetadata;
}  // namespace sibyl::schema
namespace sibyl::storage {
struct Cell;
}  // namespace sibyl::storage

#include "query/namespaces.h"

namespace sibyl::query {
class CollectionSelection;  // query/collection_selection.h (issue 11)
}  // namespace sibyl::query

namespace sibyl::query::functions {

// What a selector expression reads of the row being selected. Views into the caller's row;
// valid for one Evaluate call.
struct RowInput {
  const std::vector<types::Value>* values = nullptr;         // by table column index
  const std::vector<const storage::Cell*>* cells = nullptr;  // by table column index, or null
  int64_t now_seconds = 0;                                   // for ttl()
  // The results of the aggregate calls (Kind::kAggregate) of the group being output
  // (query/aggregation.h); null while rows are fed to the aggregates.
  const std::vector<std::pair<const struct Expression*, types::Value>>* aggregates = nullptr;
};

// A prepared expression tree. Immutable once prepared; shared by the executions of a prepared
// statement (any thread).
struct Expression {
  enum class Kind : uint8_t {
    kTerm,       // a literal, bind marker, collection literal... (query/term.h)
    kColumn,     // a column of the row (selectors)
    kWritetime,  // writetime(c), maxwritetime(c), minwritetime(c) of a simple column
    kTtl,        // ttl(c)
    kToken,      // token(pk...) of the row (selectors)
    kCall,       // a native function call or operator
    kSubSelection,  // m['k'], s[a..b], u['k'].f of the row (query/collection_selection, issue 11)
    kAggregate,  // count/min/max/sum/avg(args) over a group of rows (aggregate_functions.h)
  };
  Kind kind = Kind::kTerm;
  types::Type type;
  PreparedTerm term;                         // kTerm
  int column = -1;                           // kColumn, kWritetime, kTtl: index in the table
  std::vector<int> token_columns;            // kToken: the partition key columns, in order
  const NativeFunction* function = nullptr;  // kCall, kAggregate
  std::vector<std::shared_ptr<const Expression>> args;  // kCall, kAggregate
  std::shared_ptr<const CollectionSelection> sub;       // kSubSelection (column: its column)
  // kCall of toJson() / fromJson(): `function`, made for its types (json_functions.h, issue 13).
  std::shared_ptr<const NativeFunction> owned_function;

  // Whether it has the same value in every execution and row (constants and pure calls of
  // constants).
  bool IsConstant() const;
  // The value for these bound values and (selectors) this row. Errors: kInvalid (bad or unset
  // bound values, "Invalid unset value for argument in call to function f"), kFunctionFailure
  // (the function failed). REQUIRES: `row` non-null when the expression reads columns.
  Result<types::Value> Evaluate(const std::vector<protocol::BoundValue>& values,
                                const RowInput* row) const;
  // Whether it calls an aggregate anywhere (a selector that aggregates rows).
  bool ContainsAggregate() const;
  // Appends its aggregate calls (kAggregate nodes), in tree order.
  void CollectAggregates(std::vector<const Expression*>* out) const;
};

using ExpressionPtr = std::shared_ptr<const Expression>;

// Appends the table columns `e` reads (columns, writetime/ttl, token's key, sub-selections), in
// tree order: what Cassandra's Selection.getColumns() holds for a selector (issue 13: SELECT
// DISTINCT checks them).
void CollectReadColumns(const Expression& e, const schema::TableMetadata& table,
                        std::vector<const schema::ColumnMetadata*>* out);

// A function call term (parser::FunctionCall, including the operators "_add"... and
// "_negate" the parser makes of + - * / % and unary minus) received by `receiver` named
// `receiver_name` (a column name, "arg0(system.f)"...): FunctionCall.Raw.prepare. Errors are
// Cassandra's: "Unknown function f called", "Invalid call to function system.f, none of its
// type signatures match (known type signatures: ...)", "Ambiguous call to function ...",
// "Type error: cannot assign result of function system.f (type t) to c (type u)",
// "Type error: 'x' cannot be passed as argument 0 of function system.f of type blob".
// A pure call of constants is evaluated now (its failure is the prepare's failure).
Result<ExpressionPtr> PrepareCallTerm(const parser::FunctionCall& call, const types::Type& receiver,
                                      const std::string& receiver_name, BindSpecs& specs);

// A selector that is not a plain column, writetime() or ttl() of the table, or count():
// function calls, operators, CAST, terms with a type hint. `name` is set to its result column
// name as Cassandra prints it (alias aside): "system.totimestamp(system.now())", "a + b",
// "cast(v as text)". Bind markers in it are named "[selection]".
Result<ExpressionPtr> PrepareSelectorExpression(const parser::Selector& selector,
                                                const schema::TableMetadata& table,
                                                BindSpecs& specs, std::string* name);

// Whether a selector needs PrepareSelectorExpression (anything but a plain column,
// writetime(c), ttl(c), token(pk) over the whole partition key, and count).
bool IsExpressionSelector(const parser::Selector& selector);

}  // namespace sibyl::query::functions
