#pragma once
// The command line and config file of the `sibyl` binary. `sibyl serve --config FILE` reads the
// same settings as the flags from a TOML/INI-style file (`key = value`, keys spelled like the
// long flags without dashes: `cql-port = 9042`); flags given on the command line win.
// See docs/dev/protocol-notes.md ("Running the server").

#include <cstdint>
#include <string>

#include "storage/engine.h"

namespace sibyl::server {

// Settings of `sibyl serve`. None can be changed without a restart.
struct ServerConfig {
  // Directory of all data; the RocksDB database is <data_dir>/db. Default: ./data.
  std::string data_dir = "./data";
  // Address every listener binds. Default: 127.0.0.1.
  std::string listen_address = "127.0.0.1";
  // CQL native protocol (plain). Default: 9042. 0 picks an ephemeral port.
  uint16_t cql_port = 9042;
  // CQL over TLS (1.2 and 1.3), same protocol and authentication. Default: 9142.
  uint16_t cql_tls_port = 9142;
  // PEM certificate (chain) and key for the TLS port; when both are empty a self-signed pair is
  // made at first start in <data_dir>/tls/. Default: empty.
  std::string tls_cert;
  std::string tls_key;
  // HTTP: the IAM API (AWS Query protocol). Default: 8080.
  uint16_t http_port = 8080;
  // Serve the API over HTTPS with the TLS certificate of the CQL TLS port. Default: false.
  bool http_tls = false;
  // The built web console (index.html and its files), served under /console/. Default: empty,
  // which means console/dist next to the build directory of the binary (build/../console/dist).
  std::string console_dir;
  // true: CQL logins need IAM credentials (service-specific or SigV4); false: open database.
  // Default: true.
  bool auth = true;
  // The class name sent in AUTHENTICATE.
  // Default: org.apache.cassandra.auth.PasswordAuthenticator.
  std::string authenticator = "org.apache.cassandra.auth.PasswordAuthenticator";
  // The region of ARNs and SigV4 scopes. Default: us-east-1.
  std::string region = "us-east-1";
  // The 12-digit account id; default: made at first start and kept.
  std::string account_id;
  // kSync: every acknowledged write is fsynced; kPeriodic: fsync every periodic_sync_ms.
  // Default: kSync.
  storage::Durability durability = storage::Durability::kSync;
  // Period of the WAL fsync with kPeriodic, in milliseconds. Default: 10000.
  int periodic_sync_ms = 10000;
  // RocksDB's block cache (uncompressed blocks, index and filter blocks), in MiB (issue 14).
  int64_t block_cache_mb = 256;
  // Row cache of point reads of tables without clustering columns (storage/rocksdb_row_cache.h),
  // apart from the block cache, in MiB; 0 turns it off. Default: 64.
  int64_t row_cache_mb = 64;
  // ---- Storage engine (issue 15; docs/dev/rados-mapping.md) ----
  // Which engine holds the data: kRocksDb (embedded, <data_dir>/db) or kRados (a Ceph pool
  // shared by every Sibyl node). Default: kRocksDb.
  enum class StorageKind { kRocksDb, kRados };
  StorageKind storage = StorageKind::kRocksDb;
  // With kRados: the cluster's ceph.conf (required), the cephx user (without "client."), an
  // optional keyring file, and the pool (must exist, replicated).
  std::string ceph_conf;
  std::string ceph_user = "admin";
  std::string ceph_keyring;
  std::string pool = "sibyl";
  // Prefix of every RADOS namespace this deployment uses (several deployments, or test servers,
  // in one pool). Default: empty.
  std::string pool_namespace;
  // The RADOS TTL/tombstone sweeper (docs/dev/rados-mapping.md "Sweeper"): each table's token
  // ranges owned by this node are swept at most once per this many hours (0: never), at most
  // this many partitions per second. Defaults: 6 hours, 100/s. Not reloaded.
  int64_t sweep_period_hours = 6;
  double sweep_partitions_per_second = 100;
  // With kRados: a partition whose head object holds this many row entries or more is moved into
  // range pieces of at most a quarter as many (docs/dev/rados-mapping.md "Big partitions").
  // Default: 100,000. Read at start.
  uint64_t rados_spill_above = 100000;
  // The IAM master key file (issue 15): every node of a cluster on shared storage must use the
  // same one. Default: empty, <data_dir>/keys/master.key.
  std::string master_key_file;
  // Reported in system.local. Default: "Sibyl Cluster".
  std::string cluster_name = "Sibyl Cluster";
  // Reported in system.local. Default: datacenter1.
  std::string data_center = "datacenter1";

