#include "cql/types/numbers.h"

#include <algorithm>
#include <cctype>
#include <vector>

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

// Magnitude (unsigned big-endian bytes) <-> decimal digits.
std::string MagnitudeFromDigits(std::string digits) {
  std::string bytes;  // little-endian while building
  while (!(digits.empty() || (digits.size() == 1 && digits[0] == '0'))) {
    int rem = 0;
    std::string quotient;
    for (char c : digits) {
      int cur = rem * 10 + (c - '0');
      int q = cur / 256;
      rem = cur % 256;
      if (!quotient.empty() || q) quotient.push_back(static_cast<char>('0' + q));
    }
    bytes.push_back(static_cast<char>(rem));
    digits = quotient.empty() ? "0" : quotient;
  }
  std::reverse(bytes.begin(), bytes.end());
  return bytes;
}

std::string DigitsFromMagnitude(std::string_view magnitude) {
  std::vector<uint32_t> parts = {0};  // base 1e9, little-endian
  for (unsigned char byte : magnitude) {
    uint64_t carry = byte;
    for (auto& p : parts) {
      uint64_t cur = static_cast<uint64_t>(p) * 256 + carry;
      p = static_cast<uint32_t>(cur % 1000000000);
      carry = cur / 1000000000;
    }
    while (carry) {
      parts.push_back(static_cast<uint32_t>(carry % 1000000000));
      carry /= 1000000000;
    }
  }
  std::string out = std::to_string(parts.back());
  for (size_t i = parts.size() - 1; i-- > 0;) {
    std::string chunk = std::to_string(parts[i]);
    out += std::string(9 - chunk.size(), '0') + chunk;
  }
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
    // Minimal form: drop redundant leading 0xff bytes.
    while (magnitude.size() > 1 && static_cast<uint8_t>(magnitude[0]) == 0xff &&
           (static_cast<uint8_t>(magnitude[1]) & 0x80)) {
      magnitude.erase(magnitude.begin());
    }
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
    scale = (scale << 8) | static_cast<uint8_t>(bytes[i]);
  }
  p.scale = scale;
  std::string unscaled = BigIntToDecimal(bytes.size() > 4 ? bytes.substr(4) : std::string_view());
  p.negative = !unscaled.empty() && unscaled[0] == '-';
  p.digits = p.negative ? unscaled.substr(1) : unscaled;
  return p;
}

int CompareDigits(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
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
  return ToTwosComplement(negative, MagnitudeFromDigits(std::string(digits)));
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

std::optional<std::string> DecimalFromText(std::string_view text) {
  std::string s(text);
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
    auto e = ParseInt64(std::string_view(s).substr(i + 1));
    if (!e || *e > 1000000 || *e < -1000000) return std::nullopt;
    exponent = *e;
    i = s.size();
  }
  if (i != s.size()) return std::nullopt;
  int64_t scale = frac - exponent;
  if (scale > INT32_MAX || scale < INT32_MIN) return std::nullopt;
  std::string out(4, '\0');
  uint32_t u = static_cast<uint32_t>(static_cast<int32_t>(scale));
  for (int k = 0; k < 4; ++k) out[k] = static_cast<char>(u >> (24 - 8 * k));
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
  out += ToTwosComplement(negative && digits != "0", MagnitudeFromDigits(digits));
  return out;
}

std::string DecimalToText(std::string_view bytes) {
  DecimalParts p = SplitDecimal(bytes);
  std::string sign = p.negative ? "-" : "";
  if (p.scale <= 0) {
    return sign + p.digits + (p.scale < 0 ? "E+" + std::to_string(-p.scale) : "");
  }
  std::string digits = p.digits;
  if (static_cast<int64_t>(digits.size()) <= p.scale) {
    digits = std::string(p.scale - digits.size() + 1, '0') + digits;
  }
  size_t point = digits.size() - p.scale;
  return sign + digits.substr(0, point) + "." + digits.substr(point);
}

int CompareDecimal(std::string_view a, std::string_view b) {
  DecimalParts pa = SplitDecimal(a), pb = SplitDecimal(b);
  bool za = pa.digits == "0", zb = pb.digits == "0";
  int sa = za ? 0 : (pa.negative ? -1 : 1), sb = zb ? 0 : (pb.negative ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int64_t scale = std::max(pa.scale, pb.scale);
  std::string da = pa.digits + std::string(scale - pa.scale, '0');
  std::string db = pb.digits + std::string(scale - pb.scale, '0');
  int c = CompareDigits(da, db);
  return sa < 0 ? -c : c;
}

}  // namespace sibyl::cql::types
