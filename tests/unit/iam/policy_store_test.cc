// IamService's policies and groups: AWS's limits, conflicts and texts; the policy set a user's
// decisions come from (inline, attached, groups'); the authorization version that tells caches
// to drop their decisions; everything survives a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "iam_fixture.h"

namespace sibyl::iam {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

constexpr const char* kReadOnly = "arn:aws:iam::aws:policy/AmazonKeyspacesReadOnlyAccess";
constexpr const char* kFull = "arn:aws:iam::aws:policy/AmazonKeyspacesFullAccess";
constexpr const char* kTable = "arn:aws:cassandra:us-east-1:111122223333:/keyspace/ks/table/t";

std::string Allow(const std::string& action) {
  return R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":")" + action +
         R"(","Resource":"*"}})";
}
std::string Deny(const std::string& action) {
  return R"({"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":")" + action +
         R"(","Resource":"*"}})";
}

class PolicyStoreTest : public IamServiceTest {
 protected:
  Principal User(const std::string& name) {
    auto u = svc_->GetUser(name);
    return Principal{u->name, u->id, svc_->UserArn(*u)};
  }
  Decision Decide(const std::string& user, const std::string& action,
                  const std::string& resource = kTable) {
    RequestContext r{action, resource, {}};
    return svc_->Authorize(User(user), r);
  }
};

TEST_F(PolicyStoreTest, InlinePoliciesDecideAndAreListedByName) {
  ASSERT_TRUE(svc_->CreateUser("alice", "/").ok());
  EXPECT_EQ(Decide("alice", "cassandra:Select"), Decision::kImplicitDeny);
  ASSERT_TRUE(svc_->PutInlinePolicy(EntityKind::kUser, "alice", "read", Allow("cassandra:Select")).ok());
  EXPECT_EQ(Decide("alice", "cassandra:Select"), Decision::kAllow);
  ASSERT_TRUE(svc_->PutInlinePolicy(EntityKind::kUser, "alice", "deny", Deny("cassandra:*")).ok());
  EXPECT_EQ(Decide("alice", "cassandra:Select"), Decision::kExplicitDeny);
  EXPECT_THAT(svc_->ListInlinePolicies(EntityKind::kUser, "alice", "", 100)->items,
              ElementsAre("deny", "read"));
  EXPECT_EQ(*svc_->GetInlinePolicy(EntityKind::kUser, "alice", "read"), Allow("cassandra:Select"));
  ASSERT_TRUE(svc_->DeleteInlinePolicy(EntityKind::kUser, "alice", "deny").ok());
  EXPECT_EQ(Decide("alice", "cassandra:Select"), Decision::kAllow);
  EXPECT_EQ(AwsCode(svc_->DeleteInlinePolicy(EntityKind::kUser, "alice", "deny")), "NoSuchEntity/404");
  EXPECT_EQ(AwsCode(svc_->GetInlinePolicy(EntityKind::kUser, "nobody", "x").status()), "NoSuchEntity/404");
}

TEST_F(PolicyStoreTest, MalformedAndOversizedDocumentsAreRefused) {
  ASSERT_TRUE(svc_->CreateUser("alice", "/").ok());
  Status s = svc_->PutInlinePolicy(EntityKind::kUser, "alice", "p", R"({"Statement":{"Effect":"Allow"}})");
  EXPECT_EQ(AwsCode(s), "MalformedPolicyDocument/400");
  EXPECT_THAT(s.message(), HasSubstr("Statement 1"));
  std::string big = R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[)";
  for (int i = 0; i < 120; ++i) big += (i ? "," : "") + std::string("\"cassandra:Select") + std::to_string(i) + "\"";
  big += R"(],"Resource":"*"}})";
  s = svc_->PutInlinePolicy(EntityKind::kUser, "alice", "big", big);
  EXPECT_EQ(AwsCode(s), "LimitExceeded/409");
  EXPECT_EQ(s.message(), "Maximum policy size of 2048 bytes exceeded for user alice");
  // Groups may hold more (5,120).
  ASSERT_TRUE(svc_->CreateGroup("g", "/").ok());
  EXPECT_TRUE(svc_->PutInlinePolicy(EntityKind::kGroup, "g", "big", big).ok());
  EXPECT_EQ(AwsCode(svc_->PutInlinePolicy(EntityKind::kUser, "alice", "bad name!", Allow("*"))),
            "ValidationError/400");
}

