// Cassandra 4.1 FunctionResolver.get (native functions; Sibyl has no user-defined functions),
// Constants.Literal.testAssignment and AbstractType.testAssignment.
#include "query/functions/function_resolver.h"

#include <fmt/format.h>

#include <cmath>

#include "cql/types/numbers.h"
#include "query/functions/numeric.h"

namespace sibyl::query::functions {

using types::Kind;
using types::LiteralKind;
using types::Type;

namespace {

// Constants.Type.getPreferedTypeFor: the smallest of int, bigint, varint for integers; double
// unless the text is not exactly a double (then decimal) for floats; ascii for ASCII strings.
std::optional<Kind> PreferredKind(LiteralKind kind, const std::string& text) {
  switch (kind) {
    case LiteralKind::kInteger: {
      auto v = types::ParseInt64(text);
      if (!v) return Kind::kVarint;
      if (*v >= INT32_MIN && *v <= INT32_MAX) return Kind::kInt;
      return Kind::kBigint;
    }
    case LiteralKind::kFloat: {
      if (text == "NaN" || text == "-NaN" || text == "Infinity" || text == "-Infinity") {
        return Kind::kDouble;
      }
      auto exact = types::DecimalFromText(text);
      if (!exact) return std::nullopt;
      // b.equals(BigDecimal.valueOf(b.doubleValue())): same unscaled value and scale.
      auto as_double = types::DecimalFromText(JavaDoubleToString(std::strtod(text.c_str(), nullptr)));
      return as_double && *as_double == *exact ? Kind::kDouble : Kind::kDecimal;
    }
    case LiteralKind::kString: {
      for (unsigned char c : text) {
        if (c > 127) return Kind::kVarchar;
      }
      return Kind::kAscii;
    }
    default:
      return std::nullopt;
  }
}

Assignment LiteralAssignment(LiteralKind kind, const std::string& text, const Type& receiver) {
  if (receiver.IsCollection() || receiver.kind() == Kind::kUdt || receiver.kind() == Kind::kTuple) {
    return Assignment::kNotAssignable;
  }
  const Kind r = receiver.kind();
  auto preferred = PreferredKind(kind, text);
  if (preferred && *preferred == r) return Assignment::kExactMatch;
  auto any_of = [r](std::initializer_list<Kind> kinds) {
    for (Kind k : kinds) {
      if (k == r) return true;
    }
    return false;
  };
  bool weak = false;
  switch (kind) {
    case LiteralKind::kString:
      weak = any_of({Kind::kAscii, Kind::kVarchar, Kind::kInet, Kind::kDate, Kind::kTime,
                     Kind::kTimestamp});
      break;
    case LiteralKind::kInteger:
      weak = any_of({Kind::kBigint, Kind::kCounter, Kind::kDate, Kind::kDecimal, Kind::kDouble,
                     Kind::kDuration, Kind::kFloat, Kind::kInt, Kind::kSmallint, Kind::kTime,
                     Kind::kTimestamp, Kind::kTinyint, Kind::kVarint});
      break;
    case LiteralKind::kUuid: weak = any_of({Kind::kUuid, Kind::kTimeuuid}); break;
    case LiteralKind::kFloat: weak = any_of({Kind::kDecimal, Kind::kDouble, Kind::kFloat}); break;
    case LiteralKind::kBoolean: weak = r == Kind::kBoolean; break;
    case LiteralKind::kHex: weak = r == Kind::kBlob; break;
    case LiteralKind::kDuration: weak = r == Kind::kDuration; break;
  }
  return weak ? Assignment::kWeaklyAssignable : Assignment::kNotAssignable;
}

}  // namespace

bool IsValueCompatible(const Type& receiver, const Type& provided) {
  if (receiver == provided) return true;
  const Kind r = receiver.kind(), p = provided.kind();
  // Frozen-ness does not matter to values (AbstractType.testAssignment freezes both sides).
  if (r == p && (receiver.IsCollection() || r == Kind::kUdt || r == Kind::kTuple)) {
    return receiver.params() == provided.params() &&
           (r != Kind::kUdt || receiver.udt_name() == provided.udt_name());
  }
  switch (r) {
    case Kind::kBlob: return true;
    case Kind::kVarchar: return p == Kind::kAscii;
    case Kind::kBigint: return p == Kind::kTimestamp;
    case Kind::kTimestamp: return p == Kind::kBigint;
    case Kind::kUuid: return p == Kind::kTimeuuid;
    case Kind::kVarint: return p == Kind::kInt || p == Kind::kBigint || p == Kind::kTimestamp;
    default: return false;
  }
}

Assignment TestAssignment(const ArgumentInfo& arg, const Type& receiver) {
  switch (arg.kind) {
    case ArgumentInfo::Kind::kMarker:
    case ArgumentInfo::Kind::kUnknown:
      return Assignment::kWeaklyAssignable;
    case ArgumentInfo::Kind::kNull:
      return receiver.kind() == Kind::kCounter ? Assignment::kNotAssignable
                                               : Assignment::kWeaklyAssignable;
    case ArgumentInfo::Kind::kLiteral:
      return LiteralAssignment(arg.literal_kind, arg.literal_text, receiver);
    case ArgumentInfo::Kind::kTyped:
      if (arg.type == receiver) return Assignment::kExactMatch;
      if (IsValueCompatible(receiver, arg.type)) {
        return receiver.kind() == arg.type.kind() && receiver.params() == arg.type.params()
                   ? Assignment::kExactMatch
                   : Assignment::kWeaklyAssignable;
      }
      return Assignment::kNotAssignable;
    case ArgumentInfo::Kind::kCollection: {
      const Kind r = receiver.kind();
      const Kind c = arg.collection_kind;
      bool ok = r == c || (c == Kind::kMap && (r == Kind::kSet || r == Kind::kUdt));
      return ok ? Assignment::kWeaklyAssignable : Assignment::kNotAssignable;
    }
  }
  return Assignment::kNotAssignable;
}

std::string WrittenName(const parser::QualifiedName& name) {
  return name.keyspace.empty() ? name.name : name.keyspace + "." + name.name;
}

bool IsOperation(const parser::QualifiedName& name, char* symbol) {
  static const std::pair<const char*, char> kOps[] = {
      {"_add", '+'}, {"_substract", '-'}, {"_multiply", '*'}, {"_divide", '/'}, {"_modulo", '%'}};
  if (name.keyspace != "system") return false;
  for (const auto& [n, s] : kOps) {
    if (name.name == n) {
      if (symbol != nullptr) *symbol = s;
      return true;
    }
  }
  return false;
}

Result<const NativeFunction*> ResolveFunction(const parser::QualifiedName& name,
                                              const std::vector<ArgumentInfo>& args,
                                              const Type* receiver) {
  // Unqualified names look in the system keyspace (and would look in the current keyspace's
  // user functions, which Sibyl does not have); qualified ones only in theirs.
  if (!name.keyspace.empty() && name.keyspace != "system") {
    return static_cast<const NativeFunction*>(nullptr);
  }
  const auto& candidates = FindNativeFunctions(name.name);
  if (candidates.empty()) return static_cast<const NativeFunction*>(nullptr);
  auto format = [](const std::vector<const NativeFunction*>& functions) {
    std::string out;
    for (size_t i = 0; i < functions.size(); ++i) {
      out += (i ? ", " : "") + functions[i]->Signature();
    }
    return out;
  };

  if (candidates.size() == 1) {  // validateTypes: the precise messages
    const NativeFunction* f = candidates[0];
    if (args.size() != f->arg_types.size()) {
      return InvalidRequest(fmt::format(
          "Invalid number of arguments in call to function {}: {} required but {} provided",
          f->QualifiedName(), f->arg_types.size(), args.size()));
    }
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i].kind == ArgumentInfo::Kind::kMarker) continue;
      if (TestAssignment(args[i], f->arg_types[i]) == Assignment::kNotAssignable) {
        return InvalidRequest(fmt::format(
            "Type error: {} cannot be passed as argument {} of function {} of type {}",
            args[i].text, i, f->QualifiedName(), f->arg_types[i].ToCql()));
      }
    }
    return f;
  }

  std::vector<const NativeFunction*> compatibles;
  for (const NativeFunction* f : candidates) {
    if (receiver != nullptr && !IsValueCompatible(*receiver, f->return_type)) continue;
    if (args.size() != f->arg_types.size()) continue;
    Assignment result = Assignment::kExactMatch;
    for (size_t i = 0; i < args.size() && result != Assignment::kNotAssignable; ++i) {
      Assignment a = args[i].kind == ArgumentInfo::Kind::kMarker
                         ? Assignment::kWeaklyAssignable
                         : TestAssignment(args[i], f->arg_types[i]);
      if (a == Assignment::kNotAssignable) result = a;
      if (a == Assignment::kWeaklyAssignable && result == Assignment::kExactMatch) result = a;
    }
    if (result == Assignment::kExactMatch) return f;  // exact matches always win
    if (result == Assignment::kWeaklyAssignable) compatibles.push_back(f);
  }
  char symbol = 0;
  const bool operation = IsOperation(name, &symbol);
  // FunctionName.toString of the name as written: "todate", "system.todate".
  const std::string qualified = WrittenName(name);
  if (compatibles.empty()) {
    if (operation && args.size() == 2) {
      return InvalidRequest(fmt::format("the '{}' operation is not supported between {} and {}",
                                        symbol, args[0].text, args[1].text));
    }
    return InvalidRequest(fmt::format(
        "Invalid call to function {}, none of its type signatures match (known type signatures: "
        "{})",
        qualified, format(candidates)));
  }
  if (compatibles.size() > 1) {
    if (operation) {
      bool markers = false;
      for (const auto& a : args) markers |= a.kind == ArgumentInfo::Kind::kMarker;
      if (receiver != nullptr && !markers) {
        for (const NativeFunction* f : compatibles) {
          if (f->arg_types[0] == *receiver && f->arg_types[1] == *receiver) return f;
        }
      }
      return InvalidRequest(
          fmt::format("Ambiguous '{}' operation: use type casts to disambiguate", symbol));
    }
    if (name.keyspace == "system" && name.name == "_negate") {
      return InvalidRequest("Ambiguous negation: use type casts to disambiguate");
    }
    return InvalidRequest(fmt::format(
        "Ambiguous call to function {} (can be matched by following signatures: {}): use type "
        "casts to disambiguate",
        qualified, format(compatibles)));
  }
  return compatibles[0];
}

}  // namespace sibyl::query::functions
