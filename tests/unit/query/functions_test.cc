// Native scalar functions, operators and CAST (issue 13): the Java number semantics of
// numeric.h, the temporal conversions, every registered function on null and on a sample of
// each argument type, overload resolution as Cassandra 4.1's FunctionResolver, and the whole
// path through the processor (column names, bind marker specs, errors). Expected values follow
// Cassandra 4.1 (db/marshal/*Type.java, cql3/functions/*Fcts.java) and Java's
// Float/Double/BigDecimal.toString.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "cql/types/numbers.h"
#include "cql/types/validate.h"
#include "cql/types/value.h"
#include "query/functions/function.h"
#include "query/functions/function_resolver.h"
#include "query/functions/numeric.h"
#include "query/functions/time_conversions.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

using cql::types::Kind;
using cql::types::Type;
using functions::ArithmeticOp;
using testing::HasSubstr;

std::string Bytes(Kind kind, const std::string& literal) {
  cql::types::LiteralKind lk = cql::types::LiteralKind::kInteger;
  if (literal.find_first_of(".eEN") != std::string::npos && kind != Kind::kVarchar) {
    lk = cql::types::LiteralKind::kFloat;
  }
  if (kind == Kind::kTimestamp || kind == Kind::kDate || kind == Kind::kVarchar ||
      kind == Kind::kInet || kind == Kind::kTime || kind == Kind::kAscii) {
    lk = cql::types::LiteralKind::kString;
  }
  if (kind == Kind::kDuration) lk = cql::types::LiteralKind::kDuration;
  if (kind == Kind::kUuid || kind == Kind::kTimeuuid) lk = cql::types::LiteralKind::kUuid;
  if (kind == Kind::kBlob) lk = cql::types::LiteralKind::kHex;
  if (kind == Kind::kBoolean) lk = cql::types::LiteralKind::kBoolean;
  auto v = cql::types::ParseLiteral(Type(kind), lk, literal, "x");
  EXPECT_TRUE(v.ok()) << literal << ": " << v.status().ToString();
  return v.ok() ? *v : std::string();
}

std::string Render(Kind kind, const std::string& bytes) {
  if (functions::IsNumeric(kind)) return functions::NumberToJavaString(kind, bytes);
  return cql::types::ToCqlLiteral(Type(kind), bytes);
}

// ---- OperationFcts: promotion, results, failures ------------------------------------------------

TEST(Functions, PromotionFollowsOperationFctsReturnType) {
  struct Case { Kind left, right, result; };
  const Case cases[] = {
      {Kind::kInt, Kind::kBigint, Kind::kBigint},      {Kind::kTinyint, Kind::kSmallint, Kind::kSmallint},
      {Kind::kInt, Kind::kFloat, Kind::kFloat},        {Kind::kBigint, Kind::kFloat, Kind::kDouble},
      {Kind::kInt, Kind::kVarint, Kind::kVarint},      {Kind::kDouble, Kind::kVarint, Kind::kDecimal},
      {Kind::kFloat, Kind::kDecimal, Kind::kDecimal},  {Kind::kCounter, Kind::kInt, Kind::kBigint},
      {Kind::kTinyint, Kind::kTinyint, Kind::kTinyint}, {Kind::kCounter, Kind::kFloat, Kind::kDouble},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(functions::PromotedKind(c.left, c.right), c.result)
        << Type(c.left).ToCql() << " with " << Type(c.right).ToCql();
  }
}

