#pragma once
// Order-preserving ("memcmp-able") encodings of key components, and Cassandra's partition-key
// composite and Murmur3 token. The on-disk format is documented in docs/dev/key-encoding.md.
// DO NOT CHANGE these encodings without a data migration: they are persisted.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "cql/types/type.h"

namespace sibyl::cql::types {

enum class SortOrder : uint8_t { kAsc, kDesc };

// Cassandra's limit on one clustering value ("Key length of N is longer than maximum of 65535").
inline constexpr size_t kMaxClusteringComponentBytes = 65535;

// Appends the order-preserving encoding of one clustering component to `out`.
// For any two valid values a, b of `type`:
//   memcmp-order(Encode(a), Encode(b)) == Compare(type, a, b)   (reversed for kDesc)
// and the encoding is self-delimiting (prefix-free), so a concatenation of components sorts like
// the tuple and a prefix of components is a byte prefix of the full key.
// `value` comes from clients: it is validated first (ValidateValue), so the errors are kInvalid
// with the validator's message, kInvalid "Key length of N is longer than maximum of 65535", or
// kInvalid for a decimal beyond 10^(2^31). On error `out` is left as it was.
[[nodiscard]] Status AppendClusteringComponent(const Type& type, SortOrder order,
                                               std::string_view value, std::string* out);

// Splits an encoded clustering key back into the serialized values of its components.
// kCorruption if the bytes are not a valid encoding for `types`; never reads outside `encoded`.
Result<std::vector<std::string>> DecodeClustering(const std::vector<Type>& types,
                                                  const std::vector<SortOrder>& orders,
                                                  std::string_view encoded);

// Cassandra's partition-key bytes: the single component as is, or for a compound key
// CompositeType's [u16 length][bytes][0x00] per component. The token is computed from these bytes.
std::string SerializePartitionKey(const std::vector<std::string_view>& components);
// The inverse; kCorruption on malformed input.
Result<std::vector<std::string>> SplitPartitionKey(std::string_view key, size_t component_count);
// The same into `*out`, reusing its strings' memory (a point read's, issue 14).
Status SplitPartitionKeyInto(std::string_view key, size_t component_count,
                             std::vector<std::string>* out);

// Cassandra's limit on a partition key (QueryProcessor.validateKey), checked on the serialized
// key (SerializePartitionKey), so on the whole composite for a compound key (issue 10 items 13,
// 16): an empty key is kInvalid "Key may not be empty" (only a single-column key can be empty;
// a composite's empty components are allowed), one over 65535 bytes is kInvalid "Key length of N
// is longer than maximum of 65535".
Status ValidatePartitionKey(std::string_view serialized_key);

// Murmur3Partitioner's token of partition-key bytes, bit-identical to Cassandra's
// (MurmurHash3_x64_128, first 64 bits, seed 0, with Long.MIN_VALUE mapped to Long.MAX_VALUE).
int64_t Murmur3Token(std::string_view partition_key);

}  // namespace sibyl::cql::types
