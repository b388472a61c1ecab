#pragma once
// Element and slice selection in SELECT (Cassandra 4.0, CASSANDRA-7396; issue 11): `m['k']`,
// `s[1]`, `m['a'..'c']`, `s[..5]`, `m[?]`, chained as `m['x']['y'..]`. Prepared once against
// the table (Selectable.WithElementSelection / WithSliceSelection.newSelectorFactory: types,
// marker specs, Cassandra's refusals), bound once per request (ElementsSelector factories'
// newInstance: null and unset refused), then applied to each row's collection value, which is
// the one serialization of the whole collection for frozen and non-frozen columns alike
// (cql/types/collection_access.h).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "cql/protocol/messages.h"
#include "cql/types/type.h"
#include "cql/types/value.h"
#include "query/term.h"
#include "schema/metadata.h"

#include "query/namespaces.h"

namespace sibyl::query {

class CollectionSelection {
 public:
  // The keys and bounds of one request, in the order of the steps.
  struct Bound {
    std::vector<std::optional<std::string>> first;   // element key or slice start (absent: open)
    std::vector<std::optional<std::string>> second;  // slice end (absent: open)
  };

  // Whether this class prepares `selector`: an element or slice selection, or a chain of UDT
  // field selections with one somewhere below (`others['work'].city`, `v.m[..'b']`; plain field
  // chains are query/field_selection's).
  static bool Handles(const parser::Selector& selector);

  // Prepares a selector Handles() accepts whose innermost selected is a column of `table`
  // (through any number of element, slice and field steps). Records its markers in `specs` ("key(m)" for a
  // map, "value(s)" for a set, as Maps.keySpecOf / Sets.valueSpecOf). kInvalid with Cassandra
  // 4.1's texts: "Undefined column name x", "Invalid element selection: v is of type int is not
  // a collection", "Element selection is only allowed on sets and maps, but l is a list" (and
  // the Slice twins), "Invalid field selection: v of type int is not a user type", "v of type
  // frozen<t> has no field x". Other selectors under a step (functions) are unsupported.
  static Result<std::shared_ptr<const CollectionSelection>> Prepare(
      const parser::Selector& selector, const schema::TableMetadata& table, BindSpecs& specs);

  // The column whose value the steps start from.
  const schema::ColumnMetadata* column() const { return column_; }
  // The type of the result: a map's value or a set's element type for c[x], the collection's
  // own type for c[x..y].
  const types::Type& type() const { return result_type_; }

  // Evaluates the keys and bounds for one request. kInvalid "Invalid null value for element
  // selection on m", "Invalid unset value for element selection on m", "Invalid null value for
  // slice selection on m" (an unset slice bound leaves that side open, as in Cassandra).
  Result<Bound> Bind(const std::vector<protocol::BoundValue>& values) const;

  // The selection from one row's value of column(): null when the column is null or the element
  // is absent; a slice with no element is null on a non-frozen column, an empty collection on a
  // frozen one (CollectionSerializer.getSliceFromSerialized).
  types::Value Apply(const Bound& bound, const types::Value& column_value) const;

 private:
  struct Step {
    bool slice = false;
    std::optional<size_t> field;  // a UDT field step: the field's index
    types::Type collection;  // the type of the selected value: a set or a map
    bool frozen = true;      // false only for a slice applied directly to a non-frozen column
    std::string selected_name;  // for messages: the selected's column name (factory name)
    std::optional<PreparedTerm> first;
    std::optional<PreparedTerm> second;
  };
  const schema::ColumnMetadata* column_ = nullptr;
  types::Type result_type_;
  std::vector<Step> steps_;  // innermost (applied first) first
};

}  // namespace sibyl::query
