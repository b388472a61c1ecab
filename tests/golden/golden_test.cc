// Golden tests: each tests/golden/*.cql script runs statement by statement through the real
// query processor over a fresh RocksDB engine, and the rendered results must equal the recorded
// *.result file. Record (or re-record after a deliberate change) with SIBYL_GOLDEN_RECORD=1.
//
// Script format: statements end with ';' at the end of a line; lines starting with "--" are
// comments and are copied to the output.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cql/types/value.h"
#include "query/processor.h"
#include "storage/rocksdb_engine.h"

namespace sibyl {
namespace {

namespace fs = std::filesystem;
namespace protocol = cql::protocol;

std::string Render(const Result<protocol::ResultMessage>& result) {
  if (!result.ok()) {
    return fmt::format("ERROR {:#06x} {}\n", CqlWireCode(result.status().code()),
                       result.status().message());
  }
  std::ostringstream out;
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, protocol::VoidResult>) {
          out << "OK\n";
        } else if constexpr (std::is_same_v<T, protocol::SetKeyspaceResult>) {
          out << "USE " << r.keyspace << "\n";
        } else if constexpr (std::is_same_v<T, protocol::SchemaChangeResult>) {
          out << r.change_type << " " << r.target << " " << r.keyspace
              << (r.name.empty() ? "" : "." + r.name) << "\n";
        } else if constexpr (std::is_same_v<T, protocol::PreparedResult>) {
          out << "PREPARED\n";
        } else {
          for (size_t i = 0; i < r.metadata.columns.size(); ++i) {
            out << (i ? " | " : "") << r.metadata.columns[i].name;
          }
          out << "\n";
          for (const auto& row : r.rows) {
            for (size_t i = 0; i < row.size(); ++i) {
              out << (i ? " | " : "")
                  << (row[i] ? cql::types::ToCqlLiteral(r.metadata.columns[i].type, *row[i])
                             : std::string("null"));
            }
            out << "\n";
          }
          out << "(" << r.rows.size() << " rows)\n";
        }
      },
      result.value());
  return out.str();
}

std::string RunScript(const fs::path& script, const fs::path& data_dir) {
  storage::RocksDbOptions options;
  options.path = data_dir.string();
  options.durability = storage::Durability::kPeriodic;
  auto engine = storage::OpenRocksDbEngine(options);
  if (!engine.ok()) return "engine: " + engine.status().ToString();
  auto processor = query::OpenQueryProcessor(**engine, query::NodeInfo{});
  if (!processor.ok()) return "processor: " + processor.status().ToString();
  query::Session session;
  std::ifstream in(script);
  std::ostringstream out;
  std::string line, statement;
  while (std::getline(in, line)) {
    if (statement.empty() && (line.rfind("--", 0) == 0 || line.empty())) {
      out << line << "\n";
      continue;
    }
    statement += (statement.empty() ? "" : "\n") + line;
    if (!line.empty() && line.back() == ';') {
      out << statement << "\n";
      protocol::QueryParameters params;
      out << Render((*processor)->Query(session, statement, params));
      statement.clear();
    }
  }
  return out.str();
}

class GoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesRecordedResult) {
  fs::path script = fs::path(SIBYL_GOLDEN_DIR) / (GetParam() + ".cql");
  fs::path expected_path = fs::path(SIBYL_GOLDEN_DIR) / (GetParam() + ".result");
  fs::path data_dir = fs::temp_directory_path() / ("sibyl-golden-" + GetParam() + "-" +
                                                   std::to_string(::getpid()));
  fs::remove_all(data_dir);
  std::string actual = RunScript(script, data_dir);
  fs::remove_all(data_dir);
  if (std::getenv("SIBYL_GOLDEN_RECORD") != nullptr) {
    std::ofstream(expected_path) << actual;
    GTEST_SKIP() << "recorded " << expected_path;
  }
  std::ifstream in(expected_path);
  ASSERT_TRUE(in.good()) << "missing " << expected_path << "; record with SIBYL_GOLDEN_RECORD=1";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str());
}

std::vector<std::string> Scripts() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(SIBYL_GOLDEN_DIR)) {
    if (entry.path().extension() == ".cql") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Scripts, GoldenTest, testing::ValuesIn(Scripts()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sibyl
