// Removing a dead node (issue 15, storage/rados_remove_node.h), on the pool named by
// SIBYL_TEST_CEPH_CONF / SIBYL_TEST_CEPH_POOL (skipped without): a live node is refused and
// keeps everything; a dead node's logged batches are applied before its registry entry, batchlog
// and batchlog registration are removed.
#include "storage/rados_remove_node.h"

#include <gtest/gtest.h>

#include <set>

#include "common/clock.h"
#include "engine_test_base.h"
#include "storage/coordinator.h"

namespace sibyl::storage {
namespace {

class RadosRemoveNodeTest : public EngineTest {
 protected:
  void SetUp() override {
    if (!RadosTestsEnabled()) GTEST_SKIP() << "SIBYL_TEST_CEPH_CONF/SIBYL_TEST_CEPH_POOL not set";
    OpenEngine("", RocksDbOptions{}, EngineKind::kRados);
  }
  void Register(const std::string& host_id, int64_t heartbeat_ms) {
    NodeRecord r;
    r.host_id = host_id;
    r.tokens = {1, 2, 3};
    r.heartbeat_ms = heartbeat_ms;
    librados::ObjectWriteOperation op;
    std::map<std::string, librados::bufferlist> values;
    values[host_id].append(EncodeNodeRecord(r));
    op.omap_set(values);
    ASSERT_EQ(cleanup_->IoCtx("sibyl.cluster").operate("nodes", &op), 0);
  }
  // The keys of omap object `oid` of sibyl.cluster, or "absent".
  std::string Keys(const std::string& oid) {
    std::set<std::string> keys;
    bool more = false;
    int rval = 0;
    librados::ObjectReadOperation op;
    op.omap_get_keys2("", 1024, &keys, &more, &rval);
    if (cleanup_->IoCtx("sibyl.cluster").operate(oid, &op, nullptr) == -ENOENT) return "absent";
    std::string out;
    for (const auto& k : keys) out += k + ",";
    return out;
  }
  bool Readable(const std::string& key, int64_t token) {
    SliceQuery q;
    q.now_seconds = 1000;
    auto p = engine_->ReadPartition("t", key, token, q);
    return p.ok() && !p->rows.empty();
  }
};

TEST_F(RadosRemoveNodeTest, RefusesALiveNodeAndKeepsIt) {
  Register("live-node", NowMillis());
  auto removed = RemoveDeadNode(cleanup_, "live-node");
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.status().code(), ErrorCode::kInvalid);
  EXPECT_NE(removed.status().message().find("node live-node is live"), std::string::npos)
      << removed.status().ToString();
  EXPECT_EQ(Keys("nodes"), "live-node,");
}

TEST_F(RadosRemoveNodeTest, RefusesAnUnknownNode) {
  auto removed = RemoveDeadNode(cleanup_, "nobody");
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.status().code(), ErrorCode::kNotFound);
}

// The dead node logged a batch over two partitions and died before applying it: removing it
// applies the batch, then forgets the node, its batchlog and its registration.
TEST_F(RadosRemoveNodeTest, RemovesADeadNodeAfterApplyingItsLoggedBatches) {
  {
    auto connection = ConnectForTesting(rados_prefix_);
    ASSERT_TRUE(connection.ok());
    RadosEngineOptions o;
    o.node_id = "dead-node";
    o.batchlog_replay_period = std::chrono::seconds(0);
    auto dead = OpenRadosEngine(*connection, o);
    ASSERT_TRUE(dead.ok()) << dead.status().ToString();
    ASSERT_TRUE(
        LogBatchOnlyForTesting(**dead, {{"t", OneRowWrite("x", 1)}, {"t", OneRowWrite("y", 2)}})
            .ok());
  }
  Register("dead-node", NowMillis() - 60000);
  Register("other-node", NowMillis());
  ASSERT_FALSE(Readable("x", 1));
  ASSERT_EQ(Keys("batchlog.dead-node").size(), 21u);  // one 20-byte key and its comma

  auto removed = RemoveDeadNode(cleanup_, "dead-node");
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->replayed_batches, 1);
  EXPECT_EQ(removed->tokens, 3u);
  EXPECT_TRUE(Readable("x", 1));
  EXPECT_TRUE(Readable("y", 2));
  EXPECT_EQ(Keys("nodes"), "other-node,");
  EXPECT_EQ(Keys("batchlog.dead-node"), "absent");
  EXPECT_EQ(Keys("batchlogs").find("dead-node"), std::string::npos) << Keys("batchlogs");
}

// A node that left cleanly (heartbeat 0) is removed at once.
TEST_F(RadosRemoveNodeTest, RemovesANodeThatLeft) {
  Register("left-node", 0);
  auto removed = RemoveDeadNode(cleanup_, "left-node");
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->replayed_batches, 0);
  EXPECT_EQ(Keys("nodes"), "");
}

}  // namespace
}  // namespace sibyl::storage
