#include "query/request_deadline.h"

#include <algorithm>
#include <cstdlib>

#include "schema/schema_store.h"

namespace sibyl::query {
namespace {

// The replication factor of a keyspace: SimpleStrategy's replication_factor, or the sum of
// NetworkTopologyStrategy's per-data-center factors; 1 when unknown (system keyspaces).
int32_t ReplicationFactor(const QueryContext& context, const std::string& keyspace) {
  auto snapshot = context.schema.snapshot();
  const schema::KeyspaceMetadata* ks = snapshot->FindKeyspace(keyspace);
  if (ks == nullptr) return 1;
  int64_t total = 0;
  for (const auto& [key, value] : ks->replication) {
    if (key == "class") continue;
    char* end = nullptr;
    long long n = std::strtoll(value.c_str(), &end, 10);
    if (end != value.c_str() && n > 0) total += n;
  }
  return static_cast<int32_t>(std::clamp<int64_t>(total, 1, 1000));
}

RequestContext Make(const QueryContext& context, const ExecutionParams& params,
                    const std::string& keyspace, std::chrono::milliseconds timeout,
                    ErrorCode code, std::string write_type) {
  RequestContext::Clock::time_point start = params.session.received;
  if (start == RequestContext::Clock::time_point{}) start = RequestContext::Clock::now();
  // Built only when the request times out or is cancelled; the schema store outlives requests.
  auto expired = [schema_context = &context, keyspace, consistency = params.consistency, code,
                  write_type = std::move(write_type)] {
    TimeoutDetail detail;
    detail.consistency = static_cast<uint16_t>(consistency);
    detail.received = 0;
    detail.block_for = BlockFor(consistency, ReplicationFactor(*schema_context, keyspace));
    detail.data_present = false;
    detail.write_type = write_type;
    // Cassandra's RequestTimeoutException message.
    return Status(code, "Operation timed out - received only 0 responses.", std::move(detail));
  };
  return RequestContext(start + timeout, std::move(expired), params.session.cancel);
}

}  // namespace

int32_t BlockFor(protocol::Consistency consistency, int32_t replication_factor) {
  using protocol::Consistency;
  switch (consistency) {
    case Consistency::kAny:
    case Consistency::kOne:
    case Consistency::kLocalOne: return 1;
    case Consistency::kTwo: return 2;
    case Consistency::kThree: return 3;
    case Consistency::kAll: return replication_factor;
    default: return replication_factor / 2 + 1;  // the quorums and serials
  }
}

RequestContext ReadRequestContext(const QueryContext& context, const ExecutionParams& params,
                                  const std::string& keyspace, bool range) {
  return Make(context, params, keyspace, range ? params.timeouts.range : params.timeouts.read,
              ErrorCode::kReadTimeout, "");
}

RequestContext WriteRequestContext(const QueryContext& context, const ExecutionParams& params,
                                   const std::string& keyspace, std::string write_type) {
  return Make(context, params, keyspace, params.timeouts.write, ErrorCode::kWriteTimeout,
              std::move(write_type));
}

}  // namespace sibyl::query
