#pragma once
// Hot keys in the RocksDB engine (issue 14, docs/dev/performance.md "Hot keys").
//
// Every write is a merge operand, and a read merges all of a key's operands still in the memtable
// (flushes fold them into one). A key written thousands of times between flushes therefore made
// each read of it merge thousands: 10 hot keys under half writes and half reads fell from 13k to
// 3.5k requests/s within 12 s, at ~500 us of server CPU per request.
//
// RocksDB's bound, `max_successive_merges` (once a key has that many operands in a row in the
// memtable, the next write reads its merged value and stores it whole), costs every write a
// search of the memtable: +14% CPU per write for uniform keys at 32 in flight. So it is off until
// a hot key shows: the merge operator notes every merge of at least kSeenAt operands, and the
// first write after one sets the bound on every table and switches their memtables (a memtable
// keeps the options it was made with). Once set it stays set until the server restarts.
//
// Folding is safe with Sibyl's operands: RocksDB never inserts a write group's merges in
// parallel, and the fold reads at its own write's sequence number.

#include <atomic>
#include <cstddef>

namespace sibyl::storage {

class HotKeys {
 public:
  // Operands one merge must see for its key to count as hot. Uniform keys see a few per key per
  // memtable, plus one per table file above the key's oldest.
  static constexpr size_t kSeenAt = 128;
  // max_successive_merges once a hot key was seen.
  static constexpr size_t kCap = 32;

  // From the merge operator (any thread, inside RocksDB): a merge of `operands` operands.
  void NoteMerge(size_t operands) {
    if (operands >= kSeenAt && !seen_.load(std::memory_order_relaxed)) {
      seen_.store(true, std::memory_order_relaxed);
    }
  }
  // After a write: true once, for the first write after a hot key was seen.
  bool TakeFirstSighting() {
    return seen_.load(std::memory_order_relaxed) && !taken_.exchange(true);
  }

 private:
  std::atomic<bool> seen_{false};
  std::atomic<bool> taken_{false};
};

}  // namespace sibyl::storage
