// Batch size thresholds (issue 12): Cassandra 4.1 BatchStatement.verifyBatchSize.
#include "query/batch_limits.h"

#include <fmt/format.h>

#include <set>

namespace sibyl::query {

Status CheckBatchSize(const std::vector<storage::TableMutation>& mutations,
                      const std::map<std::string, std::pair<std::string, std::string>>& table_names,
                      const BatchSizeLimits& limits, std::vector<std::string>* warnings) {
  // Cassandra's IMutation is one partition key of one keyspace, whatever its tables.
  std::set<std::pair<std::string, std::string>> partitions;
  uint64_t size = 0;
  std::set<std::string> tables;
  for (const auto& m : mutations) {
    auto it = table_names.find(m.table_id);
    const std::string keyspace = it == table_names.end() ? m.table_id : it->second.first;
    tables.insert(it == table_names.end() ? m.table_id : it->second.second);
    partitions.emplace(keyspace, m.mutation.partition_key);
    size += storage::SerializedSize(m.mutation);
  }
  if (partitions.size() <= 1 || size <= limits.warn_bytes) return Status::OK();
  std::string names = "[";
  for (const auto& t : tables) names += (names.size() > 1 ? ", " : "") + t;
  names += "]";
  // Cassandra also logs each one; clients can send many, so Sibyl does not (the client gets the
  // error or the warning).
  if (size > limits.fail_bytes) return InvalidRequest("Batch too large");
  std::string warning = fmt::format("Batch for {} is of size {}, exceeding specified threshold of {} by {}.",
                                    names, size, limits.warn_bytes, size - limits.warn_bytes);
  if (warnings != nullptr) warnings->push_back(std::move(warning));
  return Status::OK();
}

std::map<std::string, std::pair<std::string, std::string>> BatchTableNames(
    const std::vector<const schema::TableMetadata*>& tables) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  for (const auto* t : tables) {
    if (t != nullptr) out[t->id] = {t->keyspace, t->keyspace + "." + t->name};
  }
  return out;
}

}  // namespace sibyl::query
