#pragma once
// The console's sign-in sessions, kept in the storage engine so that every node sharing it
// knows them (issue 15: a load balancer may send each request of a console user to another
// node; a sign-out on one node ends the session on all of them at once). A session is a random
// 258-bit token (in the HttpOnly cookie, with the principal's user id and the sign-in time that
// locate its row) with its own random CSRF token (sent by the page in X-CSRF-Token on every
// state-changing call); it ends after `idle_seconds` without use, `absolute_seconds` after
// sign-in, or at sign-out. Only a SHA-256 of the token is stored (console_session_record.h has
// the layout). Every Find reads storage (no cache), so a sign-out anywhere is in force for the
// next request everywhere. Sessions survive a restart. (Failed sign-ins are slowed by the IAM
// service's LoginBrake, shared with CQL logins; it never refuses the right password, issue 9
// item 7.)
// Thread-safe (the engine provides the synchronisation).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "iam/iam_service.h"

namespace sibyl::storage {
class Engine;
}

namespace sibyl::http {

struct ConsoleSession {
  std::string id;  // the cookie value
  std::string csrf_token;
  iam::Principal principal;
  int64_t created = 0;    // seconds
  int64_t last_used = 0;  // seconds
  // The newest write timestamp (µs) of the stored row as read: a sign-out deletes above it,
  // so a node whose clock is behind still ends the session.
  int64_t stored_timestamp = 0;
};

struct ConsoleSessionLimits {
  // Seconds without use after which a session ends. Default: 30 minutes.
  int64_t idle_seconds = 30 * 60;
  // Seconds after sign-in at which a session ends, used or not. Default: 12 hours.
  int64_t absolute_seconds = 12 * 60 * 60;
  // Sessions one principal holds at most: a sign-in beyond ends its oldest ones. Bounds the
  // rows (storage) and the read at sign-in; overall, sessions <= this x principals. Default: 100.
  int max_per_principal = 100;
  // A use rewrites the stored last-use time only when it is at least this old, so that a busy
  // page costs no write per request; the idle limit is then enforced to within this many
  // seconds (a session may end up to this much early). Default: 60.
  int64_t touch_seconds = 60;
};

class ConsoleSessions {
 public:
  // Creates the internal table if needed. `engine` must outlive the sessions.
  static Result<std::unique_ptr<ConsoleSessions>> Open(storage::Engine& engine,
                                                       ConsoleSessionLimits limits = {});
  ConsoleSessions(const ConsoleSessions&) = delete;
  ConsoleSessions& operator=(const ConsoleSessions&) = delete;

  // A new session for `principal`, stored before it returns (ending the principal's oldest
  // sessions beyond max_per_principal in the same atomic write). Storage errors as is.
  Result<ConsoleSession> Create(const iam::Principal& principal, int64_t now);
  // The live session the cookie value `id` names (its idle clock restarted), or nullopt: no
  // such session, ended, expired, a malformed cookie, or a stored row that does not decode
  // (logged: the bytes come from shared storage). Storage errors as is.
  Result<std::optional<ConsoleSession>> Find(const std::string& id, int64_t now);
  // Ends `session` (as returned by Find) on every node.
  Status Delete(const ConsoleSession& session);

  const ConsoleSessionLimits& limits() const { return limits_; }

 private:
  ConsoleSessions(storage::Engine& engine, ConsoleSessionLimits limits)
      : engine_(engine), limits_(limits) {}

  storage::Engine& engine_;
  const ConsoleSessionLimits limits_;
};

}  // namespace sibyl::http
