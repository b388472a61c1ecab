// toJson() and fromJson() (json_functions.h). References: Cassandra 4.1
// cql3/functions/ToJsonFct.java and FromJsonFct.java.
#include "query/functions/json_functions.h"

#include "query/json_values.h"

namespace sibyl::query::functions {

std::shared_ptr<const NativeFunction> MakeToJsonFunction(const types::Type& arg) {
  NativeFunction f;
  f.name = "tojson";
  f.arg_types = {arg};
  f.return_type = types::Type(types::Kind::kVarchar);
  f.execute = [arg](const Arguments& args) -> Result<types::Value> {
    if (!args[0]) return types::Value("null");
    return types::Value(ToJsonString(arg, *args[0]));
  };
  return std::make_shared<const NativeFunction>(std::move(f));
}

std::shared_ptr<const NativeFunction> MakeFromJsonFunction(const types::Type& receiver) {
  NativeFunction f;
  f.name = "fromjson";
  f.arg_types = {types::Type(types::Kind::kVarchar)};
  f.return_type = receiver;
  NativeFunction self = f;
  f.execute = [self, receiver](const Arguments& args) -> Result<types::Value> {
    if (!args[0]) return types::Value(std::nullopt);
    auto v = FromJsonText(receiver, *args[0]);
    if (!v.ok()) return FunctionFailure(self, v.status().message());
    return v;
  };
  return std::make_shared<const NativeFunction>(std::move(f));
}

}  // namespace sibyl::query::functions
