#include "cql/types/decimal_order.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>

#include "cql/types/numbers.h"

namespace sibyl::cql::types {
namespace {

// Values whose digits would take longer than ~0.1 s to compute render as hex instead.
constexpr size_t kMaxRenderedMagnitudeBytes = 64 * 1024;
// DecimalFromNormal pads with at most this many zeros: more than any valid value can need.
constexpr int64_t kMaxPadDigits = 1 << 22;

void Negate(std::string& bytes) {
  int carry = 1;
  for (size_t i = bytes.size(); i-- > 0;) {
    int v = (~static_cast<uint8_t>(bytes[i]) & 0xff) + carry;
    bytes[i] = static_cast<char>(v & 0xff);
    carry = v >> 8;
  }
}

void StripLeadingZeroBytes(std::string& bytes) {
  size_t first = 0;
  while (first < bytes.size() && bytes[first] == '\0') ++first;
  bytes.erase(0, first);
}

int CompareMagnitudes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

uint64_t BitLength(std::string_view magnitude) {  // REQUIRES: no leading zero byte
  if (magnitude.empty()) return 0;
  uint8_t top = static_cast<uint8_t>(magnitude[0]);
  int bits = 0;
  while (top) {
    ++bits;
    top >>= 1;
  }
  return (magnitude.size() - 1) * 8 + bits;
}

int32_t Scale(std::string_view decimal) {  // REQUIRES: decimal.size() >= 4
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(decimal[i]);
  return static_cast<int32_t>(v);
}

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out = "0x";
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace

std::string VarintMagnitude(std::string_view varint, bool* negative) {
  *negative = !varint.empty() && (static_cast<uint8_t>(varint[0]) & 0x80);
  std::string magnitude(varint);
  if (*negative) Negate(magnitude);  // |min| = 2^(8n-1) still fits n unsigned bytes
  StripLeadingZeroBytes(magnitude);
  return magnitude;
}

std::string VarintFromMagnitude(bool negative, std::string_view magnitude) {
  std::string out(magnitude);
  StripLeadingZeroBytes(out);
  if (out.empty()) return std::string(1, '\0');
  if (static_cast<uint8_t>(out[0]) & 0x80) out.insert(out.begin(), '\0');
  if (negative) {
    Negate(out);
    // Minimal form: drop redundant leading 0xff bytes.
    size_t drop = 0;
    while (out.size() - drop > 1 && static_cast<uint8_t>(out[drop]) == 0xff &&
           (static_cast<uint8_t>(out[drop + 1]) & 0x80)) {
      ++drop;
    }
    out.erase(0, drop);
  }
  return out;
}

std::string MagnitudeToDigits(std::string_view magnitude) {
  // A leading zero byte makes the magnitude a non-negative varint.
  return BigIntToDecimal(std::string(1, '\0') + std::string(magnitude));
}

std::string DigitsToMagnitude(std::string_view digits) {
  if (digits.empty()) return "";
  std::string out = BigIntFromDecimal(digits).value_or(std::string());
  StripLeadingZeroBytes(out);
  return out;
}

NormalDecimal NormalizeDecimal(std::string_view decimal) {
  NormalDecimal out;
  bool negative = false;
  const std::string magnitude = VarintMagnitude(decimal.substr(4), &negative);
  if (magnitude.empty()) return out;
  out.sign = negative ? -1 : 1;
  out.digits = MagnitudeToDigits(magnitude);
  out.exponent = static_cast<int64_t>(out.digits.size()) - Scale(decimal);
  out.digits.erase(out.digits.find_last_not_of('0') + 1);
  return out;
}

Result<std::string> DecimalFromNormal(const NormalDecimal& d) {
  std::string out(4, '\0');
  if (d.sign == 0) return out + std::string(1, '\0');
  int64_t scale = static_cast<int64_t>(d.digits.size()) - d.exponent;
  std::string digits = d.digits;
  if (scale > INT32_MAX) {
    return Status(ErrorCode::kCorruption, "decimal out of range in a clustering key");
  }
  if (scale < INT32_MIN) {
    const int64_t pad = static_cast<int64_t>(INT32_MIN) - scale;
    if (pad > kMaxPadDigits) {
      return Status(ErrorCode::kCorruption, "decimal out of range in a clustering key");
    }
    digits.append(static_cast<size_t>(pad), '0');
    scale = INT32_MIN;
  }
  const uint32_t s = static_cast<uint32_t>(static_cast<int32_t>(scale));
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(s >> (24 - 8 * i));
  return out + VarintFromMagnitude(d.sign < 0, DigitsToMagnitude(digits));
}

int CompareVarints(std::string_view a, std::string_view b) { return CompareBigInt(a, b); }

int CompareDecimals(std::string_view a, std::string_view b) {
  bool na = false, nb = false;
  const std::string ma = VarintMagnitude(a.substr(4), &na);
  const std::string mb = VarintMagnitude(b.substr(4), &nb);
  const int sa = ma.empty() ? 0 : (na ? -1 : 1);
  const int sb = mb.empty() ? 0 : (nb ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  const int32_t scale_a = Scale(a), scale_b = Scale(b);
  if (scale_a == scale_b) return sa * CompareMagnitudes(ma, mb);
  // Decide on magnitudes when they are clearly apart: log10|x| lies in
  // [(bits - 1) log10(2) - scale, bits log10(2) - scale). The margin covers rounding.
  constexpr double kLog10Of2 = 0.30102999566398119521;
  constexpr double kMargin = 1e-3;
  const double bits_a = static_cast<double>(BitLength(ma)), bits_b = static_cast<double>(BitLength(mb));
  const double low_a = (bits_a - 1) * kLog10Of2 - scale_a, high_a = bits_a * kLog10Of2 - scale_a;
  const double low_b = (bits_b - 1) * kLog10Of2 - scale_b, high_b = bits_b * kLog10Of2 - scale_b;
  if (high_a + kMargin <= low_b) return -sa;
  if (high_b + kMargin <= low_a) return sa;
  // Close magnitudes: compare the normal forms (the digits cost grows with the byte size only).
  const NormalDecimal da = NormalizeDecimal(a), db = NormalizeDecimal(b);
  int c = da.exponent != db.exponent ? (da.exponent < db.exponent ? -1 : 1)
                                     : da.digits.compare(db.digits);
  c = c < 0 ? -1 : (c > 0 ? 1 : 0);
  return sa * c;
}

std::string VarintLiteral(std::string_view varint) {
  bool negative = false;
  const std::string magnitude = VarintMagnitude(varint, &negative);
  if (magnitude.size() > kMaxRenderedMagnitudeBytes) return Hex(varint);
  return (negative ? "-" : "") + MagnitudeToDigits(magnitude);
}

std::string DecimalLiteral(std::string_view decimal) {
  bool negative = false;
  const std::string magnitude = VarintMagnitude(decimal.substr(4), &negative);
  if (magnitude.size() > kMaxRenderedMagnitudeBytes) return Hex(decimal);
  const std::string sign = negative ? "-" : "";
  std::string digits = MagnitudeToDigits(magnitude);
  const int64_t scale = Scale(decimal);
  if (scale == 0) return sign + digits;
  if (scale < 0) return sign + digits + "E+" + std::to_string(-scale);
  const int64_t size = static_cast<int64_t>(digits.size());
  if (scale < size) {
    return sign + digits.substr(0, size - scale) + "." + digits.substr(size - scale);
  }
  // Leading zeros are written out only while they stay few: the scale is the client's.
  if (scale - size <= 32) return sign + "0." + std::string(scale - size, '0') + digits;
  return sign + digits + "E-" + std::to_string(scale);
}

}  // namespace sibyl::cql::types
