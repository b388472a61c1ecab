// Java number semantics for CQL numbers (see numeric.h). References are Cassandra 4.1's
// db/marshal/*Type.java (add, substract, multiply, divide, mod, negate; 5.0 adds abs, exp, log,
// log10, round) and java.math.BigDecimal with MathContext.DECIMAL128.
#include "query/functions/numeric.h"

#include <fmt/format.h>
#include <gmp.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "cql/types/mpz.h"
#include "cql/types/numbers.h"
#include "cql/types/value.h"

namespace sibyl::query::functions {

using types::Kind;

namespace {

// The largest power of ten a decimal operation may materialise (aligning scales, rounding):
// java.math.BigDecimal would build any of them, but an operand with a scale of 2^31 must not
// make one request allocate gigabytes (issue 9: bounded work).
constexpr int64_t kMaxPowerOfTen = 100000;
constexpr int kDecimal128Digits = 34;

using types::Mpz;  // cql/types/mpz.h

template <typename T>
T FromBigEndian(std::string_view b) {
  using U = std::make_unsigned_t<T>;
  U v = 0;
  for (size_t i = 0; i < sizeof(T) && i < b.size(); ++i) v = static_cast<U>((v << 8) | static_cast<uint8_t>(b[i]));
  return static_cast<T>(v);
}

template <typename T>
std::string ToBigEndian(T v) {
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(v);
  std::string out(sizeof(T), '\0');
  for (int i = sizeof(T) - 1; i >= 0; --i) {
    out[i] = static_cast<char>(u & 0xff);
    if constexpr (sizeof(T) > 1) u >>= 8;
  }
  return out;
}

float ToFloat(std::string_view b) {
  uint32_t bits = FromBigEndian<uint32_t>(b);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
double ToDouble(std::string_view b) {
  uint64_t bits = FromBigEndian<uint64_t>(b);
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}
std::string FromFloat(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return ToBigEndian(bits);
}
std::string FromDouble(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return ToBigEndian(bits);
}

void VarintToMpz(std::string_view b, Mpz& out) {
  mpz_import(out.get(), b.size(), 1, 1, 1, 0, b.data());
  if (!b.empty() && (static_cast<uint8_t>(b[0]) & 0x80)) {
    Mpz full;
    mpz_ui_pow_ui(full.get(), 2, 8 * b.size());
    mpz_sub(out.get(), out.get(), full.get());
  }
}

// Minimal two's-complement big-endian bytes, as BigInteger.toByteArray().
std::string MpzToVarint(const Mpz& z) {
  if (mpz_sgn(z.get()) == 0) return std::string(1, '\0');
  size_t bytes = mpz_sizeinbase(z.get(), 2) / 8 + 1;
  Mpz t;
  if (mpz_sgn(z.get()) >= 0) {
    mpz_set(t.get(), z.get());
  } else {
    Mpz full;
    mpz_ui_pow_ui(full.get(), 2, 8 * bytes);
    mpz_add(t.get(), full.get(), z.get());
  }
  std::string out(bytes, '\0');
  size_t count = 0;
  std::string raw((mpz_sizeinbase(t.get(), 2) + 7) / 8, '\0');
  mpz_export(raw.data(), &count, 1, 1, 1, 0, t.get());
  raw.resize(count);
  std::memcpy(out.data() + (bytes - count), raw.data(), count);
  if (mpz_sgn(z.get()) < 0) {
    for (size_t i = 0; i < bytes - count; ++i) out[i] = '\xff';
  }
  // Drop redundant sign bytes.
  size_t start = 0;
  while (start + 1 < out.size() &&
         ((out[start] == '\0' && !(static_cast<uint8_t>(out[start + 1]) & 0x80)) ||
          (out[start] == '\xff' && (static_cast<uint8_t>(out[start + 1]) & 0x80)))) {
    ++start;
  }
  return out.substr(start);
}

int64_t LowInt64(const Mpz& z) {
  Mpz r;
  mpz_fdiv_r_2exp(r.get(), z.get(), 64);
  uint64_t v = 0;
  size_t count = 0;
  unsigned char buf[8] = {0};
  mpz_export(buf, &count, 1, 1, 1, 0, r.get());
  for (size_t i = 0; i < count; ++i) v = (v << 8) | buf[i];
  return static_cast<int64_t>(v);
}

size_t DecimalDigits(const Mpz& z) {
  if (mpz_sgn(z.get()) == 0) return 1;
  Mpz a;
  mpz_abs(a.get(), z.get());
  size_t n = mpz_sizeinbase(a.get(), 10);
  if (n > 1) {
    Mpz p;
    mpz_ui_pow_ui(p.get(), 10, n - 1);
    if (mpz_cmp(a.get(), p.get()) < 0) --n;
  }
  return n;
}

// A java.math.BigDecimal: unscaled * 10^-scale.
struct Decimal {
  Mpz unscaled;
  int64_t scale = 0;
};

Status Arith(const std::string& message) { return InvalidRequest(message); }

void DecimalFromBytes(std::string_view b, Decimal& d) {
  d.scale = FromBigEndian<int32_t>(b.substr(0, 4));
  VarintToMpz(b.substr(4), d.unscaled);
}

Result<std::string> DecimalToBytes(const Decimal& d) {
  if (d.scale > INT32_MAX) return Arith("Underflow");
  if (d.scale < INT32_MIN) return Arith("Overflow");
  return ToBigEndian<int32_t>(static_cast<int32_t>(d.scale)) + MpzToVarint(d.unscaled);
}

Status Pow10(Mpz& out, int64_t k) {
  if (k < 0 || k > kMaxPowerOfTen) {
    return Unsupported(fmt::format("decimal arithmetic needing 10^{} (scales too far apart)", k));
  }
  mpz_ui_pow_ui(out.get(), 10, static_cast<unsigned long>(k));
  return Status::OK();
}

// Rounds to `digits` significant digits, HALF_EVEN (HALF_UP when `half_up`); `sticky` says the
// value is a little more (in magnitude) than unscaled (a discarded non-zero division remainder).
Status RoundDigits(Decimal& d, size_t digits, bool sticky = false) {
  size_t n = DecimalDigits(d.unscaled);
  if (n <= digits) return Status::OK();
  int64_t drop = static_cast<int64_t>(n - digits);
  Mpz p, q, r;
  RETURN_IF_ERROR(Pow10(p, drop));
  mpz_tdiv_qr(q.get(), r.get(), d.unscaled.get(), p.get());
  mpz_abs(r.get(), r.get());
  mpz_mul_ui(r.get(), r.get(), 2);
  int c = mpz_cmp(r.get(), p.get());
  bool up = c > 0 || (c == 0 && (sticky || mpz_odd_p(q.get())));
  if (up) {
    if (mpz_sgn(d.unscaled.get()) < 0) {
      mpz_sub_ui(q.get(), q.get(), 1);
    } else {
      mpz_add_ui(q.get(), q.get(), 1);
    }
  }
  mpz_set(d.unscaled.get(), q.get());
  d.scale -= drop;
  if (DecimalDigits(d.unscaled) > digits) {  // 999...9 rounded up to 10^digits
    mpz_tdiv_q_ui(d.unscaled.get(), d.unscaled.get(), 10);
    d.scale -= 1;
  }
  return Status::OK();
}

Status Align(const Decimal& a, const Decimal& b, Mpz& ua, Mpz& ub, int64_t* scale) {
  *scale = std::max(a.scale, b.scale);
  Mpz p;
  RETURN_IF_ERROR(Pow10(p, *scale - a.scale));
  mpz_mul(ua.get(), a.unscaled.get(), p.get());
  RETURN_IF_ERROR(Pow10(p, *scale - b.scale));
  mpz_mul(ub.get(), b.unscaled.get(), p.get());
  return Status::OK();
}

// BigDecimal.divide(divisor, MathContext.DECIMAL128).
Status DecimalDivide(const Decimal& a, const Decimal& b, Decimal& out) {
  if (mpz_sgn(b.unscaled.get()) == 0) {
    return Arith(mpz_sgn(a.unscaled.get()) == 0 ? "Division undefined" : "Division by zero");
  }
  const int64_t preferred = a.scale - b.scale;
  if (mpz_sgn(a.unscaled.get()) == 0) {
    mpz_set_ui(out.unscaled.get(), 0);
    out.scale = std::clamp<int64_t>(preferred, INT32_MIN, INT32_MAX);
    return Status::OK();
  }
  int64_t k = std::max<int64_t>(0, kDecimal128Digits + 1 + static_cast<int64_t>(DecimalDigits(b.unscaled)) -
                                       static_cast<int64_t>(DecimalDigits(a.unscaled)));
  Mpz p, n, r;
  RETURN_IF_ERROR(Pow10(p, k));
  mpz_mul(n.get(), a.unscaled.get(), p.get());
  mpz_tdiv_qr(out.unscaled.get(), r.get(), n.get(), b.unscaled.get());
  out.scale = preferred + k;
  RETURN_IF_ERROR(RoundDigits(out, kDecimal128Digits, mpz_sgn(r.get()) != 0));
  // Strip trailing zeros down to the preferred scale (an exact quotient keeps no padding).
  if (mpz_sgn(r.get()) == 0) {
    while (out.scale > preferred && mpz_divisible_ui_p(out.unscaled.get(), 10)) {
      mpz_divexact_ui(out.unscaled.get(), out.unscaled.get(), 10);
      --out.scale;
    }
  }
  return Status::OK();
}

bool IsIntegral(Kind k) {
  return k == Kind::kTinyint || k == Kind::kSmallint || k == Kind::kInt || k == Kind::kBigint ||
         k == Kind::kCounter;
}

int64_t IntegralValue(Kind k, std::string_view b) {
  switch (k) {
    case Kind::kTinyint: return static_cast<int8_t>(b[0]);
    case Kind::kSmallint: return FromBigEndian<int16_t>(b);
    case Kind::kInt: return FromBigEndian<int32_t>(b);
    default: return FromBigEndian<int64_t>(b);
  }
}

std::string IntegralBytes(Kind k, int64_t v) {
  switch (k) {
    case Kind::kTinyint: return std::string(1, static_cast<char>(static_cast<int8_t>(v)));
    case Kind::kSmallint: return ToBigEndian<int16_t>(static_cast<int16_t>(v));
    case Kind::kInt: return ToBigEndian<int32_t>(static_cast<int32_t>(v));
    default: return ToBigEndian<int64_t>(v);
  }
}

// Java's narrowing of a double to long / int: NaN is 0, out of range saturates.
template <typename T>
T JavaNarrow(double d) {
  if (std::isnan(d)) return 0;
  if (d >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  if (d <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  return static_cast<T>(d);
}

void ToMpz(Kind k, std::string_view b, Mpz& out) {
  if (k == Kind::kVarint) {
    VarintToMpz(b, out);
  } else {
    mpz_set_si(out.get(), static_cast<long>(IntegralValue(k, b)));
  }
}

double JavaDoubleValue(Kind k, std::string_view b) {
  switch (k) {
    case Kind::kFloat: return ToFloat(b);
    case Kind::kDouble: return ToDouble(b);
    case Kind::kVarint: return std::strtod(types::BigIntToDecimal(b).c_str(), nullptr);
    case Kind::kDecimal: return std::strtod(types::DecimalToText(b).c_str(), nullptr);
    default: return static_cast<double>(IntegralValue(k, b));
  }
}

float JavaFloatValue(Kind k, std::string_view b) {
  switch (k) {
    case Kind::kFloat: return ToFloat(b);
    case Kind::kDouble: return static_cast<float>(ToDouble(b));
    case Kind::kVarint: return std::strtof(types::BigIntToDecimal(b).c_str(), nullptr);
    case Kind::kDecimal: return std::strtof(types::DecimalToText(b).c_str(), nullptr);
    default: return static_cast<float>(IntegralValue(k, b));
  }
}

// Number.longValue(): floats narrow, BigInteger/BigDecimal keep the low 64 bits of the
// (truncated) integer.
int64_t JavaLongValue(Kind k, std::string_view b) {
  switch (k) {
    case Kind::kFloat:
    case Kind::kDouble: return JavaNarrow<int64_t>(JavaDoubleValue(k, b));
    case Kind::kVarint: {
      Mpz z;
      VarintToMpz(b, z);
      return LowInt64(z);
    }
    case Kind::kDecimal: {
      Decimal d;
      DecimalFromBytes(b, d);
      if (d.scale <= -64) return 0;  // 10^64 is a multiple of 2^64
      Mpz p, q;
      if (d.scale < 0) {
        mpz_ui_pow_ui(p.get(), 10, static_cast<unsigned long>(-d.scale));
        mpz_mul(q.get(), d.unscaled.get(), p.get());
      } else if (static_cast<size_t>(d.scale) > DecimalDigits(d.unscaled)) {
        return 0;
      } else {
        mpz_ui_pow_ui(p.get(), 10, static_cast<unsigned long>(d.scale));
        mpz_tdiv_q(q.get(), d.unscaled.get(), p.get());
      }
      return LowInt64(q);
    }
    default: return IntegralValue(k, b);
  }
}

// Number.intValue(): floats narrow to int, the others keep the low 32 bits.
int32_t JavaIntValue(Kind k, std::string_view b) {
  if (k == Kind::kFloat || k == Kind::kDouble) return JavaNarrow<int32_t>(JavaDoubleValue(k, b));
  return static_cast<int32_t>(JavaLongValue(k, b));
}

std::string NumberFormatMessage(const std::string& text) {
  return fmt::format(
      "Character {} is neither a decimal digit number, decimal point, nor \"e\" notation "
      "exponential mark.",
      text.empty() ? '?' : text[0]);
}

// NumberType.toBigDecimal for an operand of `k`.
Status ToDecimal(Kind k, std::string_view b, Decimal& out, bool float_as_string) {
  switch (k) {
    case Kind::kDecimal: DecimalFromBytes(b, out); return Status::OK();
    case Kind::kFloat:
    case Kind::kDouble: {
      std::string text = k == Kind::kFloat && float_as_string ? JavaFloatToString(ToFloat(b))
                                                              : JavaDoubleToString(JavaDoubleValue(k, b));
      auto bytes = types::DecimalFromText(text);
      if (!bytes) return Arith(NumberFormatMessage(text));
      DecimalFromBytes(*bytes, out);
      return Status::OK();
    }
    default:
      ToMpz(k, b, out.unscaled);
      out.scale = 0;
      return Status::OK();
  }
}

int Size(Kind k) {
  switch (k) {
    case Kind::kTinyint: return 1;
    case Kind::kSmallint: return 2;
    case Kind::kInt:
    case Kind::kFloat: return 4;
    case Kind::kBigint:
    case Kind::kCounter:
    case Kind::kDouble: return 8;
    default: return INT32_MAX;
  }
}

// Java's Float/Double.toString: the shortest digits that read back, plain between 10^-3 and
// 10^7, "d.dddE<n>" outside.
std::string JavaFloatingToString(const char* scientific, bool negative_zero_sign) {
  std::string s(scientific);
  std::string sign;
  if (!s.empty() && s[0] == '-') {
    sign = "-";
    s = s.substr(1);
  }
  (void)negative_zero_sign;
  size_t e = s.find('e');
  std::string mantissa = s.substr(0, e);
  int exponent = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (digits == "0") return sign + "0.0";
  if (exponent >= -3 && exponent < 7) {
    if (exponent >= 0) {
      std::string integer = digits.substr(0, std::min<size_t>(digits.size(), exponent + 1));
      while (static_cast<int>(integer.size()) < exponent + 1) integer += '0';
      std::string fraction =
          digits.size() > static_cast<size_t>(exponent + 1) ? digits.substr(exponent + 1) : "0";
      return sign + integer + "." + fraction;
    }
    return sign + "0." + std::string(-exponent - 1, '0') + digits;
  }
  std::string fraction = digits.size() > 1 ? digits.substr(1) : "0";
  return sign + digits.substr(0, 1) + "." + fraction + "E" + std::to_string(exponent);
}

}  // namespace

bool IsNumeric(Kind kind) {
  return IsIntegral(kind) || kind == Kind::kFloat || kind == Kind::kDouble ||
         kind == Kind::kVarint || kind == Kind::kDecimal;
}

Kind PromotedKind(Kind left, Kind right) {
  const bool floating = left == Kind::kFloat || left == Kind::kDouble || left == Kind::kDecimal ||
                        right == Kind::kFloat || right == Kind::kDouble || right == Kind::kDecimal;
  const int size = std::max(Size(left), Size(right));
  if (floating) return size == 4 ? Kind::kFloat : size == 8 ? Kind::kDouble : Kind::kDecimal;
  switch (size) {
    case 1: return Kind::kTinyint;
    case 2: return Kind::kSmallint;
    case 4: return Kind::kInt;
    case 8: return Kind::kBigint;
    default: return Kind::kVarint;
  }
}

namespace {
// Java prints at least two significant digits ("1.0E10", "4.9E-324"): when the shortest
// representation has one, the closest two-digit one is used.
template <typename T>
std::string JavaFloatingToStringOf(T v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf) - 1, v, std::chars_format::scientific);
  *res.ptr = '\0';
  if (std::string_view(buf).find('.') == std::string_view::npos && v != 0) {
    res = std::to_chars(buf, buf + sizeof(buf) - 1, v, std::chars_format::scientific, 1);
    *res.ptr = '\0';
  }
  return JavaFloatingToString(buf, std::signbit(v));
}
}  // namespace

std::string JavaDoubleToString(double v) { return JavaFloatingToStringOf(v); }

std::string JavaFloatToString(float v) { return JavaFloatingToStringOf(v); }

std::string NumberToJavaString(Kind kind, std::string_view value) {
  switch (kind) {
    case Kind::kFloat: return JavaFloatToString(ToFloat(value));
    case Kind::kDouble: return JavaDoubleToString(ToDouble(value));
    case Kind::kVarint: return types::BigIntToDecimal(value);
    case Kind::kDecimal: return types::DecimalToText(value);
    default: return std::to_string(IntegralValue(kind, value));
  }
}

Result<std::string> Arithmetic(ArithmeticOp op, Kind result, Kind left_kind, std::string_view left,
                               Kind right_kind, std::string_view right) {
  if (IsIntegral(result)) {
    const int64_t a = IntegralValue(left_kind, left);
    const int64_t b = IntegralValue(right_kind, right);
    const uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
    int64_t v = 0;
    switch (op) {
      case ArithmeticOp::kAdd: v = static_cast<int64_t>(ua + ub); break;
      case ArithmeticOp::kSubtract: v = static_cast<int64_t>(ua - ub); break;
      case ArithmeticOp::kMultiply: v = static_cast<int64_t>(ua * ub); break;
      case ArithmeticOp::kDivide:
      case ArithmeticOp::kModulo:
        if (b == 0) return Arith("/ by zero");
        if (a == INT64_MIN && b == -1) {
          v = op == ArithmeticOp::kDivide ? INT64_MIN : 0;  // Java wraps, C++ would trap
        } else {
          v = op == ArithmeticOp::kDivide ? a / b : a % b;
        }
        break;
    }
    return IntegralBytes(result, v);
  }
  if (result == Kind::kFloat) {
    const float a = JavaFloatValue(left_kind, left), b = JavaFloatValue(right_kind, right);
    switch (op) {
      case ArithmeticOp::kAdd: return FromFloat(a + b);
      case ArithmeticOp::kSubtract: return FromFloat(a - b);
      case ArithmeticOp::kMultiply: return FromFloat(a * b);
      case ArithmeticOp::kDivide: return FromFloat(a / b);
      case ArithmeticOp::kModulo: return FromFloat(std::fmod(a, b));
    }
  }
  if (result == Kind::kDouble) {
    const double a = JavaDoubleValue(left_kind, left), b = JavaDoubleValue(right_kind, right);
    switch (op) {
      case ArithmeticOp::kAdd: return FromDouble(a + b);
      case ArithmeticOp::kSubtract: return FromDouble(a - b);
      case ArithmeticOp::kMultiply: return FromDouble(a * b);
      case ArithmeticOp::kDivide: return FromDouble(a / b);
      case ArithmeticOp::kModulo: return FromDouble(std::fmod(a, b));
    }
  }
  if (result == Kind::kVarint) {
    Mpz a, b, r;
    ToMpz(left_kind, left, a);
    ToMpz(right_kind, right, b);
    switch (op) {
      case ArithmeticOp::kAdd: mpz_add(r.get(), a.get(), b.get()); break;
      case ArithmeticOp::kSubtract: mpz_sub(r.get(), a.get(), b.get()); break;
      case ArithmeticOp::kMultiply: mpz_mul(r.get(), a.get(), b.get()); break;
      case ArithmeticOp::kDivide:
      case ArithmeticOp::kModulo:
        if (mpz_sgn(b.get()) == 0) return Arith("BigInteger divide by zero");
        if (op == ArithmeticOp::kDivide) {
          mpz_tdiv_q(r.get(), a.get(), b.get());
        } else {
          mpz_tdiv_r(r.get(), a.get(), b.get());
        }
        break;
    }
    return MpzToVarint(r);
  }
  if (result == Kind::kDecimal) {
    Decimal a, b, r;
    RETURN_IF_ERROR(ToDecimal(left_kind, left, a, false));
    RETURN_IF_ERROR(ToDecimal(right_kind, right, b, false));
    switch (op) {
      case ArithmeticOp::kAdd:
      case ArithmeticOp::kSubtract: {
        Mpz ua, ub;
        RETURN_IF_ERROR(Align(a, b, ua, ub, &r.scale));
        if (op == ArithmeticOp::kAdd) {
          mpz_add(r.unscaled.get(), ua.get(), ub.get());
        } else {
          mpz_sub(r.unscaled.get(), ua.get(), ub.get());
        }
        RETURN_IF_ERROR(RoundDigits(r, kDecimal128Digits));
        break;
      }
      case ArithmeticOp::kMultiply:
        mpz_mul(r.unscaled.get(), a.unscaled.get(), b.unscaled.get());
        r.scale = a.scale + b.scale;
        RETURN_IF_ERROR(RoundDigits(r, kDecimal128Digits));
        break;
      case ArithmeticOp::kDivide:
        RETURN_IF_ERROR(DecimalDivide(a, b, r));
        break;
      case ArithmeticOp::kModulo: {
        if (mpz_sgn(b.unscaled.get()) == 0) {
          return Arith(mpz_sgn(a.unscaled.get()) == 0 ? "Division undefined" : "Division by zero");
        }
        Mpz ua, ub;
        RETURN_IF_ERROR(Align(a, b, ua, ub, &r.scale));
        mpz_tdiv_r(r.unscaled.get(), ua.get(), ub.get());
        break;
      }
    }
    return DecimalToBytes(r);
  }
  return InternalError("arithmetic on a non-numeric type");
}

Result<std::string> Math(MathOp op, Kind kind, std::string_view value) {
  if (IsIntegral(kind)) {
    const int64_t v = IntegralValue(kind, value);
    // The narrow types compute in int and cast back (Java), bigint and counter in long.
    const Kind out_kind = kind == Kind::kCounter ? Kind::kBigint : kind;
    auto narrow = [&](double d) -> int64_t {
      return out_kind == Kind::kBigint ? JavaNarrow<int64_t>(d) : JavaNarrow<int32_t>(d);
    };
    switch (op) {
      case MathOp::kNegate: return IntegralBytes(out_kind, static_cast<int64_t>(0 - static_cast<uint64_t>(v)));
      case MathOp::kAbs: return IntegralBytes(out_kind, v < 0 ? static_cast<int64_t>(0 - static_cast<uint64_t>(v)) : v);
      case MathOp::kExp: return IntegralBytes(out_kind, narrow(std::exp(static_cast<double>(v))));
      case MathOp::kLog: return IntegralBytes(out_kind, narrow(std::log(static_cast<double>(v))));
      case MathOp::kLog10: return IntegralBytes(out_kind, narrow(std::log10(static_cast<double>(v))));
      case MathOp::kRound: return IntegralBytes(out_kind, v);
    }
  }
  if (kind == Kind::kFloat) {
    const float f = ToFloat(value);
    switch (op) {
      case MathOp::kNegate: return FromFloat(-f);
      case MathOp::kAbs: return FromFloat(std::fabs(f));
      case MathOp::kExp: return FromFloat(static_cast<float>(std::exp(static_cast<double>(f))));
      case MathOp::kLog: return FromFloat(static_cast<float>(std::log(static_cast<double>(f))));
      case MathOp::kLog10: return FromFloat(static_cast<float>(std::log10(static_cast<double>(f))));
      case MathOp::kRound:  // Math.round(float): floor(x + 0.5) as an int
        return FromFloat(static_cast<float>(JavaNarrow<int32_t>(std::floor(static_cast<double>(f) + 0.5))));
    }
  }
  if (kind == Kind::kDouble) {
    const double d = ToDouble(value);
    switch (op) {
      case MathOp::kNegate: return FromDouble(-d);
      case MathOp::kAbs: return FromDouble(std::fabs(d));
      case MathOp::kExp: return FromDouble(std::exp(d));
      case MathOp::kLog: return FromDouble(std::log(d));
      case MathOp::kLog10: return FromDouble(std::log10(d));
      case MathOp::kRound:  // Math.round(double): floor(x + 0.5) as a long
        return FromDouble(static_cast<double>(JavaNarrow<int64_t>(std::floor(d + 0.5))));
    }
  }
  if (kind == Kind::kVarint || kind == Kind::kDecimal) {
    if (op == MathOp::kExp || op == MathOp::kLog || op == MathOp::kLog10) {
      return Unsupported(fmt::format(
          "exp, log and log10 of {} (Cassandra 5.0 computes them to the input's precision)",
          kind == Kind::kVarint ? "varint" : "decimal"));
    }
    if (kind == Kind::kVarint) {
      Mpz z;
      VarintToMpz(value, z);
      if (op == MathOp::kNegate) mpz_neg(z.get(), z.get());
      if (op == MathOp::kAbs) mpz_abs(z.get(), z.get());
      return MpzToVarint(z);
    }
    Decimal d;
    DecimalFromBytes(value, d);
    if (op == MathOp::kNegate) mpz_neg(d.unscaled.get(), d.unscaled.get());
    if (op == MathOp::kAbs) mpz_abs(d.unscaled.get(), d.unscaled.get());
    if (op == MathOp::kRound) {  // setScale(0, RoundingMode.HALF_UP)
      Mpz p;
      if (d.scale < 0) {
        RETURN_IF_ERROR(Pow10(p, -d.scale));
        mpz_mul(d.unscaled.get(), d.unscaled.get(), p.get());
      } else if (d.scale > 0) {
        if (static_cast<size_t>(d.scale) > DecimalDigits(d.unscaled) + 1) {
          mpz_set_ui(d.unscaled.get(), 0);
        } else {
          Mpz q, r;
          RETURN_IF_ERROR(Pow10(p, d.scale));
          mpz_tdiv_qr(q.get(), r.get(), d.unscaled.get(), p.get());
          mpz_abs(r.get(), r.get());
          mpz_mul_ui(r.get(), r.get(), 2);
          if (mpz_cmp(r.get(), p.get()) >= 0) {
            if (mpz_sgn(d.unscaled.get()) < 0) {
              mpz_sub_ui(q.get(), q.get(), 1);
            } else {
              mpz_add_ui(q.get(), q.get(), 1);
            }
          }
          mpz_set(d.unscaled.get(), q.get());
        }
      }
      d.scale = 0;
    }
    return DecimalToBytes(d);
  }
  return InternalError("math on a non-numeric type");
}

Result<std::string> ConvertNumber(Kind from, std::string_view value, Kind to) {
  switch (to) {
    case Kind::kTinyint: return IntegralBytes(to, static_cast<int8_t>(JavaIntValue(from, value)));
    case Kind::kSmallint: return IntegralBytes(to, static_cast<int16_t>(JavaIntValue(from, value)));
    case Kind::kInt: return IntegralBytes(to, JavaIntValue(from, value));
    case Kind::kBigint:
    case Kind::kCounter: return IntegralBytes(Kind::kBigint, JavaLongValue(from, value));
    case Kind::kFloat: return FromFloat(JavaFloatValue(from, value));
    case Kind::kDouble: return FromDouble(JavaDoubleValue(from, value));
    case Kind::kVarint: {
      Mpz z;
      mpz_set_si(z.get(), static_cast<long>(JavaLongValue(from, value)));
      return MpzToVarint(z);
    }
    case Kind::kDecimal: {
      Decimal d;
      Status s = ToDecimal(from, value, d, /*float_as_string=*/true);
      if (!s.ok()) return InvalidRequest("java.lang.NumberFormatException: " + s.message());
      return DecimalToBytes(d);
    }
    default: return InternalError("conversion to a non-numeric type");
  }
}

// ---- exact operations for the aggregates (numeric.h) --------------------------------------

namespace {
Result<std::string> DecimalAddOrSubtract(std::string_view a, std::string_view b, bool subtract) {
  Decimal x;
  Decimal y;
  DecimalFromBytes(a, x);
  DecimalFromBytes(b, y);
  Decimal out;
  Mpz ub;
  RETURN_IF_ERROR(Align(x, y, out.unscaled, ub, &out.scale));
  if (subtract) {
    mpz_sub(out.unscaled.get(), out.unscaled.get(), ub.get());
  } else {
    mpz_add(out.unscaled.get(), out.unscaled.get(), ub.get());
  }
  return DecimalToBytes(out);
}
}  // namespace

Result<std::string> DecimalAdd(std::string_view a, std::string_view b) {
  return DecimalAddOrSubtract(a, b, false);
}

Result<std::string> DecimalSubtract(std::string_view a, std::string_view b) {
  return DecimalAddOrSubtract(a, b, true);
}

Result<std::string> DecimalDivideHalfEven(std::string_view a, int64_t divisor) {
  Decimal x;
  DecimalFromBytes(a, x);
  Decimal out;
  out.scale = x.scale;
  Mpz d;
  Mpz r;
  mpz_set_si(d.get(), static_cast<long>(divisor));
  mpz_tdiv_qr(out.unscaled.get(), r.get(), x.unscaled.get(), d.get());
  mpz_abs(r.get(), r.get());
  mpz_mul_ui(r.get(), r.get(), 2);
  const int c = mpz_cmp(r.get(), d.get());
  if (c > 0 || (c == 0 && mpz_odd_p(out.unscaled.get()))) {
    if (mpz_sgn(x.unscaled.get()) < 0) {
      mpz_sub_ui(out.unscaled.get(), out.unscaled.get(), 1);
    } else {
      mpz_add_ui(out.unscaled.get(), out.unscaled.get(), 1);
    }
  }
  return DecimalToBytes(out);
}

std::string VarintAdd(std::string_view a, std::string_view b) {
  Mpz x;
  Mpz y;
  VarintToMpz(a, x);
  VarintToMpz(b, y);
  mpz_add(x.get(), x.get(), y.get());
  return MpzToVarint(x);
}

std::string VarintDivide(std::string_view a, int64_t divisor) {
  Mpz x;
  Mpz d;
  VarintToMpz(a, x);
  mpz_set_si(d.get(), static_cast<long>(divisor));
  mpz_tdiv_q(x.get(), x.get(), d.get());
  return MpzToVarint(x);
}

}  // namespace sibyl::query::functions
