#include "iam/aws_managed_policies.h"

namespace sibyl::iam {
namespace {

ManagedPolicy Make(const char* name, const char* id, const char* version, int64_t created,
                   int64_t updated, const char* description, const char* document) {
  ManagedPolicy p;
  p.name = name;
  p.id = id;
  p.arn = std::string("arn:aws:iam::aws:policy/") + name;
  p.description = description;
  p.default_version = version;
  p.create_date = created;
  p.update_date = updated;
  p.versions[version] = PolicyVersion{version, document, updated};
  p.aws_managed = true;
  return p;
}

}  // namespace

const std::vector<ManagedPolicy>& AwsManagedPolicies() {
  // Dates are AWS's (seconds since the epoch); documents keep only what Sibyl can enforce.
  static const std::vector<ManagedPolicy> kPolicies = {
      Make(
          "AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", "v1", 1423159185, 1423159185,
          "Provides full access to AWS services and resources.",
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})"),
      Make(
          "AmazonKeyspacesFullAccess", "ANPAZKAPJZG4EXAMPLEFA", "v8", 1575564000, 1770854400,
          "Provides full access to Amazon Keyspaces.",
          R"({"Version":"2012-10-17","Statement":[{"Sid":"CassandraFullAccess","Effect":"Allow","Action":["cassandra:*"],"Resource":"*"}]})"),
      Make(
          "AmazonKeyspacesReadOnlyAccess", "ANPAZKAPJZG4EXAMPLERO", "v3", 1575564000, 1643760000,
          "Provides read only access to Amazon Keyspaces.",
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cassandra:Select"],"Resource":"*"}]})"),
      Make(
          "AmazonKeyspacesReadOnlyAccess_v2", "ANPAZKAPJZG4EXAMPLER2", "v4", 1694476800, 1694476800,
          "Provides read only access to Amazon Keyspaces.",
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cassandra:Select","cassandra:ListStreams","cassandra:GetStream","cassandra:GetShardIterator","cassandra:GetRecords"],"Resource":"*"}]})"),
      Make(
          "IAMFullAccess", "ANPAI7XKCFMBPM3QQRRVQ", "v2", 1423159185, 1560873600,
          "Provides full access to IAM via the AWS Management Console.",
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]})"),
      Make(
          "IAMReadOnlyAccess", "ANPAJKSO7NDY4T57MWDSQ", "v4", 1423159185, 1548806400,
          "Provides read only access to IAM via the AWS Management Console.",
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]})"),
      Make(
          "IAMUserChangePassword", "ANPAJ4L4MM2A7QIEB56MS", "v2", 1479254400, 1479254400,
          "Provides the ability for an IAM user to change their own password.",
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ChangePassword"],"Resource":["arn:aws:iam::*:user/${aws:username}"]},{"Effect":"Allow","Action":["iam:GetAccountPasswordPolicy"],"Resource":"*"}]})"),
  };
  return kPolicies;
}

}  // namespace sibyl::iam
