#pragma once
// The distributed engine (issue 15): every table in one Ceph pool through librados, shared by
// any number of stateless Sibyl nodes. Layout, reads, compaction, the index, LWT and the
// batchlog: docs/dev/rados-mapping.md. Blind writes are one atomic RADOS op per partition;
// reads reconcile with row_codec's rules, as the RocksDB engine does.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/engine.h"
#include "storage/rados_connection.h"

namespace sibyl::storage {

struct RadosEngineOptions {
  // Tombstones older than this are purged by read compaction. Default: 864000 s (10 days).
  int64_t gc_grace_seconds = 864000;
  // Names this node's batchlog object (`sibyl.cluster/batchlog.<node_id>`): stable across
  // restarts so that a node replays its own entries at start (the server passes its host id,
  // kept in <data-dir>/host_id). Empty: random per process.
  std::string node_id;
  // Partitions this node remembers having indexed (bytes of their keys).
  size_t index_cache_bytes = 64u << 20;
  // How often the batchlog is replayed in the background (0: only at open and by
  // ReplayBatchlogForTesting), and how old an entry must be: own entries, then any node's.
  std::chrono::seconds batchlog_replay_period{30};
  std::chrono::seconds own_batch_age{30};
  std::chrono::seconds any_batch_age{120};
  // A partition whose head object holds this many row fragments or more is spilled into range
  // pieces (docs/dev/rados-mapping.md "Big partitions"); pieces split at a quarter of it. At
  // least 2.
  // Default: 100,000 (half Ceph's LARGE_OMAP_OBJECTS threshold of 200,000 keys).
  uint64_t spill_above_entries = 100000;
};

// Opens the engine on `connection`'s pool (nothing is created until a table is). Replays this
// node's batchlog entries first.
Result<std::unique_ptr<Engine>> OpenRadosEngine(std::shared_ptr<RadosConnection> connection,
                                                const RadosEngineOptions& options);

// Test hooks. REQUIRE: `engine` was made by OpenRadosEngine.
// Writes `mutations` to the batchlog only, as a node that crashed right after would have.
Status LogBatchOnlyForTesting(Engine& engine, const std::vector<TableMutation>& mutations);
// Replays every batchlog entry (of any node) at least `min_age` old; how many were replayed.
Result<int> ReplayBatchlogForTesting(Engine& engine, std::chrono::seconds min_age);
// Waits for the read compactions in flight.
void WaitForCompactionsForTesting(Engine& engine);
// Runs `hook` in every write between its index entries and its data (null: nothing), to hold a
// write there. REQUIRES: no write in flight.
void SetBeforeDataWriteForTesting(Engine& engine, std::function<void()> hook);
// Waits until no spill is queued or running.
void WaitForSpillsForTesting(Engine& engine);
// omap entries read by partition reads (head and pieces) since the engine opened.
uint64_t EntriesReadForTesting(Engine& engine);

}  // namespace sibyl::storage
