// User-defined types (issue 11): CREATE/ALTER/DROP TYPE, system_schema.types, DESCRIBE, frozen UDT
// columns, literals and field selection, through the real processor over RocksDB. Expected texts
// are Cassandra 4.1's (CreateTypeStatement, AlterTypeStatement, DropTypeStatement, CQL3Type.Raw,
// Selectable.WithFieldSelection; UserTypesTest), cited per test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cql/types/value.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

using testing::ElementsAre;

class UserTypes : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 1}");
    Run("USE ks");
  }

  // The error of `cql` as "<code hex> <message>", or "OK".
  std::string Error(const std::string& cql) {
    auto result = Query(cql);
    if (result.ok()) return "OK";
    return fmt::format("{:#06x} {}", static_cast<int>(result.status().code()),
                       result.status().message());
  }

  protocol::RowsResult Rows(const std::string& cql) {
    auto result = Query(cql);
    EXPECT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
    if (!result.ok()) return {};
    return std::get<protocol::RowsResult>(*result);
  }

  // Column `column` of every row, as text ("null" for null).
  std::vector<std::string> Column(const std::string& cql, size_t column) {
    std::vector<std::string> out;
    for (const auto& row : Rows(cql).rows) out.push_back(row[column] ? *row[column] : "null");
    return out;
  }
};

// A serialized UDT/tuple value of the given fields (nullopt: null field).
std::string Fields(const std::vector<std::optional<std::string>>& fields) {
  std::string out;
  for (const auto& f : fields) {
    if (!f) {
      out += types::SerializeInt(-1);
      continue;
    }
    out += types::SerializeInt(static_cast<int32_t>(f->size())) + *f;
  }
  return out;
}

// The list<text> cell of system_schema.types as "a,b,c".
std::string TextList(const std::string& bytes) {
  std::string out;
  size_t pos = 4;
  while (pos + 4 <= bytes.size()) {
    uint32_t len = (uint8_t(bytes[pos]) << 24) | (uint8_t(bytes[pos + 1]) << 16) |
                   (uint8_t(bytes[pos + 2]) << 8) | uint8_t(bytes[pos + 3]);
    out += (out.empty() ? "" : ",") + bytes.substr(pos + 4, len);
    pos += 4 + len;
  }
  return out;
}

// SchemaKeyspace.addTypeToSchemaMutation: field names and CQL types, nested types frozen.
TEST_F(UserTypes, CreateTypeIsASystemSchemaTypesRow) {
  Run("CREATE TYPE address (street text, city text, zip int, phones set<text>)");
  Run("CREATE TYPE person (name text, home frozen<address>)");
  auto rows = Rows("SELECT type_name, field_names, field_types FROM system_schema.types "
                   "WHERE keyspace_name = 'ks'");
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_EQ(*rows.rows[0][0], "address");
  EXPECT_EQ(TextList(*rows.rows[0][1]), "street,city,zip,phones");
  EXPECT_EQ(TextList(*rows.rows[0][2]), "text,text,int,set<text>");
  EXPECT_EQ(*rows.rows[1][0], "person");
  EXPECT_EQ(TextList(*rows.rows[1][2]), "text,frozen<address>");
}

// CreateTypeStatement.apply (4.1) and CQL3Type.Raw.prepare; UserTypesTest.testInvalidUDTStatements.
TEST_F(UserTypes, CreateTypeRefusals) {
  Run("CREATE TYPE a (x int)");
  EXPECT_EQ(Error("CREATE TYPE a (y int)"), "0x2200 A user type with name 'a' already exists");
  EXPECT_EQ(Error("CREATE TYPE IF NOT EXISTS a (y int)"), "OK");
  EXPECT_EQ(Error("CREATE TYPE b (x int, x text)"),
            "0x2200 Duplicate field name 'x' in type 'b'");
  EXPECT_EQ(Error("CREATE TYPE b (x counter)"), "0x2200 A user type cannot contain counters");
  EXPECT_EQ(Error("CREATE TYPE b (x a)"), "0x2200 A user type cannot contain non-frozen UDTs");
  EXPECT_EQ(Error("CREATE TYPE b (x list<ks.a>)"),
            "0x2200 Non-frozen UDTs are not allowed inside collections: list<ks.a>");
  EXPECT_EQ(Error("CREATE TYPE b (x frozen<nope>)"), "0x2200 Unknown type ks.nope");
  EXPECT_EQ(Error("CREATE TYPE b (x frozen<int>)"),
            "0x2200 frozen<> is only allowed on collections, tuples, and user-defined types "
            "(got int)");
  EXPECT_EQ(Error("CREATE TYPE nope.b (x int)"), "0x2200 Keyspace 'nope' doesn't exist");
  EXPECT_EQ(Error("CREATE TYPE system.b (x int)"),
            "0x2100 system keyspace is not user-modifiable.");
  // Parser.g: a native type's name is not a user type name; some names are reserved.
  EXPECT_THAT(Error("CREATE TYPE int (x int)"), testing::StartsWith("0x2000 line 1:12"));
  EXPECT_THAT(Error("CREATE TYPE byte (x int)"),
              testing::HasSubstr("Invalid (reserved) user type name byte"));
}

