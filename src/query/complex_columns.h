#pragma once
// Non-frozen list, set and map columns on the query side (issue 11): how a collection value
// becomes element cells on the way in, and how the live element cells of a row become the
// native-protocol collection value again on the way out. The cell names and their merge are
// storage's (storage/complex_cells.h, docs/dev/key-encoding.md "Multi-cell columns").
//
// Paths: a set element's path is its serialization (cell value empty), a map entry's path the
// key's serialization (cell value = the map value), a list element's path a 16-byte element id
// whose byte order is the list order (ListElementIds below).

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "cql/types/type.h"
#include "cql/types/value.h"
#include "storage/partition.h"

#include "query/namespaces.h"

namespace sibyl::query {

// Whether a column of this type is stored one cell per element: a non-frozen list, set or map.
bool IsMultiCellCollection(const types::Type& type);

// List element ids (16 bytes: u64 big-endian time in 100 ns units since the UUID epoch, then 8
// bytes of per-process node and sequence). Thread-safe.
// `count` ids for an append, increasing, each above every id appended before in this process.
std::vector<std::string> AppendListElementIds(size_t count);
// `count` ids for a prepend, increasing among themselves, below every id prepended before and
// below every append id: Cassandra's Lists.PrecisionTime, which mirrors the clock around
// 2010-01-01 so that a later prepend sorts first.
std::vector<std::string> PrependListElementIds(size_t count);

// The elements of a serialized collection (validated bytes): list/set: the elements; map: key,
// value, key, value... kInvalid if malformed.
Result<std::vector<std::string>> CollectionElements(const types::Type& type,
                                                    std::string_view serialized);

// Adds the element cells of the serialized collection `value` (list/set/map of `type`) to
// `cells` for column `column`, each a copy of `proto` (timestamp, TTL, expiry) with its value.
// List elements get `list_ids` as paths (one per element, in order). kInvalid if malformed.
Status AddElementCells(const types::Type& type, std::string_view column, std::string_view value,
                       const storage::Cell& proto, const std::vector<std::string>& list_ids,
                       std::map<std::string, storage::Cell>* cells);

// One live element of a collection in a resolved row: its path and cell value.
struct CollectionElement {
  std::string_view path;
  std::string_view value;
};

// The live elements of column `column` in the resolved cells of a row (no tombstones left), in
// collection order: lists by element id, sets by element and maps by key in the type's order.
// Views into `cells`.
std::vector<CollectionElement> LiveElements(const types::Type& type, std::string_view column,
                                            const std::map<std::string, storage::Cell>& cells);

// The native-protocol value of column `column` from a resolved row's cells (the element cells
// of a multi-cell collection assembled, sorted as LiveElements); nullopt when no element is
// live (an empty collection is null, as in Cassandra).
types::Value AssembleCollection(const types::Type& type, std::string_view column,
                                const std::map<std::string, storage::Cell>& cells);

// The live cell of the element of non-frozen set or map column `column` whose element (set) or
// key (map) equals `key` in the type's order (so 1.0 finds 1.00 in a set<decimal>), or nullptr.
// For WRITETIME(c[k]) / TTL(c[k]) (Cassandra 5.0, CASSANDRA-8877). Linear in the elements.
const storage::Cell* FindLiveElementCell(const types::Type& type, std::string_view column,
                                         std::string_view key,
                                         const std::map<std::string, storage::Cell>& cells);

}  // namespace sibyl::query