TEST_F(PolicyStoreTest, ManagedPoliciesAttachAndAwsOnesCannotBeChanged) {
  ASSERT_TRUE(svc_->CreateUser("bob", "/").ok());
  ASSERT_TRUE(svc_->AttachPolicy(EntityKind::kUser, "bob", kReadOnly).ok());
  EXPECT_EQ(Decide("bob", "cassandra:Select"), Decision::kAllow);
  EXPECT_EQ(Decide("bob", "cassandra:Modify"), Decision::kImplicitDeny);
  EXPECT_EQ(svc_->AttachmentCount(kReadOnly), 1);
  EXPECT_EQ(AwsCode(svc_->DeletePolicy(kReadOnly)), "AccessDenied/403");
  EXPECT_EQ(AwsCode(svc_->CreatePolicyVersion(kFull, Allow("*"), true).status()), "AccessDenied/403");
  EXPECT_EQ(AwsCode(svc_->AttachPolicy(EntityKind::kUser, "bob", "arn:aws:iam::aws:policy/Nope")),
            "NoSuchEntity/404");
  EXPECT_EQ(AwsCode(svc_->AttachPolicy(EntityKind::kUser, "bob", "not-an-arn")), "InvalidInput/400");
  EXPECT_EQ(AwsCode(svc_->DeleteUser("bob")), "DeleteConflict/409");
  ASSERT_TRUE(svc_->DetachPolicy(EntityKind::kUser, "bob", kReadOnly).ok());
  EXPECT_EQ(AwsCode(svc_->DetachPolicy(EntityKind::kUser, "bob", kReadOnly)), "NoSuchEntity/404");
  EXPECT_EQ(Decide("bob", "cassandra:Select"), Decision::kImplicitDeny);
  EXPECT_TRUE(svc_->DeleteUser("bob").ok());
}

TEST_F(PolicyStoreTest, AtMostTenAttachedPolicies) {
  ASSERT_TRUE(svc_->CreateUser("carol", "/").ok());
  for (int i = 0; i < 10; ++i) {
    auto p = svc_->CreatePolicy("p" + std::to_string(i), "/", Allow("cassandra:Select"), "");
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(svc_->AttachPolicy(EntityKind::kUser, "carol", p->arn).ok());
  }
  Status s = svc_->AttachPolicy(EntityKind::kUser, "carol", kFull);
  EXPECT_EQ(AwsCode(s), "LimitExceeded/409");
  EXPECT_EQ(s.message(), "Cannot exceed quota for PoliciesPerUser: 10");
}

