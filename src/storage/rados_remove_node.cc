#include "storage/rados_remove_node.h"

#include <cerrno>
#include <map>
#include <set>

#include "common/clock.h"
#include "storage/coordinator.h"
#include "storage/rados_engine.h"

namespace sibyl::storage {
namespace {

// Objects of namespace sibyl.cluster (rados_coordinator.cc, rados_engine.cc).
constexpr char kClusterNamespace[] = "sibyl.cluster";
constexpr char kNodesObject[] = "nodes";
constexpr char kBatchlogRegistry[] = "batchlogs";

// The registry entry of `host_id` as stored; kNotFound when absent.
Result<std::string> ReadEntry(librados::IoCtx& io, const std::string& host_id) {
  std::map<std::string, librados::bufferlist> values;
  int rval = 0;
  librados::ObjectReadOperation op;
  op.omap_get_vals_by_keys({host_id}, &values, &rval);
  int rc = io.operate(kNodesObject, &op, nullptr);
  if (rc != -ENOENT) RETURN_IF_ERROR(FromRados(rc, "reading the node registry"));
  auto it = values.find(host_id);
  if (rc == -ENOENT || it == values.end()) {
    return Status(ErrorCode::kNotFound, "no node " + host_id + " in the cluster's registry");
  }
  return it->second.to_str();
}

// How many entries batchlog object `oid` holds (0 when it does not exist: `*exists` false);
// leaves the object's version in io.get_last_version().
Result<int> CountEntries(librados::IoCtx& io, const std::string& oid, bool* exists) {
  int count = 0;
  *exists = true;
  std::string after;
  while (true) {
    std::set<std::string> keys;
    bool more = false;
    int rval = 0;
    librados::ObjectReadOperation op;
    op.omap_get_keys2(after, 1024, &keys, &more, &rval);
    int rc = io.operate(oid, &op, nullptr);
    if (rc == -ENOENT) {
      *exists = false;
      return 0;
    }
    RETURN_IF_ERROR(FromRados(rc, "reading " + oid));
    count += static_cast<int>(keys.size());
    if (!more || keys.empty()) return count;
    after = *keys.rbegin();
  }
}

}  // namespace

Result<RemovedNode> RemoveDeadNode(std::shared_ptr<RadosConnection> connection,
                                   const std::string& host_id, std::chrono::milliseconds liveness) {
  librados::IoCtx io = connection->IoCtx(kClusterNamespace);
  ASSIGN_OR_RETURN(std::string entry, ReadEntry(io, host_id));
  ASSIGN_OR_RETURN(NodeRecord record, DecodeNodeRecord(entry));
  if (record.host_id != host_id) {
    return Status(ErrorCode::kCorruption,
                  "the registry entry of " + host_id + " names another node");
  }
  const int64_t age = NowMillis() - record.heartbeat_ms;
  if (record.heartbeat_ms != 0 && age < liveness.count()) {
    return Status(ErrorCode::kInvalid, "node " + host_id + " is live (heartbeat " +
                                           std::to_string(age) +
                                           " ms ago): stop it first, or wait until it is down");
  }
  RemovedNode removed{host_id, 0, record.tokens.size()};
  const std::string batchlog = "batchlog." + host_id;
  bool exists = false;
  ASSIGN_OR_RETURN(removed.replayed_batches, CountEntries(io, batchlog, &exists));

  // Its logged batches first: opening an engine as that node replays every entry of its
  // batchlog (rados_engine.h), and fails, removing nothing, if one cannot be applied.
  RadosEngineOptions engine_options;
  engine_options.node_id = host_id;
  engine_options.batchlog_replay_period = std::chrono::seconds(0);
  { ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenRadosEngine(connection, engine_options)); }
  // Empty now, unless the node came back and logged more: then nothing is removed.
  ASSIGN_OR_RETURN(int left, CountEntries(io, batchlog, &exists));
  if (left > 0) {
    return Status(ErrorCode::kInvalid,
                  "node " + host_id + " logged batches meanwhile (it came back): not removed");
  }
  const uint64_t batchlog_version = io.get_last_version();

  // The registry entry, only if it is still the dead one read above.
  librados::ObjectWriteOperation forget;
  std::map<std::string, std::pair<librados::bufferlist, int>> guard;
  guard[host_id].first.append(entry);
  guard[host_id].second = LIBRADOS_CMPXATTR_OP_EQ;
  forget.omap_cmp(guard, nullptr);
  forget.omap_rm_keys({host_id});
  int rc = io.operate(kNodesObject, &forget);
  if (rc == -ECANCELED) {
    return Status(ErrorCode::kInvalid, "node " + host_id +
                                           " wrote its registry entry meanwhile (it came back): "
                                           "not removed");
  }
  RETURN_IF_ERROR(FromRados(rc, "removing the registry entry of " + host_id));

  // Its (empty) batchlog, unless written since it was found empty, and its registration.
  librados::ObjectWriteOperation remove;
  remove.assert_version(batchlog_version);
  remove.remove();
  rc = exists ? io.operate(batchlog, &remove) : -ENOENT;
  if (rc == -ERANGE || rc == -EOVERFLOW) {
    return Status(ErrorCode::kInvalid, "node " + host_id +
                                           " logged batches meanwhile: registry entry removed, "
                                           "batchlog kept (any node replays it)");
  }
  if (rc != -ENOENT) RETURN_IF_ERROR(FromRados(rc, "removing the batchlog of " + host_id));
  librados::ObjectWriteOperation unregister;
  unregister.omap_rm_keys({host_id});
  rc = io.operate(kBatchlogRegistry, &unregister);
  if (rc != -ENOENT) RETURN_IF_ERROR(FromRados(rc, "unregistering the batchlog of " + host_id));
  return removed;
}

}  // namespace sibyl::storage
