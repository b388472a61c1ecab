#pragma once
// `sibyl cluster ...`: operator commands on a cluster of nodes sharing a Ceph pool (issue 15).
//   sibyl cluster remove-node --host-id ID --ceph-conf FILE [--pool NAME] [--ceph-user U]
//                             [--ceph-keyring FILE] [--pool-namespace PREFIX]
// removes a dead node as Cassandra's `nodetool removenode` does (storage/rados_remove_node.h).

#include <string>
#include <vector>

namespace sibyl::server {

// Runs the command of `args` (args[0] == "cluster"); prints its outcome (stdout) or error
// (stderr). Exit code: 0 done, 1 refused or failed, 2 bad usage.
int RunClusterCommand(const std::vector<std::string>& args);

}  // namespace sibyl::server
