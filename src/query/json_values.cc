// CQL values as JSON (json_values.h). References: Cassandra 4.1 db/marshal/*Type.java
// (toJSONString, fromJSONObject), serializers/*Serializer.java (toString, fromString),
// cql3/selection/Selection.java (rowToJson), cql3/Json.java and utils/JsonUtils.java, and the
// expected texts of cql3/validation/entities/JsonTest.java.
#include "query/json_values.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "common/utf8.h"
#include "cql/types/civil_date.h"
#include "cql/types/normalize.h"
#include "cql/types/numbers.h"
#include "cql/types/validate.h"
#include "query/collection_values.h"
#include "query/functions/numeric.h"

namespace sibyl::query {

using types::Kind;
using types::Type;

namespace {

// ---- parsing -----------------------------------------------------------------------------------

// Builds a JsonValue tree from nlohmann's SAX events, iteratively (a stack of the open arrays
// and objects), refusing more than kMaxJsonDepth levels or kMaxJsonValues values.
class TreeBuilder final : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return Add(JsonValue{}); }
  bool boolean(bool v) override {
    JsonValue j;
    j.kind = JsonValue::Kind::kBoolean;
    j.boolean = v;
    return Add(std::move(j));
  }
  // `out_of_range`: the numbers (by their order in the text) that overflow a double, with their
  // text as written; ParseJson put a stand-in "0.0" there (see below).
  explicit TreeBuilder(const std::map<size_t, std::string>* out_of_range)
      : out_of_range_(out_of_range) {}

  bool number_integer(number_integer_t v) override {
    ++numbers_;
    return AddNumber(std::to_string(v), false);
  }
  bool number_unsigned(number_unsigned_t v) override {
    ++numbers_;
    return AddNumber(std::to_string(v), false);
  }
  bool number_float(number_float_t, const string_t& s) override {
    const auto written = out_of_range_->find(numbers_++);
    const std::string& text = written == out_of_range_->end() ? s : written->second;
    // nlohmann reads integers past 64 bits as floats: they stay integers here (BigInteger).
    const bool is_float = text.find_first_of(".eE") != std::string::npos;
    return AddNumber(text, is_float);
  }
  bool string(string_t& v) override {
    JsonValue j;
    j.kind = JsonValue::Kind::kString;
    j.text = std::move(v);
    return Add(std::move(j));
  }
  bool binary(binary_t&) override { return Fail("binary values are not JSON"); }
  bool start_object(std::size_t) override {
    JsonValue j;
    j.kind = JsonValue::Kind::kObject;
    return Open(std::move(j));
  }
  bool key(string_t& k) override {
    pending_key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    JsonValue* object = stack_.back();
    stack_.pop_back();
    Deduplicate(object);
    return true;
  }
  bool start_array(std::size_t) override {
    JsonValue j;
    j.kind = JsonValue::Kind::kArray;
    return Open(std::move(j));
  }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& e) override {
    // 406: a number past a double's range (1e400). Jackson reads it (Double.parseDouble gives
    // Infinity, a BigInteger for an integer): ParseJson substitutes it and parses again.
    if (e.id == 406 && error.empty()) overflow = Overflow{position, token, numbers_};
    return Fail(e.what());
  }

  struct Overflow {
    size_t end;          // the byte just past the number
    std::string token;   // the number as written
    size_t ordinal;      // its place among the text's numbers
  };
  JsonValue root;
  bool has_root = false;
  std::string error;
  std::optional<Overflow> overflow;

 private:
  bool Fail(std::string message) {
    if (error.empty()) error = std::move(message);
    return false;
  }
  bool AddNumber(std::string text, bool is_float) {
    JsonValue j;
    j.kind = is_float ? JsonValue::Kind::kFloat : JsonValue::Kind::kInteger;
    j.text = std::move(text);
    return Add(std::move(j));
  }
  // Places `v` in the open container (or as the root); returns where it went.
  JsonValue* Place(JsonValue v) {
    if (stack_.empty()) {
      root = std::move(v);
      has_root = true;
      return &root;
    }
    JsonValue* parent = stack_.back();
    if (parent->kind == JsonValue::Kind::kArray) {
      parent->elements.push_back(std::move(v));
      return &parent->elements.back();
    }
    parent->members.push_back(JsonMember{std::move(pending_key_), std::move(v)});
    return &parent->members.back().value;
  }
  bool Count() {
    if (++values_ > kMaxJsonValues) {
      return Fail(fmt::format("more than {} values in one JSON text", kMaxJsonValues));
    }
    return true;
  }
  bool Add(JsonValue v) {
    if (!Count()) return false;
    Place(std::move(v));
    return true;
  }
  bool Open(JsonValue v) {
    if (!Count()) return false;
    if (stack_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
      return Fail(fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
    }
    stack_.push_back(Place(std::move(v)));
    return true;
  }
  // A repeated key keeps its first place and takes the last value (LinkedHashMap.put).
  static void Deduplicate(JsonValue* object) {
    auto& m = object->members;
    if (m.size() < 2) return;
    std::unordered_map<std::string, size_t> first;
    std::vector<JsonMember> out;
    bool repeated = false;
    for (size_t i = 0; i < m.size() && !repeated; ++i) repeated = !first.emplace(m[i].key, i).second;
    if (!repeated) return;
    first.clear();
    for (auto& member : m) {
      auto [it, inserted] = first.emplace(member.key, out.size());
      if (inserted) {
        out.push_back(std::move(member));
      } else {
        out[it->second].value = std::move(member.value);
      }
    }
    m = std::move(out);
  }

  std::vector<JsonValue*> stack_;
  std::string pending_key_;
  size_t values_ = 0;
  const std::map<size_t, std::string>* out_of_range_;
  size_t numbers_ = 0;
};

