#pragma once
// The paging state Sibyl hands to drivers (opaque to them): where the next page starts.
// Format (version 1): see paging_state.cc. Not persisted; may change between releases.

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

#include "query/namespaces.h"

namespace sibyl::query {

struct PagingState {
  // The partition the last returned row came from.
  std::string partition_key;
  int64_t token = 0;
  uint32_t partition_index = 0;  // position in an IN list, for EQ/IN reads
  // The last returned row's clustering; nullopt when the partition is finished.
  std::optional<std::string> last_clustering;
  int64_t remaining = INT64_MAX;             // rows still allowed by LIMIT
  int64_t remaining_in_partition = INT64_MAX;  // rows still allowed by PER PARTITION LIMIT

  std::string Encode() const;
  // kProtocolError-free: a malformed state is kInvalid "Invalid value for the paging state".
  static Result<PagingState> Decode(const std::string& bytes);
};

}  // namespace sibyl::query
