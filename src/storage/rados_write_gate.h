#pragma once
// WriteGate: lets TRUNCATE wait for the writes a node had in flight (docs/dev/rados-mapping.md
// "TRUNCATE and racing writes"). A write holds a Pass for its whole duration (index entries and
// data); Drain() returns once every write that entered before it has left. Writes that enter
// after Drain() began are not waited for, so a steady stream of writes never starves it (unlike
// a reader-preferring shared mutex). Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>

namespace sibyl::storage::rados {

class WriteGate {
 public:
  class Pass {
   public:
    explicit Pass(WriteGate& gate) : gate_(gate), epoch_(gate.Enter()) {}
    ~Pass() { gate_.Leave(epoch_); }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

   private:
    WriteGate& gate_;
    const uint64_t epoch_;
  };

  // Waits for every Pass made before this call to be destroyed.
  void Drain() {
    std::unique_lock lock(mu_);
    const uint64_t before = epoch_++;
    cv_.wait(lock, [&] { return in_flight_.empty() || in_flight_.begin()->first > before; });
  }

 private:
  uint64_t Enter() {
    std::lock_guard lock(mu_);
    ++in_flight_[epoch_];
    return epoch_;
  }
  void Leave(uint64_t epoch) {
    std::lock_guard lock(mu_);
    auto it = in_flight_.find(epoch);
    if (--it->second == 0) {
      in_flight_.erase(it);
      cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t epoch_ = 0;                 // GUARDED_BY(mu_)
  std::map<uint64_t, int> in_flight_;  // GUARDED_BY(mu_): writes in flight per epoch
};

}  // namespace sibyl::storage::rados
