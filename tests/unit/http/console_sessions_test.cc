// Console sessions: random ids and CSRF tokens, idle and absolute timeouts, sign-out, and the
// brake on failed sign-ins.
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

TEST(ConsoleSessions, FailedSignInsAreBrakedForTheWindow) {
  ConsoleSessionLimits limits;
  limits.failure_window_seconds = 300;
  ConsoleSessions sessions(limits);
  for (int i = 0; i < 4; ++i) sessions.RecordFailure("who:alice", 10);
  EXPECT_EQ(sessions.RetryAfter("who:alice", 5, 20), 0);
  sessions.RecordFailure("who:alice", 20);
  EXPECT_EQ(sessions.RetryAfter("who:alice", 5, 20), 290);
  EXPECT_EQ(sessions.RetryAfter("who:bob", 5, 20), 0);
  EXPECT_EQ(sessions.RetryAfter("who:alice", 5, 311), 0);  // the window has passed
  sessions.RecordFailure("who:carol", 0);
  sessions.RecordSuccess("who:carol");
  EXPECT_EQ(sessions.RetryAfter("who:carol", 1, 1), 0);
}

}  // namespace
}  // namespace sibyl::http
