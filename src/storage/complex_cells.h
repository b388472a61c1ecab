#pragma once
// Multi-cell ("complex") columns: non-frozen list, set and map columns, and non-frozen UDTs,
// stored as Cassandra's ComplexColumnData stores them: one cell per element, addressed by a
// cell path, plus one per-column deletion (issue 11). docs/dev/key-encoding.md "Multi-cell
// columns" is the persisted format; this header is its API.
//
// Within Row::cells (column name -> Cell) a multi-cell column `c` uses these names:
//   c + 0xFE + path   one element. The path is opaque bytes chosen by query/: a set element's
//                     serialized value (the cell value is empty), a map key's serialized value
//                     (the cell value is the map value), a list element id (16 bytes that sort
//                     by bytes in list order, query/complex_columns.h), a UDT field's position.
//                     An element tombstone (DELETE m[k]) is a tombstone cell under this name.
//   c + 0xFD          the collection deletion: a tombstone cell whose timestamp shadows every
//                     element of `c` written at or before it (Cassandra's complex deletion
//                     time). `c = {...}` writes it at ts - 1, DELETE c at ts.
// CQL column names are non-empty valid UTF-8, which never holds 0xFD, 0xFE or 0xFF, so these
// names never collide with a column or with row metadata cells (0xFF prefix, partition.h), and
// the first 0xFD/0xFE byte of a name ends the column name. Every column whose name extends `c`
// continues with a UTF-8 byte (< 0xF5), so c + 0xFD then the c + 0xFE cells are one contiguous
// run of the sorted map, deletion first: ComplexCellsBegin/End bound it.
//
// Reconciliation needs nothing new: each element and the deletion reconcile as cells
// (CellWins), so writes stay blind merges. MergeRow then drops the elements its collection
// deletion shadows, and ResolveRow (reads) drops the deletion, the elements it shadows and the
// elements of a dropped column written up to the drop time. A row is live while one element is.

#include <map>
#include <string>
#include <string_view>

#include "storage/partition.h"

namespace sibyl::storage {

// DO NOT CHANGE: persisted.
inline constexpr char kCollectionDeletionByte = '\xfd';
inline constexpr char kElementSeparator = '\xfe';

enum class CellNameKind : uint8_t {
  kSimple,              // a whole column value (or a row metadata cell)
  kElement,             // column + 0xFE + path
  kCollectionDeletion,  // column + 0xFD
};

// A cell name split into its parts. Views into the name given to SplitCellName.
struct CellNameParts {
  CellNameKind kind = CellNameKind::kSimple;
  std::string_view column;  // the whole name for kSimple
  std::string_view path;    // kElement only
};

// The cell name of the element of `column` at `path` (path may be empty: an empty set element).
inline std::string ElementCellName(std::string_view column, std::string_view path) {
  std::string name;
  name.reserve(column.size() + 1 + path.size());
  name.append(column);
  name.push_back(kElementSeparator);
  name.append(path);
  return name;
}

// The cell name of the collection deletion of `column`.
inline std::string CollectionDeletionCellName(std::string_view column) {
  std::string name(column);
  name.push_back(kCollectionDeletionByte);
  return name;
}

// Splits any cell name. Row metadata cells (0xFF prefix) are kSimple.
inline CellNameParts SplitCellName(std::string_view name) {
  CellNameParts parts;
  parts.column = name;
  if (!name.empty() && name[0] == kRowMetadataCellPrefix) return parts;
  for (size_t i = 0; i < name.size(); ++i) {
    const char b = name[i];
    if (b == kElementSeparator) {
      parts.kind = CellNameKind::kElement;
      parts.column = name.substr(0, i);
      parts.path = name.substr(i + 1);
      return parts;
    }
    if (b == kCollectionDeletionByte && i + 1 == name.size()) {
      parts.kind = CellNameKind::kCollectionDeletion;
      parts.column = name.substr(0, i);
      return parts;
    }
  }
  return parts;
}

// The column a cell belongs to (the name itself for a simple cell).
inline std::string_view CellColumn(std::string_view name) { return SplitCellName(name).column; }

// A collection deletion cell: a tombstone at `timestamp`, deleted at `local_deletion_time`
// (seconds, for gc_grace).
inline Cell CollectionDeletionCell(int64_t timestamp, int64_t local_deletion_time) {
  Cell cell;
  cell.timestamp = timestamp;
  cell.tombstone = true;
  cell.local_deletion_time = local_deletion_time;
  return cell;
}

// The run of `cells` that belongs to multi-cell column `column`: its collection deletion (if
// any) then its elements in path byte order. [ComplexCellsBegin, ComplexCellsEnd).
inline std::map<std::string, Cell>::const_iterator ComplexCellsBegin(
    const std::map<std::string, Cell>& cells, std::string_view column) {
  return cells.lower_bound(CollectionDeletionCellName(column));
}
inline std::map<std::string, Cell>::const_iterator ComplexCellsEnd(
    const std::map<std::string, Cell>& cells, std::string_view column) {
  std::string past(column);
  past.push_back('\xff');
  return cells.lower_bound(past);
}

}  // namespace sibyl::storage
