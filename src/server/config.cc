#include "server/config.h"

#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

namespace sibyl::server {

const char* SibylVersion() { return "0.1.0"; }

namespace {

// CLI11 reads a config file only for the top-level app, so `serve --config` is applied here:
// every key must name a long flag of `serve` ("cql-port" or "cql_port"; a [serve] section is
// accepted too), and flags given on the command line win over the file.
void ApplyConfigFile(CLI::App& serve, const std::string& path) {
  for (const CLI::ConfigItem& item : CLI::ConfigTOML().from_file(path)) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    if (!item.parents.empty() && !(item.parents.size() == 1 && item.parents[0] == "serve")) {
      throw CLI::ConversionError(
          fmt::format("Unknown setting '{}' in {}", item.fullname(), path));
    }
    std::string name = item.name;
    std::replace(name.begin(), name.end(), '_', '-');
    CLI::Option* option = serve.get_option_no_throw("--" + name);
    if (option == nullptr || name == "config" || name == "help") {
      throw CLI::ConversionError(fmt::format("Unknown setting '{}' in {}", item.name, path));
    }
    if (option->count() > 0) continue;  // the command line wins
    option->add_result(item.inputs);
    option->run_callback();
  }
}

// ---- Options whose value is one of a few names (issue 10 item 22) ----
// The help shows the names ("sync|periodic"), never the values they map to: CLI11's
// CheckedTransformer printed those, and a uint8_t enum printed as raw bytes (a NUL that cut the
// help short). Only the names are accepted, in any case (CheckedTransformer also took "0"/"1").
template <typename T>
CLI::Option* AddEnumOption(CLI::App& app, const std::string& flag, T& target,
                           std::vector<std::pair<std::string, T>> choices,
                           const std::string& default_name, const std::string& help) {
  std::vector<std::string> names;
  for (const auto& choice : choices) names.push_back(choice.first);
  CLI::Option* option = app.add_option_function<std::string>(
      flag,
      [&target, choices](const std::string& value) {
        // IsMember below has already replaced the value by the name it matched.
        for (const auto& [name, mapped] : choices) {
          if (name == value) target = mapped;
        }
      },
      help);
  option->check(CLI::IsMember(names, CLI::ignore_case).description(""))
      ->type_name(fmt::format("{}", fmt::join(names, "|")))
      ->default_str(default_name);
  return option;
}

}  // namespace

