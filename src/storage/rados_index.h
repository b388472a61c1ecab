#pragma once
// The per-table partition index of the RADOS engine (docs/dev/rados-mapping.md "The partition
// index"): 256 shard objects `i.<hex2>` whose omap keys are flipped token ‖ 0x00 ‖ partition key,
// so that a scan walks shards in name order and each omap in key order: token order. Entries are
// written before a partition's first data and removed only by TRUNCATE/DROP. Also AioBatch, the
// engine's way to run RADOS operations in parallel.

#include <rados/librados.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "storage/engine.h"

namespace sibyl::storage::rados {

// Operations started together and awaited together. Every wait is bounded by librados's
// rados_osd_op_timeout (RadosOptions::op_timeout): a dead OSD gives -ETIMEDOUT, not a hang.
// The operations must outlive Wait(). Not thread-safe.
class AioBatch {
 public:
  AioBatch() = default;
  AioBatch(const AioBatch&) = delete;
  AioBatch& operator=(const AioBatch&) = delete;
  ~AioBatch();

  void Add(librados::IoCtx& io, const std::string& oid, librados::ObjectWriteOperation* op);
  void Add(librados::IoCtx& io, const std::string& oid, librados::ObjectReadOperation* op);
  size_t size() const { return completions_.size(); }
  // Waits for every operation; their return codes in the order added.
  std::vector<int> Wait();

 private:
  std::vector<librados::AioCompletion*> completions_;
  std::vector<int> started_;  // the rc of aio_operate itself (< 0: never started)
};

class PartitionIndex {
 public:
  // Remembers up to about `cache_bytes` of partitions this node has indexed.
  explicit PartitionIndex(size_t cache_bytes) : cache_bytes_(cache_bytes) {}

  // Writes the index entries of `partitions` of `table_id` (in `io`, its namespace) that this
  // node has not written yet, in parallel, and waits for them.
  Status Ensure(librados::IoCtx& io, const std::string& table_id,
                const std::vector<PartitionPosition>& partitions);
  // Partitions in token order from the query's start or resume position (entries only: a
  // partition may be empty).
  Result<std::vector<PartitionPosition>> Scan(librados::IoCtx& io, const ScanQuery& query);
  // Forgets what this node indexed for `table_id` (after TRUNCATE/DROP), or for every table.
  // An Ensure that looked the cache up before it returns caches nothing.
  void Forget(const std::string& table_id);

 private:
  std::string CacheKey(const std::string& table_id, const PartitionPosition& p) const;

  const size_t cache_bytes_;
  std::mutex mu_;
  std::unordered_set<std::string> indexed_;  // GUARDED_BY(mu_)
  size_t bytes_ = 0;                         // GUARDED_BY(mu_)
  uint64_t generation_ = 0;                  // GUARDED_BY(mu_): Forget calls so far
};

}  // namespace sibyl::storage::rados
