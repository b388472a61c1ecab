#pragma once
// Wall-clock time as Cassandra counts it: write timestamps in microseconds since the Unix epoch,
// TTL expiry ("local deletion time") in seconds since the epoch.

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace sibyl {

inline int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t NowMillis() { return NowMicros() / 1000; }

inline int64_t NowSeconds() { return NowMicros() / 1000000; }

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
