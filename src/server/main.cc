// sibyl: the server binary. Startup and shutdown read top-down, each start with its stop beside it.
//   storage engine  -> flushed last
//   query processor -> destroyed after the listeners stop
//   CQL listener    -> stopped first (no new requests, running ones finish)
// SIGINT/SIGTERM end the wait; exit code 0 on a clean stop.

#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "query/processor.h"
#include "server/config.h"
#include "server/cql_server.h"
#include "server/defer.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::server {
namespace {

int Serve(const ServerConfig& config) {
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

  storage::RocksDbOptions storage_options;
  storage_options.path = (std::filesystem::path(config.data_dir) / "db").string();
  storage_options.durability = config.durability;
  storage_options.periodic_sync_ms = config.periodic_sync_ms;
  auto engine = storage::OpenRocksDbEngine(storage_options);
  if (!engine.ok()) {
    spdlog::critical("Cannot open the storage engine at {}: {}", storage_options.path,
                     engine.status().ToString());
    return 1;
  }
  Defer flush_engine([&] {
    Status status = (*engine)->Flush();
    if (!status.ok()) spdlog::error("Flushing the storage engine failed: {}", status.ToString());
  });

  query::NodeInfo node;
  node.listen_address = config.listen_address;
  node.cql_port = config.cql_port;
  node.cluster_name = config.cluster_name;
  node.data_center = config.data_center;
  auto processor = query::OpenQueryProcessor(**engine, node);
  if (!processor.ok()) {
    spdlog::critical("Cannot open the query processor: {}", processor.status().ToString());
    return 1;
  }

  CqlServerOptions cql_options;
  cql_options.listen_address = config.listen_address;
  cql_options.port = config.cql_port;
  CqlServer cql(**processor, cql_options);
  if (Status status = cql.Start(); !status.ok()) {
    spdlog::critical("{}", status.ToString());
    return 1;
  }
  Defer stop_cql([&] { cql.Stop(); });
  spdlog::info("CQL native protocol (v3, v4) listening on {}:{}", config.listen_address,
               cql.port());

  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  spdlog::info("Sibyl started in {} ms", elapsed.count());

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("Received {}, shutting down", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  return 0;
}

}  // namespace
}  // namespace sibyl::server

int main(int argc, char** argv) {
  using sibyl::server::CommandLine;
  const CommandLine command = sibyl::server::ParseCommandLine(argc, argv);
  if (command.action == CommandLine::Action::kExit) {
    std::fputs(command.output.c_str(), command.exit_code == 0 ? stdout : stderr);
    return command.exit_code;
  }
  const int code = sibyl::server::Serve(command.config);
  if (code == 0) spdlog::info("Sibyl stopped");
  return code;
}
