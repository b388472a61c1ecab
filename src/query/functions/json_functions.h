#pragma once
// toJson(x) and fromJson(text) (issue 13), as Cassandra 4.1's ToJsonFct and FromJsonFct: native
// functions made for their argument (toJson) or receiver (fromJson) type, the texts of
// query/json_values.h. expression.cc resolves calls of them here instead of in the registry.

#include <memory>

#include "cql/types/type.h"
#include "query/functions/function.h"

#include "query/namespaces.h"

namespace sibyl::query::functions {

// system.tojson(arg) -> text: the argument's JSON text, "null" for null.
std::shared_ptr<const NativeFunction> MakeToJsonFunction(const types::Type& arg);

// system.fromjson(text) -> receiver: the JSON text decoded as the receiver's type, null for
// null or JSON null. Failures are FUNCTION_FAILURE "execution of 'system.fromjson[text]'
// failed: ...".
std::shared_ptr<const NativeFunction> MakeFromJsonFunction(const types::Type& receiver);

}  // namespace sibyl::query::functions
