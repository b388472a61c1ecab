#pragma once
// The instant of the statement being executed, so that currentTimestamp(), currentDate(),
// currentTime() (and the time of now()'s timeuuids) are the same for every row and every call
// of one statement execution (issue 13). A StatementClockScope lives on the stack of the thread
// running a request; the first reading inside it fixes the instant. Nested scopes (a batch and
// its statements) share the outer one.

#include <cstdint>

namespace sibyl::query::functions {

class StatementClockScope {
 public:
  StatementClockScope();
  ~StatementClockScope();
  StatementClockScope(const StatementClockScope&) = delete;
  StatementClockScope& operator=(const StatementClockScope&) = delete;

 private:
  bool outer_;
};

// Microseconds since the epoch: the current scope's instant, or the wall clock outside one.
int64_t StatementNowMicros();

}  // namespace sibyl::query::functions
