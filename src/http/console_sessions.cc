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

}  // namespace sibyl::http
