#pragma once
// LoginBrake: slows password and key guessing at every login door (CQL SASL PLAIN and SigV4,
// the console's sign-in) without ever locking the rightful owner out (issue 9 item 7).
//
// Each failed login is counted against its source address (IPv6 by /64, the block one host
// usually holds) and against the name it tried (user name or access key id). A count decays
// exponentially (it halves every `half_life`), so an idle key is forgotten. The answer to a
// failed login is delayed by
//     base_delay * 2^(count - free_failures - 1), at most max_delay,
// for the larger of the two counts; the first `free_failures` (typos) are answered at once.
// A correct password or key is never delayed and never refused by the brake, whoever else is
// guessing: the brake only makes wrong guesses slow. With one guess at a time per connection
// (the doors wait for the delayed answer before reading the next attempt), a guesser gets at
// most (its connections / max_delay) answers per second instead of thousands.
//
// Memory is bounded: at most `max_keys` addresses and `max_keys` names are tracked; when a
// table is full the half with the lowest counts is forgotten. Names longer than 128 bytes are
// tracked by their first 128 bytes and a hash of the rest.
//
// Many nodes (issue 15): every failure is also added to a FailureSketch of this node's decayed
// counts (fixed size), which LoginBrakeSync (login_brake_sync.h) exchanges through the shared
// storage; the sum of the other nodes' sketches is added to this node's exact counts. So a
// guesser spreading its attempts over N nodes is slowed as if it used one, within the
// exchange period. The right password is still never delayed, and no login touches storage.
//
// Thread-safe. Time is passed in (milliseconds on a monotonic clock), so tests need no sleeps.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "iam/failure_sketch.h"

namespace sibyl::iam {

struct LoginBrakeOptions {
  // Failures per key answered without delay. Default: 3.
  double free_failures = 3;
  // Delay of the first delayed failure; each further failure doubles it. Default: 250 ms.
  std::chrono::milliseconds base_delay{250};
  // Longest delay of one answer (below drivers' 5 s connect timeouts, so that a person who
  // mistyped still reads "bad credentials"). Default: 3 s.
  std::chrono::milliseconds max_delay{3000};
  // Time for a count to halve. Default: 60 s.
  std::chrono::milliseconds half_life{60000};
  // Addresses, and names, tracked at most. Default: 16384 each (about 4 MB in all).
  size_t max_keys = 16384;
};

class LoginBrake {
 public:
  explicit LoginBrake(LoginBrakeOptions options = {}) : options_(options) {}
  LoginBrake(const LoginBrake&) = delete;
  LoginBrake& operator=(const LoginBrake&) = delete;

  // Records a failed login from `address` (as the socket gives it, "::1" or "10.0.0.7") for
  // `name` at `now_ms`, and returns how long to wait before answering it.
  std::chrono::milliseconds RecordFailure(std::string_view address, std::string_view name,
                                          int64_t now_ms);
  // A successful login as `name`: the name's failures are forgotten (the address's are not, so
  // that a guesser cannot clear its own count by logging in as itself).
  void RecordSuccess(std::string_view name);

  // The decayed failure counts at `now_ms` (for tests and diagnostics).
  double AddressFailures(std::string_view address, int64_t now_ms) const;
  double NameFailures(std::string_view name, int64_t now_ms) const;
  size_t TrackedForTesting() const;

  // ---- many nodes (issue 15) ----
  // This node's own failures, decayed to `now_ms`, for the other nodes.
  FailureSketch LocalSketch(int64_t now_ms);
  // The other nodes' failures (the sum of their sketches), decayed to `now_ms`; replaces the
  // previous one.
  void SetRemoteSketch(FailureSketch remote, int64_t now_ms);

  const LoginBrakeOptions& options() const { return options_; }

  // The key an address is counted under: IPv4 as is, IPv6 by its /64 ("2001:db8:0:1::/64"),
  // an IPv4-mapped IPv6 address as its IPv4 address.
  static std::string AddressKey(std::string_view address);

 private:
  struct Count {
    double failures = 0;
    int64_t updated_ms = 0;
  };
  using Table = std::unordered_map<std::string, Count>;

  double Decayed(const Count& count, int64_t now_ms) const;
  double DecayFactor(int64_t from_ms, int64_t to_ms) const;
  // The other nodes' failures of `key` at `now_ms`. REQUIRES: mu_ held
  double Remote(std::string_view key, int64_t now_ms) const;
  double Add(Table& table, std::string key, int64_t now_ms);  // REQUIRES: mu_ held
  double Get(const Table& table, const std::string& key, int64_t now_ms) const;
  void Shrink(Table& table, int64_t now_ms);  // REQUIRES: mu_ held
  std::chrono::milliseconds DelayFor(double failures) const;
  static std::string NameKey(std::string_view name);

  const LoginBrakeOptions options_;
  mutable std::mutex mu_;
  Table addresses_;  // GUARDED_BY(mu_)
  Table names_;      // GUARDED_BY(mu_)
  // Keys "a:<address key>" and "n:<name key>", as of local_ms_ / remote_ms_.
  FailureSketch local_;   // GUARDED_BY(mu_)
  int64_t local_ms_ = 0;  // GUARDED_BY(mu_)
  FailureSketch remote_;   // GUARDED_BY(mu_)
  int64_t remote_ms_ = 0;  // GUARDED_BY(mu_)
};

// Monotonic milliseconds for LoginBrake.
inline int64_t BrakeClockMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace sibyl::iam
