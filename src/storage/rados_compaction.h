#pragma once
// Running the compactions of a RADOS partition object (docs/dev/rados-mapping.md "Read
// compaction" and "Sweeper"): how a rados_fragments.h Compaction becomes one guarded write op,
// shared by read compaction (rados_engine.cc) and the background sweeper (rados_sweeper.h), and
// the sweep of one whole object, page by page.

#include <atomic>
#include <cstdint>
#include <rados/librados.hpp>
#include <string>

#include "common/status.h"
#include "storage/rados_fragments.h"

namespace sibyl::storage::rados {

// Adds `plan` to `op`: omap_cmp EQ of every guarded fragment (key with its exact value),
// omap_rm_keys of them, omap_set of the merged fragment if any. The op fails with -ECANCELED
// (nothing changed) when any guarded fragment was changed or removed since it was read, and
// with -ENOENT when the object is gone (TRUNCATE/DROP): it never re-creates an object.
void AddCompaction(const Compaction& plan, librados::ObjectWriteOperation* op);

// What a sweep did (summed over objects by the sweeper).
struct SweepStats {
  uint64_t partitions = 0;         // partitions (index entries) visited
  uint64_t fragments_read = 0;     // omap entries read
  uint64_t rewrites = 0;           // guarded ops that succeeded
  uint64_t fragments_removed = 0;  // fragments those ops replaced (merged or purged)
  uint64_t raced = 0;              // guarded ops cancelled by a concurrent change (-ECANCELED)
  uint64_t piece_pages = 0;        // pages read from the pieces of big partitions
  uint64_t busy = 0;               // big partitions whose pieces were skipped: a spill held them

  SweepStats& operator+=(const SweepStats& o);
};

// Sweeps partition object `oid`: reads its omap in pages of at most 1,024 entries (header
// fragments, then rows in clustering order) and, for every row (and the header) whose rewrite
// changes something (PlanCompaction with CompactWhen::kChanged: several fragments merged,
// expired cells turned into tombstones, tombstones older than `gc_grace_seconds` dropped), runs
// one guarded op (AddCompaction) and waits for it. Memory: one page plus one row's fragments
// (at most kMaxCompactedAtOnce; a row with more is finished by later sweeps). Each RADOS op is
// bounded by the connection's op timeout. Stops early, with OK, when `stop` becomes true.
// Big partitions (rados_pieces.h): `oid` is the head; row rewrites carry a cmpxattr of the
// head's `spill` xattr as read, and none is made while a spill runs (its mover merges the rows
// it moves); the piece map entries are skipped, and piece objects are not swept here: when
// `has_piece_map` is not null it is set to whether the head has a map (rados_spill.h
// SweepPieces sweeps the pieces under the head's lease). A missing object is OK (nothing to
// sweep). Errors: kCorruption for a malformed fragment key or value (the object is left as is),
// kIOError from RADOS.
Status SweepObject(librados::IoCtx& io, const std::string& oid, SuffixSource& suffixes,
                   int64_t gc_grace_seconds, const std::atomic<bool>& stop, SweepStats* stats,
                   bool* has_piece_map = nullptr);

}  // namespace sibyl::storage::rados
