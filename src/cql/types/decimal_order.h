#pragma once
// Order, normal form and rendering of varint and decimal serializations in time and memory
// bounded by their byte size, never by a decimal's scale (issue 9 item 2: a 5-byte decimal of
// scale 2^31 must not make anyone allocate 2 GiB of zeros). Used by Compare(), ToCqlLiteral()
// and the clustering-key encoder.
//
// varint: two's-complement big-endian, any length (non-minimal forms are accepted, as Cassandra
// does). decimal: [int32 scale][varint unscaled]; value = unscaled x 10^-scale.
// Base conversions are numbers.h's (BigIntToDecimal/BigIntFromDecimal); rendering refuses to
// convert magnitudes above 64 KiB.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sibyl::cql::types {

// The magnitude of a varint as big-endian bytes without leading zero bytes (empty for zero),
// and its sign. Linear time.
std::string VarintMagnitude(std::string_view varint, bool* negative);
// The minimal two's-complement varint of a sign and a big-endian magnitude ("\0" for zero).
std::string VarintFromMagnitude(bool negative, std::string_view magnitude);

// Decimal digits of a big-endian magnitude, without leading zeros ("0" for zero).
std::string MagnitudeToDigits(std::string_view magnitude);
// Big-endian magnitude (no leading zero bytes) of a string of decimal digits.
// REQUIRES: every character is '0'..'9'.
std::string DigitsToMagnitude(std::string_view digits);

// A decimal value as 0.d1d2...dn x 10^exponent, d1 != 0 and dn != 0.
struct NormalDecimal {
  int sign = 0;          // -1, 0 or 1
  std::string digits;    // '1'..'9' first and last; empty when sign == 0
  int64_t exponent = 0;  // 0 when sign == 0
};
// REQUIRES: `decimal` is at least 4 bytes (a valid non-empty decimal serialization).
NormalDecimal NormalizeDecimal(std::string_view decimal);
// The serialization of `d` with the smallest scale that keeps the unscaled value an integer.
// kCorruption when no int32 scale can represent it (only garbage can produce such a value).
Result<std::string> DecimalFromNormal(const NormalDecimal& d);

// Numeric order of two non-empty valid serializations, like memcmp's sign. Equal values with
// different scales (1.5 and 1.50) compare equal, as BigDecimal.compareTo does.
int CompareVarints(std::string_view a, std::string_view b);
int CompareDecimals(std::string_view a, std::string_view b);

// CQL literal text of a non-empty valid varint / decimal ("-12", "1.50", "1E-2147483647").
std::string VarintLiteral(std::string_view varint);
std::string DecimalLiteral(std::string_view decimal);

}  // namespace sibyl::cql::types