TEST_F(PolicyStoreTest, VersionsOfACustomerPolicy) {
  auto p = svc_->CreatePolicy("ks", "/app/", Allow("cassandra:Select"), "read");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->arn, "arn:aws:iam::" + svc_->account_id() + ":policy/app/ks");
  EXPECT_EQ(AwsCode(svc_->CreatePolicy("ks", "/", Allow("*"), "").status()), "EntityAlreadyExists/409");
  ASSERT_TRUE(svc_->CreateUser("dave", "/").ok());
  ASSERT_TRUE(svc_->AttachPolicy(EntityKind::kUser, "dave", p->arn).ok());
  EXPECT_EQ(Decide("dave", "cassandra:Modify"), Decision::kImplicitDeny);
  auto v2 = svc_->CreatePolicyVersion(p->arn, Allow("cassandra:Modify"), /*set_as_default=*/false);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->id, "v2");
  EXPECT_EQ(Decide("dave", "cassandra:Modify"), Decision::kImplicitDeny);  // not the default
  ASSERT_TRUE(svc_->SetDefaultPolicyVersion(p->arn, "v2").ok());
  EXPECT_EQ(Decide("dave", "cassandra:Modify"), Decision::kAllow);
  EXPECT_EQ(AwsCode(svc_->DeletePolicyVersion(p->arn, "v2")), "DeleteConflict/409");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(svc_->CreatePolicyVersion(p->arn, Allow("*"), false).ok());
  EXPECT_EQ(AwsCode(svc_->CreatePolicyVersion(p->arn, Allow("*"), false).status()), "LimitExceeded/409");
  std::vector<std::string> ids;
  auto versions = svc_->ListPolicyVersions(p->arn);
  ASSERT_TRUE(versions.ok());
  for (const auto& v : *versions) ids.push_back(v.id);
  EXPECT_THAT(ids, ElementsAre("v5", "v4", "v3", "v2", "v1"));
  EXPECT_EQ(AwsCode(svc_->DeletePolicy(p->arn)), "DeleteConflict/409");  // attached
  ASSERT_TRUE(svc_->DetachPolicy(EntityKind::kUser, "dave", p->arn).ok());
  EXPECT_EQ(AwsCode(svc_->DeletePolicy(p->arn)), "DeleteConflict/409");  // versions left
  for (const char* v : {"v1", "v3", "v4", "v5"}) ASSERT_TRUE(svc_->DeletePolicyVersion(p->arn, v).ok());
  EXPECT_TRUE(svc_->DeletePolicy(p->arn).ok());
  EXPECT_EQ(AwsCode(svc_->GetPolicy(p->arn).status()), "NoSuchEntity/404");
}

TEST_F(PolicyStoreTest, ListPoliciesByScope) {
  ASSERT_TRUE(svc_->CreatePolicy("mine", "/", Allow("*"), "").ok());
  auto aws = svc_->ListPolicies("AWS", false, "", "", 100);
  auto local = svc_->ListPolicies("Local", false, "", "", 100);
  auto all = svc_->ListPolicies("All", false, "", "", 100);
  EXPECT_EQ(aws->items.size(), 7u);
  ASSERT_EQ(local->items.size(), 1u);
  EXPECT_EQ(local->items[0].name, "mine");
  EXPECT_EQ(all->items.size(), 8u);
  EXPECT_TRUE(svc_->ListPolicies("All", true, "", "", 100)->items.empty());
  EXPECT_EQ(AwsCode(svc_->ListPolicies("Mine", false, "", "", 100).status()), "ValidationError/400");
  auto page = svc_->ListPolicies("All", false, "", "", 4);
  EXPECT_TRUE(page->is_truncated);
  auto rest = svc_->ListPolicies("All", false, "", page->marker, 100);
  EXPECT_EQ(page->items.size() + rest->items.size(), 8u);
}

