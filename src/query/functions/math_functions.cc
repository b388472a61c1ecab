// Cassandra 5.0 MathFcts: abs, exp, log, log10 and round for every number type, returning the
// argument's type (so exp(int) is an int, as NumberType.exp casts back).
#include "query/functions/function.h"
#include "query/functions/numeric.h"

namespace sibyl::query::functions {

using types::Kind;
using types::Type;

void AddMathFunctions(std::vector<NativeFunction>& out) {
  static const Kind kTypes[] = {Kind::kTinyint, Kind::kSmallint, Kind::kInt,
                                Kind::kFloat,   Kind::kBigint,   Kind::kDouble,
                                Kind::kVarint,  Kind::kDecimal,  Kind::kCounter};
  static const std::pair<MathOp, const char*> kOps[] = {{MathOp::kAbs, "abs"},
                                                        {MathOp::kExp, "exp"},
                                                        {MathOp::kLog, "log"},
                                                        {MathOp::kLog10, "log10"},
                                                        {MathOp::kRound, "round"}};
  for (Kind kind : kTypes) {
    for (const auto& [op, name] : kOps) {
      NativeFunction f;
      f.name = name;
      f.arg_types = {Type(kind)};
      f.return_type = Type(kind);
      NativeFunction self = f;
      f.execute = [self, op = op, kind](const Arguments& args) -> Result<types::Value> {
        if (!args[0] || args[0]->empty()) return types::Value(std::nullopt);
        auto v = Math(op, kind, *args[0]);
        if (!v.ok()) {
          if (v.status().message().rfind("unsupported:", 0) == 0) return v.status();
          return FunctionFailure(self, "java.lang.ArithmeticException: " + v.status().message());
        }
        return types::Value(std::move(*v));
      };
      out.push_back(std::move(f));
    }
  }
}

}  // namespace sibyl::query::functions
