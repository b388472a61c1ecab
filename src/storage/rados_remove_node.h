#pragma once
// Removing a dead node from a Sibyl cluster on RADOS (issue 15, docs/dev/rados-mapping.md
// "Removing a dead node"), the equivalent of Cassandra's `nodetool removenode`: its logged
// batches are applied, then its registry entry (`sibyl.cluster/nodes`), its batchlog object and
// its batchlog registration (`sibyl.cluster/batchlogs`) are removed, so that the others' peers
// tables stop listing it and its tokens are free for nodes that join later.

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "storage/rados_connection.h"

namespace sibyl::storage {

struct RemovedNode {
  std::string host_id;
  int replayed_batches = 0;  // logged batches of the node applied before its removal
  size_t tokens = 0;         // tokens it held
};

// Removes node `host_id` from the cluster on `connection`'s pool. Refuses a live node (a
// heartbeat younger than `liveness`, the coordinator's window; a node that left cleanly has
// heartbeat 0 and may be removed). Its batchlog entries are applied first (every entry, whatever
// its age), never dropped: if one cannot be applied nothing is removed. The registry entry is
// removed only if it is still the one read (omap_cmp): a node that comes back meanwhile is not
// removed. Errors: kNotFound (no such node), kInvalid (the node is live, or came back),
// kIOError / kCorruption from RADOS or a malformed entry. Run it from one place at a time.
Result<RemovedNode> RemoveDeadNode(std::shared_ptr<RadosConnection> connection,
                                   const std::string& host_id,
                                   std::chrono::milliseconds liveness = std::chrono::seconds(10));

}  // namespace sibyl::storage