TEST(Functions, ArithmeticGivesJavasResults) {
  struct Case {
    ArithmeticOp op;
    Kind left;
    const char* a;
    Kind right;
    const char* b;
    const char* expected;  // Java's toString of the result, or the failure's message
  };
  const Case cases[] = {
      {ArithmeticOp::kDivide, Kind::kInt, "7", Kind::kInt, "2", "3"},
      {ArithmeticOp::kModulo, Kind::kInt, "-7", Kind::kInt, "2", "-1"},
      {ArithmeticOp::kAdd, Kind::kInt, "2147483647", Kind::kInt, "1", "-2147483648"},
      {ArithmeticOp::kAdd, Kind::kTinyint, "127", Kind::kTinyint, "1", "-128"},
      {ArithmeticOp::kDivide, Kind::kInt, "-2147483648", Kind::kInt, "-1", "-2147483648"},
      {ArithmeticOp::kDivide, Kind::kBigint, "-9223372036854775808", Kind::kBigint, "-1",
       "-9223372036854775808"},
      {ArithmeticOp::kModulo, Kind::kBigint, "-9223372036854775808", Kind::kBigint, "-1", "0"},
      {ArithmeticOp::kDivide, Kind::kInt, "1", Kind::kInt, "0", "/ by zero"},
      {ArithmeticOp::kModulo, Kind::kSmallint, "1", Kind::kSmallint, "0", "/ by zero"},
      {ArithmeticOp::kMultiply, Kind::kInt, "3", Kind::kFloat, "1.5", "4.5"},
      {ArithmeticOp::kAdd, Kind::kDouble, "0.1", Kind::kDouble, "0.2", "0.30000000000000004"},
      {ArithmeticOp::kDivide, Kind::kDouble, "1", Kind::kDouble, "0", "Infinity"},
      {ArithmeticOp::kModulo, Kind::kDouble, "5.5", Kind::kDouble, "2", "1.5"},
      {ArithmeticOp::kAdd, Kind::kVarint, "99999999999999999999", Kind::kInt, "1",
       "100000000000000000000"},
      {ArithmeticOp::kDivide, Kind::kVarint, "-7", Kind::kVarint, "2", "-3"},
      {ArithmeticOp::kModulo, Kind::kVarint, "-7", Kind::kVarint, "2", "-1"},
      {ArithmeticOp::kDivide, Kind::kVarint, "1", Kind::kVarint, "0", "BigInteger divide by zero"},
      {ArithmeticOp::kMultiply, Kind::kDecimal, "1.10", Kind::kInt, "2", "2.20"},
      {ArithmeticOp::kAdd, Kind::kDecimal, "1.1", Kind::kDecimal, "0.05", "1.15"},
      {ArithmeticOp::kSubtract, Kind::kDecimal, "1", Kind::kDecimal, "1.000", "0.000"},
      {ArithmeticOp::kDivide, Kind::kDecimal, "1", Kind::kDecimal, "3",
       "0.3333333333333333333333333333333333"},
      {ArithmeticOp::kDivide, Kind::kDecimal, "2", Kind::kDecimal, "3",
       "0.6666666666666666666666666666666667"},
      {ArithmeticOp::kDivide, Kind::kDecimal, "1", Kind::kDecimal, "4", "0.25"},
      {ArithmeticOp::kDivide, Kind::kDecimal, "10", Kind::kDecimal, "5", "2"},
      {ArithmeticOp::kDivide, Kind::kDecimal, "1.00", Kind::kDecimal, "1", "1.00"},
      {ArithmeticOp::kDivide, Kind::kDecimal, "1", Kind::kDecimal, "0", "Division by zero"},
      {ArithmeticOp::kDivide, Kind::kDecimal, "0", Kind::kDecimal, "0", "Division undefined"},
      {ArithmeticOp::kModulo, Kind::kDecimal, "5.5", Kind::kDecimal, "2", "1.5"},
      {ArithmeticOp::kMultiply, Kind::kDecimal, "12345678901234567890.123456789",
       Kind::kDecimal, "98765432109876543210.987654321", "1.219326311370217952261850327336229E+39"},
      {ArithmeticOp::kAdd, Kind::kFloat, "0.5", Kind::kDecimal, "1", "1.5"},
  };
  for (const auto& c : cases) {
    const Kind result = functions::PromotedKind(c.left, c.right);
    auto v = functions::Arithmetic(c.op, result, c.left, Bytes(c.left, c.a), c.right,
                                   Bytes(c.right, c.b));
    const std::string got = v.ok() ? Render(result, *v) : v.status().message();
    EXPECT_EQ(got, c.expected) << c.a << " " << static_cast<char>(c.op) << " " << c.b;
  }
}

TEST(Functions, MathFunctionsKeepTheArgumentType) {
  struct Case {
    functions::MathOp op;
    Kind kind;
    const char* value;
    const char* expected;
  };
  using functions::MathOp;
  const Case cases[] = {
      {MathOp::kAbs, Kind::kInt, "-7", "7"},
      {MathOp::kAbs, Kind::kTinyint, "-128", "-128"},  // (byte) Math.abs(-128)
      {MathOp::kNegate, Kind::kInt, "-2147483648", "-2147483648"},
      {MathOp::kExp, Kind::kInt, "1", "2"},
      {MathOp::kLog10, Kind::kBigint, "1000", "3"},
      {MathOp::kLog, Kind::kInt, "0", "-2147483648"},  // (int) -Infinity
      {MathOp::kRound, Kind::kDouble, "2.5", "3.0"},
      {MathOp::kRound, Kind::kDouble, "-2.5", "-2.0"},  // Math.round: floor(x + 0.5)
      {MathOp::kRound, Kind::kFloat, "1.4", "1.0"},
      {MathOp::kRound, Kind::kDecimal, "2.5", "3"},  // HALF_UP
      {MathOp::kRound, Kind::kDecimal, "-2.5", "-3"},
      {MathOp::kAbs, Kind::kDecimal, "-1.10", "1.10"},
      {MathOp::kAbs, Kind::kVarint, "-123456789012345678901234567890", "123456789012345678901234567890"},
      {MathOp::kLog, Kind::kDouble, "-1", "NaN"},
  };
  for (const auto& c : cases) {
    auto v = functions::Math(c.op, c.kind, Bytes(c.kind, c.value));
    ASSERT_TRUE(v.ok()) << c.value << ": " << v.status().ToString();
    EXPECT_EQ(Render(c.kind, *v), c.expected) << c.value;
  }
  auto refused = functions::Math(functions::MathOp::kExp, Kind::kDecimal, Bytes(Kind::kDecimal, "1"));
  EXPECT_THAT(refused.status().message(), HasSubstr("unsupported: exp, log and log10 of decimal"));
}