// ---- Java's view of a parsed value (Jackson's Object): class names and toString ---------------

// Jackson: Integer, Long or BigInteger for integers, Double for the others.
const char* JavaClass(const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Kind::kNull: return "null";
    case JsonValue::Kind::kBoolean: return "Boolean";
    case JsonValue::Kind::kInteger: {
      auto n = types::ParseInt64(v.text);
      if (!n) return "BigInteger";
      return (*n >= INT32_MIN && *n <= INT32_MAX) ? "Integer" : "Long";
    }
    case JsonValue::Kind::kFloat: return "Double";
    case JsonValue::Kind::kString: return "String";
    case JsonValue::Kind::kArray: return "ArrayList";
    case JsonValue::Kind::kObject: return "LinkedHashMap";
  }
  return "Object";
}

double FloatTextValue(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

void AppendJavaString(const JsonValue& v, std::string* out, size_t limit) {
  if (out->size() > limit) return;
  switch (v.kind) {
    case JsonValue::Kind::kNull: *out += "null"; return;
    case JsonValue::Kind::kBoolean: *out += v.boolean ? "true" : "false"; return;
    case JsonValue::Kind::kInteger: *out += v.text; return;
    case JsonValue::Kind::kFloat: *out += functions::JavaDoubleToString(FloatTextValue(v.text)); return;
    case JsonValue::Kind::kString: *out += v.text; return;
    case JsonValue::Kind::kArray:
      *out += '[';
      for (size_t i = 0; i < v.elements.size() && out->size() <= limit; ++i) {
        if (i > 0) *out += ", ";
        AppendJavaString(v.elements[i], out, limit);
      }
      *out += ']';
      return;
    case JsonValue::Kind::kObject:
      *out += '{';
      for (size_t i = 0; i < v.members.size() && out->size() <= limit; ++i) {
        if (i > 0) *out += ", ";
        *out += v.members[i].key + "=";
        AppendJavaString(v.members[i].value, out, limit);
      }
      *out += '}';
      return;
  }
}

// Object.toString() of the parsed value, bounded and made safe for a message.
std::string JavaString(const JsonValue& v) {
  std::string out;
  AppendJavaString(v, &out, 4 * kMaxQuotedBytes);
  return QuoteForMessage(out);
}

// The text a value's toString() gives, unbounded (it is parsed again, as Cassandra does with
// new BigDecimal(parsed.toString())).
std::string JavaStringForParsing(const JsonValue& v) {
  if (v.kind == JsonValue::Kind::kString || v.kind == JsonValue::Kind::kInteger) return v.text;
  std::string out;
  AppendJavaString(v, &out, SIZE_MAX / 2);
  return out;
}

Status Marshal(std::string message) { return InvalidRequest(std::move(message)); }

Status ExpectedA(const char* what, const JsonValue& v) {
  return Marshal(fmt::format("Expected {}, but got a {}: {}", what, JavaClass(v), JavaString(v)));
}

// ---- scalars from strings (the types' fromString) ------------------------------------------

// Integer.parseInt / Long.parseLong / Short.parseShort / Byte.parseByte: [+-]digits in range.
std::optional<int64_t> JavaParseInteger(std::string_view text, int64_t min, int64_t max) {
  auto v = types::ParseInt64(text);
  if (!v || *v < min || *v > max) return std::nullopt;
  return v;
}

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(bytes, '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string IntegerBytes(Kind kind, int64_t v) {
  switch (kind) {
    case Kind::kTinyint: return BigEndian(static_cast<uint64_t>(v), 1);
    case Kind::kSmallint: return BigEndian(static_cast<uint64_t>(v), 2);
    case Kind::kInt: return BigEndian(static_cast<uint64_t>(v), 4);
    default: return BigEndian(static_cast<uint64_t>(v), 8);
  }
}

// Float.parseFloat / Double.parseDouble: white space trimmed, [+-] then NaN, Infinity or a
// decimal number with an optional exponent and an optional f/F/d/D suffix.
std::optional<double> JavaParseFloating(std::string_view text, bool single) {
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  std::string s(text);
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  std::string_view rest(s.c_str() + i, s.size() - i);
  if (rest == "NaN") return std::nan("");
  if (rest == "Infinity") return negative ? -INFINITY : INFINITY;
  size_t j = i;
  bool digits = false;
  while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) digits = true, ++j;
  if (j < s.size() && s[j] == '.') {
    ++j;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) digits = true, ++j;
  }
  if (!digits) return std::nullopt;
  if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
    ++j;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    bool exponent_digits = false;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) exponent_digits = true, ++j;
    if (!exponent_digits) return std::nullopt;
  }
  const size_t number_end = j;
  if (j < s.size() && std::strchr("fFdD", s[j]) != nullptr) ++j;
  if (j != s.size()) return std::nullopt;
  s.resize(number_end);
  // Java rounds the decimal once, to the target precision.
  if (single) return static_cast<double>(std::strtof(s.c_str(), nullptr));
  return std::strtod(s.c_str(), nullptr);
}

