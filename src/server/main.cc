// sibyl: the server binary. Startup and shutdown read top-down, each start with its stop beside it.
//   storage engine  -> flushed last
//   IAM service     -> (first start: makes the account and the root key, shown once)
//   query processor -> destroyed after the listeners stop
//   HTTP listener   -> the IAM API
//   CQL listener    -> stopped first (no new requests, running ones finish)
// `sibyl iam ...` and `sibyl sts ...` are the command-line client of the IAM API instead;
// `sibyl cluster remove-node ...` forgets a dead node of a cluster on Ceph (issue 15).
// SIGINT/SIGTERM end the wait; exit code 0 on a clean stop.

#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/logging.h"
#include "http/http_server.h"
#include "iam/login_brake_sync.h"
#include "http/router.h"
#include "server/client_registry.h"
#include "server/cluster_command.h"
#include "server/cql_authorizer.h"
#include "iam/iam_service.h"
#include "query/processor.h"
#include "server/cql_authenticator.h"
#include "tools/cli/aws_cli.h"
#include "server/config.h"
#include "server/connection_limiter.h"
#include "server/cql_server.h"
#include "server/data_dir.h"
#include "server/tls_certificate.h"
#include "server/defer.h"
#include "server/shutdown_watchdog.h"
#include "storage/rocksdb_engine.h"
// issue 15: many nodes on a Ceph pool
#include "query/system_tables.h"
#include "server/node_events.h"
#include "server/node_identity.h"
#include "storage/coordinator.h"
#include "storage/rados_coordinator.h"
#include "storage/rados_engine.h"
#include "storage/rados_sweeper.h"
#include "http/console_session_record.h"

namespace sibyl::server {
namespace {

// SIGTERM to exit, whatever requests are running (issue 9 item 4): they are cancelled when their
// connections close, and the watchdog ends the process if the stop still takes longer.
constexpr std::chrono::milliseconds kShutdownBudget{9000};

int Serve(const ServerConfig& config) {
  ShutdownWatchdog watchdog;  // first: destroyed after every stop below
  const auto started = std::chrono::steady_clock::now();
  // Block the stop signals before any thread starts, so that every thread inherits the mask and
  // only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  spdlog::info("Sibyl {} starting (data dir {}, durability {})", SibylVersion(), config.data_dir,
               config.durability == storage::Durability::kSync ? "sync" : "periodic");

  // Before anything is created in it: the data directory is for this user only (issue 9 item 9).
  auto data_dir_warnings = PrepareDataDir(config.data_dir);
  if (!data_dir_warnings.ok()) {
    spdlog::critical("{}", data_dir_warnings.status().ToString());
    return 1;
  }
  for (const auto& warning : *data_dir_warnings) spdlog::warn("{}", warning);

  storage::RocksDbOptions storage_options;
  storage_options.path = (std::filesystem::path(config.data_dir) / "db").string();
  storage_options.durability = config.durability;
  storage_options.periodic_sync_ms = config.periodic_sync_ms;
  storage_options.block_cache_bytes = static_cast<uint64_t>(config.block_cache_mb) << 20;
  storage_options.row_cache_bytes = static_cast<uint64_t>(config.row_cache_mb) << 20;
  // ---- issue 15: the engine is RocksDB on this machine, or a Ceph pool shared by many nodes;
  // on RADOS each node keeps its own host id in its data dir, and a coordinator makes DDL and
  // IAM changes cluster-wide (storage/coordinator.h).
  std::shared_ptr<storage::RadosConnection> rados;
  std::string host_id;  // empty on RocksDB: the engine's internal table keeps it
  Result<std::unique_ptr<storage::Engine>> engine =
      Status(ErrorCode::kInternal, "no storage engine");
  if (config.storage == ServerConfig::StorageKind::kRados) {
    storage::RadosOptions rados_options;
    rados_options.ceph_conf = config.ceph_conf;
    rados_options.user = config.ceph_user;
    rados_options.keyring = config.ceph_keyring;
    rados_options.pool = config.pool;
    rados_options.namespace_prefix = config.pool_namespace;
    auto connection = storage::RadosConnection::Connect(rados_options);
    auto id = LoadOrCreateHostId(config.data_dir);
    if (!connection.ok() || !id.ok()) {
      spdlog::critical("Cannot open the RADOS storage: {}",
                       (connection.ok() ? id.status() : connection.status()).ToString());
      return 1;
    }
    rados = *connection;
    host_id = *id;
    storage::RadosEngineOptions engine_options;
    engine_options.node_id = host_id;  // names this node's batchlog
    engine_options.spill_above_entries = config.rados_spill_above;
    engine = storage::OpenRadosEngine(rados, engine_options);
  } else {
    engine = storage::OpenRocksDbEngine(storage_options);
  }
  if (!engine.ok()) {
    spdlog::critical("Cannot open the storage engine ({}): {}",
                     rados ? "pool " + config.pool : storage_options.path,
                     engine.status().ToString());
    return 1;
  }
  std::unique_ptr<storage::Coordinator> coordinator =
      rados ? storage::MakeRadosCoordinator(rados) : storage::MakeLocalCoordinator();
  Defer flush_engine([&] {
    Status status = (*engine)->Flush();
    if (!status.ok()) spdlog::error("Flushing the storage engine failed: {}", status.ToString());
  });

