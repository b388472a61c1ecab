// CqlAuthenticator (issue 9 item 7): wrong passwords are refused later and later and logged
// without the password; the right one always gets in at once, from any address.
#include "server/cql_authenticator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "../iam/iam_fixture.h"
#include "common/clock.h"
#include "common/logging.h"
#include "cql/protocol/codec.h"
#include "server/connection_state.h"

namespace sibyl::server {
namespace {

using iam::EntityKind;
using std::chrono::milliseconds;
using testing::HasSubstr;
using testing::Not;

class CqlAuthenticatorTest : public iam::IamServiceTest {
 protected:
  void SetUp() override {
    IamServiceTest::SetUp();
    ASSERT_TRUE(svc_->CreateUser("alice", "/").ok());
    ASSERT_TRUE(svc_->AttachPolicy(EntityKind::kUser, "alice",
                                   "arn:aws:iam::aws:policy/AmazonKeyspacesReadOnlyAccess")
                    .ok());
    auto created = svc_->CreateServiceSpecificCredential("alice", "cassandra.amazonaws.com");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    user_ = created->credential.service_user_name;
    password_ = created->password;
    // Capture the log (through the escaping sink, as the server has it).
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "test", std::make_shared<EscapingSink>(sink)));
  }
  void TearDown() override {
    spdlog::set_default_logger(previous_);
    IamServiceTest::TearDown();
  }
  SaslStep Login(const std::string& address, const std::string& user,
                 const std::string& password) {
    CqlAuthenticator authenticator(*svc_, "PasswordAuthenticator");
    SaslState state;
    state.origin = ConnectionOrigin{address, false};
    return authenticator.Evaluate(state, std::string("\0", 1) + user + std::string("\0", 1) +
                                             password, NowSeconds());
  }

  std::string user_, password_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(CqlAuthenticatorTest, WrongPasswordsAreAnsweredLaterAndLater) {
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) {
    SaslStep step = Login("10.0.0.1", user_, "guess" + std::to_string(i));
    ASSERT_EQ(step.kind, SaslStep::Kind::kFailure);
    EXPECT_EQ(step.error.code(), ErrorCode::kBadCredentials);
    delays.push_back(step.delay.count());
  }
  EXPECT_EQ(delays[0], 0);
  EXPECT_EQ(delays[2], 0);
  EXPECT_GT(delays[3], 200);
  EXPECT_GT(delays[5], delays[4]);
  EXPECT_LE(delays[5], 3000);
}

TEST_F(CqlAuthenticatorTest, TheRightPasswordGetsInAtOnceDuringAGuessingBurst) {
  // Why: the console's old brake refused even the right password for 300 s; nobody may lock
  // the owner out by guessing its name.
  for (int i = 0; i < 20; ++i) Login("10.0.0.1", user_, "guess");
  SaslStep same = Login("10.0.0.1", user_, password_);
  EXPECT_EQ(same.kind, SaslStep::Kind::kSuccess);
  EXPECT_EQ(same.delay, milliseconds(0));
  for (int i = 0; i < 20; ++i) Login("10.0.0.1", user_, "guess");
  SaslStep other = Login("10.0.0.2", user_, password_);
  EXPECT_EQ(other.kind, SaslStep::Kind::kSuccess);
  EXPECT_EQ(other.delay, milliseconds(0));
}

TEST_F(CqlAuthenticatorTest, MalformedTokensAreBrakedToo) {
  CqlAuthenticator authenticator(*svc_, "PasswordAuthenticator");
  SaslState state;
  state.origin = ConnectionOrigin{"10.0.0.3", false};
  milliseconds last{0};
  for (int i = 0; i < 5; ++i) {
    SaslStep step = authenticator.Evaluate(state, std::string("no separators"), NowSeconds());
    ASSERT_EQ(step.kind, SaslStep::Kind::kFailure);
    last = step.delay;
  }
  EXPECT_GT(last.count(), 0);
}

TEST_F(CqlAuthenticatorTest, FailedLoginsAreLoggedWithoutThePassword) {
  Login("10.0.0.4", user_, "hunter2-secret");
  Login("10.0.0.4", "mallory\n2030-01-01 [info] forged", password_);
  spdlog::default_logger()->flush();
  const std::string log = log_.str();
  EXPECT_THAT(log, HasSubstr("failed login (PLAIN) for '" + user_ + "' from 10.0.0.4"));
  EXPECT_THAT(log, HasSubstr("unknown user name or wrong password"));
  EXPECT_THAT(log, Not(HasSubstr("hunter2-secret")));
  EXPECT_THAT(log, Not(HasSubstr(password_)));
  // The forged name stays on its line, escaped.
  EXPECT_THAT(log, HasSubstr("mallory\\n2030-01-01 [info] forged"));
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 2);
}

TEST_F(CqlAuthenticatorTest, ADelayedRefusalHoldsBackTheNextAttemptOfTheConnection) {
  // Why: pipelined AUTH_RESPONSEs must not be checked while a refusal is held back, or one
  // connection could still test thousands of passwords at once.
  CqlAuthenticator authenticator(*svc_, "PasswordAuthenticator");
  ConnectionLimits limits;
  limits.authenticator = &authenticator;
  ConnectionState state(limits);
  state.SetOrigin(ConnectionOrigin{"10.0.0.5", false});
  namespace protocol = cql::protocol;
  protocol::StartupRequest startup;
  startup.options["CQL_VERSION"] = "3.0.0";
  auto attempt = [](int16_t stream, const std::string& user, const std::string& password) {
    protocol::AuthResponseRequest auth;
    auth.token = std::string("\0", 1) + user + std::string("\0", 1) + password;
    return protocol::EncodeRequestFrame(4, stream, auth);
  };
  std::string input = protocol::EncodeRequestFrame(4, 1, startup);
  for (int16_t i = 0; i < 5; ++i) input += attempt(static_cast<int16_t>(10 + i), user_, "guess");
  const std::string last = attempt(20, user_, password_);
  input += last;
  std::vector<FrameAction> actions;
  size_t consumed = state.ProcessInput(input, &actions);
  // STARTUP and three free refusals at once, then the fourth refusal is delayed and nothing
  // after it is read.
  ASSERT_EQ(actions.size(), 5u);
  EXPECT_EQ(actions[3].delay, milliseconds(0));
  EXPECT_GT(actions[4].delay.count(), 0);
  EXPECT_EQ(actions[4].stream, 13);
  EXPECT_EQ(state.phase(), ConnectionState::Phase::kAuthenticating);
  input.erase(0, consumed);
  actions.clear();
  consumed = state.ProcessInput(input, &actions);
  ASSERT_EQ(actions.size(), 1u);  // the fifth guess, delayed again
  EXPECT_GT(actions[0].delay.count(), 0);
  input.erase(0, consumed);
  EXPECT_EQ(input, last);
  actions.clear();
  EXPECT_EQ(state.ProcessInput(input, &actions), last.size());
  ASSERT_EQ(actions.size(), 1u);  // the right password: in at once
  EXPECT_EQ(actions[0].delay, milliseconds(0));
  EXPECT_EQ(state.phase(), ConnectionState::Phase::kReady);
}

}  // namespace
}  // namespace sibyl::server
