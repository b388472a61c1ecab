#include "server/config.h"

#include <CLI/CLI.hpp>

#include <map>
#include <sstream>

namespace sibyl::server {

const char* SibylVersion() { return "0.1.0"; }

CommandLine ParseCommandLine(int argc, const char* const* argv) {
  CommandLine result;
  ServerConfig& config = result.config;

  CLI::App app{"Sibyl: a Cassandra-compatible database server", "sibyl"};
  app.set_version_flag("--version", std::string("sibyl ") + SibylVersion());
  app.require_subcommand(1);

  CLI::App* serve = app.add_subcommand("serve", "Run the server");
  serve->set_config("--config", "", "Read settings from a TOML/INI file (key = value)");
  serve->allow_config_extras(CLI::config_extras_mode::error);
  serve->add_option("--data-dir", config.data_dir, "Directory of all data")
      ->capture_default_str();
  serve->add_option("--listen-address", config.listen_address, "Address the listeners bind")
      ->capture_default_str();
  serve->add_option("--cql-port", config.cql_port, "CQL native protocol port (0: ephemeral)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  serve->add_option("--cql-tls-port", config.cql_tls_port, "CQL over TLS port (not opened yet)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  serve->add_option("--http-port", config.http_port, "HTTP API port (not opened yet)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  const std::map<std::string, storage::Durability> durabilities = {
      {"sync", storage::Durability::kSync}, {"periodic", storage::Durability::kPeriodic}};
  serve->add_option("--durability", config.durability,
                    "sync: fsync every acknowledged write; periodic: fsync in the background")
      ->transform(CLI::CheckedTransformer(durabilities, CLI::ignore_case))
      ->default_str("sync");
  serve->add_option("--periodic-sync-ms", config.periodic_sync_ms,
                    "WAL fsync period with --durability periodic, in ms")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve->add_option("--cluster-name", config.cluster_name, "Cluster name (system.local)")
      ->capture_default_str();
  serve->add_option("--data-center", config.data_center, "Data center name (system.local)")
      ->capture_default_str();

  std::ostringstream out;
  std::ostringstream err;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    result.action = CommandLine::Action::kExit;
    result.exit_code = app.exit(e, out, err);
    if (result.exit_code == 0) {
      result.output = out.str();
    } else {
      result.output = err.str();
      if (result.output.find("--help") == std::string::npos) {
        result.output += "Run with --help for more information.\n";
      }
    }
    return result;
  }
  result.action = CommandLine::Action::kServe;
  return result;
}

}  // namespace sibyl::server