// RawUT.prepare: "Unknown type ks.x" and CASSANDRA-6643's keyspace rule; non-frozen UDTs in
// collections and keys (UserTypesTest.testInvalidUDTStatements).
TEST_F(UserTypes, TableColumnRefusals) {
  Run("CREATE TYPE a (x int)");
  EXPECT_EQ(Error("CREATE TABLE t (k int PRIMARY KEY, v frozen<unknowntype>)"),
            "0x2200 Unknown type ks.unknowntype");
  EXPECT_EQ(Error("CREATE TABLE t (k int PRIMARY KEY, v frozen<other.a>)"),
            "0x2200 Statement on keyspace ks cannot refer to a user type in keyspace other; "
            "user types can only be used in the keyspace they are defined in");
  EXPECT_EQ(Error("CREATE TABLE t (k a PRIMARY KEY, v int)"),
            "0x2200 Invalid non-frozen user-defined type for PRIMARY KEY component k");
  EXPECT_EQ(Error("CREATE TABLE t (k int PRIMARY KEY, v map<int, a>)"),
            "0x2200 Non-frozen UDTs are not allowed inside collections: map<int, a>");
  Run("CREATE TYPE withset (x int, s set<int>)");
  EXPECT_EQ(Error("CREATE TABLE t (k int PRIMARY KEY, v withset)"),
            "0x2200 Non-frozen UDTs with nested non-frozen collections are not supported");
}

// AlterTypeStatement (4.1): ADD, RENAME and their refusals.
TEST_F(UserTypes, AlterTypeAddAndRename) {
  Run("CREATE TYPE a (x int, y int)");
  EXPECT_EQ(Error("ALTER TYPE a ADD x int"),
            "0x2200 Cannot add field x to type ks.a: a field with name x already exists");
  EXPECT_EQ(Error("ALTER TYPE a ADD z frozen<a>"),
            "0x2200 Cannot add new field z of type frozen<a> to user type ks.a as it would "
            "create a circular reference");
  Run("CREATE TYPE b (inner frozen<a>)");
  EXPECT_EQ(Error("ALTER TYPE a ADD loop frozen<b>"),
            "0x2200 Cannot add new field loop of type frozen<b> to user type ks.a as it would "
            "create a circular reference");
  EXPECT_EQ(Error("ALTER TYPE a RENAME nope TO n"), "0x2200 Unkown field nope in user type ks.a");
  EXPECT_EQ(Error("ALTER TYPE a RENAME x TO y"), "0x2200 Duplicate field name y in type ks");
  EXPECT_EQ(Error("ALTER TYPE nope ADD z int"), "0x2200 Type ks.nope doesn't exist");
  EXPECT_EQ(Error("ALTER TYPE a ALTER x TYPE bigint"),
            "0x2200 Altering field types is no longer supported");
  Run("ALTER TYPE a ADD z text");
  Run("ALTER TYPE a RENAME x TO xx AND y TO yy");
  auto rows = Rows("SELECT field_names FROM system_schema.types WHERE keyspace_name = 'ks' "
                   "AND type_name = 'a'");
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(TextList(*rows.rows[0][0]), "xx,yy,z");
}

