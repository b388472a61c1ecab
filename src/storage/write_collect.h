#pragma once
// Writes of one event-loop turn in one storage write (issue 14, docs/dev/performance.md
// "Writes coalesced per event-loop turn").
//
// A cheap prepared write runs on its connection's event-loop thread (query/inline_cost.h). When
// every such write made its own storage write, the two event-loop threads queued in RocksDB's
// write group and each paid its own WAL append. A thread that runs cheap writes may open a
// WriteCollectScope around each: an engine that supports it then adds the request's blind writes
// (Engine::Apply) to the thread's CollectedWrites instead of applying them, and marks the scope.
// The thread answers those requests only after CollectedWrites::Commit succeeded (and, under sync
// durability, after the group commit's fsync), once per turn of its event loop, as Redis does
// per turn; when Commit fails nothing was applied and the caller runs each request again.
//
// What it does not give: a collected write is invisible to every reader until the commit, so
// the thread runs any request that is not a collected write only after the commit (an inline
// read waits for it: server/turn_writes.h); and only
// requests whose single use of the engine is one Apply may run in a scope. Engines that do not
// support it ignore the scope and apply at once.

#include <cstddef>
#include <memory>

#include "common/status.h"

namespace sibyl::storage {

// An engine's writes collected but not yet applied.
class CollectedWrites {
 public:
  virtual ~CollectedWrites() = default;
  // Applies everything collected as one atomic write, as Apply does (per the DeferredSyncScope
  // and NoStallScope open on the calling thread), and empties the set. On failure nothing was
  // applied. Not thread-safe: the thread that collected commits.
  virtual Status Commit() = 0;
  // Bytes collected so far (the caller commits early past a bound).
  virtual size_t bytes() const = 0;
  virtual bool empty() const = 0;
};

class WriteCollectScope {
 public:
  explicit WriteCollectScope(std::unique_ptr<CollectedWrites>* into)
      : outer_(current_), into_(into) {
    current_ = this;
  }
  ~WriteCollectScope() { current_ = outer_; }
  WriteCollectScope(const WriteCollectScope&) = delete;
  WriteCollectScope& operator=(const WriteCollectScope&) = delete;

  // Whether a write in this scope was collected, not applied: the request must not be answered
  // before the commit.
  bool collected() const { return collected_; }

  // For engines: the scope open on this thread, or null; where to collect (an engine creates
  // its CollectedWrites there when it is empty, and applies at once when it holds another
  // engine's); to mark the scope once a write was collected.
  static WriteCollectScope* Current() { return current_; }
  std::unique_ptr<CollectedWrites>& into() { return *into_; }
  void MarkCollected() { collected_ = true; }

 private:
  static inline thread_local WriteCollectScope* current_ = nullptr;
  WriteCollectScope* const outer_;
  std::unique_ptr<CollectedWrites>* const into_;
  bool collected_ = false;
};

}  // namespace sibyl::storage