std::string FloatBytes(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return BigEndian(bits, 4);
}

std::string DoubleBytes(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return BigEndian(bits, 8);
}

// The message of a ParseLiteral failure (the serializers' own texts for these string forms).
Result<std::string> FromStringLiteral(const Type& type, const std::string& text) {
  return types::ParseLiteral(type, types::LiteralKind::kString, text, "");
}

// AbstractType.fromString of the native types, with their MarshalException texts.
Result<std::string> NativeFromString(const Type& type, const std::string& s) {
  const Kind kind = type.kind();
  // Every native type but text, ascii, blob (handled by callers), date and varint/decimal reads
  // "" as the empty value.
  auto integer = [&](const char* java, int64_t min, int64_t max) -> Result<std::string> {
    if (s.empty()) return std::string();
    auto v = JavaParseInteger(s, min, max);
    if (!v) return Marshal(fmt::format("Unable to make {} from '{}'", java, QuoteForMessage(s)));
    return IntegerBytes(kind, *v);
  };
  switch (kind) {
    case Kind::kTinyint: return integer("byte", INT8_MIN, INT8_MAX);
    case Kind::kSmallint: return integer("short", INT16_MIN, INT16_MAX);
    case Kind::kInt: return integer("int", INT32_MIN, INT32_MAX);
    case Kind::kBigint:
    case Kind::kCounter: return integer("long", INT64_MIN, INT64_MAX);
    case Kind::kFloat:
    case Kind::kDouble: {
      if (s.empty()) return std::string();
      const bool single = kind == Kind::kFloat;
      auto d = JavaParseFloating(s, single);
      if (!d) {
        return Marshal(fmt::format("Unable to make {} from '{}'", single ? "float" : "double",
                                   QuoteForMessage(s)));
      }
      return single ? FloatBytes(static_cast<float>(*d)) : DoubleBytes(*d);
    }
    case Kind::kBoolean: {
      if (s.empty()) return std::string();
      std::string lower;
      for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "true" || lower == "false") return std::string(1, lower == "true" ? '\1' : '\0');
      return Marshal(fmt::format("Unable to make boolean from '{}'", QuoteForMessage(s)));
    }
    case Kind::kTimestamp:
      if (s.empty()) return std::string();
      return FromStringLiteral(type, s);
    case Kind::kDate:
      return FromStringLiteral(type, s);
    case Kind::kTime: {
      if (s.empty()) return std::string();
      // TimeSerializer.timeStringToLong: digits are nanoseconds of the day, else hh:mm:ss[.f].
      bool digits = !s.empty();
      for (size_t i = s[0] == '-' ? 1 : 0; i < s.size(); ++i) {
        digits &= std::isdigit(static_cast<unsigned char>(s[i])) != 0;
      }
      if (digits) {
        auto v = types::ParseInt64(s);
        if (!v || *v < 0 || *v >= 86400LL * 1000000000LL) {
          return Marshal(fmt::format("Unable to make long (for time) from: '{}'", QuoteForMessage(s)));
        }
        return BigEndian(static_cast<uint64_t>(*v), 8);
      }
      auto v = FromStringLiteral(type, s);
      if (!v.ok()) {
        return Marshal(fmt::format("(TimeType) Unable to coerce '{}' to a formatted time (long)",
                                   QuoteForMessage(s)));
      }
      return v;
    }
    case Kind::kUuid:
    case Kind::kTimeuuid: {
      if (s.empty()) return std::string();
      auto v = types::UuidFromString(s);
      if (!v.ok()) {
        return Marshal(kind == Kind::kUuid
                           ? fmt::format("Unable to make UUID from '{}'", QuoteForMessage(s))
                           : fmt::format("Unknown timeuuid representation: {}", QuoteForMessage(s)));
      }
      if (kind == Kind::kTimeuuid && ((static_cast<uint8_t>((*v)[6]) >> 4) & 0x0f) != 1) {
        return Marshal("TimeUUID supports only version 1 UUIDs");
      }
      return v;
    }
    case Kind::kInet:
      if (s.empty()) return std::string();
      return FromStringLiteral(type, s);
    case Kind::kDuration:
      if (s.empty()) return std::string();
      return FromStringLiteral(type, s);
    default:
      return Marshal(fmt::format("Unable to read {} from a JSON string", type.ToCql()));
  }
}

// ---- serialization helpers --------------------------------------------------------------------

void AppendInt32(std::string* out, int32_t v) { *out += BigEndian(static_cast<uint32_t>(v), 4); }

void AppendField(std::string* out, const types::Value& v) {
  if (!v) {
    AppendInt32(out, -1);
    return;
  }
  AppendInt32(out, static_cast<int32_t>(v->size()));
  *out += *v;
}

Result<std::string> FromJsonAt(const Type& type, const JsonValue& v, int depth);

