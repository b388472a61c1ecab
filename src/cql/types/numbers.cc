#include "cql/types/numbers.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>

#include "cql/types/mpz.h"

namespace sibyl::cql::types {

std::optional<int64_t> ParseInt64(std::string_view text) {
  if (text.empty()) return std::nullopt;
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  if (i == text.size()) return std::nullopt;
  uint64_t v = 0;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    uint64_t d = text[i] - '0';
    if (v > (limit - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return negative ? static_cast<int64_t>(~v + 1) : static_cast<int64_t>(v);
}

namespace {

// Decimal digits <-> magnitudes go through GMP (cql/types/mpz.h); small values skip GMP.

// REQUIRES: `digits` is non-empty and all ASCII digits (GMP would skip white space).
std::string MagnitudeFromDigits(std::string_view digits) {
  digits.remove_prefix(std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) return "";
  if (digits.size() <= 19) {
    uint64_t v = 0;
    for (char c : digits) v = v * 10 + static_cast<uint64_t>(c - '0');
    std::string out;
    for (; v; v >>= 8) out.push_back(static_cast<char>(v & 0xff));
    std::reverse(out.begin(), out.end());
    return out;
  }
  Mpz z;
  if (mpz_set_str(z.get(), std::string(digits).c_str(), 10) != 0) return "";
  std::string out((mpz_sizeinbase(z.get(), 2) + 7) / 8, '\0');
  size_t count = 0;
  mpz_export(out.data(), &count, /*order=*/1, /*size=*/1, /*endian=*/1, /*nails=*/0, z.get());
  out.resize(count);
  return out;
}

std::string DigitsFromMagnitude(std::string_view magnitude) {
  magnitude.remove_prefix(std::min(magnitude.find_first_not_of('\0'), magnitude.size()));
  if (magnitude.size() <= 8) {
    uint64_t v = 0;
    for (unsigned char byte : magnitude) v = (v << 8) | byte;
    return std::to_string(v);
  }
  Mpz z;
  mpz_import(z.get(), magnitude.size(), /*order=*/1, /*size=*/1, /*endian=*/1, /*nails=*/0,
             magnitude.data());
  std::string out(mpz_sizeinbase(z.get(), 10) + 2, '\0');
  mpz_get_str(out.data(), 10, z.get());
  out.resize(std::strlen(out.c_str()));
  return out;
}

void Negate(std::string& bytes) {
  int carry = 1;
  for (size_t i = bytes.size(); i-- > 0;) {
    int v = (~static_cast<uint8_t>(bytes[i]) & 0xff) + carry;
    bytes[i] = static_cast<char>(v & 0xff);
    carry = v >> 8;
  }
}

std::string ToTwosComplement(bool negative, std::string magnitude) {
  if (magnitude.empty()) return std::string(1, '\0');
  if (static_cast<uint8_t>(magnitude[0]) & 0x80) magnitude.insert(magnitude.begin(), '\0');
  if (negative) {
    Negate(magnitude);
    // Minimal form: drop redundant leading 0xff bytes (all at once: erasing one at a time from
    // the front would be quadratic).
    size_t drop = 0;
    while (drop + 1 < magnitude.size() && static_cast<uint8_t>(magnitude[drop]) == 0xff &&
           (static_cast<uint8_t>(magnitude[drop + 1]) & 0x80)) {
      ++drop;
    }
    magnitude.erase(0, drop);
  }
  return magnitude;
}

bool IsNegative(std::string_view b) { return !b.empty() && (static_cast<uint8_t>(b[0]) & 0x80); }

std::string SignExtend(std::string_view b, size_t size) {
  std::string out(size - b.size(), IsNegative(b) ? '\xff' : '\0');
  out.append(b);
  return out;
}

struct DecimalParts {
  bool negative = false;
  std::string digits;  // magnitude, no leading zeros ("0" for zero)
  int64_t scale = 0;
};

DecimalParts SplitDecimal(std::string_view bytes) {
  DecimalParts p;
  int32_t scale = 0;
  for (size_t i = 0; i < 4 && i < bytes.size(); ++i) {
    scale = static_cast<int32_t>((static_cast<uint32_t>(scale) << 8) |
                                 static_cast<uint8_t>(bytes[i]));
  }
  p.scale = scale;
  std::string unscaled = BigIntToDecimal(bytes.size() > 4 ? bytes.substr(4) : std::string_view());
  p.negative = !unscaled.empty() && unscaled[0] == '-';
  p.digits = p.negative ? unscaled.substr(1) : unscaled;
  return p;
}

}  // namespace

std::optional<std::string> BigIntFromDecimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = text[0] == '-';
  std::string_view digits = (text[0] == '-' || text[0] == '+') ? text.substr(1) : text;
  if (digits.empty()) return std::nullopt;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return ToTwosComplement(negative, MagnitudeFromDigits(digits));
}

std::string BigIntToDecimal(std::string_view bytes) {
  if (bytes.empty()) return "0";
  bool negative = IsNegative(bytes);
  std::string magnitude(bytes);
  if (negative) Negate(magnitude);
  std::string digits = DigitsFromMagnitude(magnitude);
  return negative && digits != "0" ? "-" + digits : digits;
}

int CompareBigInt(std::string_view a, std::string_view b) {
  bool na = IsNegative(a), nb = IsNegative(b);
  if (na != nb) return na ? -1 : 1;
  size_t size = std::max(a.size(), b.size());
  std::string ea = SignExtend(a, size), eb = SignExtend(b, size);
  int c = ea.compare(eb);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::optional<std::string> DecimalFromText(std::string_view s) {
  // The forms of java.math.BigDecimal(String): [sign] digits [. digits] [e|E [sign] digits],
  // with at least one digit in the significand.
  bool negative = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  std::string digits;
  int64_t frac = 0;
  bool seen_point = false, any_digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits.push_back(c);
      any_digit = true;
      if (seen_point) ++frac;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return std::nullopt;
  int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) exponent_negative = s[i++] == '-';
    if (i == s.size()) return std::nullopt;
    // Saturate: any exponent past int32 makes the scale overflow below, as in Java.
    constexpr int64_t kSaturated = int64_t{1} << 40;
    for (; i < s.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
      exponent = std::min(kSaturated, exponent * 10 + (s[i] - '0'));
    }
    if (exponent_negative) exponent = -exponent;
  }
  if (i != s.size()) return std::nullopt;
  // BigDecimal's scale is an int: "1E-2147483648" and "1E+2147483649" overflow it.
  int64_t scale = frac - exponent;
  if (scale > std::numeric_limits<int32_t>::max() || scale < std::numeric_limits<int32_t>::min()) {
    return std::nullopt;
  }
  std::string out(4, '\0');
  uint32_t u = static_cast<uint32_t>(static_cast<int32_t>(scale));
  for (int k = 0; k < 4; ++k) out[k] = static_cast<char>(u >> (24 - 8 * k));
  std::string magnitude = MagnitudeFromDigits(digits);
  const bool negative_value = negative && !magnitude.empty();  // no "-0"
  out += ToTwosComplement(negative_value, std::move(magnitude));
  return out;
}

std::string DecimalToText(std::string_view bytes) {
  // java.math.BigDecimal.toString(): plain notation when the scale is >= 0 and the adjusted
  // exponent >= -6, scientific otherwise. Never materialises the scale's zeros, so any scale
  // a client binds (up to 2^31) renders in O(digits).
  DecimalParts p = SplitDecimal(bytes);
  const std::string sign = p.negative ? "-" : "";
  const int64_t length = static_cast<int64_t>(p.digits.size());
  if (p.scale == 0) return sign + p.digits;
  const int64_t adjusted = -p.scale + (length - 1);
  if (p.scale > 0 && adjusted >= -6) {
    if (p.scale >= length) {
      return sign + "0." + std::string(static_cast<size_t>(p.scale - length), '0') + p.digits;
    }
    const size_t point = static_cast<size_t>(length - p.scale);
    return sign + p.digits.substr(0, point) + "." + p.digits.substr(point);
  }
  std::string out = sign + p.digits.substr(0, 1);
  if (length > 1) out += "." + p.digits.substr(1);
  if (adjusted != 0) out += "E" + std::string(adjusted > 0 ? "+" : "") + std::to_string(adjusted);
  return out;
}

int CompareDecimal(std::string_view a, std::string_view b) {
  DecimalParts pa = SplitDecimal(a), pb = SplitDecimal(b);
  bool za = pa.digits == "0", zb = pb.digits == "0";
  int sa = za ? 0 : (pa.negative ? -1 : 1), sb = zb ? 0 : (pb.negative ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  // Same sign, both non-zero: value = 0.d1d2... x 10^(length - scale) with d1 != 0, so the
  // larger exponent is the larger magnitude; on a tie the digits compare as fractions. Nothing
  // is padded by the scales (bound values may carry any int32 scale).
  const int64_t ea = static_cast<int64_t>(pa.digits.size()) - pa.scale;
  const int64_t eb = static_cast<int64_t>(pb.digits.size()) - pb.scale;
  int c = 0;
  if (ea != eb) {
    c = ea < eb ? -1 : 1;
  } else {
    const size_t common = std::min(pa.digits.size(), pb.digits.size());
    c = pa.digits.compare(0, common, pb.digits, 0, common);
    c = c < 0 ? -1 : (c > 0 ? 1 : 0);
    if (c == 0) {
      const std::string& longer = pa.digits.size() > common ? pa.digits : pb.digits;
      const bool rest_nonzero = longer.find_first_not_of('0', common) != std::string::npos;
      if (rest_nonzero) c = pa.digits.size() > common ? 1 : -1;
    }
  }
  return sa < 0 ? -c : c;
}

}  // namespace sibyl::cql::types
