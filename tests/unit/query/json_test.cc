// JSON values (issue 13): the text of every type as Cassandra 4.1's toJSONString writes it, the
// decoding of every type as its fromJSONObject reads it (with its MarshalException texts), the
// parser's limits, and SELECT JSON / INSERT JSON / toJson() / fromJson() through the processor.
// Expected strings are those of Cassandra 4.1's cql3/validation/entities/JsonTest.java unless a
// comment says otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cql/types/validate.h"
#include "cql/types/value.h"
#include "query/json_values.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

using cql::types::Kind;
using cql::types::LiteralKind;
using cql::types::Type;
using testing::HasSubstr;

std::string Lit(const Type& type, LiteralKind kind, const std::string& text) {
  auto v = cql::types::ParseLiteral(type, kind, text, "x");
  EXPECT_TRUE(v.ok()) << text << ": " << v.status().ToString();
  return v.ok() ? *v : std::string();
}

std::string Json(const Type& type, LiteralKind kind, const std::string& text) {
  return ToJsonString(type, Lit(type, kind, text));
}

// The value decoded from `json` for `type`, rendered as a CQL literal, or the error message.
std::string Decode(const Type& type, const std::string& json) {
  auto parsed = ParseJson(json);
  if (!parsed.ok()) return "parse: " + parsed.status().message();
  auto bytes = FromJsonValue(type, *parsed);
  if (!bytes.ok()) return bytes.status().message();
  EXPECT_TRUE(cql::types::ValidateValue(type, *bytes).ok()) << json;
  return bytes->empty() ? "<empty>" : ToJsonString(type, *bytes);
}

TEST(JsonValues, NativeTypesAreWrittenAsCassandra) {
  EXPECT_EQ(Json(Type(Kind::kAscii), LiteralKind::kString, "ascii text"), "\"ascii text\"");
  EXPECT_EQ(Json(Type(Kind::kBigint), LiteralKind::kInteger, "-123123123123"), "-123123123123");
  EXPECT_EQ(Json(Type(Kind::kBlob), LiteralKind::kHex, "0x00000001"), "\"0x00000001\"");
  EXPECT_EQ(ToJsonString(Type(Kind::kBlob), ""), "\"0x\"");
  EXPECT_EQ(Json(Type(Kind::kBoolean), LiteralKind::kBoolean, "false"), "false");
  EXPECT_EQ(Json(Type(Kind::kDate), LiteralKind::kString, "1987-03-23"), "\"1987-03-23\"");
  EXPECT_EQ(Json(Type(Kind::kDecimal), LiteralKind::kFloat, "123123.123123"), "123123.123123");
  EXPECT_EQ(Json(Type(Kind::kDecimal), LiteralKind::kFloat, "-1.23E-12"), "-1.23E-12");
  EXPECT_EQ(Json(Type(Kind::kDouble), LiteralKind::kInteger, "123123"), "123123.0");
  EXPECT_EQ(Json(Type(Kind::kFloat), LiteralKind::kFloat, "123.123"), "123.123");
  // testJsonWithNaNAndInfinity: JSON has neither, they are null.
  EXPECT_EQ(Json(Type(Kind::kDouble), LiteralKind::kFloat, "NaN"), "null");
  EXPECT_EQ(Json(Type(Kind::kFloat), LiteralKind::kFloat, "-Infinity"), "null");
  EXPECT_EQ(Json(Type(Kind::kInet), LiteralKind::kString, "127.0.0.1"), "\"127.0.0.1\"");
  EXPECT_EQ(Json(Type(Kind::kInet), LiteralKind::kString, "::1"), "\"0:0:0:0:0:0:0:1\"");
  EXPECT_EQ(Json(Type(Kind::kInt), LiteralKind::kInteger, "-123123"), "-123123");
  EXPECT_EQ(Json(Type(Kind::kSmallint), LiteralKind::kInteger, "-32768"), "-32768");
  EXPECT_EQ(Json(Type(Kind::kTinyint), LiteralKind::kInteger, "127"), "127");
  EXPECT_EQ(Json(Type(Kind::kVarchar), LiteralKind::kString, std::string("a\"\\\n\x01", 5)),
            "\"a\\\"\\\\\\n\\u0001\"");
  EXPECT_EQ(Json(Type(Kind::kVarchar), LiteralKind::kString, "\xe8\x90\xa2"), "\"\xe8\x90\xa2\"");
  EXPECT_EQ(Json(Type(Kind::kTime), LiteralKind::kInteger, "123"), "\"00:00:00.000000123\"");
  EXPECT_EQ(Json(Type(Kind::kTimestamp), LiteralKind::kString, "2014-01-01"),
            "\"2014-01-01 00:00:00.000Z\"");
  EXPECT_EQ(Json(Type(Kind::kUuid), LiteralKind::kUuid, "6bddc89a-5644-11e4-97fc-56847afe9799"),
            "\"6bddc89a-5644-11e4-97fc-56847afe9799\"");
  EXPECT_EQ(Json(Type(Kind::kVarint), LiteralKind::kInteger, "123123123123123123123"),
            "123123123123123123123");
  EXPECT_EQ(Json(Type(Kind::kDuration), LiteralKind::kDuration, "12us"), "\"12us\"");
  EXPECT_EQ(Json(Type(Kind::kDuration), LiteralKind::kDuration, "P1Y1M2DT10H5M"),
            "\"1y1mo2d10h5m\"");
  // An empty value of a type whose serializer reads it as null: Objects.toString(null, "\"\"").
  EXPECT_EQ(ToJsonString(Type(Kind::kInt), ""), "\"\"");
}

