#pragma once
// A fresh engine per test with a table "t", shared by the storage engine test fixtures.
// RocksDB: in its own temporary directory, removed after the test. RADOS (issue 15): when
// SIBYL_TEST_CEPH_CONF and SIBYL_TEST_CEPH_POOL are set (SIBYL_TEST_CEPH_KEYRING optional), on
// that pool under a random namespace prefix of its own, removed after the test. Fixtures whose
// tests hold for every engine use TEST_P and INSTANTIATE_TEST_SUITE_P(..., AllEngines(), ...);
// engine-specific ones use TEST_F (RocksDB).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "storage/rados_connection.h"
#include "storage/rados_engine.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::storage {

enum class EngineKind { kRocksDb, kRados };

inline bool RadosTestsEnabled() {
  const char* conf = std::getenv("SIBYL_TEST_CEPH_CONF");
  const char* pool = std::getenv("SIBYL_TEST_CEPH_POOL");
  return conf != nullptr && *conf != '\0' && pool != nullptr && *pool != '\0';
}

// RocksDB always; RADOS too when its environment is set.
inline std::vector<EngineKind> EngineKinds() {
  std::vector<EngineKind> kinds = {EngineKind::kRocksDb};
  if (RadosTestsEnabled()) kinds.push_back(EngineKind::kRados);
  return kinds;
}

inline std::string EngineKindName(const testing::TestParamInfo<EngineKind>& info) {
  return info.param == EngineKind::kRocksDb ? "RocksDb" : "Rados";
}

// A new connection to the test pool (another "node"), namespaces under `prefix`.
inline Result<std::shared_ptr<RadosConnection>> ConnectForTesting(const std::string& prefix) {
  RadosOptions o;
  o.ceph_conf = std::getenv("SIBYL_TEST_CEPH_CONF");
  o.pool = std::getenv("SIBYL_TEST_CEPH_POOL");
  if (const char* keyring = std::getenv("SIBYL_TEST_CEPH_KEYRING")) o.keyring = keyring;
  o.namespace_prefix = prefix;
  o.connect_timeout = std::chrono::seconds(10);
  o.op_timeout = std::chrono::seconds(10);
  return RadosConnection::Connect(o);
}

// Removes every object of namespace `nspace` of the connection (best effort; test cleanup).
inline void RemoveNamespaceForTesting(RadosConnection& connection, const std::string& nspace) {
  librados::IoCtx io = connection.IoCtx(nspace);
  std::vector<std::string> oids;
  try {
    for (auto it = io.nobjects_begin(); it != io.nobjects_end(); ++it) oids.push_back(it->get_oid());
  } catch (const std::exception&) {
  }
  for (const auto& oid : oids) io.remove(oid);
}

// A mutation writing one row (clustering "c", marker and cell v = `value` at timestamp 10) to
// partition (`key`, `token`).
inline PartitionMutation OneRowWrite(const std::string& key, int64_t token,
                                     const std::string& value = "x") {
  PartitionMutation m;
  m.partition_key = key;
  m.token = token;
  Row r;
  r.clustering = "c";
  r.marker.timestamp = 10;
  r.cells["v"] = Cell{10, 0, 0, false, value};
  m.rows.push_back(std::move(r));
  return m;
}

class EngineTest : public testing::TestWithParam<EngineKind> {
 protected:
  // Opens the engine of `kind` with `options` (RocksDB: its path is set here, under a directory
  // named `prefix`-pid-testname; RADOS: gc_grace_seconds is taken from it).
  void OpenEngine(const std::string& prefix, RocksDbOptions options,
                  EngineKind kind = EngineKind::kRocksDb) {
    kind_ = kind;
    options_ = options;
    if (kind == EngineKind::kRados) {
      std::random_device rd;
      rados_prefix_ = "test-" + std::to_string(rd()) + "-" + std::to_string(::getpid()) + "-";
    } else {
      dir_ = std::filesystem::temp_directory_path() /
             (prefix + std::to_string(::getpid()) + "-" +
              testing::UnitTest::GetInstance()->current_test_info()->name());
      std::filesystem::remove_all(dir_);
    }
    Reopen();
    ASSERT_TRUE(engine_->CreateTable("t").ok());
  }
  // A new engine on the same data: RocksDB reopens its directory; RADOS opens another node (a
  // new connection) on the same namespaces.
  void Reopen() {
    engine_.reset();
    auto e = OpenAnother();
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }
  // RADOS: one more engine (another node) on the same namespaces, e.g. for concurrency tests.
  Result<std::unique_ptr<Engine>> OpenAnother() {
    if (kind_ == EngineKind::kRocksDb) {
      options_.path = dir_.string();
      return OpenRocksDbEngine(options_);
    }
    ASSIGN_OR_RETURN(auto connection, ConnectForTesting(rados_prefix_));
    if (!cleanup_) cleanup_ = connection;
    RadosEngineOptions o;
    o.gc_grace_seconds = options_.gc_grace_seconds;
    o.node_id = "node" + std::to_string(nodes_++);
    o.batchlog_replay_period = std::chrono::seconds(0);
    if (rados_spill_above_ != 0) {
      o.spill_above_entries = rados_spill_above_;
    } else if (const char* bound = std::getenv("SIBYL_TEST_RADOS_SPILL_ABOVE")) {
      // Runs every RADOS case that sets no bound of its own with pieces of N entries.
      o.spill_above_entries = std::max<uint64_t>(2, std::strtoull(bound, nullptr, 10));
    }
    return OpenRadosEngine(connection, o);
  }
  // What background compaction eventually does: RocksDB compacts fully; RADOS compacts on
  // read, and this waits for the compactions reads started.
  void Compact() {
    if (kind_ == EngineKind::kRocksDb) {
      ASSERT_TRUE(CompactForTesting(*engine_).ok());
    } else {
      WaitForCompactionsForTesting(*engine_);
    }
  }
  void TearDown() override {
    engine_.reset();
    if (kind_ == EngineKind::kRocksDb) {
      if (!dir_.empty()) std::filesystem::remove_all(dir_);
    } else if (cleanup_) {
      for (const char* nspace : {"t", "u", "sibyl.cluster"}) RemoveNamespaceForTesting(*cleanup_, nspace);
      cleanup_.reset();
    }
  }

  EngineKind kind_ = EngineKind::kRocksDb;
  RocksDbOptions options_;
  std::filesystem::path dir_;
  std::string rados_prefix_;
  int nodes_ = 0;
  uint64_t rados_spill_above_ = 0;  // RADOS: set before OpenEngine for small pieces; 0: default
  std::shared_ptr<RadosConnection> cleanup_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace sibyl::storage
