#include "server/cluster_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "storage/rados_connection.h"
#include "storage/rados_remove_node.h"

namespace sibyl::server {

int RunClusterCommand(const std::vector<std::string>& args) {
  CLI::App app{"Operator commands on a Sibyl cluster on Ceph", "sibyl cluster"};
  app.require_subcommand(1);
  storage::RadosOptions rados;
  std::string host_id;
  CLI::App* remove = app.add_subcommand(
      "remove-node",
      "Forget a dead node: apply its logged batches, then remove its registry entry and batchlog "
      "(refused while it is live)");
  remove->add_option("--host-id", host_id, "The node's host id (system.peers host_id)")->required();
  remove->add_option("--ceph-conf", rados.ceph_conf, "ceph.conf of the cluster")->required();
  remove->add_option("--ceph-user", rados.user, "cephx user, without \"client.\"")
      ->capture_default_str();
  remove->add_option("--ceph-keyring", rados.keyring, "keyring file (default: ceph.conf's)");
  remove->add_option("--pool", rados.pool, "Ceph pool holding Sibyl's data")->capture_default_str();
  remove->add_option("--pool-namespace", rados.namespace_prefix,
                     "Prefix of Sibyl's RADOS namespaces (as the nodes' --pool-namespace)");
  // CLI11 parses argv in reverse order from a vector.
  std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  auto connection = storage::RadosConnection::Connect(rados);
  if (!connection.ok()) {
    std::fprintf(stderr, "%s\n", connection.status().ToString().c_str());
    return 1;
  }
  auto removed = storage::RemoveDeadNode(*connection, host_id);
  if (!removed.ok()) {
    std::fprintf(stderr, "%s\n", removed.status().ToString().c_str());
    return 1;
  }
  std::printf("Removed node %s: %d logged batches applied, %zu tokens freed\n",
              removed->host_id.c_str(), removed->replayed_batches, removed->tokens);
  return 0;
}

}  // namespace sibyl::server