TEST(Functions, JavaToStringOfFloatingPoint) {
  const std::pair<double, const char*> doubles[] = {
      {1e10, "1.0E10"},  {100.0, "100.0"},  {0.001, "0.001"}, {1e-4, "1.0E-4"},
      {1.5, "1.5"},      {-0.0, "-0.0"},    {1e7, "1.0E7"},   {9999999.0, "9999999.0"},
      {123456.789, "123456.789"}, {NAN, "NaN"}, {-INFINITY, "-Infinity"}};
  for (const auto& [v, text] : doubles) EXPECT_EQ(functions::JavaDoubleToString(v), text);
  EXPECT_EQ(functions::JavaFloatToString(1.1f), "1.1");
  EXPECT_EQ(functions::JavaFloatToString(5.2f), "5.2");
  // Java prints at least two significant digits, the closest ones (Double.toString's javadoc).
  EXPECT_EQ(functions::JavaFloatToString(1.4e-45f), "1.4E-45");
  EXPECT_EQ(functions::JavaDoubleToString(4.9e-324), "4.9E-324");
  EXPECT_EQ(functions::JavaDoubleToString(2e-5), "2.0E-5");
}

// ---- CastFcts -----------------------------------------------------------------------------------

TEST(Functions, NumericCastsFollowJavaNumberConversions) {
  struct Case {
    Kind from;
    const char* value;
    Kind to;
    const char* expected;
  };
  const Case cases[] = {
      {Kind::kDouble, "1e10", Kind::kInt, "2147483647"},  // (int) saturates
      {Kind::kDouble, "NaN", Kind::kBigint, "0"},
      {Kind::kDouble, "-1e300", Kind::kBigint, "-9223372036854775808"},
      {Kind::kDouble, "3.9e9", Kind::kTinyint, "-1"},  // (byte) (int) 3.9e9 = (byte) MAX_INT
      {Kind::kBigint, "300", Kind::kTinyint, "44"},
      {Kind::kVarint, "18446744073709551617", Kind::kBigint, "1"},  // low 64 bits
      {Kind::kDecimal, "12.7", Kind::kInt, "12"},
      {Kind::kDecimal, "-12.7", Kind::kInt, "-12"},
      {Kind::kDecimal, "1E+70", Kind::kBigint, "0"},
      {Kind::kFloat, "5.2", Kind::kDecimal, "5.2"},  // Float.toString, not the widened double
      {Kind::kDouble, "5.2", Kind::kDecimal, "5.2"},
      {Kind::kInt, "7", Kind::kDecimal, "7"},
      {Kind::kVarint, "123456789012345678901234567890", Kind::kDecimal,
       "123456789012345678901234567890"},
      {Kind::kDecimal, "12345678901234567890.5", Kind::kVarint, "-6101065172474983726"},
      {Kind::kFloat, "1.1", Kind::kDouble, "1.100000023841858"},
      {Kind::kInt, "16777217", Kind::kFloat, "1.6777216E7"},
  };
  for (const auto& c : cases) {
    auto v = functions::ConvertNumber(c.from, Bytes(c.from, c.value), c.to);
    ASSERT_TRUE(v.ok()) << c.value << ": " << v.status().ToString();
    EXPECT_EQ(Render(c.to, *v), c.expected)
        << "CAST(" << c.value << " AS " << Type(c.to).ToCql() << ")";
  }
  auto nan = functions::ConvertNumber(Kind::kFloat, Bytes(Kind::kFloat, "NaN"), Kind::kDecimal);
  EXPECT_THAT(nan.status().message(), HasSubstr("java.lang.NumberFormatException"));
}

