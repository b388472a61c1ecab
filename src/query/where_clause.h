#pragma once
// WHERE clause analysis: which partitions, which clustering ranges, and which remaining filters a
// statement's relations mean for a table, with Cassandra's rules and error texts. Analysis runs
// at prepare time; the Evaluate* functions turn it into keys and ranges for one request.

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "query/term.h"
#include "schema/metadata.h"
#include "storage/partition.h"

#include "query/namespaces.h"

namespace sibyl::query {

enum class StatementKind : uint8_t { kSelect, kUpdate, kDelete };

struct TermBound {
  PreparedTerm term;
  bool inclusive = true;
};

// The restriction of one primary-key column: EQ (one value), IN (values or one list marker) or
// a slice (bounds).
struct ColumnRestriction {
  enum class Kind : uint8_t { kEq, kIn, kSlice };
  const schema::ColumnMetadata* column = nullptr;
  Kind kind = Kind::kEq;
  std::vector<PreparedTerm> values;       // kEq: exactly one; kIn: the list
  std::optional<PreparedTerm> in_marker;  // IN ?: a list<T> value
  std::optional<TermBound> lower;         // kSlice
  std::optional<TermBound> upper;         // kSlice
};

// The restriction of consecutive clustering columns after Cassandra's merging
// (ClusteringColumnRestrictions / RestrictionSet in Cassandra 4.1): `b = 1` and `(b, c) = (1, 2)`
// are kEq, `b IN (...)` and `(b, c) IN (...)` are kIn, and slices (`b > 1`, `(b, c) < (1, 2)`, or
// several merged into one: `(b) > (0) AND (b, c) < (1, 2)`) have a start and an end bound of
// 1..columns.size() components each.
struct ClusteringRestriction {
  enum class Kind : uint8_t { kEq, kIn, kSlice };
  std::vector<const schema::ColumnMetadata*> columns;  // consecutive, in clustering order
  Kind kind = Kind::kEq;
  bool multi_column = false;  // written in tuple notation, or merged with one
  // kEq: one tuple; kIn: the listed tuples; each has columns.size() terms.
  std::vector<std::vector<PreparedTerm>> tuples;
  std::optional<PreparedTerm> in_marker;  // single-column `IN ?`: a list<T> value
  std::vector<PreparedTerm> lower;        // kSlice; empty when unbounded
  bool lower_inclusive = true;
  std::vector<PreparedTerm> upper;
  bool upper_inclusive = true;

  int first_position() const { return columns.front()->position; }
  int last_position() const { return columns.back()->position; }
};

// A relation evaluated on each candidate row (ALLOW FILTERING, or a non-key column). For
// CONTAINS `value` is an element (a map's value), for CONTAINS KEY a map key; `m[k] = v` is kEq
// with `map_key` set (issue 11).
struct Filter {
  const schema::ColumnMetadata* column = nullptr;
  parser::Operator op = parser::Operator::kEq;
  PreparedTerm value;
  std::vector<PreparedTerm> in_values;
  std::optional<PreparedTerm> in_marker;
  std::optional<PreparedTerm> map_key;
};

struct WhereClause {
  // One per partition-key column when the partition key is fully restricted by EQ/IN;
  // empty otherwise.
  std::vector<ColumnRestriction> partition;
  // token(pk...) bounds, when present.
  std::optional<TermBound> token_lower;
  std::optional<TermBound> token_upper;
  // Clustering restrictions usable as ranges, in column order: an EQ/IN prefix and at most one
  // final slice.
  std::vector<ClusteringRestriction> clustering;
  // Whether any relation restricts a clustering column (as a range or as a filter).
  bool any_clustering_restriction = false;
  // UPDATE: the clustering columns no relation restricts (Cassandra's "Some clustering keys are
  // missing: b, c").
  std::vector<std::string> unrestricted_clustering;
  std::vector<Filter> filters;

