// An EXECUTE of a prepared statement the connection's authorizer allowed before skips the policy
// check only while nothing a decision depends on changed (issue 14: authorization overhead).

#include <gtest/gtest.h>

#include <atomic>
#include <optional>

#include "processor_fixture.h"

namespace sibyl::query {
namespace {

// Allows everything but `refused_action`, counts the checks, reports the epoch it is told.
class CountingAuthorizer : public Authorizer {
 public:
  Status Authorize(const Permission& p) override {
    ++checks;
    if (p.action == refused_action) return Status(ErrorCode::kUnauthorized, "refused " + p.action);
    return Status::OK();
  }
  std::optional<uint64_t> DecisionEpoch() override { return epoch; }

  std::atomic<int> checks{0};
  std::optional<uint64_t> epoch = 1;
  std::string refused_action;
};

class PreparedAuthorizationTest : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 1}");
    Run("CREATE TABLE ks.t (k int PRIMARY KEY, v int)");
    auto prepared = processor_->Prepare(session_, "SELECT v FROM ks.t WHERE k = 1");
    ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
    id_ = std::get<protocol::PreparedResult>(*prepared).id;
    session_.authorizer = authorizer_;
  }

  Status Execute() {
    auto result = processor_->Execute(session_, id_, protocol::QueryParameters{});
    return result.ok() ? Status::OK() : result.status();
  }

  std::shared_ptr<CountingAuthorizer> authorizer_ = std::make_shared<CountingAuthorizer>();
  std::string id_;
};

TEST_F(PreparedAuthorizationTest, AnAllowedStatementIsCheckedOncePerEpoch) {
  ASSERT_TRUE(Execute().ok());
  ASSERT_TRUE(Execute().ok());
  ASSERT_TRUE(Execute().ok());
  EXPECT_EQ(authorizer_->checks, 1);
  authorizer_->epoch = 2;  // IAM changed: decide again, once
  ASSERT_TRUE(Execute().ok());
  ASSERT_TRUE(Execute().ok());
  EXPECT_EQ(authorizer_->checks, 2);
}

TEST_F(PreparedAuthorizationTest, NothingIsRememberedWithoutAnEpoch) {
  authorizer_->epoch = std::nullopt;  // e.g. a policy with an aws:CurrentTime condition
  ASSERT_TRUE(Execute().ok());
  ASSERT_TRUE(Execute().ok());
  EXPECT_EQ(authorizer_->checks, 2);
}

TEST_F(PreparedAuthorizationTest, ARefusalIsNeverRemembered) {
  authorizer_->refused_action = "cassandra:Select";
  EXPECT_EQ(Execute().code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(Execute().code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(authorizer_->checks, 2);
}

TEST_F(PreparedAuthorizationTest, ASchemaChangeDecidesAgain) {
  ASSERT_TRUE(Execute().ok());
  // Tags feed aws:ResourceTag conditions: the new schema snapshot is decided again.
  session_.authorizer = nullptr;
  Run("ALTER TABLE ks.t ADD TAGS {'owner': 'bob'}");
  session_.authorizer = authorizer_;
  ASSERT_TRUE(Execute().ok());
  EXPECT_EQ(authorizer_->checks, 2);
}

TEST_F(PreparedAuthorizationTest, EachConnectionDecidesForItself) {
  ASSERT_TRUE(Execute().ok());
  auto other = std::make_shared<CountingAuthorizer>();
  other->refused_action = "cassandra:Select";
  session_.authorizer = other;
  EXPECT_EQ(Execute().code(), ErrorCode::kUnauthorized);
}

}  // namespace
}  // namespace sibyl::query
