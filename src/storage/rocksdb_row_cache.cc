#include "storage/rocksdb_row_cache.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <utility>

#include "storage/row_codec.h"

namespace sibyl::storage {
namespace {

// The key of a row: the column family id, then the partition prefix; in a per-thread buffer, so
// that a lookup allocates nothing.
std::string_view MakeKey(uint32_t column_family_id, std::string_view prefix) {
  thread_local std::string key;
  key.clear();
  for (int i = 0; i < 4; ++i) key.push_back(static_cast<char>(column_family_id >> (8 * i)));
  key.append(prefix);
  return key;
}

uint64_t HashOf(std::string_view key) { return std::hash<std::string_view>()(key); }

}  // namespace

// One shard: an open-addressing table (linear probing, backward-shift deletion) of entries, each
// one allocation holding its key and both values, and the CLOCK order of its entries. A hit reads
// the table's slot and the entry's bytes, no list or node in between.
struct RowCache::Shard {
  struct Entry {
    uint64_t hash;
    uint32_t key_size;
    uint32_t header_size;
    uint32_t row_size;
    bool header_found;
    bool row_found;
    bool referenced;  // hit since the clock last passed it
    Entry* prev;      // the clock's order: oldest first
    Entry* next;
    // Then key_size + header_size + row_size bytes.
    char* bytes() { return reinterpret_cast<char*>(this + 1); }
    std::string_view key() { return {bytes(), key_size}; }
    std::string_view header() { return {bytes() + key_size, header_size}; }
    std::string_view row() { return {bytes() + key_size + header_size, row_size}; }
    size_t charge() const {
      // The allocation, the allocator's rounding, and two table slots (the table stays at most
      // three quarters full and doubles).
      return sizeof(Entry) + key_size + header_size + row_size + 16 + 2 * sizeof(Slot);
    }
  };
  struct Slot {
    uint64_t hash = 0;
    Entry* entry = nullptr;
  };

  ~Shard() {
    for (Entry* e = oldest; e != nullptr;) {
      Entry* next = e->next;
      Free(e);
      e = next;
    }
  }

  static Entry* Make(uint64_t hash, std::string_view key, const Values& v) {
    return Make(hash, key, v.header_found, v.header, v.row_found, v.row);
  }
  static Entry* Make(uint64_t hash, std::string_view key, bool header_found,
                     std::string_view header, bool row_found, std::string_view row) {
    const size_t size = sizeof(Entry) + key.size() + header.size() + row.size();
    auto* e = new (::operator new(size)) Entry{hash, static_cast<uint32_t>(key.size()),
               static_cast<uint32_t>(header.size()), static_cast<uint32_t>(row.size()),
               header_found, row_found, false, nullptr, nullptr};
    char* p = e->bytes();
    std::memcpy(p, key.data(), key.size());
    std::memcpy(p + key.size(), header.data(), header.size());
    std::memcpy(p + key.size() + header.size(), row.data(), row.size());
    return e;
  }
  static void Free(Entry* e) { ::operator delete(e); }

  // The slot holding `key`, or -1.
  ptrdiff_t Find(uint64_t hash, std::string_view key) const {
    if (slots.empty()) return -1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots[i];
      if (s.entry == nullptr) return -1;
      if (s.hash != hash) continue;
      // A hit reads the entry's first lines one after the other (its sizes, then its key, then
      // its values): a cache miss each, in a cache larger than the CPU's. Asked for together,
      // they overlap (issue 14).
      const char* bytes = reinterpret_cast<const char*>(s.entry);
      __builtin_prefetch(bytes + 64);
      __builtin_prefetch(bytes + 128);
      __builtin_prefetch(bytes + 192);
      if (s.entry->key() == key) return static_cast<ptrdiff_t>(i);
    }
  }
  void Place(Entry* e) {  // REQUIRES: its key is not in the table, and a slot is free
    size_t i = e->hash & mask;
    while (slots[i].entry != nullptr) i = (i + 1) & mask;
    slots[i] = Slot{e->hash, e};
  }
  void GrowIfFull() {
    if ((count + 1) * 4 <= slots.size() * 3) return;
    std::vector<Slot> old = std::move(slots);
    slots.assign(std::max<size_t>(64, old.size() * 2), Slot{});
    mask = slots.size() - 1;
    for (const Slot& s : old) {
      if (s.entry != nullptr) Place(s.entry);
    }
    table_hint.store(reinterpret_cast<uintptr_t>(slots.data()), std::memory_order_relaxed);
    mask_hint.store(mask, std::memory_order_relaxed);
  }
  // Asks for the line of `hash`'s home slot without the lock (Lookup, before taking it): the
  // table and mask may be a grow behind, and then the prefetch fetches a useless line. A
  // prefetch never faults, and nothing is read from it.
  void PrefetchHome(uint64_t hash) const {
    const uintptr_t table = table_hint.load(std::memory_order_relaxed);
    if (table == 0) return;
    const size_t home = hash & mask_hint.load(std::memory_order_relaxed);
    __builtin_prefetch(reinterpret_cast<const void*>(table + home * sizeof(Slot)));
  }
  void EraseSlot(size_t i) {
    // Backward shift: each later entry of the run moves back unless its home lies after the hole.
    for (size_t j = (i + 1) & mask; slots[j].entry != nullptr; j = (j + 1) & mask) {
      const size_t home = slots[j].hash & mask;
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots[i] = slots[j];
      i = j;
    }
    slots[i] = Slot{};
    --count;
  }

