// Console sessions as rows of the storage engine (issue 15): random ids and CSRF tokens, idle
// and absolute timeouts, sign-out, the per-principal limit, and two ConsoleSessions on one
// engine standing for two nodes on one pool (what one makes, the other knows; what one ends, the
// other refuses). Stored rows are untrusted: a row that does not decode is no session. (The
// brake on failed sign-ins is the LoginBrake's, tested in tests/unit/iam and console_api_test.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../iam/iam_fixture.h"
#include "http/console_session_record.h"
#include "http/console_sessions.h"
#include "storage/engine.h"

namespace sibyl::http {
namespace {

using ::testing::HasSubstr;

const iam::Principal kRoot{"", "111122223333", "arn:aws:iam::111122223333:root"};
const iam::Principal kAlice{"alice", "AIDAALICE0000000000", "arn:aws:iam::111122223333:user/alice"};
// Realistic times: the engine expires TTL cells against them.
constexpr int64_t kT0 = 1'800'000'000;

// The engine (RocksDB in a temporary directory) of the IAM fixture.
class ConsoleSessionsTest : public iam::IamServiceTest {
 protected:
  std::unique_ptr<ConsoleSessions> Node(ConsoleSessionLimits limits = {}) {
    auto s = ConsoleSessions::Open(*engine_, limits);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }
  // Whether `id` names a live session at `now` on `node`.
  static bool Live(ConsoleSessions& node, const std::string& id, int64_t now) {
    auto found = node.Find(id, now);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() && found->has_value();
  }

  // A session of alice made at kT0, and the key its cookie names.
  std::pair<ConsoleSession, SessionKey> AliceSession(ConsoleSessions& sessions) {
    auto s = sessions.Create(kAlice, kT0);
    EXPECT_TRUE(s.ok());
    auto key = ParseSessionCookie(s.ok() ? s->id : "");
    EXPECT_TRUE(key);
    return {s.ok() ? *s : ConsoleSession{}, key.value_or(SessionKey{})};
  }
};

TEST_F(ConsoleSessionsTest, IdsAndTokensAreLongRandomAndDistinct) {
  auto sessions = Node();
  auto a = sessions->Create(kRoot, kT0);
  auto b = sessions->Create(kRoot, kT0);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GE(a->id.size(), 43u);
  EXPECT_NE(a->id, b->id);
  EXPECT_EQ(a->csrf_token.size(), 43u);
  EXPECT_NE(a->csrf_token, b->csrf_token);
  auto found = sessions->Find(a->id, kT0 + 1);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->principal.arn, kRoot.arn);
  EXPECT_EQ((*found)->csrf_token, a->csrf_token);
  EXPECT_FALSE(Live(*sessions, "not-a-session", kT0 + 1));
}

TEST_F(ConsoleSessionsTest, IdleTimeoutRestartsOnUseAndTheAbsoluteOneDoesNot) {
  auto sessions = Node({/*idle=*/100, /*absolute=*/250, /*max_per_principal=*/10, /*touch=*/0});
  auto s = sessions->Create(kRoot, kT0);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(Live(*sessions, s->id, kT0 + 90));
  EXPECT_TRUE(Live(*sessions, s->id, kT0 + 180));   // 90 s idle: still alive
  EXPECT_TRUE(Live(*sessions, s->id, kT0 + 240));
  EXPECT_FALSE(Live(*sessions, s->id, kT0 + 260));  // past the absolute limit, though used
  auto idle = sessions->Create(kRoot, kT0 + 1000);
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(Live(*sessions, idle->id, kT0 + 1101));  // idle too long
}

TEST_F(ConsoleSessionsTest, AUseRecordedOnOneNodeKeepsTheSessionAliveOnTheOther) {
  // Why: the idle clock lives in storage, not in the node that happened to see the last use.
  auto node1 = Node({100, 1000, 10, 0});
  auto node2 = Node({100, 1000, 10, 0});
  auto s = node1->Create(kAlice, kT0);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(Live(*node2, s->id, kT0 + 90));
  EXPECT_TRUE(Live(*node1, s->id, kT0 + 180));  // 180 s after sign-in, 90 s after node 2's use
}

TEST_F(ConsoleSessionsTest, ASessionMadeOnOneNodeWorksOnAnotherAndSignOutEndsItEverywhere) {
  // Why (issue 15): a load balancer sends each request to any node; sessions lived in one
  // node's memory, so the next request signed the user out, and a sign-out elsewhere did not.
  auto node1 = Node();
  auto node2 = Node();
  auto s = node1->Create(kAlice, kT0);
  ASSERT_TRUE(s.ok());
  auto there = node2->Find(s->id, kT0 + 1);
  ASSERT_TRUE(there.ok() && there->has_value());
  EXPECT_EQ((*there)->principal.user_name, "alice");
  EXPECT_EQ((*there)->csrf_token, s->csrf_token);
  ASSERT_TRUE(node2->Delete(**there).ok());
  EXPECT_FALSE(Live(*node1, s->id, kT0 + 2));
  EXPECT_FALSE(Live(*node2, s->id, kT0 + 2));
}

TEST_F(ConsoleSessionsTest, SessionsSurviveARestart) {
  std::string id;
  {
    auto before = Node();
    auto s = before->Create(kRoot, kT0);
    ASSERT_TRUE(s.ok());
    id = s->id;
  }
  EXPECT_TRUE(Live(*Node(), id, kT0 + 5));
}

TEST_F(ConsoleSessionsTest, ASignInPastThePerPrincipalLimitEndsTheOldest) {
  auto sessions = Node({1800, 43200, /*max_per_principal=*/3, 60});
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto s = sessions->Create(kAlice, kT0 + i);
    ASSERT_TRUE(s.ok());
    ids.push_back(s->id);
  }
  auto root = sessions->Create(kRoot, kT0);  // another principal's are not counted
  ASSERT_TRUE(root.ok());
  std::string live;
  for (const auto& id : ids) live += Live(*sessions, id, kT0 + 10) ? "1" : "0";
  EXPECT_EQ(live, "00111");
  EXPECT_TRUE(Live(*sessions, root->id, kT0 + 10));
}

