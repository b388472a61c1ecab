#pragma once
// The data model every storage engine holds: partitions of rows of cells, with Cassandra's
// timestamps, TTLs and tombstones. These structs are what query/ writes and reads; engines decide
// how they are laid out (docs/dev/key-encoding.md for RocksDB).
//
// Keys are opaque bytes here: `partition_key` is Cassandra's partition-key serialization
// (cql/types/key_encoding.h SerializePartitionKey) and `clustering` the order-preserving encoding
// of the clustering components (AppendClusteringComponent). Cell values are native-protocol
// serializations. Storage never interprets them.

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sibyl::storage {

// Write timestamps are microseconds since the epoch, chosen by the client or the server.
inline constexpr int64_t kNoTimestamp = std::numeric_limits<int64_t>::min();

// One cell: a value or a tombstone, with its write timestamp.
// Reconciliation (Cassandra 4.1's Cells.reconcile, storage/row_codec.cc CellWins): higher
// timestamp wins; on a tie a tombstone or expiring cell beats a plain value, a tombstone beats an
// expiring cell, then the later local deletion time, then the greater value (unsigned bytes).
// Expired cells count as tombstones written at their timestamp.
struct Cell {
  int64_t timestamp = 0;
  // Seconds; 0 means the cell does not expire.
  int32_t ttl = 0;
  // Seconds since the epoch. For a value with ttl > 0: when it expires. For a tombstone: when it
  // was deleted (for gc_grace). 0 otherwise.
  int64_t local_deletion_time = 0;
  bool tombstone = false;
  std::string value;  // empty for a tombstone
  // Counter cells (docs/dev/key-encoding.md "Counters"): `value` is an 8-byte big-endian
  // two's-complement sum of increments, `timestamp` the highest timestamp among them, ttl and
  // local_deletion_time are 0. Counter cells reconcile by adding (row_codec.cc
  // ReconcileCounterCells), so an increment is a blind write. `counter_floor` is the timestamp of
  // the newest cell tombstone merged into the counter: every increment the sum holds is newer.
  bool counter = false;
  int64_t counter_floor = kNoTimestamp;

  bool operator==(const Cell&) const = default;
};

// Cells whose name starts with this byte are not columns but row metadata that query/ keeps with
// a row (the exact clustering bytes, query/clustering_bytes.h). CQL column names are valid UTF-8,
// which never holds 0xff. They are merged, deleted and expired like cells, but never make a row
// live: a row with only such cells is no row (issue 10 item 8).
inline constexpr char kRowMetadataCellPrefix = '\xff';
inline bool IsRowMetadataCell(const std::string& name) {
  return !name.empty() && name[0] == kRowMetadataCellPrefix;
}

// Columns dropped from a table: name -> drop time (µs). Cells of such a column written at or
// before its drop time are no data any more; a re-added column keeps only the later cells
// (Cassandra's system_schema.dropped_columns) (issue 10 item 7).
using DroppedColumns = std::map<std::string, int64_t>;

// The row marker INSERT writes (Cassandra's primary-key liveness): a row with only a marker is
// still a row. UPDATE writes no marker.
struct Liveness {
  int64_t timestamp = kNoTimestamp;  // kNoTimestamp: no marker
  int32_t ttl = 0;
  int64_t expires_at = 0;  // seconds since the epoch, 0 when ttl == 0

  bool operator==(const Liveness&) const = default;
};

// A deletion covering everything written at or before `timestamp`.
struct Deletion {
  int64_t timestamp = kNoTimestamp;  // kNoTimestamp: nothing deleted
  int64_t local_deletion_time = 0;   // seconds since the epoch, for gc_grace

  bool deletes(int64_t ts) const { return timestamp != kNoTimestamp && ts <= timestamp; }
  bool operator==(const Deletion&) const = default;
};

// A row: the clustering key, marker, row tombstone and cells by column name.
// In a read result (ResolvedPartition) only live content remains: no tombstones, nothing
// expired, nothing shadowed, and `deletion` is empty.
struct Row {
  std::string clustering;  // empty for the static row and for tables without clustering columns
  Liveness marker;
  Deletion deletion;
  std::map<std::string, Cell> cells;  // column name -> cell

  bool operator==(const Row&) const = default;
};

// One end of a clustering range: the encoded prefix of clustering components and whether the
// end itself (every row starting with that prefix) is included. An empty prefix is unbounded.
// A row key r is compared on its first prefix.size() bytes (the encoding is prefix-free).
struct ClusteringBound {
  std::string prefix;
  bool inclusive = true;

  bool unbounded() const { return prefix.empty(); }
  bool operator==(const ClusteringBound&) const = default;
};

struct ClusteringRange {
  ClusteringBound start;
  ClusteringBound end;

  // Whether the encoded row key `clustering` lies in the range.
  bool Contains(const std::string& clustering) const;
  bool operator==(const ClusteringRange&) const = default;
};

struct RangeTombstone {
  ClusteringRange range;
  Deletion deletion;

  bool operator==(const RangeTombstone&) const = default;
};

// Everything one statement (or one partition of a batch) writes to one partition. Applied
// atomically by Engine::Apply.
struct PartitionMutation {
  std::string partition_key;
  int64_t token = 0;
  Deletion partition_deletion;
  std::vector<RangeTombstone> range_tombstones;
  std::optional<Row> static_row;  // clustering empty
  std::vector<Row> rows;
};

// The size of `mutation` as stored: its keys, clustering, column names, values and per-cell
// metadata. What Cassandra's max_mutation_size is compared with (issue 9 item 10). Computed
// without encoding; defined in row_codec.cc beside the encoding it measures.
uint64_t SerializedSize(const PartitionMutation& mutation);

// A read of part of one partition, after reconciliation.
struct ResolvedPartition {
  std::string partition_key;
  int64_t token = 0;
  std::optional<Row> static_row;  // present when it has at least one live cell
  std::vector<Row> rows;          // live rows in the requested order
  // True when the slice may hold more rows after the last one returned (the limit was reached).
  bool more = false;
};

}  // namespace sibyl::storage
