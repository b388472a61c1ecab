#pragma once
// Group commit, the engine's side (issue 14, docs/dev/performance.md): one thread fsyncs the
// write-ahead log for every write that asked since the previous fsync began, then runs their
// callbacks. While one fsync runs, the next group gathers, so a busy server does one fsync per
// disk round trip whatever the number of writers, and no request holds a thread while it waits.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"

namespace sibyl::storage {

class GroupCommit {
 public:
  using SyncFunction = std::function<Status()>;
  using Callback = std::function<void(const Status&)>;

  // `sync` makes durable every write that returned before it was called (RocksDB: SyncWAL).
  explicit GroupCommit(SyncFunction sync);
  ~GroupCommit();  // Stop()
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Runs `done` with the Status of a sync that began after this call, on the group-commit
  // thread (after Stop: at once, on the calling thread, after a sync of its own). Callbacks
  // must be short: they delay the next group.
  void Defer(Callback done);

  // Syncs for and runs every callback deferred so far, then joins the thread. Idempotent.
  void Stop();

  // Fsyncs done so far (tests, and the performance note's measurements).
  uint64_t syncs() const;

 private:
  void Run();

  const SyncFunction sync_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Callback> waiting_;  // GUARDED_BY(mu_)
  bool stopping_ = false;          // GUARDED_BY(mu_)
  uint64_t syncs_ = 0;             // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace sibyl::storage
