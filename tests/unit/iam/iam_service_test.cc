// IamService: the life of users, access keys and service-specific credentials with AWS's rules,
// errors and texts; secrets never stored in clear; everything survives a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "iam/iam_service.h"
#include "storage/rocksdb_engine.h"
#include "iam_fixture.h"

namespace sibyl::iam {
namespace {

using testing::HasSubstr;

TEST_F(IamServiceTest, FirstStartMakesAnAccountAndARootKeyShownOnce) {
  EXPECT_EQ(svc_->account_id().size(), 12u);
  EXPECT_EQ(root_.key.id.substr(0, 4), "AKIA");
  EXPECT_EQ(root_.secret.size(), 40u);
  std::string account = svc_->account_id();
  Open();
  EXPECT_EQ(svc_->account_id(), account);
  EXPECT_TRUE(root_.secret.empty());  // not made (nor shown) again
}

TEST_F(IamServiceTest, MasterKeyFileIsOwnerOnly) {
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "keys" / "master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_F(IamServiceTest, RootKeyFromConfigurationReplacesTheGeneratedOne) {
  IamOptions o;
  o.root_access_key_id = "AKIAROOTFROMENV00001";
  o.root_secret_access_key = "from-the-environment";
  Open(o);
  auto resolved = svc_->ResolveAccessKey("AKIAROOTFROMENV00001");
  ASSERT_TRUE(resolved.ok());
  EXPECT_TRUE(resolved->first.is_root());
  EXPECT_EQ(resolved->second, "from-the-environment");
  EXPECT_FALSE(svc_->ResolveAccessKey(root_.key.id).ok());
}

TEST_F(IamServiceTest, UserNamesAreValidatedAndUniqueIgnoringCase) {
  ASSERT_TRUE(svc_->CreateUser("alice", "/").ok());
  EXPECT_EQ(AwsCode(svc_->CreateUser("Alice", "/").status()), "EntityAlreadyExists/409");
  Status bad = svc_->CreateUser("bad name!", "/").status();
  EXPECT_EQ(AwsCode(bad), "ValidationError/400");
  EXPECT_THAT(bad.message(), HasSubstr("Value 'bad name!' at 'userName' failed to satisfy "
                                       "constraint: Member must satisfy regular expression "
                                       "pattern: [\\w+=,.@-]+"));
  EXPECT_EQ(AwsCode(svc_->GetUser("bob").status()), "NoSuchEntity/404");
  EXPECT_EQ(svc_->GetUser("bob").status().message(), "The user with name bob cannot be found.");
}

// fuzz_iam_form (CI run of issue 10): UpdateUser stored NewPath unchecked, and a path of invalid
// UTF-8 made storing the user (as JSON) throw out of UpdateUser. NewPath follows AWS's path
// pattern as CreateUser's Path does (botocore iam model: pathType), quoted safely.
TEST_F(IamServiceTest, UpdateUserChecksTheNewPath) {
  ASSERT_TRUE(svc_->CreateUser("alice", "/").ok());
  Status bad = svc_->UpdateUser("alice", std::string("alice2"), std::string("/x\xb2" "F"));
  EXPECT_EQ(AwsCode(bad), "ValidationError/400");
  EXPECT_THAT(bad.message(), HasSubstr("Value '/x\\xb2F' at 'newPath' failed to satisfy "
                                       "constraint: Member must satisfy regular expression "
                                       "pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"));
  EXPECT_EQ(AwsCode(svc_->UpdateUser("alice", std::nullopt, std::string("no-slashes"))),
            "ValidationError/400");
  EXPECT_TRUE(svc_->GetUser("alice").ok());  // nothing was renamed by the refused calls
  ASSERT_TRUE(svc_->UpdateUser("alice", std::nullopt, std::string("/team/")).ok());
  EXPECT_EQ(svc_->GetUser("alice")->path, "/team/");
}

// Issue 9 (fuzz_iam_form): a tag key of invalid UTF-8 made storing the user (as JSON) throw out
// of TagUser. Tags follow AWS's pattern; the refusal quotes the bytes safely.
TEST_F(IamServiceTest, TagsFollowAwsPatternAndInvalidUtf8IsRefused) {
  ASSERT_TRUE(svc_->CreateUser("tagged", "/").ok());
  Status bad = svc_->TagUser("tagged", {{"\xff\xfe", "v"}});
  EXPECT_EQ(AwsCode(bad), "ValidationError/400");
  EXPECT_THAT(bad.message(), HasSubstr("Value '\\xff\\xfe' at 'tags.member.key' failed to satisfy "
                                       "constraint: Member must satisfy regular expression "
                                       "pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"));
  EXPECT_EQ(AwsCode(svc_->TagUser("tagged", {{"team", "a\x01"}})), "ValidationError/400");
  EXPECT_EQ(AwsCode(svc_->TagUser("tagged", {{"", "v"}})), "ValidationError/400");
  EXPECT_EQ(AwsCode(svc_->TagUser("tagged", {{std::string(129, 'k'), "v"}})), "ValidationError/400");
  // Letters of any script, numbers, spaces and _.:/=+-@ are fine; 128 characters of two bytes too.
  std::string long_key;
  for (int i = 0; i < 128; ++i) long_key += "\xc3\xa9";
  ASSERT_TRUE(svc_->TagUser("tagged", {{"équipe 1", "a_b.c:d/e=f+g-h@i"}, {long_key, ""}}).ok());
  EXPECT_EQ(svc_->GetUser("tagged")->tags.at("équipe 1"), "a_b.c:d/e=f+g-h@i");
}

TEST_F(IamServiceTest, ServiceCredentialLifecycle) {
  ASSERT_TRUE(svc_->CreateUser("alice", "/").ok());
  auto created = svc_->CreateServiceSpecificCredential("alice", kCassandraService);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const auto& c = created->credential;
  EXPECT_EQ(c.id.substr(0, 4), "ACCA");
  EXPECT_EQ(c.id.size(), 21u);
  EXPECT_EQ(c.service_user_name, "alice-at-" + svc_->account_id());
  EXPECT_EQ(created->password.size(), 44u);
  EXPECT_NE(c.password_hash, created->password);

  auto login = svc_->AuthenticateServicePassword(c.service_user_name, created->password);
  ASSERT_TRUE(login.ok());
  EXPECT_EQ(login->user_name, "alice");
  EXPECT_EQ(login->arn, "arn:aws:iam::" + svc_->account_id() + ":user/alice");

  auto reset = svc_->ResetServiceSpecificCredential("alice", c.id);
  ASSERT_TRUE(reset.ok());
  EXPECT_EQ(reset->credential.id, c.id);
  EXPECT_EQ(reset->credential.create_date, c.create_date);
  EXPECT_EQ(svc_->AuthenticateServicePassword(c.service_user_name, created->password).status().code(),
            ErrorCode::kBadCredentials);
  EXPECT_TRUE(svc_->AuthenticateServicePassword(c.service_user_name, reset->password).ok());

  ASSERT_TRUE(svc_->UpdateServiceSpecificCredential("alice", c.id, kInactive).ok());
  Status refused = svc_->AuthenticateServicePassword(c.service_user_name, reset->password).status();
  EXPECT_EQ(refused.code(), ErrorCode::kBadCredentials);
  EXPECT_EQ(refused.message(), "Provided username " + c.service_user_name +
                                   " and/or password are incorrect");
  auto still_inactive = svc_->ResetServiceSpecificCredential("alice", c.id);
  EXPECT_EQ(still_inactive->credential.status, kInactive);

  EXPECT_EQ(AwsCode(svc_->DeleteUser("alice")), "DeleteConflict/409");
  ASSERT_TRUE(svc_->DeleteServiceSpecificCredential("alice", c.id).ok());
  EXPECT_EQ(AwsCode(svc_->DeleteServiceSpecificCredential("alice", c.id)), "NoSuchEntity/404");
  EXPECT_TRUE(svc_->DeleteUser("alice").ok());
}

TEST_F(IamServiceTest, AtMostTwoCredentialsPerServiceAndTheSecondIsPlusOne) {
  ASSERT_TRUE(svc_->CreateUser("bob", "/").ok());
  auto first = svc_->CreateServiceSpecificCredential("bob", kCassandraService);
  auto second = svc_->CreateServiceSpecificCredential("bob", kCassandraService);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->credential.service_user_name, "bob+1-at-" + svc_->account_id());
  Status third = svc_->CreateServiceSpecificCredential("bob", kCassandraService).status();
  EXPECT_EQ(AwsCode(third), "LimitExceeded/409");
  EXPECT_EQ(third.message(), "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2");
}

TEST_F(IamServiceTest, CredentialErrorsAreWordedAsAws) {
  ASSERT_TRUE(svc_->CreateUser("carol", "/").ok());
  Status service = svc_->CreateServiceSpecificCredential("carol", "lambda.amazonaws.com").status();
  EXPECT_EQ(AwsCode(service), "NoSuchEntity/404");
  EXPECT_EQ(service.message(),
            "No such service lambda.amazonaws.com is supported for Service Specific Credentials");
  EXPECT_EQ(AwsCode(svc_->CreateServiceSpecificCredential("nobody", kCassandraService).status()),
            "NoSuchEntity/404");
  Status bad_id = svc_->ResetServiceSpecificCredential("carol", "ACCA-has-hyphens-0000").status();
  EXPECT_EQ(AwsCode(bad_id), "ValidationError/400");
  EXPECT_THAT(bad_id.message(), HasSubstr("'serviceSpecificCredentialId'"));
  Status missing = svc_->ResetServiceSpecificCredential("carol", "ACCAAAAAAAAAAAAAAAAAA").status();
  EXPECT_EQ(missing.message(), "No such credential ACCAAAAAAAAAAAAAAAAAA exists");
  auto c = svc_->CreateServiceSpecificCredential("carol", kCassandraService);
  Status bad_status = svc_->UpdateServiceSpecificCredential("carol", c->credential.id, "Paused");
  EXPECT_EQ(AwsCode(bad_status), "ValidationError/400");
  EXPECT_THAT(bad_status.message(), HasSubstr("Value at 'status' failed to satisfy constraint"));
}

TEST_F(IamServiceTest, AccessKeysAreLimitedSealedAndResolvable) {
  ASSERT_TRUE(svc_->CreateUser("dave", "/").ok());
  auto k1 = svc_->CreateAccessKey("dave");
  ASSERT_TRUE(k1.ok());
  EXPECT_NE(k1->key.sealed_secret.find(k1->secret), 0u);
  EXPECT_EQ(k1->key.sealed_secret.find(k1->secret), std::string::npos);
  ASSERT_TRUE(svc_->CreateAccessKey("dave").ok());
  EXPECT_EQ(AwsCode(svc_->CreateAccessKey("dave").status()), "LimitExceeded/409");
  auto resolved = svc_->ResolveAccessKey(k1->key.id);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->second, k1->secret);
  ASSERT_TRUE(svc_->UpdateAccessKey("dave", k1->key.id, kInactive).ok());
  EXPECT_EQ(AwsCode(svc_->ResolveAccessKey(k1->key.id).status()), "InvalidClientTokenId/403");
  EXPECT_EQ(AwsCode(svc_->DeleteUser("dave")), "DeleteConflict/409");
}

