// The IF clause of lightweight transactions (issue 12): Cassandra 4.1's ColumnCondition
// (cql3/conditions/ColumnCondition.java) prepared against the table and evaluated on the row
// read under the partition's compare-and-apply.
#include "query/lwt_conditions.h"

#include <fmt/format.h>

#include <set>

#include "cql/types/collection_access.h"
#include "query/collection_values.h"
#include "query/complex_columns.h"
#include "query/field_selection.h"
#include "query/user_type_cells.h"

namespace sibyl::query {

using parser::Operator;
using schema::ColumnKind;
using schema::ColumnMetadata;

namespace {

const char* OperatorText(Operator op) {
  switch (op) {
    case Operator::kEq: return "=";
    case Operator::kNeq: return "!=";
    case Operator::kLt: return "<";
    case Operator::kLte: return "<=";
    case Operator::kGt: return ">";
    case Operator::kGte: return ">=";
    case Operator::kIn: return "IN";
    default: return "?";
  }
}

bool IsSlice(Operator op) {
  return op == Operator::kLt || op == Operator::kLte || op == Operator::kGt || op == Operator::kGte;
}

// ColumnCondition.Bound.compareWithOperator: `condition` is the IF value, `current` the row's.
Result<bool> CompareWithOperator(Operator op, const types::Type& type,
                                 const types::Value& condition, const types::Value& current) {
  if (!condition) {
    if (op == Operator::kEq) return !current.has_value();
    if (op == Operator::kNeq) return current.has_value();
    return InvalidRequest(
        fmt::format("Invalid comparison with null for operator \"{}\"", OperatorText(op)));
  }
  if (!current) return op == Operator::kNeq;
  int c = types::Compare(type, *current, *condition);
  switch (op) {
    case Operator::kEq: return c == 0;
    case Operator::kNeq: return c != 0;
    case Operator::kLt: return c < 0;
    case Operator::kLte: return c <= 0;
    case Operator::kGt: return c > 0;
    case Operator::kGte: return c >= 0;
    default: return InternalError("unexpected operator in a condition");
  }
}

// A non-frozen collection holds no empty value: an empty one in a condition is null.
types::Value NormaliseCollection(const ColumnCondition& c, types::Value v) {
  if (v && c.target == ColumnCondition::Target::kColumn && IsMultiCellCollection(c.column->type)) {
    auto elements = CollectionElements(c.column->type, *v);
    if (elements.ok() && elements->empty()) return std::nullopt;
  }
  return v;
}

Result<types::Value> ConditionValue(const PreparedTerm& term,
                                    const std::vector<protocol::BoundValue>& values) {
  bool unset = false;
  ASSIGN_OR_RETURN(types::Value v, term.Evaluate(values, &unset));
  if (unset) return InvalidRequest("Invalid 'unset' value in condition");
  return v;
}

// The current value the condition compares: the column, one element or one field of it.
Result<types::Value> CurrentValue(const ColumnCondition& c,
                                  const std::vector<protocol::BoundValue>& values,
                                  const storage::Row* row) {
  types::Value whole = CurrentColumnValue(*c.column, row);
  switch (c.target) {
    case ColumnCondition::Target::kColumn:
      return whole;
    case ColumnCondition::Target::kListElement: {
      ASSIGN_OR_RETURN(types::Value index, ConditionValue(*c.element, values));
      if (!index) return InvalidRequest("Invalid null value for list element access");
      if (!whole) return types::Value();
      ASSIGN_OR_RETURN(auto elements, DeserializeList(*whole));
      int32_t i = types::DeserializeInt(*index);
      if (i < 0 || static_cast<size_t>(i) >= elements.size()) return types::Value();
      return types::Value(std::move(elements[i]));
    }
    case ColumnCondition::Target::kMapElement: {
      ASSIGN_OR_RETURN(types::Value key, ConditionValue(*c.element, values));
      if (!key) return InvalidRequest("Invalid null value for map element access");
      if (!whole) return types::Value();
      auto found = types::SelectCollectionElement(c.column->type, *whole, *key);
      return found ? types::Value(std::move(*found)) : types::Value();
    }
    case ColumnCondition::Target::kField:
      if (!whole) return types::Value();
      return UserTypeField(*whole, c.field);
  }
  return InternalError("unexpected condition target");
}

Result<bool> EvaluateOne(const ColumnCondition& c, const std::vector<protocol::BoundValue>& values,
                         const storage::Row* row) {
  ASSIGN_OR_RETURN(types::Value current, CurrentValue(c, values, row));
  if (c.op != Operator::kIn) {
    ASSIGN_OR_RETURN(types::Value v, ConditionValue(*c.value, values));
    return CompareWithOperator(c.op, c.compared, NormaliseCollection(c, std::move(v)), current);
  }
  // IN: any element equal (a null element matches a null value).
  std::vector<types::Value> candidates;
  if (c.in_marker) {
    ASSIGN_OR_RETURN(types::Value list, ConditionValue(*c.value, values));
    if (!list) return InvalidRequest("Invalid null list in IN condition");
    ASSIGN_OR_RETURN(auto elements, DeserializeList(*list));
    for (auto& e : elements) candidates.emplace_back(std::move(e));
  } else {
    for (const auto& term : c.in_values) {
      ASSIGN_OR_RETURN(types::Value v, ConditionValue(term, values));
      candidates.push_back(NormaliseCollection(c, std::move(v)));
    }
  }
  for (const auto& v : candidates) {
    ASSIGN_OR_RETURN(bool equal, CompareWithOperator(Operator::kEq, c.compared, v, current));
    if (equal) return true;
  }
  return false;
}

Result<ColumnCondition> PrepareOne(const parser::Relation& r, const schema::TableMetadata& table,
                                   BindSpecs& specs) {
  ColumnCondition out;
  std::string name;
  const parser::ElementRef* element = std::get_if<parser::ElementRef>(&r.left);
  if (const auto* column = std::get_if<parser::ColumnRef>(&r.left)) {
    name = column->name;
  } else if (element != nullptr) {
    name = element->column;
  } else {
    return SyntaxError("no viable alternative at input '(' in IF condition");
  }
  const ColumnMetadata* column = table.FindColumn(name);
  if (column == nullptr) return InvalidRequest("Undefined column name " + name);
  if (column->is_primary_key()) {
    return InvalidRequest(
        fmt::format("PRIMARY KEY column '{}' cannot have IF conditions", column->name));
  }
  switch (r.op) {
    case Operator::kEq: case Operator::kNeq: case Operator::kLt: case Operator::kLte:
    case Operator::kGt: case Operator::kGte: case Operator::kIn:
      break;
    default:
      // Cassandra 4.1's grammar (columnCondition) has only relationType and IN.
      return SyntaxError(fmt::format("no viable alternative in IF condition on {}", column->name));
  }
  out.column = column;
  out.op = r.op;
  out.compared = column->type;
  std::string receiver = column->name;
  if (element != nullptr) {
    const types::Kind kind = column->type.kind();
    if (kind == types::Kind::kSet) {
      return InvalidRequest(
          fmt::format("Invalid element access syntax for set column {}", column->name));
    }
    if (kind == types::Kind::kList) {
      out.target = ColumnCondition::Target::kListElement;
      ASSIGN_OR_RETURN(out.element, PrepareTerm(element->key, types::Type(types::Kind::kInt),
                                                "idx(" + column->name + ")", specs));
      out.compared = column->type.params()[0];
    } else if (kind == types::Kind::kMap) {
      out.target = ColumnCondition::Target::kMapElement;
      ASSIGN_OR_RETURN(out.element, PrepareTerm(element->key, column->type.params()[0],
                                                "key(" + column->name + ")", specs));
      out.compared = column->type.params()[1];
    } else {
      return InvalidRequest(
          fmt::format("Invalid element access syntax for non-collection column {}", column->name));
    }
    receiver = "value(" + column->name + ")";
  } else if (!r.field.empty()) {
    if (column->type.kind() != types::Kind::kUdt) {
      return InvalidRequest(
          fmt::format("Invalid field selection: {} is not a user type", column->name));
    }
    const auto& names = column->type.udt_field_names();
    auto it = std::find(names.begin(), names.end(), r.field);
    if (it == names.end()) {
      return InvalidRequest(fmt::format("Unknown field {} for column {}", r.field, column->name));
    }
    out.target = ColumnCondition::Target::kField;
    out.field = static_cast<size_t>(it - names.begin());
    out.compared = column->type.params()[out.field];
    receiver = column->name + "." + r.field;
  }
  if (IsSlice(r.op) && out.compared.kind() == types::Kind::kDuration) {
    return InvalidRequest(fmt::format("Slice conditions ( {} ) are not supported on durations",
                                      OperatorText(r.op)));
  }
  if (r.op == Operator::kIn) {
    if (r.in_is_list) {
      for (const auto& term : r.in_values) {
        ASSIGN_OR_RETURN(PreparedTerm t, PrepareTerm(term, out.compared, receiver, specs));
        out.in_values.push_back(std::move(t));
      }
    } else {
      out.in_marker = true;
      ASSIGN_OR_RETURN(out.value, PrepareTerm(r.right, types::Type::List(out.compared, false),
                                              "in(" + receiver + ")", specs));
    }
  } else {
    ASSIGN_OR_RETURN(out.value, PrepareTerm(r.right, out.compared, receiver, specs));
  }
  return out;
}

}  // namespace

types::Value CurrentColumnValue(const ColumnMetadata& column, const storage::Row* row) {
  if (row == nullptr) return std::nullopt;
  if (IsMultiCellCollection(column.type)) {
    return AssembleCollection(column.type, column.name, row->cells);
  }
  if (IsMultiCellUserType(column.type)) return AssembleUserType(column.type, column.name, row->cells);
  auto it = row->cells.find(column.name);
  if (it == row->cells.end()) return std::nullopt;
  return it->second.value;
}

bool LwtConditions::OnStaticColumns() const {
  for (const auto& c : columns) {
    if (c.column->kind == ColumnKind::kStatic) return true;
  }
  return false;
}

bool LwtConditions::OnRegularColumns() const {
  for (const auto& c : columns) {
    if (c.column->kind != ColumnKind::kStatic) return true;
  }
  return false;
}

std::vector<const ColumnMetadata*> LwtConditions::Columns() const {
  std::vector<const ColumnMetadata*> out;
  for (const auto& c : columns) {
    if (std::find(out.begin(), out.end(), c.column) == out.end()) out.push_back(c.column);
  }
  return out;
}

Result<bool> LwtConditions::Evaluate(const std::vector<protocol::BoundValue>& values,
                                     const storage::Row* row, const storage::Row* static_row,
                                     bool exists) const {
  if (if_exists) return exists;
  if (if_not_exists) return !exists;
  // In IF order, stopping at the first that fails (ColumnConditions.appliesTo).
  for (const auto& c : columns) {
    const storage::Row* source = c.column->kind == ColumnKind::kStatic ? static_row : row;
    ASSIGN_OR_RETURN(bool holds, EvaluateOne(c, values, source));
    if (!holds) return false;
  }
  return true;
}

Result<std::shared_ptr<LwtConditions>> PrepareConditions(const parser::Conditions& raw,
                                                              const schema::TableMetadata& table,
                                                              BindSpecs& specs) {
  auto out = std::make_shared<LwtConditions>();
  out->if_exists = raw.if_exists;
  out->if_not_exists = raw.if_not_exists;
  for (const auto& r : raw.columns) {
    ASSIGN_OR_RETURN(ColumnCondition c, PrepareOne(r, table, specs));
    out->columns.push_back(std::move(c));
  }
  return out;
}

}  // namespace sibyl::query
