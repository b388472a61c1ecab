#pragma once
// The RequestContext of one statement run (issue 9 item 4): a deadline counted from when the
// request arrived (Session::received, or now), the session's cancel flag, and the Status
// Cassandra answers past it: ReadTimeout or WriteTimeout "Operation timed out - received only 0
// responses." with the request's consistency, the responses it waited for (block_for, from the
// consistency and the keyspace's replication factor) and, for writes, the write type.

#include <string>
#include <string_view>

#include "common/request_context.h"
#include "query/statement.h"

#include "query/namespaces.h"

namespace sibyl::query {

// SELECT: read_request_timeout for given partitions, range_request_timeout when `range` (a
// token range or a whole-table scan).
RequestContext ReadRequestContext(const QueryContext& context, const ExecutionParams& params,
                                  const std::string& keyspace, bool range);

// INSERT/UPDATE/DELETE ("SIMPLE") and batches ("BATCH", "UNLOGGED_BATCH"):
// write_request_timeout.
RequestContext WriteRequestContext(const QueryContext& context, const ExecutionParams& params,
                                   const std::string& keyspace, std::string write_type);

// How many replica responses a consistency level waits for with `replication_factor` replicas
// (Cassandra's ConsistencyLevel.blockFor, one data center).
int32_t BlockFor(protocol::Consistency consistency, int32_t replication_factor);

}  // namespace sibyl::query
