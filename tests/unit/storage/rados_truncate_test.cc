// TRUNCATE against writes racing it from another node (issue 15, docs/dev/rados-mapping.md
// "TRUNCATE and racing writes"), on the pool named by SIBYL_TEST_CEPH_CONF /
// SIBYL_TEST_CEPH_POOL (skipped without). Two engine instances play two nodes; the steps a
// cluster runs are called in its order: TruncateTable on the truncating node, ForgetCachedState
// on the other (its acknowledgement of the publication), FinishTruncate. The property: once
// FinishTruncate returns, every partition a point read sees is listed by a scan.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>
#include <string>

#include "engine_test_base.h"
#include "storage/rados_engine.h"

namespace sibyl::storage {
namespace {

class RadosTruncateTest : public EngineTest {
 protected:
  void SetUp() override {
    if (!RadosTestsEnabled()) GTEST_SKIP() << "SIBYL_TEST_CEPH_CONF/SIBYL_TEST_CEPH_POOL not set";
    OpenEngine("", RocksDbOptions{}, EngineKind::kRados);
    auto other = OpenAnother();
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    other_ = std::move(*other);
  }
  void TearDown() override {
    other_.reset();
    EngineTest::TearDown();
  }
  // "listed=<scan> readable=<partitions of `keys` a point read finds>", read on node 0.
  std::string Render(const std::vector<std::pair<std::string, int64_t>>& keys) {
    std::string out = "listed=";
    auto scan = engine_->ScanPartitions("t", ScanQuery{});
    if (!scan.ok()) return scan.status().ToString();
    for (const auto& p : *scan) {
      SliceQuery q;
      q.now_seconds = 1000;
      auto read = engine_->ReadPartition("t", p.partition_key, p.token, q);
      if (read.ok() && !read->rows.empty()) out += p.partition_key + ",";
    }
    out += " readable=";
    for (const auto& [key, token] : keys) {
      SliceQuery q;
      q.now_seconds = 1000;
      auto read = engine_->ReadPartition("t", key, token, q);
      if (!read.ok()) return read.status().ToString();
      if (!read->rows.empty()) out += key + ",";
    }
    return out;
  }

  std::unique_ptr<Engine> other_;
};

// The case of the old Limits entry: the other node writes a partition it indexed before the
// TRUNCATE, before it acknowledged the publication, so it skips the index entry and re-creates
// the object. FinishTruncate removes that unlisted partition (a write racing a TRUNCATE may be
// lost, as in Cassandra), so reads and scans agree; a write after the acknowledgement is
// indexed again and listed.
TEST_F(RadosTruncateTest, StaleIndexCacheWriteBeforeAcknowledgementLeavesNoUnlistedPartition) {
  ASSERT_TRUE(other_->Apply({{"t", OneRowWrite("p", 7)}}).ok());
  ASSERT_TRUE(engine_->TruncateTable("t").ok());
  ASSERT_TRUE(other_->Apply({{"t", OneRowWrite("p", 7)}}).ok());  // cached: data only
  EXPECT_EQ(Render({{"p", 7}}), "listed= readable=p,");           // the race: unlisted yet readable
  other_->ForgetCachedState();
  ASSERT_TRUE(engine_->FinishTruncate("t").ok());
  EXPECT_EQ(Render({{"p", 7}}), "listed= readable=");
  ASSERT_TRUE(other_->Apply({{"t", OneRowWrite("p", 7)}}).ok());
  EXPECT_EQ(Render({{"p", 7}}), "listed=p, readable=p,");
}

// A first write held between its index entry and its data while the TRUNCATE removes
// everything: the other node's acknowledgement (ForgetCachedState) waits for it, so
// FinishTruncate, which runs after every acknowledgement, sees its object and settles it.
TEST_F(RadosTruncateTest, AcknowledgementWaitsForAWriteInFlightAcrossTheRemoval) {
  std::promise<void> held, release;
  std::shared_future<void> release_future = release.get_future().share();
  SetBeforeDataWriteForTesting(*other_, [&] {
    held.set_value();
    release_future.wait();
  });
  auto write = std::async(std::launch::async, [&] {
    return other_->Apply({{"t", OneRowWrite("q", -3)}});
  });
  held.get_future().wait();  // its index entry is written, its data not yet
  ASSERT_TRUE(engine_->TruncateTable("t").ok());
  auto acknowledged = std::async(std::launch::async, [&] { other_->ForgetCachedState(); });
  EXPECT_EQ(acknowledged.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  release.set_value();
  ASSERT_TRUE(write.get().ok());
  acknowledged.get();
  SetBeforeDataWriteForTesting(*other_, nullptr);
  EXPECT_EQ(Render({{"q", -3}}), "listed= readable=q,");  // the race FinishTruncate settles
  ASSERT_TRUE(engine_->FinishTruncate("t").ok());
  EXPECT_EQ(Render({{"q", -3}}), "listed= readable=");
}

// FinishTruncate keeps what is indexed: partitions written after the acknowledgement stay.
TEST_F(RadosTruncateTest, FinishTruncateKeepsIndexedPartitions) {
  ASSERT_TRUE(other_->Apply({{"t", OneRowWrite("a", 1)}}).ok());
  ASSERT_TRUE(engine_->TruncateTable("t").ok());
  other_->ForgetCachedState();
  ASSERT_TRUE(other_->Apply({{"t", OneRowWrite("b", 2)}}).ok());
  ASSERT_TRUE(engine_->Apply({{"t", OneRowWrite("c", 2)}}).ok());  // same token, another key
  ASSERT_TRUE(engine_->FinishTruncate("t").ok());
  EXPECT_EQ(Render({{"a", 1}, {"b", 2}, {"c", 2}}), "listed=b,c, readable=b,c,");
}

}  // namespace
}  // namespace sibyl::storage
