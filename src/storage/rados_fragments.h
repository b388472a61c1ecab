#pragma once
// The pure pieces of the RADOS engine (docs/dev/rados-mapping.md): object names, the fragment
// keys of a partition object's omap and their write suffixes, the partition index keys, merging
// and compacting one row's fragments, and the batchlog entry encoding. No librados here, so all
// of it is unit-tested without a cluster (tests/unit/storage/rados_fragments_test.cc).
// DO NOT CHANGE the encodings without a migration: they are persisted.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/engine.h"
#include "storage/partition.h"
#include "storage/row_codec.h"

namespace sibyl::storage::rados {

// ---- objects of a table's namespace ------------------------------------------------------------

inline constexpr char kTableMarkerObject[] = "t";
inline constexpr int kIndexShards = 256;

// 8 bytes, big-endian, sign bit flipped: unsigned byte order is token order.
std::string FlipToken(int64_t token);
int64_t UnflipToken(std::string_view eight_bytes);  // REQUIRES: size >= 8

// "p.<flipped token hex16>.<sha256(partition key) hex32>": the partition key itself may be up
// to 64 KiB, object names only 2 KiB; it is kept in the index entry.
std::string PartitionObjectName(int64_t token, std::string_view partition_key);
// "i.<hex2>" of the shard holding `token`: the top 8 bits of the flipped token, so shards in
// name order are in token order.
int IndexShardOf(int64_t token);
std::string IndexShardName(int shard);
// An index entry's omap key: flipped token ‖ 0x00 ‖ partition key. The 0x00 makes every entry
// of a token longer than the bare 8 bytes, so `start_after = FlipToken(t)` starts at token t
// inclusive, and `FlipToken(t) + "\x01"` after every entry of t.
std::string IndexKey(int64_t token, std::string_view partition_key);
bool ParseIndexKey(std::string_view key, PartitionPosition* out);

// ---- fragments -----------------------------------------------------------------------------------

inline constexpr char kHeaderFragment = 0x00;
inline constexpr char kRowFragment = 0x01;
// S: writer clock (µs, 8 bytes BE) ‖ node bytes (8, random per process) ‖ sequence (4 BE; its
// top bit marks a fragment written by a logged batch, see LoggedBatchFragment).
inline constexpr size_t kSuffixSize = 20;

enum class FromLoggedBatch : bool { kNo, kYes };

// Makes write suffixes unique across nodes and within one. Thread-safe.
class SuffixSource {
 public:
  SuffixSource();  // random node bytes
  explicit SuffixSource(uint64_t node_bytes) : node_(node_bytes) {}
  std::string Next(int64_t now_micros, FromLoggedBatch batch = FromLoggedBatch::kNo);

 private:
  uint64_t node_;
  std::atomic<uint32_t> sequence_{0};
};

int64_t SuffixMicros(std::string_view suffix);         // REQUIRES: size == kSuffixSize
bool LoggedBatchFragment(std::string_view suffix);     // REQUIRES: size == kSuffixSize

std::string HeaderFragmentKey(std::string_view suffix);
std::string RowFragmentKey(std::string_view clustering, std::string_view suffix);
// Everything of a fragment key but its suffix: the kind byte ‖ clustering, which all fragments
// of one row share. Empty when the key is too short to be a fragment.
std::string_view FragmentRowKey(std::string_view key);
// The row key's clustering (REQUIRES: a row fragment's FragmentRowKey).
inline std::string_view RowClustering(std::string_view row_key) { return row_key.substr(1); }

// omap key -> value, in the order written or read.
using Fragments = std::vector<std::pair<std::string, std::string>>;

// The fragments `mutation` adds to its partition object: a header fragment if it has a
// partition deletion, range tombstones or a static row, and one fragment per row (rows of the
// same clustering merged first). Each gets its own suffix.
void AppendFragments(const PartitionMutation& mutation, SuffixSource& suffixes, int64_t now_micros,
                     FromLoggedBatch batch, Fragments* out);

// Reconciles the stored values of one row's fragments (row_codec MergeStoredValues: Cassandra's
// rules, counters added). kCorruption when a value is malformed.
Result<Row> MergeRowFragments(const std::vector<std::string_view>& values);
Result<PartitionHeader> MergeHeaderFragments(const std::vector<std::string_view>& values);

// ---- read compaction -------------------------------------------------------------------------------

// A row (or the header) read with more fragments than this is rewritten as one.
inline constexpr size_t kCompactAbove = 8;
// At most this many fragments merged by one guarded op (its omap_cmp lists each).
inline constexpr size_t kMaxCompactedAtOnce = 256;
// Fragments of a logged batch younger than this are never compacted: a replay of the batch
// re-adds their keys, which must still be there to be overwritten, not added a second time
// (docs/dev/rados-mapping.md "Logged batches").
inline constexpr int64_t kBatchReplayHorizonMicros = int64_t{600} * 1000000;

// One guarded rewrite: omap_cmp EQ of every `guard` entry, omap_rm_keys of them, omap_set of
// `merged` (nullopt when nothing is left after expiry and purging).
struct Compaction {
  Fragments guard;
  std::optional<std::pair<std::string, std::string>> merged;
};

// When a group of fragments is worth a rewrite: read compaction rewrites a row read with more
// than kCompactAbove fragments; the background sweeper (rados_sweeper.h) any row whose rewrite
// changes something (several fragments merged, or one whose cells expire or tombstones purge).
enum class CompactWhen : uint8_t { kManyFragments, kChanged };

// The compaction of one row's (`header` false) or the header's fragments, all with the same
// FragmentRowKey, in key order; nullopt when `when` says the rewrite is not worth it
// (kManyFragments: not more than `compact_above` fragments that may be merged, kCompactAbove for
// read compaction, 1 for the spill's merges; kChanged: a single fragment that would be rewritten
// to the same value). Expired cells become tombstones; tombstones whose local deletion time is
// older than now - gc_grace are dropped (as RocksDB's compaction filter). The header keeps its
// deletions.
Result<std::optional<Compaction>> PlanCompaction(const Fragments& fragments, bool header,
                                                 SuffixSource& suffixes, int64_t now_micros,
                                                 int64_t gc_grace_seconds,
                                                 CompactWhen when = CompactWhen::kManyFragments,
                                                 size_t compact_above = kCompactAbove);

// ---- the batchlog ---------------------------------------------------------------------------------

// One partition's share of a logged batch: its fragments with their suffixes already chosen, so
// that a replay writes the same keys (idempotent, counters included).
struct BatchPartition {
  std::string table_id;
  int64_t token = 0;
  std::string partition_key;
  Fragments fragments;

  bool operator==(const BatchPartition&) const = default;
};

std::string EncodeBatch(const std::vector<BatchPartition>& batch);
// kCorruption when malformed (every length checked against the bytes left).
Result<std::vector<BatchPartition>> DecodeBatch(std::string_view bytes);

}  // namespace sibyl::storage::rados