// ListType / SetType / MapType / TupleType / UserType.fromJSONObject read a string as JSON
// (JsonUtils.decodeJson): that is how map keys carry collections ("[1, 2]").
Result<JsonValue> DecodeIfString(const JsonValue& v) {
  auto parsed = ParseJson(v.text);
  if (!parsed.ok()) return Marshal("Error decoding JSON string: " + parsed.status().message());
  return parsed;
}

Result<std::string> CollectionFromJson(const Type& type, const JsonValue& in, int depth) {
  JsonValue decoded;
  const JsonValue* v = &in;
  if (in.kind == JsonValue::Kind::kString) {
    ASSIGN_OR_RETURN(decoded, DecodeIfString(in));
    v = &decoded;
  }
  const Kind kind = type.kind();
  if (kind == Kind::kList || kind == Kind::kSet) {
    const bool set = kind == Kind::kSet;
    if (v->kind != JsonValue::Kind::kArray) {
      return ExpectedA(set ? "a list (representing a set)" : "a list", *v);
    }
    std::vector<std::string> elements;
    for (const auto& e : v->elements) {
      if (e.kind == JsonValue::Kind::kNull) {
        return Marshal(set ? "Invalid null element in set" : "Invalid null element in list");
      }
      ASSIGN_OR_RETURN(std::string bytes, FromJsonAt(type.params()[0], e, depth + 1));
      elements.push_back(std::move(bytes));
    }
    return SerializeList(elements);
  }
  if (kind == Kind::kMap) {
    if (v->kind != JsonValue::Kind::kObject) return ExpectedA("a map", *v);
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& [key, value] : v->members) {
      if (value.kind == JsonValue::Kind::kNull) return Marshal("Invalid null value in map");
      JsonValue key_value;
      key_value.kind = JsonValue::Kind::kString;
      key_value.text = key;
      ASSIGN_OR_RETURN(std::string k, FromJsonAt(type.params()[0], key_value, depth + 1));
      ASSIGN_OR_RETURN(std::string val, FromJsonAt(type.params()[1], value, depth + 1));
      entries.emplace_back(std::move(k), std::move(val));
    }
    return SerializeMap(entries);
  }
  if (kind == Kind::kTuple) {
    if (v->kind != JsonValue::Kind::kArray) return ExpectedA("a list representation of a tuple", *v);
    const size_t want = type.params().size(), got = v->elements.size();
    if (got > want) return Marshal(fmt::format("Tuple contains extra items (expected {}, got {})", want, got));
    if (got < want) return Marshal(fmt::format("Tuple is missing items (expected {}, got {})", want, got));
    std::string out;
    for (size_t i = 0; i < want; ++i) {
      const JsonValue& e = v->elements[i];
      if (e.kind == JsonValue::Kind::kNull) {
        AppendField(&out, std::nullopt);
        continue;
      }
      ASSIGN_OR_RETURN(std::string bytes, FromJsonAt(type.params()[i], e, depth + 1));
      AppendField(&out, bytes);
    }
    return out;
  }
  // UDT
  if (v->kind != JsonValue::Kind::kObject) return ExpectedA("a map", *v);
  const auto& names = type.udt_field_names();
  std::unordered_map<std::string, const JsonValue*> fields;
  std::vector<std::string> order;
  // JsonUtils.handleCaseSensitivity: "\"Foo\"" is Foo, other keys are lower-cased.
  for (const auto& [key, value] : v->members) {
    std::string name = key;
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    } else {
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (fields.emplace(name, &value).second) {
      order.push_back(name);
    } else {
      fields[name] = &value;
    }
  }
  std::string out;
  size_t found = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = fields.find(names[i]);
    if (it == fields.end() || it->second->kind == JsonValue::Kind::kNull) {
      AppendField(&out, std::nullopt);
      continue;
    }
    ++found;
    ASSIGN_OR_RETURN(std::string bytes, FromJsonAt(type.params()[i], *it->second, depth + 1));
    AppendField(&out, bytes);
  }
  if (found != fields.size()) {
    for (const auto& name : order) {
      bool known = false;
      for (const auto& n : names) known |= n == name;
      if (!known) {
        return Marshal(fmt::format("Unknown field '{}' in value of user defined type {}",
                                   QuoteForMessage(name), type.udt_name()));
      }
    }
  }
  return out;
}