  iam::IamOptions iam_options;
  iam_options.account_id = config.account_id;
  iam_options.region = config.region;
  iam_options.master_key_path =
      !config.master_key_file.empty()  // issue 15: one key for every node
          ? config.master_key_file
          : (std::filesystem::path(config.data_dir) / "keys" / "master.key").string();
  iam_options.coordinator = coordinator.get();
  const char* root_id = std::getenv("SIBYL_ROOT_ACCESS_KEY_ID");
  const char* root_secret = std::getenv("SIBYL_ROOT_SECRET_ACCESS_KEY");
  if (root_id != nullptr && root_secret != nullptr && *root_id && *root_secret) {
    iam_options.root_access_key_id = root_id;
    iam_options.root_secret_access_key = root_secret;
  }
  iam::NewAccessKey new_root;
  auto iam_service = iam::IamService::Open(**engine, iam_options, &new_root);
  if (!iam_service.ok()) {
    spdlog::critical("Cannot open the IAM state: {}", iam_service.status().ToString());
    return 1;
  }
  if (!new_root.secret.empty()) {
    // Shown once, on stdout only (never through the log).
    std::printf(
        "\nA root access key was created for account %s. It is shown only now:\n"
        "  export AWS_ACCESS_KEY_ID=%s\n  export AWS_SECRET_ACCESS_KEY=%s\n"
        "  export AWS_DEFAULT_REGION=%s\n"
        "Set SIBYL_ROOT_ACCESS_KEY_ID and SIBYL_ROOT_SECRET_ACCESS_KEY to choose it instead.\n\n",
        (*iam_service)->account_id().c_str(), new_root.key.id.c_str(), new_root.secret.c_str(),
        config.region.c_str());
    std::fflush(stdout);
  }

  // issue 15: failed logins on any node slow guessing on every node (iam/login_brake_sync.h).
  std::unique_ptr<iam::LoginBrakeSync> brake_sync;
  if (coordinator->clustered()) {
    auto sync = iam::LoginBrakeSync::Open(**engine, (*iam_service)->login_brake(), host_id);
    if (!sync.ok()) {
      spdlog::critical("Cannot share the failed-login brake: {}", sync.status().ToString());
      return 1;
    }
    brake_sync = std::move(*sync);
    brake_sync->Start();
  }
  Defer stop_brake_sync([&] {
    if (brake_sync) brake_sync->Stop();
  });

  query::NodeInfo node;
  node.listen_address = config.listen_address;
  node.cql_port = config.cql_port;
  node.cluster_name = config.cluster_name;
  node.data_center = config.data_center;
  node.region = (*iam_service)->region();
  node.account_id = (*iam_service)->account_id();
  node.host_id = host_id;  // issue 15
  query::ProcessorOptions processor_options;
  processor_options.timeouts.read = std::chrono::milliseconds(config.read_request_timeout_ms);
  processor_options.timeouts.write = std::chrono::milliseconds(config.write_request_timeout_ms);
  processor_options.timeouts.range = std::chrono::milliseconds(config.range_request_timeout_ms);
  processor_options.max_mutation_bytes = static_cast<uint64_t>(config.max_mutation_size_in_kb) << 10;
  processor_options.batch_size_warn_bytes =  // issue 12
      static_cast<uint64_t>(config.batch_size_warn_threshold_in_kb) << 10;
  processor_options.batch_size_fail_bytes =
      static_cast<uint64_t>(config.batch_size_fail_threshold_in_kb) << 10;
  // issue 10 item 21: the live connections of both CQL listeners, for system_views.clients.
  auto clients = std::make_shared<ClientRegistry>();
  processor_options.clients = clients;
  processor_options.coordinator = coordinator.get();  // issue 15
  auto processor = query::OpenQueryProcessor(**engine, node, processor_options);
  if (!processor.ok()) {
    spdlog::critical("Cannot open the query processor: {}", processor.status().ToString());
    return 1;
  }