TEST(JsonValues, CollectionsTuplesAndUdtsAreWrittenAsCassandra) {
  const Type list = Type::List(Type(Kind::kInt), true);
  auto bytes = FromJsonValue(list, *ParseJson("[1, 2, 3]"));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(ToJsonString(list, *bytes), "[1, 2, 3]");
  // Map keys that are not JSON strings are quoted (MapType.toJSONString).
  const Type int_map = Type::Map(Type(Kind::kInt), Type(Kind::kBoolean), true);
  EXPECT_EQ(Decode(int_map, R"({"1": false, "0": true})"), R"({"0": true, "1": false})");
  const Type tuple_map =
      Type::Map(Type::Tuple({Type(Kind::kInt), Type(Kind::kVarchar)}), Type(Kind::kBoolean), true);
  EXPECT_EQ(Decode(tuple_map, R"({"[0, \"a\"]": true, "[1, \"b\"]": false})"),
            R"({"[0, \"a\"]": true, "[1, \"b\"]": false})");
  const Type set_map =
      Type::Map(Type::Set(Type(Kind::kVarchar), true), Type(Kind::kBoolean), true);
  EXPECT_EQ(Decode(set_map, R"({"[\"3\", \"4\"]": false, "[\"0\", \"1\"]": true})"),
            R"({"[\"0\", \"1\"]": true, "[\"3\", \"4\"]": false})");
  const Type tuple = Type::Tuple({Type(Kind::kInt), Type(Kind::kAscii), Type(Kind::kUuid)});
  EXPECT_EQ(Decode(tuple, R"([1, null, "6bddc89a-5644-11e4-97fc-56847afe9799"])"),
            R"([1, null, "6bddc89a-5644-11e4-97fc-56847afe9799"])");
  const Type udt = Type::Udt("ks", "t", {"a", "Foo", "c"},
                             {Type(Kind::kInt), Type(Kind::kInt), Type::Set(Type(Kind::kVarchar), true)},
                             true);
  EXPECT_EQ(Decode(udt, R"({"A": 1, "\"Foo\"": 2, "c": ["foo", "bar"]})"),
            R"({"a": 1, "\"Foo\"": 2, "c": ["bar", "foo"]})");
  EXPECT_EQ(Decode(udt, R"({"a": 1})"), R"({"a": 1, "\"Foo\"": null, "c": null})");
  // Sets come back sorted and without duplicates; an empty frozen list stays empty.
  const Type set = Type::Set(Type(Kind::kInt), true);
  EXPECT_EQ(Decode(set, "[3, 1, 2, 1]"), "[1, 2, 3]");
  EXPECT_EQ(Decode(list, "[]"), "[]");
}

