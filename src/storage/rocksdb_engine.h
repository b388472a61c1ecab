#pragma once
// The embedded engine: one RocksDB database in a directory, one column family per table.
// Writes are blind merges resolved by a merge operator; a compaction filter expires TTLs and
// purges old tombstones. Layout: docs/dev/key-encoding.md.

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "storage/engine.h"

namespace sibyl::storage {

struct RocksDbOptions {
  // Directory of the database; created if missing.
  std::string path;
  // Default: kSync (no acknowledged write is lost on kill -9 or power loss).
  Durability durability = Durability::kSync;
  // For kPeriodic: how often the WAL is fsynced. Default: 10000 ms (Cassandra's default period).
  int periodic_sync_ms = 10000;
  // Tombstones older than this are purged by compaction. Default: 864000 s (10 days).
  int64_t gc_grace_seconds = 864000;
  // Block cache size in bytes. Default: 256 MiB.
  uint64_t block_cache_bytes = 256ull << 20;
  // Row cache of point reads of tables without clustering columns (storage/rocksdb_row_cache.h),
  // apart from the block cache; 0 turns it off. Default: 64 MiB.
  uint64_t row_cache_bytes = 64ull << 20;
};

// Opens (creating if needed) the database and every table column family in it.
Result<std::unique_ptr<Engine>> OpenRocksDbEngine(const RocksDbOptions& options);

// Test hook: flushes and fully compacts every table, as background compaction eventually
// would (merge operands become values; large values move to blob files). REQUIRES: `engine`
// was made by OpenRocksDbEngine.
Status CompactForTesting(Engine& engine);

// Test hook: pauses (or resumes) every flush and compaction, so that writes soon reach a write
// stall (storage/no_stall_scope.h). REQUIRES: `engine` was made by OpenRocksDbEngine.
Status PauseBackgroundWorkForTesting(Engine& engine, bool pause);
// Test hook: waits up to `wait` until a hot key has bounded the merge operands of every table
// (storage/rocksdb_hot_keys.h); false if none has.
bool WaitForHotKeyCapForTesting(Engine& engine, std::chrono::milliseconds wait);

}  // namespace sibyl::storage
