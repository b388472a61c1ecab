#pragma once
// CQL values as JSON, as Cassandra 4.1 writes and reads them (issue 13): the text of SELECT JSON
// rows and toJson() (AbstractType.toJSONString of each type, Selection.rowToJson), and the
// values of INSERT JSON and fromJson() (AbstractType.fromJSONObject of each type, Json.parseJson).
//
// JSON text is parsed with nlohmann-json's SAX interface into a small tree that keeps every
// number as written (Jackson's Integer / Long / BigInteger / Double distinction and exact
// varint/decimal digits), under explicit limits: kMaxJsonBytes of text, kMaxJsonDepth levels of
// nesting and kMaxJsonValues values in all (issue 9). Recursion over a tree or a type is bounded
// by those depths.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "cql/protocol/messages.h"
#include "cql/types/type.h"
#include "cql/types/value.h"

#include "query/namespaces.h"

namespace sibyl::query {

// The longest JSON text decoded (INSERT JSON, fromJson()): twice the default mutation limit,
// since a blob's hex text is twice its bytes.
inline constexpr size_t kMaxJsonBytes = 32u << 20;
// How deep arrays and objects may nest: the depth a CQL type can have (types::kMaxNestingDepth).
inline constexpr int kMaxJsonDepth = 128;
// How many values (scalars, arrays, objects) one JSON text may hold: bounds the tree's memory
// (about 100 bytes a value) whatever the text's shape.
inline constexpr size_t kMaxJsonValues = 1u << 20;
// Numbers past a double's range (1e400) read in one JSON text: each costs one more parse.
inline constexpr size_t kMaxJsonOutOfRangeNumbers = 16;

struct JsonMember;

// A parsed JSON value. Numbers keep their text: integers in plain decimal digits (from the
// parser's exact 64-bit value, or as written past 64 bits), floats exactly as written.
struct JsonValue {
  enum class Kind : uint8_t { kNull, kBoolean, kInteger, kFloat, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;                                        // kInteger, kFloat, kString
  std::vector<JsonValue> elements;                         // kArray
  // kObject: document order, unique keys (a repeated key keeps its first place and its last
  // value, as Jackson's LinkedHashMap).
  std::vector<JsonMember> members;
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

// Parses one JSON value (Jackson's ObjectMapper.readValue: text after the first value is
// ignored). kInvalid with the parser's message when the text is not JSON or a limit is passed.
Result<JsonValue> ParseJson(std::string_view text);

// Writes a value back as compact JSON text (numbers as they were written).
std::string WriteJson(const JsonValue& value);

// Jackson's JsonStringEncoder.quoteAsString (JsonUtils.quoteAsJsonString): the contents of a JSON
// string, without the quotes: \" \\ \b \t \f \n \r, other control characters as \u00XX.
std::string JsonQuote(std::string_view text);

// AbstractType.toJSONString of a value of `type` (not null): 42, "text", "0xcafe",
// "2014-01-01 00:00:00.000Z", [1, 2], {"k": 1}, null for NaN and infinities.
std::string ToJsonString(const types::Type& type, std::string_view bytes);

// Selection.rowToJson: {"k": 0, "\"Foo\"": "x", "ttl(v)": null} of one row, keyed by the
// result columns' names (quoted when not lower case).
std::string RowToJson(const std::vector<protocol::ColumnSpec>& columns,
                      const std::vector<types::Value>& row);

// SELECT JSON's result: every row becomes one text value of a column named "[json]".
void ConvertRowsToJson(protocol::RowsResult* result);
protocol::ColumnSpec JsonColumnSpec(const std::string& keyspace, const std::string& table);

// AbstractType.fromJSONObject then bind: the serialization of `type` for a non-null JSON value.
// Errors are kInvalid whose message is the MarshalException's ("Unable to make int from 'x'",
// "Expected a list, but got a Integer: 123", "Invalid null element in list").
Result<std::string> FromJsonValue(const types::Type& type, const JsonValue& value);

// fromJson(text) for a receiver of `type` (FromJsonFct.execute): the value, null for JSON null.
// The message of a failure is the FunctionExecutionException's detail:
// "Could not decode JSON string '...': ..." or
// "org.apache.cassandra.serializers.MarshalException: <message>".
Result<types::Value> FromJsonText(const types::Type& type, std::string_view text);

// INSERT JSON's map (Json.parseJson with JsonUtils.handleCaseSensitivity): the members of the
// JSON object named by column (quoted keys keep their case, others are lower-cased), in order.
// kInvalid "Got null for INSERT JSON values" / "Could not decode JSON string as a map: ...".
Result<std::vector<std::pair<std::string, JsonValue>>> ParseInsertJsonMap(std::string_view text);

}  // namespace sibyl::query