  // ---- Large writes (issue 9 item 10) ----
  // Cassandra's max_mutation_size_in_kb: the largest write to one partition key of one keyspace
  // (one statement or batch), in KiB; a larger one gets InvalidRequest "Rejected an oversized
  // mutation ..." and nothing is written. Default: 16384 (16 MiB, half a commit-log segment).
  int64_t max_mutation_size_in_kb = 16384;
  // Cassandra's batch_size_warn_threshold / batch_size_fail_threshold (issue 12): a batch over
  // several partitions whose data is larger gets a client warning / InvalidRequest "Batch too
  // large" (query/batch_limits.h). In KiB. Defaults: 5 and 50.
  int64_t batch_size_warn_threshold_in_kb = 5;
  int64_t batch_size_fail_threshold_in_kb = 50;

  // ---- Request deadlines and workers (issue 9 item 4) ----
  // How long a request may run before the client gets ReadTimeout/WriteTimeout; Cassandra's
  // read_request_timeout (SELECT of given partitions), write_request_timeout (INSERT, UPDATE,
  // DELETE, BATCH) and range_request_timeout (SELECT over token ranges or the whole table), in
  // milliseconds. Defaults: 5000, 2000, 10000.
  int read_request_timeout_ms = 5000;
  int write_request_timeout_ms = 2000;
  int range_request_timeout_ms = 10000;
  // Threads that run CQL requests (Cassandra's native_transport_max_threads, default 128): a
  // few slow statements must not hold every one of them. Default: 32.
  int native_transport_max_threads = 32;

  // ---- CQL transport limits (issue 9 items 5 and 6) ----
  // Largest CQL frame, header included, in MiB (Cassandra's native_transport_max_frame_size); a
  // larger one gets InvalidRequest "Request is too big..." and its body is skipped. Default: 16.
  int native_transport_max_frame_size_in_mb = 16;
  // Open CQL connections over both CQL ports together, and per client address; -1: no cap
  // (Cassandra's defaults). Whatever is set, CQL connections never take more than 3/4 of the
  // process's file descriptors, so that storage and the HTTP API always have some (the soft
  // limit is raised to the hard one at start, as the JVM does for Cassandra). Defaults: -1, -1.
  int64_t native_transport_max_concurrent_connections = -1;
  int64_t native_transport_max_concurrent_connections_per_ip = -1;
  // From accept to READY or AUTH_SUCCESS (TLS handshake, STARTUP, login), in ms; a connection
  // that takes longer is closed. Default: 10000.
  int cql_handshake_timeout_ms = 10000;
  // From the first to the last byte of one frame, in ms; idle authenticated connections have no
  // deadline (as in Cassandra). Default: 30000.
  int cql_frame_timeout_ms = 30000;
};

// What main() must do after parsing its arguments.
struct CommandLine {
  enum class Action : uint8_t { kServe, kExit };
  Action action = Action::kExit;
  // kExit: the process exit code (0 for --help and --version) and the text to print (to stdout
  // when the code is 0, else to stderr: the error and a usage hint).
  int exit_code = 0;
  std::string output;
  ServerConfig config;  // kServe
};

// Parses `sibyl [--help|--version] serve [flags]`. Unknown flags, subcommands and config keys,
// and invalid values, give kExit with a non-zero code. Reads the --config file if given.
CommandLine ParseCommandLine(int argc, const char* const* argv);

// "0.1.0"
const char* SibylVersion();

}  // namespace sibyl::server
