// The console's JSON API against hostile bodies and guessers (issue 9 items 7 and 8).
#include "http/console_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../iam/iam_fixture.h"
#include "unit/server/fake_processor.h"

namespace sibyl::http {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

class ConsoleApiTest : public iam::IamServiceTest {
 protected:
  void SetUp() override {
    IamServiceTest::SetUp();
    auto sessions = ConsoleSessions::Open(*engine_);
    ASSERT_TRUE(sessions.ok()) << sessions.status().ToString();
    sessions_ = std::move(*sessions);
    api_ = std::make_unique<ConsoleApi>(
        *svc_, processor_, *sessions_,
        [](const iam::Principal&, const std::string&, bool) { return nullptr; });
  }
  Response Post(const std::string& path, const std::string& body,
                const std::string& address = "10.0.0.1") {
    Request r;
    r.method = "POST";
    r.target = path;
    r.body = body;
    r.remote_address = address;
    r.headers = {{"Content-Type", "application/json"}};
    if (!cookie_.empty()) {
      r.headers.emplace_back("Cookie", cookie_);
      r.headers.emplace_back("X-CSRF-Token", csrf_);
    }
    return api_->Handle(r);
  }
  std::string KeySignIn(const std::string& secret) {
    return R"({"kind":"key","access_key_id":")" + root_.key.id +
           R"(","secret_access_key":")" + secret + R"("})";
  }
  void SignIn() {
    Response r = Post("/api/session", KeySignIn(root_.secret));
    ASSERT_EQ(r.status, 200) << r.body;
    for (const auto& [name, value] : r.headers) {
      if (name == "Set-Cookie") cookie_ = value.substr(0, value.find(';'));
    }
    csrf_ = nlohmann::json::parse(r.body)["csrf_token"];
  }

  ::sibyl::testing::FakeProcessor processor_;
  std::unique_ptr<ConsoleSessions> sessions_;
  std::unique_ptr<ConsoleApi> api_;
  std::string cookie_, csrf_;
};

TEST_F(ConsoleApiTest, SignInWithAnObjectWhereAStringBelongsIs400) {
  // Why: POST /api/session with {"kind":{...}} answered 500 without authentication.
  Response r = Post("/api/session", R"({"kind":{"nested":true}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":{"code":"ValidationError","message":"'kind' must be a string."}})");
}

TEST_F(ConsoleApiTest, GuessesAreSlowedButTheRightSecretAlwaysGetsIn) {
  // Why: the old brake refused even the right secret for 300 s after 5 wrong tries, so anyone
  // could lock root out of the console by naming its key id.
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) {
    Response r = Post("/api/session", KeySignIn("wrong"));
    EXPECT_EQ(r.status, 403);
    EXPECT_THAT(r.body, HasSubstr("AccessDenied"));
    delays.push_back(r.delay.count());
  }
  EXPECT_EQ(delays[2], 0);
  EXPECT_GT(delays[3], 0);
  EXPECT_GT(delays[5], delays[4]);
  Response same = Post("/api/session", KeySignIn(root_.secret));
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(same.delay, milliseconds(0));
  for (int i = 0; i < 6; ++i) Post("/api/session", KeySignIn("wrong"));
  Response other = Post("/api/session", KeySignIn(root_.secret), "10.0.0.2");
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.delay, milliseconds(0));
}

TEST_F(ConsoleApiTest, EveryRouteRefusesTypeConfusionWith400) {
  SignIn();
  Response cql = Post("/api/cql", R"({"query":"SELECT 1","keyspace":{"a":1}})");
  EXPECT_EQ(cql.status, 400);
  EXPECT_THAT(cql.body, HasSubstr("'keyspace' must be a string."));
  EXPECT_EQ(Post("/api/cql", R"({"query":"SELECT 1","page_size":"x"})").status, 400);
  EXPECT_EQ(Post("/api/iam/ListUsers", "[1,2]").status, 400);
  EXPECT_EQ(Post("/api/iam/ListUsers", std::string(100, '[')).status, 400);
  Response get_user = Post("/api/iam/GetUser", R"({"UserName":{"a":[1,{"b":null}]}})");
  EXPECT_EQ(get_user.status, 400);
  EXPECT_THAT(get_user.body, HasSubstr("'UserName' must be a string"));
}

TEST_F(ConsoleApiTest, InvalidUtf8InAnAnswerIsReplacedNotThrown) {
  // Why: nlohmann::json::dump() throws on invalid UTF-8, and error messages quote the path.
  SignIn();
  Response r = Post("/api/iam/\xff\xfe", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("InvalidAction"));
}

// ---- GET /api/sign-in-hint (issue 10 item 26) ----
// The sign-in page opens on the root-key tab while no IAM user has a console password. The
// endpoint needs no session and answers exactly one bit: never a name, a count or a cookie.
TEST_F(ConsoleApiTest, SignInHintNeedsNoSessionAndAnswersOneBit) {
  Request get;
  get.method = "GET";
  get.target = "/api/sign-in-hint";
  get.remote_address = "10.0.0.9";
  const auto hint = [&] {
    Response r = api_->Handle(get);
    EXPECT_EQ(r.status, 200);
    for (const auto& [name, value] : r.headers) EXPECT_NE(name, "Set-Cookie");
    return r.body;
  };
  EXPECT_EQ(hint(), R"({"iam_user_passwords_exist":false})");
  ASSERT_TRUE(svc_->CreateUser("hint-user-without-password", "/").ok());
  EXPECT_EQ(hint(), R"({"iam_user_passwords_exist":false})");
  ASSERT_TRUE(svc_->CreateUser("hint-user-secret-name", "/").ok());
  ASSERT_TRUE(svc_->CreateLoginProfile("hint-user-secret-name", "console-pass-1", false).ok());
  EXPECT_EQ(hint(), R"({"iam_user_passwords_exist":true})");  // no name, no count
  ASSERT_TRUE(svc_->DeleteLoginProfile("hint-user-secret-name").ok());
  EXPECT_EQ(hint(), R"({"iam_user_passwords_exist":false})");
  // Only GET is open: anything else still needs a session.
  EXPECT_EQ(Post("/api/sign-in-hint", "{}").status, 401);
}

}  // namespace
}  // namespace sibyl::http
