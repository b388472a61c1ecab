#pragma once
// A node's own identity on shared storage (issue 15). On RocksDB the host id lives in the
// engine's internal table; on RADOS that table is shared by every node, so each node keeps its
// host id in a file of its own --data-dir instead, made once (a random UUID) and read at every
// start: a restarted node comes back as itself (same registry entry, same tokens).

#include <string>

#include "common/status.h"

namespace sibyl::server {

// The host id in `<data_dir>/host_id`, created when absent. kIOError when it cannot be read or
// written, kCorruption when the file does not hold one UUID.
Result<std::string> LoadOrCreateHostId(const std::string& data_dir);

}  // namespace sibyl::server