TEST(JsonValues, NativeTypesAreReadAsCassandra) {
  EXPECT_EQ(Decode(Type(Kind::kBigint), "123123123123"), "123123123123");
  EXPECT_EQ(Decode(Type(Kind::kBigint), "\"123123123123\""), "123123123123");
  EXPECT_EQ(Decode(Type(Kind::kBigint), "9223372036854775808"),
            "Expected a bigint value, but got a BigInteger: 9223372036854775808");
  EXPECT_EQ(Decode(Type(Kind::kBigint), "123.456"),
            "Expected a bigint value, but got a Double: 123.456");
  EXPECT_EQ(Decode(Type(Kind::kBigint), "\"abc\""), "Unable to make long from 'abc'");
  EXPECT_EQ(Decode(Type(Kind::kBigint), "[\"abc\"]"),
            "Expected a bigint value, but got a ArrayList: [abc]");
  EXPECT_EQ(Decode(Type(Kind::kInt), "2147483648"),
            "Expected an int value, but got a Long: 2147483648");
  EXPECT_EQ(Decode(Type(Kind::kInt), "true"), "Expected an int value, but got a Boolean: true");
  EXPECT_EQ(Decode(Type(Kind::kInt), "\"\""), "<empty>");
  EXPECT_EQ(Decode(Type(Kind::kSmallint), "32768"), "Unable to make short from '32768'");
  EXPECT_EQ(Decode(Type(Kind::kSmallint), "123.456"), "Unable to make short from '123.456'");
  EXPECT_EQ(Decode(Type(Kind::kTinyint), "true"), "Expected a byte value, but got a Boolean: true");
  EXPECT_EQ(Decode(Type(Kind::kBlob), "\"0x00000001\""), "\"0x00000001\"");
  EXPECT_EQ(Decode(Type(Kind::kBlob), "\"xyzz\""),
            "Value 'xyzz' is not a valid blob representation: String representation of blob is "
            "missing 0x prefix: xyzz");
  EXPECT_EQ(Decode(Type(Kind::kBlob), "\"0x123\""),
            "Value '0x123' is not a valid blob representation: cannot parse '123' as hex bytes");
  EXPECT_THAT(Decode(Type(Kind::kBlob), "123"),
              HasSubstr("Value '123' is not a valid blob representation"));
  EXPECT_EQ(Decode(Type(Kind::kBoolean), "\"false\""), "false");
  EXPECT_EQ(Decode(Type(Kind::kBoolean), "\"abc\""), "Unable to make boolean from 'abc'");
  EXPECT_EQ(Decode(Type(Kind::kBoolean), "123"), "Expected a boolean value, but got a Integer: 123");
  EXPECT_EQ(Decode(Type(Kind::kDate), "\"1987-03-23\""), "\"1987-03-23\"");
  EXPECT_EQ(Decode(Type(Kind::kDate), "123"),
            "Expected a string representation of a date value, but got a Integer: 123");
  EXPECT_THAT(Decode(Type(Kind::kDate), "\"xyz\""), HasSubstr("Unable to coerce 'xyz' to a formatted date"));
  // Decimals: a JSON float is a Double first (Jackson), so its digits are Double.toString's;
  // integers and strings keep every digit.
  EXPECT_EQ(Decode(Type(Kind::kDecimal), "123123.123123"), "123123.123123");
  EXPECT_EQ(Decode(Type(Kind::kDecimal), "0.1"), "0.1");
  EXPECT_EQ(Decode(Type(Kind::kDecimal), "1e3"), "1000.0");
  // Jackson reads 1e400 as Infinity, which BigDecimal refuses (NumbersPastADoublesRange...).
  EXPECT_EQ(Decode(Type(Kind::kDecimal), "1e400"),
            "Value 'Infinity' is not a valid representation of a decimal value");
  EXPECT_EQ(Decode(Type(Kind::kDecimal), "\"-1.23E-12\""), "-1.23E-12");
  EXPECT_EQ(Decode(Type(Kind::kDecimal), "123456789012345678901234567890"),
            "123456789012345678901234567890");
  EXPECT_EQ(Decode(Type(Kind::kDecimal), "true"),
            "Value 'true' is not a valid representation of a decimal value");
  EXPECT_EQ(Decode(Type(Kind::kDouble), "123123"), "123123.0");
  EXPECT_EQ(Decode(Type(Kind::kDouble), "\"xyzz\""), "Unable to make double from 'xyzz'");
  EXPECT_EQ(Decode(Type(Kind::kDouble), "true"), "Expected a double value, but got a Boolean: true");
  EXPECT_EQ(Decode(Type(Kind::kFloat), "\"123123.0\""), "123123.0");
  EXPECT_EQ(Decode(Type(Kind::kInet), "\"::1\""), "\"0:0:0:0:0:0:0:1\"");
  EXPECT_EQ(Decode(Type(Kind::kInet), "\"xyzz\""), "Unable to make inet address from 'xyzz'");
  EXPECT_EQ(Decode(Type(Kind::kInet), "123"),
            "Expected a string representation of an inet value, but got a Integer: 123");
  EXPECT_EQ(Decode(Type(Kind::kVarchar), "\"\\u2013\""), "\"\xe2\x80\x93\"");
  EXPECT_EQ(Decode(Type(Kind::kVarchar), "123"), "Expected a UTF-8 string, but got a Integer: 123");
  EXPECT_EQ(Decode(Type(Kind::kAscii), "\"\\u1fff\""),
            "Invalid ASCII character in string literal: "
            "java.nio.charset.UnmappableCharacterException: Input length = 1");
  EXPECT_EQ(Decode(Type(Kind::kTime), "\"07:35:07.000111222\""), "\"07:35:07.000111222\"");
  EXPECT_EQ(Decode(Type(Kind::kTime), "123456"),
            "Expected a string representation of a time value, but got a Integer: 123456");
  EXPECT_EQ(Decode(Type(Kind::kTime), "\"xyz\""),
            "(TimeType) Unable to coerce 'xyz' to a formatted time (long)");
  EXPECT_EQ(Decode(Type(Kind::kTimestamp), "123123123123"), "\"1973-11-26 00:52:03.123Z\"");
  EXPECT_EQ(Decode(Type(Kind::kTimestamp), "123.456"),
            "Expected a long or a datestring representation of a timestamp value, but got a "
            "Double: 123.456");
  EXPECT_EQ(Decode(Type(Kind::kTimeuuid), "\"00000000-0000-0000-0000-000000000000\""),
            "TimeUUID supports only version 1 UUIDs");
  EXPECT_EQ(Decode(Type(Kind::kUuid), "\"6BDDC89A-5644-11E4-97FC-56847AFE9799\""),
            "\"6bddc89a-5644-11e4-97fc-56847afe9799\"");
  EXPECT_EQ(Decode(Type(Kind::kUuid), "\"00000000-0000-0000-zzzz-000000000000\""),
            "Unable to make UUID from '00000000-0000-0000-zzzz-000000000000'");
  // Varints: integers keep every digit past 2^63.
  EXPECT_EQ(Decode(Type(Kind::kVarint), "9223372036854775808"), "9223372036854775808");
  EXPECT_EQ(Decode(Type(Kind::kVarint), "123123.123"),
            "Value '123123.123' is not a valid representation of a varint value");
  EXPECT_EQ(Decode(Type(Kind::kVarint), "\"\""),
            "Value '' is not a valid representation of a varint value");
  EXPECT_EQ(Decode(Type(Kind::kDuration), "\"P2W\""), "\"14d\"");
  EXPECT_EQ(Decode(Type(Kind::kDuration), "\"xyz\""), "Unable to convert 'xyz' to a duration");
}