const functions::NativeFunction& Only(const std::string& name, Kind arg) {
  for (const auto* f : functions::FindNativeFunctions(name)) {
    if (f->arg_types.size() == 1 && f->arg_types[0].kind() == arg) return *f;
  }
  ADD_FAILURE() << "no " << name << "(" << Type(arg).ToCql() << ")";
  static functions::NativeFunction none;
  return none;
}

TEST(Functions, CastsToTextAreUnquotedLiterals) {
  struct Case {
    Kind from;
    const char* value;
    const char* expected;
  };
  const Case cases[] = {
      {Kind::kTimestamp, "2015-05-21 11:03:02+0000", "2015-05-21T11:03:02.000Z"},
      {Kind::kDate, "2015-05-21", "2015-05-21"},
      {Kind::kTime, "11:03:02", "11:03:02.000000000"},
      {Kind::kInet, "127.0.0.1", "127.0.0.1"},
      {Kind::kBoolean, "true", "true"},
      {Kind::kDouble, "1e10", "1.0E10"},
      {Kind::kFloat, "5.5", "5.5"},
      {Kind::kDecimal, "0.0000001", "1E-7"},
      {Kind::kUuid, "123e4567-e89b-12d3-a456-426655440000", "123e4567-e89b-12d3-a456-426655440000"},
  };
  for (const auto& c : cases) {
    const auto& f = Only("castAsText", c.from);
    auto v = f.execute({Bytes(c.from, c.value)});
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    ASSERT_TRUE(v->has_value());
    EXPECT_EQ(**v, c.expected);
  }
}

// ---- time ---------------------------------------------------------------------------------------

TEST(Functions, TemporalConversionsAndDurations) {
  using functions::AddDuration;
  using functions::MillisToDate;
  // Duration.ofMillis(-1).toDays() is 0: the day of -1 ms is 1970-01-01 (as Cassandra).
  EXPECT_EQ(Render(Kind::kDate, *MillisToDate(-1)), "'1970-01-01'");
  EXPECT_EQ(Render(Kind::kDate, *MillisToDate(-86400001)), "'1969-12-31'");
  struct Case {
    Kind kind;
    const char* value;
    const char* duration;
    bool subtract;
    const char* expected;
  };
  const Case cases[] = {
      {Kind::kTimestamp, "2024-01-31 10:00:00+0000", "1mo", false, "'2024-02-29T10:00:00.000Z'"},
      {Kind::kTimestamp, "2023-01-31 10:00:00+0000", "1mo", false, "'2023-02-28T10:00:00.000Z'"},
      {Kind::kTimestamp, "2024-03-31 00:00:00+0000", "1mo", true, "'2024-02-29T00:00:00.000Z'"},
      {Kind::kTimestamp, "2024-01-01 00:00:00+0000", "1d2h3ms", false, "'2024-01-02T02:00:00.003Z'"},
      {Kind::kDate, "2024-01-31", "1y1mo", false, "'2025-02-28'"},
      {Kind::kDate, "2024-03-01", "1d", true, "'2024-02-29'"},
      {Kind::kTimestamp, "2024-01-01 00:00:00+0000", "1us", false,
       "The duration must have a millisecond precision. Was: 1us"},
      {Kind::kDate, "2024-01-01", "1h", false, "The duration must have a day precision. Was: 1h"},
  };
  for (const auto& c : cases) {
    auto v = AddDuration(c.kind, Bytes(c.kind, c.value), Bytes(Kind::kDuration, c.duration),
                         c.subtract);
    EXPECT_EQ(v.ok() ? Render(c.kind, *v) : v.status().message(), c.expected)
        << c.value << (c.subtract ? " - " : " + ") << c.duration;
  }
}

TEST(Functions, TimeuuidBoundsAndTimestamps) {
  const int64_t millis = 1582193115000;  // 2020-02-20 10:05:15 UTC
  const std::string min = functions::MinTimeuuid(millis);
  const std::string max = functions::MaxTimeuuid(millis);
  EXPECT_EQ(functions::TemporalToMillis(Kind::kTimeuuid, min), millis);
  EXPECT_EQ(functions::TemporalToMillis(Kind::kTimeuuid, max), millis);
  EXPECT_EQ(cql::types::UuidToString(min).substr(19), "8080-808080808080");
  EXPECT_EQ(cql::types::UuidToString(max).substr(19), "7f7f-7f7f7f7f7f7f");
  EXPECT_LT(cql::types::Compare(Type(Kind::kTimeuuid), min, max), 0);
  EXPECT_EQ(functions::TemporalToMillis(Kind::kDate, Bytes(Kind::kDate, "1970-01-02")), 86400000);
}