// DropTypeStatement.apply (4.1): a type in use stays.
TEST_F(UserTypes, DropTypeRefusedWhileUsed) {
  Run("CREATE TYPE a (x int)");
  Run("CREATE TYPE b (inner frozen<a>)");
  Run("CREATE TABLE t (k int PRIMARY KEY, v frozen<b>)");
  EXPECT_EQ(Error("DROP TYPE a"),
            "0x2200 Cannot drop user type 'ks.a' as it is still used by user types b");
  EXPECT_EQ(Error("DROP TYPE b"),
            "0x2200 Cannot drop user type 'ks.b' as it is still used by tables t");
  EXPECT_EQ(Error("DROP TYPE nope"), "0x2200 Type 'ks.nope' doesn't exist");
  EXPECT_EQ(Error("DROP TYPE IF EXISTS nope"), "OK");
  Run("DROP TABLE t");
  Run("DROP TYPE b");
  Run("DROP TYPE a");
  EXPECT_TRUE(Rows("SELECT * FROM system_schema.types").rows.empty());
}

// DescribeStatement (4.1): types come after the keyspace, before the tables, each after the
// types it uses; UserType.toCqlString's layout.
TEST_F(UserTypes, DescribeTypesInDependencyOrder) {
  Run("CREATE TYPE zeta (x int)");
  Run("CREATE TYPE alpha (z frozen<zeta>, n text)");
  Run("CREATE TABLE t (k int PRIMARY KEY, v frozen<alpha>)");
  EXPECT_THAT(Column("DESCRIBE KEYSPACE ks", 2), ElementsAre("ks", "zeta", "alpha", "t"));
  EXPECT_THAT(Column("DESCRIBE TYPE alpha", 3),
              ElementsAre("CREATE TYPE ks.alpha (\n    z frozen<zeta>,\n    n text\n);"));
  EXPECT_THAT(Column("DESCRIBE TYPES", 2), ElementsAre("alpha", "zeta"));
  EXPECT_EQ(Error("DESCRIBE TYPE nope"), "0x2200 User defined type 'nope' not found in 'ks'");
  EXPECT_THAT(Column("DESCRIBE TABLE t", 3)[0], testing::HasSubstr("v frozen<alpha>"));
}

// Frozen UDT columns: literals (missing fields null), field selection and keys.
TEST_F(UserTypes, FrozenColumnsLiteralsAndFieldSelection) {
  Run("CREATE TYPE address (street text, city text)");
  Run("CREATE TABLE t (k int, c frozen<address>, v frozen<address>, PRIMARY KEY (k, c))");
  Run("INSERT INTO t (k, c, v) VALUES (1, {street: 'a'}, {city: 'Paris', street: 's'})");
  auto rows = Rows("SELECT v, v.city, c.city FROM t WHERE k = 1 AND c = {street: 'a'}");
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(*rows.rows[0][0], Fields({"s", "Paris"}));
  EXPECT_EQ(*rows.rows[0][1], "Paris");
  EXPECT_FALSE(rows.rows[0][2].has_value());
  // Selectable.WithFieldSelection: the column is named "v.city" and typed as the field.
  EXPECT_EQ(rows.metadata.columns[1].name, "v.city");
  EXPECT_EQ(rows.metadata.columns[1].type, types::Type(types::Kind::kVarchar));
  EXPECT_EQ(rows.metadata.columns[0].type.kind(), types::Kind::kUdt);
  EXPECT_EQ(rows.metadata.columns[0].type.udt_field_names(),
            (std::vector<std::string>{"street", "city"}));
  EXPECT_EQ(Error("INSERT INTO t (k, c, v) VALUES (1, {street: 'a'}, {town: 'x'})"),
            "0x2200 Unknown field 'town' in value of user defined type address");
  EXPECT_EQ(Error("SELECT v.town FROM t"), "0x2200 v of type frozen<address> has no field town");
  EXPECT_EQ(Error("SELECT k.x FROM t"),
            "0x2200 Invalid field selection: k of type int is not a user type");
}

