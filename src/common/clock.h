#pragma once
// Wall-clock time as Cassandra counts it: write timestamps in microseconds since the Unix epoch,
// TTL expiry ("local deletion time") in seconds since the epoch.

#include <chrono>
#include <cstdint>

namespace sibyl {

inline int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t NowMillis() { return NowMicros() / 1000; }

inline int64_t NowSeconds() { return NowMicros() / 1000000; }

}  // namespace sibyl
