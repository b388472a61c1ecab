#pragma once
// TOPOLOGY_CHANGE and STATUS_CHANGE events (native_protocol_v4.spec §4.2.6) for the membership
// changes of the other nodes of a cluster on shared storage (issue 15): a node joining is
// NEW_NODE, leaving REMOVED_NODE, its heartbeat stopping DOWN and coming back UP. The address is
// the node's CQL address and port, which drivers match against system.peers_v2.

#include <optional>
#include <string>

#include "storage/coordinator.h"

namespace sibyl::server {

struct NodeEvent {
  std::string type;  // "TOPOLOGY_CHANGE" or "STATUS_CHANGE", as REGISTER names them
  std::string body;  // the EVENT body: [string type][string change][inet address:port]
};

// The event for `change` of `node`; nullopt when its address is unknown or not an IP address.
std::optional<NodeEvent> MakeNodeEvent(const storage::NodeRecord& node,
                                       storage::MembershipChange change);

}  // namespace sibyl::server
