#include "query/functions/time_conversions.h"

#include <fmt/format.h>

#include "cql/types/civil_date.h"
#include "cql/types/value.h"

namespace sibyl::query::functions {

using types::Kind;

namespace {

constexpr int64_t kUuidEpochMillis = -12219292800000LL;  // UUIDGen.START_EPOCH
constexpr int64_t kMillisPerDay = 86400000LL;

using types::CivilFromDays;  // cql/types/civil_date.h
using types::DaysFromCivil;

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

int64_t Wrap(uint64_t v) { return static_cast<int64_t>(v); }

std::string TimeuuidFrom(int64_t uuid_time, uint64_t low) {
  uint64_t t = static_cast<uint64_t>(uuid_time);
  uint64_t msb = 0;
  msb |= (0x00000000ffffffffULL & t) << 32;
  msb |= (0x0000ffff00000000ULL & t) >> 16;
  msb |= (0xffff000000000000ULL & t) >> 48;
  msb |= 0x0000000000001000ULL;
  std::string out(16, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(msb >> (56 - 8 * i));
    out[8 + i] = static_cast<char>(low >> (56 - 8 * i));
  }
  return out;
}

}  // namespace

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t TemporalToMillis(Kind kind, std::string_view v) {
  switch (kind) {
    case Kind::kDate: {
      uint32_t days = static_cast<uint32_t>(types::DeserializeInt(v));
      return (static_cast<int64_t>(days) - (int64_t{1} << 31)) * kMillisPerDay;
    }
    case Kind::kTimeuuid: {
      uint64_t time_low = 0, time_mid = 0, time_hi = 0;
      for (int i = 0; i < 4; ++i) time_low = (time_low << 8) | static_cast<uint8_t>(v[i]);
      time_mid = (static_cast<uint64_t>(static_cast<uint8_t>(v[4])) << 8) | static_cast<uint8_t>(v[5]);
      time_hi = ((static_cast<uint64_t>(static_cast<uint8_t>(v[6])) << 8) | static_cast<uint8_t>(v[7])) & 0x0fff;
      int64_t ts = static_cast<int64_t>((time_hi << 48) | (time_mid << 32) | time_low);
      return ts / 10000 + kUuidEpochMillis;  // UUIDGen.unixTimestamp (Java truncates)
    }
    default:
      return types::DeserializeBigint(v);
  }
}

Result<std::string> MillisToDate(int64_t millis) {
  // Duration.ofMillis(millis).toDays(): whole seconds (floored), then days truncated.
  const int64_t days = FloorDiv(millis, 1000) / 86400;
  if (days < INT32_MIN || days > INT32_MAX) {
    const char* which = days < INT32_MIN ? "less than min" : "greater than max";
    const int64_t bound = days < INT32_MIN ? INT32_MIN : INT32_MAX;
    int64_t y;
    unsigned m, d;
    CivilFromDays(bound, &y, &m, &d);
    return InvalidRequest(fmt::format("Input date {} is {} supported date {}", millis, which,
                                      fmt::format("{:04d}-{:02d}-{:02d}", y, m, d)));
  }
  return types::SerializeInt(static_cast<int32_t>(static_cast<uint32_t>(days + (int64_t{1} << 31))));
}

std::string MinTimeuuid(int64_t millis) {
  return TimeuuidFrom(Wrap((static_cast<uint64_t>(millis) - static_cast<uint64_t>(kUuidEpochMillis)) * 10000ULL),
                      0x8080808080808080ULL);
}

std::string MaxTimeuuid(int64_t millis) {
  // "If we ask for the biggest uuid have unix timestamp 1ms, then we should not extend 100's
  // nanoseconds precision by taking 10000, but rather 19999" (UUIDGen.maxTimeUUID).
  return TimeuuidFrom(Wrap((static_cast<uint64_t>(millis) + 1 - static_cast<uint64_t>(kUuidEpochMillis)) * 10000ULL - 1),
                      0x7f7f7f7f7f7f7f7fULL);
}

Result<std::string> AddDuration(Kind kind, std::string_view temporal, std::string_view duration,
                                bool subtract) {
  const std::optional<types::Duration> parts = types::DecodeDuration(duration);
  if (!parts) return InvalidRequest("Invalid duration value");
  int64_t months = parts->months, days = parts->days, nanos = parts->nanos;
  const std::string text = types::ToCqlLiteral(types::Type(Kind::kDuration), duration);
  if (kind == Kind::kDate && nanos != 0) {
    return InvalidRequest("The duration must have a day precision. Was: " + text);
  }
  if (kind == Kind::kTimestamp && nanos % 1000000 != 0) {
    return InvalidRequest("The duration must have a millisecond precision. Was: " + text);
  }
  if (subtract) {
    months = -months;
    days = -days;
    nanos = Wrap(0 - static_cast<uint64_t>(nanos));
  }
  const int64_t millis = TemporalToMillis(kind, temporal);
  int64_t result;
  if (months == 0) {
    result = Wrap(static_cast<uint64_t>(millis) + static_cast<uint64_t>(days) * kMillisPerDay +
                  static_cast<uint64_t>(nanos / 1000000));
  } else {
    // Joda DateTime(UTC).plusMonths(m).plusDays(d).plusMillis((int) (nanos / 10^6)).
    int64_t day = FloorDiv(millis, kMillisPerDay);
    const int64_t time_of_day = millis - day * kMillisPerDay;
    int64_t y;
    unsigned m, d;
    CivilFromDays(day, &y, &m, &d);
    int64_t month_index = y * 12 + (m - 1) + months;
    y = FloorDiv(month_index, 12);
    m = static_cast<unsigned>(month_index - y * 12) + 1;
    d = std::min(d, DaysInMonth(y, m));
    day = DaysFromCivil(y, m, d) + days;
    result = day * kMillisPerDay + time_of_day + static_cast<int32_t>(nanos / 1000000);
  }
  if (kind == Kind::kDate) return MillisToDate(result);
  return types::SerializeBigint(result);
}

}  // namespace sibyl::query::functions
