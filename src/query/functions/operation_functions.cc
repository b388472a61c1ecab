// Cassandra 4.1 OperationFcts: the arithmetic operators as functions _add, _substract,
// _multiply, _divide, _modulo for every pair of number types (result type by
// numeric.h PromotedKind), _negate for each, and timestamp/date +/- duration.
#include "query/functions/function.h"
#include "query/functions/numeric.h"
#include "query/functions/time_conversions.h"

namespace sibyl::query::functions {

using types::Kind;
using types::Type;

namespace {

struct Operation {
  ArithmeticOp op;
  const char* name;
};
constexpr Operation kOperations[] = {{ArithmeticOp::kAdd, "_add"},
                                     {ArithmeticOp::kSubtract, "_substract"},
                                     {ArithmeticOp::kMultiply, "_multiply"},
                                     {ArithmeticOp::kDivide, "_divide"},
                                     {ArithmeticOp::kModulo, "_modulo"}};

bool Missing(const types::Value& v) { return !v || v->empty(); }

}  // namespace

void AddOperationFunctions(std::vector<NativeFunction>& out) {
  static const Kind kNumeric[] = {Kind::kTinyint, Kind::kSmallint, Kind::kInt,
                                  Kind::kBigint,  Kind::kFloat,    Kind::kDouble,
                                  Kind::kDecimal, Kind::kVarint,   Kind::kCounter};
  for (Kind left : kNumeric) {
    for (Kind right : kNumeric) {
      const Kind result = PromotedKind(left, right);
      for (const auto& operation : kOperations) {
        NativeFunction f;
        f.name = operation.name;
        f.arg_types = {Type(left), Type(right)};
        f.return_type = Type(result);
        f.naming = NativeFunction::Naming::kOperator;
        f.operator_symbol = static_cast<char>(operation.op);
        NativeFunction self = f;
        const ArithmeticOp op = operation.op;
        f.execute = [self, op, result, left, right](const Arguments& args) -> Result<types::Value> {
          if (Missing(args[0]) || Missing(args[1])) return types::Value(std::nullopt);
          auto v = Arithmetic(op, result, left, *args[0], right, *args[1]);
          if (!v.ok()) {
            if (v.status().code() != ErrorCode::kInvalid ||
                v.status().message().rfind("unsupported:", 0) == 0) {
              return v.status();
            }
            return OperationFailure(self, v.status().message());
          }
          return types::Value(std::move(*v));
        };
        out.push_back(std::move(f));
      }
    }
    NativeFunction negate;
    negate.name = "_negate";
    negate.arg_types = {Type(left)};
    negate.return_type = Type(left);
    negate.naming = NativeFunction::Naming::kNegation;
    negate.execute = [left](const Arguments& args) -> Result<types::Value> {
      if (!args[0]) return types::Value(std::nullopt);
      ASSIGN_OR_RETURN(std::string v, Math(MathOp::kNegate, left, *args[0]));
      return types::Value(std::move(v));
    };
    out.push_back(std::move(negate));
  }
  for (const auto& operation : {kOperations[0], kOperations[1]}) {
    for (Kind temporal : {Kind::kTimestamp, Kind::kDate}) {
      NativeFunction f;
      f.name = operation.name;
      f.arg_types = {Type(temporal), Type(Kind::kDuration)};
      f.return_type = Type(temporal);
      f.naming = NativeFunction::Naming::kOperator;
      f.operator_symbol = static_cast<char>(operation.op);
      NativeFunction self = f;
      const bool subtract = operation.op == ArithmeticOp::kSubtract;
      f.execute = [self, temporal, subtract](const Arguments& args) -> Result<types::Value> {
        if (Missing(args[0]) || Missing(args[1])) return types::Value(std::nullopt);
        auto v = AddDuration(temporal, *args[0], *args[1], subtract);
        if (!v.ok()) return OperationFailure(self, v.status().message());
        return types::Value(std::move(*v));
      };
      out.push_back(std::move(f));
    }
  }
}

}  // namespace sibyl::query::functions
