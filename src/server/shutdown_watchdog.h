#pragma once
// ShutdownWatchdog: bounds the stop sequence (issue 9 item 4). Stopping waits for running
// requests, which stop at their next deadline check once their connections are closed; the
// watchdog is the backstop for anything that does not check (a stuck disk, a bug): when the
// stop takes longer than its budget, it logs and ends the process at once. Acknowledged writes
// are safe then: they are in the fsynced WAL.
//
// main() declares it first (so it is destroyed last, after every stop) and arms it when the
// stop signal arrives.

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace sibyl::server {

class ShutdownWatchdog {
 public:
  ShutdownWatchdog() = default;
  ~ShutdownWatchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  ShutdownWatchdog(const ShutdownWatchdog&) = delete;
  ShutdownWatchdog& operator=(const ShutdownWatchdog&) = delete;

  // Starts counting. Unless destroyed within `budget`, exits the process with code 1 (without
  // running destructors). REQUIRES: called once.
  void Arm(std::chrono::milliseconds budget) {
    thread_ = std::thread([this, budget] {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, budget, [this] { return done_; })) return;
      spdlog::critical("Shutdown did not finish within {} ms; exiting now", budget.count());
      spdlog::shutdown();
      std::_Exit(1);
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace sibyl::server
