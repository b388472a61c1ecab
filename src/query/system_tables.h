#pragma once
// Sibyl's system tables, served from memory: system.local, system.peers(_v2),
// system.size_estimates, system_schema.* (describing every keyspace, the system ones included)
// and Amazon Keyspaces' system_schema_mcs.*. Drivers and cqlsh read these to learn the cluster
// and the schema. Their rows are built from the current schema snapshot on each read.

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "query/client_directory.h"
#include "query/processor.h"
#include "query/row_source.h"
#include "schema/metadata.h"

#include "query/namespaces.h"

namespace sibyl::storage {
class Coordinator;
}

namespace sibyl::query {

class TraceStore;

// What system.local reports for protocol and version identity.
// Cassandra 4.0: cqlsh 6 then runs DESCRIBE on the server (docs/dev/decisions/0001).
inline constexpr const char* kReleaseVersion = "4.0.11";
inline constexpr const char* kCqlVersion = "3.4.5";

class SystemTables {
 public:
  SystemTables(NodeInfo node, std::string host_id,
               std::shared_ptr<const ClientDirectory> clients = nullptr,
               std::shared_ptr<const TraceStore> traces = nullptr)
      : node_(std::move(node)),
        host_id_(std::move(host_id)),
        clients_(std::move(clients)),
        traces_(std::move(traces)) {}

  // The definitions of the system keyspaces and their tables (all virtual).
  static std::vector<std::shared_ptr<const schema::KeyspaceMetadata>> Keyspaces();

  // The rows of `table` (a virtual table) for `snapshot`.
  Result<std::unique_ptr<RowSource>> Open(const schema::TableMetadata& table,
                                          const schema::SchemaSnapshot& snapshot) const;

  const NodeInfo& node() const { return node_; }
  const std::string& host_id() const { return host_id_; }

  // Many nodes (issue 15): system.local shows this node's tokens from `coordinator`, and
  // system.peers / peers_v2 the other live nodes of its registry. Null: one node. Not owned.
  void SetCoordinator(storage::Coordinator* coordinator) { coordinator_ = coordinator; }

 private:
  storage::Coordinator* coordinator_ = nullptr;
  NodeInfo node_;
  std::string host_id_;  // UUID text, stable across restarts
  std::shared_ptr<const ClientDirectory> clients_;  // system_views.clients; may be null
  std::shared_ptr<const TraceStore> traces_;        // system_traces.*; may be null
};

}  // namespace sibyl::query
