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

// (c1, ..., cn) op (...) on a clustering prefix starting at the first clustering column.
struct MultiColumnRestriction {
  enum class Kind : uint8_t { kEq, kIn, kSlice };
  std::vector<const schema::ColumnMetadata*> columns;
  Kind kind = Kind::kEq;
  std::vector<std::vector<PreparedTerm>> tuples;  // kEq: one tuple; kIn: several
  std::vector<PreparedTerm> lower;                // kSlice; empty when unbounded
  bool lower_inclusive = true;
  std::vector<PreparedTerm> upper;
  bool upper_inclusive = true;
};

// A relation evaluated on each candidate row (ALLOW FILTERING, or a non-key column).
struct Filter {
  const schema::ColumnMetadata* column = nullptr;
  parser::Operator op = parser::Operator::kEq;
  PreparedTerm value;
  std::vector<PreparedTerm> in_values;
  std::optional<PreparedTerm> in_marker;
};

struct WhereClause {
  // One per partition-key column when the partition key is fully restricted by EQ/IN;
  // empty otherwise.
  std::vector<ColumnRestriction> partition;
  // token(pk...) bounds, when present.
  std::optional<TermBound> token_lower;
  std::optional<TermBound> token_upper;
  // Clustering restrictions usable as ranges: an EQ/IN prefix and at most one final slice.
  std::vector<ColumnRestriction> clustering;
  std::optional<MultiColumnRestriction> multi;
  std::vector<Filter> filters;

  bool has_token() const { return token_lower || token_upper; }
  // Every clustering column restricted by EQ/IN (a single row per prefix).
  bool ClusteringFullyEq(const schema::TableMetadata& table) const;
  bool HasClusteringRestrictions() const { return !clustering.empty() || multi.has_value(); }
};

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
  };
  static bool MatchesOne(const Evaluated& f, const types::Value* value);
  std::vector<Evaluated> filters_;
};

}  // namespace sibyl::query