CommandLine ParseCommandLine(int argc, const char* const* argv) {
  CommandLine result;
  ServerConfig& config = result.config;

  CLI::App app{"Sibyl: a Cassandra-compatible database server", "sibyl"};
  app.set_version_flag("--version", std::string("sibyl ") + SibylVersion());
  app.require_subcommand(1);

  CLI::App* serve = app.add_subcommand("serve", "Run the server");
  std::string config_file;
  serve->add_option("--config", config_file,
                    "Read settings from a TOML/INI file (key = value, keys as the long flags)")
      ->check(CLI::ExistingFile);
  serve->add_option("--data-dir", config.data_dir, "Directory of all data")
      ->capture_default_str();
  serve->add_option("--listen-address", config.listen_address, "Address the listeners bind")
      ->capture_default_str();
  serve->add_option("--cql-port", config.cql_port, "CQL native protocol port (0: ephemeral)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  serve->add_option("--cql-tls-port", config.cql_tls_port, "CQL over TLS port")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  serve->add_option("--tls-cert", config.tls_cert,
                    "PEM certificate for the TLS port (default: self-signed, made at first start)")
      ->check(CLI::ExistingFile);
  serve->add_option("--tls-key", config.tls_key, "PEM private key of --tls-cert")
      ->check(CLI::ExistingFile);
  serve->add_option("--http-port", config.http_port, "HTTP port of the IAM API")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  serve->add_flag("--http-tls", config.http_tls,
                  "Serve the IAM API over HTTPS (with the TLS port's certificate)");
  serve->add_option("--console-dir", config.console_dir,
                    "Directory of the built web console (default: console/dist of the source "
                    "tree the binary was built in)");
  AddEnumOption<bool>(*serve, "--auth", config.auth, {{"iam", true}, {"none", false}}, "iam",
                     "iam: CQL logins need IAM credentials; none: no authentication");
  serve->add_option("--authenticator", config.authenticator,
                    "Class name sent in AUTHENTICATE")
      ->capture_default_str();
  serve->add_option("--region", config.region, "Region of ARNs and SigV4 scopes")
      ->capture_default_str();
  serve->add_option("--account-id", config.account_id,
                    "12-digit account id (default: made at first start)")
      ->check([](const std::string& v) {
        return v.size() == 12 && v.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : std::string("must be 12 digits");
      });
  AddEnumOption<storage::Durability>(
      *serve, "--durability", config.durability,
      {{"sync", storage::Durability::kSync}, {"periodic", storage::Durability::kPeriodic}}, "sync",
      "sync: fsync every acknowledged write; periodic: fsync in the background");
  serve->add_option("--periodic-sync-ms", config.periodic_sync_ms,
                    "WAL fsync period with --durability periodic, in ms")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve->add_option("--block-cache-mb", config.block_cache_mb,
                    "Storage block cache (data, index and filter blocks), in MiB")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{8}, int64_t{1} << 20));
  serve->add_option("--row-cache-mb", config.row_cache_mb,
                    "Row cache of point reads of tables without clustering columns, apart from "
                    "the block cache, in MiB (0: off)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  // Storage engine (issue 15).
  AddEnumOption<ServerConfig::StorageKind>(
      *serve, "--storage", config.storage,
      {{"rocksdb", ServerConfig::StorageKind::kRocksDb}, {"rados", ServerConfig::StorageKind::kRados}},
      "rocksdb", "rocksdb: embedded in the data dir; rados: a Ceph pool shared by many nodes");
  serve->add_option("--ceph-conf", config.ceph_conf, "ceph.conf of the cluster (--storage rados)");
  serve->add_option("--ceph-user", config.ceph_user, "cephx user, without \"client.\" (--storage rados)")
      ->capture_default_str();
  serve->add_option("--ceph-keyring", config.ceph_keyring,
                    "keyring file (--storage rados; default: the one ceph.conf names)");
  serve->add_option("--pool", config.pool, "Ceph pool holding Sibyl's data (--storage rados)")
      ->capture_default_str();
  serve->add_option("--pool-namespace", config.pool_namespace,
                    "Prefix of Sibyl's RADOS namespaces, to share a pool (--storage rados)")
      ->check([](const std::string& v) {
        return v.size() <= 64 && v.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-.") ==
                                     std::string::npos
                   ? std::string()
                   : std::string("at most 64 of [a-z0-9_.-]");
      });
  serve->add_option("--sweep-period-hours", config.sweep_period_hours,  // issue 15
                    "RADOS: sweep each table's expired cells and old tombstones at most once per "
                    "this many hours (0: never)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{24 * 365}));
  serve->add_option("--sweep-partitions-per-second", config.sweep_partitions_per_second,
                    "RADOS: at most this many partitions swept per second by this node")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 100000.0));
  serve->add_option("--rados-spill-above", config.rados_spill_above,
                    "Row entries of a partition object past which its rows move into range "
                    "pieces (--storage rados)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{2}, uint64_t{1} << 40));
  serve->add_option("--master-key-file", config.master_key_file,  // issue 15
                    "IAM master key file (created 0600 if absent); every node of a cluster must "
                    "use the same (default: <data-dir>/keys/master.key)");
  serve->add_option("--cluster-name", config.cluster_name, "Cluster name (system.local)")
      ->capture_default_str();
  serve->add_option("--data-center", config.data_center, "Data center name (system.local)")
      ->capture_default_str();
  // Large writes (issue 9 item 10).
  serve->add_option("--max-mutation-size-in-kb", config.max_mutation_size_in_kb,
                    "Largest write to one partition (one statement or batch), in KiB")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{2} << 20));
  // Batch size thresholds (issue 12).
  serve->add_option("--batch-size-warn-threshold-in-kb", config.batch_size_warn_threshold_in_kb,
                    "A batch over several partitions larger than this gets a warning, in KiB")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{2} << 20));
  serve->add_option("--batch-size-fail-threshold-in-kb", config.batch_size_fail_threshold_in_kb,
                    "A batch over several partitions larger than this is refused, in KiB")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{2} << 20));
  // Request deadlines and workers (issue 9 item 4).
  serve->add_option("--read-request-timeout-ms", config.read_request_timeout_ms,
                    "Deadline of a SELECT of given partitions, in ms (then ReadTimeout)")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400000));
  serve->add_option("--write-request-timeout-ms", config.write_request_timeout_ms,
                    "Deadline of INSERT, UPDATE, DELETE and BATCH, in ms (then WriteTimeout)")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400000));
  serve->add_option("--range-request-timeout-ms", config.range_request_timeout_ms,
                    "Deadline of a SELECT over token ranges or a whole table, in ms")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400000));
  serve->add_option("--native-transport-max-threads", config.native_transport_max_threads,
                    "Threads that run CQL requests")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  // CQL transport limits (issue 9 items 5 and 6).
  serve->add_option("--native-transport-max-frame-size-in-mb",
                    config.native_transport_max_frame_size_in_mb,
                    "Largest CQL frame, header included, in MiB")
      ->capture_default_str()
      ->check(CLI::Range(1, 2047));
  const auto connection_cap = [](const std::string& v) {
    return v == "-1" || (!v.empty() && v[0] != '-' && v != "0") ? std::string()
                                                               : std::string("must be -1 or >= 1");
  };
  serve->add_option("--native-transport-max-concurrent-connections",
                    config.native_transport_max_concurrent_connections,
                    "Open CQL connections over both ports (-1: no cap)")
      ->capture_default_str()
      ->check(connection_cap);
  serve->add_option("--native-transport-max-concurrent-connections-per-ip",
                    config.native_transport_max_concurrent_connections_per_ip,
                    "Open CQL connections per client address (-1: no cap)")
      ->capture_default_str()
      ->check(connection_cap);
  serve->add_option("--cql-handshake-timeout-ms", config.cql_handshake_timeout_ms,
                    "Time from connect to a completed login (TLS, STARTUP, auth), in ms")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400000));
  serve->add_option("--cql-frame-timeout-ms", config.cql_frame_timeout_ms,
                    "Time from the first to the last byte of a CQL frame, in ms")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400000));

  std::ostringstream out;
  std::ostringstream err;
  try {
    app.parse(argc, argv);
    if (!config_file.empty()) ApplyConfigFile(*serve, config_file);
  } catch (const CLI::ParseError& e) {
    result.action = CommandLine::Action::kExit;
    result.exit_code = app.exit(e, out, err);
    if (result.exit_code == 0) {
      result.output = out.str();
    } else {
      // CLI11 reports a missing subcommand before unexpected arguments: name them first.
      const std::vector<std::string> unexpected = app.remaining();
      if (!unexpected.empty() && err.str().find("not expected") == std::string::npos) {
        result.output = fmt::format("The following arguments were not expected: {}\n",
                                    fmt::join(unexpected, " "));
      }
      result.output += err.str();
      if (result.output.find("--help") == std::string::npos) {
        result.output += "Run with --help for more information.\n";
      }
      result.output += "Usage: sibyl [--help] [--version] serve [OPTIONS]\n";
    }
    return result;
  }
  result.action = CommandLine::Action::kServe;
  return result;
}

}  // namespace sibyl::server
