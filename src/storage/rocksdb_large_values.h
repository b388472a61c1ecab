#pragma once
// How the RocksDB engine keeps large rows out of the way of small ones (issue 9 item 10): a
// single 64 MiB cell used to make every read near it decompress its 64 MiB block.
//   - BlobDB: a stored row of kLargeValueBytes or more is written to a blob file when a flush or
//     compaction writes it as a value; the table file keeps a small reference, so its blocks
//     stay small and cacheable, and compactions move the reference, not the row.
//   - Rows still written as merge operands (every write is a blind merge; operands become values
//     only when compaction merges them at the bottom of the tree) sit in a data block of their
//     own, and the index holds the first key of each block, so a seek that does not stop on a
//     large row never reads (or decompresses) its block.
// Only rocksdb_engine.cc uses this.

#include <cstdint>
#include <memory>

namespace rocksdb {
class Cache;
struct BlockBasedTableOptions;
struct ColumnFamilyOptions;
}  // namespace rocksdb

namespace sibyl::storage {

// A stored row value (the encoding of all its cells, row_codec.h) at least this big is "large".
// 16 KiB is four 4 KiB data blocks: below it a row is cheapest inline (one block read brings its
// neighbours, the block cache keeps it); above it a row would fill blocks of its own anyway, and
// in a blob file it costs one read when it is asked for and nothing when it is not.
inline constexpr uint64_t kLargeValueBytes = 16 << 10;

// Sets BlobDB (min_blob_size = kLargeValueBytes, LZ4 as for the table files, garbage collection
// of blob files during compaction, `cache` as the blob cache) on `cf` and the block layout
// described above on `table`. `table.block_cache` is left as it is.
void ConfigureLargeValues(const std::shared_ptr<rocksdb::Cache>& cache,
                          rocksdb::ColumnFamilyOptions* cf, rocksdb::BlockBasedTableOptions* table);

}  // namespace sibyl::storage
