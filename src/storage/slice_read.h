#pragma once
// What every engine's partition read does the same way once it has the stored header and rows
// (RocksDB, RADOS): the static row, the deletion covering a row, the timestamps an LWT must beat
// (issue 12), and SliceQuery::also_first_row. Pure functions over row_codec's structs.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "storage/engine.h"
#include "storage/row_codec.h"

namespace sibyl::storage {

// Moves the partition's live static row (if the query wants it) from `header` into `out`.
inline void TakeStaticRow(PartitionHeader& header, const SliceQuery& query, ResolvedPartition& out) {
  if (!query.want_static || !header.static_row) return;
  auto live = ResolveRow(std::move(*header.static_row), header.deletion.timestamp,
                         query.now_seconds, query.dropped_columns);
  if (live && !live->cells.empty()) {
    live->marker = Liveness{};
    out.static_row = std::move(*live);
  }
}

// The highest deletion timestamp covering `clustering`: the partition deletion or a range
// tombstone containing it (kNoTimestamp if none).
inline int64_t CoveringDeletion(const PartitionHeader& header, const std::string& clustering) {
  int64_t ts = header.deletion.timestamp;
  for (const auto& rt : header.range_tombstones) {
    if (rt.range.Contains(clustering) && (ts == kNoTimestamp || rt.deletion.timestamp > ts)) {
      ts = rt.deletion.timestamp;
    }
  }
  return ts;
}

// Raise `*seen` (if not null) to the greatest timestamp stored in `row` / `header` (issue 12).
inline void NoteSeen(const Row& row, int64_t* seen) {
  if (seen == nullptr) return;
  if (row.marker.timestamp != kNoTimestamp) *seen = std::max(*seen, row.marker.timestamp);
  if (row.deletion.timestamp != kNoTimestamp) *seen = std::max(*seen, row.deletion.timestamp);
  for (const auto& [name, cell] : row.cells) *seen = std::max(*seen, cell.timestamp);
}
inline void NoteSeen(const PartitionHeader& header, int64_t* seen) {
  if (seen == nullptr) return;
  if (header.deletion.timestamp != kNoTimestamp) *seen = std::max(*seen, header.deletion.timestamp);
  for (const auto& rt : header.range_tombstones) {
    if (rt.deletion.timestamp != kNoTimestamp) *seen = std::max(*seen, rt.deletion.timestamp);
  }
  if (header.static_row) NoteSeen(*header.static_row, seen);
}

// The greatest timestamp of the live content of a read (cells, markers), or INT64_MIN + 1.
inline int64_t MaxTimestamp(const ResolvedPartition& p) {
  int64_t out = INT64_MIN + 1;
  auto row_max = [&](const Row& row) {
    if (row.marker.timestamp != kNoTimestamp) out = std::max(out, row.marker.timestamp);
    for (const auto& [name, cell] : row.cells) out = std::max(out, cell.timestamp);
  };
  if (p.static_row) row_max(*p.static_row);
  for (const auto& row : p.rows) row_max(row);
  return out == INT64_MAX ? INT64_MAX - 1 : out;
}

// SliceQuery::also_first_row (issue 12): the named ranges, then the partition's first live row
// merged in its place. `read` reads one slice (never with also_first_row set).
inline Result<ResolvedPartition> ReadWithFirstRow(
    const SliceQuery& query, const std::function<Result<ResolvedPartition>(const SliceQuery&)>& read) {
  SliceQuery named = query;
  named.also_first_row = false;
  ASSIGN_OR_RETURN(ResolvedPartition out, read(named));
  SliceQuery first = named;
  first.ranges.clear();
  first.reversed = false;
  first.resume_after.reset();
  first.row_limit = 1;
  first.want_static = false;
  ASSIGN_OR_RETURN(ResolvedPartition head, read(first));
  if (!head.rows.empty()) {
    Row& row = head.rows[0];
    auto at = std::find_if(out.rows.begin(), out.rows.end(), [&](const Row& r) {
      return query.reversed ? r.clustering <= row.clustering : r.clustering >= row.clustering;
    });
    if (at == out.rows.end() || at->clustering != row.clustering) out.rows.insert(at, std::move(row));
  }
  return out;
}

}  // namespace sibyl::storage