TEST(JsonValues, CollectionErrorsAreCassandras) {
  const Type list = Type::List(Type(Kind::kInt), false);
  EXPECT_EQ(Decode(list, "123"), "Expected a list, but got a Integer: 123");
  EXPECT_EQ(Decode(list, "[\"abc\"]"), "Unable to make int from 'abc'");
  EXPECT_EQ(Decode(list, "[null]"), "Invalid null element in list");
  EXPECT_EQ(Decode(Type::Set(Type(Kind::kInt), false), "123"),
            "Expected a list (representing a set), but got a Integer: 123");
  const Type map = Type::Map(Type(Kind::kAscii), Type(Kind::kInt), false);
  EXPECT_EQ(Decode(map, "123"), "Expected a map, but got a Integer: 123");
  EXPECT_EQ(Decode(map, R"({"a": null})"), "Invalid null value in map");
  const Type tuple = Type::Tuple({Type(Kind::kInt), Type(Kind::kAscii)});
  EXPECT_EQ(Decode(tuple, "[1, \"a\", 3]"), "Tuple contains extra items (expected 2, got 3)");
  EXPECT_EQ(Decode(tuple, "[1]"), "Tuple is missing items (expected 2, got 1)");
  const Type udt = Type::Udt("ks", "t", {"a"}, {Type(Kind::kInt)}, true);
  EXPECT_EQ(Decode(udt, R"({"xxx": 1})"), "Unknown field 'xxx' in value of user defined type t");
}

