#include "http/console_sessions.h"

#include "iam/secrets.h"

namespace sibyl::http {
namespace {

constexpr const char* kTokenAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

ConsoleSession ConsoleSessions::Create(const iam::Principal& principal, int64_t now) {
  ConsoleSession s;
  s.id = iam::Secrets::RandomString(43, kTokenAlphabet);  // 258 bits
  s.csrf_token = iam::Secrets::RandomString(43, kTokenAlphabet);
  s.principal = principal;
  s.created = s.last_used = now;
  std::lock_guard lock(mu_);
  // Drop expired sessions now and then, so that the map does not grow without bound.
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    bool expired = now - it->second.last_used > limits_.idle_seconds ||
                   now - it->second.created > limits_.absolute_seconds;
    it = expired ? sessions_.erase(it) : std::next(it);
  }
  sessions_[s.id] = s;
  return s;
}

std::optional<ConsoleSession> ConsoleSessions::Find(const std::string& id, int64_t now) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.last_used > limits_.idle_seconds ||
      now - it->second.created > limits_.absolute_seconds) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return it->second;
}

void ConsoleSessions::Delete(const std::string& id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

int64_t ConsoleSessions::RetryAfter(const std::string& key, int max_failures, int64_t now) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  int64_t end = it->second.window_start + limits_.failure_window_seconds;
  if (now >= end) {
    failures_.erase(it);
    return 0;
  }
  return it->second.count >= max_failures ? end - now : 0;
}

void ConsoleSessions::RecordFailure(const std::string& key, int64_t now) {
  std::lock_guard lock(mu_);
  Failures& f = failures_[key];
  if (f.count == 0 || now >= f.window_start + limits_.failure_window_seconds) {
    f = Failures{0, now};
  }
  ++f.count;
}

void ConsoleSessions::RecordSuccess(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

}  // namespace sibyl::http
