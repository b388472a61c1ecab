#pragma once
// Rows and counter cells of the RADOS engine tests (rados_engine_test.cc,
// rados_big_partition_test.cc): fixed-width clustering keys and counter deltas.
#include <cstdint>
#include <string>

#include "storage/engine.h"
#include "storage/partition.h"

namespace sibyl::storage {

// A 4-byte big-endian clustering: prefix-free and ordered like `i`.
inline std::string Ck(uint32_t i) {
  std::string out;
  for (int b = 3; b >= 0; --b) out.push_back(static_cast<char>(i >> (8 * b)));
  return out;
}
inline uint32_t CkValue(const std::string& c) {
  uint32_t v = 0;
  for (char ch : c) v = (v << 8) | static_cast<uint8_t>(ch);
  return v;
}
// A counter cell adding `delta` at `ts`.
inline Cell Delta(int64_t ts, int64_t delta) {
  Cell c;
  c.timestamp = ts;
  c.counter = true;
  for (int i = 7; i >= 0; --i) {
    c.value.push_back(static_cast<char>(static_cast<uint64_t>(delta) >> (8 * i)));
  }
  return c;
}
// The value of a counter cell.
inline int64_t CounterValue(const Cell& c) {
  uint64_t v = 0;
  for (char ch : c.value) v = (v << 8) | static_cast<uint8_t>(ch);
  return static_cast<int64_t>(v);
}

// One read-increment-write of cell "v" of row `clustering` of partition (`key`, `token`) of
// table "t" through CompareAndApply, reading `read` (a "v" that is not a number counts as 0).
inline Status IncrementByCompareAndApply(Engine& node, const std::string& key, int64_t token,
                                         const std::string& clustering, const SliceQuery& read) {
  return node.CompareAndApply(
      "t", key, token, read,
      [&](const ResolvedPartition& current,
          int64_t ts) -> Result<std::optional<PartitionMutation>> {
        int n = 0;
        if (!current.rows.empty()) {
          const std::string& v = current.rows[0].cells.at("v").value;
          if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos) n = std::stoi(v);
        }
        PartitionMutation m;
        m.partition_key = key;
        m.token = token;
        Row r;
        r.clustering = clustering;
        r.marker.timestamp = ts;
        r.cells["v"] = Cell{ts, 0, 0, false, std::to_string(n + 1)};
        m.rows.push_back(std::move(r));
        return std::optional<PartitionMutation>(std::move(m));
      });
}

}  // namespace sibyl::storage