TEST(JsonValues, ParsingIsBounded) {
  std::string deep(kMaxJsonDepth + 1, '[');
  EXPECT_THAT(ParseJson(deep).status().message(), HasSubstr("nested deeper"));
  std::string wide = "[";
  for (size_t i = 0; i <= kMaxJsonValues; ++i) wide += i ? ",0" : "0";
  wide += "]";
  EXPECT_THAT(ParseJson(wide).status().message(), HasSubstr("values in one JSON text"));
  EXPECT_FALSE(ParseJson("{\"a\": }").ok());
  EXPECT_FALSE(ParseJson("").ok());
  // A repeated key keeps its first place and its last value (LinkedHashMap).
  auto object = ParseJson(R"({"a": 1, "b": 2, "a": 3})");
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(WriteJson(*object), R"({"a":3,"b":2})");
}

// Jackson reads numbers past a double's range where nlohmann refuses them (issue 13 item 5):
// Double.parseDouble("1e400") is Infinity, so a double or float column gets Infinity (written
// back as null by toJSONString) and a decimal column refuses "Infinity" (DecimalType
// .fromJSONObject: new BigDecimal(parsed.toString())); a 400-digit integer is a BigInteger.
TEST(JsonValues, NumbersPastADoublesRangeAreReadAsJacksonDoes) {
  const Type dbl(Kind::kDouble);
  auto inf = ParseJson("1e400");
  ASSERT_TRUE(inf.ok()) << inf.status().ToString();
  EXPECT_EQ(inf->kind, JsonValue::Kind::kFloat);
  auto bytes = FromJsonValue(dbl, *inf);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, Lit(dbl, LiteralKind::kFloat, "Infinity"));
  auto neg = FromJsonValue(Type(Kind::kFloat), *ParseJson("-1E+400"));
  ASSERT_TRUE(neg.ok());
  EXPECT_EQ(*neg, Lit(Type(Kind::kFloat), LiteralKind::kFloat, "-Infinity"));
  EXPECT_EQ(Decode(Type(Kind::kDecimal), "1e400"),
            "Value 'Infinity' is not a valid representation of a decimal value");
  const std::string digits = "1" + std::string(400, '0');
  EXPECT_EQ(Decode(Type(Kind::kVarint), digits), digits);
  // Several in one text, each in its place, the others untouched.
  auto object = ParseJson(R"({"a": 1e400, "b": [2.5, -1e999, 3], "c": 1e308})");
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_EQ(WriteJson(*object), R"({"a":1e400,"b":[2.5,-1e999,3],"c":1e308})");
  // Bounded: past kMaxJsonOutOfRangeNumbers of them the text is refused.
  std::string many = "[";
  for (size_t i = 0; i <= kMaxJsonOutOfRangeNumbers; ++i) many += i ? ",1e400" : "1e400";
  many += "]";
  EXPECT_THAT(ParseJson(many).status().message(), HasSubstr("number overflow"));
}

