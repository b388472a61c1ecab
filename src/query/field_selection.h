#pragma once
// UDT field selection in SELECT (issue 11): `addr.city`, chained as `b.x.a`. Prepared once against
// the table (Cassandra 4.1 Selectable.WithFieldSelection.newSelectorFactory: types and refusals),
// then applied to each row's value of the column: the field's bytes, or null when the column,
// an enclosing field or the field itself is null, or when the value was written before the field
// was added (ALTER TYPE ... ADD: missing trailing fields are null).

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "cql/types/type.h"
#include "cql/types/value.h"
#include "schema/metadata.h"

#include "query/namespaces.h"

namespace sibyl::query {

class FieldSelection {
 public:
  static bool Handles(const parser::Selector& selector) {
    return selector.kind == parser::Selector::Kind::kField;
  }

  // Prepares a kField selector whose innermost selected is a column of `table` (through any
  // number of field steps). kInvalid with Cassandra's texts: "Undefined column name x",
  // "Invalid field selection: v of type int is not a user type", "addr of type frozen<address>
  // has no field x". Other selectors under a field step (functions, element selection) are
  // unsupported.
  static Result<std::shared_ptr<const FieldSelection>> Prepare(const parser::Selector& selector,
                                                              const schema::TableMetadata& table);

  const schema::ColumnMetadata* column() const { return column_; }
  // The selected field's type.
  const types::Type& type() const { return type_; }
  // The field indexes of the steps, outermost (the column's own field) first.
  const std::vector<size_t>& path() const { return path_; }

  // The field of one row's column value (the native-protocol serialization of the UDT).
  types::Value Apply(const types::Value& column_value) const;

 private:
  const schema::ColumnMetadata* column_ = nullptr;
  types::Type type_;
  std::vector<size_t> path_;  // field indexes, outermost first
};

// The field at `index` of a serialized UDT (or tuple) value: nullopt when it is null, absent
// (written before the field was added) or the value is malformed.
types::Value UserTypeField(std::string_view value, size_t index);

}  // namespace sibyl::query
