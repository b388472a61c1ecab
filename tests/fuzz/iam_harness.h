#pragma once
// An IamService over a RocksDB engine in a scratch directory, with a fixed root access key, for
// the fuzz targets that need one (SigV4, IAM API, console, CQL logins). Reset() starts over
// with an empty account, so targets that create entities keep the database small.

#include <cstdlib>
#include <memory>
#include <string>

#include "fuzz/fuzz_util.h"
#include "iam/iam_service.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::fuzz {

// The root key the seed corpora are signed with (tests/fuzz/make_seeds.py).
inline constexpr const char* kRootKeyId = "AKIAFUZZROOT00000001";
inline constexpr const char* kRootSecret = "fuzzSecretKey0000000000000000000000000000";
inline constexpr const char* kAccountId = "111122223333";

class IamHarness {
 public:
  explicit IamHarness(std::string name) : name_(std::move(name)) { Reset(); }

  void Reset() {
    iam_.reset();
    engine_.reset();
    std::filesystem::path dir = ScratchDir(name_);
    storage::RocksDbOptions options;
    options.path = (dir / "db").string();
    options.durability = storage::Durability::kPeriodic;
    options.block_cache_bytes = 8 << 20;
    auto engine = storage::OpenRocksDbEngine(options);
    if (!engine.ok()) std::abort();
    engine_ = std::move(*engine);
    iam::IamOptions io;
    io.account_id = kAccountId;
    io.root_access_key_id = kRootKeyId;
    io.root_secret_access_key = kRootSecret;
    io.master_key_path = (dir / "master.key").string();
    auto iam = iam::IamService::Open(*engine_, io, nullptr);
    if (!iam.ok()) std::abort();
    iam_ = std::move(*iam);
    if (!previous_.empty()) std::filesystem::remove_all(previous_);
    previous_ = dir;
  }

  iam::IamService& iam() { return *iam_; }
  storage::Engine& engine() { return *engine_; }

 private:
  std::string name_;
  std::filesystem::path previous_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<iam::IamService> iam_;
};

}  // namespace sibyl::fuzz