// ---- every function: null in, null out; a sample of each argument type --------------------------

std::string Sample(Kind kind) {
  switch (kind) {
    case Kind::kAscii: return Bytes(kind, "abc");
    case Kind::kBigint:
    case Kind::kCounter: return cql::types::SerializeBigint(42);
    case Kind::kBlob: return std::string("\x00\x00\x00\x05", 4);
    case Kind::kBoolean: return Bytes(kind, "true");
    case Kind::kDate: return Bytes(kind, "2024-02-29");
    case Kind::kDecimal: return Bytes(kind, "12.50");
    case Kind::kDouble: return Bytes(kind, "2.5");
    case Kind::kDuration: return Bytes(kind, "1d");
    case Kind::kFloat: return Bytes(kind, "1.5");
    case Kind::kInet: return Bytes(kind, "10.0.0.1");
    case Kind::kInt: return cql::types::SerializeInt(7);
    case Kind::kSmallint: return Bytes(kind, "300");
    case Kind::kVarchar: return Bytes(kind, "héllo");
    case Kind::kTime: return Bytes(kind, "10:00:00");
    case Kind::kTimestamp: return Bytes(kind, "2024-02-29 10:00:00+0000");
    case Kind::kTimeuuid: return Bytes(kind, "e23f450f-53a6-11ea-8080-808080808080");
    case Kind::kTinyint: return Bytes(kind, "5");
    case Kind::kUuid: return Bytes(kind, "123e4567-e89b-12d3-a456-426655440000");
    case Kind::kVarint: return Bytes(kind, "123456789012345678901234567890");
    default: return "";
  }
}

