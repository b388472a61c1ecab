#pragma once
// Point reads of a partition of a table without clustering columns, from memory (issue 14,
// docs/dev/performance.md "Row cache").
//
// Such a read (RocksDbEngine::ReadSingleRow) is a MultiGet of the partition's header and its one
// row: a search of each memtable's skip list, then of the table files down to the key's oldest
// level, because every write is a merge operand and a chain of operands only ends at its first
// write. The row cache keeps the two values as the MultiGet returned them (merged, not resolved:
// TTLs and tombstones are still applied at each read, with the read's own clock).
//
// Memory: a budget of its own (`--row-cache-mb`, RocksDbOptions::row_cache_bytes), split among
// shards; a shard past its share evicts by CLOCK (second chance: a hit only marks its entry, and
// eviction passes over a marked one once). It first lived in the block cache (one LRU for rows and
// blocks), but there a hit cost a heap-allocated key, a lock, an unlink from the LRU list, and a
// second lock and relink at release: ~20% of a point read's server CPU at 32 in flight. Here a hit
// is one lock of a shard, one hash probe, and a copy of the values into the reader's buffer.
//
// Staleness: partitions hash to version stripes (column family id, token). A stripe's word holds
// a version and the number of writes to it in progress. Every storage write enters each stripe it
// touches before it writes (BeginWrite: version + 1, in progress + 1), and after it wrote updates
// or removes the cached copy of each partition it wrote, then leaves the stripes (EndWrite:
// version + 1, in progress - 1). A fill is tagged with the stripe's word read before the storage
// read, and is kept only when no write was in progress then and the word has not moved since,
// checked again under the shard's lock as it is placed; a cached copy is used only while no write
// to its stripe is in progress. So:
// - a write that returned removed its partitions' copies after it was visible, and a fill from a
//   read that might have missed it is refused or removed (its word moved before the removal, and
//   the fill's check and the removal hold the same lock);
// - while a write runs, no copy in its stripes is used and none is filled: a read that began
//   before the write became visible could otherwise serve or cache the older value after another
//   reader had already seen the newer one (found by the racing-readers unit test on a loaded CI
//   machine);
// - a write leaves the copies of the other partitions of its stripes alone. (Until issue 14's
//   mixed-workload finding, a write made every copy of its stripes stale: with ~6 partitions per
//   stripe at 100,000 keys, half reads and half writes, almost no read hit.)
// - TRUNCATE and DROP make a new column family, whose id is in the key.
//
// Updated, not removed (issue 14, docs/dev/performance.md "Written through"): when a write that
// succeeded merged one row value into a partition and nothing else (no header), and that value
// supersedes the cached row (StoredRowSupersedes: an overwrite, each of its cells newer than the
// cached one of its column), the cached row becomes the written value: what a MultiGet right
// after the write returns, as the merge operator returns the newest value then. Every other case
// removes the copy. A copy holds exactly the writes that ended before its fill began (a fill
// tagged during a write, or refused because the word moved, never lands), so each later write
// reaches it once, in its batch's order; two writes in progress at once may reach it in either
// order, and the second then supersedes the first or removes the copy. With half reads and half
// writes, a written partition's next read then hits instead of reading the memtables and files.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sibyl::storage {

class RowCache {
 public:
  // The two values of a point read, as stored (merged); absent ones are not found.
  struct Values {
    bool header_found = false;
    bool row_found = false;
    std::string header;
    std::string row;
  };

  // `capacity_bytes` of entries at most (keys, values and bookkeeping); 0 keeps nothing.
  explicit RowCache(uint64_t capacity_bytes);
  ~RowCache();
  RowCache(const RowCache&) = delete;
  RowCache& operator=(const RowCache&) = delete;

  static uint32_t StripeOf(uint32_t column_family_id, int64_t token);

  // Copies the cached values of `prefix` in `column_family_id` into `*out` (reusing its strings'
  // memory) when a valid copy is cached; false otherwise.
  bool Lookup(uint32_t column_family_id, std::string_view prefix, uint32_t stripe,
              Values* out) const;
  // Read before reading the storage; the tag of what that read will Insert.
  uint64_t VersionBeforeRead(uint32_t stripe) const {
    return versions_[stripe].load(std::memory_order_seq_cst);
  }
  // Whether a read tagged `version` may fill the cache: no write to its stripe was in progress.
  static bool Cacheable(uint64_t version) { return (version & kInProgressMask) == 0; }
  void Insert(uint32_t column_family_id, std::string_view prefix, uint32_t stripe,
              uint64_t version, const Values& values);

  // The partitions one storage write touches, as the write is built (a partition may be added
  // more than once).
  class WriteSet {
   public:
    void Add(uint32_t column_family_id, uint32_t stripe, std::string_view prefix);
    // A partition whose write is one row value (`row`, as stored) and nothing else: EndWrite may
    // write it through to the cached copy. A row over kMaxWrittenThrough is added as by Add (its
    // copy is removed): every write would copy it here, for a cache that keeps few such rows.
    void AddRow(uint32_t column_family_id, uint32_t stripe, std::string_view prefix,
                std::string_view row);
    static constexpr size_t kMaxWrittenThrough = 64 * 1024;
    size_t size() const { return partitions_.size(); }
    // Back to the first `n` partitions added (a statement whose write was rolled back).
    void Truncate(size_t n);
    void Clear();

   private:
    friend class RowCache;
    struct Partition {
      uint32_t column_family_id;
      uint32_t stripe;
      size_t end;      // of its prefix in prefixes_
      size_t row_end;  // of its row value in rows_ (empty unless has_row)
      bool has_row;    // AddRow's: a value EndWrite may write through
    };
    std::vector<Partition> partitions_;
    std::string prefixes_;
    std::string rows_;
    std::vector<uint32_t> stripes_;  // BeginWrite's: each stripe once
  };
  // Around every storage write: BeginWrite before it, EndWrite after it, whether it succeeded or
  // not. EndWrite removes the written partitions' copies, or, when the write was `applied`,
  // writes a partition's row through to its copy where it may (above).
  void BeginWrite(WriteSet& write);
  void EndWrite(const WriteSet& write, bool applied = false);

  // What the shards hold now (tests, metrics).
  uint64_t bytes() const { return Sum().bytes; }
  size_t entries() const { return Sum().entries; }

  static constexpr uint32_t kStripes = 1u << 14;
  static constexpr uint32_t kShards = 64;  // a stripe's shard: stripe % kShards

 private:
  struct Shard;
  struct Totals {
    uint64_t bytes = 0;
    size_t entries = 0;
  };
  Totals Sum() const;  // over every shard, each under its lock

  // A stripe's word: the writes in progress in the low bits (at most one per writing thread, far
  // below 2^20), the version above them.
  static constexpr uint64_t kInProgressMask = (uint64_t{1} << 20) - 1;
  static constexpr uint64_t kVersionUnit = uint64_t{1} << 20;

  const uint64_t shard_capacity_;
  std::unique_ptr<Shard[]> shards_;
  std::unique_ptr<std::atomic<uint64_t>[]> versions_;
};

}  // namespace sibyl::storage
