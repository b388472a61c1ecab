// The setup the query unit suites share: a real QueryProcessor over a RocksDB engine in a
// temporary directory of its own per test, removed afterwards. Suites derive from it, call
// OpenProcessor() in SetUp (again to reopen with other options) and add their own helpers.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "query/processor.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::query {

class ProcessorFixture : public testing::Test {
 protected:
  // Opens a fresh engine and processor (closing any open one first). Wrap in
  // ASSERT_NO_FATAL_FAILURE where later steps need them.
  void OpenProcessor(ProcessorOptions options = {}, NodeInfo node = {}) {
    processor_.reset();
    engine_.reset();
    const auto* test = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("sibyl-" + std::string(test->test_suite_name()) + "-" + std::to_string(::getpid()) +
            "-" + test->name());
    std::filesystem::remove_all(dir_);
    storage::RocksDbOptions o;
    o.path = dir_.string();
    o.durability = storage::Durability::kPeriodic;
    auto engine = storage::OpenRocksDbEngine(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    auto processor = OpenQueryProcessor(*engine_, node, options);
    ASSERT_TRUE(processor.ok()) << processor.status().ToString();
    processor_ = std::move(*processor);
  }

  // One unprepared statement in session_, with bound values.
  Result<protocol::ResultMessage> Query(const std::string& cql,
                                        std::vector<protocol::BoundValue> values = {}) {
    protocol::QueryParameters params;
    params.values = std::move(values);
    return processor_->Query(session_, cql, params);
  }

  // A statement that must succeed (set-up).
  void Run(const std::string& cql) {
    auto result = Query(cql);
    ASSERT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
  }

  void TearDown() override {
    processor_.reset();
    engine_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<QueryProcessor> processor_;
  Session session_;
};

}  // namespace sibyl::query