// ---- through the processor -----------------------------------------------------------------------

class JsonQueries : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 1}");
    session_.keyspace = "ks";
    Run("CREATE TYPE addr (street text, \"Zip\" int)");
    Run("CREATE TABLE t (k int, c int, \"Foo\" int, l list<int>, m map<int, text>, "
        "a frozen<addr>, u addr, tp tuple<int, text>, PRIMARY KEY (k, c))");
  }

  // The column names, then each row's first value as text.
  std::string Answer(const std::string& cql, std::vector<protocol::BoundValue> values = {}) {
    auto result = Query(cql, std::move(values));
    if (!result.ok()) return result.status().ToString();
    const auto& rows = std::get<protocol::RowsResult>(*result);
    std::string out;
    for (const auto& c : rows.metadata.columns) out += c.name + ":" + c.type.ToCql() + " ";
    for (const auto& row : rows.rows) out += "|" + (row[0] ? *row[0] : std::string("null"));
    return out;
  }
};

TEST_F(JsonQueries, SelectJsonNamesAndFormatsColumns) {
  Run("INSERT INTO t (k, c, \"Foo\", l, m, a, u, tp) VALUES (1, 2, 3, [1, 2], {1: 'x'}, "
      "{street: 's', \"Zip\": 5}, {street: 'n'}, (1, 'a'))");
  EXPECT_EQ(Answer("SELECT JSON * FROM t"),
            "[json]:text |{\"k\": 1, \"c\": 2, \"\\\"Foo\\\"\": 3, \"a\": {\"street\": \"s\", "
            "\"\\\"Zip\\\"\": 5}, \"l\": [1, 2], \"m\": {\"1\": \"x\"}, \"tp\": [1, \"a\"], "
            "\"u\": {\"street\": \"n\", \"\\\"Zip\\\"\": null}}");
  EXPECT_EQ(Answer("SELECT JSON k, \"Foo\" AS foo, \"Foo\" AS \"Bar\", ttl(\"Foo\"), "
                   "toJson(l) FROM t"),
            "[json]:text |{\"k\": 1, \"foo\": 3, \"\\\"Bar\\\"\": 3, \"\\\"ttl(Foo)\\\"\": null, "
            "\"system.tojson(l)\": \"[1, 2]\"}");
  EXPECT_EQ(Answer("SELECT toJson(m), toJson(tp), toJson(a) FROM t"),
            "system.tojson(m):text system.tojson(tp):text system.tojson(a):text |{\"1\": \"x\"}");
  EXPECT_EQ(Answer("SELECT JSON DISTINCT k FROM t"), "[json]:text |{\"k\": 1}");
  EXPECT_EQ(Query("SELECT toJson(k, c) FROM t").status().message(),
            "toJson() only accepts one argument (got 2)");
}

