#pragma once
// An IamService over a RocksDB engine in a temporary directory, for the benchmarks; removed
// when the process ends. The root key is AKIABENCHROOT0000001 / bench-secret.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "iam/iam_service.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::bench {

struct BenchIam {
  explicit BenchIam(const std::string& name) {
    dir = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    storage::RocksDbOptions o;
    o.path = (dir / "db").string();
    o.durability = storage::Durability::kPeriodic;
    engine = std::move(*storage::OpenRocksDbEngine(o));
    iam::IamOptions io;
    io.master_key_path = (dir / "master.key").string();
    io.root_access_key_id = "AKIABENCHROOT0000001";
    io.root_secret_access_key = "bench-secret";
    svc = std::move(*iam::IamService::Open(*engine, io, nullptr));
  }
  ~BenchIam() {
    svc.reset();
    engine.reset();
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path dir;
  std::unique_ptr<storage::Engine> engine;
  std::unique_ptr<iam::IamService> svc;
};

}  // namespace sibyl::bench
