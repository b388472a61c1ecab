#pragma once
// Serializations of collection values in native protocol v3+ form (native_protocol_v4.spec
// §6.4, §6.6, §6.8): [int n] then n elements, each [int length][bytes] (maps: key then value).
// Used to build the rows of system tables (replication maps, token sets...).

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

#include "query/namespaces.h"

namespace sibyl::query {

std::string SerializeList(const std::vector<std::string>& serialized_elements);
// The elements must already be serialized; sets and maps are written in the given order.
inline std::string SerializeSet(const std::vector<std::string>& serialized_elements) {
  return SerializeList(serialized_elements);
}
std::string SerializeMap(const std::vector<std::pair<std::string, std::string>>& serialized_entries);

// Convenience: text collections.
std::string SerializeTextList(const std::vector<std::string>& texts);
std::string SerializeTextSet(const std::set<std::string>& texts);
std::string SerializeTextMap(const std::map<std::string, std::string>& texts);

// Splits a serialized list or set into its serialized elements. kInvalid if malformed.
Result<std::vector<std::string>> DeserializeList(std::string_view bytes);

}  // namespace sibyl::query
