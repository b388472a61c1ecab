#include "query/term.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/clock.h"
#include "cql/types/key_encoding.h"
#include "cql/types/normalize.h"
#include "cql/types/validate.h"
#include "query/functions/expression.h"

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

Result<PreparedTerm> PrepareCompositeLiteral(const parser::TermPtr& term,
                                             const types::Type& receiver,
                                             const std::string& receiver_name, BindSpecs& specs);

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
    // Constants.NULL_LITERAL.prepare (4.1): null is not assignable to a counter (issue 12).
    if (receiver.kind() == types::Kind::kCounter) {
      return InvalidRequest("Invalid null value for counter increment/decrement");
    }
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
    // Function calls and operators: query/functions (issue 13).
    ASSIGN_OR_RETURN(auto expression,
                     functions::PrepareCallTerm(*call, receiver, receiver_name, specs));
    if (expression->kind == functions::Expression::Kind::kTerm) return expression->term;
    t.kind_ = PreparedTerm::Kind::kExpression;
    t.expression_ = std::move(expression);
    return t;
  }
  return PrepareCompositeLiteral(term, receiver, receiver_name, specs);
}

// List, set, map, tuple and UDT literals (issue 10 item 2): elements are prepared against the
// element types with Cassandra's receiver names (Lists/Sets/Maps.valueSpecOf "value(c)",
// Maps.keySpecOf "key(c)", Tuples.componentSpecOf "c[0]", UserTypes.fieldSpecOf "c.f"), and the
// value is built, validated and normalised (sets sorted, maps by key, each once) like a bound
// value: at prepare time when every element is a constant, else per request.
Result<PreparedTerm> PrepareCompositeLiteral(const parser::TermPtr& term,
                                             const types::Type& receiver,
                                             const std::string& receiver_name, BindSpecs& specs) {
  const auto& v = term->value;
  const std::string type_name = receiver.ToCql();
  PreparedTerm t;
  t.kind_ = PreparedTerm::Kind::kComposite;
  t.type_ = receiver;
  t.receiver_name_ = receiver_name;
  auto element = [&](const parser::TermPtr& e, const types::Type& type,
                     const std::string& name) -> Status {
    ASSIGN_OR_RETURN(PreparedTerm prepared, PrepareTerm(e, type, name, specs));
    t.args_.push_back(std::move(prepared));
    return Status::OK();
  };
  const auto* list = std::get_if<parser::ListLiteral>(&v);
  const auto* set = std::get_if<parser::SetLiteral>(&v);
  const auto* map = std::get_if<parser::MapLiteral>(&v);
  const auto* tuple = std::get_if<parser::TupleLiteral>(&v);
  // Cassandra 4.1 Tuples.Literal.prepare: the parser cannot tell `(x)` from a one-element tuple,
  // so it is the term x when the receiver is no tuple (issue 11).
  if (tuple != nullptr && tuple->elements.size() == 1 && receiver.kind() != Kind::kTuple) {
    return PrepareTerm(tuple->elements[0], receiver, receiver_name, specs);
  }
  const auto* udt = std::get_if<parser::UdtLiteral>(&v);
  const std::string value_name = "value(" + receiver_name + ")";
  // Cassandra's message names the literal's own kind (Lists/Sets/Maps/Tuples/UserTypes.Literal
  // validateAssignableTo): "Invalid list literal for c of type frozen<set<int>>".
  const std::string mismatch =
      fmt::format("Invalid {} literal for {} of type {}",
                  list ? "list" : set ? "set" : map ? "map" : tuple ? "tuple type" : "user type",
                  receiver_name, type_name);
  // Types come from the schema, so their parameters are well formed; a type that is not (only a
  // fuzzer could make one) is refused rather than indexed.
  const size_t want_params = receiver.kind() == Kind::kMap ? 2
                             : (receiver.kind() == Kind::kList || receiver.kind() == Kind::kSet) ? 1
                                                                                                 : 0;
  if ((want_params != 0 && receiver.params().size() != want_params) ||
      (receiver.kind() == Kind::kUdt &&
       receiver.udt_field_names().size() != receiver.params().size())) {
    return InvalidRequest(mismatch);
  }
  switch (receiver.kind()) {
    case Kind::kList:
    case Kind::kSet: {
      const bool is_list = receiver.kind() == Kind::kList;
      const std::vector<parser::TermPtr>* elements = is_list ? (list ? &list->elements : nullptr)
                                                             : (set ? &set->elements : nullptr);
      if (elements == nullptr && !(map != nullptr && map->entries.empty() && !is_list)) {
        return InvalidRequest(mismatch);
      }
      if (elements != nullptr) {
        for (const auto& e : *elements) RETURN_IF_ERROR(element(e, receiver.params()[0], value_name));
      }
      break;
    }
    case Kind::kMap:
      if (map == nullptr) return InvalidRequest(mismatch);
      for (const auto& [key, value] : map->entries) {
        RETURN_IF_ERROR(element(key, receiver.params()[0], "key(" + receiver_name + ")"));
        RETURN_IF_ERROR(element(value, receiver.params()[1], value_name));
      }
      break;
    case Kind::kTuple:
      if (tuple == nullptr) return InvalidRequest(mismatch);
      if (tuple->elements.size() > receiver.params().size()) {
        return InvalidRequest(fmt::format(
            "Invalid tuple literal for {}: too many elements. Type {} expects {} but got {}",
            receiver_name, type_name, receiver.params().size(), tuple->elements.size()));
      }
      for (size_t i = 0; i < tuple->elements.size(); ++i) {
        RETURN_IF_ERROR(element(tuple->elements[i], receiver.params()[i],
                                fmt::format("{}[{}]", receiver_name, i)));
      }
      break;
    case Kind::kUdt: {
      if (udt == nullptr && !(map != nullptr && map->entries.empty())) {
        return InvalidRequest(mismatch);
      }
      const auto& names = receiver.udt_field_names();
      std::vector<const parser::TermPtr*> by_field(names.size(), nullptr);
      if (udt != nullptr) {
        for (const auto& [field, value] : udt->fields) {
          size_t i = 0;
          while (i < names.size() && names[i] != field) ++i;
          if (i == names.size()) {
            return InvalidRequest(fmt::format("Unknown field '{}' in value of user defined type {}",
                                              field, receiver.udt_name()));
          }
          by_field[i] = &value;
        }
      }
      for (size_t i = 0; i < names.size(); ++i) {
        if (by_field[i] == nullptr) {
          t.args_.push_back(PreparedTerm::Constant(std::nullopt));
        } else {
          RETURN_IF_ERROR(
              element(*by_field[i], receiver.params()[i], receiver_name + "." + names[i]));
        }
      }
      break;
    }
    default:
      return InvalidRequest(mismatch);
  }
  const bool constant = std::all_of(t.args_.begin(), t.args_.end(), [](const PreparedTerm& a) {
    return a.kind() == PreparedTerm::Kind::kConstant;
  });
  if (!constant) return t;
  bool unset = false;
  ASSIGN_OR_RETURN(types::Value folded, t.Evaluate({}, &unset));
  return PreparedTerm::Constant(std::move(folded));
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
      // Sets and maps at any depth in Cassandra's one form: sorted, each element/key once
      // (issue 10 item 2); every bound value of every statement passes here.
      return types::Value(types::NormalizeValue(type_, bv.bytes));
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
    case Kind::kComposite:
      return EvaluateComposite(values, unset);
    case Kind::kExpression:
      return expression_->Evaluate(values, nullptr);
    case Kind::kCurrentTime: {
      int64_t nanos = (NowMicros() % (86400LL * 1000000)) * 1000;
      return types::Value(types::SerializeBigint(nanos));
    }
  }
  return InternalError("unknown term kind");
}

