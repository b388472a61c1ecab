#pragma once
// Non-frozen UDT columns (Cassandra 3.6+, issue 11): stored one cell per field, with the field's
// position as the cell path (u16 big-endian, docs/dev/key-encoding.md "Multi-cell columns"), like
// Cassandra's UserType.cellPathForField. Writes are blind, as Cassandra's UserTypes.Setter,
// SetterByField and DeleterByField:
//   v = {...}   (INSERT too)  column deletion at ts - 1, then one cell per non-null field at ts
//   v = null                  column deletion at ts - 1
//   v.f = x                   the field's cell (x null: a tombstone for the field)
//   DELETE v.f                a tombstone for the field
//   DELETE v                  column deletion at ts
// Reads assemble the live field cells into the native-protocol UDT value (every field of the
// type, absent ones null); no live field is a null value. Renaming fields keeps the cells (they
// are positional); an added field has no cell in old rows and reads as null.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "cql/protocol/messages.h"
#include "cql/types/type.h"
#include "cql/types/value.h"
#include "schema/metadata.h"
#include "storage/partition.h"

#include "query/namespaces.h"
#include "query/term.h"

namespace sibyl::query {

// Whether a column of this type is a non-frozen (multi-cell) user type.
bool IsMultiCellUserType(const types::Type& type);

// The cell path of field `position`: two bytes, big-endian.
std::string UserTypeFieldPath(size_t position);

// The value of non-frozen UDT column `column` from a resolved row's cells: the fields in type
// order (missing ones null); nullopt when no field is live.
types::Value AssembleUserType(const types::Type& type, std::string_view column,
                              const std::map<std::string, storage::Cell>& cells);

// The live cell of field `position` of non-frozen UDT column `column` in a resolved row's cells,
// or nullptr. For WRITETIME(u.f) / TTL(u.f) (Cassandra 5.0, CASSANDRA-8877).
const storage::Cell* FindLiveFieldCell(std::string_view column, size_t position,
                                       const std::map<std::string, storage::Cell>& cells);

struct UserTypeOperation {
  enum class Kind : uint8_t { kReplace, kSetField, kDeleteField, kDeleteAll };
  const schema::ColumnMetadata* column = nullptr;
  Kind kind = Kind::kReplace;
  size_t field = 0;                   // kSetField, kDeleteField
  std::optional<PreparedTerm> value;  // kReplace, kSetField
};

// `v = term` on a non-frozen UDT column (INSERT value or UPDATE SET): the marker is the column.
Result<UserTypeOperation> PrepareUserTypeReplace(const parser::TermPtr& value,
                                                 const schema::ColumnMetadata& column,
                                                 BindSpecs& specs);

// UPDATE ... SET c.f = term: Cassandra's Operation.FieldSetter checks ("Invalid operation (c.f =
// 0) for non-UDT column c", "... for frozen UDT column c", "UDT column c does not have a field
// named f"). The marker's spec is "c.f" of the field's type.
Result<UserTypeOperation> PrepareUserTypeFieldAssignment(const parser::Assignment& assignment,
                                                         const schema::ColumnMetadata& column,
                                                         BindSpecs& specs);

// DELETE c.f / DELETE c (a non-frozen UDT): Operation.FieldDeletion checks ("Invalid field
// deletion operation for non-UDT column c", "Frozen UDT column c does not support field
// deletion", "UDT column c does not have a field named f").
Result<UserTypeOperation> PrepareUserTypeDeletion(const parser::DeleteTarget& target,
                                                  const schema::ColumnMetadata& column);

// Adds the cells of `op` to `out`: new cells copy `proto` (timestamp, TTL, expiry), tombstones
// get proto.timestamp and `now_seconds`.
Status ApplyUserTypeOperation(const UserTypeOperation& op,
                              const std::vector<protocol::BoundValue>& values,
                              const storage::Cell& proto, int64_t now_seconds, storage::Row* out);

// The ops of static (or regular) columns, applied in order to `out`.
Status ApplyUserTypeOperations(const std::vector<UserTypeOperation>& ops, bool is_static,
                               const std::vector<protocol::BoundValue>& values,
                               const storage::Cell& proto, int64_t now_seconds, storage::Row* out);

}  // namespace sibyl::query
