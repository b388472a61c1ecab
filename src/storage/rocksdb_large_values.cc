#include "storage/rocksdb_large_values.h"

#include <rocksdb/cache.h>
#include <rocksdb/flush_block_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

namespace sibyl::storage {
namespace {

// Cuts data blocks by size as RocksDB does, and also right before and right after every large
// value, so that a large value is alone in its block. With the first key of each block in the
// index, an iterator positioned on a neighbour never loads that block.
class IsolateLargeValues final : public rocksdb::FlushBlockPolicy {
 public:
  explicit IsolateLargeValues(std::unique_ptr<rocksdb::FlushBlockPolicy> by_size)
      : by_size_(std::move(by_size)) {}

  // Called before each entry of the table file is added; true ends the current block first.
  // RocksDB requires false while the block is empty (the first entry of the file), and every
  // entry is added to a block after the call, so one flag tracks that.
  bool Update(const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    const bool large = value.size() >= kLargeValueBytes;
    const bool after_large = previous_large_;
    previous_large_ = large;
    if (block_empty_) {
      block_empty_ = false;
      return false;
    }
    const bool full = by_size_->Update(key, value);
    return full || large || after_large;
  }

 private:
  std::unique_ptr<rocksdb::FlushBlockPolicy> by_size_;
  bool block_empty_ = true;
  bool previous_large_ = false;
};

class IsolateLargeValuesFactory final : public rocksdb::FlushBlockPolicyFactory {
 public:
  const char* Name() const override { return "SibylIsolateLargeValues"; }

  // RocksDB's interface: the caller owns (and deletes) the returned policy.
  rocksdb::FlushBlockPolicy* NewFlushBlockPolicy(
      const rocksdb::BlockBasedTableOptions& table,
      const rocksdb::BlockBuilder& data_block_builder) const override {
    std::unique_ptr<rocksdb::FlushBlockPolicy> by_size(
        rocksdb::FlushBlockBySizePolicyFactory::NewFlushBlockPolicy(
            table.block_size, table.block_size_deviation, data_block_builder));
    return std::make_unique<IsolateLargeValues>(std::move(by_size)).release();
  }
};

}  // namespace

void ConfigureLargeValues(const std::shared_ptr<rocksdb::Cache>& cache,
                          rocksdb::ColumnFamilyOptions* cf, rocksdb::BlockBasedTableOptions* table) {
  cf->enable_blob_files = true;
  cf->min_blob_size = kLargeValueBytes;
  // LZ4 as for the table files: large text shrinks about 2x and decompresses at GB/s.
  cf->blob_compression_type = rocksdb::kLZ4Compression;
  // Compactions relocate the live blobs of the oldest quarter of blob files (RocksDB's default
  // cutoff), so files holding only overwritten or deleted rows are removed.
  cf->enable_blob_garbage_collection = true;
  cf->blob_garbage_collection_age_cutoff = 0.25;
  // Repeated reads of medium rows (up to a few MiB, a cache shard) are served from memory.
  cf->blob_cache = cache;

  table->index_type = rocksdb::BlockBasedTableOptions::kBinarySearchWithFirstKey;
  // Full keys as separators: a seek just past a large row's key goes to the next block instead
  // of loading the large block to find nothing there.
  table->index_shortening = rocksdb::BlockBasedTableOptions::IndexShorteningMode::kNoShortening;
  table->flush_block_policy_factory = std::make_shared<IsolateLargeValuesFactory>();
}

}  // namespace sibyl::storage
