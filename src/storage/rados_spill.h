#pragma once
// The mover of big partitions (docs/dev/rados-mapping.md "Big partitions"): when a partition's
// head holds `spill_above` row fragments or more, moves them into range pieces under the head's
// `spill` lease, merges rows that had several fragments, and splits pieces that grew past a
// quarter of the bound. Runs on its own thread (one per engine: at most one spill per partition per node, never
// on a request's thread); Stop() refuses new work and waits for the spill running.
// SweepPieces: the background sweeper's expiry and purging inside pieces, under the same lease.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <rados/librados.hpp>
#include <set>
#include <string>
#include <thread>

#include "common/status.h"
#include "storage/rados_compaction.h"
#include "storage/rados_fragments.h"

namespace sibyl::storage::rados {

class Spiller {
 public:
  // `suffixes` outlives the spiller. `spill_above`: the bound in row entries (>= 2).
  Spiller(uint64_t spill_above, int64_t gc_grace_seconds, SuffixSource* suffixes);
  ~Spiller() { Stop(); }
  Spiller(const Spiller&) = delete;
  Spiller& operator=(const Spiller&) = delete;

  void Start();
  void Stop();

  // Queues a check of the partition whose head is `head_oid` in `io`'s namespace `table_id`:
  // nothing if it is queued already or the queue holds 4,096; once more after it if it is
  // running. Any thread.
  void Queue(const librados::IoCtx& io, const std::string& table_id, const std::string& head_oid);
  // Notes `n` row fragments written to the head; queues a check every spill_above / 4.
  void NoteWritten(const librados::IoCtx& io, const std::string& table_id,
                   const std::string& head_oid, size_t n);
  // Waits until the queue is empty and no check runs (tests).
  void WaitIdle();

  // Counts the head's row fragments (up to the bound) and spills when they reach it, on the
  // caller's thread. kIOError when RADOS fails, kCorruption on malformed stored bytes.
  Status CheckAndSpill(librados::IoCtx& io, const std::string& head_oid);

  uint64_t spill_above() const { return spill_above_; }

 private:
  void Loop();

  const uint64_t spill_above_;
  const int64_t gc_grace_seconds_;
  SuffixSource* const suffixes_;
  const std::string owner_;  // 16 hex: names this node in the leases it takes

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  struct Job {
    std::string key;  // table id / head oid
    std::string head_oid;
    librados::IoCtx io;
  };
  std::deque<Job> queue_;          // GUARDED_BY(mu_)
  std::set<std::string> pending_;  // GUARDED_BY(mu_): queued or running
  std::set<std::string> again_;    // GUARDED_BY(mu_): running, and asked for again meanwhile
  std::map<std::string, uint64_t> written_;  // GUARDED_BY(mu_)
  size_t running_ = 0;                       // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::thread thread_;
};

// What one SweepPieces call left: every piece swept to its end (or the partition is gone), more
// to do from `*position`, or the lease was busy (a spill runs: nothing was done).
enum class PieceSweep : uint8_t { kDone, kMore, kBusy };

// One lease hold of the sweep of the pieces of the big partition whose head is `head_oid`
// (docs/dev/rados-mapping.md "Sweeper", "Sweeping pieces"), on the caller's thread. Takes the
// head's `spill` lease exactly as a spill does (an expired one is taken over and its dead
// holder's work redone first); kBusy, untouched, when another holder has it. Under it, from
// after `*position` (a piece row fragment key; "" = from the first piece) in map order, reads
// each piece's rows in pages of at most 1,024 entries and rewrites every row whose rewrite
// changes something (PlanCompaction, CompactWhen::kChanged, `gc_grace_seconds`; a row of more
// than 1,024 fragments is left alone) with the guarded op of read compaction plus the piece's
// `gen` set to the head's version (readers that read the head before the lease restart, as
// after a spill's merge). The hold ends at a row boundary after 16 pages, at the end of the
// last piece, or when `stop` is set; the lease is then let go and `*position` tells where the
// next call goes on. Memory: one page plus one row's fragments
// (at most kMaxCompactedAtOnce). `owner`: 16 hex characters naming this node in the lease.
// Errors: kIOError from RADOS (or a lease lost), kCorruption on malformed stored bytes; the
// lease is let go in every case.
Result<PieceSweep> SweepPieces(librados::IoCtx& io, const std::string& head_oid,
                               int64_t gc_grace_seconds, SuffixSource& suffixes,
                               const std::string& owner, const std::atomic<bool>& stop,
                               std::string* position, SweepStats* stats);

}  // namespace sibyl::storage::rados
