#pragma once
// Engine: what a storage engine must do to hold Sibyl (ARCHITECTURE.md "Data model on storage").
// It is partition-oriented, with no RocksDB-isms, so that a distributed engine can implement it:
//   - apply mutations to partitions atomically (one or several, e.g. a logged batch),
//   - read a slice of one partition in either clustering order, with a limit and a resume key,
//   - list partitions in token order from a position, for full scans and token() ranges.
// Every method may be called from any thread concurrently; engines provide their own
// synchronisation. Tables are identified by an opaque id chosen by schema/ (a UUID string).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/request_context.h"
#include "common/status.h"
#include "storage/partition.h"

namespace sibyl::storage {

struct TableMutation {
  std::string table_id;
  PartitionMutation mutation;
};

struct SliceQuery {
  // Clustering ranges in ascending order, not overlapping. Empty means the whole partition.
  std::vector<ClusteringRange> ranges;
  bool reversed = false;  // descending clustering order
  // Resume strictly after this encoded clustering key (in the direction of the read).
  std::optional<std::string> resume_after;
  // Stop after this many live rows (the static row does not count).
  uint64_t row_limit = UINT64_MAX;
  // Whether the static row is wanted.
  bool want_static = true;
  // "Now" in seconds since the epoch, for TTL expiry.
  int64_t now_seconds = 0;
  // The table's dropped columns: their cells up to the drop time are ignored, so a row whose only
  // data they were is not returned (issue 10 item 7). Null: none. Not owned; outlives the call.
  const DroppedColumns* dropped_columns = nullptr;
  // The request's deadline and cancel flag, checked while reading (its Status is returned);
  // null: unbounded. Not owned; outlives the call. (issue 9)
  const RequestContext* context = nullptr;
  // The table has no clustering columns, so a partition holds at most one row (clustering
  // ""): an engine may fetch it by key instead of iterating (issue 14). Set by the reader.
  bool single_row = false;
  // Compare-and-apply reads (issue 12): with `ranges` set, the partition's first live row (in
  // clustering order, from the whole partition) is returned too, in its place in `rows`, so a
  // condition on the partition's existence can be checked next to conditions on named rows.
  bool also_first_row = false;
};

// A position in token order: a partition, identified by its token and key.
struct PartitionPosition {
  int64_t token = 0;
  std::string partition_key;
};

struct ScanQuery {
  // Partitions with start_token (<= or <) token <= end_token, in token order.
  int64_t start_token = INT64_MIN;
  bool start_inclusive = true;
  int64_t end_token = INT64_MAX;
  // Resume strictly after this partition.
  std::optional<PartitionPosition> resume_after;
  uint64_t max_partitions = 1000;
  // As SliceQuery::context.
  const RequestContext* context = nullptr;
};

// ---- compare-and-apply (lightweight transactions, issue 12) ------------------------------------
// What CompareAndApply hands its decision function: the partition as read (the slice of the
// SliceQuery, reconciled) and the write timestamp the engine chose for this operation (µs).
// The function returns the mutation to apply to that same partition, or nullopt to apply
// nothing (a condition failed); an error aborts the operation and is returned as is. It runs
// while the partition is held: it must not call the engine for the same partition, and should
// be quick (no I/O besides reads of this partition through its arguments).
using CasDecide =
    std::function<Result<std::optional<PartitionMutation>>(const ResolvedPartition& current,
                                                           int64_t write_timestamp)>;

enum class Durability : uint8_t {
  kSync,      // every acknowledged write is fsynced (group commit)
  kPeriodic,  // the WAL is fsynced in the background every period
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Creates the storage of a table; OK if it already exists.
  virtual Status CreateTable(const std::string& table_id) = 0;
  // Removes a table and all its data; OK if it does not exist.
  virtual Status DropTable(const std::string& table_id) = 0;
  // Removes all data of a table, keeping the table.
  virtual Status TruncateTable(const std::string& table_id) = 0;
  // Many nodes on one storage (issue 15): called after TruncateTable once every node has run
  // ForgetCachedState (the TRUNCATE's publication was acknowledged), to settle the writes that
  // raced the removal (RADOS: docs/dev/rados-mapping.md "TRUNCATE and racing writes"). Default:
  // nothing to do.
  virtual Status FinishTruncate(const std::string& table_id) { return Status::OK(); }

