#include "query/prepared_cache.h"

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

#include "common/per_thread_share.h"

namespace sibyl::query {

namespace {
std::atomic<uint64_t> next_cache_id{1};
}  // namespace

PreparedCache::PreparedCache(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)),
      id_(next_cache_id.fetch_add(1, std::memory_order_relaxed)) {}

void PreparedCache::MarkUsed(Slot& slot) const {
  const uint64_t now = puts_.load(std::memory_order_relaxed);
  if (slot.used.load(std::memory_order_relaxed) != now) {
    slot.used.store(now, std::memory_order_relaxed);
  }
}

std::shared_ptr<const PreparedEntry> PreparedCache::Find(std::string_view id,
                                                       uint64_t** word) const {
  struct ThreadFound {
    uint64_t cache_id = 0;
    uint64_t generation = 0;
    FoundMap entries;
  };
  thread_local ThreadFound found;
  // Read before the shared map: an entry found below under an older generation is dropped at
  // this thread's next Find.
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  if (found.cache_id != id_ || found.generation != generation) {
    found.entries.clear();
    found.cache_id = id_;
    found.generation = generation;
  }
  if (auto it = found.entries.find(id); it != found.entries.end()) {
    MarkUsed(*it->second.slot);
    if (word != nullptr) *word = &it->second.word;
    return it->second.entry;
  }
  std::shared_ptr<Slot> slot;
  std::shared_ptr<const PreparedEntry> entry;
  {
    std::shared_lock lock(mu_);
    auto it = slots_.find(id);
    if (it == slots_.end()) return nullptr;
    slot = it->second;
    entry = slot->entry;
  }
  MarkUsed(*slot);
  if (found.entries.size() >= kPerThreadEntries) found.entries.clear();
  Found& kept = found.entries.emplace(std::string(id), Found{PerThreadAlias(std::move(entry)), slot})
                    .first->second;
  if (word != nullptr) *word = &kept.word;
  return kept.entry;
}

void PreparedCache::Put(std::string_view id, std::shared_ptr<const PreparedEntry> entry) {
  std::unique_lock lock(mu_);
  const uint64_t now = puts_.fetch_add(1, std::memory_order_relaxed) + 1;
  auto it = slots_.find(id);
  if (it == slots_.end()) {
    if (slots_.size() >= capacity_) EvictOldest();
    it = slots_.emplace(std::string(id), std::make_shared<Slot>()).first;
  } else {
    generation_.fetch_add(1, std::memory_order_release);  // threads drop the entry replaced
  }
  it->second->entry = std::move(entry);
  it->second->used.store(now, std::memory_order_relaxed);
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
  generation_.fetch_add(1, std::memory_order_release);  // threads drop what they found evicted
}

}  // namespace sibyl::query
