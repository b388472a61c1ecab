#pragma once
// A fresh RocksDB engine per test, in its own temporary directory, with a table "t"; removed
// after the test. Shared by the storage engine test fixtures.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/rocksdb_engine.h"

namespace sibyl::storage {

class EngineTest : public testing::Test {
 protected:
  // Opens the engine with `options` (its path is set here) under a directory named
  // `prefix`-pid-testname.
  void OpenEngine(const std::string& prefix, RocksDbOptions options) {
    dir_ = std::filesystem::temp_directory_path() /
           (prefix + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    options.path = dir_.string();
    auto e = OpenRocksDbEngine(options);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
    ASSERT_TRUE(engine_->CreateTable("t").ok());
  }
  void TearDown() override {
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace sibyl::storage