// Cassandra 4.1 Lists/Sets/Maps/Tuples/UserTypes.DelayedValue.bind: a null element of a
// collection is refused, an unset one makes the whole value unset (a map key may not be
// unset); tuple and UDT fields may be null but not unset.
Result<types::Value> PreparedTerm::EvaluateComposite(const std::vector<protocol::BoundValue>& values,
                                                     bool* unset) const {
  const types::Kind type = type_.kind();
  const bool collection =
      type == types::Kind::kList || type == types::Kind::kSet || type == types::Kind::kMap;
  std::string bytes;
  if (collection) {
    const size_t per_entry = type == types::Kind::kMap ? 2 : 1;
    bytes = types::SerializeInt(static_cast<int32_t>(args_.size() / per_entry));
  }
  for (size_t i = 0; i < args_.size(); ++i) {
    bool element_unset = false;
    ASSIGN_OR_RETURN(types::Value v, args_[i].Evaluate(values, &element_unset));
    if (element_unset) {
      if (collection) {
        if (type == types::Kind::kMap && i % 2 == 0) {
          return InvalidRequest("unset value is not supported for map keys");
        }
        if (unset) *unset = true;
        return types::Value(std::nullopt);
      }
      if (type == types::Kind::kTuple) {
        return InvalidRequest(fmt::format("Invalid unset value for tuple field number {}", i));
      }
      return InvalidRequest(fmt::format("Invalid unset value for field '{}' of user defined type {}",
                                        type_.udt_field_names()[i], type_.udt_name()));
    }
    if (!v) {
      if (collection) return InvalidRequest("null is not supported inside collections");
      bytes += types::SerializeInt(-1);
      continue;
    }
    bytes += types::SerializeInt(static_cast<int32_t>(v->size()));
    bytes += *v;
  }
  RETURN_IF_ERROR(types::ValidateValue(type_, bytes));
  return types::Value(types::NormalizeValue(type_, bytes));
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