  std::string cert = config.tls_cert, key = config.tls_key;
  if (cert.empty() != key.empty()) {
    spdlog::critical("--tls-cert and --tls-key go together");
    return 1;
  }
  if (cert.empty()) {
    const auto tls_dir = std::filesystem::absolute(config.data_dir) / "tls";
    cert = (tls_dir / "cert.pem").lexically_normal().string();
    key = (tls_dir / "key.pem").lexically_normal().string();
    bool fresh = !std::filesystem::exists(cert);
    if (Status status = EnsureSelfSignedCertificate(cert, key, config.listen_address);
        !status.ok()) {
      spdlog::critical("{}", status.ToString());
      return 1;
    }
    if (fresh) {
      std::printf("A self-signed TLS certificate was made for the CQL TLS port: %s\n"
                  "  cqlsh --ssl: export SSL_CERTFILE=%s\n\n",
                  cert.c_str(), cert.c_str());
      std::fflush(stdout);
    }
  }
  http::HttpServerOptions http_options;
  http_options.listen_address = config.listen_address;
  http_options.port = config.http_port;
  if (config.http_tls) {
    http_options.tls_cert = cert;
    http_options.tls_key = key;
  }
  std::string console_dir = config.console_dir;
  if (console_dir.empty()) {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) console_dir = (exe.parent_path().parent_path() / "console" / "dist").string();
  }
  http::StaticFiles console_files(console_dir);
  // issue 15: console sessions are rows of the shared storage, so every node knows them.
  auto console_sessions = http::ConsoleSessions::Open(**engine);
  if (!console_sessions.ok()) {
    spdlog::critical("Cannot open the console sessions: {}", console_sessions.status().ToString());
    return 1;
  }
  http::ConsoleApi console_api(
      **iam_service, **processor, **console_sessions,
      [&iam = **iam_service](const iam::Principal& principal, const std::string& source_ip,
                             bool secure) -> std::shared_ptr<query::Authorizer> {
        return std::make_shared<CqlAuthorizer>(iam, principal, ConnectionOrigin{source_ip, secure});
      },
      http::ConsoleEndpoint{config.cql_port, config.cql_tls_port, cert, config.data_center});
  http::HttpServer http_server(http::MakeRouter(**iam_service, console_api, console_files),
                               http_options);
  if (Status status = http_server.Start(); !status.ok()) {
    spdlog::critical("{}", status.ToString());
    return 1;
  }
  Defer stop_http([&] { http_server.Stop(); });
  spdlog::info("IAM API (AWS Query protocol) listening on {}://{}:{}",
               config.http_tls ? "https" : "http", config.listen_address, http_server.port());
  spdlog::info("Web console: {}://{}:{}/console/ (files from {})",
               config.http_tls ? "https" : "http", config.listen_address, http_server.port(),
               console_dir);

  CqlAuthenticator authenticator(**iam_service, config.authenticator);
  CqlServerOptions cql_options;
  cql_options.listen_address = config.listen_address;
  cql_options.port = config.cql_port;
  cql_options.worker_threads = config.native_transport_max_threads;
  cql_options.clients = clients;
  if (config.auth) cql_options.limits.authenticator = &authenticator;
  // CQL transport limits (issue 9 items 5 and 6); one limiter counts both CQL ports.
  cql_options.limits.max_frame_size = config.native_transport_max_frame_size_in_mb << 20;
  cql_options.limits.handshake_timeout =
      std::chrono::milliseconds(config.cql_handshake_timeout_ms);
  cql_options.limits.frame_timeout = std::chrono::milliseconds(config.cql_frame_timeout_ms);
  const int64_t connection_cap =
      CapConnectionsByFileDescriptors(config.native_transport_max_concurrent_connections);
  cql_options.limiter = std::make_shared<ConnectionLimiter>(
      connection_cap, config.native_transport_max_concurrent_connections_per_ip);
  spdlog::info("CQL connections: at most {} ({} per address), frames up to {} MiB",
               connection_cap < 0 ? std::string("unlimited") : std::to_string(connection_cap),
               config.native_transport_max_concurrent_connections_per_ip < 0
                   ? std::string("unlimited")
                   : std::to_string(config.native_transport_max_concurrent_connections_per_ip),
               config.native_transport_max_frame_size_in_mb);
  CqlServer cql(**processor, cql_options);
  if (Status status = cql.Start(); !status.ok()) {
    spdlog::critical("{}", status.ToString());
    return 1;
  }
  Defer stop_cql([&] { cql.Stop(); });
  spdlog::info("CQL native protocol (v3, v4) listening on {}:{} ({})", config.listen_address,
               cql.port(), config.auth ? "IAM authentication" : "no authentication");

