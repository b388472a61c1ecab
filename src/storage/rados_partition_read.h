#pragma once
// The RADOS engine's partition read (docs/dev/rados-mapping.md "Read" and "Big partitions"): the
// head's header, piece map and rows, then the pieces of the ranges asked, merged by fragment key
// and reconciled with row_codec's rules. Restarts (bounded) when a spill or split moved rows
// under it. Thread-safe (no state of its own); blocking: one or more RADOS round trips.

#include <atomic>
#include <cstdint>
#include <optional>
#include <rados/librados.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/engine.h"
#include "storage/rados_fragments.h"

namespace sibyl::storage::rados {

// A read compaction the read found; `spill_equals`: the head's `spill` xattr must still be this
// value (row compactions; docs: "Why nothing is lost or doubled"), nullopt for the header.
struct GuardedCompaction {
  Compaction plan;
  std::optional<std::string> spill_equals;
};

// What a read reports besides its rows.
struct ReadReport {
  std::vector<GuardedCompaction> compactions;  // of the head; to submit (asynchronously)
  uint64_t head_row_fragments = 0;             // row fragments read from the head
  bool spilled = false;                        // the head has a piece map
};

struct ReadEnv {
  SuffixSource* suffixes = nullptr;  // for compaction plans
  int64_t gc_grace_seconds = 864000;
  std::atomic<uint64_t>* entries_read = nullptr;  // omap entries read (head and pieces), if set
};

// One slice (SliceQuery without also_first_row) of the partition whose head is `head_oid`. With
// `seen`, raises it to every timestamp read (issue 12); with `cas`, sets it to the head's `cas`
// xattr ("" absent, nullopt if the head does not exist). kCorruption on malformed stored bytes,
// the context's Status at its deadline, kIOError when RADOS fails or the partition kept being
// reorganized under the read.
Result<ResolvedPartition> ReadPartitionSlice(librados::IoCtx& io, const std::string& head_oid,
                                             const std::string& partition_key, int64_t token,
                                             const SliceQuery& query, int64_t* seen,
                                             std::optional<std::string>* cas, const ReadEnv& env,
                                             ReadReport* report);

}  // namespace sibyl::storage::rados
