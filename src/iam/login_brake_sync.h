#pragma once
// LoginBrakeSync: the failed-login brake across the nodes of one storage (issue 15). Without
// it each node's LoginBrake counts only the failures it saw, so a guesser spreading over N nodes
// got N times the free guesses and short delays.
//
// Every `period`, on its own thread: writes this node's FailureSketch (LoginBrake::LocalSketch,
// 4 KiB) as its row of the internal table `sibyl_login_failures` (when it holds any failure),
// reads every other node's row, decays each by its age and hands the sum to
// LoginBrake::SetRemoteSketch. Layout (docs/dev/rados-mapping.md "The failed-login brake",
// DO NOT CHANGE: persisted): partition "sketches"; clustering = the node id; cell "s" =
// wall-clock milliseconds (8 bytes, big-endian) || FailureSketch::Encode(), TTL 10 minutes (ten
// half-lives: a node that stopped is forgotten). Rows are bounded (at most 256 nodes read) and
// validated (a row of the wrong size is skipped and logged).
//
// Cost: one small write (only while this node sees failures) and one read per period per node,
// none on any login. A failure elsewhere counts here within one period; what a node saw before
// its first exchange is not counted elsewhere (the first `period` of an attack).
// Start()/Stop(); SyncOnce is what the thread runs (tests call it). Thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace sibyl::storage {
class Engine;
}

namespace sibyl::iam {

class LoginBrake;

inline constexpr const char* kLoginFailuresTableId = "sibyl_login_failures";

struct LoginBrakeSyncOptions {
  // Time between two exchanges. Default: 1 s.
  std::chrono::milliseconds period{1000};
};

class LoginBrakeSync {
 public:
  // Creates the table if needed. `node_id`: this node's stable id (its host id), 1-64 bytes.
  // `engine` and `brake` must outlive the sync.
  static Result<std::unique_ptr<LoginBrakeSync>> Open(storage::Engine& engine, LoginBrake& brake,
                                                      std::string node_id,
                                                      LoginBrakeSyncOptions options = {});
  LoginBrakeSync(const LoginBrakeSync&) = delete;
  LoginBrakeSync& operator=(const LoginBrakeSync&) = delete;
  ~LoginBrakeSync() { Stop(); }

  void Start();
  // Refuses further exchanges and waits for the one running. Idempotent.
  void Stop();

  // One exchange at wall-clock `wall_ms` (ms since the epoch) and brake clock `brake_ms`
  // (BrakeClockMillis). Storage errors as is (the thread logs them and tries again).
  Status SyncOnce(int64_t wall_ms, int64_t brake_ms);

 private:
  LoginBrakeSync(storage::Engine& engine, LoginBrake& brake, std::string node_id,
                 LoginBrakeSyncOptions options)
      : engine_(engine), brake_(brake), node_id_(std::move(node_id)), options_(options) {}
  void Run();

  storage::Engine& engine_;
  LoginBrake& brake_;
  const std::string node_id_;
  const LoginBrakeSyncOptions options_;

  std::atomic<int64_t> last_skip_logged_ms_{INT64_MIN / 2};  // an unreadable row was logged
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace sibyl::iam