  void Unlink(Entry* e) {
    (e->prev ? e->prev->next : oldest) = e->next;
    (e->next ? e->next->prev : newest) = e->prev;
    e->prev = e->next = nullptr;
  }
  void Append(Entry* e) {
    e->prev = newest;
    e->next = nullptr;
    (newest ? newest->next : oldest) = e;
    newest = e;
  }
  void Remove(size_t slot) {
    Entry* e = slots[slot].entry;
    EraseSlot(slot);
    Unlink(e);
    bytes -= e->charge();
    Free(e);
  }
  void RemoveKey(uint64_t hash, std::string_view key) {
    if (const ptrdiff_t slot = Find(hash, key); slot >= 0) Remove(static_cast<size_t>(slot));
  }
  // A write's one row value `row` into the entry of `slot`, when it supersedes the cached row
  // (rocksdb_row_cache.h, "Updated, not removed"): in place when the sizes match (an overwrite
  // of the same columns with values of the same sizes), else in a new entry that takes the old
  // one's place in the table and the clock. False when it may not (the caller removes the entry).
  bool WriteThrough(size_t slot, std::string_view row, uint64_t capacity) {
    Entry* e = slots[slot].entry;
    const std::string_view cached = e->row();
    if (!StoredRowSupersedes(e->row_found ? &cached : nullptr, row)) return false;
    if (e->row_found && row.size() == e->row_size) {
      std::memcpy(e->bytes() + e->key_size + e->header_size, row.data(), row.size());
      return true;
    }
    Entry* n = Make(e->hash, e->key(), e->header_found, e->header(), /*row_found=*/true, row);
    if (n->charge() > capacity) {
      Free(n);
      return false;
    }
    n->referenced = e->referenced;
    n->prev = e->prev;
    n->next = e->next;
    (n->prev ? n->prev->next : oldest) = n;
    (n->next ? n->next->prev : newest) = n;
    slots[slot].entry = n;
    bytes = bytes - e->charge() + n->charge();
    Free(e);
    EvictUntil(capacity);
    return true;
  }
  // CLOCK: the oldest entry goes unless it was hit since the hand last passed it; then it is
  // unmarked and passed over once.
  void EvictUntil(uint64_t capacity) {
    while (bytes > capacity && oldest != nullptr) {
      Entry* e = oldest;
      if (e->referenced) {
        e->referenced = false;
        Unlink(e);
        Append(e);
        continue;
      }
      Remove(static_cast<size_t>(Find(e->hash, e->key())));
    }
  }

  mutable std::mutex mu;
  std::vector<Slot> slots;  // GUARDED_BY(mu): empty, or a power of two
  size_t mask = 0;          // GUARDED_BY(mu)
  size_t count = 0;         // GUARDED_BY(mu)
  Entry* oldest = nullptr;  // GUARDED_BY(mu)
  Entry* newest = nullptr;  // GUARDED_BY(mu)
  uint64_t bytes = 0;       // GUARDED_BY(mu)
  // slots.data() and mask as of the last grow, for PrefetchHome only (read without the lock).
  std::atomic<uintptr_t> table_hint{0};
  std::atomic<size_t> mask_hint{0};
};

RowCache::RowCache(uint64_t capacity_bytes)
    : shard_capacity_(capacity_bytes / kShards),
      shards_(std::make_unique<Shard[]>(kShards)),
      versions_(std::make_unique<std::atomic<uint64_t>[]>(kStripes)) {
  for (uint32_t i = 0; i < kStripes; ++i) versions_[i].store(0, std::memory_order_relaxed);
}

RowCache::~RowCache() = default;

uint32_t RowCache::StripeOf(uint32_t column_family_id, int64_t token) {
  uint64_t h = static_cast<uint64_t>(token) ^ (uint64_t{column_family_id} * 0x9E3779B97F4A7C15ull);
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return static_cast<uint32_t>(h & (kStripes - 1));
}

bool RowCache::Lookup(uint32_t column_family_id, std::string_view prefix, uint32_t stripe,
                      Values* out) const {
  if (shard_capacity_ == 0) return false;
  const std::string_view key = MakeKey(column_family_id, prefix);
  const uint64_t hash = HashOf(key);
  Shard& shard = shards_[stripe % kShards];
  // A hit's first two cache misses are the home slot and the stripe's word, and neither depends
  // on the other: both are asked for before the lock, so that they overlap each other and the
  // lock (issue 14).
  shard.PrefetchHome(hash);
  __builtin_prefetch(&versions_[stripe]);
  std::lock_guard<std::mutex> lock(shard.mu);
  const ptrdiff_t slot = shard.Find(hash, key);
  if (slot < 0) return false;
  Shard::Entry& entry = *shard.slots[static_cast<size_t>(slot)].entry;
  // A write to the stripe is in progress: it may already be visible. (A finished write removed
  // the copies of what it wrote.)
  if (!Cacheable(versions_[stripe].load(std::memory_order_seq_cst))) return false;
  if (!entry.referenced) entry.referenced = true;
  out->header_found = entry.header_found;
  out->row_found = entry.row_found;
  out->header.assign(entry.header());
  out->row.assign(entry.row());
  return true;
}

