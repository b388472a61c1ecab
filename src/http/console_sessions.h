#pragma once
// The console's sign-in sessions and the brake on failed sign-ins. A session is a random 256-bit
// id (the HttpOnly cookie) with its own random CSRF token (sent by the page in X-CSRF-Token on
// every state-changing call); it ends after `idle_seconds` without use, `absolute_seconds` after
// sign-in, or at sign-out. Sessions live in memory: a restart signs everyone out.
// Thread-safe.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "iam/iam_service.h"

namespace sibyl::http {

struct ConsoleSession {
  std::string id;
  std::string csrf_token;
  iam::Principal principal;
  int64_t created = 0;    // seconds
  int64_t last_used = 0;  // seconds
};

struct ConsoleSessionLimits {
  int64_t idle_seconds = 30 * 60;
  int64_t absolute_seconds = 12 * 60 * 60;
  // Failed sign-ins allowed per user name, and per source address (several people may share
  // one), in `failure_window_seconds`; more are refused until the window has passed.
  int max_failures_per_name = 5;
  int max_failures_per_address = 20;
  int64_t failure_window_seconds = 300;
};

class ConsoleSessions {
 public:
  explicit ConsoleSessions(ConsoleSessionLimits limits = {}) : limits_(limits) {}

  ConsoleSession Create(const iam::Principal& principal, int64_t now);
  // The live session with this id (its idle clock restarted), or nullopt.
  std::optional<ConsoleSession> Find(const std::string& id, int64_t now);
  void Delete(const std::string& id);

  // Seconds until `key` may try again after `max_failures` failures; 0 when it may now.
  int64_t RetryAfter(const std::string& key, int max_failures, int64_t now);
  void RecordFailure(const std::string& key, int64_t now);
  void RecordSuccess(const std::string& key);

  const ConsoleSessionLimits& limits() const { return limits_; }

 private:
  struct Failures {
    int count = 0;
    int64_t window_start = 0;
  };
  const ConsoleSessionLimits limits_;
  std::mutex mu_;
  std::map<std::string, ConsoleSession> sessions_;  // GUARDED_BY(mu_)
  std::map<std::string, Failures> failures_;        // GUARDED_BY(mu_)
};

}  // namespace sibyl::http
