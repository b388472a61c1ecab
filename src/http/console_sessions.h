#pragma once
// The console's sign-in sessions. A session is a random 256-bit
// id (the HttpOnly cookie) with its own random CSRF token (sent by the page in X-CSRF-Token on
// every state-changing call); it ends after `idle_seconds` without use, `absolute_seconds` after
// sign-in, or at sign-out. Sessions live in memory: a restart signs everyone out. (Failed
// sign-ins are slowed by the IAM service's LoginBrake, shared with CQL logins; it never refuses
// the right password, issue 9 item 7.)
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
};

class ConsoleSessions {
 public:
  explicit ConsoleSessions(ConsoleSessionLimits limits = {}) : limits_(limits) {}

  ConsoleSession Create(const iam::Principal& principal, int64_t now);
  // The live session with this id (its idle clock restarted), or nullopt.
  std::optional<ConsoleSession> Find(const std::string& id, int64_t now);
  void Delete(const std::string& id);

  const ConsoleSessionLimits& limits() const { return limits_; }

 private:
  const ConsoleSessionLimits limits_;
  std::mutex mu_;
  std::map<std::string, ConsoleSession> sessions_;  // GUARDED_BY(mu_)
};

}  // namespace sibyl::http
