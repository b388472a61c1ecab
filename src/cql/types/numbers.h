#pragma once
// Arbitrary-precision helpers for varint (two's-complement big-endian, minimal length) and
// decimal ([int32 scale][varint unscaled value]) serializations.

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

// "1.5", "-2e10", "42" to decimal bytes; nullopt if malformed.
std::optional<std::string> DecimalFromText(std::string_view text);
std::string DecimalToText(std::string_view bytes);
int CompareDecimal(std::string_view a, std::string_view b);

}  // namespace sibyl::cql::types