Result<std::string> FromJsonAt(const Type& type, const JsonValue& v, int depth) {
  if (depth > types::kMaxValueNestingDepth) {
    return Marshal("JSON value nested deeper than its type allows");
  }
  const Kind kind = type.kind();
  const bool is_string = v.kind == JsonValue::Kind::kString;
  switch (kind) {
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap:
    case Kind::kTuple:
    case Kind::kUdt:
      return CollectionFromJson(type, v, depth);
    case Kind::kAscii: {
      if (!is_string) return ExpectedA("an ascii string", v);
      for (unsigned char c : v.text) {
        if (c > 127) {
          return Marshal("Invalid ASCII character in string literal: "
                         "java.nio.charset.UnmappableCharacterException: Input length = 1");
        }
      }
      return v.text;
    }
    case Kind::kVarchar:
      if (!is_string) return ExpectedA("a UTF-8 string", v);
      return v.text;  // nlohmann checked the UTF-8
    case Kind::kBlob: {
      // BytesType.fromJSONObject: a string "0x..." of hex digits.
      auto invalid = [&](const std::string& why) {
        return Marshal(fmt::format("Value '{}' is not a valid blob representation: {}",
                                   JavaString(v), why));
      };
      if (!is_string) {
        return invalid(fmt::format(
            "class java.lang.{0} cannot be cast to class java.lang.String (java.lang.{0} and "
            "java.lang.String are in module java.base of loader 'bootstrap')",
            JavaClass(v)));
      }
      const std::string& s = v.text;
      if (s.rfind("0x", 0) != 0) {
        return invalid("String representation of blob is missing 0x prefix: " + QuoteForMessage(s));
      }
      std::string out;
      const std::string_view hex = std::string_view(s).substr(2);
      bool ok = hex.size() % 2 == 0;
      for (size_t i = 0; ok && i < hex.size(); i += 2) {
        auto digit = [](char c) {
          if (c >= '0' && c <= '9') return c - '0';
          if (c >= 'a' && c <= 'f') return c - 'a' + 10;
          if (c >= 'A' && c <= 'F') return c - 'A' + 10;
          return -1;
        };
        int hi = digit(hex[i]), lo = digit(hex[i + 1]);
        ok = hi >= 0 && lo >= 0;
        out.push_back(static_cast<char>(hi * 16 + lo));
      }
      if (!ok) return invalid(fmt::format("cannot parse '{}' as hex bytes", QuoteForMessage(hex)));
      return out;
    }
    case Kind::kBoolean:
      if (is_string) return NativeFromString(type, v.text);
      if (v.kind != JsonValue::Kind::kBoolean) return ExpectedA("a boolean value", v);
      return std::string(1, v.boolean ? '\1' : '\0');
    case Kind::kTinyint:
    case Kind::kSmallint: {
      // ByteType / ShortType: strings and any number go through fromString(String.valueOf(x)).
      const char* what = kind == Kind::kTinyint ? "a byte value" : "a short value";
      if (is_string || v.kind == JsonValue::Kind::kInteger || v.kind == JsonValue::Kind::kFloat) {
        return NativeFromString(type, JavaStringForParsing(v));
      }
      return ExpectedA(what, v);
    }
    case Kind::kInt:
    case Kind::kBigint:
    case Kind::kCounter: {
      if (is_string) return NativeFromString(type, v.text);
      const bool is_int = kind == Kind::kInt;
      const char* what = is_int ? "an int value" : "a bigint value";
      if (v.kind != JsonValue::Kind::kInteger) return ExpectedA(what, v);
      auto n = types::ParseInt64(v.text);
      if (!n || (is_int && (*n < INT32_MIN || *n > INT32_MAX))) return ExpectedA(what, v);
      return IntegerBytes(kind, *n);
    }
    case Kind::kFloat:
    case Kind::kDouble: {
      if (is_string) return NativeFromString(type, v.text);
      const bool single = kind == Kind::kFloat;
      if (v.kind != JsonValue::Kind::kInteger && v.kind != JsonValue::Kind::kFloat) {
        return ExpectedA(single ? "a float value" : "a double value", v);
      }
      // Number.floatValue() / doubleValue(): a Double narrows to float once more (Java too).
      double d = std::strtod(v.text.c_str(), nullptr);
      if (single) {
        float f = v.kind == JsonValue::Kind::kInteger ? std::strtof(v.text.c_str(), nullptr)
                                                      : static_cast<float>(d);
        return FloatBytes(f);
      }
      return DoubleBytes(d);
    }
    case Kind::kVarint: {
      // IntegerType: new BigInteger(parsed.toString()).
      const std::string text = JavaStringForParsing(v);
      auto bytes = types::BigIntFromDecimal(text);
      if (!bytes || v.kind == JsonValue::Kind::kArray || v.kind == JsonValue::Kind::kObject) {
        return Marshal(fmt::format("Value '{}' is not a valid representation of a varint value",
                                   QuoteForMessage(text)));
      }
      return *bytes;
    }
    case Kind::kDecimal: {
      // DecimalType: new BigDecimal(parsed.toString()) (a JSON float went through Double).
      const std::string text = JavaStringForParsing(v);
      auto bytes = types::DecimalFromText(text);
      if (!bytes || v.kind == JsonValue::Kind::kArray || v.kind == JsonValue::Kind::kObject) {
        return Marshal(fmt::format("Value '{}' is not a valid representation of a decimal value",
                                   QuoteForMessage(text)));
      }
      return *bytes;
    }
    case Kind::kTimestamp:
      if (v.kind == JsonValue::Kind::kInteger) {
        auto n = types::ParseInt64(v.text);
        if (n) return IntegerBytes(Kind::kBigint, *n);
      }
      if (!is_string) {
        return ExpectedA("a long or a datestring representation of a timestamp value", v);
      }
      return NativeFromString(type, v.text);
    case Kind::kDate:
      if (!is_string) return ExpectedA("a string representation of a date value", v);
      return NativeFromString(type, v.text);
    case Kind::kTime:
      if (!is_string) return ExpectedA("a string representation of a time value", v);
      return NativeFromString(type, v.text);
    case Kind::kUuid:
      if (!is_string) return ExpectedA("a string representation of a uuid", v);
      return NativeFromString(type, v.text);
    case Kind::kTimeuuid:
      if (!is_string) return ExpectedA("a string representation of a timeuuid", v);
      return NativeFromString(type, v.text);
    case Kind::kInet:
      if (!is_string) return ExpectedA("a string representation of an inet value", v);
      return NativeFromString(type, v.text);
    case Kind::kDuration:
      if (!is_string) return ExpectedA("a string representation of a duration", v);
      return NativeFromString(type, v.text);
    default:
      return Marshal(fmt::format("JSON values of type {} are not supported", type.ToCql()));
  }
}

