// CqlAuthorizer: a connection's decisions with Keyspaces' ARNs and messages, cached until IAM
// changes; the login check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../iam/iam_fixture.h"
#include "server/cql_authorizer.h"

namespace sibyl::server {
namespace {

using iam::EntityKind;
using testing::HasSubstr;

class CqlAuthorizerTest : public iam::IamServiceTest {
 protected:
  void SetUp() override {
    IamServiceTest::SetUp();
    ASSERT_TRUE(svc_->CreateUser("alice", "/").ok());
    auto u = svc_->GetUser("alice");
    alice_ = iam::Principal{u->name, u->id, svc_->UserArn(*u)};
  }
  Status Put(const std::string& name, const std::string& statement) {
    return svc_->PutInlinePolicy(EntityKind::kUser, "alice", name,
                                 R"({"Version":"2012-10-17","Statement":)" + statement + "}");
  }
  iam::Principal alice_;
};

const query::Permission kSelect{"cassandra:Select", "shop", "orders", {}, {}, {}};
const query::Permission kModify{"cassandra:Modify", "shop", "orders", {}, {}, {}};

TEST_F(CqlAuthorizerTest, ArnsAreKeyspacesOwn) {
  EXPECT_EQ(CqlAuthorizer::ResourceArn("us-east-1", "111122223333", "ks", ""),
            "arn:aws:cassandra:us-east-1:111122223333:/keyspace/ks/");
  EXPECT_EQ(CqlAuthorizer::ResourceArn("us-east-1", "111122223333", "ks", "t"),
            "arn:aws:cassandra:us-east-1:111122223333:/keyspace/ks/table/t");
}

TEST_F(CqlAuthorizerTest, RefusalNamesPrincipalActionAndResource) {
  ASSERT_TRUE(Put("read", R"({"Effect":"Allow","Action":"cassandra:Select","Resource":"*"})").ok());
  CqlAuthorizer authorizer(*svc_, alice_, {"127.0.0.1", false});
  EXPECT_TRUE(authorizer.Authorize(kSelect).ok());
  Status s = authorizer.Authorize(kModify);
  EXPECT_EQ(s.code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(s.message(),
            "User: " + alice_.arn + " is not authorized to perform: cassandra:Modify on resource: "
            "arn:aws:cassandra:us-east-1:" + svc_->account_id() +
            ":/keyspace/shop/table/orders because no identity-based policy allows the "
            "cassandra:Modify action");
  ASSERT_TRUE(Put("deny", R"({"Effect":"Deny","Action":"cassandra:Select","Resource":"*"})").ok());
  EXPECT_THAT(authorizer.Authorize(kSelect).message(),
              HasSubstr("with an explicit deny in an identity-based policy"));
}

TEST_F(CqlAuthorizerTest, CachedDecisionsFollowPolicyChanges) {
  ASSERT_TRUE(Put("read", R"({"Effect":"Allow","Action":"cassandra:Select","Resource":"*"})").ok());
  CqlAuthorizer authorizer(*svc_, alice_, {"127.0.0.1", false});
  EXPECT_TRUE(authorizer.Authorize(kSelect).ok());
  EXPECT_TRUE(authorizer.Authorize(kSelect).ok());  // cached
  ASSERT_TRUE(svc_->DeleteInlinePolicy(EntityKind::kUser, "alice", "read").ok());
  EXPECT_FALSE(authorizer.Authorize(kSelect).ok());
  ASSERT_TRUE(svc_->AttachPolicy(EntityKind::kUser, "alice",
                                 "arn:aws:iam::aws:policy/AmazonKeyspacesFullAccess").ok());
  EXPECT_TRUE(authorizer.Authorize(kModify).ok());
}

TEST_F(CqlAuthorizerTest, DecisionEpochFollowsIamAndIsAbsentForTimeDependentPolicies) {
  ASSERT_TRUE(Put("read", R"({"Effect":"Allow","Action":"cassandra:Select","Resource":"*"})").ok());
  CqlAuthorizer authorizer(*svc_, alice_, {"127.0.0.1", false});
  const std::optional<uint64_t> before = authorizer.DecisionEpoch();
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(authorizer.DecisionEpoch(), before);
  ASSERT_TRUE(Put("later", R"({"Effect":"Allow","Action":"cassandra:Modify","Resource":"*",
      "Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}})").ok());
  EXPECT_EQ(authorizer.DecisionEpoch(), std::nullopt);  // decisions may change with the clock
  ASSERT_TRUE(svc_->DeleteInlinePolicy(EntityKind::kUser, "alice", "later").ok());
  const std::optional<uint64_t> after = authorizer.DecisionEpoch();
  ASSERT_TRUE(after.has_value());
  EXPECT_NE(after, before);
}

TEST_F(CqlAuthorizerTest, ResourceTagsAreConsideredAndPartOfTheCacheKey) {
  ASSERT_TRUE(Put("owner", R"({"Effect":"Allow","Action":"cassandra:Select","Resource":"*",
      "Condition":{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}})").ok());
  CqlAuthorizer authorizer(*svc_, alice_, {"127.0.0.1", false});
  query::Permission mine = kSelect, theirs = kSelect;
  mine.resource_tags = {{"owner", "alice"}};
  theirs.resource_tags = {{"owner", "bob"}};
  EXPECT_TRUE(authorizer.Authorize(mine).ok());
  EXPECT_FALSE(authorizer.Authorize(theirs).ok());
  EXPECT_FALSE(authorizer.Authorize(kSelect).ok());
}

TEST_F(CqlAuthorizerTest, ConnectionOriginFeedsSourceIpAndSecureTransport) {
  ASSERT_TRUE(Put("tls", R"({"Effect":"Allow","Action":"cassandra:*","Resource":"*",
      "Condition":{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}})").ok());
  EXPECT_TRUE(CqlAuthorizer(*svc_, alice_, {"10.1.1.1", true}).Authorize(kSelect).ok());
  EXPECT_FALSE(CqlAuthorizer(*svc_, alice_, {"10.1.1.1", false}).Authorize(kSelect).ok());
  EXPECT_FALSE(CqlAuthorizer(*svc_, alice_, {"192.168.0.1", true}).Authorize(kSelect).ok());
}

TEST_F(CqlAuthorizerTest, LoginNeedsSelectOnTheSystemKeyspace) {
  Status s = CqlAuthorizer::AuthorizeLogin(*svc_, alice_, {"127.0.0.1", false});
  EXPECT_EQ(s.code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(s.message(), "User " + alice_.arn + " has no permissions.");
  ASSERT_TRUE(Put("sys", R"({"Effect":"Allow","Action":"cassandra:Select",
      "Resource":"arn:aws:cassandra:*:*:/keyspace/system*"})").ok());
  EXPECT_TRUE(CqlAuthorizer::AuthorizeLogin(*svc_, alice_, {"127.0.0.1", false}).ok());
  iam::Principal root{"", svc_->account_id(), svc_->RootArn()};
  EXPECT_TRUE(CqlAuthorizer::AuthorizeLogin(*svc_, root, {"127.0.0.1", false}).ok());
  EXPECT_TRUE(CqlAuthorizer(*svc_, root, {}).Authorize(kModify).ok());
}

}  // namespace
}  // namespace sibyl::server