TEST_F(JsonQueries, InsertJsonRoundTripsAndDefaults) {
  Run("INSERT INTO t (k, c, \"Foo\", l, m, a, u, tp) VALUES (1, 2, 3, [1, 2], {1: 'x'}, "
      "{street: 's', \"Zip\": 5}, {street: 'n'}, (1, 'a'))");
  auto row = Answer("SELECT JSON * FROM t");
  const std::string json = row.substr(row.find('|') + 1);
  Run("DELETE FROM t WHERE k = 1");
  auto insert = Query("INSERT INTO t JSON ?", {protocol::BoundValue::Of(json)});
  ASSERT_TRUE(insert.ok()) << insert.status().ToString();
  EXPECT_EQ(Answer("SELECT JSON * FROM t"), row);
  // DEFAULT UNSET keeps the other columns; DEFAULT NULL (the default) clears them.
  Run("INSERT INTO t JSON '{\"k\": 1, \"c\": 2, \"l\": [7]}' DEFAULT UNSET");
  EXPECT_EQ(Answer("SELECT JSON k, \"Foo\", l FROM t"),
            "[json]:text |{\"k\": 1, \"\\\"Foo\\\"\": 3, \"l\": [7]}");
  Run("INSERT INTO t JSON '{\"K\": 1, \"\\\"c\\\"\": 2, \"\\\"Foo\\\"\": 4}' USING TTL 1000");
  EXPECT_EQ(Answer("SELECT JSON k, \"Foo\", l FROM t"),
            "[json]:text |{\"k\": 1, \"\\\"Foo\\\"\": 4, \"l\": null}");
  // fromJson() in WHERE terms and UPDATE values.
  Run("UPDATE t SET \"Foo\" = fromJson('\"5\"') WHERE k = fromJson('1') AND c = fromJson('2')");
  EXPECT_EQ(Answer("SELECT JSON \"Foo\" FROM t WHERE k = fromJson('\"1\"') AND c = fromJson('2')"),
            "[json]:text |{\"\\\"Foo\\\"\": 5}");
}

TEST_F(JsonQueries, InsertJsonErrorsAreCassandras) {
  EXPECT_EQ(Query("INSERT INTO t JSON '{\"k\": 1, \"c\": 2, \"zzz\": 0}'").status().message(),
            "JSON values map contains unrecognized column: zzz");
  EXPECT_EQ(Query("INSERT INTO t JSON '{\"k\": 1, \"c\": \"x\"}'").status().message(),
            "Error decoding JSON value for c: Unable to make int from 'x'");
  EXPECT_THAT(Query("INSERT INTO t JSON '\"notamap\"'").status().message(),
              HasSubstr("Could not decode JSON string as a map: "));
  EXPECT_THAT(Query("INSERT INTO t JSON '12.34'").status().message(),
              HasSubstr("Could not decode JSON string as a map: "));
  EXPECT_EQ(Query("INSERT INTO t JSON 'null'").status().message(), "Got null for INSERT JSON values");
  EXPECT_EQ(Query("INSERT INTO t JSON ?", {protocol::BoundValue::Null()}).status().message(),
            "Got null for INSERT JSON values");
  EXPECT_EQ(Query("INSERT INTO t JSON '{\"k\": 1}' DEFAULT UNSET").status().message(),
            "Invalid unset value for column c");
  auto failure = Query("INSERT INTO t (k, c, \"Foo\") VALUES (1, 2, fromJson('\"x\"'))");
  EXPECT_EQ(failure.status().code(), ErrorCode::kFunctionFailure);
  EXPECT_EQ(failure.status().message(),
            "execution of 'system.fromjson[text]' failed: "
            "org.apache.cassandra.serializers.MarshalException: Unable to make int from 'x'");
  EXPECT_EQ(Query("SELECT fromJson(k) FROM t").status().message(),
            "fromJson() cannot be used in the selection clause of a SELECT statement");
}

TEST_F(JsonQueries, PreparedInsertJsonNamesItsMarker) {
  auto prepared = processor_->Prepare(session_, "INSERT INTO t JSON ? USING TTL ?");
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  const auto& specs = std::get<protocol::PreparedResult>(*prepared).bind_metadata.columns;
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].name, "[json]");
  EXPECT_EQ(specs[0].type.kind(), Kind::kVarchar);
  EXPECT_EQ(specs[1].name, "[ttl]");
  auto select = processor_->Prepare(session_, "SELECT JSON * FROM t");
  ASSERT_TRUE(select.ok());
  const auto& columns = std::get<protocol::PreparedResult>(*select).result_metadata.columns;
  ASSERT_EQ(columns.size(), 1u);
  EXPECT_EQ(columns[0].name, "[json]");
}

}  // namespace
}  // namespace sibyl::query
