#pragma once
// Cassandra's batch size thresholds (issue 12; BatchStatement.verifyBatchSize, 4.1): a batch
// that writes several partitions and whose data is larger than batch_size_warn_threshold gets a
// client warning, larger than batch_size_fail_threshold is refused with InvalidRequest "Batch
// too large" before anything is written. A batch of one partition is never checked
// (CASSANDRA-10876): it is applied atomically anyway and cheaply.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "schema/metadata.h"
#include "storage/engine.h"

#include "query/namespaces.h"

namespace sibyl::query {

struct BatchSizeLimits {
  // Default: 5 KiB, Cassandra's batch_size_warn_threshold.
  uint64_t warn_bytes = 5 << 10;
  // Default: 50 KiB, Cassandra's batch_size_fail_threshold.
  uint64_t fail_bytes = 50 << 10;
};

// Checks `mutations` (one batch). `table_names` maps a storage table id to its keyspace and
// "keyspace.table" name (for the grouping by partition and the warning text). Appends the
// warning, if any, to `warnings`: "Batch for [ks.t] is of size 6144, exceeding specified
// threshold of 5120 by 1024." kInvalid "Batch too large" past the fail threshold.
Status CheckBatchSize(const std::vector<storage::TableMutation>& mutations,
                      const std::map<std::string, std::pair<std::string, std::string>>& table_names,
                      const BatchSizeLimits& limits, std::vector<std::string>* warnings);

// The `table_names` of CheckBatchSize for the tables of a batch's statements (null entries are
// skipped).
std::map<std::string, std::pair<std::string, std::string>> BatchTableNames(
    const std::vector<const schema::TableMetadata*>& tables);

}  // namespace sibyl::query
