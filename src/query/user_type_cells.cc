#include "query/user_type_cells.h"

#include <fmt/format.h>

#include <algorithm>

#include "query/field_selection.h"
#include "storage/complex_cells.h"

namespace sibyl::query {

using schema::ColumnMetadata;

bool IsMultiCellUserType(const types::Type& type) {
  return type.kind() == types::Kind::kUdt && !type.frozen();
}

std::string UserTypeFieldPath(size_t position) {
  return std::string{static_cast<char>((position >> 8) & 0xff), static_cast<char>(position & 0xff)};
}

types::Value AssembleUserType(const types::Type& type, std::string_view column,
                              const std::map<std::string, storage::Cell>& cells) {
  const size_t fields = type.params().size();
  std::vector<const storage::Cell*> by_field(fields, nullptr);
  bool any = false;
  const auto end = storage::ComplexCellsEnd(cells, column);
  for (auto it = storage::ComplexCellsBegin(cells, column); it != end; ++it) {
    if (it->second.tombstone) continue;
    const storage::CellNameParts parts = storage::SplitCellName(it->first);
    if (parts.kind != storage::CellNameKind::kElement || parts.path.size() != 2) continue;
    const size_t position = (static_cast<size_t>(static_cast<uint8_t>(parts.path[0])) << 8) |
                            static_cast<uint8_t>(parts.path[1]);
    if (position >= fields) continue;  // a field this type no longer has (cannot happen today)
    by_field[position] = &it->second;
    any = true;
  }
  if (!any) return std::nullopt;
  std::string out;
  for (const storage::Cell* cell : by_field) {
    if (cell == nullptr) {
      out += types::SerializeInt(-1);
      continue;
    }
    out += types::SerializeInt(static_cast<int32_t>(cell->value.size()));
    out += cell->value;
  }
  return out;
}

const storage::Cell* FindLiveFieldCell(std::string_view column, size_t position,
                                       const std::map<std::string, storage::Cell>& cells) {
  auto it = cells.find(storage::ElementCellName(column, UserTypeFieldPath(position)));
  if (it == cells.end() || it->second.tombstone) return nullptr;
  return &it->second;
}

namespace {

// Operation.toString of a field setter: "c.f = <term>" (Term.Raw.getText).
std::string TermText(const parser::TermPtr& term) {
  if (term == nullptr) return "null";
  if (const auto* l = std::get_if<parser::Literal>(&term->value)) {
    return l->kind == types::LiteralKind::kString ? "'" + l->text + "'" : l->text;
  }
  if (const auto* m = std::get_if<parser::BindMarker>(&term->value)) {
    return m->name.empty() ? "?" : ":" + m->name;
  }
  if (std::holds_alternative<parser::NullLiteral>(term->value)) return "null";
  return "...";
}

Result<size_t> FieldPosition(const ColumnMetadata& column, const std::string& field) {
  const auto& names = column.type.udt_field_names();
  auto it = std::find(names.begin(), names.end(), field);
  if (it == names.end()) {
    return InvalidRequest(
        fmt::format("UDT column {} does not have a field named {}", column.name, field));
  }
  return static_cast<size_t>(it - names.begin());
}

}  // namespace

Result<UserTypeOperation> PrepareUserTypeReplace(const parser::TermPtr& value,
                                                 const ColumnMetadata& column, BindSpecs& specs) {
  UserTypeOperation op;
  op.column = &column;
  op.kind = UserTypeOperation::Kind::kReplace;
  ASSIGN_OR_RETURN(op.value, PrepareTerm(value, column.type, column.name, specs));
  return op;
}

Result<UserTypeOperation> PrepareUserTypeFieldAssignment(const parser::Assignment& a,
                                                         const ColumnMetadata& column,
                                                         BindSpecs& specs) {
  const std::string text = fmt::format("{}.{} = {}", column.name, a.field, TermText(a.value));
  if (column.type.kind() != types::Kind::kUdt) {
    return InvalidRequest(
        fmt::format("Invalid operation ({}) for non-UDT column {}", text, column.name));
  }
  if (column.type.frozen()) {
    return InvalidRequest(
        fmt::format("Invalid operation ({}) for frozen UDT column {}", text, column.name));
  }
  UserTypeOperation op;
  op.column = &column;
  op.kind = UserTypeOperation::Kind::kSetField;
  ASSIGN_OR_RETURN(op.field, FieldPosition(column, a.field));
  ASSIGN_OR_RETURN(op.value, PrepareTerm(a.value, column.type.params()[op.field],
                                         column.name + "." + a.field, specs));
  return op;
}

Result<UserTypeOperation> PrepareUserTypeDeletion(const parser::DeleteTarget& target,
                                                  const ColumnMetadata& column) {
  UserTypeOperation op;
  op.column = &column;
  if (target.field.empty()) {
    op.kind = UserTypeOperation::Kind::kDeleteAll;
    return op;
  }
  if (column.type.kind() != types::Kind::kUdt) {
    return InvalidRequest(
        fmt::format("Invalid field deletion operation for non-UDT column {}", column.name));
  }
  if (column.type.frozen()) {
    return InvalidRequest(
        fmt::format("Frozen UDT column {} does not support field deletion", column.name));
  }
  op.kind = UserTypeOperation::Kind::kDeleteField;
  ASSIGN_OR_RETURN(op.field, FieldPosition(column, target.field));
  return op;
}

Status ApplyUserTypeOperation(const UserTypeOperation& op,
                              const std::vector<protocol::BoundValue>& values,
                              const storage::Cell& proto, int64_t now_seconds, storage::Row* out) {
  const std::string& column = op.column->name;
  auto tombstone = [&](int64_t timestamp) {
    storage::Cell cell;
    cell.timestamp = timestamp;
    cell.tombstone = true;
    cell.local_deletion_time = now_seconds;
    return cell;
  };
  switch (op.kind) {
    case UserTypeOperation::Kind::kDeleteAll:
      out->cells[storage::CollectionDeletionCellName(column)] =
          storage::CollectionDeletionCell(proto.timestamp, now_seconds);
      return Status::OK();
    case UserTypeOperation::Kind::kDeleteField:
      out->cells[storage::ElementCellName(column, UserTypeFieldPath(op.field))] =
          tombstone(proto.timestamp);
      return Status::OK();
    case UserTypeOperation::Kind::kSetField: {
      bool unset = false;
      ASSIGN_OR_RETURN(types::Value v, op.value->Evaluate(values, &unset));
      if (unset) return Status::OK();
      const std::string name = storage::ElementCellName(column, UserTypeFieldPath(op.field));
      if (!v) {
        out->cells[name] = tombstone(proto.timestamp);
        return Status::OK();
      }
      storage::Cell cell = proto;
      cell.value = std::move(*v);
      out->cells[name] = std::move(cell);
      return Status::OK();
    }
    case UserTypeOperation::Kind::kReplace: {
      bool unset = false;
      ASSIGN_OR_RETURN(types::Value v, op.value->Evaluate(values, &unset));
      if (unset) return Status::OK();
      // UserTypes.Setter: the old fields go (complex deletion just before the new cells).
      out->cells[storage::CollectionDeletionCellName(column)] =
          storage::CollectionDeletionCell(proto.timestamp - 1, now_seconds);
      if (!v) return Status::OK();
      for (size_t i = 0; i < op.column->type.params().size(); ++i) {
        types::Value field = UserTypeField(*v, i);
        if (!field) continue;
        storage::Cell cell = proto;
        cell.value = std::move(*field);
        out->cells[storage::ElementCellName(column, UserTypeFieldPath(i))] = std::move(cell);
      }
      return Status::OK();
    }
  }
  return InternalError("unknown UDT operation");
}

Status ApplyUserTypeOperations(const std::vector<UserTypeOperation>& ops, bool is_static,
                               const std::vector<protocol::BoundValue>& values,
                               const storage::Cell& proto, int64_t now_seconds, storage::Row* out) {
  for (const auto& op : ops) {
    if ((op.column->kind == schema::ColumnKind::kStatic) != is_static) continue;
    RETURN_IF_ERROR(ApplyUserTypeOperation(op, values, proto, now_seconds, out));
  }
  return Status::OK();
}

}  // namespace sibyl::query