TEST(Functions, EveryFunctionReturnsNullForNullAndTypedValuesForSamples) {
  std::set<std::string> names;
  for (const char* n : {"now", "currenttimeuuid", "currenttimestamp", "currentdate", "currenttime",
                        "mintimeuuid", "maxtimeuuid", "dateof", "unixtimestampof", "todate",
                        "totimestamp", "tounixtimestamp", "uuid", "intasblob", "blobasint",
                        "castAsInt", "_add", "_negate", "abs", "round", "to_date"}) {
    names.insert(n);
  }
  int checked = 0;
  for (const std::string& name : names) {
    const auto& candidates = functions::FindNativeFunctions(name);
    ASSERT_FALSE(candidates.empty()) << name;
    for (const auto* f : candidates) {
      functions::Arguments nulls(f->arg_types.size(), std::nullopt);
      functions::Arguments samples;
      for (const auto& t : f->arg_types) samples.push_back(Sample(t.kind()));
      if (!f->arg_types.empty()) {
        auto v = f->execute(nulls);
        ASSERT_TRUE(v.ok()) << f->Signature() << ": " << v.status().ToString();
        EXPECT_FALSE(v->has_value()) << f->Signature();
      }
      auto v = f->execute(samples);
      if (!v.ok()) {
        EXPECT_THAT(v.status().message(), HasSubstr("unsupported")) << f->Signature();
        continue;
      }
      ASSERT_TRUE(v->has_value()) << f->Signature();
      // Whatever a function returns is a valid value of its return type.
      EXPECT_TRUE(cql::types::ValidateValue(f->return_type, **v).ok()) << f->Signature();
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(Functions, BlobConversionsExistForEveryNativeTypeAndCheckTheBytes) {
  for (const char* type : {"ascii", "bigint", "boolean", "counter", "date", "decimal", "double",
                           "duration", "float", "inet", "int", "smallint", "text", "time",
                           "timestamp", "timeuuid", "tinyint", "uuid", "varchar", "varint"}) {
    EXPECT_EQ(functions::FindNativeFunctions(std::string(type) + "asblob").size(), 1u) << type;
    EXPECT_EQ(functions::FindNativeFunctions("blobas" + std::string(type)).size(), 1u) << type;
  }
  EXPECT_TRUE(functions::FindNativeFunctions("blobasblob").empty());
  const auto& f = *functions::FindNativeFunctions("blobasint")[0];
  auto bad = f.execute({std::string("\x00\x01", 2)});
  EXPECT_EQ(bad.status().message(),
            "In call to function blobasint, value 0x0001 is not a valid binary representation "
            "for type int");
  auto empty = f.execute({std::string()});  // blobAsInt(0x): cqlsh's fixtures use it
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(**empty, "");
}

// ---- FunctionResolver ---------------------------------------------------------------------------

functions::ArgumentInfo Typed(Kind kind, std::string text) {
  functions::ArgumentInfo a;
  a.kind = functions::ArgumentInfo::Kind::kTyped;
  a.type = Type(kind);
  a.text = std::move(text);
  return a;
}

functions::ArgumentInfo Marker() {
  functions::ArgumentInfo a;
  a.kind = functions::ArgumentInfo::Kind::kMarker;
  a.text = "?";
  return a;
}

functions::ArgumentInfo Literal(cql::types::LiteralKind kind, std::string text) {
  functions::ArgumentInfo a;
  a.kind = functions::ArgumentInfo::Kind::kLiteral;
  a.literal_kind = kind;
  a.literal_text = text;
  a.text = kind == cql::types::LiteralKind::kString ? "'" + text + "'" : text;
  return a;
}

TEST(Functions, ResolverPicksExactMatchesAndNamesAmbiguities) {
  using functions::ResolveFunction;
  auto todate = ResolveFunction({"", "todate"}, {Typed(Kind::kTimestamp, "ts")}, nullptr);
  ASSERT_TRUE(todate.ok());
  EXPECT_EQ((*todate)->Signature(), "system.todate : (timestamp) -> date");
  auto ambiguous = ResolveFunction({"", "todate"}, {Marker()}, nullptr);
  EXPECT_EQ(ambiguous.status().message(),
            "Ambiguous call to function todate (can be matched by following signatures: "
            "system.todate : (timeuuid) -> date, system.todate : (timestamp) -> date): use type "
            "casts to disambiguate");
  auto none = ResolveFunction({"system", "todate"}, {Typed(Kind::kInt, "i")}, nullptr);
  EXPECT_EQ(none.status().message(),
            "Invalid call to function system.todate, none of its type signatures match (known "
            "type signatures: system.todate : (timeuuid) -> date, system.todate : (timestamp) -> "
            "date)");
  auto count = ResolveFunction({"", "blobasint"}, {}, nullptr);
  EXPECT_EQ(count.status().message(),
            "Invalid number of arguments in call to function system.blobasint: 1 required but 0 "
            "provided");
  auto type_error = ResolveFunction({"", "blobasint"},
                                    {Literal(cql::types::LiteralKind::kString, "x")}, nullptr);
  EXPECT_EQ(type_error.status().message(),
            "Type error: 'x' cannot be passed as argument 0 of function system.blobasint of type "
            "blob");
  auto unknown = ResolveFunction({"ks", "now"}, {}, nullptr);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(*unknown, nullptr);
  // An integer literal prefers int: int + 1 is the exact (int, int) overload.
  auto add = ResolveFunction({"system", "_add"},
                             {Typed(Kind::kInt, "i"), Literal(cql::types::LiteralKind::kInteger, "1")},
                             nullptr);
  ASSERT_TRUE(add.ok());
  EXPECT_EQ((*add)->Signature(), "system._add : (int, int) -> int");
  auto big = ResolveFunction({"system", "_add"},
                             {Typed(Kind::kInt, "i"),
                              Literal(cql::types::LiteralKind::kInteger, "10000000000")},
                             nullptr);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ((*big)->return_type.kind(), Kind::kBigint);
  auto temporal = ResolveFunction({"system", "_substract"},
                                  {Typed(Kind::kTimeuuid, "system.now()"),
                                   Literal(cql::types::LiteralKind::kDuration, "1d")},
                                  nullptr);
  EXPECT_EQ(temporal.status().message(),
            "the '-' operation is not supported between system.now() and 1d");
  auto markers = ResolveFunction({"system", "_multiply"}, {Marker(), Marker()}, nullptr);
  EXPECT_EQ(markers.status().message(), "Ambiguous '*' operation: use type casts to disambiguate");
}

TEST(Functions, ValueCompatibilityIsAbstractTypes) {
  using functions::IsValueCompatible;
  EXPECT_TRUE(IsValueCompatible(Type(Kind::kBlob), Type(Kind::kInt)));
  EXPECT_TRUE(IsValueCompatible(Type(Kind::kVarchar), Type(Kind::kAscii)));
  EXPECT_FALSE(IsValueCompatible(Type(Kind::kAscii), Type(Kind::kVarchar)));
  EXPECT_TRUE(IsValueCompatible(Type(Kind::kTimestamp), Type(Kind::kBigint)));
  EXPECT_TRUE(IsValueCompatible(Type(Kind::kBigint), Type(Kind::kTimestamp)));
  EXPECT_TRUE(IsValueCompatible(Type(Kind::kUuid), Type(Kind::kTimeuuid)));
  EXPECT_FALSE(IsValueCompatible(Type(Kind::kTimeuuid), Type(Kind::kUuid)));
  EXPECT_TRUE(IsValueCompatible(Type(Kind::kVarint), Type(Kind::kInt)));
  EXPECT_FALSE(IsValueCompatible(Type(Kind::kInt), Type(Kind::kBigint)));
}

// ---- through the processor ----------------------------------------------------------------------

class FunctionQueries : public ProcessorFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenProcessor());
    Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 1}");
    session_.keyspace = "ks";
    Run("CREATE TABLE t (k int PRIMARY KEY, i int, ts timestamp, tx text, bl blob)");
    Run("INSERT INTO t (k, i, ts, tx, bl) VALUES (1, 7, '2024-01-31 10:00:00+0000', 'abc', "
        "0x00000005)");
  }

  // "name:type" of each result column, then each row's values as CQL literals.
  std::string Answer(const std::string& cql) {
    auto result = Query(cql);
    if (!result.ok()) return result.status().ToString();
    const auto& rows = std::get<protocol::RowsResult>(*result);
    std::string out;
    for (const auto& c : rows.metadata.columns) out += c.name + ":" + c.type.ToCql() + " ";
    for (const auto& row : rows.rows) {
      out += "|";
      for (size_t i = 0; i < row.size(); ++i) {
        out += (i ? "," : "") +
               (row[i] ? cql::types::ToCqlLiteral(rows.metadata.columns[i].type, *row[i]) : "null");
      }
    }
    return out;
  }
};

