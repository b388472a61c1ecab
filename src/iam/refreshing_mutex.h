#pragma once
// RefreshingMutex: the IAM service's mutex on many nodes (issue 15). When another node changes
// IAM, this node's subscriber only marks the state stale (it must never wait for the mutex: the
// publishing node may be waiting for this node's ack while a request here holds it); whoever
// takes the mutex next reloads the state from storage first. So a change is in force on every
// node when the publishing API call returns, and no reload ever blocks an ack.
// BasicLockable (std::lock_guard); thread-safe.

#include <atomic>
#include <functional>
#include <mutex>

namespace sibyl::iam {

class RefreshingMutex {
 public:
  // `refresh` runs with the mutex held; false: it failed, and runs again at the next lock.
  explicit RefreshingMutex(std::function<bool()> refresh) : refresh_(std::move(refresh)) {}
  RefreshingMutex(const RefreshingMutex&) = delete;
  RefreshingMutex& operator=(const RefreshingMutex&) = delete;

  void lock() {
    mu_.lock();
    RefreshIfStale();
  }
  bool try_lock() {
    if (!mu_.try_lock()) return false;
    RefreshIfStale();
    return true;
  }
  void unlock() { mu_.unlock(); }

  // The guarded state changed in storage: the next lock() reloads it. Never blocks.
  void MarkStale() { stale_.store(true); }

 private:
  void RefreshIfStale() {
    if (stale_.exchange(false) && !refresh_()) stale_.store(true);
  }

  std::mutex mu_;
  std::atomic<bool> stale_{false};
  const std::function<bool()> refresh_;
};

}  // namespace sibyl::iam
