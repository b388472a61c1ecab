#pragma once
// A native (system keyspace) scalar function of CQL, as Cassandra 4.1 declares them in
// cql3/functions/*Fcts.java: a name, argument types, a return type and the code. Overloads
// share a name (todate(timeuuid), todate(timestamp)); function_resolver.h picks one.
// Aggregates (aggregate_functions.h) register here too, with a `new_aggregate` factory.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "cql/types/type.h"
#include "cql/types/value.h"

#include "query/namespaces.h"

namespace sibyl::query::functions {

class AggregateState;  // aggregate_functions.h

// The argument values of one call, in order; nullopt is null. An argument may be an empty
// value (0 bytes), which Cassandra hands to functions as is.
using Arguments = std::vector<types::Value>;

struct NativeFunction {
  // How the result column of a selector calling it is named (Cassandra's columnName()).
  enum class Naming : uint8_t {
    kCall,      // system.name(a, b)
    kOperator,  // a + b
    kNegation,  // -a
    kCast,      // cast(a as int)
    kCountRows, // count (count(*) and count(1), Cassandra's countRows)
  };

  std::string name;  // as Cassandra registers it: "totimestamp", "castAsInt", "_add"
  std::vector<types::Type> arg_types;
  types::Type return_type;
  // False for now(), uuid(), currentTimestamp()...: never evaluated at prepare time.
  bool pure = true;
  Naming naming = Naming::kCall;
  char operator_symbol = 0;  // kOperator: '+', '-', '*', '/', '%'
  // Runs the function. Errors are final Statuses with Cassandra's texts (see FunctionFailure).
  std::function<Result<types::Value>(const Arguments&)> execute;
  // Aggregates only (count, min, max, sum, avg, countRows; aggregate_functions.h): a fresh state
  // for one group of rows. Empty for scalar functions.
  std::function<std::unique_ptr<AggregateState>()> new_aggregate;

  bool IsAggregate() const { return static_cast<bool>(new_aggregate); }

  // "system.totimestamp"
  std::string QualifiedName() const { return "system." + name; }
  // Function.toString(): "system.todate : (timeuuid) -> date".
  std::string Signature() const;
  // The result column name of a selector calling it with arguments named `args`.
  std::string ColumnName(const std::vector<std::string>& args) const;
};

// FunctionExecutionException (FUNCTION_FAILURE): "execution of 'system.f[int, text]' failed:
// <detail>", with the keyspace, name and argument types in the error body.
Status FunctionFailure(const NativeFunction& function, const std::string& detail);
// OperationExecutionException: "the operation 'int / int' failed: / by zero".
Status OperationFailure(const NativeFunction& function, const std::string& detail);

// Families (one file each), appended in Cassandra's registration order (the order of
// candidates in error messages).
void AddTimeFunctions(std::vector<NativeFunction>& out);       // time_functions.cc
void AddUuidFunctions(std::vector<NativeFunction>& out);       // time_functions.cc
void AddBytesFunctions(std::vector<NativeFunction>& out);      // bytes_functions.cc
void AddCastFunctions(std::vector<NativeFunction>& out);       // cast_functions.cc
void AddOperationFunctions(std::vector<NativeFunction>& out);  // operation_functions.cc
void AddMathFunctions(std::vector<NativeFunction>& out);       // math_functions.cc
void AddAggregateFunctions(std::vector<NativeFunction>& out);  // aggregate_functions.cc

// Every native function named `name` (case-sensitive, without "system."), in registration
// order; empty when there is none. The registry is built once and immutable; any thread.
const std::vector<const NativeFunction*>& FindNativeFunctions(const std::string& name);

}  // namespace sibyl::query::functions