// ---- formatting ----------------------------------------------------------------------------------

uint32_t ReadUint32(std::string_view b, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 2])) << 8) |
         static_cast<uint8_t>(b[at + 3]);
}

// Reads one [int32 length][bytes] at `*pos` (a negative length is null). False past the end.
bool ReadPart(std::string_view b, size_t* pos, types::Value* out) {
  if (*pos + 4 > b.size()) return false;
  int32_t n = static_cast<int32_t>(ReadUint32(b, *pos));
  *pos += 4;
  if (n < 0) {
    *out = std::nullopt;
    return true;
  }
  if (static_cast<size_t>(n) > b.size() - *pos) return false;
  *out = std::string(b.substr(*pos, n));
  *pos += n;
  return true;
}

// SimpleDateFormat's "yyyy": the year of the era (year 0 is 1 BC).
std::string YearText(int64_t year) {
  return fmt::format("{:04d}", year > 0 ? year : 1 - year);
}

std::string InetText(std::string_view b) {
  if (b.size() == 4) {
    return fmt::format("{}.{}.{}.{}", static_cast<uint8_t>(b[0]), static_cast<uint8_t>(b[1]),
                       static_cast<uint8_t>(b[2]), static_cast<uint8_t>(b[3]));
  }
  // Inet6Address.getHostAddress: eight groups in lower-case hex, no compression; an IPv4-mapped
  // address is an Inet4Address in Java.
  static const char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\xff', '\xff'};
  if (b.size() == 16 && std::memcmp(b.data(), kMapped, 12) == 0) return InetText(b.substr(12));
  std::string out;
  for (size_t i = 0; i + 1 < b.size(); i += 2) {
    if (i > 0) out += ':';
    out += fmt::format("{:x}", (static_cast<uint8_t>(b[i]) << 8) | static_cast<uint8_t>(b[i + 1]));
  }
  return out;
}

std::string Quoted(std::string_view text) { return "\"" + JsonQuote(text) + "\""; }

void AppendJson(const Type& type, std::string_view b, std::string* out);

void AppendElements(const Type& type, std::string_view b, std::string* out) {
  const Kind kind = type.kind();
  size_t pos = 0;
  if (kind == Kind::kTuple || kind == Kind::kUdt) {
    const auto& params = type.params();
    *out += kind == Kind::kTuple ? '[' : '{';
    for (size_t i = 0; i < params.size(); ++i) {
      if (i > 0) *out += ", ";
      if (kind == Kind::kUdt) {
        std::string name = type.udt_field_names()[i];
        bool lower = true;
        for (char c : name) lower &= !(c >= 'A' && c <= 'Z');
        if (!lower) name = "\"" + name + "\"";
        *out += Quoted(name) + ": ";
      }
      types::Value field;
      if (pos >= b.size() || !ReadPart(b, &pos, &field) || !field) {
        *out += "null";
      } else {
        AppendJson(params[i], *field, out);
      }
    }
    *out += kind == Kind::kTuple ? ']' : '}';
    return;
  }
  if (b.size() < 4) {
    *out += kind == Kind::kMap ? "{}" : "[]";
    return;
  }
  const uint32_t count = ReadUint32(b, 0);
  pos = 4;
  *out += kind == Kind::kMap ? '{' : '[';
  for (uint32_t i = 0; i < count; ++i) {
    types::Value element;
    if (!ReadPart(b, &pos, &element)) break;
    if (i > 0) *out += ", ";
    if (kind != Kind::kMap) {
      if (element) AppendJson(type.params()[0], *element, out);
      else *out += "null";
      continue;
    }
    // MapType.toJSONString: keys must be JSON strings; a key whose JSON is not one is quoted.
    std::string key;
    if (element) AppendJson(type.params()[0], *element, &key);
    else key = "null";
    *out += key.rfind('"', 0) == 0 ? key : Quoted(key);
    *out += ": ";
    types::Value value;
    if (!ReadPart(b, &pos, &value)) {
      *out += "null";
      break;
    }
    if (value) AppendJson(type.params()[1], *value, out);
    else *out += "null";
  }
  *out += kind == Kind::kMap ? '}' : ']';
}

