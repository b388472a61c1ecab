// Cassandra 4.1 CastFcts: the conversions CAST(x AS type) may use, named castAs<Type>
// ("castAsInt"; the selector's column is named "cast(x as int)"). A pair with no function
// (CAST(x AS blob), text to int...) is refused by the resolver.
#include <cctype>

#include "cql/types/value.h"
#include "query/functions/function.h"
#include "query/functions/numeric.h"
#include "query/functions/time_conversions.h"

namespace sibyl::query::functions {

using types::Kind;
using types::Type;

namespace {

std::string CastName(Kind to) {
  std::string t = Type(to).ToCql();
  t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return "castAs" + t;
}

NativeFunction Cast(Kind from, Kind to,
                    std::function<Result<types::Value>(const NativeFunction&, std::string_view)> convert) {
  NativeFunction f;
  f.name = CastName(to);
  f.arg_types = {Type(from)};
  f.return_type = Type(to);
  f.naming = NativeFunction::Naming::kCast;
  // The function's own description, for FunctionFailure texts.
  NativeFunction self = f;
  f.execute = [self, convert](const Arguments& args) -> Result<types::Value> {
    if (!args[0] || args[0]->empty()) return types::Value(std::nullopt);
    return convert(self, *args[0]);
  };
  return f;
}

// CastAsTextFunction: the value as a CQL literal without quotes (2015-05-21T11:03:02.000Z,
// 127.0.0.1, true, 1.5E10).
Result<types::Value> AsText(Kind from, std::string_view v) {
  if (IsNumeric(from)) return types::Value(NumberToJavaString(from, v));
  std::string literal = types::ToCqlLiteral(Type(from), v);
  if (literal.size() >= 2 && literal.front() == '\'' && literal.back() == '\'') {
    literal = literal.substr(1, literal.size() - 2);
  }
  return types::Value(std::move(literal));
}

}  // namespace

void AddCastFunctions(std::vector<NativeFunction>& out) {
  static const Kind kNumeric[] = {Kind::kTinyint, Kind::kSmallint, Kind::kInt,
                                  Kind::kBigint,  Kind::kFloat,    Kind::kDouble,
                                  Kind::kDecimal, Kind::kCounter,  Kind::kVarint};
  static const Kind kNumericTargets[] = {Kind::kTinyint, Kind::kSmallint, Kind::kInt,
                                         Kind::kBigint,  Kind::kFloat,    Kind::kDouble,
                                         Kind::kDecimal, Kind::kVarint};
  auto as_text = [](Kind from) {
    return [from](const NativeFunction&, std::string_view v) { return AsText(from, v); };
  };
  for (Kind from : kNumeric) {
    for (Kind to : kNumericTargets) {
      if (from == to) continue;
      out.push_back(Cast(from, to, [from, to](const NativeFunction& self,
                                              std::string_view v) -> Result<types::Value> {
        auto converted = ConvertNumber(from, v, to);
        if (!converted.ok()) return FunctionFailure(self, converted.status().message());
        return types::Value(std::move(*converted));
      }));
    }
    out.push_back(Cast(from, Kind::kAscii, as_text(from)));
    out.push_back(Cast(from, Kind::kVarchar, as_text(from)));
  }
  out.push_back(Cast(Kind::kAscii, Kind::kVarchar, [](const NativeFunction&, std::string_view v) {
    return Result<types::Value>(types::Value(std::string(v)));
  }));
  for (Kind from : {Kind::kInet, Kind::kBoolean}) {
    out.push_back(Cast(from, Kind::kAscii, as_text(from)));
    out.push_back(Cast(from, Kind::kVarchar, as_text(from)));
  }
  auto to_date = [](Kind from) {
    return [from](const NativeFunction&, std::string_view v) -> Result<types::Value> {
      ASSIGN_OR_RETURN(std::string d, MillisToDate(TemporalToMillis(from, v)));
      return types::Value(std::move(d));
    };
  };
  auto to_timestamp = [](Kind from) {
    return [from](const NativeFunction&, std::string_view v) -> Result<types::Value> {
      return types::Value(types::SerializeBigint(TemporalToMillis(from, v)));
    };
  };
  out.push_back(Cast(Kind::kTimeuuid, Kind::kDate, to_date(Kind::kTimeuuid)));
  out.push_back(Cast(Kind::kTimeuuid, Kind::kTimestamp, to_timestamp(Kind::kTimeuuid)));
  out.push_back(Cast(Kind::kTimeuuid, Kind::kAscii, as_text(Kind::kTimeuuid)));
  out.push_back(Cast(Kind::kTimeuuid, Kind::kVarchar, as_text(Kind::kTimeuuid)));
  out.push_back(Cast(Kind::kTimestamp, Kind::kDate, to_date(Kind::kTimestamp)));
  out.push_back(Cast(Kind::kTimestamp, Kind::kAscii, as_text(Kind::kTimestamp)));
  out.push_back(Cast(Kind::kTimestamp, Kind::kVarchar, as_text(Kind::kTimestamp)));
  out.push_back(Cast(Kind::kDate, Kind::kTimestamp, to_timestamp(Kind::kDate)));
  out.push_back(Cast(Kind::kDate, Kind::kAscii, as_text(Kind::kDate)));
  out.push_back(Cast(Kind::kDate, Kind::kVarchar, as_text(Kind::kDate)));
  out.push_back(Cast(Kind::kTime, Kind::kAscii, as_text(Kind::kTime)));
  out.push_back(Cast(Kind::kTime, Kind::kVarchar, as_text(Kind::kTime)));
  out.push_back(Cast(Kind::kUuid, Kind::kAscii, as_text(Kind::kUuid)));
  out.push_back(Cast(Kind::kUuid, Kind::kVarchar, as_text(Kind::kUuid)));
}

}  // namespace sibyl::query::functions
