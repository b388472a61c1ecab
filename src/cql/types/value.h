#pragma once
// Values of CQL types, always in native-protocol serialization (see type.h): literal parsing,
// validation of bound bytes, comparison, formatting, and conversions between numeric types.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "cql/types/type.h"

namespace sibyl::cql::types {

// nullopt is CQL null.
using Value = std::optional<std::string>;

// The lexical kind of a CQL constant, as the parser saw it.
enum class LiteralKind : uint8_t {
  kString,   // 'text' or $$text$$ (quotes removed, '' unescaped)
  kInteger,  // 123, -5
  kFloat,    // 1.5, -2e10, NaN, Infinity
  kBoolean,  // true / false
  kUuid,     // 123e4567-e89b-12d3-a456-426655440000 (unquoted)
  kHex,      // 0xCAFE (the text includes the 0x)
  kDuration, // 1h30m, P1DT2H, ...
};

// Converts a literal to the serialization of `type`; the result passes ValidateValue
// (cql/types/validate.h, the one validator of values).
// Errors are kInvalid with Cassandra's wording, e.g.
//   "Invalid INTEGER constant (abc) for \"k\" of type int"
//   "Unable to coerce 'x' to a formatted date (long)"
// `column` names the receiver for the message. Collections/tuples/UDTs are not literals here.
Result<std::string> ParseLiteral(const Type& type, LiteralKind kind, std::string_view text,
                                 std::string_view column);

// Total order of CQL: negative, zero or positive like memcmp. Both must be valid serializations.
// Follows Cassandra's comparators (signed numbers, timeuuid by time then bytes, uuid by version
// then ..., text by bytes, inet by length then bytes, ...).
int Compare(const Type& type, std::string_view a, std::string_view b);

// Renders a value as a CQL literal: 42, 'it''s', 0xcafe, 2020-01-02 03:04:05.000000+0000 as
// cqlsh prints for timestamps is NOT used: timestamps render as '2020-01-02T03:04:05.000Z'.
// Used for DESCRIBE, error messages and debugging.
std::string ToCqlLiteral(const Type& type, std::string_view bytes);

// A duration value's three parts (native protocol: three zig-zag vints), as Cassandra's Duration.
struct Duration {
  int64_t months = 0, days = 0, nanos = 0;
};
// The parts of a serialized duration; nullopt when the bytes are not exactly three vints.
std::optional<Duration> DecodeDuration(std::string_view bytes);

// Serializations of common values.
std::string SerializeBigint(int64_t v);
std::string SerializeInt(int32_t v);
std::string SerializeBoolean(bool v);
std::string SerializeText(std::string_view v);
std::string SerializeDouble(double v);
// The 16 raw bytes of a UUID.
std::string SerializeUuid(const uint8_t bytes[16]);

int64_t DeserializeBigint(std::string_view bytes);  // REQUIRES: 8 bytes
int32_t DeserializeInt(std::string_view bytes);     // REQUIRES: 4 bytes

// A random (version 4) UUID and a time-based (version 1) UUID for now(), both 16 raw bytes.
std::string RandomUuid();
std::string TimeUuidNow();
// "123e4567-e89b-12d3-a456-426655440000" form of 16 raw bytes.
std::string UuidToString(std::string_view bytes);
// Parses the dashed form; kInvalid on error.
Result<std::string> UuidFromString(std::string_view text);

}  // namespace sibyl::cql::types
