#pragma once
// Group commit, the request's side (issue 14, docs/dev/performance.md).
//
// Under Durability::kSync a write is acknowledged only once it is fsynced. A thread that runs a
// request may open a DeferredSyncScope around it: the engine's writes made on that thread then
// return once they are in the write-ahead log (written, not yet fsynced) and mark the scope
// pending, and the caller asks Engine::WhenDurable to acknowledge the request after the next
// fsync. One fsync then serves every write made meanwhile, and no thread waits for the disk.
// Without a scope (internal writes, the IAM API, tests), writes fsync before returning.
//
// What a deferred write does not give: it is visible to other readers before its fsync (as with
// Redis's appendfsync always); it is never acknowledged before it.

namespace sibyl::storage {

class DeferredSyncScope {
 public:
  DeferredSyncScope() : outer_(current_) { current_ = this; }
  ~DeferredSyncScope() { current_ = outer_; }
  DeferredSyncScope(const DeferredSyncScope&) = delete;
  DeferredSyncScope& operator=(const DeferredSyncScope&) = delete;

  // Whether a write in this scope left its fsync to Engine::WhenDurable.
  bool pending() const { return pending_; }

  // For engines: the scope open on this thread, or null.
  static DeferredSyncScope* Current() { return current_; }
  void MarkPending() { pending_ = true; }

 private:
  static inline thread_local DeferredSyncScope* current_ = nullptr;
  DeferredSyncScope* const outer_;
  bool pending_ = false;
};

}  // namespace sibyl::storage