void RowCache::Insert(uint32_t column_family_id, std::string_view prefix, uint32_t stripe,
                      uint64_t version, const Values& values) {
  // A fill whose read raced a write is not kept: a write was in progress when it began (it may
  // hold the value before that write, which another read may already have seen after it), or its
  // stripe's word moved since, so Lookup would refuse it anyway.
  if (shard_capacity_ == 0) return;
  if (!Cacheable(version) || versions_[stripe].load(std::memory_order_seq_cst) != version) return;
  const std::string_view key = MakeKey(column_family_id, prefix);
  const uint64_t hash = HashOf(key);
  Shard::Entry* entry = Shard::Make(hash, key, values);
  if (entry->charge() > shard_capacity_) {
    Shard::Free(entry);
    return;
  }
  Shard& shard = shards_[stripe % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  // Again under the lock: a write that began since the check above removes its partitions'
  // copies under this lock only after it is visible, so it either sees this fill (and removes
  // it) or moved the word before this check.
  if (versions_[stripe].load(std::memory_order_seq_cst) != version) {
    Shard::Free(entry);
    return;
  }
  shard.RemoveKey(hash, key);
  shard.GrowIfFull();
  shard.Place(entry);
  ++shard.count;
  shard.Append(entry);
  shard.bytes += entry->charge();
  shard.EvictUntil(shard_capacity_);
}

void RowCache::WriteSet::Add(uint32_t column_family_id, uint32_t stripe, std::string_view prefix) {
  prefixes_.append(prefix);
  partitions_.push_back(Partition{column_family_id, stripe, prefixes_.size(), rows_.size(), false});
}

void RowCache::WriteSet::AddRow(uint32_t column_family_id, uint32_t stripe,
                                std::string_view prefix, std::string_view row) {
  if (row.size() > kMaxWrittenThrough) return Add(column_family_id, stripe, prefix);
  prefixes_.append(prefix);
  rows_.append(row);
  partitions_.push_back(Partition{column_family_id, stripe, prefixes_.size(), rows_.size(), true});
}

void RowCache::WriteSet::Truncate(size_t n) {
  if (n >= partitions_.size()) return;
  partitions_.resize(n);
  prefixes_.resize(n == 0 ? 0 : partitions_.back().end);
  rows_.resize(n == 0 ? 0 : partitions_.back().row_end);
}

void RowCache::WriteSet::Clear() {
  partitions_.clear();
  prefixes_.clear();
  rows_.clear();
  stripes_.clear();
  // What a large batch grew is not kept for the thread's next write.
  if (prefixes_.capacity() > (size_t{1} << 20)) std::string().swap(prefixes_);
  if (rows_.capacity() > (size_t{1} << 20)) std::string().swap(rows_);
}

void RowCache::BeginWrite(WriteSet& write) {
  // Each stripe once, in order.
  write.stripes_.clear();
  for (const auto& p : write.partitions_) write.stripes_.push_back(p.stripe);
  std::sort(write.stripes_.begin(), write.stripes_.end());
  write.stripes_.erase(std::unique(write.stripes_.begin(), write.stripes_.end()),
                       write.stripes_.end());
  for (uint32_t stripe : write.stripes_) {
    versions_[stripe].fetch_add(kVersionUnit + 1, std::memory_order_seq_cst);
  }
}

void RowCache::EndWrite(const WriteSet& write, bool applied) {
  if (shard_capacity_ != 0) {
    size_t begin = 0;
    size_t row_begin = 0;
    // In the batch's order: a partition written twice gets its two rows one after the other.
    for (const auto& p : write.partitions_) {
      const std::string_view prefix(write.prefixes_.data() + begin, p.end - begin);
      const std::string_view row(write.rows_.data() + row_begin, p.row_end - row_begin);
      begin = p.end;
      row_begin = p.row_end;
      const std::string_view key = MakeKey(p.column_family_id, prefix);
      Shard& shard = shards_[p.stripe % kShards];
      std::lock_guard<std::mutex> lock(shard.mu);
      const ptrdiff_t slot = shard.Find(HashOf(key), key);
      if (slot < 0) continue;
      if (applied && p.has_row &&
          shard.WriteThrough(static_cast<size_t>(slot), row, shard_capacity_)) {
        continue;
      }
      shard.Remove(static_cast<size_t>(slot));
    }
  }
  for (uint32_t stripe : write.stripes_) {
    versions_[stripe].fetch_add(kVersionUnit - 1, std::memory_order_seq_cst);
  }
}

RowCache::Totals RowCache::Sum() const {
  Totals totals;
  for (uint32_t i = 0; i < kShards; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    totals.bytes += shards_[i].bytes;
    totals.entries += shards_[i].count;
  }
  return totals;
}

}  // namespace sibyl::storage