// UserTypesTest.testAlterUDT: values written before ALTER TYPE ADD read the new field as null;
// RENAME keeps values (fields are positional).
TEST_F(UserTypes, AlterTypeKeepsOldValuesReadable) {
  Run("CREATE TYPE a (x int)");
  Run("CREATE TABLE t (k int PRIMARY KEY, v frozen<a>)");
  Run("INSERT INTO t (k, v) VALUES (1, {x: 1})");
  Run("ALTER TYPE a ADD y int");
  Run("INSERT INTO t (k, v) VALUES (2, {x: 2, y: 2})");
  EXPECT_THAT(Column("SELECT v.y FROM t WHERE k = 1", 0), ElementsAre("null"));
  EXPECT_THAT(Column("SELECT v.y FROM t WHERE k = 2", 0), ElementsAre(types::SerializeInt(2)));
  Run("ALTER TYPE a RENAME x TO renamed");
  EXPECT_THAT(Column("SELECT v.renamed FROM t WHERE k = 1", 0),
              ElementsAre(types::SerializeInt(1)));
  // The result metadata follows the type.
  auto rows = Rows("SELECT v FROM t WHERE k = 2");
  EXPECT_EQ(rows.metadata.columns[0].type.udt_field_names(),
            (std::vector<std::string>{"renamed", "y"}));
}

// DROP KEYSPACE drops its types; a new keyspace of the same name starts without them.
TEST_F(UserTypes, DropKeyspaceDropsItsTypes) {
  Run("CREATE TYPE a (x int)");
  Run("DROP KEYSPACE ks");
  Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
      "'replication_factor': 1}");
  EXPECT_TRUE(Rows("SELECT * FROM system_schema.types").rows.empty());
  Run("CREATE TYPE ks.a (y text)");
}

// Non-frozen UDT columns (Cassandra 3.6+): one cell per field. UserTypesTest.
// testUpdateNonFrozenUDT / testDeleteNonFrozenUDT / testAlterNonFrozenUDT.
TEST_F(UserTypes, NonFrozenColumnsUpdateOneField) {
  Run("CREATE TYPE ab (a int, b text)");
  Run("CREATE TABLE t (k int PRIMARY KEY, v ab)");
  const std::string a0 = types::SerializeInt(0);
  const std::string a1 = types::SerializeInt(1);
  Run("INSERT INTO t (k, v) VALUES (0, {a: 0, b: 'abc'})");
  EXPECT_THAT(Column("SELECT v FROM t WHERE k = 0", 0), ElementsAre(Fields({a0, "abc"})));
  Run("UPDATE t SET v.a = 1 WHERE k = 0");
  EXPECT_THAT(Column("SELECT v FROM t WHERE k = 0", 0), ElementsAre(Fields({a1, "abc"})));
  Run("UPDATE t SET v.b = null WHERE k = 0");
  EXPECT_THAT(Column("SELECT v FROM t WHERE k = 0", 0),
              ElementsAre(Fields({a1, std::nullopt})));
  Run("DELETE v.a FROM t WHERE k = 0");
  // No field left: the whole value is null.
  EXPECT_THAT(Column("SELECT v FROM t WHERE k = 0", 0), ElementsAre("null"));
  // SET v = {...} replaces every field (the old ones are deleted).
  Run("UPDATE t SET v.b = 'old' WHERE k = 0");
  Run("UPDATE t SET v = {a: 1} WHERE k = 0");
  EXPECT_THAT(Column("SELECT v FROM t WHERE k = 0", 0),
              ElementsAre(Fields({a1, std::nullopt})));
  Run("DELETE v FROM t WHERE k = 0");
  EXPECT_THAT(Column("SELECT v FROM t WHERE k = 0", 0), ElementsAre("null"));
  // Renamed fields keep their cells; an added field reads as null.
  Run("INSERT INTO t (k, v) VALUES (1, {a: 1, b: 'x'})");
  Run("ALTER TYPE ab RENAME b TO foo");
  Run("ALTER TYPE ab ADD c int");
  EXPECT_THAT(Column("SELECT v.foo, v.c FROM t WHERE k = 1", 0), ElementsAre("x"));
  EXPECT_THAT(Column("SELECT v FROM t WHERE k = 1", 0),
              ElementsAre(Fields({a1, "x", std::nullopt})));
}