  // Applies the mutations atomically and durably (per the configured Durability) before
  // returning. Writes are blind: no read happens. kNotFound if a table does not exist.
  // Counter cells (Cell::counter; docs/dev/key-encoding.md "Counters", issue 12) are increments:
  // an engine must apply each one exactly once and reconcile counter cells by adding them
  // (row_codec.h ReconcileCounterCells), never by picking the newer, so that increments from any
  // number of concurrent writers are all kept without a read-before-write. A cell tombstone or
  // row deletion at T removes the increments written at or before T.
  virtual Status Apply(const std::vector<TableMutation>& mutations) = 0;

  // Reads a slice of one partition, reconciled. An absent partition gives an empty result.
  virtual Result<ResolvedPartition> ReadPartition(const std::string& table_id,
                                                  const std::string& partition_key, int64_t token,
                                                  const SliceQuery& query) = 0;

  // Compare-and-apply on one partition (ARCHITECTURE.md "Data model on storage"; the
  // lightweight transactions of issue 12): reads `read` of the partition, calls `decide` with
  // it and a write timestamp, and applies the mutation it returns (if any) atomically and
  // durably, as Apply. Linearizable per partition: operations on one partition happen one after
  // the other, each seeing every earlier one, and a ReadPartition that starts after one returned
  // sees its write. The write timestamp is chosen by the engine: strictly greater than that of
  // every earlier compare-and-apply on the partition that applied, and than every cell,
  // marker and deletion timestamp in the read (so the write wins over what it was decided
  // on), and otherwise the clock. Blind writes (Apply) are not ordered with it: they race by
  // timestamp, as in Cassandra.
  // Returns the Status of `read.context` (ReadTimeout/WriteTimeout) when its deadline passes
  // while waiting for the partition, kNotFound if the table does not exist, kInternal if the
  // mutation is for another partition, and `decide`'s error as is. `read.context` may be null
  // (unbounded wait). Any thread. `decide` may be called more than once (an engine that
  // detects a concurrent operation after deciding reads and decides again): only the mutation
  // of its last call is applied, so it must not keep state of an earlier call (issue 15).
  virtual Status CompareAndApply(const std::string& table_id, const std::string& partition_key,
                                 int64_t token, const SliceQuery& read, const CasDecide& decide) = 0;

  // Lists partitions (that may hold live data) in token order.
  virtual Result<std::vector<PartitionPosition>> ScanPartitions(const std::string& table_id,
                                                                const ScanQuery& query) = 0;

  // Flushes memtables and syncs everything (used at clean shutdown and by tests).
  virtual Status Flush() = 0;

  // Many nodes on one storage (issue 15): another node dropped or truncated tables, so what
  // this node cached about tables (RADOS: the tables it opened, the partitions it knows are in
  // the partition index) may be wrong; forget it all, and return once the writes that may have
  // used it are over. Called before a schema reload. Default: nothing cached.
  virtual void ForgetCachedState() {}

  // Group commit (issue 14, storage/deferred_sync.h): runs `done` once every write that
  // returned before this call is durable, possibly on another thread, with the Status of the
  // sync. Under Durability::kSync, writes made in a DeferredSyncScope return before their fsync
  // and mark the scope pending: the caller answers only from `done`. Default: at once.
  virtual void WhenDurable(std::function<void(const Status&)> done) { done(Status::OK()); }

  // ---- issue 15: engines whose calls are network round trips ----
  // Whether a cheap request may call the engine on a connection's event-loop thread (issue 14's
  // inline execution, query/inline_cost.h). False for an engine whose every call waits on the
  // network (RADOS): its requests run on the worker pool. Default: true.
  virtual bool CheapToCallInline() const { return true; }
};

}  // namespace sibyl::storage
