#pragma once
// RadosCoordinator: the Coordinator (storage/coordinator.h) of many Sibyl nodes on one Ceph pool,
// with stock RADOS only (docs/dev/rados-mapping.md "Many nodes"). Its objects live in namespace
// `sibyl.cluster` (after the deployment's prefix):
//   notify    watched by every node; Publish is a notify2 whose payload names the topic and the
//             publishing node; each other node runs the topic's subscribers, then acks
//   ddl.lock  the stock `lock` class (lock_exclusive with a duration, renewed while held)
//   nodes     the registry: omap host id -> EncodeNodeRecord, rewritten every heartbeat
// A node whose watch breaks re-watches, then runs every subscriber (it may have missed a notify).

#include <chrono>
#include <cstdint>
#include <memory>

#include "storage/coordinator.h"

namespace sibyl::storage {

class RadosConnection;

struct RadosCoordinatorOptions {
  // Longest wait of Publish for the other nodes' acks. Default: 5 s.
  std::chrono::milliseconds publish_timeout{5000};
  // How often a node rewrites its registry entry, polls the registry and renews its DDL lock.
  // Default: 2 s.
  std::chrono::milliseconds heartbeat{2000};
  // A node is live while its heartbeat is younger than this. Default: 10 s.
  std::chrono::milliseconds liveness{10000};
  // How long the DDL lock lasts without renewal (the most a dead holder blocks the others).
  // Default: 15 s.
  std::chrono::seconds lock_duration{15};
  // The watch's timeout: a dead node stops delaying notifies after this. Default: 10 s.
  std::chrono::seconds watch_timeout{10};
};

// `connection` must outlive the coordinator. Start() creates the shared objects if needed.
std::unique_ptr<Coordinator> MakeRadosCoordinator(std::shared_ptr<RadosConnection> connection,
                                                  RadosCoordinatorOptions options = {});

}  // namespace sibyl::storage
