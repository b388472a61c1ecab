#pragma once
// The values stored under row keys and partition-header keys, and Cassandra's reconciliation
// rules that merge them (docs/dev/key-encoding.md). Pure functions: no RocksDB here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/partition.h"

namespace sibyl::storage {

// Partition-level state: partition deletion, range tombstones and the static row.
struct PartitionHeader {
  Deletion deletion;
  std::vector<RangeTombstone> range_tombstones;
  std::optional<Row> static_row;

  bool operator==(const PartitionHeader&) const = default;
};

// DO NOT CHANGE: persisted. First byte of every stored value.
inline constexpr char kFormatVersion = 1;

// The partition-level part of a mutation (partition deletion, range tombstones, static row), or
// nullopt when it has none: what both engines store as a header value.
std::optional<PartitionHeader> MutationHeader(const PartitionMutation& m);

std::string EncodeRow(const Row& row);
// EncodeRow into *out (replacing its contents, reusing its memory).
void EncodeRowInto(const Row& row, std::string* out);
Result<Row> DecodeRow(std::string_view bytes);  // clustering is not stored: left empty
std::string EncodeHeader(const PartitionHeader& header);
Result<PartitionHeader> DecodeHeader(std::string_view bytes);

// Whether cell `a` wins over cell `b` (Cassandra's reconciliation).
bool CellWins(const Cell& a, const Cell& b);
// Counter cells (Cell::counter) reconcile with each other and with cell tombstones by adding,
// not by picking a winner: whether that rule applies to `a` and `b`, and their reconciliation
// (commutative and associative; docs/dev/key-encoding.md "Counters").
bool IsCounterReconciliation(const Cell& a, const Cell& b);
Cell ReconcileCounterCells(const Cell& a, const Cell& b);
// Merges `newer` into `into` (order does not matter: the merge is commutative) and drops what
// the row deletion shadows.
void MergeRow(Row& into, const Row& newer);
void MergeHeader(PartitionHeader& into, const PartitionHeader& newer);
// Merges the stored values of one key, oldest first (`existing`, when not null, before the
// operands): each is decoded once and the result encoded once, so merging n operands (a hot
// counter's increments) costs n decodes, not n decode-merge-encode rounds. When the newest value
// supersedes every older one (no row deletion, and each older marker and cell older than the
// newest value's marker and cell of its column: an overwrite), the result is the newest value's
// bytes, found without decoding (issue 14). False when a value is malformed or the values mix rows
// and headers.
bool MergeStoredValues(const std::string_view* existing,
                       const std::vector<std::string_view>& operands, std::string* out);
// Whether merging the stored row value `newer` after `older` (null: no value before it) gives
// `newer`'s bytes unchanged: MergeStoredValues's overwrite fast path, found without decoding.
bool StoredRowSupersedes(const std::string_view* older, std::string_view newer);

// The live content of a stored row at `now_seconds`, given the partition-level deletions that
// cover it (`covering` is the highest deletion timestamp among the partition deletion and the
// range tombstones containing the row). nullopt when nothing of the row is live. Takes the row
// by value: a caller done with it moves it in, and live cells (large values too) are not copied.
// Cells of `dropped` columns written at or before their drop time are removed first (null: no
// dropped columns). Row metadata cells (IsRowMetadataCell) are kept when the row is live but
// never make it live.
std::optional<Row> ResolveRow(Row stored, int64_t covering, int64_t now_seconds,
                              const DroppedColumns* dropped = nullptr);

// Compaction: turns expired cells into tombstones and drops tombstones whose local deletion
// time is older than `purge_before` (pass INT64_MIN to keep them all). Returns false when
// nothing is left of the row.
bool CompactRow(Row& row, int64_t now_seconds, int64_t purge_before);

}  // namespace sibyl::storage
