// libFuzzer target: the node registry entry decoder (storage/coordinator.h DecodeNodeRecord,
// issue 15). Every node reads every other node's JSON from `sibyl.cluster/nodes`, a shared
// object any node (or a bug, or an operator's `rados setomapval`) can write.
//
// Input: the entry's bytes as stored.
// Properties:
//   - decoding never crashes, hangs or reads out of bounds, whatever the bytes;
//   - every failure is kCorruption;
//   - a decoded record encodes (EncodeNodeRecord) to JSON that decodes to the same record.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_util.h"
#include "storage/coordinator.h"

using namespace sibyl;

namespace {

bool Same(const storage::NodeRecord& a, const storage::NodeRecord& b) {
  return a.host_id == b.host_id && a.address == b.address && a.cql_port == b.cql_port &&
         a.http_port == b.http_port && a.data_center == b.data_center && a.rack == b.rack &&
         a.tokens == b.tokens && a.schema_version == b.schema_version &&
         a.release_version == b.release_version && a.heartbeat_ms == b.heartbeat_ms;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = fuzz::AsView(data, size);
  auto record = storage::DecodeNodeRecord(bytes);
  if (!record.ok()) {
    if (record.status().code() != ErrorCode::kCorruption) {
      fuzz::Fail("unexpected error", record.status().ToString());
    }
    return 0;
  }
  const std::string again = storage::EncodeNodeRecord(*record);
  auto back = storage::DecodeNodeRecord(again);
  if (!back.ok()) fuzz::Fail("an encoded record does not decode", back.status().ToString());
  if (!Same(*record, *back)) fuzz::Fail("an encoded record decodes to another record", again);
  return 0;
}