void AppendJson(const Type& type, std::string_view b, std::string* out) {
  const Kind kind = type.kind();
  if (kind == Kind::kVarchar || kind == Kind::kAscii) {
    *out += Quoted(b);
    return;
  }
  if (kind == Kind::kBlob) {
    static const char* kHex = "0123456789abcdef";
    *out += "\"0x";
    for (unsigned char c : b) {
      *out += kHex[c >> 4];
      *out += kHex[c & 15];
    }
    *out += '"';
    return;
  }
  // An empty value of the other types deserializes to null: Objects.toString(null, "\"\"").
  if (b.empty()) {
    *out += "\"\"";
    return;
  }
  // Stored bytes are valid; anything else is written as a blob rather than read out of bounds.
  if (!types::ValidateValue(type, b).ok()) {
    AppendJson(Type(Kind::kBlob), b, out);
    return;
  }
  switch (kind) {
    case Kind::kTinyint:
    case Kind::kSmallint:
    case Kind::kInt:
    case Kind::kBigint:
    case Kind::kCounter:
    case Kind::kVarint:
    case Kind::kDecimal:
      *out += functions::NumberToJavaString(kind, b);
      return;
    case Kind::kFloat:
    case Kind::kDouble: {
      // FloatType / DoubleType: JSON has no NaN or infinities: they are null.
      std::string text = functions::NumberToJavaString(kind, b);
      *out += (text == "NaN" || text == "Infinity" || text == "-Infinity") ? "null" : text;
      return;
    }
    case Kind::kBoolean:
      *out += b[0] != 0 ? "true" : "false";
      return;
    case Kind::kTimestamp: {
      // TimestampSerializer's JSON format "yyyy-MM-dd HH:mm:ss.SSSX" in UTC.
      const int64_t millis = types::DeserializeBigint(b);
      int64_t secs = millis / 1000 - (millis % 1000 < 0 ? 1 : 0);
      const int64_t ms = millis - secs * 1000;
      int64_t days = secs / 86400 - (secs % 86400 < 0 ? 1 : 0);
      const int64_t rem = secs - days * 86400;
      int64_t y;
      unsigned m, d;
      types::CivilFromDays(days, &y, &m, &d);
      *out += fmt::format("\"{}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}.{:03d}Z\"", YearText(y), m, d,
                          rem / 3600, (rem / 60) % 60, rem % 60, ms);
      return;
    }
    case Kind::kDate: {
      const int64_t days = static_cast<int64_t>(ReadUint32(b, 0)) - (int64_t{1} << 31);
      int64_t y;
      unsigned m, d;
      types::CivilFromDays(days, &y, &m, &d);
      *out += fmt::format("\"{}-{:02d}-{:02d}\"", YearText(y), m, d);
      return;
    }
    case Kind::kTime: {
      const int64_t n = types::DeserializeBigint(b);
      *out += fmt::format("\"{:02d}:{:02d}:{:02d}.{:09d}\"", n / 3600000000000LL,
                          (n / 60000000000LL) % 60, (n / 1000000000LL) % 60, n % 1000000000LL);
      return;
    }
    case Kind::kUuid:
    case Kind::kTimeuuid:
      *out += Quoted(types::UuidToString(b));
      return;
    case Kind::kInet:
      *out += Quoted(InetText(b));
      return;
    case Kind::kDuration: {
      // Duration.toString: "1y2mo3d4h5m6s7ms8us9ns", "" for a zero duration.
      auto parts = types::DecodeDuration(b);
      const bool zero = parts && parts->months == 0 && parts->days == 0 && parts->nanos == 0;
      *out += Quoted(zero ? std::string() : types::ToCqlLiteral(type, b));
      return;
    }
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap:
    case Kind::kTuple:
    case Kind::kUdt:
      AppendElements(type, b, out);
      return;
    default:
      AppendJson(Type(Kind::kBlob), b, out);
      return;
  }
}

void AppendWritten(const JsonValue& v, std::string* out) {
  switch (v.kind) {
    case JsonValue::Kind::kNull: *out += "null"; return;
    case JsonValue::Kind::kBoolean: *out += v.boolean ? "true" : "false"; return;
    case JsonValue::Kind::kInteger:
    case JsonValue::Kind::kFloat: *out += v.text; return;
    case JsonValue::Kind::kString: *out += Quoted(v.text); return;
    case JsonValue::Kind::kArray:
      *out += '[';
      for (size_t i = 0; i < v.elements.size(); ++i) {
        if (i > 0) *out += ',';
        AppendWritten(v.elements[i], out);
      }
      *out += ']';
      return;
    case JsonValue::Kind::kObject:
      *out += '{';
      for (size_t i = 0; i < v.members.size(); ++i) {
        if (i > 0) *out += ',';
        *out += Quoted(v.members[i].key) + ":";
        AppendWritten(v.members[i].value, out);
      }
      *out += '}';
      return;
  }
}

}  // namespace

// ---- public ------------------------------------------------------------------------------------

Result<JsonValue> ParseJson(std::string_view text) {
  if (text.size() > kMaxJsonBytes) {
    return InvalidRequest(fmt::format("JSON text of {} bytes is longer than the limit of {}",
                                      text.size(), kMaxJsonBytes));
  }
  // nlohmann refuses a number past a double's range (error 406) where Jackson reads it
  // (Double.parseDouble("1e400") is Infinity; an integer is a BigInteger): each such number is
  // replaced by a stand-in "0.0" and the text parsed again, the builder keeping the number as
  // written. At most kMaxJsonOutOfRangeNumbers of them (bounded work: that many parses).
  std::string working;
  std::map<size_t, std::string> out_of_range;
  std::string_view current = text;
  std::optional<TreeBuilder> builder;
  bool ok = false;
  while (true) {
    builder.emplace(&out_of_range);
    // strict = false: like Jackson's readValue, what follows the first value is not read.
    ok = nlohmann::json::sax_parse(current.begin(), current.end(), &*builder,
                                   nlohmann::json::input_format_t::json, false);
    if (ok || !builder->overflow) break;
    const auto& o = *builder->overflow;
    if (out_of_range.size() >= kMaxJsonOutOfRangeNumbers || o.token.size() > o.end ||
        current.substr(o.end - o.token.size(), o.token.size()) != o.token) {
      break;
    }
    working = std::string(current.substr(0, o.end - o.token.size())) + "0.0" +
              std::string(current.substr(o.end));
    current = working;
    out_of_range.emplace(o.ordinal, o.token);
  }
  if (!ok || !builder->has_root) {
    // nlohmann's message quotes what it last read: bounded and made valid UTF-8 (issue 9).
    return InvalidRequest(builder->error.empty() ? std::string("no JSON value")
                                                : QuoteForMessage(builder->error, 512));
  }
  return std::move(builder->root);
}

