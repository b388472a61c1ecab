// User types in the schema store (issue 11): persisted by name, resolved on load (a type's
// fields, other types and table columns), rebuilt everywhere when a type changes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "schema/schema_codec.h"
#include "schema/schema_store.h"
#include "schema/user_types.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::schema {
namespace {

namespace fs = std::filesystem;
using types::Kind;
using types::Type;

std::unique_ptr<storage::Engine> OpenEngine(const fs::path& dir) {
  storage::RocksDbOptions o;
  o.path = dir.string();
  auto e = storage::OpenRocksDbEngine(o);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return std::move(*e);
}

Type Address() {
  return Type::Udt("ks", "address", {"street", "zip"}, {Type(Kind::kVarchar), Type(Kind::kInt)},
                   false);
}

TEST(UserTypeCodec, RoundTripsByName) {
  Type person = Type::Udt("ks", "person", {"name", "home"},
                          {Type(Kind::kVarchar), Address().WithFrozen(true)}, false);
  auto d = UserTypeFromJson(UserTypeToJson(person));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->name, "person");
  EXPECT_EQ(d->field_names, (std::vector<std::string>{"name", "home"}));
  EXPECT_EQ(d->field_types, (std::vector<std::string>{"text", "frozen<address>"}));
  EXPECT_EQ(UserTypeFromJson("{\"name\": 1}").status().code(), ErrorCode::kCorruption);
  EXPECT_EQ(UserTypeFromJson("{\"keyspace\": \"ks\", \"name\": \"x\", \"field_names\": [\"a\"], "
                             "\"field_types\": []}")
                .status()
                .code(),
            ErrorCode::kCorruption);
}

TEST(UserTypeCodec, ResolvesDependenciesInAnyOrderAndRefusesCycles) {
  KeyspaceMetadata ks;
  ks.name = "ks";
  std::vector<UserTypeDefinition> defs = {
      {"ks", "person", {"home"}, {"frozen<address>"}},
      {"ks", "address", {"street"}, {"text"}},
  };
  ASSERT_TRUE(ResolveUserTypes(defs, ks).ok());
  const Type& person = ks.user_types.at("person");
  ASSERT_EQ(person.params().size(), 1u);
  EXPECT_TRUE(person.params()[0].frozen());
  EXPECT_EQ(person.params()[0].udt_field_names(), (std::vector<std::string>{"street"}));
  std::vector<UserTypeDefinition> cycle = {{"ks", "a", {"b"}, {"frozen<b>"}},
                                           {"ks", "b", {"a"}, {"frozen<a>"}}};
  EXPECT_EQ(ResolveUserTypes(cycle, ks).code(), ErrorCode::kCorruption);
  std::vector<UserTypeDefinition> unknown = {{"ks", "a", {"b"}, {"frozen<nope>"}}};
  EXPECT_EQ(ResolveUserTypes(unknown, ks).code(), ErrorCode::kCorruption);
}

TEST(UserTypeCodec, QuotedNamesRoundTrip) {
  Type odd = Type::Udt("ks", "Odd \"name\"", {"f"}, {Type(Kind::kInt)}, true);
  EXPECT_EQ(odd.ToCql(), "frozen<\"Odd \"\"name\"\"\">");
  types::UserTypeLookup lookup = [&](const std::string& name) -> Result<Type> {
    if (name == "Odd \"name\"") return odd.WithFrozen(false);
    return InvalidRequest("Unknown type " + name);
  };
  auto parsed = types::ParseTypeName("list<" + odd.ToCql() + ">", lookup);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->params()[0], odd);
  // A quoted name that reads like a native type stays a user type.
  EXPECT_EQ(types::QuoteUserTypeName("int"), "\"int\"");
  EXPECT_EQ(types::QuoteUserTypeName("address"), "address");
}

TEST(SchemaStoreUserTypes, SurviveReopenAndFollowAlter) {
  fs::path dir = fs::temp_directory_path() / ("sibyl-schema-udt-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    auto engine = OpenEngine(dir);
    auto store = SchemaStore::Open(*engine, {});
    ASSERT_TRUE(store.ok());
    KeyspaceMetadata ks;
    ks.name = "ks";
    ASSERT_TRUE((*store)->CreateKeyspace(ks).ok());
    ASSERT_TRUE((*store)->CreateUserType(Address()).ok());
    EXPECT_THAT((*store)->CreateUserType(Address()).message(),
                testing::HasSubstr("already exists"));
    Type person = Type::Udt("ks", "person", {"home"}, {Address().WithFrozen(true)}, false);
    ASSERT_TRUE((*store)->CreateUserType(person).ok());
    TableMetadata t;
    t.keyspace = "ks";
    t.name = "t";
    t.id = "00000000-0000-4000-8000-000000000099";
    t.columns.push_back({"k", Type(Kind::kInt), ColumnKind::kPartitionKey, 0});
    t.columns.push_back({"p", person.WithFrozen(true), ColumnKind::kRegular, -1});
    t.Finish();
    ASSERT_TRUE((*store)->CreateTable(t).ok());
    EXPECT_THAT((*store)->DropUserType("ks", "address").message(),
                testing::HasSubstr("still used by user types person"));
    // ALTER TYPE address ADD city: the other type and the table column follow.
    Type altered = Type::Udt("ks", "address", {"street", "zip", "city"},
                             {Type(Kind::kVarchar), Type(Kind::kInt), Type(Kind::kVarchar)}, false);
    ASSERT_TRUE((*store)->AlterUserType(altered).ok());
    auto snapshot = (*store)->snapshot();
    EXPECT_EQ(snapshot->FindTable("ks", "t")->FindColumn("p")->type.params()[0].udt_field_names().size(),
              3u);
    ASSERT_TRUE(engine->Flush().ok());
  }
  auto engine = OpenEngine(dir);
  auto store = SchemaStore::Open(*engine, {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto snapshot = (*store)->snapshot();
  const KeyspaceMetadata* ks = snapshot->FindKeyspace("ks");
  ASSERT_NE(ks, nullptr);
  ASSERT_EQ(ks->user_types.size(), 2u);
  const Type& column = snapshot->FindTable("ks", "t")->FindColumn("p")->type;
  EXPECT_TRUE(column.frozen());
  EXPECT_EQ(column.udt_name(), "person");
  EXPECT_EQ(column.params()[0].udt_field_names(),
            (std::vector<std::string>{"street", "zip", "city"}));
  ASSERT_TRUE((*store)->DropKeyspace("ks").ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sibyl::schema
