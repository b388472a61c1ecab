#include "storage/group_commit.h"

#include <utility>

namespace sibyl::storage {

GroupCommit::GroupCommit(SyncFunction sync) : sync_(std::move(sync)) {
  thread_ = std::thread([this] { Run(); });
}

GroupCommit::~GroupCommit() { Stop(); }

void GroupCommit::Defer(Callback done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      waiting_.push_back(std::move(done));
      if (waiting_.size() == 1) wake_.notify_one();  // else it is awake or already notified
      return;
    }
    ++syncs_;
  }
  done(sync_());
}

void GroupCommit::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

uint64_t GroupCommit::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

void GroupCommit::Run() {
  std::vector<Callback> group;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
    if (waiting_.empty()) return;  // stopping, and every callback has run
    group.swap(waiting_);
    ++syncs_;
    lock.unlock();
    // Every write of this group returned before its callback was deferred, so before this sync.
    const Status status = sync_();
    for (auto& done : group) done(status);
    group.clear();  // the callbacks' captures are released outside the lock
    lock.lock();
  }
}

}  // namespace sibyl::storage
