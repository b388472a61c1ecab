// Preparing and evaluating function calls and operators (expression.h). References: Cassandra
// 4.1 cql3/functions/FunctionCall.java (terms), cql3/selection/Selectable.java (selectors:
// WithFunction, WithCast, WithTerm, WritetimeOrTTL) and FunctionResolver.java.
#include "query/functions/expression.h"

#include <fmt/format.h>

#include <cctype>

#include "cql/types/key_encoding.h"
#include "query/collection_selection.h"
#include "query/functions/function_resolver.h"
#include "query/functions/json_functions.h"
#include "schema/metadata.h"
#include "storage/partition.h"

namespace sibyl::query::functions {

using types::Kind;
using types::Type;

namespace {

bool IsAggregateName(const parser::QualifiedName& name) {
  if (!name.keyspace.empty() && name.keyspace != "system") return false;
  return name.name == "count" || name.name == "min" || name.name == "max" || name.name == "sum" ||
         name.name == "avg";
}

std::string TermText(const parser::TermPtr& term);

std::string CallText(const parser::FunctionCall& call) {
  std::string out = WrittenName(call.name) + "(";
  for (size_t i = 0; i < call.args.size(); ++i) out += (i ? ", " : "") + TermText(call.args[i]);
  return out + ")";
}

// Term.Raw.getText(): how Cassandra prints a term in messages and selector names.
std::string TermText(const parser::TermPtr& term) {
  const auto& v = term->value;
  if (const auto* lit = std::get_if<parser::Literal>(&v)) {
    return lit->kind == types::LiteralKind::kString ? "'" + lit->text + "'" : lit->text;
  }
  if (const auto* marker = std::get_if<parser::BindMarker>(&v)) {
    return marker->name.empty() ? "?" : ":" + marker->name;
  }
  if (std::holds_alternative<parser::NullLiteral>(v)) return "NULL";
  if (const auto* call = std::get_if<parser::FunctionCall>(&v)) return CallText(*call);
  if (const auto* cast = std::get_if<parser::TypeCast>(&v)) {
    return "(" + cast->type.ToString() + ")" + TermText(cast->term);
  }
  auto join = [](const std::vector<parser::TermPtr>& elements) {
    std::string out;
    for (size_t i = 0; i < elements.size(); ++i) out += (i ? ", " : "") + TermText(elements[i]);
    return out;
  };
  if (const auto* list = std::get_if<parser::ListLiteral>(&v)) return "[" + join(list->elements) + "]";
  if (const auto* set = std::get_if<parser::SetLiteral>(&v)) return "{" + join(set->elements) + "}";
  if (const auto* tuple = std::get_if<parser::TupleLiteral>(&v)) return "(" + join(tuple->elements) + ")";
  if (const auto* map = std::get_if<parser::MapLiteral>(&v)) {
    std::string out = "{";
    for (size_t i = 0; i < map->entries.size(); ++i) {
      out += (i ? ", " : "") + TermText(map->entries[i].first) + ": " + TermText(map->entries[i].second);
    }
    return out + "}";
  }
  if (const auto* udt = std::get_if<parser::UdtLiteral>(&v)) {
    std::string out = "{";
    for (size_t i = 0; i < udt->fields.size(); ++i) {
      out += (i ? ", " : "") + udt->fields[i].first + ": " + TermText(udt->fields[i].second);
    }
    return out + "}";
  }
  return "?";
}

Result<ArgumentInfo> DescribeTerm(const parser::TermPtr& term);

Result<std::vector<ArgumentInfo>> DescribeArgs(const std::vector<parser::TermPtr>& args) {
  std::vector<ArgumentInfo> out;
  for (const auto& a : args) {
    ASSIGN_OR_RETURN(ArgumentInfo info, DescribeTerm(a));
    out.push_back(std::move(info));
  }
  return out;
}

Result<ArgumentInfo> DescribeTerm(const parser::TermPtr& term) {
  ArgumentInfo info;
  info.text = TermText(term);
  const auto& v = term->value;
  if (const auto* lit = std::get_if<parser::Literal>(&v)) {
    info.kind = ArgumentInfo::Kind::kLiteral;
    info.literal_kind = lit->kind;
    info.literal_text = lit->text;
  } else if (std::holds_alternative<parser::BindMarker>(v)) {
    info.kind = ArgumentInfo::Kind::kMarker;
  } else if (std::holds_alternative<parser::NullLiteral>(v)) {
    info.kind = ArgumentInfo::Kind::kNull;
  } else if (const auto* call = std::get_if<parser::FunctionCall>(&v)) {
    // FunctionCall.Raw.testAssignment: the call's own resolution decides; one that cannot be
    // resolved alone is weakly assignable (the real error comes when it is prepared).
    info.kind = ArgumentInfo::Kind::kUnknown;
    auto args = DescribeArgs(call->args);
    if (args.ok()) {
      auto f = ResolveFunction(call->name, *args, nullptr);
      if (f.ok() && *f != nullptr) {
        info.kind = ArgumentInfo::Kind::kTyped;
        info.type = (*f)->return_type;
      }
    }
  } else if (const auto* cast = std::get_if<parser::TypeCast>(&v)) {
    ASSIGN_OR_RETURN(info.type, types::ParseTypeName(cast->type.ToString()));
    info.kind = ArgumentInfo::Kind::kTyped;
  } else {
    info.kind = ArgumentInfo::Kind::kCollection;
    info.collection_kind = std::holds_alternative<parser::ListLiteral>(v)   ? Kind::kList
                           : std::holds_alternative<parser::SetLiteral>(v)  ? Kind::kSet
                           : std::holds_alternative<parser::TupleLiteral>(v) ? Kind::kTuple
                           : std::holds_alternative<parser::UdtLiteral>(v)   ? Kind::kUdt
                                                                             : Kind::kMap;
  }
  return info;
}

// Folds a pure call of constants into a constant (FunctionCall.Raw.prepare executes it now).
Result<ExpressionPtr> FoldIfConstant(std::shared_ptr<Expression> call) {
  if (!call->IsConstant()) return ExpressionPtr(std::move(call));
  ASSIGN_OR_RETURN(types::Value v, call->Evaluate({}, nullptr));
  auto folded = std::make_shared<Expression>();
  folded->kind = Expression::Kind::kTerm;
  folded->type = call->type;
  folded->term = PreparedTerm::Constant(std::move(v));
  return ExpressionPtr(std::move(folded));
}

Status CheckSpecialTermFunction(const parser::QualifiedName& name) {
  if (!name.keyspace.empty() && name.keyspace != "system") return Status::OK();
  if (name.name == "tojson") {
    return InvalidRequest(
        "toJson() may only be used within the selection clause of SELECT statements");
  }
  if (name.name == "token") {
    return Unsupported("token() outside a token restriction of a WHERE clause or a selector");
  }
  if (IsAggregateName(name)) {
    return InvalidRequest("Aggregation function are not supported in the where clause");
  }
  return Status::OK();
}

}  // namespace

bool Expression::IsConstant() const {
  switch (kind) {
    case Kind::kTerm: return term.kind() == PreparedTerm::Kind::kConstant;
    case Kind::kCall:
      if (!function->pure) return false;
      for (const auto& a : args) {
        if (!a->IsConstant()) return false;
      }
      return true;
    default: return false;
  }
}

Result<types::Value> Expression::Evaluate(const std::vector<protocol::BoundValue>& values,
                                          const RowInput* row) const {
  switch (kind) {
    case Kind::kTerm: {
      bool unset = false;
      ASSIGN_OR_RETURN(types::Value v, term.Evaluate(values, &unset));
      if (unset) return InvalidRequest("Invalid unset value");
      return v;
    }
    case Kind::kColumn:
      if (row == nullptr || row->values == nullptr) return InternalError("column read without a row");
      return (*row->values)[column];
    case Kind::kSubSelection: {  // issue 11: the keys are bound per evaluation
      if (row == nullptr || row->values == nullptr) return InternalError("column read without a row");
      ASSIGN_OR_RETURN(CollectionSelection::Bound bound, sub->Bind(values));
      return sub->Apply(bound, (*row->values)[column]);
    }
    case Kind::kWritetime:
    case Kind::kTtl: {
      if (row == nullptr) return InternalError("column read without a row");
      const storage::Cell* cell = row->cells != nullptr ? (*row->cells)[column] : nullptr;
      if (cell == nullptr) return types::Value(std::nullopt);
      if (kind == Kind::kWritetime) return types::Value(types::SerializeBigint(cell->timestamp));
      if (cell->ttl == 0) return types::Value(std::nullopt);
      int64_t left = std::max<int64_t>(0, cell->local_deletion_time - row->now_seconds);
      return types::Value(types::SerializeInt(static_cast<int32_t>(left)));
    }
    case Kind::kToken: {
      if (row == nullptr || row->values == nullptr) return InternalError("column read without a row");
      std::vector<std::string_view> parts;
      for (int c : token_columns) {
        const auto& v = (*row->values)[c];
        // TokenFct.execute: null when a key component is null (the row of aggregates over no
        // rows, issue 13).
        if (!v) return types::Value(std::nullopt);
        parts.push_back(*v);
      }
      return types::Value(
          types::SerializeBigint(types::Murmur3Token(types::SerializePartitionKey(parts))));
    }
    case Kind::kAggregate: {  // the group's result, computed by query/aggregation.cc
      if (row == nullptr || row->aggregates == nullptr) {
        return InternalError("aggregate read outside of a group");
      }
      for (const auto& [node, value] : *row->aggregates) {
        if (node == this) return value;
      }
      return InternalError("aggregate without a result");
    }
    case Kind::kCall: {
      Arguments call_args;
      call_args.reserve(args.size());
      for (const auto& a : args) {
        if (a->kind == Kind::kTerm) {
          bool unset = false;
          ASSIGN_OR_RETURN(types::Value v, a->term.Evaluate(values, &unset));
          if (unset) {
            return InvalidRequest(fmt::format(
                "Invalid unset value for argument in call to function {}", function->name));
          }
          call_args.push_back(std::move(v));
        } else {
          ASSIGN_OR_RETURN(types::Value v, a->Evaluate(values, row));
          call_args.push_back(std::move(v));
        }
      }
      return function->execute(call_args);
    }
  }
  return InternalError("unknown expression kind");
}

bool Expression::ContainsAggregate() const {
  if (kind == Kind::kAggregate) return true;
  for (const auto& a : args) {
    if (a->ContainsAggregate()) return true;
  }
  return false;
}

void CollectReadColumns(const Expression& e, const schema::TableMetadata& table,
                        std::vector<const schema::ColumnMetadata*>* out) {
  switch (e.kind) {
    case Expression::Kind::kColumn:
    case Expression::Kind::kWritetime:
    case Expression::Kind::kTtl:
    case Expression::Kind::kSubSelection:
      if (e.column >= 0) out->push_back(&table.columns[e.column]);
      break;
    case Expression::Kind::kToken:
      for (int c : e.token_columns) out->push_back(&table.columns[c]);
      break;
    default:
      break;
  }
  for (const auto& a : e.args) CollectReadColumns(*a, table, out);
}

void Expression::CollectAggregates(std::vector<const Expression*>* out) const {
  if (kind == Kind::kAggregate) {
    out->push_back(this);
    return;
  }
  for (const auto& a : args) a->CollectAggregates(out);
}

Result<ExpressionPtr> PrepareCallTerm(const parser::FunctionCall& call, const Type& receiver,
                                      const std::string& receiver_name, BindSpecs& specs) {
  RETURN_IF_ERROR(CheckSpecialTermFunction(call.name));
  ASSIGN_OR_RETURN(std::vector<ArgumentInfo> infos, DescribeArgs(call.args));
  // fromJson() is made for its receiver (FromJsonFct.getInstance; issue 13, json_functions.h).
  std::shared_ptr<const NativeFunction> owned;
  if ((call.name.keyspace.empty() || call.name.keyspace == "system") && call.name.name == "fromjson") {
    owned = MakeFromJsonFunction(receiver);
    if (call.args.size() != 1) {
      return InvalidRequest(fmt::format(
          "Incorrect number of arguments specified for function {} (expected 1, found {})",
          owned->Signature(), call.args.size()));
    }
  }
  const NativeFunction* f = owned.get();
  if (f == nullptr) {
    ASSIGN_OR_RETURN(f, ResolveFunction(call.name, infos, &receiver));
  }
  if (f == nullptr) {
    return InvalidRequest(fmt::format("Unknown function {} called", WrittenName(call.name)));
  }
  if (!(f->return_type == receiver) && !IsValueCompatible(receiver, f->return_type)) {
    char symbol = 0;
    if (IsOperation(call.name, &symbol)) {
      return InvalidRequest(fmt::format(
          "Type error: cannot assign result of operation {} (type {}) to {} (type {})", symbol,
          f->return_type.ToCql(), receiver_name, receiver.ToCql()));
    }
    return InvalidRequest(fmt::format(
        "Type error: cannot assign result of function {} (type {}) to {} (type {})",
        f->QualifiedName(), f->return_type.ToCql(), receiver_name, receiver.ToCql()));
  }
  auto expression = std::make_shared<Expression>();
  expression->kind = Expression::Kind::kCall;
  expression->type = f->return_type;
  expression->function = f;
  expression->owned_function = std::move(owned);
  for (size_t i = 0; i < call.args.size(); ++i) {
    // FunctionResolver.makeArgSpec: "arg0(system.blobasint)".
    std::string arg_name = fmt::format("arg{}({})", i, f->QualifiedName());
    for (auto& c : arg_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto& arg = call.args[i];
    if (const auto* nested = std::get_if<parser::FunctionCall>(&arg->value)) {
      ASSIGN_OR_RETURN(ExpressionPtr e, PrepareCallTerm(*nested, f->arg_types[i], arg_name, specs));
      expression->args.push_back(std::move(e));
      continue;
    }
    auto leaf = std::make_shared<Expression>();
    leaf->kind = Expression::Kind::kTerm;
    leaf->type = f->arg_types[i];
    ASSIGN_OR_RETURN(leaf->term, PrepareTerm(arg, f->arg_types[i], arg_name, specs));
    expression->args.push_back(std::move(leaf));
  }
  return FoldIfConstant(std::move(expression));
}

namespace {

struct SelectorNode {
  ExpressionPtr expression;
  std::string name;
};

const char* kSelectionMarkerName = "[selection]";

Result<SelectorNode> PrepareSelector(const parser::Selector& sel, const schema::TableMetadata& table,
                                     BindSpecs& specs, const Type* expected);

Result<const schema::ColumnMetadata*> NeedColumn(const schema::TableMetadata& table,
                                                 const std::string& name) {
  const schema::ColumnMetadata* c = table.FindColumn(name);
  if (c == nullptr) return Status(InvalidRequest("Undefined column name " + name));
  return c;
}

int ColumnIndex(const schema::TableMetadata& table, const schema::ColumnMetadata* c) {
  return static_cast<int>(c - table.columns.data());
}

// writetime(c) / ttl(c) / maxwritetime(c) / minwritetime(c) of a simple column
// (Selectable.WritetimeOrTTL).
Result<SelectorNode> PrepareWritetimeOrTtl(const std::string& function, const std::string& column,
                                           const schema::TableMetadata& table) {
  ASSIGN_OR_RETURN(const schema::ColumnMetadata* c, NeedColumn(table, column));
  const bool ttl = function == "ttl";
  const char* display = ttl ? "ttl" : function == "writetime" ? "writeTime" : function.c_str();
  if (c->is_primary_key()) {
    return InvalidRequest(fmt::format("Cannot use selection function {} on PRIMARY KEY part {}",
                                      display, c->name));
  }
  if ((c->type.IsCollection() || c->type.kind() == Kind::kUdt) && !c->type.frozen()) {
    if (function == "maxwritetime" || function == "minwritetime") {
      return Unsupported(function + " of a non-frozen collection or UDT");
    }
    // Cassandra 4.1 Selectable.WritetimeOrTTL: multi-cell columns have no one timestamp.
    return InvalidRequest(fmt::format("Cannot use selection function {} on non-frozen {} {}",
                                      display, c->type.IsCollection() ? "collection" : "UDT",
                                      c->name));
  }
  auto e = std::make_shared<Expression>();
  e->kind = ttl ? Expression::Kind::kTtl : Expression::Kind::kWritetime;
  e->type = Type(ttl ? Kind::kInt : Kind::kBigint);
  e->column = ColumnIndex(table, c);
  return SelectorNode{std::move(e), fmt::format("{}({})", function, c->name)};
}

Result<SelectorNode> PrepareToken(const parser::Selector& sel, const schema::TableMetadata& table) {
  bool matches = sel.args.size() == table.partition_key.size();
  for (size_t i = 0; matches && i < sel.args.size(); ++i) {
    matches = sel.args[i]->kind == parser::Selector::Kind::kColumn &&
              sel.args[i]->column == table.partition_key_column(i).name;
  }
  if (!matches) {
    return InvalidRequest(
        "The token() function must be applied to all partition key components or none of them");
  }
  auto e = std::make_shared<Expression>();
  e->kind = Expression::Kind::kToken;
  e->type = Type(Kind::kBigint);
  std::string names;
  for (size_t i = 0; i < table.partition_key.size(); ++i) {
    e->token_columns.push_back(table.partition_key[i]);
    names += (i ? ", " : "") + table.partition_key_column(i).name;
  }
  return SelectorNode{std::move(e), "system.token(" + names + ")"};
}

Result<SelectorNode> PrepareTermSelector(const parser::Selector& sel, BindSpecs& specs,
                                         const Type* expected) {
  const std::string text = TermText(sel.term);
  Type type;
  if (expected != nullptr) {
    type = *expected;
  } else if (const auto* cast = std::get_if<parser::TypeCast>(&sel.term->value)) {
    ASSIGN_OR_RETURN(type, types::ParseTypeName(cast->type.ToString()));
  } else {
    return InvalidRequest(fmt::format(
        "Cannot infer type for term {} in selection clause (try using a cast to force a type)",
        text));
  }
  auto e = std::make_shared<Expression>();
  e->kind = Expression::Kind::kTerm;
  e->type = type;
  ASSIGN_OR_RETURN(e->term, PrepareTerm(sel.term, type, kSelectionMarkerName, specs));
  return SelectorNode{std::move(e), text};
}

// toJson(x) (Selectable.WithToJSonFunction, ToJsonFct.getInstance): one argument of any type.
Result<SelectorNode> PrepareToJsonSelector(const parser::Selector& sel,
                                           const schema::TableMetadata& table, BindSpecs& specs) {
  if (sel.args.size() != 1) {
    return InvalidRequest(
        fmt::format("toJson() only accepts one argument (got {})", sel.args.size()));
  }
  ASSIGN_OR_RETURN(SelectorNode arg, PrepareSelector(*sel.args[0], table, specs, nullptr));
  auto e = std::make_shared<Expression>();
  e->kind = Expression::Kind::kCall;
  e->type = Type(Kind::kVarchar);
  e->owned_function = MakeToJsonFunction(arg.expression->type);
  e->function = e->owned_function.get();
  e->args.push_back(arg.expression);
  std::string column_name = e->function->ColumnName({arg.name});
  ASSIGN_OR_RETURN(ExpressionPtr folded, FoldIfConstant(std::move(e)));
  return SelectorNode{std::move(folded), std::move(column_name)};
}

Result<SelectorNode> PrepareFunctionSelector(const parser::Selector& sel,
                                             const schema::TableMetadata& table, BindSpecs& specs) {
  const parser::QualifiedName& name = sel.function;
  const bool native = name.keyspace.empty() || name.keyspace == "system";
  if (native && name.name == "token") return PrepareToken(sel, table);
  if (native && (name.name == "maxwritetime" || name.name == "minwritetime" ||
                 name.name == "writetime" || name.name == "ttl") &&
      sel.args.size() == 1 && sel.args[0]->kind == parser::Selector::Kind::kColumn) {
    return PrepareWritetimeOrTtl(name.name, sel.args[0]->column, table);
  }
  if (native && name.name == "tojson") return PrepareToJsonSelector(sel, table, specs);  // issue 13
  if (native && name.name == "fromjson") {
    return InvalidRequest("fromJson() cannot be used in the selection clause of a SELECT statement");
  }
  if (sel.count_star) {  // count(*) and count(1): AggregateFcts.countRowsFunction, "count"
    const auto& count_rows = FindNativeFunctions("countRows");
    if (count_rows.empty()) return InternalError("countRows is not registered");
    auto e = std::make_shared<Expression>();
    e->kind = Expression::Kind::kAggregate;
    e->function = count_rows.front();
    e->type = e->function->return_type;
    std::string column_name = e->function->ColumnName({});
    return SelectorNode{std::move(e), std::move(column_name)};
  }
  // Arguments other than terms are prepared first; terms once the function says their type.
  std::vector<ArgumentInfo> infos;
  std::vector<std::optional<SelectorNode>> prepared(sel.args.size());
  for (size_t i = 0; i < sel.args.size(); ++i) {
    const parser::Selector& arg = *sel.args[i];
    if (arg.kind == parser::Selector::Kind::kTerm) {
      ASSIGN_OR_RETURN(ArgumentInfo info, DescribeTerm(arg.term));
      infos.push_back(std::move(info));
      continue;
    }
    ASSIGN_OR_RETURN(SelectorNode node, PrepareSelector(arg, table, specs, nullptr));
    ArgumentInfo info;
    info.kind = ArgumentInfo::Kind::kTyped;
    info.type = node.expression->type;
    info.text = node.name;
    infos.push_back(std::move(info));
    prepared[i] = std::move(node);
  }
  ASSIGN_OR_RETURN(const NativeFunction* f, ResolveFunction(name, infos, nullptr));
  if (f == nullptr) return InvalidRequest(fmt::format("Unknown function '{}'", WrittenName(name)));
  auto e = std::make_shared<Expression>();
  e->kind = Expression::Kind::kCall;
  e->type = f->return_type;
  e->function = f;
  std::vector<std::string> names;
  for (size_t i = 0; i < sel.args.size(); ++i) {
    if (!prepared[i]) {
      ASSIGN_OR_RETURN(SelectorNode node, PrepareSelector(*sel.args[i], table, specs, &f->arg_types[i]));
      prepared[i] = std::move(node);
    }
    names.push_back(prepared[i]->name);
    e->args.push_back(prepared[i]->expression);
  }
  std::string column_name = f->ColumnName(names);
  if (f->IsAggregate()) {
    // AbstractFunctionSelector.newFactory (Cassandra 4.1).
    for (const auto& a : e->args) {
      if (a->ContainsAggregate()) {
        return InvalidRequest("aggregate functions cannot be used as arguments of aggregate functions");
      }
    }
    e->kind = Expression::Kind::kAggregate;
    return SelectorNode{std::move(e), std::move(column_name)};
  }
  ASSIGN_OR_RETURN(ExpressionPtr folded, FoldIfConstant(std::move(e)));
  return SelectorNode{std::move(folded), std::move(column_name)};
}

Result<SelectorNode> PrepareCastSelector(const parser::Selector& sel,
                                         const schema::TableMetadata& table, BindSpecs& specs) {
  ASSIGN_OR_RETURN(Type target, types::ParseTypeName(sel.cast_type.ToString()));
  const parser::Selector& arg = *sel.args[0];
  ASSIGN_OR_RETURN(SelectorNode node, PrepareSelector(arg, table, specs, nullptr));
  // Selectable.WithCast: a cast to the argument's own type is the argument itself.
  if (node.expression->type == target) return node;
  std::string cast_name = target.ToCql();
  cast_name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(cast_name[0])));
  ArgumentInfo info;
  info.kind = ArgumentInfo::Kind::kTyped;
  info.type = node.expression->type;
  info.text = node.name;
  ASSIGN_OR_RETURN(const NativeFunction* f,
                   ResolveFunction(parser::QualifiedName{"system", "castAs" + cast_name}, {info}, nullptr));
  if (f == nullptr) {
    return InvalidRequest(fmt::format("{} cannot be cast to {}", node.name, target.ToCql()));
  }
  auto e = std::make_shared<Expression>();
  e->kind = Expression::Kind::kCall;
  e->type = f->return_type;
  e->function = f;
  e->args.push_back(node.expression);
  std::string column_name = f->ColumnName({node.name});
  ASSIGN_OR_RETURN(ExpressionPtr folded, FoldIfConstant(std::move(e)));
  return SelectorNode{std::move(folded), std::move(column_name)};
}

Result<SelectorNode> PrepareSelector(const parser::Selector& sel, const schema::TableMetadata& table,
                                     BindSpecs& specs, const Type* expected) {
  switch (sel.kind) {
    case parser::Selector::Kind::kColumn: {
      ASSIGN_OR_RETURN(const schema::ColumnMetadata* c, NeedColumn(table, sel.column));
      auto e = std::make_shared<Expression>();
      e->kind = Expression::Kind::kColumn;
      e->type = c->type;
      e->column = ColumnIndex(table, c);
      return SelectorNode{std::move(e), c->name};
    }
    case parser::Selector::Kind::kWritetime:
    case parser::Selector::Kind::kTtl:
      // writetime(m['k']) / ttl(u.f) (issue 11) are answered only as top-level selectors.
      if (!sel.args.empty()) return Unsupported(sel.text + " inside an expression");
      return PrepareWritetimeOrTtl(sel.kind == parser::Selector::Kind::kTtl ? "ttl" : "writetime",
                                   sel.column, table);
    case parser::Selector::Kind::kFunction:
      return PrepareFunctionSelector(sel, table, specs);
    case parser::Selector::Kind::kCast:
      return PrepareCastSelector(sel, table, specs);
    case parser::Selector::Kind::kTerm:
      return PrepareTermSelector(sel, specs, expected);
    case parser::Selector::Kind::kElement:
    case parser::Selector::Kind::kSlice:
    case parser::Selector::Kind::kField:
      if (CollectionSelection::Handles(sel)) {  // f(m['k']), m['k'] + 1 (issue 11)
        auto e = std::make_shared<Expression>();
        e->kind = Expression::Kind::kSubSelection;
        ASSIGN_OR_RETURN(e->sub, CollectionSelection::Prepare(sel, table, specs));
        e->type = e->sub->type();
        e->column = ColumnIndex(table, e->sub->column());
        return SelectorNode{std::move(e), sel.text};
      }
      return Unsupported("this selector inside a function call or operation: " + sel.text);
    default:
      return Unsupported("this selector inside a function call or operation: " + sel.text);
  }
  return InternalError("unknown selector kind");
}

}  // namespace

bool IsExpressionSelector(const parser::Selector& selector) {
  switch (selector.kind) {
    case parser::Selector::Kind::kFunction: {
      const auto& name = selector.function;
      const bool native = name.keyspace.empty() || name.keyspace == "system";
      if (native && name.name == "token") return false;
      return true;
    }
    case parser::Selector::Kind::kCast:
    case parser::Selector::Kind::kTerm:
      return true;
    default:
      return false;
  }
}

Result<ExpressionPtr> PrepareSelectorExpression(const parser::Selector& selector,
                                                const schema::TableMetadata& table,
                                                BindSpecs& specs, std::string* name) {
  ASSIGN_OR_RETURN(SelectorNode node, PrepareSelector(selector, table, specs, nullptr));
  if (name != nullptr) *name = std::move(node.name);
  return node.expression;
}

}  // namespace sibyl::query::functions
