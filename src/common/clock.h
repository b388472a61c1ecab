#pragma once
// Wall-clock time as Cassandra counts it: write timestamps in microseconds since the Unix epoch,
// TTL expiry ("local deletion time") in seconds since the epoch.

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

#include <time.h>

namespace sibyl {

inline int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t NowMillis() { return NowMicros() / 1000; }

inline int64_t NowSeconds() { return NowMicros() / 1000000; }

// Clocks that every request reads, coarse (issue 14, docs/dev/performance.md "Per-request costs
// of a point read at 32 in flight"): the kernel's time at its last tick (1-4 ms old), read from
// the vDSO without the TSC: ~4 ns against ~26-30 ns for CLOCK_MONOTONIC or CLOCK_REALTIME on this
// VM, where they were ~4% of a point read's server CPU. For what is counted in seconds or checked
// against a deadline of seconds, never for write timestamps.

// The seconds since the epoch a read applies TTLs at: a cell is seen live at most one tick past
// its expiry second.
inline int64_t CoarseNowSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return ts.tv_sec;
}

// std::chrono::steady_clock's time points (CLOCK_MONOTONIC's epoch), from CLOCK_MONOTONIC_COARSE:
// a deadline is seen at most one tick late.
struct CoarseSteadyClock {
  using duration = std::chrono::steady_clock::duration;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::steady_clock::time_point;
  static constexpr bool is_steady = true;
  static time_point now() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return time_point(std::chrono::duration_cast<duration>(std::chrono::seconds(ts.tv_sec) +
                                                           std::chrono::nanoseconds(ts.tv_nsec)));
  }
};

// ISO 8601 in UTC to the second, as AWS writes dates: "2026-11-27T02:20:18Z".
inline std::string IsoTimestamp(int64_t seconds_since_epoch) {
  std::time_t t = static_cast<std::time_t>(seconds_since_epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace sibyl
