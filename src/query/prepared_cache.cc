#include "query/prepared_cache.h"

#include <algorithm>
#include <mutex>
#include <vector>

namespace sibyl::query {

PreparedCache::PreparedCache(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

std::shared_ptr<const PreparedEntry> PreparedCache::Find(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return nullptr;
  it->second->used.store(clock_.fetch_add(1, std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
  return it->second->entry;
}

void PreparedCache::Put(std::string_view id, std::shared_ptr<const PreparedEntry> entry) {
  std::unique_lock lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) {
    if (slots_.size() >= capacity_) EvictOldest();
    it = slots_.emplace(std::string(id), std::make_unique<Slot>()).first;
  }
  it->second->entry = std::move(entry);
  it->second->used.store(clock_.fetch_add(1, std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
}

size_t PreparedCache::size() const {
  std::shared_lock lock(mu_);
  return slots_.size();
}

void PreparedCache::EvictOldest() {
  // A sixteenth at a time: one O(n) pass per capacity/16 insertions.
  const size_t count = std::max<size_t>(capacity_ / 16, 1);
  std::vector<std::pair<uint64_t, const std::string*>> ages;
  ages.reserve(slots_.size());
  for (const auto& [id, slot] : slots_) {
    ages.emplace_back(slot->used.load(std::memory_order_relaxed), &id);
  }
  const size_t n = std::min(count, ages.size());
  std::nth_element(ages.begin(), ages.begin() + static_cast<ptrdiff_t>(n - 1), ages.end());
  std::vector<std::string> victims;
  victims.reserve(n);
  for (size_t i = 0; i < n; ++i) victims.push_back(*ages[i].second);
  for (const auto& id : victims) slots_.erase(id);
}

}  // namespace sibyl::query
