#pragma once
// Java number semantics for CQL's number types (tinyint, smallint, int, bigint, counter, float,
// double, varint, decimal), as Cassandra's NumberType subclasses implement them: the arithmetic
// of OperationFcts (integers wrap like Java's, division by zero fails like Java's), the
// conversions of CastFcts (Number.intValue() & co.), the 5.0 math functions, and Java's
// Float/Double/BigDecimal toString for CAST(x AS text).
//
// Every function takes values in native-protocol serialization (validated, non-empty) and
// returns one of the result type. Failures are kInvalid whose message is the Java exception's
// message ("/ by zero", "Division by zero", "BigInteger divide by zero"): callers wrap it into
// Cassandra's FunctionExecutionException text. Decimal results are rounded as
// MathContext.DECIMAL128 (34 digits, HALF_EVEN). Work is bounded by the operands' sizes, and
// decimal scales are kept within int32 as java.math.BigDecimal does.

#include <string>
#include <string_view>

#include "common/status.h"
#include "cql/types/type.h"

#include "query/namespaces.h"

namespace sibyl::query::functions {

// tinyint, smallint, int, bigint, counter, float, double, varint, decimal.
bool IsNumeric(types::Kind kind);

// OperationFcts.returnType: floating point if either is, of the wider size (counter counts as
// 8 bytes, varint and decimal as unbounded): int + bigint = bigint, int + float = float,
// bigint + float = double, varint + double = decimal.
types::Kind PromotedKind(types::Kind left, types::Kind right);

enum class ArithmeticOp : char {
  kAdd = '+',
  kSubtract = '-',
  kMultiply = '*',
  kDivide = '/',
  kModulo = '%',
};

// `result`.op(left, right) as NumberType does it.
Result<std::string> Arithmetic(ArithmeticOp op, types::Kind result, types::Kind left_kind,
                               std::string_view left, types::Kind right_kind,
                               std::string_view right);

// NumberType.negate / abs / exp / log / log10 / round (Cassandra 5.0 MathFcts), same type in
// and out. exp/log/log10 of varint and decimal are refused as unsupported (Cassandra computes
// them with BigDecimalMath to the input's precision).
enum class MathOp : uint8_t { kNegate, kAbs, kExp, kLog, kLog10, kRound };
Result<std::string> Math(MathOp op, types::Kind kind, std::string_view value);

// CastFcts' numeric conversions: Number.byteValue() ... doubleValue(), BigDecimal from the
// value (floats through Float.toString), BigInteger.valueOf(longValue()).
Result<std::string> ConvertNumber(types::Kind from, std::string_view value, types::Kind to);

// The value as Java prints it: Integer/Long.toString, Float/Double.toString ("1.0E10",
// "0.001", "NaN"), BigInteger and BigDecimal.toString.
std::string NumberToJavaString(types::Kind kind, std::string_view value);
std::string JavaDoubleToString(double v);
std::string JavaFloatToString(float v);

// Exact java.math operations for the aggregates (aggregate_functions.cc), on serialized
// decimal / varint values: BigDecimal.add and subtract (exact, scale max of the two),
// BigDecimal.divide(BigDecimal.valueOf(divisor), RoundingMode.HALF_EVEN) (the scale of the
// dividend), BigInteger.add and divide (truncating). REQUIRES divisor > 0.
Result<std::string> DecimalAdd(std::string_view a, std::string_view b);
Result<std::string> DecimalSubtract(std::string_view a, std::string_view b);
Result<std::string> DecimalDivideHalfEven(std::string_view a, int64_t divisor);
std::string VarintAdd(std::string_view a, std::string_view b);
std::string VarintDivide(std::string_view a, int64_t divisor);

}  // namespace sibyl::query::functions
