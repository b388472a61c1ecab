#pragma once
// Coordinator: what the stateless Sibyl nodes sharing one storage must agree on (issue 15,
// docs/dev/rados-mapping.md "Many nodes"):
//   - change propagation: after changing shared state that nodes cache in memory (the schema,
//     IAM), a node calls Publish(topic); it returns once every live node's subscriber for the
//     topic has run (reloaded from storage), so the change is in force everywhere;
//   - a cluster-wide lock for DDL, which a dead holder cannot keep forever;
//   - a registry of the nodes (addresses, tokens, schema version, heartbeat) and the changes of
//     its membership (joins, leaves, up, down).
// Two implementations: LocalCoordinator (one node: everything local and immediate) and
// RadosCoordinator (storage/rados_coordinator.h, many nodes on one Ceph pool).
//
// Thread-safe. Subscribers and membership listeners run on the coordinator's own thread, never
// inside Publish's caller; a node never runs its own subscribers for its own Publish.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sibyl::storage {

// One node as the registry knows it. Persisted (RADOS: JSON in the `nodes` omap).
struct NodeRecord {
  std::string host_id;  // UUID text: the node's identity, stable across its restarts
  std::string address = "127.0.0.1";  // CQL (rpc/native) address, also its listen address
  int cql_port = 9042;
  int http_port = 8080;
  std::string data_center = "datacenter1";
  std::string rack = "rack1";
  std::vector<int64_t> tokens;  // Murmur3 tokens it announces to drivers (sorted)
  std::string schema_version;   // UUID text of the schema it serves
  std::string release_version;
  // Milliseconds since the epoch of its last heartbeat (the writer's clock); 0: it left.
  int64_t heartbeat_ms = 0;
  // Computed by the reader, not persisted: a heartbeat within the liveness window.
  bool live = false;
};

enum class MembershipChange : uint8_t {
  kJoined,   // a node appeared in the registry (TOPOLOGY_CHANGE NEW_NODE)
  kLeft,     // a node left cleanly or was forgotten (TOPOLOGY_CHANGE REMOVED_NODE)
  kUp,       // a known node's heartbeat came back (STATUS_CHANGE UP)
  kDown,     // a node's heartbeat is older than the liveness window (STATUS_CHANGE DOWN)
};

const char* MembershipChangeName(MembershipChange change);

// The registry's encoding of a record (JSON; `live` is not stored). Decode validates every
// field under explicit bounds (the registry is shared: a bad entry must not crash a node):
// kCorruption when it does not hold.
std::string EncodeNodeRecord(const NodeRecord& record);
Result<NodeRecord> DecodeNodeRecord(std::string_view json);

class Coordinator {
 public:
  virtual ~Coordinator() = default;

  // Whether other nodes may share the storage (RADOS). False: one node, Publish and the DDL lock
  // are local, the registry holds only this node.
  virtual bool clustered() const = 0;

  // ---- change propagation ----
  // Runs `reload` on this node whenever another node publishes `topic`, and for every topic
  // after a lost watch is re-established (notifications are not durable: a node that may have
  // missed one reloads everything). `reload` runs on the coordinator's thread before the
  // publisher is acknowledged; it must not call Publish. Add before Start().
  using Reload = std::function<void()>;
  virtual void Subscribe(const std::string& topic, Reload reload) = 0;
  // Returns once every live node has run its subscribers for `topic`, or after the publish
  // timeout (kIOError "... timed out", logged by the caller; the change itself is durable and
  // nodes that did not answer reload when they re-establish their watch).
  virtual Status Publish(const std::string& topic) = 0;

  // ---- cluster-wide DDL lock ----
  // Held while the returned guard lives; kIOError "timed out waiting for the cluster DDL lock"
  // past `wait`. The lock lasts a bounded time unless its holder keeps renewing
  // it (the coordinator does while the guard lives), so a dead holder blocks others only for the
  // lock's duration.
  class LockGuard {
   public:
    virtual ~LockGuard() = default;
  };
  virtual Result<std::unique_ptr<LockGuard>> LockDdl(std::chrono::milliseconds wait) = 0;

  // ---- node registry ----
  // Registers this node (heartbeat from now on). When `self.tokens` is empty the node keeps the
  // tokens it had in the registry, or picks new ones (storage/token_layout.h). Call once.
  virtual Status Join(NodeRecord self) = 0;
  // This node's record as registered (its tokens chosen).
  virtual NodeRecord Self() const = 0;
  // Changes this node's record and writes it at once (e.g. its schema version after a reload).
  virtual Status UpdateSelf(const std::function<void(NodeRecord&)>& change) = 0;
  // Every node in the registry except the ones that left, with `live` set; read now (not cached)
  // so that schema versions are current.
  virtual Result<std::vector<NodeRecord>> Nodes() = 0;
  // Called on the coordinator's thread for every membership change of another node.
  using MembershipListener = std::function<void(const NodeRecord&, MembershipChange)>;
  virtual void OnMembership(MembershipListener listener) = 0;

  // Starts the background work (watch, heartbeat, membership poll). Stop() marks this node as
  // left, stops the work and waits for it. Idempotent.
  virtual Status Start() = 0;
  virtual void Stop() = 0;
};

// One node: Publish returns at once (no other node), the DDL lock is a local mutex, the registry
// is this node (tokens: the minimum token, owning the whole ring).
std::unique_ptr<Coordinator> MakeLocalCoordinator();

}  // namespace sibyl::storage
