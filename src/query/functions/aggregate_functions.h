#pragma once
// The native aggregate functions of CQL, as Cassandra 4.1's AggregateFcts: countRows (count(*)
// and count(1), named "count"), count(x) (the non-null values), min and max of every native type
// (by the type's order; counter's own pair), sum and avg of every number type. Registered in the
// function registry (function.h) with a `new_aggregate` factory; selectors that call them are
// prepared in expression.cc and fed row by row in query/aggregation.cc.
//
// Result semantics (AggregateFcts): sum of tinyint/smallint/int/bigint/counter wraps as Java's
// `sum += x`; avg of those sums in a long that widens to BigInteger on overflow, then narrows
// the quotient; sum and avg of float/double use Kahan compensated summation (avg continues in
// BigDecimal once the double sum overflows); sum of decimal/varint is exact; avg of decimal is
// the running mean avg += (x - avg) / n (HALF_EVEN at the scale of x - avg); avg of varint is the
// truncated BigInteger quotient. No rows: count 0, sum and avg 0, min and max null. A null
// argument is skipped; an empty (0-byte) argument is skipped by sum and avg, counted by count and
// compared (first) by min and max.

#include <memory>

#include "common/status.h"
#include "cql/types/value.h"
#include "query/functions/function.h"

#include "query/namespaces.h"

namespace sibyl::query::functions {

// The running state of one aggregate over one group (Cassandra's AggregateFunction.Aggregate).
// Not thread-safe; one per group per execution.
class AggregateState {
 public:
  virtual ~AggregateState() = default;
  // One row's arguments (validated values of the function's argument types).
  virtual Status Add(const Arguments& args) = 0;
  // The result for the rows added so far.
  virtual Result<types::Value> Compute() = 0;
};

}  // namespace sibyl::query::functions