// Operation.FieldSetter / FieldDeletion refusals (UserTypesTest.testInvalidUDTStatements).
TEST_F(UserTypes, FieldOperationRefusals) {
  Run("CREATE TYPE a (a int)");
  Run("CREATE TABLE f (a int PRIMARY KEY, b frozen<a>, c int)");
  EXPECT_EQ(Error("DELETE b.a FROM f WHERE a = 0"),
            "0x2200 Frozen UDT column b does not support field deletion");
  EXPECT_EQ(Error("DELETE c.a FROM f WHERE a = 0"),
            "0x2200 Invalid field deletion operation for non-UDT column c");
  EXPECT_EQ(Error("UPDATE f SET b.a = 0 WHERE a = 0"),
            "0x2200 Invalid operation (b.a = 0) for frozen UDT column b");
  EXPECT_EQ(Error("UPDATE f SET c.a = 0 WHERE a = 0"),
            "0x2200 Invalid operation (c.a = 0) for non-UDT column c");
  Run("CREATE TABLE n (a int PRIMARY KEY, b a, c int)");
  EXPECT_EQ(Error("DELETE b.foo FROM n WHERE a = 0"),
            "0x2200 UDT column b does not have a field named foo");
  EXPECT_EQ(Error("UPDATE n SET b.foo = 0 WHERE a = 0"),
            "0x2200 UDT column b does not have a field named foo");
  EXPECT_EQ(Error("INSERT INTO n (a, b, c) VALUES (0, {a: 0, foo: 0}, 0)"),
            "0x2200 Unknown field 'foo' in value of user defined type a");
}

// A field position is a two-byte cell path (UserType.cellPathForField's short): no type has more
// fields than that can address (issue 9's bounded work).
TEST_F(UserTypes, FieldCountIsBounded) {
  std::string fields;
  for (int i = 0; i < 32768; ++i) fields += fmt::format("{}f{} int", i ? ", " : "", i);
  EXPECT_EQ(Error("CREATE TYPE big (" + fields + ")"),
            "0x2200 A user type cannot have more than 32767 fields (ks.big would have 32768)");
}

// UDTs anywhere a type goes: static, inside tuples and collections (frozen implicitly in a tuple,
// as RawTuple freezes its elements), ALTER TABLE ADD and DROP of UDT columns.
TEST_F(UserTypes, ColumnsOfEveryShape) {
  Run("CREATE TYPE p (x int)");
  Run("CREATE TABLE s (k int, c int, st frozen<p> static, tu tuple<int, p>, "
      "l list<frozen<p>>, m frozen<map<p, text>>, PRIMARY KEY (k, c))");
  EXPECT_THAT(Column("SELECT type FROM system_schema.columns WHERE keyspace_name = 'ks' AND "
                     "table_name = 's' AND column_name = 'm'",
                     0),
              ElementsAre("frozen<map<frozen<p>, text>>"));
  Run("INSERT INTO s (k, c, st, tu, l, m) VALUES (1, 1, {x: 1}, (2, {x: 2}), [{x: 3}], "
      "{{x: 4}: 'four'})");
  EXPECT_THAT(Column("SELECT st.x FROM s WHERE k = 1", 0), ElementsAre(types::SerializeInt(1)));
  // Every column that nests the type follows ALTER TYPE (the tuple's and map's too).
  Run("ALTER TYPE p ADD y int");
  EXPECT_THAT(Column("SELECT st.y FROM s WHERE k = 1", 0), ElementsAre("null"));
  auto tuple_type = Rows("SELECT tu, m FROM s WHERE k = 1").metadata.columns;
  ASSERT_EQ(tuple_type.size(), 2u);
  EXPECT_EQ(tuple_type[0].type.params()[1].udt_field_names(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(tuple_type[1].type.params()[0].udt_field_names(), (std::vector<std::string>{"x", "y"}));
  Run("ALTER TABLE s ADD extra p");
  Run("UPDATE s SET extra.x = 5 WHERE k = 1 AND c = 1");
  EXPECT_THAT(Column("SELECT extra.x FROM s WHERE k = 1", 0), ElementsAre(types::SerializeInt(5)));
  EXPECT_EQ(Error("DROP TYPE p"), "0x2200 Cannot drop user type 'ks.p' as it is still used by tables s");
  Run("ALTER TABLE s DROP extra");
  Run("DROP TABLE s");
  Run("DROP TYPE p");
}

}  // namespace
}  // namespace sibyl::query
