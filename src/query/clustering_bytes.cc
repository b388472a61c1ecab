#include "query/clustering_bytes.h"

#include "cql/types/key_encoding.h"
#include "query/collection_values.h"

namespace sibyl::query {
namespace {

Result<std::vector<std::string>> DecodeKey(const schema::TableMetadata& table,
                                           const std::string& encoded) {
  std::vector<types::Type> key_types;
  std::vector<types::SortOrder> orders;
  for (size_t i = 0; i < table.clustering.size(); ++i) {
    key_types.push_back(table.clustering_column(i).type);
    orders.push_back(table.clustering_column(i).order);
  }
  return types::DecodeClustering(key_types, orders, encoded);
}

}  // namespace

const std::string& ExactClusteringCellName() {
  static const std::string kName = std::string(1, storage::kRowMetadataCellPrefix) + "clustering";
  return kName;
}

Status AddExactClusteringCell(const schema::TableMetadata& table,
                              const std::vector<std::string>& components,
                              const std::string& encoded, int64_t timestamp, storage::Row* row) {
  if (table.clustering.empty() || components.empty()) return Status::OK();
  ASSIGN_OR_RETURN(auto decoded, DecodeKey(table, encoded));
  if (decoded == components) return Status::OK();
  storage::Cell cell;
  cell.timestamp = timestamp;
  cell.value = SerializeList(components);
  row->cells[ExactClusteringCellName()] = std::move(cell);
  return Status::OK();
}

Result<std::vector<std::string>> RowClusteringValues(const schema::TableMetadata& table,
                                                     const storage::Row& row) {
  ASSIGN_OR_RETURN(auto decoded, DecodeKey(table, row.clustering));
  auto it = row.cells.find(ExactClusteringCellName());
  if (it == row.cells.end() || it->second.tombstone) return decoded;
  auto exact = DeserializeList(it->second.value);
  // Only bytes of the same row and shape: a full key's worth of values.
  if (!exact.ok() || exact->size() != decoded.size()) return decoded;
  return std::move(*exact);
}

}  // namespace sibyl::query
