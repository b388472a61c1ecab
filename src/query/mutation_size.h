#pragma once
// Cassandra's max_mutation_size (issue 9 item 10): a write larger than half a commit-log
// segment is refused before anything is stored. Checked once per statement or batch, by
// ApplyMutations, the one path of every CQL write to storage.

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "storage/engine.h"

namespace sibyl::schema {
class SchemaStore;
}

namespace sibyl::query {

// Half of Cassandra's default 32 MiB commit-log segment, Cassandra's default limit.
inline constexpr uint64_t kDefaultMaxMutationBytes = 16ull << 20;

// OK when no mutation in `mutations` is larger than `max_bytes`. A mutation is, as in Cassandra,
// everything written to one partition key of one keyspace (it may span several tables of the
// keyspace), measured with storage::SerializedSize. Otherwise kInvalid (InvalidRequest) worded
// as Cassandra 4.1+ words it:
//   Rejected an oversized mutation (<size>/<max_bytes>) for keyspace: <ks>. Top keys are: <t>.<key>
// listing the tables of the first oversized mutation, largest first, as far as 1024 characters
// allow (then " and <n> more."). `schema` names the storage table ids (its snapshot is taken
// only for a refusal); keys print as Cassandra prints them (text as is, other types as CQL
// literals, components joined by ':').
Status CheckMutationSizes(const schema::SchemaStore& schema,
                          const std::vector<storage::TableMutation>& mutations, uint64_t max_bytes);

}  // namespace sibyl::query
