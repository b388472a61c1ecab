#include "iam/login_brake.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace sibyl::iam {
namespace {

constexpr size_t kMaxNameKeyBytes = 128;

}  // namespace

std::string LoginBrake::AddressKey(std::string_view address) {
  std::string text(address);
  in6_addr v6{};
  if (text.find(':') == std::string::npos || inet_pton(AF_INET6, text.c_str(), &v6) != 1) {
    return text;  // IPv4, or not an address at all (then counted as given)
  }
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char buf[INET6_ADDRSTRLEN];
  if (std::equal(kMapped, kMapped + 12, v6.s6_addr)) {
    in_addr v4{};
    std::copy(v6.s6_addr + 12, v6.s6_addr + 16, reinterpret_cast<uint8_t*>(&v4.s_addr));
    return inet_ntop(AF_INET, &v4, buf, sizeof(buf));
  }
  // One host usually holds a whole /64: count the block, not each of its 2^64 addresses.
  std::fill(v6.s6_addr + 8, v6.s6_addr + 16, 0);
  return std::string(inet_ntop(AF_INET6, &v6, buf, sizeof(buf))) + "/64";
}

std::string LoginBrake::NameKey(std::string_view name) {
  if (name.size() <= kMaxNameKeyBytes) return std::string(name);
  return std::string(name.substr(0, kMaxNameKeyBytes)) + "#" +
         std::to_string(std::hash<std::string_view>{}(name));
}

double LoginBrake::DecayFactor(int64_t from_ms, int64_t to_ms) const {
  const double elapsed = static_cast<double>(std::max<int64_t>(0, to_ms - from_ms));
  const double half_life = static_cast<double>(std::max<int64_t>(1, options_.half_life.count()));
  return std::exp2(-elapsed / half_life);
}

double LoginBrake::Decayed(const Count& count, int64_t now_ms) const {
  return count.failures * DecayFactor(count.updated_ms, now_ms);
}

double LoginBrake::Remote(std::string_view key, int64_t now_ms) const {
  return remote_.Estimate(key) * DecayFactor(remote_ms_, now_ms);
}

double LoginBrake::Add(Table& table, std::string key, int64_t now_ms) {
  auto it = table.find(key);
  if (it == table.end()) {
    if (table.size() >= options_.max_keys) Shrink(table, now_ms);
    it = table.emplace(std::move(key), Count{}).first;
  }
  Count& count = it->second;
  count.failures = Decayed(count, now_ms) + 1;
  count.updated_ms = now_ms;
  return count.failures;
}

double LoginBrake::Get(const Table& table, const std::string& key, int64_t now_ms) const {
  auto it = table.find(key);
  return it == table.end() ? 0 : Decayed(it->second, now_ms);
}

void LoginBrake::Shrink(Table& table, int64_t now_ms) {
  // Forget the half with the lowest counts: amortised O(1) per new key, and the keys being
  // guessed hardest (the ones that matter) stay.
  std::vector<double> counts;
  counts.reserve(table.size());
  for (const auto& [key, count] : table) counts.push_back(Decayed(count, now_ms));
  auto middle = counts.begin() + static_cast<std::ptrdiff_t>(counts.size() / 2);
  std::nth_element(counts.begin(), middle, counts.end());
  const double threshold = *middle;
  size_t to_remove = table.size() - table.size() / 2;
  for (auto it = table.begin(); it != table.end() && to_remove > 0;) {
    if (Decayed(it->second, now_ms) <= threshold) {
      it = table.erase(it);
      --to_remove;
    } else {
      ++it;
    }
  }
}

std::chrono::milliseconds LoginBrake::DelayFor(double failures) const {
  const double over = failures - options_.free_failures;
  if (over <= 0) return std::chrono::milliseconds(0);
  const double max = static_cast<double>(options_.max_delay.count());
  // Capped before the power can overflow.
  const double delay =
      std::min(max, static_cast<double>(options_.base_delay.count()) *
                        std::exp2(std::min(over - 1, 40.0)));
  return std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, delay)));
}

std::chrono::milliseconds LoginBrake::RecordFailure(std::string_view address,
                                                    std::string_view name, int64_t now_ms) {
  const std::string address_key = "a:" + AddressKey(address);
  const std::string name_key = "n:" + NameKey(name);
  std::lock_guard lock(mu_);
  const double by_address = Add(addresses_, address_key.substr(2), now_ms);
  const double by_name = Add(names_, name_key.substr(2), now_ms);
  local_.Scale(DecayFactor(local_ms_, now_ms));
  local_ms_ = std::max(local_ms_, now_ms);
  local_.Add(address_key, 1);
  local_.Add(name_key, 1);
  // issue 15: what the other nodes saw of the same address and name counts too.
  return DelayFor(std::max(by_address + Remote(address_key, now_ms),
                           by_name + Remote(name_key, now_ms)));
}

FailureSketch LoginBrake::LocalSketch(int64_t now_ms) {
  std::lock_guard lock(mu_);
  local_.Scale(DecayFactor(local_ms_, now_ms));
  local_ms_ = std::max(local_ms_, now_ms);
  return local_;
}

void LoginBrake::SetRemoteSketch(FailureSketch remote, int64_t now_ms) {
  std::lock_guard lock(mu_);
  remote_ = std::move(remote);
  remote_ms_ = now_ms;
}

void LoginBrake::RecordSuccess(std::string_view name) {
  std::lock_guard lock(mu_);
  names_.erase(NameKey(name));
}

double LoginBrake::AddressFailures(std::string_view address, int64_t now_ms) const {
  std::lock_guard lock(mu_);
  return Get(addresses_, AddressKey(address), now_ms);
}

double LoginBrake::NameFailures(std::string_view name, int64_t now_ms) const {
  std::lock_guard lock(mu_);
  return Get(names_, NameKey(name), now_ms);
}

size_t LoginBrake::TrackedForTesting() const {
  std::lock_guard lock(mu_);
  return addresses_.size() + names_.size();
}

}  // namespace sibyl::iam
