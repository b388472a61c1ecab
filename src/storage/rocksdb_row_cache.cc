#include "storage/rocksdb_row_cache.h"

#include <algorithm>
#include <utility>

namespace sibyl::storage {
namespace {

// Row keys in the block cache: this tag, the column family id, then the partition prefix. Block
// keys are 16 bytes of file identity and offset; ours are longer, so they never collide.
constexpr char kTag[4] = {'s', 'r', 'o', 'w'};
// What an entry costs besides its bytes (the Entry, the cache's handle).
constexpr size_t kEntryOverhead = 96;

}  // namespace

RowCache::Hit& RowCache::Hit::operator=(Hit&& other) noexcept {
  if (this != &other) {
    Reset();
    cache_ = std::exchange(other.cache_, nullptr);
    handle_ = std::exchange(other.handle_, nullptr);
    values_ = std::exchange(other.values_, nullptr);
  }
  return *this;
}

void RowCache::Hit::Reset() {
  if (handle_ != nullptr) cache_->Release(handle_);
  handle_ = nullptr;
  values_ = nullptr;
}

RowCache::RowCache(std::shared_ptr<rocksdb::Cache> cache)
    : cache_(std::move(cache)), versions_(std::make_unique<std::atomic<uint64_t>[]>(kStripes)) {
  for (uint32_t i = 0; i < kStripes; ++i) versions_[i].store(0, std::memory_order_relaxed);
}

uint32_t RowCache::StripeOf(uint32_t column_family_id, int64_t token) {
  uint64_t h = static_cast<uint64_t>(token) ^ (uint64_t{column_family_id} * 0x9E3779B97F4A7C15ull);
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return static_cast<uint32_t>(h & (kStripes - 1));
}

std::string RowCache::Key(uint32_t column_family_id, std::string_view prefix) {
  std::string key;
  key.reserve(sizeof(kTag) + 4 + prefix.size());
  key.append(kTag, sizeof(kTag));
  for (int i = 0; i < 4; ++i) key.push_back(static_cast<char>(column_family_id >> (8 * i)));
  key.append(prefix);
  return key;
}

RowCache::Hit RowCache::Lookup(uint32_t column_family_id, std::string_view prefix,
                               uint32_t stripe) const {
  const std::string key = Key(column_family_id, prefix);
  rocksdb::Cache::Handle* handle = cache_->Lookup(key);
  if (handle == nullptr) return {};
  const auto* entry = static_cast<const Entry*>(cache_->Value(handle));
  if (entry->version != versions_[stripe].load(std::memory_order_seq_cst)) {
    cache_->Release(handle);  // a write touched the stripe since: the next fill replaces it
    return {};
  }
  return Hit(cache_.get(), handle, &entry->values);
}

void RowCache::Insert(uint32_t column_family_id, std::string_view prefix, uint32_t stripe,
                      uint64_t version, Values values) {
  // A fill whose read raced a write is not kept: a write was in progress when it began (it may
  // hold the value before that write, which another read may already have seen after it), or its
  // stripe's word moved since, so Lookup would refuse it anyway.
  if (!Cacheable(version) || versions_[stripe].load(std::memory_order_seq_cst) != version) return;
  const size_t charge = kEntryOverhead + prefix.size() + values.header.size() + values.row.size();
  auto* entry = new Entry{version, std::move(values)};
  rocksdb::Status s = cache_->Insert(Key(column_family_id, prefix), entry, charge, &DeleteEntry);
  s.PermitUncheckedError();  // a full cache with strict capacity refuses (and deletes): no copy
}

void RowCache::BeginWrite(const std::vector<uint32_t>& stripes) {
  for (uint32_t stripe : stripes) {
    versions_[stripe].fetch_add(kVersionUnit + 1, std::memory_order_seq_cst);
  }
}

void RowCache::EndWrite(const std::vector<uint32_t>& stripes) {
  for (uint32_t stripe : stripes) {
    versions_[stripe].fetch_add(kVersionUnit - 1, std::memory_order_seq_cst);
  }
}

void RowCache::UniqueStripes(std::vector<uint32_t>* stripes) {
  std::sort(stripes->begin(), stripes->end());
  stripes->erase(std::unique(stripes->begin(), stripes->end()), stripes->end());
}

void RowCache::DeleteEntry(const rocksdb::Slice& /*key*/, void* value) {
  delete static_cast<Entry*>(value);
}

}  // namespace sibyl::storage