TEST_F(PolicyStoreTest, GroupsLendTheirPoliciesToMembers) {
  ASSERT_TRUE(svc_->CreateUser("erin", "/").ok());
  ASSERT_TRUE(svc_->CreateGroup("readers", "/").ok());
  EXPECT_EQ(AwsCode(svc_->CreateGroup("READERS", "/").status()), "EntityAlreadyExists/409");
  ASSERT_TRUE(svc_->AttachPolicy(EntityKind::kGroup, "readers", kReadOnly).ok());
  ASSERT_TRUE(svc_->PutInlinePolicy(EntityKind::kGroup, "readers", "no-drop", Deny("cassandra:Drop")).ok());
  EXPECT_EQ(Decide("erin", "cassandra:Select"), Decision::kImplicitDeny);
  ASSERT_TRUE(svc_->AddUserToGroup("readers", "erin").ok());
  EXPECT_EQ(Decide("erin", "cassandra:Select"), Decision::kAllow);
  ASSERT_TRUE(svc_->AttachPolicy(EntityKind::kUser, "erin", kFull).ok());
  EXPECT_EQ(Decide("erin", "cassandra:Drop"), Decision::kExplicitDeny);  // the group's Deny wins
  auto set = svc_->PoliciesOf("erin");
  std::vector<std::string> sources;
  for (const auto& p : set->policies) sources.push_back(p.source_type + ":" + p.source_id);
  EXPECT_THAT(sources, ElementsAre(std::string("aws-managed:") + kFull, "group:no-drop",
                                   std::string("aws-managed:") + kReadOnly));
  EXPECT_EQ(svc_->GetGroup("readers")->users.size(), 1u);
  EXPECT_EQ(AwsCode(svc_->DeleteGroup("readers")), "DeleteConflict/409");
  EXPECT_EQ(AwsCode(svc_->DeleteUser("erin")), "DeleteConflict/409");
  ASSERT_TRUE(svc_->RemoveUserFromGroup("readers", "erin").ok());
  EXPECT_EQ(Decide("erin", "cassandra:Drop"), Decision::kAllow);
  EXPECT_EQ(AwsCode(svc_->RemoveUserFromGroup("readers", "erin")), "NoSuchEntity/404");
  EXPECT_EQ(AwsCode(svc_->DeleteGroup("readers")), "DeleteConflict/409");  // policies left
  ASSERT_TRUE(svc_->DeleteInlinePolicy(EntityKind::kGroup, "readers", "no-drop").ok());
  ASSERT_TRUE(svc_->DetachPolicy(EntityKind::kGroup, "readers", kReadOnly).ok());
  EXPECT_TRUE(svc_->DeleteGroup("readers").ok());
}

TEST_F(PolicyStoreTest, AtMostTenGroupsPerUser) {
  ASSERT_TRUE(svc_->CreateUser("frank", "/").ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(svc_->CreateGroup("g" + std::to_string(i), "/").ok());
    ASSERT_TRUE(svc_->AddUserToGroup("g" + std::to_string(i), "frank").ok());
  }
  ASSERT_TRUE(svc_->CreateGroup("g10", "/").ok());
  EXPECT_EQ(AwsCode(svc_->AddUserToGroup("g10", "frank")), "LimitExceeded/409");
  EXPECT_EQ(svc_->ListGroupsForUser("frank", "", 100)->items.size(), 10u);
}

TEST_F(PolicyStoreTest, EveryChangeMovesTheAuthorizationVersion) {
  uint64_t v = svc_->authorization_version();
  auto moved = [&] {
    uint64_t now = svc_->authorization_version();
    bool changed = now != v;
    v = now;
    return changed;
  };
  ASSERT_TRUE(svc_->CreateUser("gina", "/").ok());
  EXPECT_TRUE(moved());
  ASSERT_TRUE(svc_->PutInlinePolicy(EntityKind::kUser, "gina", "p", Allow("*")).ok());
  EXPECT_TRUE(moved());
  ASSERT_TRUE(svc_->CreateGroup("g", "/").ok());
  EXPECT_TRUE(moved());
  ASSERT_TRUE(svc_->AddUserToGroup("g", "gina").ok());
  EXPECT_TRUE(moved());
  ASSERT_TRUE(svc_->TagUser("gina", {{"team", "db"}}).ok());
  EXPECT_TRUE(moved());
  auto p = svc_->CreatePolicy("x", "/", Allow("*"), "");
  EXPECT_TRUE(moved());
  ASSERT_TRUE(svc_->CreatePolicyVersion(p->arn, Allow("cassandra:*"), true).ok());
  EXPECT_TRUE(moved());
  EXPECT_TRUE(svc_->GetUser("gina").ok());
  EXPECT_FALSE(moved());  // reads do not
}

