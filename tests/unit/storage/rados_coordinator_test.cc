// The RADOS coordinator with two nodes (two coordinators, two librados clients) on a live Ceph
// cluster (issue 15). Runs when SIBYL_TEST_CEPH_CONF and SIBYL_TEST_CEPH_POOL are set (CI's rados
// phase, scripts/ceph.sh); skipped otherwise. Each test uses its own namespace prefix.
#include "storage/rados_coordinator.h"
#include "storage/rados_remove_node.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <set>

#include "storage/rados_connection.h"

namespace sibyl::storage {
namespace {

class RadosCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* conf = std::getenv("SIBYL_TEST_CEPH_CONF");
    const char* pool = std::getenv("SIBYL_TEST_CEPH_POOL");
    if (conf == nullptr || pool == nullptr || !*conf || !*pool) {
      GTEST_SKIP() << "SIBYL_TEST_CEPH_CONF / SIBYL_TEST_CEPH_POOL not set: no Ceph cluster";
    }
    options_.ceph_conf = conf;
    options_.pool = pool;
    if (const char* keyring = std::getenv("SIBYL_TEST_CEPH_KEYRING")) options_.keyring = keyring;
    options_.namespace_prefix = "coordtest-" + std::to_string(std::random_device{}()) + "-";
    options_.op_timeout = std::chrono::seconds(10);
  }

  std::unique_ptr<Coordinator> Node(RadosCoordinatorOptions options = Fast()) {
    auto connection = RadosConnection::Connect(options_);
    EXPECT_TRUE(connection.ok()) << connection.status().ToString();
    if (!connection.ok()) return nullptr;
    return MakeRadosCoordinator(*connection, options);
  }

  static RadosCoordinatorOptions Fast() {
    RadosCoordinatorOptions o;
    o.heartbeat = std::chrono::milliseconds(100);
    o.liveness = std::chrono::milliseconds(600);
    o.publish_timeout = std::chrono::milliseconds(5000);
    return o;
  }

  static NodeRecord Record(const std::string& host_id, int port) {
    NodeRecord r;
    r.host_id = host_id;
    r.cql_port = port;
    return r;
  }

  RadosOptions options_;
};

// A node opens its CQL port before it joins, so a client may ask for the registry (system.peers)
// of a namespace where no node has created it yet: an empty registry, not an error (found by
// CI's rados e2e run: "reading the node registry: not found" for a driver's first connection).
TEST_F(RadosCoordinatorTest, ARegistryNobodyCreatedYetIsEmpty) {
  auto a = Node();
  ASSERT_TRUE(a);
  auto nodes = a->Nodes();
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  EXPECT_TRUE(nodes->empty());
  ASSERT_TRUE(a->Join(Record("node-a", 9042)).ok());
  nodes = a->Nodes();
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  EXPECT_EQ(nodes->size(), 1u);
  a->Stop();
}

TEST_F(RadosCoordinatorTest, PublishReturnsAfterEveryOtherNodeReloaded) {
  auto a = Node(), b = Node();
  ASSERT_TRUE(a && b);
  std::atomic<int> a_reloads{0}, b_reloads{0}, b_other{0};
  a->Subscribe("schema", [&] { a_reloads++; });
  // B's reload is slow: Publish on A must still not return before it finished.
  b->Subscribe("schema", [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    b_reloads++;
  });
  b->Subscribe("iam", [&] { b_other++; });
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  // Each node reloads every topic once after its watch is up (what it may have missed); a
  // publish each way waits until that ran (a node's worker handles its tasks in order).
  ASSERT_TRUE(a->Publish("warm-up").ok());
  ASSERT_TRUE(b->Publish("warm-up").ok());
  EXPECT_EQ(a_reloads.exchange(0), 1);
  EXPECT_EQ(b_reloads.exchange(0), 1);
  b_other = 0;
  for (int i = 1; i <= 3; ++i) {
    Status s = a->Publish("schema");
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(b_reloads.load(), i);  // acked only after the reload ran
  }
  EXPECT_EQ(a_reloads.load(), 0);  // a node never reloads its own change
  EXPECT_EQ(b_other.load(), 0);    // only the topic's subscribers run
  ASSERT_TRUE(b->Publish("schema").ok());
  EXPECT_EQ(a_reloads.load(), 1);
}

TEST_F(RadosCoordinatorTest, DdlLockExcludesTheOtherNodeUntilReleased) {
  auto a = Node(), b = Node();
  ASSERT_TRUE(a && b);
  auto held = a->LockDdl(std::chrono::milliseconds(2000));
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  auto refused = b->LockDdl(std::chrono::milliseconds(200));
  EXPECT_EQ(refused.status().code(), ErrorCode::kIOError);
  EXPECT_NE(refused.status().message().find("timed out waiting for the cluster DDL lock"),
            std::string::npos);
  held->reset();
  EXPECT_TRUE(b->LockDdl(std::chrono::milliseconds(2000)).ok());
}

