#pragma once
// Where SELECT reads from: a table of the storage engine, or one of Sibyl's in-memory system
// tables. Both answer the same two questions the engine does (a partition slice, partitions in
// token order), so one SELECT pipeline serves both.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "schema/metadata.h"
#include "storage/engine.h"

#include "query/namespaces.h"

namespace sibyl::query {

class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual Result<storage::ResolvedPartition> ReadPartition(const std::string& partition_key,
                                                           int64_t token,
                                                           const storage::SliceQuery& query) = 0;
  virtual Result<std::vector<storage::PartitionPosition>> ScanPartitions(
      const storage::ScanQuery& query) = 0;
};

class EngineRowSource final : public RowSource {
 public:
  EngineRowSource(storage::Engine& engine, std::string table_id)
      : engine_(engine), owned_id_(std::move(table_id)), table_id_(owned_id_) {}
  // A table of the engine whose dropped columns' old cells are not read (issue 10 item 7).
  // `table` must outlive the source (its id is not copied: issue 14, an allocation per read).
  EngineRowSource(storage::Engine& engine, const schema::TableMetadata& table)
      : engine_(engine), table_id_(table.id) {
    for (const auto& [name, dropped] : table.dropped_columns) {
      dropped_columns_[name] = dropped.dropped_time;
    }
  }
  Result<storage::ResolvedPartition> ReadPartition(const std::string& partition_key, int64_t token,
                                                   const storage::SliceQuery& query) override {
    if (dropped_columns_.empty()) return engine_.ReadPartition(table_id_, partition_key, token, query);
    storage::SliceQuery with_dropped = query;
    with_dropped.dropped_columns = &dropped_columns_;
    return engine_.ReadPartition(table_id_, partition_key, token, with_dropped);
  }
  Result<std::vector<storage::PartitionPosition>> ScanPartitions(
      const storage::ScanQuery& query) override {
    return engine_.ScanPartitions(table_id_, query);
  }

  EngineRowSource(const EngineRowSource&) = delete;
  EngineRowSource& operator=(const EngineRowSource&) = delete;

 private:
  storage::Engine& engine_;
  std::string owned_id_;          // the table id, when given as a string
  const std::string& table_id_;   // owned_id_, or the table's
  storage::DroppedColumns dropped_columns_;
};

// Live rows held in memory (all cells live, no tombstones), for system tables.
class MemoryRowSource final : public RowSource {
 public:
  // Adds a row (or the static row when `is_static`) to a partition.
  void Add(const std::string& partition_key, int64_t token, storage::Row row, bool is_static);

  Result<storage::ResolvedPartition> ReadPartition(const std::string& partition_key, int64_t token,
                                                   const storage::SliceQuery& query) override;
  Result<std::vector<storage::PartitionPosition>> ScanPartitions(
      const storage::ScanQuery& query) override;

 private:
  struct Partition {
    std::optional<storage::Row> static_row;
    std::map<std::string, storage::Row> rows;  // by encoded clustering
  };
  std::map<std::pair<int64_t, std::string>, Partition> partitions_;
};

}  // namespace sibyl::query
