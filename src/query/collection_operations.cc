#include "query/collection_operations.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string_view>

#include "query/complex_columns.h"
#include "query/where_clause.h"
#include "storage/complex_cells.h"

namespace sibyl::query {
namespace {

using Kind = CollectionOperation::Kind;

std::string Join(const std::vector<parser::TermPtr>& terms) {
  std::string out;
  for (const auto& t : terms) out += (out.empty() ? "" : ", ") + TermText(*t);
  return out;
}

// Operation.RawUpdate.toString(column) of each kind, for the refusals.
std::string OperationText(const parser::Assignment& a) {
  const std::string value = a.value ? TermText(*a.value) : "";
  switch (a.kind) {
    case parser::Assignment::Kind::kSetElement:
      return fmt::format("{}[{}] = {}", a.column, TermText(*a.key), value);
    case parser::Assignment::Kind::kAdd:
      return fmt::format("{} = {} + {}", a.column, a.column, value);
    case parser::Assignment::Kind::kSubtract:
      return fmt::format("{} = {} - {}", a.column, a.column, value);
    case parser::Assignment::Kind::kPrepend:
      return fmt::format("{} = {} + {}", a.column, value, a.column);
    default:
      return fmt::format("{} = {}", a.column, value);
  }
}

storage::Cell Tombstone(int64_t timestamp, int64_t now_seconds) {
  storage::Cell cell;
  cell.timestamp = timestamp;
  cell.tombstone = true;
  cell.local_deletion_time = now_seconds;
  return cell;
}

Result<int32_t> ListIndex(const PreparedTerm& term, const std::vector<protocol::BoundValue>& values,
                          bool* unset) {
  ASSIGN_OR_RETURN(types::Value v, term.Evaluate(values, unset));
  if (*unset) return 0;
  if (!v) return InvalidRequest("Invalid null value for list index");
  return types::DeserializeInt(*v);
}

}  // namespace

std::string TermText(const parser::Term& term) {
  const auto& v = term.value;
  if (const auto* lit = std::get_if<parser::Literal>(&v)) {
    if (lit->kind != types::LiteralKind::kString) return lit->text;
    std::string quoted = "'";
    for (char c : lit->text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    return quoted + "'";
  }
  if (const auto* marker = std::get_if<parser::BindMarker>(&v)) {
    return marker->name.empty() ? "?" : ":" + marker->name;
  }
  if (std::holds_alternative<parser::NullLiteral>(v)) return "null";
  if (const auto* call = std::get_if<parser::FunctionCall>(&v)) {
    const std::string name =
        call->name.keyspace.empty() ? call->name.name : call->name.keyspace + "." + call->name.name;
    return name + "(" + Join(call->args) + ")";
  }
  if (const auto* cast = std::get_if<parser::TypeCast>(&v)) {
    return "(" + cast->type.ToString() + ")" + TermText(*cast->term);
  }
  if (const auto* list = std::get_if<parser::ListLiteral>(&v)) return "[" + Join(list->elements) + "]";
  if (const auto* set = std::get_if<parser::SetLiteral>(&v)) return "{" + Join(set->elements) + "}";
  if (const auto* map = std::get_if<parser::MapLiteral>(&v)) {
    std::string out;
    for (const auto& [k, e] : map->entries) {
      out += (out.empty() ? "" : ", ") + TermText(*k) + ": " + TermText(*e);
    }
    return "{" + out + "}";
  }
  if (const auto* tuple = std::get_if<parser::TupleLiteral>(&v)) {
    return "(" + Join(tuple->elements) + ")";
  }
  if (const auto* udt = std::get_if<parser::UdtLiteral>(&v)) {
    std::string out;
    for (const auto& [f, e] : udt->fields) out += (out.empty() ? "" : ", ") + f + ": " + TermText(*e);
    return "{" + out + "}";
  }
  return "?";
}

bool CollectionOperation::NeedsCurrentRow() const {
  if (column == nullptr || column->type.kind() != types::Kind::kList) return false;
  return kind == Kind::kSetElement || kind == Kind::kDeleteElement || kind == Kind::kRemove;
}

bool IsCollectionAssignment(const parser::Assignment& a, const schema::ColumnMetadata& column) {
  switch (a.kind) {
    case parser::Assignment::Kind::kSet:
      return IsMultiCellCollection(column.type);
    case parser::Assignment::Kind::kSetField:
      return false;
    default:
      return true;
  }
}

// Cassandra 4.1 Operation.SetValue/SetElement/Addition/Substraction/Prepend.prepare.
Result<CollectionOperation> PrepareCollectionAssignment(const parser::Assignment& a,
                                                        const schema::ColumnMetadata& column,
                                                        BindSpecs& specs) {
  const types::Type& type = column.type;
  const std::string& name = column.name;
  CollectionOperation op;
  op.column = &column;
  const std::string text = OperationText(a);
  switch (a.kind) {
    case parser::Assignment::Kind::kSet: {
      op.kind = Kind::kReplace;
      ASSIGN_OR_RETURN(op.value, PrepareTerm(a.value, type, name, specs));
      return op;
    }
    case parser::Assignment::Kind::kSetElement: {
      if (!type.IsCollection()) {
        return InvalidRequest(
            fmt::format("Invalid operation ({}) for non collection column {}", text, name));
      }
      if (type.frozen()) {
        return InvalidRequest(
            fmt::format("Invalid operation ({}) for frozen collection column {}", text, name));
      }
      op.kind = Kind::kSetElement;
      if (type.kind() == types::Kind::kSet) {
        return InvalidRequest(fmt::format("Invalid operation ({}) for set column {}", text, name));
      }
      if (type.kind() == types::Kind::kList) {
        // Lists.indexSpecOf / valueSpecOf.
        ASSIGN_OR_RETURN(op.key, PrepareTerm(a.key, types::Type(types::Kind::kInt),
                                             "idx(" + name + ")", specs));
        ASSIGN_OR_RETURN(op.value, PrepareTerm(a.value, type.params()[0], "value(" + name + ")", specs));
      } else {
        // Maps.keySpecOf / valueSpecOf.
        ASSIGN_OR_RETURN(op.key, PrepareTerm(a.key, type.params()[0], "key(" + name + ")", specs));
        ASSIGN_OR_RETURN(op.value, PrepareTerm(a.value, type.params()[1], "value(" + name + ")", specs));
      }
      return op;
    }
    case parser::Assignment::Kind::kAdd:
    case parser::Assignment::Kind::kSubtract: {
      const bool add = a.kind == parser::Assignment::Kind::kAdd;
      if (!type.IsCollection()) {
        if (add && type.kind() == types::Kind::kTuple) {
          return InvalidRequest(fmt::format("Invalid operation ({}) for tuple column {}", text, name));
        }
        // Counter columns never get here: query/counters.h PrepareCounterAssignment (issue 12).
        return InvalidRequest(
            fmt::format("Invalid operation ({}) for non counter column {}", text, name));
      }
      if (type.frozen()) {
        return InvalidRequest(
            fmt::format("Invalid operation ({}) for frozen collection column {}", text, name));
      }
      op.kind = add ? Kind::kAdd : Kind::kRemove;
      if (type.kind() != types::Kind::kMap) {
        ASSIGN_OR_RETURN(op.value, PrepareTerm(a.value, type, name, specs));
        return op;
      }
      // A map addition takes a map; a map subtraction a set of keys.
      const types::Type receiver = add ? type : types::Type::Set(type.params()[0], /*frozen=*/true);
      auto value = PrepareTerm(a.value, receiver, name, specs);
      if (!value.ok()) {
        if (value.status().code() != ErrorCode::kInvalid) return value.status();
        return InvalidRequest(fmt::format("Value for a map {} has to be a {}, but was: '{}'",
                                          add ? "addition" : "substraction", add ? "map" : "set",
                                          TermText(*a.value)));
      }
      op.value = std::move(*value);
      return op;
    }
    case parser::Assignment::Kind::kPrepend: {
      if (type.kind() != types::Kind::kList) {
        return InvalidRequest(fmt::format("Invalid operation ({}) for non list column {}", text, name));
      }
      if (type.frozen()) {
        return InvalidRequest(
            fmt::format("Invalid operation ({}) for frozen list column {}", text, name));
      }
      op.kind = Kind::kPrepend;
      ASSIGN_OR_RETURN(op.value, PrepareTerm(a.value, type, name, specs));
      return op;
    }
    case parser::Assignment::Kind::kSetField:
      break;
  }
  return InternalError("not a collection assignment");
}

Result<CollectionOperation> PrepareCollectionReplace(const parser::TermPtr& value,
                                                     const schema::ColumnMetadata& column,
                                                     BindSpecs& specs) {
  CollectionOperation op;
  op.column = &column;
  op.kind = Kind::kReplace;
  ASSIGN_OR_RETURN(op.value, PrepareColumnTerm(value, column, specs));
  return op;
}

// Cassandra 4.1 Operation.ColumnDeletion / ElementDeletion.prepare.
Result<CollectionOperation> PrepareCollectionDeletion(const parser::DeleteTarget& target,
                                                      const schema::ColumnMetadata& column,
                                                      BindSpecs& specs) {
  const types::Type& type = column.type;
  const std::string& name = column.name;
  CollectionOperation op;
  op.column = &column;
  if (!target.key) {
    op.kind = Kind::kDeleteAll;
    return op;
  }
  if (!type.IsCollection()) {
    return InvalidRequest("Invalid deletion operation for non collection column " + name);
  }
  if (type.frozen()) {
    return InvalidRequest("Invalid deletion operation for frozen collection column " + name);
  }
  op.kind = Kind::kDeleteElement;
  const bool is_list = type.kind() == types::Kind::kList;
  const std::string receiver =
      (is_list ? "idx(" : type.kind() == types::Kind::kSet ? "value(" : "key(") + name + ")";
  ASSIGN_OR_RETURN(op.key, PrepareTerm(target.key,
                                       is_list ? types::Type(types::Kind::kInt) : type.params()[0],
                                       receiver, specs));
  return op;
}

Status ApplyCollectionOperation(const CollectionOperation& op,
                                const std::vector<protocol::BoundValue>& values,
                                const storage::Cell& proto, int64_t now_seconds,
                                const storage::Row* current, storage::Row* out) {
  const types::Type& type = op.column->type;
  const std::string& column = op.column->name;
  const bool is_list = type.kind() == types::Kind::kList;
  auto& cells = out->cells;
  auto add_elements = [&](const std::string& value, bool prepend) -> Status {
    std::vector<std::string> ids;
    if (is_list) {
      ASSIGN_OR_RETURN(auto elements, CollectionElements(type, value));
      ids = prepend ? PrependListElementIds(elements.size()) : AppendListElementIds(elements.size());
    }
    return AddElementCells(type, column, value, proto, ids, &cells);
  };
  // The live elements of the list as it is now (Lists.existingSize / getCellByIndex).
  auto current_list = [&]() {
    static const std::map<std::string, storage::Cell> kNone;
    return LiveElements(type, column, current ? current->cells : kNone);
  };
  bool unset = false;
  switch (op.kind) {
    case Kind::kReplace: {
      ASSIGN_OR_RETURN(types::Value v, op.value->Evaluate(values, &unset));
      if (unset) return Status::OK();
      // UpdateParameters.setComplexDeletionTimeForOverwrite: ts - 1, so the new elements live.
      cells[storage::CollectionDeletionCellName(column)] =
          storage::CollectionDeletionCell(proto.timestamp - 1, now_seconds);
      if (v) RETURN_IF_ERROR(add_elements(*v, false));
      return Status::OK();
    }
    case Kind::kAdd:
    case Kind::kPrepend: {
      ASSIGN_OR_RETURN(types::Value v, op.value->Evaluate(values, &unset));
      if (unset || !v) return Status::OK();
      return add_elements(*v, op.kind == Kind::kPrepend);
    }
    case Kind::kRemove: {
      ASSIGN_OR_RETURN(types::Value v, op.value->Evaluate(values, &unset));
      if (unset || !v) return Status::OK();
      const types::Type element_set =
          type.kind() == types::Kind::kMap ? types::Type::Set(type.params()[0], true) : type;
      ASSIGN_OR_RETURN(auto discard, CollectionElements(element_set, *v));
      if (!is_list) {
        for (const auto& e : discard) {
          cells[storage::ElementCellName(column, e)] = Tombstone(proto.timestamp, now_seconds);
        }
        return Status::OK();
      }
      // Lists.Discarder: every element equal (as bytes) to one of the values goes. A set, so
      // that a long list minus many values stays n log m, not n * m (issue 9: bounded work).
      const std::set<std::string_view> values_to_discard(discard.begin(), discard.end());
      for (const auto& e : current_list()) {
        if (values_to_discard.count(e.value) != 0) {
          cells[storage::ElementCellName(column, e.path)] = Tombstone(proto.timestamp, now_seconds);
        }
      }
      return Status::OK();
    }
    case Kind::kSetElement: {
      if (is_list) {
        ASSIGN_OR_RETURN(int32_t index, ListIndex(*op.key, values, &unset));
        if (unset) return InvalidRequest("Invalid unset value for list index");
        ASSIGN_OR_RETURN(types::Value v, op.value->Evaluate(values, &unset));
        const auto elements = current_list();
        if (elements.empty()) {
          return InvalidRequest("Attempted to set an element on a list which is null");
        }
        if (index < 0 || static_cast<size_t>(index) >= elements.size()) {
          return InvalidRequest(fmt::format("List index {} out of bound, list has size {}", index,
                                            elements.size()));
        }
        const std::string name = storage::ElementCellName(column, elements[index].path);
        if (unset) return Status::OK();
        if (!v) {
          cells[name] = Tombstone(proto.timestamp, now_seconds);
        } else {
          storage::Cell cell = proto;
          cell.value = std::move(*v);
          cells[name] = std::move(cell);
        }
        return Status::OK();
      }
      // Maps.SetterByKey.
      ASSIGN_OR_RETURN(types::Value key, op.key->Evaluate(values, &unset));
      if (unset) return InvalidRequest("Invalid unset map key");
      if (!key) return InvalidRequest("Invalid null map key");
      ASSIGN_OR_RETURN(types::Value v, op.value->Evaluate(values, &unset));
      const std::string name = storage::ElementCellName(column, *key);
      if (unset) return Status::OK();
      if (!v) {
        cells[name] = Tombstone(proto.timestamp, now_seconds);
      } else {
        storage::Cell cell = proto;
        cell.value = std::move(*v);
        cells[name] = std::move(cell);
      }
      return Status::OK();
    }
    case Kind::kDeleteElement: {
      if (is_list) {
        // Lists.DiscarderByIndex.
        ASSIGN_OR_RETURN(int32_t index, ListIndex(*op.key, values, &unset));
        if (unset) return Status::OK();
        const auto elements = current_list();
        if (elements.empty()) {
          return InvalidRequest("Attempted to delete an element from a list which is null");
        }
        if (index < 0 || static_cast<size_t>(index) >= elements.size()) {
          return InvalidRequest(fmt::format("List index {} out of bound, list has size {}", index,
                                            elements.size()));
        }
        cells[storage::ElementCellName(column, elements[index].path)] =
            Tombstone(proto.timestamp, now_seconds);
        return Status::OK();
      }
      ASSIGN_OR_RETURN(types::Value key, op.key->Evaluate(values, &unset));
      if (type.kind() == types::Kind::kSet) {
        // Sets.ElementDiscarder.
        if (unset) return Status::OK();
        if (!key) return InvalidRequest("Invalid null set element");
      } else {
        // Maps.DiscarderByKey.
        if (!key) return InvalidRequest(unset ? "Invalid unset map key" : "Invalid null map key");
      }
      cells[storage::ElementCellName(column, *key)] = Tombstone(proto.timestamp, now_seconds);
      return Status::OK();
    }
    case Kind::kDeleteAll:
      // Constants.Deleter on a multi-cell column: UpdateParameters.setComplexDeletionTime.
      cells[storage::CollectionDeletionCellName(column)] =
          storage::CollectionDeletionCell(proto.timestamp, now_seconds);
      return Status::OK();
  }
  return InternalError("unknown collection operation");
}

}  // namespace sibyl::query