TEST_F(IamServiceTest, EverythingSurvivesARestartAndNoSecretIsOnDiskInClear) {
  ASSERT_TRUE(svc_->CreateUser("erin", "/").ok());
  auto key = svc_->CreateAccessKey("erin");
  auto cred = svc_->CreateServiceSpecificCredential("erin", kCassandraService);
  ASSERT_TRUE(engine_->Flush().ok());
  Open();
  EXPECT_TRUE(svc_->GetUser("erin").ok());
  EXPECT_EQ(svc_->ResolveAccessKey(key->key.id)->second, key->secret);
  EXPECT_TRUE(svc_->AuthenticateServicePassword(cred->credential.service_user_name, cred->password).ok());
  svc_.reset();
  engine_.reset();
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "db")) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(key->secret), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find(cred->password), std::string::npos) << entry.path();
  }
}

TEST_F(IamServiceTest, ListUsersPaginatesWithMarker) {
  for (const char* name : {"u1", "u2", "u3"}) ASSERT_TRUE(svc_->CreateUser(name, "/").ok());
  auto page = svc_->ListUsers("", "", 2);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_TRUE(page->is_truncated);
  auto rest = svc_->ListUsers("", page->marker, 2);
  EXPECT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].name, "u3");
  EXPECT_FALSE(rest->is_truncated);
}

}  // namespace
}  // namespace sibyl::iam