TEST_F(PolicyStoreTest, PrincipalTagsAndVariablesReachConditions) {
  ASSERT_TRUE(svc_->CreateUser("hank", "/").ok());
  ASSERT_TRUE(svc_->TagUser("hank", {{"Team", "ks"}}).ok());
  ASSERT_TRUE(svc_->PutInlinePolicy(EntityKind::kUser, "hank", "team", R"({"Version":"2012-10-17",
    "Statement":{"Effect":"Allow","Action":"cassandra:Select",
    "Resource":"arn:aws:cassandra:*:*:/keyspace/${aws:PrincipalTag/team}/*"}})").ok());
  EXPECT_EQ(Decide("hank", "cassandra:Select"), Decision::kAllow);
  EXPECT_EQ(Decide("hank", "cassandra:Select", "arn:aws:cassandra:us-east-1:1:/keyspace/other/table/t"),
            Decision::kImplicitDeny);
  ASSERT_TRUE(svc_->UntagUser("hank", {"Team"}).ok());
  EXPECT_EQ(Decide("hank", "cassandra:Select"), Decision::kImplicitDeny);
}

TEST_F(PolicyStoreTest, RootMayDoEverythingAndUnknownUsersNothing) {
  RequestContext r{"iam:DeleteUser", "*", {}};
  EXPECT_EQ(svc_->Authorize(Principal{"", svc_->account_id(), svc_->RootArn()}, r), Decision::kAllow);
  EXPECT_EQ(svc_->Authorize(Principal{"ghost", "AIDAGHOST", "arn:aws:iam::1:user/ghost"}, r),
            Decision::kImplicitDeny);
}

TEST_F(PolicyStoreTest, SimulationGivesTheDecisionAndTheDecidingPolicies) {
  ASSERT_TRUE(svc_->CreateUser("ivy", "/").ok());
  ASSERT_TRUE(svc_->PutInlinePolicy(EntityKind::kUser, "ivy", "all", Allow("cassandra:*")).ok());
  ASSERT_TRUE(svc_->PutInlinePolicy(EntityKind::kUser, "ivy", "nodrop", Deny("cassandra:Drop")).ok());
  auto arn = svc_->UserArn(*svc_->GetUser("ivy"));
  auto results = svc_->Simulate(arn, {"cassandra:Select", "cassandra:Drop", "iam:GetUser"}, {kTable}, {});
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[0].decision, Decision::kAllow);
  EXPECT_EQ((*results)[1].decision, Decision::kExplicitDeny);
  ASSERT_EQ((*results)[1].matched.size(), 1u);
  EXPECT_EQ((*results)[1].matched[0].source_id, "nodrop");
  EXPECT_EQ((*results)[2].decision, Decision::kImplicitDeny);
  EXPECT_EQ(AwsCode(svc_->Simulate("arn:aws:iam::1:user/ghost", {"x:y"}, {}, {}).status()),
            "NoSuchEntity/404");
}

TEST_F(PolicyStoreTest, PoliciesGroupsAndMembershipsSurviveARestart) {
  ASSERT_TRUE(svc_->CreateUser("jo", "/").ok());
  ASSERT_TRUE(svc_->PutInlinePolicy(EntityKind::kUser, "jo", "read", Allow("cassandra:Select")).ok());
  ASSERT_TRUE(svc_->CreateGroup("writers", "/").ok());
  auto p = svc_->CreatePolicy("write", "/", Allow("cassandra:Modify"), "");
  ASSERT_TRUE(svc_->CreatePolicyVersion(p->arn, Allow("cassandra:Modify"), true).ok());
  ASSERT_TRUE(svc_->AttachPolicy(EntityKind::kGroup, "writers", p->arn).ok());
  ASSERT_TRUE(svc_->AddUserToGroup("writers", "jo").ok());
  ASSERT_TRUE(engine_->Flush().ok());
  Open();
  EXPECT_EQ(Decide("jo", "cassandra:Select"), Decision::kAllow);
  EXPECT_EQ(Decide("jo", "cassandra:Modify"), Decision::kAllow);
  EXPECT_EQ(svc_->GetPolicy(p->arn)->default_version, "v2");
  EXPECT_EQ(svc_->ListEntitiesForPolicy(p->arn)->groups.size(), 1u);
}

}  // namespace
}  // namespace sibyl::iam
