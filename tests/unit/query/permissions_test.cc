// The statement -> IAM action table (shared/reference/keyspaces-iam.md §3.3): which action on
// which keyspace or table each CQL statement needs, with the tags it carries.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cql/parser/parser.h"
#include "query/permissions.h"

namespace sibyl::query {
namespace {

using testing::ElementsAre;

schema::SchemaSnapshot Snapshot() {
  auto ks = std::make_shared<schema::KeyspaceMetadata>();
  ks->name = "shop";
  ks->tags = {{"env", "prod"}};
  auto t = std::make_shared<schema::TableMetadata>();
  t->keyspace = "shop";
  t->name = "orders";
  t->tags = {{"owner", "alice"}};
  ks->tables["orders"] = t;
  auto sys = std::make_shared<schema::KeyspaceMetadata>();
  sys->name = "system";
  sys->tags = {{"never", "used"}};
  schema::SchemaSnapshot s;
  s.keyspaces["shop"] = ks;
  s.keyspaces["system"] = sys;
  return s;
}

// "action keyspace[/table]" for each permission of `cql`.
std::vector<std::string> Needs(const std::string& cql, const std::string& keyspace = "") {
  auto ast = cql::parser::ParseStatement(cql);
  EXPECT_TRUE(ast.ok()) << cql;
  Session session{keyspace, nullptr};
  auto snapshot = Snapshot();
  auto perms = RequiredPermissions(**ast, session, snapshot);
  EXPECT_TRUE(perms.ok()) << perms.status().ToString();
  std::vector<std::string> out;
  for (const auto& p : *perms) {
    out.push_back(p.action + " " + p.keyspace + (p.table.empty() ? "" : "/" + p.table));
  }
  return out;
}

Permission First(const std::string& cql) {
  auto ast = cql::parser::ParseStatement(cql);
  auto snapshot = Snapshot();
  return RequiredPermissions(**ast, Session{}, snapshot)->front();
}

TEST(Permissions, DataStatementsNeedSelectOrModifyOnTheTable) {
  EXPECT_THAT(Needs("SELECT * FROM shop.orders"), ElementsAre("cassandra:Select shop/orders"));
  EXPECT_THAT(Needs("SELECT * FROM orders", "shop"), ElementsAre("cassandra:Select shop/orders"));
  EXPECT_THAT(Needs("INSERT INTO shop.orders (id) VALUES (1)"), ElementsAre("cassandra:Modify shop/orders"));
  EXPECT_THAT(Needs("UPDATE shop.orders SET a = 1 WHERE id = 1"), ElementsAre("cassandra:Modify shop/orders"));
  EXPECT_THAT(Needs("DELETE FROM shop.orders WHERE id = 1"), ElementsAre("cassandra:Modify shop/orders"));
  EXPECT_THAT(Needs("TRUNCATE shop.orders"), ElementsAre("cassandra:Modify shop/orders"));
  EXPECT_THAT(Needs("SELECT * FROM system.local"), ElementsAre("cassandra:Select system/local"));
}

TEST(Permissions, EveryBatchMemberIsCheckedOnce) {
  EXPECT_THAT(Needs("BEGIN BATCH INSERT INTO shop.orders (id) VALUES (1); "
                    "INSERT INTO shop.orders (id) VALUES (2); "
                    "DELETE FROM shop.items WHERE id = 1; APPLY BATCH"),
              ElementsAre("cassandra:Modify shop/orders", "cassandra:Modify shop/items"));
}

// Issue 12: a conditional write shows current values, so it needs Select as well (Cassandra 4.1
// ModificationStatement.checkAccess), in a batch too.
TEST(Permissions, ConditionalWritesNeedModifyAndSelect) {
  EXPECT_THAT(Needs("INSERT INTO shop.orders (id) VALUES (1) IF NOT EXISTS"),
              ElementsAre("cassandra:Modify shop/orders", "cassandra:Select shop/orders"));
  EXPECT_THAT(Needs("UPDATE shop.orders SET a = 1 WHERE id = 1 IF a = 2"),
              ElementsAre("cassandra:Modify shop/orders", "cassandra:Select shop/orders"));
  EXPECT_THAT(Needs("DELETE FROM shop.orders WHERE id = 1 IF EXISTS"),
              ElementsAre("cassandra:Modify shop/orders", "cassandra:Select shop/orders"));
  EXPECT_THAT(Needs("BEGIN BATCH UPDATE shop.orders SET a = 1 WHERE id = 1 IF a = 2; "
                    "INSERT INTO shop.orders (id) VALUES (1); APPLY BATCH"),
              ElementsAre("cassandra:Modify shop/orders", "cassandra:Select shop/orders"));
}

TEST(Permissions, SchemaStatementsNeedCreateAlterDrop) {
  EXPECT_THAT(Needs("CREATE KEYSPACE k WITH replication = {'class': 'SimpleStrategy', "
                    "'replication_factor': 1}"),
              ElementsAre("cassandra:Create k"));
  EXPECT_THAT(Needs("ALTER KEYSPACE shop WITH durable_writes = true"), ElementsAre("cassandra:Alter shop"));
  EXPECT_THAT(Needs("DROP KEYSPACE shop"), ElementsAre("cassandra:Drop shop"));
  EXPECT_THAT(Needs("CREATE TABLE t (id int PRIMARY KEY)", "shop"), ElementsAre("cassandra:Create shop/t"));
  EXPECT_THAT(Needs("ALTER TABLE shop.orders ADD a int"), ElementsAre("cassandra:Alter shop/orders"));
  EXPECT_THAT(Needs("DROP TABLE IF EXISTS shop.orders"), ElementsAre("cassandra:Drop shop/orders"));
  EXPECT_TRUE(Needs("USE shop").empty());
  EXPECT_THAT(Needs("DESCRIBE KEYSPACES"), ElementsAre("cassandra:Select system_schema/tables"));
}

// User types are no IAM resources: the keyspace's Create / Alter / Drop (Amazon Keyspaces devguide,
// "Configure permissions to work with user-defined types"; issue 11).
TEST(Permissions, TypeStatementsNeedTheKeyspacesPermission) {
  EXPECT_THAT(Needs("CREATE TYPE shop.address (street text)"),
              ElementsAre("cassandra:Create shop"));
  EXPECT_THAT(Needs("CREATE TYPE address (street text)", "shop"),
              ElementsAre("cassandra:Create shop"));
  EXPECT_THAT(Needs("ALTER TYPE shop.address ADD city text"), ElementsAre("cassandra:Alter shop"));
  EXPECT_THAT(Needs("DROP TYPE IF EXISTS shop.address"), ElementsAre("cassandra:Drop shop"));
  // The keyspace's tags are the resource tags.
  EXPECT_EQ(First("DROP TYPE shop.address").resource_tags.at("env"), "prod");
}

TEST(Permissions, TagsNeedTagAndUntagResourceWithTheirKeys) {
  EXPECT_THAT(Needs("CREATE TABLE shop.t (id int PRIMARY KEY) WITH TAGS = {'owner': 'bob'}"),
              ElementsAre("cassandra:Create shop/t", "cassandra:TagResource shop/t"));
  EXPECT_THAT(Needs("ALTER TABLE shop.orders ADD TAGS {'a': 'b'}"),
              ElementsAre("cassandra:TagResource shop/orders"));
  EXPECT_THAT(Needs("ALTER TABLE shop.orders DROP TAGS {'owner': 'alice'}"),
              ElementsAre("cassandra:UntagResource shop/orders"));
  EXPECT_THAT(Needs("ALTER KEYSPACE shop ADD TAGS {'a': 'b'}"), ElementsAre("cassandra:TagResource shop"));
  EXPECT_THAT(Needs("CREATE KEYSPACE k WITH replication = {'class': 'SingleRegionStrategy'} "
                    "AND TAGS = {'x': 'y'}"),
              ElementsAre("cassandra:Create k", "cassandra:TagResource k"));
  Permission create = First("CREATE TABLE shop.t (id int PRIMARY KEY) WITH TAGS = {'owner': 'bob'}");
  EXPECT_EQ(create.request_tags, (std::map<std::string, std::string>{{"owner", "bob"}}));
  EXPECT_THAT(create.tag_keys, ElementsAre("owner"));
  Permission untag = First("ALTER TABLE shop.orders DROP TAGS {'owner': 'alice'}");
  EXPECT_TRUE(untag.request_tags.empty());
  EXPECT_THAT(untag.tag_keys, ElementsAre("owner"));
}

TEST(Permissions, ResourceTagsComeFromTheSchemaButNotForSystemKeyspaces) {
  EXPECT_EQ(First("SELECT * FROM shop.orders").resource_tags,
            (std::map<std::string, std::string>{{"owner", "alice"}}));
  EXPECT_EQ(First("DROP KEYSPACE shop").resource_tags,
            (std::map<std::string, std::string>{{"env", "prod"}}));
  EXPECT_TRUE(First("SELECT * FROM system.local").resource_tags.empty());
  EXPECT_TRUE(First("SELECT * FROM shop.missing").resource_tags.empty());
}

class Recorder : public Authorizer {
 public:
  Status Authorize(const Permission& p) override {
    seen.push_back(p.action);
    if (p.action == refuse) return Status(ErrorCode::kUnauthorized, "no " + p.action);
    return Status::OK();
  }
  std::vector<std::string> seen;
  std::string refuse;
};

TEST(Permissions, TheSessionsAuthorizerDecidesAndTheFirstRefusalStops) {
  auto recorder = std::make_shared<Recorder>();
  recorder->refuse = "cassandra:Create";
  Session session{"shop", recorder};
  auto snapshot = Snapshot();
  auto ast = cql::parser::ParseStatement("CREATE TABLE t (id int PRIMARY KEY) WITH TAGS = {'a': 'b'}");
  Status s = AuthorizeStatement(**ast, session, snapshot);
  EXPECT_EQ(s.code(), ErrorCode::kUnauthorized);
  EXPECT_THAT(recorder->seen, ElementsAre("cassandra:Create"));
  EXPECT_TRUE(AuthorizeStatement(**ast, Session{"shop", nullptr}, snapshot).ok());
}

}  // namespace
}  // namespace sibyl::query