std::string WriteJson(const JsonValue& value) {
  std::string out;
  AppendWritten(value, &out);
  return out;
}

std::string JsonQuote(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + 2);
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string ToJsonString(const Type& type, std::string_view bytes) {
  std::string out;
  AppendJson(type, bytes, &out);
  return out;
}

std::string RowToJson(const std::vector<protocol::ColumnSpec>& columns,
                      const std::vector<types::Value>& row) {
  std::string out = "{";
  for (size_t i = 0; i < columns.size() && i < row.size(); ++i) {
    if (i > 0) out += ", ";
    std::string name = columns[i].name;
    bool lower = true;
    for (char c : name) lower &= !(c >= 'A' && c <= 'Z');
    if (!lower) name = "\"" + name + "\"";
    out += Quoted(name) + ": ";
    if (!row[i]) {
      out += "null";
    } else {
      AppendJson(columns[i].type, *row[i], &out);
    }
  }
  return out + "}";
}

protocol::ColumnSpec JsonColumnSpec(const std::string& keyspace, const std::string& table) {
  return protocol::ColumnSpec{keyspace, table, "[json]", Type(Kind::kVarchar)};
}

void ConvertRowsToJson(protocol::RowsResult* result) {
  const auto columns = result->metadata.columns;
  for (auto& row : result->rows) {
    types::Value json = RowToJson(columns, row);
    row.assign(1, std::move(json));
  }
  std::string keyspace = columns.empty() ? "" : columns[0].keyspace;
  std::string table = columns.empty() ? "" : columns[0].table;
  result->metadata.columns = {JsonColumnSpec(keyspace, table)};
}

Result<std::string> FromJsonValue(const Type& type, const JsonValue& value) {
  ASSIGN_OR_RETURN(std::string bytes, FromJsonAt(type, value, 0));
  // What is stored passes the one validator of values (issue 9): an empty duration, which
  // Cassandra's DurationType.fromString("") would make, is refused with the validator's text.
  Status valid = types::ValidateValue(type, bytes);
  if (!valid.ok()) return Marshal(valid.message());
  if (!bytes.empty() && types::HasSetOrMap(type)) bytes = types::NormalizeValue(type, bytes);
  return bytes;
}

Result<types::Value> FromJsonText(const Type& type, std::string_view text) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) {
    return InvalidRequest(fmt::format("Could not decode JSON string '{}': {}",
                                      QuoteForMessage(text), parsed.status().message()));
  }
  if (parsed->kind == JsonValue::Kind::kNull) return types::Value(std::nullopt);
  auto bytes = FromJsonValue(type, *parsed);
  if (!bytes.ok()) {
    return InvalidRequest("org.apache.cassandra.serializers.MarshalException: " +
                          bytes.status().message());
  }
  return types::Value(std::move(*bytes));
}

Result<std::vector<std::pair<std::string, JsonValue>>> ParseInsertJsonMap(std::string_view text) {
  auto parsed = ParseJson(text);
  auto not_a_map = [&](const std::string& why) {
    return InvalidRequest(fmt::format("Could not decode JSON string as a map: {}. (String was: {})",
                                      why, QuoteForMessage(text)));
  };
  if (!parsed.ok()) return not_a_map(parsed.status().message());
  if (parsed->kind == JsonValue::Kind::kNull) {
    return InvalidRequest("Got null for INSERT JSON values");
  }
  if (parsed->kind != JsonValue::Kind::kObject) {
    return not_a_map(fmt::format("a JSON {} is not an object", JavaClass(*parsed)));
  }
  // JsonUtils.handleCaseSensitivity: a renamed key is removed and put again (so it moves last
  // and replaces a key of the same name).
  std::vector<std::pair<std::string, JsonValue>> kept;
  std::vector<std::pair<std::string, JsonValue>> renamed;
  for (auto& [key, value] : parsed->members) {
    std::string name = key;
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    } else {
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    (name == key ? kept : renamed).emplace_back(std::move(name), std::move(value));
  }
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < kept.size(); ++i) index.emplace(kept[i].first, i);
  for (auto& r : renamed) {
    auto [it, inserted] = index.emplace(r.first, kept.size());
    if (inserted) {
      kept.push_back(std::move(r));
    } else {
      kept[it->second].second = std::move(r.second);
    }
  }
  return kept;
}

}  // namespace sibyl::query
