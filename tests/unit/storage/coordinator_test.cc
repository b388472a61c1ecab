// The one-node coordinator, the node record codec and the token layout (issue 15). The RADOS
// coordinator's tests (two nodes on a live Ceph cluster) are in rados_coordinator_test.cc.
#include "storage/coordinator.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <thread>

#include "storage/token_layout.h"

namespace sibyl::storage {
namespace {

TEST(LocalCoordinator, OneNodeOwnsTheWholeRing) {
  auto c = MakeLocalCoordinator();
  EXPECT_FALSE(c->clustered());
  NodeRecord self;
  self.host_id = "h1";
  ASSERT_TRUE(c->Join(self).ok());
  ASSERT_TRUE(c->Start().ok());
  auto nodes = c->Nodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].host_id, "h1");
  EXPECT_TRUE((*nodes)[0].live);
  EXPECT_EQ((*nodes)[0].tokens, std::vector<int64_t>{std::numeric_limits<int64_t>::min()});
  ASSERT_TRUE(c->UpdateSelf([](NodeRecord& r) { r.schema_version = "v2"; }).ok());
  EXPECT_EQ(c->Self().schema_version, "v2");
  EXPECT_TRUE(c->Publish("schema").ok());  // no other node to wait for
  c->Stop();
}

TEST(LocalCoordinator, DdlLockExcludesAndTimesOut) {
  auto c = MakeLocalCoordinator();
  auto held = c->LockDdl(std::chrono::milliseconds(10));
  ASSERT_TRUE(held.ok());
  Status other;
  std::thread t([&] {
    auto second = c->LockDdl(std::chrono::milliseconds(20));
    other = second.status();
  });
  t.join();
  EXPECT_EQ(other.code(), ErrorCode::kIOError);
  EXPECT_NE(other.message().find("timed out waiting for the cluster DDL lock"), std::string::npos);
  held->reset();
  EXPECT_TRUE(c->LockDdl(std::chrono::milliseconds(10)).ok());
}

TEST(NodeRecordCodec, RoundTrips) {
  NodeRecord r;
  r.host_id = "0a5f0f3e-0000-4000-8000-000000000001";
  r.address = "127.0.0.1";
  r.cql_port = 19042;
  r.http_port = 18080;
  r.tokens = {-5, 7, std::numeric_limits<int64_t>::max()};
  r.schema_version = "v";
  r.release_version = "4.0.11";
  r.heartbeat_ms = 1234;
  auto back = DecodeNodeRecord(EncodeNodeRecord(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(EncodeNodeRecord(*back), EncodeNodeRecord(r));
}

TEST(NodeRecordCodec, RefusesWhatIsNotARecord) {
  // The registry is shared: a bad entry is refused with a reason, never trusted or crashed on.
  for (const char* bad :
       {"", "[]", "{}", R"({"host_id":""})", "{\"host_id\":\"h\",\"address\":\"a\",\"cql_port\":70000}",
        R"({"host_id":"h","address":"a","cql_port":1,"http_port":2,"data_center":"d","rack":"r",
            "schema_version":"s","release_version":"v","tokens":["x"],"heartbeat_ms":1})"}) {
    auto r = DecodeNodeRecord(bad);
    EXPECT_EQ(r.status().code(), ErrorCode::kCorruption) << bad;
  }
  EXPECT_EQ(DecodeNodeRecord(std::string(20000, ' ')).status().code(), ErrorCode::kCorruption);
}

// Joins `n` nodes one after the other and returns their shares of the ring.
std::vector<double> SharesAfterJoins(int n) {
  std::vector<std::vector<int64_t>> nodes;
  for (int i = 0; i < n; ++i) nodes.push_back(ChooseTokens(nodes, kTokensPerNode));
  return RingShares(nodes);
}

TEST(TokenLayout, PowersOfTwoSplitTheRingExactly) {
  for (int n : {1, 2, 4, 8}) {
    for (double share : SharesAfterJoins(n)) EXPECT_NEAR(share, 1.0 / n, 1e-9) << n << " nodes";
  }
}

TEST(TokenLayout, ThreeNodesStayWithinAnEighthOfEvenAndTokensAreDistinct) {
  auto shares = SharesAfterJoins(3);
  for (double share : shares) EXPECT_NEAR(share, 1.0 / 3, 0.1);
  std::vector<std::vector<int64_t>> nodes;
  std::set<int64_t> all;
  for (int i = 0; i < 5; ++i) {
    nodes.push_back(ChooseTokens(nodes, kTokensPerNode));
    EXPECT_EQ(nodes.back().size(), static_cast<size_t>(kTokensPerNode));
    all.insert(nodes.back().begin(), nodes.back().end());
  }
  EXPECT_EQ(all.size(), 5u * kTokensPerNode);
}

}  // namespace
}  // namespace sibyl::storage
