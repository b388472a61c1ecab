#pragma once
// Request tracing (native_protocol_v4.spec §2.2 "tracing" flag; issue 10 item 23): a request sent
// with the flag gets a trace session whose events (parse, authorise, storage reads and writes,
// with counts and microseconds since the session began) are served as Cassandra 4.1's
// system_traces.sessions and system_traces.events, which cqlsh's TRACING ON and the drivers'
// get_query_trace read.
//
// Bounded, as Cassandra's tracing is by its one-day TTL: sessions expire after `ttl` and at most
// `max_sessions` are kept (the oldest go first); a session keeps at most kMaxEventsPerSession
// events, each activity and parameter bounded in size. An untraced request pays one thread-local load per trace point (TraceEvent).

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/namespaces.h"

namespace sibyl::query {

struct TraceEventRecord {
  std::string event_id;  // timeuuid, 16 bytes
  std::string activity;
  int32_t source_elapsed = 0;  // microseconds since the session began
  std::string thread;
};

struct TraceSessionRecord {
  std::string session_id;  // uuid (a timeuuid, as Cassandra makes), 16 bytes
  std::string client;      // client address text
  std::string command;     // "QUERY", "EXECUTE", "PREPARE", "BATCH"
  std::string request;     // "Execute CQL3 query"...
  std::map<std::string, std::string> parameters;
  int64_t started_at_ms = 0;
  std::optional<int32_t> duration_us;  // null while the request runs
  std::vector<TraceEventRecord> events;
};

class TraceStore;

// One traced request. Made by TraceStore::Begin; events are added on the request's thread.
class TraceState {
 public:
  TraceState(TraceStore& store, std::shared_ptr<TraceSessionRecord> record);
  const std::string& session_id() const { return session_id_; }
  void Event(std::string activity);
  // Records the duration; the session becomes complete for readers.
  void Finish();

 private:
  TraceStore& store_;
  const std::shared_ptr<TraceSessionRecord> record_;  // shared with the store
  const std::string session_id_;
  const std::chrono::steady_clock::time_point started_;
};

class TraceStore {
 public:
  // Worst case held: max_sessions x (kMaxEventsPerSession x kMaxActivityBytes + parameters of
  // kMaxParameterBytes each), about 1,000 x 300 KiB; a request records about ten events.
  static constexpr size_t kMaxEventsPerSession = 256;
  static constexpr size_t kMaxActivityBytes = 1024;
  static constexpr size_t kMaxParameterBytes = 16 << 10;

  // Defaults: Cassandra's one-day TTL on system_traces; 1,000 sessions.
  explicit TraceStore(std::chrono::seconds ttl = std::chrono::hours(24),
                      size_t max_sessions = 1000)
      : ttl_(ttl), max_sessions_(max_sessions) {}

  // A new session for a request of `command` from `client`. Thread-safe.
  std::unique_ptr<TraceState> Begin(std::string command, std::string request,
                                    std::map<std::string, std::string> parameters,
                                    std::string client);
  // Copies of the live sessions, oldest first (expired ones are dropped). Thread-safe.
  std::vector<TraceSessionRecord> Sessions() const;

 private:
  friend class TraceState;
  void Append(TraceSessionRecord& record, TraceEventRecord event);
  void Complete(TraceSessionRecord& record, int32_t duration_us);
  void DropExpired(std::chrono::steady_clock::time_point now) const;  // REQUIRES: mu_ held

  const std::chrono::seconds ttl_;
  const size_t max_sessions_;
  mutable std::mutex mu_;
  struct Entry {
    std::chrono::steady_clock::time_point expires;
    std::shared_ptr<TraceSessionRecord> record;
  };
  mutable std::deque<Entry> sessions_;  // GUARDED_BY(mu_), by start time
};

// The trace of the request running on this thread, or null (ScopedTrace sets it).
TraceState* CurrentTrace();
// Adds an event to the current trace, if any. Cheap when there is none.
inline void TraceEvent(std::string_view activity) {
  if (TraceState* trace = CurrentTrace()) trace->Event(std::string(activity));
}

// Makes `trace` (may be null) the current trace of this thread for its lifetime.
class ScopedTrace {
 public:
  explicit ScopedTrace(TraceState* trace);
  ~ScopedTrace();
  ScopedTrace(const ScopedTrace&) = delete;
  ScopedTrace& operator=(const ScopedTrace&) = delete;

 private:
  TraceState* previous_;
};

}  // namespace sibyl::query
