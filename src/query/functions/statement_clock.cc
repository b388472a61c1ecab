#include "query/functions/statement_clock.h"

#include "common/clock.h"

namespace sibyl::query::functions {
namespace {

struct ClockState {
  int depth = 0;
  int64_t instant = 0;  // 0: not read yet in this scope
};
thread_local ClockState clock_state;

}  // namespace

StatementClockScope::StatementClockScope() : outer_(clock_state.depth == 0) {
  ++clock_state.depth;
  if (outer_) clock_state.instant = 0;
}

StatementClockScope::~StatementClockScope() {
  --clock_state.depth;
  if (outer_) clock_state.instant = 0;
}

int64_t StatementNowMicros() {
  if (clock_state.depth == 0) return NowMicros();
  if (clock_state.instant == 0) clock_state.instant = NowMicros();
  return clock_state.instant;
}

}  // namespace sibyl::query::functions