  bool has_token() const { return token_lower || token_upper; }
  // Every clustering column restricted by EQ/IN (a single row per prefix).
  bool ClusteringFullyEq(const schema::TableMetadata& table) const;
  bool HasClusteringRestrictions() const { return any_clustering_restriction; }
  bool HasClusteringSlice() const;
};

// PrepareTerm for a term that is the value of `column` itself (not of an IN list, a function
// argument...): records the column as the marker's target (BindSpecs::targets).
Result<PreparedTerm> PrepareColumnTerm(const parser::TermPtr& term,
                                       const schema::ColumnMetadata& column, BindSpecs& specs);

// The PREPARED partition-key indexes: for each partition key column, the index of the marker
// whose target it is (the last one, as Cassandra 4.1
// VariableSpecifications.getPartitionKeyBindVariableIndexes); empty unless every column has one.
// A marker inside token(?) or `k IN ?` targets no column, so it is never a key index.
std::vector<uint16_t> PartitionKeyBindIndexes(const schema::TableMetadata& table,
                                              const BindSpecs& specs);

Result<WhereClause> AnalyzeWhere(const schema::TableMetadata& table,
                                 const std::vector<parser::Relation>& relations,
                                 StatementKind kind, bool allow_filtering, BindSpecs& specs);

// A partition to read or write.
struct PartitionTarget {
  std::string key;  // Cassandra partition-key bytes
  int64_t token = 0;
  std::vector<std::string> components;  // serialized pk column values
};

// The partitions named by EQ/IN restrictions, de-duplicated, in the order Cassandra returns them.
Result<std::vector<PartitionTarget>> EvaluatePartitions(
    const WhereClause& where, const schema::TableMetadata& table,
    const std::vector<protocol::BoundValue>& values);

// Builds the target of one partition from its serialized component values.
PartitionTarget MakePartitionTarget(std::vector<std::string> components);

// Token bounds as (start, start_inclusive, end) over the signed token space; nullopt when the
// range is empty.
struct TokenRange {
  int64_t start = INT64_MIN;
  bool start_inclusive = true;
  int64_t end = INT64_MAX;
};
Result<std::optional<TokenRange>> EvaluateTokenRange(const WhereClause& where,
                                                     const std::vector<protocol::BoundValue>& values);

// Clustering ranges (encoded, ascending, non-overlapping). Empty vector with `all` = true means
// the whole partition; an empty vector with `all` = false means nothing can match.
struct ClusteringRanges {
  std::vector<storage::ClusteringRange> ranges;
  bool all = true;
};
Result<ClusteringRanges> EvaluateClusteringRanges(const WhereClause& where,
                                                  const schema::TableMetadata& table,
                                                  const std::vector<protocol::BoundValue>& values);

// For writes: the full clustering keys (encoded) named by EQ/IN on every clustering column.
Result<std::vector<std::string>> EvaluateClusteringKeys(
    const WhereClause& where, const schema::TableMetadata& table,
    const std::vector<protocol::BoundValue>& values);

// Values of a row's columns, for evaluating filters: serialized values by column name.
using RowValues = std::vector<std::pair<const schema::ColumnMetadata*, const types::Value*>>;

// Evaluates the filters against one row. `lookup` returns the value of a column (nullptr: null).
class FilterEvaluator {
 public:
  static Result<FilterEvaluator> Make(const std::vector<Filter>& filters,
                                      const std::vector<protocol::BoundValue>& values);
  template <typename Lookup>
  bool Matches(const Lookup& lookup) const {
    for (const auto& f : filters_) {
      if (!MatchesOne(f, lookup(f.column))) return false;
    }
    return true;
  }
  bool empty() const { return filters_.empty(); }

 private:
  struct Evaluated {
    const schema::ColumnMetadata* column;
    parser::Operator op;
    std::vector<std::string> values;  // one for comparisons, several for IN
    std::optional<std::string> map_key;  // m[k] = v (issue 11)
  };
  static bool MatchesOne(const Evaluated& f, const types::Value* value);
  std::vector<Evaluated> filters_;
};

}  // namespace sibyl::query
