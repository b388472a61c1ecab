#pragma once
// The write operations on non-frozen list, set and map columns (issue 11), with Cassandra 4.1's
// semantics (cql3/Lists.java, Sets.java, Maps.java, Operation.java, Constants.Deleter):
//   c = v      (INSERT too)  collection deletion at ts - 1, then the elements of v at ts
//   c = c + v                list append, set add, map put (v null: nothing)
//   l = v + l                list prepend (decreasing element ids, Lists.PrecisionTime)
//   c = c - v                set/map: element tombstones; list: tombstones for every element
//                            equal to one of v (reads the row)
//   m[k] = v, l[i] = v       map put / list element replace (reads the row)
//   DELETE c[k], DELETE l[i] element tombstone (a list index reads the row)
//   DELETE c                 collection deletion at ts
// Element cells carry the statement's timestamp and TTL each. The cells go into a storage::Row
// (storage/complex_cells.h names); only the list index and list removal operations read.

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "cql/protocol/messages.h"
#include "schema/metadata.h"
#include "storage/partition.h"

#include "query/namespaces.h"
#include "query/term.h"

namespace sibyl::query {

struct CollectionOperation {
  enum class Kind : uint8_t {
    kReplace,        // c = v
    kAdd,            // c = c + v
    kPrepend,        // l = v + l
    kRemove,         // c = c - v
    kSetElement,     // m[k] = v, l[i] = v
    kDeleteElement,  // DELETE m[k] / s[e] / l[i]
    kDeleteAll,      // DELETE c
  };
  const schema::ColumnMetadata* column = nullptr;
  Kind kind = Kind::kReplace;
  std::optional<PreparedTerm> key;    // kSetElement, kDeleteElement: map key, set element, index
  std::optional<PreparedTerm> value;  // every kind but kDeleteElement and kDeleteAll

  // Whether applying it needs the row as it is (list element by index, list removal).
  bool NeedsCurrentRow() const;
};

// Whether UPDATE assignment `a` on `column` is a collection operation (any `c[k] =`, `c = c +`,
// `c = c -`, `c = v + c`, or `c = v` on a non-frozen collection). Field assignments are not.
bool IsCollectionAssignment(const parser::Assignment& a, const schema::ColumnMetadata& column);

// Prepares such an assignment, with Cassandra's receivers for the markers ("key(m)", "value(m)",
// "idx(l)", the column itself) and its refusals (kInvalid "Invalid operation (c = c + 1) for
// non counter column c", "... for frozen collection column c", "... for set column s"...).
Result<CollectionOperation> PrepareCollectionAssignment(const parser::Assignment& a,
                                                        const schema::ColumnMetadata& column,
                                                        BindSpecs& specs);

// Prepares `c = v` on a non-frozen collection column from an INSERT value.
Result<CollectionOperation> PrepareCollectionReplace(const parser::TermPtr& value,
                                                     const schema::ColumnMetadata& column,
                                                     BindSpecs& specs);

// Prepares a DELETE target that is a collection operation (DELETE c[k], or DELETE c on a
// non-frozen collection). kInvalid "Invalid deletion operation for non collection column c" /
// "... for frozen collection column c".
Result<CollectionOperation> PrepareCollectionDeletion(const parser::DeleteTarget& target,
                                                      const schema::ColumnMetadata& column,
                                                      BindSpecs& specs);

// Adds the cells of `op` for one row to `out`. `proto` carries the statement's timestamp, TTL
// and expiry for new elements; tombstones get `proto.timestamp` and `now_seconds`. `current` is
// the row as it is now (its live cells; null when there is none) for NeedsCurrentRow operations.
// kInvalid with Cassandra's texts ("List index 3 out of bound, list has size 2", "Invalid null
// map key", "Attempted to set an element on a list which is null"...).
Status ApplyCollectionOperation(const CollectionOperation& op,
                                const std::vector<protocol::BoundValue>& values,
                                const storage::Cell& proto, int64_t now_seconds,
                                const storage::Row* current, storage::Row* out);

// The CQL text of a raw term, as Cassandra's Term.Raw.getText prints it in messages.
std::string TermText(const parser::Term& term);

}  // namespace sibyl::query