  auto tls_context = MakeServerTlsContext(cert, key);
  if (!tls_context.ok()) {
    spdlog::critical("{}", tls_context.status().ToString());
    return 1;
  }
  CqlServerOptions tls_options = cql_options;
  tls_options.port = config.cql_tls_port;
  tls_options.tls = tls_context->get();
  CqlServer cql_tls(**processor, tls_options);
  if (Status status = cql_tls.Start(); !status.ok()) {
    spdlog::critical("{}", status.ToString());
    return 1;
  }
  Defer stop_cql_tls([&] { cql_tls.Stop(); });
  spdlog::info("CQL native protocol over TLS listening on {}:{} (certificate {})",
               config.listen_address, cql_tls.port(), cert);

  // issue 15: this node in the cluster's registry (with its real ports), membership changes of
  // the others as TOPOLOGY_CHANGE / STATUS_CHANGE events; stopped first at shutdown.
  coordinator->OnMembership([&cql, &cql_tls](const storage::NodeRecord& other,
                                             storage::MembershipChange change) {
    if (auto event = MakeNodeEvent(other, change)) {
      cql.BroadcastNodeEvent(event->type, event->body);
      cql_tls.BroadcastNodeEvent(event->type, event->body);
    }
  });
  storage::NodeRecord self;
  self.host_id = host_id;
  self.address = config.listen_address;
  self.cql_port = cql.port();
  self.http_port = http_server.port();
  self.data_center = config.data_center;
  self.release_version = query::kReleaseVersion;
  if (Status status = coordinator->Join(self); !status.ok()) {
    spdlog::critical("Cannot join the cluster: {}", status.ToString());
    return 1;
  }
  if (Status status = coordinator->Start(); !status.ok()) {
    spdlog::critical("Cannot start the cluster coordination: {}", status.ToString());
    return 1;
  }
  Defer stop_coordinator([&] { coordinator->Stop(); });
  // issue 15: expired cells and old tombstones of rows nobody reads, swept in the background on
  // RADOS over the token ranges this node owns (RocksDB's compaction filter does it there).
  std::unique_ptr<storage::RadosSweeper> sweeper;
  if (rados) {
    storage::RadosSweeperOptions sweep_options;
    sweep_options.period = std::chrono::hours(config.sweep_period_hours);
    sweep_options.partitions_per_second = config.sweep_partitions_per_second;
    sweeper = std::make_unique<storage::RadosSweeper>(
        rados, coordinator.get(),
        [&processor] {
          std::vector<storage::SweptTable> tables;
          for (const auto& t : (*processor)->StoredTables()) {
            tables.push_back({t.id, t.gc_grace_seconds});
          }
          // Internal tables whose rows expire by TTL (ended console sessions, old brake
          // sketches): one hour of grace is plenty where nothing is repaired from replicas.
          tables.push_back({http::kConsoleSessionTableId, 3600});
          tables.push_back({iam::kLoginFailuresTableId, 3600});
          return tables;
        },
        sweep_options);
    sweeper->Start();
  }
  Defer stop_sweeper([&] {
    if (sweeper) sweeper->Stop();
  });

  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  spdlog::info("Sibyl started in {} ms", elapsed.count());

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("Received {}, shutting down", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  watchdog.Arm(kShutdownBudget);
  return 0;
}

}  // namespace
}  // namespace sibyl::server

int main(int argc, char** argv) {
  if (argc >= 2 && (std::string(argv[1]) == "iam" || std::string(argv[1]) == "sts")) {
    return sibyl::cli::RunAwsStyleCommand(std::vector<std::string>(argv + 1, argv + argc));
  }
  if (argc >= 2 && std::string(argv[1]) == "cluster") {  // issue 15: remove-node
    return sibyl::server::RunClusterCommand(std::vector<std::string>(argv + 1, argv + argc));
  }
  using sibyl::server::CommandLine;
  const CommandLine command = sibyl::server::ParseCommandLine(argc, argv);
  if (command.action == CommandLine::Action::kExit) {
    std::fputs(command.output.c_str(), command.exit_code == 0 ? stdout : stderr);
    return command.exit_code;
  }
  // Every log line is escaped in one place (issue 9 item 8): client-supplied names cannot forge
  // lines or put control bytes into the log.
  sibyl::InstallLogEscaping();
  const int code = sibyl::server::Serve(command.config);
  if (code == 0) spdlog::info("Sibyl stopped");
  return code;
}
