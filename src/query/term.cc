#include "query/term.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "cql/types/key_encoding.h"
#include "cql/types/validate.h"

namespace sibyl::query {

using parser::Term;
using types::Kind;

void BindSpecs::Set(int index, std::string name, types::Type type) {
  if (index < 0 || static_cast<size_t>(index) >= specs.size()) return;
  specs[index] = protocol::ColumnSpec{keyspace, table, std::move(name), std::move(type)};
  filled[index] = true;
}

namespace {

bool IsTextual(Kind k) { return k == Kind::kVarchar || k == Kind::kAscii; }

}  // namespace

Result<PreparedTerm> PrepareTerm(const parser::TermPtr& term, const types::Type& receiver,
                                 const std::string& receiver_name, BindSpecs& specs) {
  PreparedTerm t;
  t.type_ = receiver;
  t.receiver_name_ = receiver_name;
  const auto& v = term->value;
  if (const auto* lit = std::get_if<parser::Literal>(&v)) {
    if (receiver.IsCollection() || receiver.kind() == Kind::kTuple || receiver.kind() == Kind::kUdt) {
      return Unsupported(fmt::format("literal for {} of type {}", receiver_name, receiver.ToCql()));
    }
    ASSIGN_OR_RETURN(std::string bytes,
                     types::ParseLiteral(receiver, lit->kind, lit->text, receiver_name));
    t.kind_ = PreparedTerm::Kind::kConstant;
    t.constant_ = std::move(bytes);
    return t;
  }
  if (const auto* marker = std::get_if<parser::BindMarker>(&v)) {
    t.kind_ = PreparedTerm::Kind::kMarker;
    t.marker_ = marker->index;
    specs.Set(marker->index, marker->name.empty() ? receiver_name : marker->name, receiver);
    return t;
  }
  if (std::holds_alternative<parser::NullLiteral>(v)) {
    t.kind_ = PreparedTerm::Kind::kConstant;
    t.constant_ = std::nullopt;
    return t;
  }
  if (const auto* cast = std::get_if<parser::TypeCast>(&v)) {
    auto cast_type = types::ParseTypeName(cast->type.ToString());
    if (!cast_type.ok()) return cast_type.status();
    if (*cast_type != receiver && !(IsTextual(cast_type->kind()) && IsTextual(receiver.kind()))) {
      return InvalidRequest(fmt::format("Cannot assign value of type {} to {} of type {}",
                                        cast_type->ToCql(), receiver_name, receiver.ToCql()));
    }
    return PrepareTerm(cast->term, receiver, receiver_name, specs);
  }
  if (const auto* call = std::get_if<parser::FunctionCall>(&v)) {
    const std::string name = call->name.name;
    PreparedTerm::Kind kind;
    Kind produces;
    if (name == "now" || name == "currenttimeuuid") {
      kind = PreparedTerm::Kind::kNowTimeuuid;
      produces = Kind::kTimeuuid;
    } else if (name == "uuid") {
      kind = PreparedTerm::Kind::kRandomUuid;
      produces = Kind::kUuid;
    } else if (name == "currenttimestamp" ||
               (name == "totimestamp" && call->args.size() == 1 &&
                std::holds_alternative<parser::FunctionCall>(call->args[0]->value) &&
                std::get<parser::FunctionCall>(call->args[0]->value).name.name == "now")) {
      kind = PreparedTerm::Kind::kCurrentTimestamp;
      produces = Kind::kTimestamp;
    } else if (name == "currentdate") {
      kind = PreparedTerm::Kind::kCurrentDate;
      produces = Kind::kDate;
    } else if (name == "currenttime") {
      kind = PreparedTerm::Kind::kCurrentTime;
      produces = Kind::kTime;
    } else {
      return Unsupported(fmt::format("function {} in a term", name));
    }
    if (name != "totimestamp" && !call->args.empty()) {
      return InvalidRequest(fmt::format(
          "Invalid number of arguments in call to function {}: 0 required but {} provided", name,
          call->args.size()));
    }
    bool compatible = receiver.kind() == produces ||
                      (produces == Kind::kTimeuuid && receiver.kind() == Kind::kUuid);
    if (!compatible) {
      return InvalidRequest(
          fmt::format("Type error: cannot assign result of function system.{} (type {}) to {} "
                      "(type {})",
                      name, types::Type(produces).ToCql(), receiver_name, receiver.ToCql()));
    }
    t.kind_ = kind;
    return t;
  }
  return Unsupported(
      fmt::format("collection, tuple or user-type literal for {} of type {}", receiver_name,
                  receiver.ToCql()));
}

Result<types::Value> PreparedTerm::Evaluate(const std::vector<protocol::BoundValue>& values,
                                            bool* unset) const {
  if (unset) *unset = false;
  switch (kind_) {
    case Kind::kConstant:
      return constant_;
    case Kind::kMarker: {
      if (marker_ < 0 || static_cast<size_t>(marker_) >= values.size()) {
        return InvalidRequest(fmt::format("There were {} markers(?) in CQL but {} bound variables",
                                          marker_ + 1, values.size()));
      }
      const auto& bv = values[marker_];
      if (bv.kind == protocol::BoundValue::Kind::kUnset) {
        if (unset) *unset = true;
        return types::Value(std::nullopt);
      }
      if (bv.kind == protocol::BoundValue::Kind::kNull) return types::Value(std::nullopt);
      // Cassandra binds with type.validate() and answers the bare MarshalException text.
      RETURN_IF_ERROR(types::ValidateValue(type_, bv.bytes));
      return types::Value(bv.bytes);
    }
    case Kind::kNowTimeuuid:
      return types::Value(types::TimeUuidNow());
    case Kind::kRandomUuid:
      return types::Value(types::RandomUuid());
    case Kind::kCurrentTimestamp:
      return types::Value(types::SerializeBigint(NowMillis()));
    case Kind::kCurrentDate: {
      uint32_t days = static_cast<uint32_t>(NowSeconds() / 86400) + (1u << 31);
      return types::Value(types::SerializeInt(static_cast<int32_t>(days)));
    }
    case Kind::kToken: {
      std::vector<std::string> parts;
      for (const auto& arg : args_) {
        ASSIGN_OR_RETURN(std::string v, EvaluateRequired(arg, values, "token() argument"));
        parts.push_back(std::move(v));
      }
      std::vector<std::string_view> views(parts.begin(), parts.end());
      return types::Value(types::SerializeBigint(
          types::Murmur3Token(types::SerializePartitionKey(views))));
    }
    case Kind::kCurrentTime: {
      int64_t nanos = (NowMicros() % (86400LL * 1000000)) * 1000;
      return types::Value(types::SerializeBigint(nanos));
    }
  }
  return InternalError("unknown term kind");
}

Result<std::string> EvaluateRequired(const PreparedTerm& term,
                                     const std::vector<protocol::BoundValue>& values,
                                     const std::string& what) {
  bool unset = false;
  ASSIGN_OR_RETURN(types::Value v, term.Evaluate(values, &unset));
  if (unset) return InvalidRequest("Invalid unset value for " + what);
  if (!v) return InvalidRequest("Invalid null value for " + what);
  return *v;
}

}  // namespace sibyl::query
