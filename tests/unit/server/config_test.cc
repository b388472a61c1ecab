#include "server/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

namespace sibyl::server {
namespace {

using ::testing::HasSubstr;

CommandLine Parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv = {"sibyl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

TEST(CommandLine, ServeHasTheDocumentedDefaults) {
  const CommandLine command = Parse({"serve"});
  ASSERT_EQ(command.action, CommandLine::Action::kServe) << command.output;
  const ServerConfig& c = command.config;
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_EQ(c.listen_address, "127.0.0.1");
  EXPECT_EQ(c.cql_port, 9042);
  EXPECT_EQ(c.cql_tls_port, 9142);
  EXPECT_EQ(c.http_port, 8080);
  EXPECT_EQ(c.durability, storage::Durability::kSync);
  EXPECT_EQ(c.periodic_sync_ms, 10000);
  EXPECT_EQ(c.cluster_name, "Sibyl Cluster");
  EXPECT_EQ(c.data_center, "datacenter1");
}

TEST(CommandLine, ServeReadsEveryFlag) {
  const CommandLine command =
      Parse({"serve", "--data-dir", "/tmp/d", "--listen-address", "0.0.0.0", "--cql-port", "19042",
             "--cql-tls-port", "19142", "--http-port", "18080", "--durability", "periodic",
             "--periodic-sync-ms", "50", "--cluster-name", "Test Cluster", "--data-center", "dc2"});
  ASSERT_EQ(command.action, CommandLine::Action::kServe) << command.output;
  const ServerConfig& c = command.config;
  EXPECT_EQ(c.data_dir, "/tmp/d");
  EXPECT_EQ(c.listen_address, "0.0.0.0");
  EXPECT_EQ(c.cql_port, 19042);
  EXPECT_EQ(c.cql_tls_port, 19142);
  EXPECT_EQ(c.http_port, 18080);
  EXPECT_EQ(c.durability, storage::Durability::kPeriodic);
  EXPECT_EQ(c.periodic_sync_ms, 50);
  EXPECT_EQ(c.cluster_name, "Test Cluster");
  EXPECT_EQ(c.data_center, "dc2");
}

TEST(CommandLine, ConfigFileSetsTheSameKeysAndFlagsWin) {
  const auto path = std::filesystem::temp_directory_path() / "sibyl_config_test.toml";
  {
    std::ofstream file(path);
    file << "# Sibyl settings\n"
            "data-dir = \"/var/lib/sibyl\"\n"
            "cql-port = 9999\n"
            "durability = \"periodic\"\n"
            "cluster-name = \"From File\"\n";
  }
  const std::string config = path.string();
  const CommandLine command = Parse({"serve", "--config", config.c_str(), "--cql-port", "9043"});
  std::filesystem::remove(path);
  ASSERT_EQ(command.action, CommandLine::Action::kServe) << command.output;
  EXPECT_EQ(command.config.data_dir, "/var/lib/sibyl");
  EXPECT_EQ(command.config.cql_port, 9043);
  EXPECT_EQ(command.config.durability, storage::Durability::kPeriodic);
  EXPECT_EQ(command.config.cluster_name, "From File");
}

TEST(CommandLine, UnknownConfigKeysAreRefused) {
  const auto path = std::filesystem::temp_directory_path() / "sibyl_config_bad.toml";
  {
    std::ofstream file(path);
    file << "cql-prot = 9999\n";
  }
  const std::string config = path.string();
  const CommandLine command = Parse({"serve", "--config", config.c_str()});
  std::filesystem::remove(path);
  EXPECT_EQ(command.action, CommandLine::Action::kExit);
  EXPECT_NE(command.exit_code, 0);
}

TEST(CommandLine, UnknownFlagsExitNonZeroWithAUsageHint) {
  const CommandLine command = Parse({"--list-tools"});
  EXPECT_EQ(command.action, CommandLine::Action::kExit);
  EXPECT_NE(command.exit_code, 0);
  EXPECT_THAT(command.output, HasSubstr("--list-tools"));
  EXPECT_THAT(command.output, HasSubstr("--help"));
  EXPECT_NE(Parse({"serve", "--bogus"}).exit_code, 0);
}

TEST(CommandLine, UnknownSubcommandsAndNoSubcommandExitNonZero) {
  EXPECT_NE(Parse({"frobnicate"}).exit_code, 0);
  EXPECT_EQ(Parse({"frobnicate"}).action, CommandLine::Action::kExit);
  EXPECT_NE(Parse({}).exit_code, 0);
}

TEST(CommandLine, InvalidValuesExitNonZero) {
  EXPECT_NE(Parse({"serve", "--durability", "never"}).exit_code, 0);
  EXPECT_NE(Parse({"serve", "--cql-port", "70000"}).exit_code, 0);
  EXPECT_NE(Parse({"serve", "--http-port", "abc"}).exit_code, 0);
  EXPECT_NE(Parse({"serve", "--periodic-sync-ms", "0"}).exit_code, 0);
}

TEST(CommandLine, HelpAndVersionExitZero) {
  const CommandLine help = Parse({"--help"});
  EXPECT_EQ(help.action, CommandLine::Action::kExit);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("serve"));
  const CommandLine serve_help = Parse({"serve", "--help"});
  EXPECT_EQ(serve_help.exit_code, 0);
  EXPECT_THAT(serve_help.output, HasSubstr("--data-dir"));
  EXPECT_THAT(serve_help.output, HasSubstr("--config"));
  const CommandLine version = Parse({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, HasSubstr("sibyl 0.1.0"));
}

}  // namespace
}  // namespace sibyl::server
