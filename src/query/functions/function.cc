// The registry of native scalar functions (function.h).
#include "query/functions/function.h"

#include <fmt/format.h>

#include <map>

namespace sibyl::query::functions {

std::string NativeFunction::Signature() const {
  std::string args;
  for (size_t i = 0; i < arg_types.size(); ++i) args += (i ? ", " : "") + arg_types[i].ToCql();
  return fmt::format("{} : ({}) -> {}", QualifiedName(), args, return_type.ToCql());
}

std::string NativeFunction::ColumnName(const std::vector<std::string>& args) const {
  switch (naming) {
    case Naming::kOperator:
      return fmt::format("{} {} {}", args.size() > 0 ? args[0] : "", operator_symbol,
                         args.size() > 1 ? args[1] : "");
    case Naming::kNegation: return "-" + (args.empty() ? std::string() : args[0]);
    case Naming::kCast:
      return fmt::format("cast({} as {})", args.empty() ? "" : args[0], return_type.ToCql());
    case Naming::kCountRows: return "count";
    case Naming::kCall: break;
  }
  std::string joined;
  for (size_t i = 0; i < args.size(); ++i) joined += (i ? ", " : "") + args[i];
  return fmt::format("{}({})", QualifiedName(), joined);
}

namespace {
std::string ArgTypeList(const NativeFunction& function) {
  std::string out;
  for (size_t i = 0; i < function.arg_types.size(); ++i) {
    out += (i ? ", " : "") + function.arg_types[i].ToCql();
  }
  return out;
}
}  // namespace

Status FunctionFailure(const NativeFunction& function, const std::string& detail) {
  const std::string types = ArgTypeList(function);
  return Status(ErrorCode::kFunctionFailure,
                fmt::format("execution of '{}[{}]' failed: {}", function.QualifiedName(), types,
                            detail),
                FunctionFailureDetail{"system", function.name, types});
}

Status OperationFailure(const NativeFunction& function, const std::string& detail) {
  std::string left = function.arg_types.size() > 0 ? function.arg_types[0].ToCql() : "";
  std::string right = function.arg_types.size() > 1 ? function.arg_types[1].ToCql() : "";
  return Status(ErrorCode::kFunctionFailure,
                fmt::format("the operation '{} {} {}' failed: {}", left, function.operator_symbol,
                            right, detail),
                FunctionFailureDetail{"system", function.name, ArgTypeList(function)});
}

namespace {

struct Registry {
  std::vector<NativeFunction> all;
  std::map<std::string, std::vector<const NativeFunction*>> by_name;

  Registry() {
    AddTimeFunctions(all);
    AddUuidFunctions(all);
    AddBytesFunctions(all);
    AddCastFunctions(all);
    AddOperationFunctions(all);
    AddMathFunctions(all);
    AddAggregateFunctions(all);  // issue 13: AggregateFcts.all()
    for (const auto& f : all) by_name[f.name].push_back(&f);
  }
};

}  // namespace

const std::vector<const NativeFunction*>& FindNativeFunctions(const std::string& name) {
  static const Registry registry;
  static const std::vector<const NativeFunction*> kNone;
  auto it = registry.by_name.find(name);
  return it == registry.by_name.end() ? kNone : it->second;
}

}  // namespace sibyl::query::functions
