// Literals under hostile input (issue 9 item 4): big numbers convert in near-linear time and
// round-trip exactly, every literal error is an InvalidRequest with Cassandra's wording (never
// an exception), and messages quote literals bounded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "common/utf8.h"
#include "cql/types/numbers.h"
#include "cql/types/value.h"

namespace sibyl::cql::types {
namespace {

using testing::HasSubstr;

Status LiteralError(Kind kind, LiteralKind literal_kind, const std::string& text) {
  auto v = ParseLiteral(Type(kind), literal_kind, text, "c");
  return v.ok() ? Status::OK() : v.status();
}

std::string RandomDigits(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '0');
  for (auto& c : out) c = static_cast<char>('0' + rng() % 10);
  out[0] = static_cast<char>('1' + rng() % 9);
  return out;
}

TEST(BigNumbers, VarintTextRoundTripsExactlyAtEverySize) {
  for (size_t n : {1u, 18u, 19u, 20u, 39u, 40u, 1000u, 12345u, 100000u}) {
    for (const char* sign : {"", "-"}) {
      std::string text = sign + RandomDigits(n, static_cast<uint32_t>(n));
      auto bytes = BigIntFromDecimal(text);
      ASSERT_TRUE(bytes.has_value()) << n;
      EXPECT_EQ(BigIntToDecimal(*bytes), text) << n;
    }
  }
}

TEST(BigNumbers, VarintBytesAreMinimalTwosComplement) {
  EXPECT_EQ(*BigIntFromDecimal("0"), std::string(1, '\0'));
  EXPECT_EQ(*BigIntFromDecimal("-0"), std::string(1, '\0'));
  EXPECT_EQ(*BigIntFromDecimal("127"), "\x7f");
  EXPECT_EQ(*BigIntFromDecimal("128"), std::string("\x00\x80", 2));
  EXPECT_EQ(*BigIntFromDecimal("-128"), "\x80");
  EXPECT_EQ(*BigIntFromDecimal("-129"), "\xff\x7f");
  EXPECT_EQ(*BigIntFromDecimal("-32768"), std::string("\x80\x00", 2));
  EXPECT_EQ(*BigIntFromDecimal("000000000000000000000000042"), "\x2a");
  EXPECT_EQ(*BigIntFromDecimal("18446744073709551616"),
            std::string("\x01\x00\x00\x00\x00\x00\x00\x00\x00", 9));
  EXPECT_EQ(*BigIntFromDecimal("-18446744073709551616"),
            std::string("\xff\x00\x00\x00\x00\x00\x00\x00\x00", 9));
  EXPECT_FALSE(BigIntFromDecimal("12 3").has_value());  // GMP would skip the space
  EXPECT_FALSE(BigIntFromDecimal("").has_value());
  EXPECT_FALSE(BigIntFromDecimal("-").has_value());
}

TEST(BigNumbers, DecimalTextRoundTripsExactly) {
  // Java's BigDecimal.toString() forms, which also parse back to the same bytes.
  for (const char* text : {"0", "1", "-1", "123.456", "-0.001", "0.000001", "1E-7", "1.2E+4",
                           "-9.87654321E-100", "1E+2147483647", "1E-2147483647", "0E-10",
                           "100", "1.50"}) {
    auto bytes = DecimalFromText(text);
    ASSERT_TRUE(bytes.has_value()) << text;
    EXPECT_EQ(DecimalToText(*bytes), text);
  }
  std::string digits = RandomDigits(100000, 7);
  std::string text = "-" + digits.substr(0, 40000) + "." + digits.substr(40000);
  EXPECT_EQ(DecimalToText(*DecimalFromText(text)), text);
}

TEST(BigNumbers, DecimalScaleMustFitAnInt32AsInJava) {
  EXPECT_TRUE(DecimalFromText("1E-2147483647").has_value());
  EXPECT_TRUE(DecimalFromText("1E+2147483648").has_value());   // scale -2^31
  EXPECT_FALSE(DecimalFromText("1E-2147483648").has_value());  // scale 2^31
  EXPECT_FALSE(DecimalFromText("0.1E-2147483647").has_value());  // scale 2^31
  EXPECT_FALSE(DecimalFromText("1E+2147483649").has_value());
  EXPECT_FALSE(DecimalFromText("1E99999999999999999999999999").has_value());
  EXPECT_FALSE(DecimalFromText("1E").has_value());
  EXPECT_FALSE(DecimalFromText(".").has_value());
  Status s = LiteralError(Kind::kDecimal, LiteralKind::kFloat, "1e99999999999999999999");
  EXPECT_EQ(s.code(), ErrorCode::kInvalid);
}

TEST(BigNumbers, CompareDecimalNeverPadsByTheScale) {
  // 1E+2147483648 vs 1E-2147483647: padding to a common scale would need 4 GiB of zeros.
  auto big = *DecimalFromText("1E+2147483648"), tiny = *DecimalFromText("1E-2147483647");
  EXPECT_EQ(CompareDecimal(big, tiny), 1);
  EXPECT_EQ(CompareDecimal(tiny, big), -1);
  EXPECT_EQ(CompareDecimal(*DecimalFromText("1.50"), *DecimalFromText("1.5")), 0);
  EXPECT_EQ(CompareDecimal(*DecimalFromText("1.51"), *DecimalFromText("1.5")), 1);
  EXPECT_EQ(CompareDecimal(*DecimalFromText("-1.51"), *DecimalFromText("-1.5")), -1);
  EXPECT_EQ(CompareDecimal(*DecimalFromText("0.99"), *DecimalFromText("1")), -1);
}

TEST(Literals, Issue9OverflowingDurationIsInvalidRequestNotAServerError) {
  // Was SERVER_ERROR "Unexpected error: stoll".
  Status s = LiteralError(Kind::kDuration, LiteralKind::kDuration, "99999999999999999999y");
  EXPECT_EQ(s.code(), ErrorCode::kInvalid);
  EXPECT_EQ(s.message(),
            "Invalid duration. The total number of months must be less or equal to 2147483647");
}

TEST(Literals, DurationsFollowCassandrasRulesAndMessages) {
  auto message = [](const char* text) {
    return LiteralError(Kind::kDuration, LiteralKind::kDuration, text).message();
  };
  EXPECT_EQ(message("9223372036854775807d"),
            "Invalid duration. The total number of days must be less or equal to 2147483647");
  EXPECT_EQ(message("2562048h"),
            "Invalid duration. The total number of nanoseconds must be less or equal to "
            "2147483647");
  EXPECT_EQ(message("12s3s"), "Invalid duration. The seconds are specified multiple times");
  EXPECT_EQ(message("12s3m"), "Invalid duration. The seconds should be after minutes");
  EXPECT_EQ(message("2\xc2\xb5"), "Unable to convert '2\xc2\xb5' to a duration");
  EXPECT_EQ(message("-12.5s"), "Unable to convert '12.5s' to a duration");
  EXPECT_EQ(message("P2Y3W"), "Unable to convert 'P2Y3W' to a duration");
  for (const char* ok : {"1y2mo3w4d5h6m7s8ms9us10ns", "3\xc2\xb5s", "P1Y2M3DT4H5M6S", "P2W",
                         "P0001-02-03T04:05:06", "-1h30m", "2562047h"}) {
    EXPECT_TRUE(LiteralError(Kind::kDuration, LiteralKind::kDuration, ok).ok()) << ok;
  }
}

TEST(Literals, MessagesQuoteAMillionDigitLiteralBounded) {
  const std::string huge = RandomDigits(1000000, 3);
  for (Kind kind : {Kind::kInt, Kind::kBigint, Kind::kTimestamp, Kind::kVarchar}) {
    Status s = LiteralError(kind, LiteralKind::kInteger, huge);
    EXPECT_EQ(s.code(), ErrorCode::kInvalid);
    EXPECT_LT(s.message().size(), 400u);
    EXPECT_THAT(s.message(), HasSubstr("...)"));
  }
  // And the varint itself is accepted, exactly.
  auto v = ParseLiteral(Type(Kind::kVarint), LiteralKind::kInteger, huge, "c");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(BigIntToDecimal(*v), huge);
}

TEST(Literals, LongDateTimeAndUuidStringsAreRefusedNotRecursedOver) {
  // std::regex recursed once per character: a long string overflowed the stack.
  const std::string spaces(1 << 20, ' ');
  for (Kind kind : {Kind::kTimestamp, Kind::kDate, Kind::kTime, Kind::kUuid, Kind::kTimeuuid}) {
    Status s = LiteralError(kind, LiteralKind::kString, "2020-01-01" + spaces);
    EXPECT_EQ(s.code(), ErrorCode::kInvalid);
    EXPECT_LT(s.message().size(), 400u);
  }
  EXPECT_TRUE(LiteralError(Kind::kUuid, LiteralKind::kString,
                           "123e4567-e89b-12d3-a456-426655440000").ok());
  EXPECT_FALSE(LiteralError(Kind::kUuid, LiteralKind::kString,
                            "123e4567-e89b-12d3-a456-42665544000g").ok());
}

TEST(Literals, ControlAndInvalidBytesInMessagesAreEscaped) {
  Status s = LiteralError(Kind::kInet, LiteralKind::kString, "1.2.3.4\n\xff");
  EXPECT_EQ(s.message(), "Unable to make inet address from '1.2.3.4\\n\\xff'");
  EXPECT_TRUE(IsValidUtf8(s.message()));
}

}  // namespace
}  // namespace sibyl::cql::types
