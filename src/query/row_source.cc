#include "query/row_source.h"

#include <algorithm>

namespace sibyl::query {

void MemoryRowSource::Add(const std::string& partition_key, int64_t token, storage::Row row,
                          bool is_static) {
  Partition& p = partitions_[{token, partition_key}];
  if (is_static) {
    p.static_row = std::move(row);
  } else {
    std::string key = row.clustering;
    p.rows[key] = std::move(row);
  }
}

Result<storage::ResolvedPartition> MemoryRowSource::ReadPartition(
    const std::string& partition_key, int64_t token, const storage::SliceQuery& query) {
  storage::ResolvedPartition out;
  out.partition_key = partition_key;
  out.token = token;
  auto it = partitions_.find({token, partition_key});
  if (it == partitions_.end()) return out;
  const Partition& p = it->second;
  if (query.want_static && p.static_row) out.static_row = p.static_row;
  auto in_ranges = [&](const std::string& key) {
    if (query.ranges.empty()) return true;
    return std::any_of(query.ranges.begin(), query.ranges.end(),
                       [&](const storage::ClusteringRange& r) { return r.Contains(key); });
  };
  auto visit = [&](const storage::Row& row) {
    if (query.resume_after) {
      bool after = query.reversed ? row.clustering < *query.resume_after
                                  : row.clustering > *query.resume_after;
      if (!after) return true;
    }
    if (!in_ranges(row.clustering)) return true;
    if (out.rows.size() >= query.row_limit) {
      out.more = true;
      return false;
    }
    out.rows.push_back(row);
    return true;
  };
  if (query.reversed) {
    for (auto r = p.rows.rbegin(); r != p.rows.rend(); ++r) {
      if (!visit(r->second)) break;
    }
  } else {
    for (const auto& [key, row] : p.rows) {
      if (!visit(row)) break;
    }
  }
  return out;
}

Result<std::vector<storage::PartitionPosition>> MemoryRowSource::ScanPartitions(
    const storage::ScanQuery& query) {
  std::vector<storage::PartitionPosition> out;
  for (const auto& [key, partition] : partitions_) {
    const auto& [token, pk] = key;
    if (token < query.start_token || (token == query.start_token && !query.start_inclusive)) continue;
    if (token > query.end_token) break;
    if (query.resume_after && std::make_pair(token, pk) <=
                                  std::make_pair(query.resume_after->token,
                                                 query.resume_after->partition_key)) {
      continue;
    }
    out.push_back({token, pk});
    if (out.size() >= query.max_partitions) break;
  }
  return out;
}

}  // namespace sibyl::query
