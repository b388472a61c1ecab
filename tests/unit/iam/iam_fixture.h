#pragma once
// A fresh IamService over a RocksDB engine in a temporary directory, reopened on demand (to
// test what survives a restart). Shared by the iam unit tests.
#include <gtest/gtest.h>

#include <filesystem>

#include "iam/iam_service.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::iam {

namespace fs = std::filesystem;

// "Code/HTTP status" of an AWS error, or the Status text.
inline std::string AwsCode(const Status& s) {
  const auto* d = std::get_if<AwsErrorDetail>(&s.detail());
  return d ? d->code + "/" + std::to_string(d->http_status) : s.ToString();
}

class IamServiceTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sibyl-iam-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    svc_.reset();
    engine_.reset();
    fs::remove_all(dir_);
  }
  void Open(IamOptions options = {}) {
    svc_.reset();
    engine_.reset();
    storage::RocksDbOptions o;
    o.path = (dir_ / "db").string();
    auto e = storage::OpenRocksDbEngine(o);
    ASSERT_TRUE(e.ok());
    engine_ = std::move(*e);
    options.master_key_path = (dir_ / "keys" / "master.key").string();
    root_ = NewAccessKey{};
    auto s = IamService::Open(*engine_, options, &root_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    svc_ = std::move(*s);
  }

  fs::path dir_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<IamService> svc_;
  NewAccessKey root_;
};

}  // namespace sibyl::iam
