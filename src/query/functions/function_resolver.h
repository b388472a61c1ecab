#pragma once
// Overload resolution of native function calls, as Cassandra 4.1's FunctionResolver.get:
// the candidates named like the call, filtered by return type (when the receiver's type is
// known) and by how each argument can be assigned to the parameter's type (exact match, weakly
// assignable, not assignable: AssignmentTestable.TestResult).

#include <string>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "cql/types/type.h"
#include "cql/types/value.h"
#include "query/functions/function.h"

#include "query/namespaces.h"

namespace sibyl::query::functions {

// A call argument as the resolver sees it (Cassandra's AssignmentTestable).
struct ArgumentInfo {
  enum class Kind : uint8_t {
    kMarker,      // ? or :name: any type (weakly)
    kLiteral,     // a constant: literal_kind and literal_text
    kNull,        // NULL
    kTyped,       // a value of a known type: a column, a call's result, a (type) cast
    kUnknown,     // a call that could not be resolved alone: weakly assignable to anything
    kCollection,  // a list/set/map/tuple/UDT literal: collection_kind
  };
  Kind kind = Kind::kUnknown;
  types::LiteralKind literal_kind = types::LiteralKind::kString;
  std::string literal_text;
  types::Type type;                               // kTyped
  types::Kind collection_kind = types::Kind::kList;  // kCollection (kMap also for {})
  std::string text;  // as Cassandra prints the argument in messages ("'abc'", "system.now()")
};

enum class Assignment : uint8_t { kNotAssignable, kWeaklyAssignable, kExactMatch };

// AssignmentTestable.testAssignment of the argument to a receiver of type `receiver`.
Assignment TestAssignment(const ArgumentInfo& arg, const types::Type& receiver);

// AbstractType.isValueCompatibleWith: whether a value of `provided` reads as `receiver` (blob
// reads anything, text reads ascii, bigint and timestamp read each other, uuid reads timeuuid,
// varint reads int and bigint).
bool IsValueCompatible(const types::Type& receiver, const types::Type& provided);

// Picks the native function `name` for `args`. `receiver` is the receiving type when known
// (terms), null otherwise (selectors). Returns null when no native function has that name
// (the caller says "Unknown function ... called"); kInvalid with Cassandra's texts when the
// arguments match none or several.
Result<const NativeFunction*> ResolveFunction(const parser::QualifiedName& name,
                                              const std::vector<ArgumentInfo>& args,
                                              const types::Type* receiver);

// How Cassandra prints a function name as written (FunctionName.toString): "ks.f" or "f".
std::string WrittenName(const parser::QualifiedName& name);

// Whether the name is one of the operator functions (_add, _substract, ...) of the system
// keyspace, and its symbol.
bool IsOperation(const parser::QualifiedName& name, char* symbol = nullptr);

}  // namespace sibyl::query::functions
