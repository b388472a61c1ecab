// Console sessions: random ids and CSRF tokens, idle and absolute timeouts, sign-out. (The
// brake on failed sign-ins is the LoginBrake's, tested in tests/unit/iam and console_api_test.)
#include <gtest/gtest.h>

#include "http/console_sessions.h"

namespace sibyl::http {
namespace {

const iam::Principal kRoot{"", "111122223333", "arn:aws:iam::111122223333:root"};

TEST(ConsoleSessions, IdsAndTokensAreLongRandomAndDistinct) {
  ConsoleSessions sessions;
  auto a = sessions.Create(kRoot, 1000);
  auto b = sessions.Create(kRoot, 1000);
  EXPECT_GE(a.id.size(), 43u);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.id, a.csrf_token);
  EXPECT_EQ(sessions.Find(a.id, 1001)->principal.arn, kRoot.arn);
  EXPECT_FALSE(sessions.Find("not-a-session", 1001));
}

TEST(ConsoleSessions, IdleTimeoutRestartsOnUseAndTheAbsoluteOneDoesNot) {
  ConsoleSessions sessions({/*idle=*/100, /*absolute=*/250});
  auto s = sessions.Create(kRoot, 0);
  EXPECT_TRUE(sessions.Find(s.id, 90));
  EXPECT_TRUE(sessions.Find(s.id, 180));   // 90 s idle: still alive
  EXPECT_TRUE(sessions.Find(s.id, 240));
  EXPECT_FALSE(sessions.Find(s.id, 260));  // past the absolute limit, though used recently
  auto idle = sessions.Create(kRoot, 1000);
  EXPECT_FALSE(sessions.Find(idle.id, 1101));  // idle too long
}

TEST(ConsoleSessions, SignOutEndsTheSession) {
  ConsoleSessions sessions;
  auto s = sessions.Create(kRoot, 0);
  sessions.Delete(s.id);
  EXPECT_FALSE(sessions.Find(s.id, 1));
}

}  // namespace
}  // namespace sibyl::http