TEST_F(FunctionQueries, SelectorsHaveCassandrasNamesTypesAndValues) {
  EXPECT_EQ(Answer("SELECT blobAsInt(bl), i + 1, i * 2.0, -i, CAST(i AS text), "
                   "system.intasblob(i) AS b, (i + 1) * 2, ts + 1d FROM t WHERE k = 1"),
            "system.blobasint(bl):int i + 1:int i * 2.0:double -i:int cast(i as text):text "
            "b:blob i + 1 * 2:int ts + 1d:timestamp "
            "|5,8,14,-7,'7',0x00000007,16,'2024-02-01T10:00:00.000Z'");
  EXPECT_EQ(Answer("SELECT toDate(ts), toUnixTimestamp(ts), CAST(i AS int) FROM t WHERE k = 1"),
            "system.todate(ts):date system.tounixtimestamp(ts):bigint i:int "
            "|'2024-01-31',1706695200000,7");
}

TEST_F(FunctionQueries, FunctionsInWhereAndValues) {
  EXPECT_EQ(Answer("SELECT k FROM t WHERE k = blobAsInt(0x00000001)"), "k:int |1");
  EXPECT_EQ(Answer("SELECT k FROM t WHERE k = 3 - 2"), "k:int |1");
  Run("INSERT INTO t (k, i, ts) VALUES (2, 40 + 2, '2024-01-01' + 2d)");
  EXPECT_EQ(Answer("SELECT i, ts FROM t WHERE k = 2"), "i:int ts:timestamp |42,'2024-01-03T00:00:00.000Z'");
}

TEST_F(FunctionQueries, PreparedMarkersTakeTheParameterType) {
  auto prepared = processor_->Prepare(session_, "SELECT k FROM t WHERE k = blobAsInt(?)");
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  const auto& specs = std::get<protocol::PreparedResult>(*prepared).bind_metadata.columns;
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].name, "arg0(system.blobasint)");
  EXPECT_EQ(specs[0].type.kind(), Kind::kBlob);
  auto selection = processor_->Prepare(session_, "SELECT intAsBlob(?) FROM t");
  ASSERT_TRUE(selection.ok()) << selection.status().ToString();
  EXPECT_EQ(std::get<protocol::PreparedResult>(*selection).bind_metadata.columns[0].name,
            "[selection]");
}

TEST_F(FunctionQueries, FailuresAreCassandras) {
  auto zero = Query("SELECT i / 0 FROM t WHERE k = 1");
  EXPECT_EQ(zero.status().code(), ErrorCode::kFunctionFailure);
  EXPECT_EQ(zero.status().message(), "the operation 'int / int' failed: / by zero");
  EXPECT_EQ(Query("SELECT CAST(i AS blob) FROM t").status().message(), "i cannot be cast to blob");
  EXPECT_EQ(Query("SELECT nosuch(i) FROM t").status().message(), "Unknown function 'nosuch'");
  EXPECT_EQ(Query("SELECT 1 FROM t").status().message(),
            "Cannot infer type for term 1 in selection clause (try using a cast to force a type)");
  EXPECT_EQ(Query("INSERT INTO t (k, i) VALUES (4, now())").status().message(),
            "Type error: cannot assign result of function system.now (type timeuuid) to i (type "
            "int)");
  // Only the int-returning overloads are candidates for an int receiver (matchReturnType).
  EXPECT_EQ(Query("INSERT INTO t (k, i) VALUES (4, 1 + 2.5)").status().message(),
            "the '+' operation is not supported between 1 and 2.5");
  EXPECT_EQ(Query("INSERT INTO t (k, tx) VALUES (4, (int)1 + (int)2)").status().message(),
            "the '+' operation is not supported between (int)1 and (int)2");
  EXPECT_EQ(Query("INSERT INTO t (k, tx) VALUES (4, blobAsInt(0x00000001))").status().message(),
            "Type error: cannot assign result of function system.blobasint (type int) to tx "
            "(type text)");
  EXPECT_EQ(Query("SELECT k FROM t WHERE k = toJson(1)").status().message(),
            "toJson() may only be used within the selection clause of SELECT statements");
}