#include "iam/keyspaces_sigv4.h"

namespace sibyl::iam {
namespace {

// The test vector of the AWS SigV4 Cassandra plugins (python tests/test_auth.py, crypt_test.go).
TEST(KeyspacesSigV4, MatchesThePluginsTestVector) {
  EXPECT_EQ(KeyspacesSigV4Signature("UserID-1", "UserSecretKey-1", "us-west-2",
                                    "2020-06-09T22:41:51.000Z", "91703fdc2ef562e19fbdab0f58e42fe5"),
            "7f3691c18a81b8ce7457699effbfae5b09b4e0714ab38c1292dbdf082c9ddd87");
}

TEST(KeyspacesSigV4, ParsesTheClientResponse) {
  auto r = ParseKeyspacesSigV4Response(
      "signature=7f3691c18a81b8ce7457699effbfae5b09b4e0714ab38c1292dbdf082c9ddd87,"
      "access_key=UserID-1,amzdate=2020-06-09T22:41:51.000Z,session_token=tok");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->access_key_id, "UserID-1");
  EXPECT_EQ(r->session_token, "tok");
  EXPECT_EQ(ParseKeyspacesAmzDate(r->amz_date), 1591742511);
  EXPECT_EQ(ParseKeyspacesSigV4Response("access_key=x").status().code(), ErrorCode::kBadCredentials);
  EXPECT_EQ(NewSigV4Nonce().size(), 32u);
}

}  // namespace
}  // namespace sibyl::iam

