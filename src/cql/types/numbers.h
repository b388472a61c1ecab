#pragma once
// Arbitrary-precision helpers for varint (two's-complement big-endian, minimal length) and
// decimal ([int32 scale][varint unscaled value]) serializations. Conversions between digits and
// bytes are subquadratic (GMP): O(n log^2 n) or so for n digits, not O(n^2) (issue 9 item 4).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sibyl::cql::types {

// A decimal integer literal ("-123") that fits in int64; nullopt otherwise.
std::optional<int64_t> ParseInt64(std::string_view text);
// Any decimal integer literal to varint bytes; nullopt if not an integer.
std::optional<std::string> BigIntFromDecimal(std::string_view text);
std::string BigIntToDecimal(std::string_view bytes);
int CompareBigInt(std::string_view a, std::string_view b);

// "1.5", "-2e10", "42" to decimal bytes; nullopt if malformed or if the scale does not fit an
// int32 (as java.math.BigDecimal refuses it).
std::optional<std::string> DecimalFromText(std::string_view text);
// Java's BigDecimal.toString() form: "1.50", "0.000001", "1E-7", "1.2E+4". O(digits) whatever
// the scale.
std::string DecimalToText(std::string_view bytes);
int CompareDecimal(std::string_view a, std::string_view b);

}  // namespace sibyl::cql::types
