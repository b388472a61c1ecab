#pragma once
// Writes that must not wait for a throttled storage (issue 14, docs/dev/performance.md "Inline
// execution").
//
// A cheap prepared write may run on its connection's event-loop thread (query/inline_cost.h).
// When RocksDB throttles writes (a write stall: too many memtables or level-0 files while
// compaction catches up) a write would block that thread and every connection on it. A thread
// that must not block opens a NoStallScope: the engine's writes on it then fail at once instead
// of waiting, applying nothing, and mark the scope; the caller runs the request again where
// waiting is allowed (the worker pool). Engines that never block on a local throttle ignore it.

namespace sibyl::storage {

class NoStallScope {
 public:
  NoStallScope() : outer_(current_) { current_ = this; }
  ~NoStallScope() { current_ = outer_; }
  NoStallScope(const NoStallScope&) = delete;
  NoStallScope& operator=(const NoStallScope&) = delete;

  // Whether a write in this scope was refused because it would have waited (nothing applied).
  bool stalled() const { return stalled_; }

  // For engines: the scope open on this thread, or null.
  static NoStallScope* Current() { return current_; }
  void MarkStalled() { stalled_ = true; }

 private:
  static inline thread_local NoStallScope* current_ = nullptr;
  NoStallScope* const outer_;
  bool stalled_ = false;
};

}  // namespace sibyl::storage