namespace sibyl::iam {
namespace {

TEST_F(IamServiceTest, ConsolePasswordsAreArgon2idHashesWithAwsErrors) {
  ASSERT_TRUE(svc_->CreateUser("pat", "/").ok());
  EXPECT_EQ(AwsCode(svc_->CreateLoginProfile("pat", "short", false)), "PasswordPolicyViolation/400");
  ASSERT_TRUE(svc_->CreateLoginProfile("pat", "first-pass-1", true).ok());
  EXPECT_EQ(AwsCode(svc_->CreateLoginProfile("pat", "first-pass-1", false)), "EntityAlreadyExists/409");
  auto profile = svc_->GetLoginProfile("pat");
  ASSERT_TRUE(profile.ok());
  EXPECT_TRUE(profile->password_reset_required);
  EXPECT_EQ(profile->console_password_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(svc_->AuthenticateConsolePassword("pat", "first-pass-1").ok());
  Status wrong = svc_->AuthenticateConsolePassword("pat", "wrong-pass").status();
  Status unknown = svc_->AuthenticateConsolePassword("nobody", "first-pass-1").status();
  EXPECT_EQ(AwsCode(wrong), "AccessDenied/403");
  EXPECT_EQ(wrong.message(), unknown.message());  // no hint of which users exist
  EXPECT_EQ(AwsCode(svc_->ChangePassword("pat", "wrong-pass", "second-pass-2")), "InvalidInput/400");
  ASSERT_TRUE(svc_->ChangePassword("pat", "first-pass-1", "second-pass-2").ok());
  EXPECT_FALSE(svc_->AuthenticateConsolePassword("pat", "first-pass-1").ok());
  EXPECT_FALSE(svc_->GetLoginProfile("pat")->password_reset_required);
  EXPECT_EQ(AwsCode(svc_->DeleteUser("pat")), "DeleteConflict/409");
  ASSERT_TRUE(svc_->DeleteLoginProfile("pat").ok());
  EXPECT_EQ(AwsCode(svc_->GetLoginProfile("pat").status()), "NoSuchEntity/404");
  EXPECT_FALSE(svc_->AuthenticateConsolePassword("pat", "second-pass-2").ok());
  EXPECT_TRUE(svc_->DeleteUser("pat").ok());
}

}  // namespace
}  // namespace sibyl::iam
