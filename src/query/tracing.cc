#include "query/tracing.h"

#include <pthread.h>

#include <algorithm>

#include "common/clock.h"
#include "common/utf8.h"
#include "cql/types/value.h"

namespace sibyl::query {
namespace {

thread_local TraceState* current_trace = nullptr;

// Cassandra names its threads (Native-Transport-Requests-1, ReadStage-2...); Sibyl's workers
// are named by their pool, as the OS knows them.
std::string ThreadName() {
  char name[32] = {0};
  if (pthread_getname_np(pthread_self(), name, sizeof name) != 0 || name[0] == '\0') {
    return "Native-Transport-Requests";
  }
  return name;
}

}  // namespace

TraceState::TraceState(TraceStore& store, std::shared_ptr<TraceSessionRecord> record)
    : store_(store),
      record_(std::move(record)),
      session_id_(record_->session_id),
      started_(std::chrono::steady_clock::now()) {}

void TraceState::Event(std::string activity) {
  if (activity.size() > TraceStore::kMaxActivityBytes) {
    activity = QuoteForMessage(activity, TraceStore::kMaxActivityBytes);
  }
  TraceEventRecord event;
  event.event_id = types::TimeUuidNow();
  event.activity = std::move(activity);
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started_);
  event.source_elapsed = static_cast<int32_t>(std::min<int64_t>(elapsed.count(), INT32_MAX));
  event.thread = ThreadName();
  store_.Append(*record_, std::move(event));
}

void TraceState::Finish() {
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started_);
  store_.Complete(*record_, static_cast<int32_t>(std::min<int64_t>(elapsed.count(), INT32_MAX)));
}

std::unique_ptr<TraceState> TraceStore::Begin(std::string command, std::string request,
                                              std::map<std::string, std::string> parameters,
                                              std::string client) {
  auto record = std::make_shared<TraceSessionRecord>();
  record->session_id = types::TimeUuidNow();
  record->command = std::move(command);
  record->request = std::move(request);
  for (auto& [k, v] : parameters) {
    if (v.size() > kMaxParameterBytes) v = QuoteForMessage(v, kMaxParameterBytes);
  }
  record->parameters = std::move(parameters);
  record->client = std::move(client);
  record->started_at_ms = NowMicros() / 1000;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    DropExpired(now);
    while (sessions_.size() >= max_sessions_ && !sessions_.empty()) sessions_.pop_front();
    sessions_.push_back(Entry{now + ttl_, record});
  }
  return std::make_unique<TraceState>(*this, record);
}

void TraceStore::Append(TraceSessionRecord& record, TraceEventRecord event) {
  std::lock_guard lock(mu_);
  if (record.events.size() < kMaxEventsPerSession) record.events.push_back(std::move(event));
}

void TraceStore::Complete(TraceSessionRecord& record, int32_t duration_us) {
  std::lock_guard lock(mu_);
  record.duration_us = duration_us;
}

void TraceStore::DropExpired(std::chrono::steady_clock::time_point now) const {
  while (!sessions_.empty() && sessions_.front().expires <= now) sessions_.pop_front();
}

std::vector<TraceSessionRecord> TraceStore::Sessions() const {
  std::lock_guard lock(mu_);
  DropExpired(std::chrono::steady_clock::now());
  std::vector<TraceSessionRecord> out;
  out.reserve(sessions_.size());
  for (const auto& entry : sessions_) out.push_back(*entry.record);
  return out;
}

TraceState* CurrentTrace() { return current_trace; }

ScopedTrace::ScopedTrace(TraceState* trace) : previous_(current_trace) { current_trace = trace; }

ScopedTrace::~ScopedTrace() { current_trace = previous_; }

}  // namespace sibyl::query
