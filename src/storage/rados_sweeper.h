#pragma once
// The background TTL and tombstone sweeper of the RADOS engine (issue 15,
// docs/dev/rados-mapping.md "Sweeper"). Read compaction expires cells and purges tombstones only
// in rows that are read; the sweeper does it for the rest, without a pool listing: for each
// table it walks the partition index (`i.<shard>` objects, token order, in pages) over the token
// ranges this node owns on the registry's ring (storage/token_layout.h OwnedRanges: each
// partition is swept by one live node), and runs rados_compaction.h SweepObject on each
// partition, under the same omap_cmp guards as read compaction (a concurrent write, increment
// or compaction on any node is never lost or counted twice). The pieces of big partitions are
// swept under the head's spill lease (rados_spill.h SweepPieces), a piece page counting as one
// partition in the rate.
//
// Progress (where each table's pass is, when its next pass is due) is kept in memory only: after
// a restart each table's pass starts again from its first owned token. Empty partitions keep
// their object and index entry (docs: removing the entry would race a first write elsewhere).
// The RocksDB engine needs none of this: its compaction filter purges.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "storage/coordinator.h"
#include "storage/engine.h"
#include "storage/rados_compaction.h"
#include "storage/rados_connection.h"
#include "storage/token_layout.h"

namespace sibyl::storage {

// A table to sweep: its storage id and its gc_grace_seconds (CQL table option).
struct SweptTable {
  std::string table_id;
  int64_t gc_grace_seconds = 864000;
};

struct RadosSweeperOptions {
  // A table's pass over this node's ranges starts at most once per period (measured from the
  // previous pass's start). 0 disables the sweeper. Default: 6 hours. Not reloaded.
  std::chrono::seconds period{6 * 3600};
  // At most this many partitions swept per second by this node, all tables together. Default: 100.
  double partitions_per_second = 100;
  // Index entries read per step (bounds memory). Default: 256.
  uint64_t page = 256;
  // Delay before the first pass after Start (a starting node has other work). Default: 60 s.
  std::chrono::seconds first_delay{60};
};

class RadosSweeper {
 public:
  // The tables to sweep now (the current schema's); called from the sweeper's thread.
  using ListTables = std::function<std::vector<SweptTable>()>;

  // `coordinator` gives this node's tokens and the live nodes' (null: this node owns the whole
  // ring). Both `connection` and `coordinator` must outlive the sweeper.
  RadosSweeper(std::shared_ptr<RadosConnection> connection, Coordinator* coordinator,
               ListTables tables, RadosSweeperOptions options);
  ~RadosSweeper();  // Stop()
  RadosSweeper(const RadosSweeper&) = delete;
  RadosSweeper& operator=(const RadosSweeper&) = delete;

  // Starts the background thread (nothing when options.period is 0). Call once.
  void Start();
  // Refuses new work and waits for the thread: returns after the RADOS op in flight (bounded by
  // the op timeout), never after a whole partition or page. Idempotent.
  void Stop();

  // One whole pass of `table` over this node's ranges on the calling thread, without the rate
  // limit; what it did. Does not touch the background progress.
  Result<rados::SweepStats> SweepTableForTesting(const SweptTable& table);

 private:
  // Per table, in memory (see the file comment).
  struct Progress {
    bool in_pass = false;
    std::chrono::steady_clock::time_point pass_started;
    std::chrono::steady_clock::time_point next_due;
    std::optional<PartitionPosition> resume;  // last partition swept in this pass
    rados::SweepStats stats;                  // of this pass
  };

  void Run();
  // This node's token ranges now; kIOError when the registry cannot be read.
  Result<std::vector<TokenRange>> Ranges();
  // Sweeps the next page of `table`'s index after `*resume` within `ranges`; sets `*done` when
  // the pass is over. `throttle` (null: none) is called before each partition; false stops.
  Status SweepPage(const SweptTable& table, const std::vector<TokenRange>& ranges,
                   std::optional<PartitionPosition>* resume, bool* done,
                   const std::function<bool()>& throttle, rados::SweepStats* stats);
  // Sweeps the pieces of the big partition whose head is `head_oid` (rados_spill.h SweepPieces),
  // one lease hold at a time, `throttle` called once per piece page between holds; stops for
  // this pass when a spill holds the lease.
  Status SweepPieces(librados::IoCtx& io, const std::string& head_oid, const SweptTable& table,
                     const std::function<bool()>& throttle, rados::SweepStats* stats);
  // Waits `d` or until Stop; false when stopping.
  bool Sleep(std::chrono::steady_clock::duration d);

  // Constant after construction.
  const std::shared_ptr<RadosConnection> connection_;
  Coordinator* const coordinator_;
  const ListTables tables_;
  const RadosSweeperOptions options_;
  const std::string owner_;  // names this sweeper in the spill leases it takes (16 hex)

  rados::SuffixSource suffixes_;
  std::map<std::string, Progress> progress_;  // the sweeper thread's only

  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace sibyl::storage