TEST_F(RadosCoordinatorTest, DdlLockOfADeadHolderExpires) {
  // A holder that stops renewing (a dead node: no heartbeat thread) loses the lock after its
  // duration, so the others are blocked for a bounded time only.
  RadosCoordinatorOptions short_lock = Fast();
  short_lock.lock_duration = std::chrono::seconds(1);
  auto dead = Node(short_lock), b = Node();
  ASSERT_TRUE(dead && b);
  auto held = dead->LockDdl(std::chrono::milliseconds(2000));  // never Start()ed: no renewal
  ASSERT_TRUE(held.ok());
  const auto start = std::chrono::steady_clock::now();
  auto taken = b->LockDdl(std::chrono::milliseconds(5000));
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST_F(RadosCoordinatorTest, HeldDdlLockIsRenewedPastItsDuration) {
  RadosCoordinatorOptions short_lock = Fast();
  short_lock.lock_duration = std::chrono::seconds(1);
  auto a = Node(short_lock), b = Node();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Start().ok());
  auto held = a->LockDdl(std::chrono::milliseconds(2000));
  ASSERT_TRUE(held.ok());
  // Twice the lock's duration later, A (alive, renewing) still holds it.
  EXPECT_EQ(b->LockDdl(std::chrono::milliseconds(2000)).status().code(), ErrorCode::kIOError);
}

TEST_F(RadosCoordinatorTest, RegistryReportsJoinsDownsAndLeaves) {
  auto a = Node(), b = Node(), c = Node();
  ASSERT_TRUE(a && b && c);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, MembershipChange>> seen;
  std::map<std::string, int> left_port;  // the CQL port each kLeft named (drivers' REMOVED_NODE)
  a->OnMembership([&](const NodeRecord& r, MembershipChange change) {
    std::lock_guard<std::mutex> lock(mu);
    seen.emplace_back(r.host_id, change);
    if (change == MembershipChange::kLeft) left_port[r.host_id] = r.cql_port;
    cv.notify_all();
  });
  auto wait_for = [&](const std::string& host, MembershipChange change) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] {
      return std::find(seen.begin(), seen.end(), std::make_pair(host, change)) != seen.end();
    });
  };
  ASSERT_TRUE(a->Join(Record("node-a", 1)).ok());
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Join(Record("node-b", 2)).ok());
  ASSERT_TRUE(b->Start().ok());
  EXPECT_TRUE(wait_for("node-b", MembershipChange::kJoined));
  auto nodes = a->Nodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 2u);
  for (const auto& n : *nodes) EXPECT_TRUE(n.live) << n.host_id;
  // C registers once and never beats again (a killed node): DOWN after the liveness window.
  ASSERT_TRUE(c->Join(Record("node-c", 3)).ok());
  EXPECT_TRUE(wait_for("node-c", MembershipChange::kJoined));
  EXPECT_TRUE(wait_for("node-c", MembershipChange::kDown));
  // B stops cleanly: it is marked as left.
  b->Stop();
  EXPECT_TRUE(wait_for("node-b", MembershipChange::kLeft));
  nodes = a->Nodes();
  ASSERT_TRUE(nodes.ok());
  std::set<std::string> listed;
  for (const auto& n : *nodes) listed.insert(n.host_id + (n.live ? "+" : "-"));
  EXPECT_EQ(listed, (std::set<std::string>{"node-a+", "node-c-"}));
  // Dead C is forgotten (sibyl cluster remove-node): left, named by its address as last seen.
  auto connection = RadosConnection::Connect(options_);
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(RemoveDeadNode(*connection, "node-c", std::chrono::milliseconds(600)).ok());
  EXPECT_TRUE(wait_for("node-c", MembershipChange::kLeft));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(left_port["node-b"], 2);
  EXPECT_EQ(left_port["node-c"], 3);
}

TEST_F(RadosCoordinatorTest, JoiningNodesTakeDisjointTokensAndKeepThemOnRestart) {
  std::set<int64_t> all;
  std::vector<int64_t> first;
  {
    auto a = Node(), b = Node();
    ASSERT_TRUE(a && b);
    Status sa, sb;
    std::thread ta([&] { sa = a->Join(Record("node-a", 1)); });
    std::thread tb([&] { sb = b->Join(Record("node-b", 2)); });
    ta.join();
    tb.join();
    ASSERT_TRUE(sa.ok() && sb.ok());
    first = a->Self().tokens;
    for (auto* n : {a.get(), b.get()}) {
      const std::vector<int64_t> tokens = n->Self().tokens;
      EXPECT_EQ(tokens.size(), 16u);
      all.insert(tokens.begin(), tokens.end());
    }
    EXPECT_EQ(all.size(), 32u);
  }
  auto again = Node();
  ASSERT_TRUE(again->Join(Record("node-a", 1)).ok());
  EXPECT_EQ(again->Self().tokens, first);
}

}  // namespace
}  // namespace sibyl::storage
