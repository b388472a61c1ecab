#include "server/connection_limiter.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>

namespace sibyl::server {

ConnectionLimiter::ConnectionLimiter(int64_t max_connections, int64_t max_connections_per_address)
    : max_connections_(max_connections), max_per_address_(max_connections_per_address) {}

ConnectionLimiter::Ticket& ConnectionLimiter::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    Release();
    limiter_ = std::move(other.limiter_);
    address_ = std::move(other.address_);
    other.limiter_.reset();
  }
  return *this;
}

void ConnectionLimiter::Ticket::Release() {
  if (limiter_ == nullptr) return;
  limiter_->Release(address_);
  limiter_.reset();
}

std::optional<ConnectionLimiter::Ticket> ConnectionLimiter::TryAcquire(
    const std::string& address) {
  std::lock_guard lock(mu_);
  const bool over_total = max_connections_ >= 0 && open_ >= max_connections_;
  int64_t from_address = 0;
  if (max_per_address_ >= 0 && !address.empty()) {
    auto it = per_address_.find(address);
    if (it != per_address_.end()) from_address = it->second;
  }
  const bool over_address = max_per_address_ >= 0 && !address.empty() &&
                            from_address >= max_per_address_;
  if (over_total || over_address) {
    // An attacker opening thousands of connections must not flood the log either.
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    if (now != last_warning_) {
      last_warning_ = now;
      if (over_total) {
        spdlog::warn("Exceeded maximum native connection limit of {} by using {} connections",
                     max_connections_, open_ + 1);
      } else {
        spdlog::warn(
            "Exceeded maximum native connection limit per ip of {} by using {} connections "
            "(from {})",
            max_per_address_, from_address + 1, address);
      }
    }
    return std::nullopt;
  }
  ++open_;
  if (max_per_address_ >= 0 && !address.empty()) ++per_address_[address];
  return Ticket(shared_from_this(), max_per_address_ >= 0 ? address : std::string());
}

void ConnectionLimiter::Release(const std::string& address) {
  std::lock_guard lock(mu_);
  --open_;
  if (address.empty()) return;
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second <= 0) per_address_.erase(it);
}

int64_t ConnectionLimiter::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

int64_t CapConnectionsByFileDescriptors(int64_t configured) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return configured;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return configured;
  const auto budget = static_cast<int64_t>(limit.rlim_cur / 4 * 3);
  return configured < 0 ? budget : std::min(configured, budget);
}

}  // namespace sibyl::server
