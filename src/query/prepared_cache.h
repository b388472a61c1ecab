#pragma once
// The prepared-statement cache (issue 14): id -> prepared statement, shared by every connection.
// When full, the least recently used sixteenth is evicted (Cassandra's cache also evicts the
// least recently used, and a client then gets UNPREPARED and prepares again), so a flood of new
// statements costs each insertion O(1) amortised and never empties the cache of those in use.
// A lookup takes a shared lock and hands out the entry by pointer: nothing is copied per execute.
// Each thread also keeps the entries it found, as per-thread aliases (common/per_thread_share.h),
// valid while the cache's generation (moved by a replacement or an eviction) has not moved: an
// EXECUTE then takes no lock and changes no count that another thread's core also writes.
// Recency is counted in insertions, not lookups: an entry found since the last Put is as recent as
// the newest, so a lookup writes a shared line at most once per insertion.

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "query/inline_cost.h"

namespace sibyl::cql::parser {
struct Statement;
}

namespace sibyl::query {

class CqlStatement;

struct PreparedEntry {
  std::string query;
  std::string keyspace;  // the session's keyspace when prepared: names resolve in it
  std::shared_ptr<const cql::parser::Statement> ast;
  std::shared_ptr<const CqlStatement> statement;
  // Its cost class (query/inline_cost.h): EXECUTE may run on the connection's event-loop thread.
  InlineRun inline_run = InlineRun::kNo;
};

class PreparedCache {
 public:
  explicit PreparedCache(size_t capacity);

  // The entry of `id`, marked as just used; null when absent (never prepared, or evicted).
  // With `word`, also this thread's word about that entry, 0 when this thread first finds it and
  // the caller's to use (the processor remembers which schema it checked the entry against). The
  // word is valid until this thread's next Find.
  std::shared_ptr<const PreparedEntry> Find(std::string_view id, uint64_t** word = nullptr) const;
  // Adds or replaces the entry of `id`, evicting the least recently used first when full.
  void Put(std::string_view id, std::shared_ptr<const PreparedEntry> entry);
  size_t size() const;

 private:
  struct Slot {
    std::shared_ptr<const PreparedEntry> entry;  // GUARDED_BY(mu_)
    std::atomic<uint64_t> used{0};  // puts_ at its last use
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  // What a thread found: its own alias of the entry, and the slot to mark as used.
  struct Found {
    std::shared_ptr<const PreparedEntry> entry;
    std::shared_ptr<Slot> slot;
    uint64_t word = 0;
  };
  using FoundMap = std::unordered_map<std::string, Found, Hash, std::equal_to<>>;
  // A thread keeps at most this many; past it, it starts again from none.
  static constexpr size_t kPerThreadEntries = 1024;

  void MarkUsed(Slot& slot) const;
  void EvictOldest();  // REQUIRES: mu_ held exclusively

  const size_t capacity_;
  const uint64_t id_;  // unique per cache: a thread's entries belong to one cache
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Slot>, Hash, std::equal_to<>> slots_;
  std::atomic<uint64_t> puts_{0};        // insertions: the clock of Slot::used
  std::atomic<uint64_t> generation_{0};  // moves when an entry is replaced or evicted
};

}  // namespace sibyl::query