TEST_F(FunctionQueries, CurrentTimeIsOneInstantPerStatement) {
  for (int k = 10; k < 30; ++k) Run("INSERT INTO t (k) VALUES (" + std::to_string(k) + ")");
  auto result = Query("SELECT currentTimestamp(), currentTime() FROM t");
  ASSERT_TRUE(result.ok());
  const auto& rows = std::get<protocol::RowsResult>(*result).rows;
  ASSERT_GT(rows.size(), 10u);
  for (const auto& row : rows) {
    EXPECT_EQ(row[0], rows[0][0]);
    EXPECT_EQ(row[1], rows[0][1]);
  }
  // now() stays unique per call, as Cassandra's TimeUUIDType.now().
  auto uuids = Query("SELECT now() FROM t");
  ASSERT_TRUE(uuids.ok());
  const auto& u = std::get<protocol::RowsResult>(*uuids).rows;
  EXPECT_NE(u[0][0], u[1][0]);
}

TEST_F(FunctionQueries, TimestampAndDateStringsInEveryCassandraForm) {
  // TimestampSerializer.dateStringToTimestamp: digits are epoch milliseconds; zones by offset
  // or by name (" z"); SimpleDateSerializer.dateStringToDays: digits are the raw day number.
  Run("CREATE TABLE tz (k int PRIMARY KEY, ts timestamp, d date)");
  const std::pair<const char*, const char*> stamps[] = {
      {"'123'", "'1970-01-01T00:00:00.123Z'"},
      {"'-1'", "'1969-12-31T23:59:59.999Z'"},
      {"'2024-01-01 00:00:00 America/New_York'", "'2024-01-01T05:00:00.000Z'"},
      {"'2024-07-01 00:00 Europe/Paris'", "'2024-06-30T22:00:00.000Z'"},
      {"'2024-07-01T12:30:00 UTC'", "'2024-07-01T12:30:00.000Z'"},
      {"'2024-07-01+0200'", "'2024-06-30T22:00:00.000Z'"},
      {"'2024-07-01 10:00:00.5Z'", "'2024-07-01T10:00:00.500Z'"},
  };
  for (const auto& [literal, expected] : stamps) {
    Run(std::string("INSERT INTO tz (k, ts) VALUES (1, ") + literal + ")");
    EXPECT_EQ(Answer("SELECT ts FROM tz WHERE k = 1"), std::string("ts:timestamp |") + expected)
        << literal;
  }
  EXPECT_EQ(Query("INSERT INTO tz (k, ts) VALUES (1, '2024-01-01 00:00 Mars/Olympus')")
                .status().message(),
            "Unable to coerce '2024-01-01 00:00 Mars/Olympus' to a formatted date (long)");
  EXPECT_EQ(Query("INSERT INTO tz (k, ts) VALUES (1, '2024-01-01 00:00 ../../etc/passwd')")
                .status().message(),
            "Unable to coerce '2024-01-01 00:00 ../../etc/passwd' to a formatted date (long)");
  EXPECT_EQ(Query("INSERT INTO tz (k, ts) VALUES (1, '99999999999999999999')").status().message(),
            "Unable to make long (for date) from: '99999999999999999999'");
  Run("INSERT INTO tz (k, d) VALUES (2, '2147483648')");
  EXPECT_EQ(Answer("SELECT d FROM tz WHERE k = 2"), "d:date |'1970-01-01'");
  Run("INSERT INTO tz (k, d) VALUES (2, '2147483649')");
  EXPECT_EQ(Answer("SELECT d FROM tz WHERE k = 2"), "d:date |'1970-01-02'");
  EXPECT_EQ(Query("INSERT INTO tz (k, d) VALUES (2, '-1')").status().message(),
            "Unable to make unsigned int (for date) from: '-1'");
}

}  // namespace
}  // namespace sibyl::query