TEST_F(ConsoleSessionsTest, TheTokenIsNotStoredOnlyItsHash) {
  auto sessions = Node();
  auto [s, key] = AliceSession(*sessions);
  storage::SliceQuery q;
  q.now_seconds = kT0;
  auto partition = engine_->ReadPartition(kConsoleSessionTableId, kAlice.user_id,
                                          SessionPartitionToken(kAlice.user_id), q);
  ASSERT_TRUE(partition.ok());
  ASSERT_EQ(partition->rows.size(), 1u);
  std::string stored = partition->rows[0].clustering;
  for (const auto& [name, cell] : partition->rows[0].cells) stored += name + cell.value;
  EXPECT_EQ(stored.find(key.token), std::string::npos);
  EXPECT_NE(stored.find(s.csrf_token), std::string::npos);
}

TEST_F(ConsoleSessionsTest, AStoredRowThatDoesNotDecodeIsNoSession) {
  // Why: rows come from shared storage that another node (or anyone with the pool's key) wrote.
  auto sessions = Node();
  auto [s, key] = AliceSession(*sessions);
  for (const std::string& bad : {std::string("{"), std::string("[]"),
                                R"({"arn":"arn:x","user_name":"alice","user_id":"AIDAOTHER","csrf":")" +
                                    s.csrf_token + R"("})",
                                R"({"arn":"arn:x","user_name":"alice","user_id":")" +
                                    kAlice.user_id + R"(","csrf":"short"})",
                                std::string(5000, ' ')}) {
    storage::PartitionMutation m;
    m.partition_key = kAlice.user_id;
    m.token = SessionPartitionToken(kAlice.user_id);
    storage::Row row;
    row.clustering = key.Clustering();
    row.cells["doc"] = storage::Cell{s.stored_timestamp + 10, 0, 0, false, bad};
    m.rows.push_back(row);
    ASSERT_TRUE(engine_->Apply({{kConsoleSessionTableId, m}}).ok());
    EXPECT_FALSE(Live(*sessions, s.id, kT0 + 1)) << bad;
    s.stored_timestamp += 10;
  }
}

TEST(ConsoleSessionRecord, CookiesOtherThanUserIdTimeAndTokenAreRefused) {
  const std::string token(43, 'a');
  EXPECT_TRUE(ParseSessionCookie("AIDA1.1800000000." + token));
  for (const std::string& bad :
       {std::string(""), "AIDA1." + token, "AIDA1.18x." + token, ".1." + token,
        "AIDA1.1800000000." + token + "a", "AIDA1.1800000000." + std::string(43, '.'),
        "AI-DA.1.1." + token, std::string(65, 'A') + ".1." + token,
        "AIDA1.1234567890123." + token}) {
    EXPECT_FALSE(ParseSessionCookie(bad)) << bad;
  }
}

TEST(ConsoleSessionRecord, DocsDecodeOnlyUnderTheirLimits) {
  SessionDoc doc{kAlice, std::string(43, 'c')};
  auto back = DecodeSessionDoc(EncodeSessionDoc(doc), kAlice.user_id);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->principal.arn, kAlice.arn);
  EXPECT_EQ(back->principal.user_name, "alice");
  auto other = DecodeSessionDoc(EncodeSessionDoc(doc), "AIDAOTHER");
  EXPECT_EQ(other.status().code(), ErrorCode::kCorruption);
  EXPECT_THAT(other.status().message(), HasSubstr("user_id differs"));
  doc.principal.user_name = std::string(65, 'u');
  EXPECT_THAT(DecodeSessionDoc(EncodeSessionDoc(doc), kAlice.user_id).status().message(),
              HasSubstr("user_name too long"));
  EXPECT_EQ(DecodeLastUsed("12x").status().code(), ErrorCode::kCorruption);
  EXPECT_EQ(*DecodeLastUsed(EncodeLastUsed(kT0)), kT0);
}

}  // namespace
}  // namespace sibyl::http
