#include "cql/types/value.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <regex>

#include "common/utf8.h"
#include "cql/types/civil_date.h"
#include "cql/types/decimal_order.h"
#include "cql/types/numbers.h"
#include "cql/types/validate.h"

namespace sibyl::cql::types {

// ---- fixed-width serializations ---------------------------------------------------------------

namespace {

template <typename T>
std::string BigEndian(T v) {
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(v);
  std::string out(sizeof(T), '\0');
  for (size_t i = 0; i < sizeof(T); ++i) out[sizeof(T) - 1 - i] = static_cast<char>(u >> (8 * i));
  return out;
}

template <typename T>
T FromBigEndian(std::string_view b) {
  using U = std::make_unsigned_t<T>;
  U u = 0;
  for (size_t i = 0; i < sizeof(T) && i < b.size(); ++i) u = (u << 8) | static_cast<uint8_t>(b[i]);
  return static_cast<T>(u);
}

}  // namespace

std::string SerializeBigint(int64_t v) { return BigEndian<int64_t>(v); }
std::string SerializeInt(int32_t v) { return BigEndian<int32_t>(v); }
std::string SerializeBoolean(bool v) { return std::string(1, v ? '\x01' : '\x00'); }
std::string SerializeText(std::string_view v) { return std::string(v); }
std::string SerializeDouble(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  return BigEndian<uint64_t>(u);
}
std::string SerializeUuid(const uint8_t bytes[16]) {
  return std::string(reinterpret_cast<const char*>(bytes), 16);
}
int64_t DeserializeBigint(std::string_view bytes) { return FromBigEndian<int64_t>(bytes); }
int32_t DeserializeInt(std::string_view bytes) { return FromBigEndian<int32_t>(bytes); }

namespace {

double DeserializeDouble(std::string_view b) {
  uint64_t u = FromBigEndian<uint64_t>(b);
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}

float DeserializeFloat(std::string_view b) {
  uint32_t u = FromBigEndian<uint32_t>(b);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

std::string SerializeFloat(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return BigEndian<uint32_t>(u);
}

// ---- UUIDs ------------------------------------------------------------------------------------

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int UuidVersion(std::string_view b) { return (static_cast<uint8_t>(b[6]) >> 4) & 0x0f; }

// 100ns intervals since 1582-10-15 of a version 1 UUID.
int64_t UuidTimestamp(std::string_view b) {
  uint64_t time_low = FromBigEndian<uint32_t>(b.substr(0, 4));
  uint64_t time_mid = FromBigEndian<uint16_t>(b.substr(4, 2));
  uint64_t time_hi = FromBigEndian<uint16_t>(b.substr(6, 2)) & 0x0fff;
  return static_cast<int64_t>((time_hi << 48) | (time_mid << 32) | time_low);
}

constexpr int64_t kUuidEpochOffset = 0x01b21dd213814000LL;  // 100ns from 1582-10-15 to 1970

}  // namespace

std::string RandomUuid() {
  uint8_t b[16];
  RAND_bytes(b, sizeof(b));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return SerializeUuid(b);
}

std::string TimeUuidNow() {
  static std::mutex mu;
  static int64_t last = 0;
  static uint8_t node[8];
  static bool init = false;
  int64_t ts;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!init) {
      RAND_bytes(node, sizeof(node));
      node[2] |= 0x01;  // multicast bit: not a real MAC address
      init = true;
    }
    int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count() / 100 + kUuidEpochOffset;
    ts = std::max(now, last + 1);
    last = ts;
  }
  uint8_t b[16];
  uint32_t time_low = static_cast<uint32_t>(ts);
  uint16_t time_mid = static_cast<uint16_t>(ts >> 32);
  uint16_t time_hi = static_cast<uint16_t>((ts >> 48) & 0x0fff) | 0x1000;
  for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(time_low >> (24 - 8 * i));
  b[4] = time_mid >> 8;
  b[5] = time_mid & 0xff;
  b[6] = time_hi >> 8;
  b[7] = time_hi & 0xff;
  b[8] = (node[0] & 0x3f) | 0x80;
  b[9] = node[1];
  std::memcpy(b + 10, node + 2, 6);
  return SerializeUuid(b);
}

std::string UuidToString(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    uint8_t c = static_cast<uint8_t>(bytes[i]);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

Result<std::string> UuidFromString(std::string_view text) {
  // 8-4-4-4-12 hex digits; checked by hand (a regex over client input can recurse per byte).
  bool ok = text.size() == 36;
  for (size_t i = 0; ok && i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    ok = dash ? text[i] == '-' : HexDigit(text[i]) >= 0;
  }
  if (!ok) return InvalidRequest(fmt::format("Unable to make UUID from '{}'", QuoteForMessage(text)));
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '-') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(HexDigit(text[i]) * 16 + HexDigit(text[i + 1])));
    i += 2;
  }
  return out;
}

// ---- dates and times ---------------------------------------------------------------------------

namespace {

bool ValidDate(int64_t y, unsigned m, unsigned d) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  unsigned max = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  return d <= max;
}

// The longest date, time or timestamp string tried (the longest valid form is about 40
// characters; spaces around are allowed): longer ones are refused as malformed, never handed to
// std::regex (issue 9 item 4).
constexpr size_t kMaxDateTimeText = 128;

// The value of a run of ASCII digits matched by a bounded regex group; never throws (unlike
// std::stoll), saturates instead of overflowing.
int64_t DigitsValue(const std::string& digits) {
  size_t i = !digits.empty() && (digits[0] == '+' || digits[0] == '-') ? 1 : 0;
  int64_t v = 0;
  for (; i < digits.size() && std::isdigit(static_cast<unsigned char>(digits[i])); ++i) {
    v = v > (INT64_MAX - 9) / 10 ? INT64_MAX : v * 10 + (digits[i] - '0');
  }
  return !digits.empty() && digits[0] == '-' ? -v : v;
}

// ---- time zones by name (issue 13) -----------------------------------------------------------
// Cassandra 4.1's TimestampSerializer formats end in " z" (a zone name or id: "UTC",
// "America/New_York") as well as offsets. Zone ids are read from the system's tz database
// (TZif files under /usr/share/zoneinfo, version 2+ 64-bit data; instants past the last
// transition use the last offset). Names are checked before they become paths, files are
// bounded, and parsed zones are cached (a bounded number of them).
constexpr size_t kMaxZoneFileBytes = 1 << 20;
constexpr size_t kMaxCachedZones = 512;

struct ZoneData {
  std::vector<int64_t> transitions;  // UTC seconds, ascending
  std::vector<int32_t> offsets;      // offset in effect from each transition on
  int32_t initial_offset = 0;        // before the first transition
};

bool ValidZoneName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] == '/' || name.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' && c != '+') {
      return false;
    }
  }
  return true;
}

std::optional<ZoneData> LoadZone(const std::string& name) {
  std::FILE* f = std::fopen(("/usr/share/zoneinfo/" + name).c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  std::string data(kMaxZoneFileBytes + 1, '\0');
  size_t n = std::fread(data.data(), 1, data.size(), f);
  std::fclose(f);
  if (n > kMaxZoneFileBytes) return std::nullopt;
  data.resize(n);
  auto be32 = [&](size_t at) -> int64_t {
    return static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint8_t>(data[at])) << 24) |
                                (static_cast<uint32_t>(static_cast<uint8_t>(data[at + 1])) << 16) |
                                (static_cast<uint32_t>(static_cast<uint8_t>(data[at + 2])) << 8) |
                                static_cast<uint8_t>(data[at + 3]));
  };
  auto header = [&](size_t at, int64_t counts[6]) -> bool {
    if (at + 44 > data.size() || data.compare(at, 4, "TZif") != 0) return false;
    for (int i = 0; i < 6; ++i) {
      counts[i] = be32(at + 20 + 4 * i);
      if (counts[i] < 0 || counts[i] > 100000) return false;
    }
    return true;
  };
  // counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  int64_t c[6];
  if (!header(0, c) || data[4] < '2') return std::nullopt;
  size_t v1 = 44 + c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
  if (!header(v1, c)) return std::nullopt;
  size_t at = v1 + 44;
  const size_t need = c[3] * 9 + c[4] * 6;
  if (c[4] == 0 || at + need > data.size()) return std::nullopt;
  ZoneData zone;
  for (int64_t i = 0; i < c[3]; ++i) {
    zone.transitions.push_back((be32(at + 8 * i) << 32) | (be32(at + 8 * i + 4) & 0xffffffffLL));
  }
  const size_t types_at = at + c[3] * 8;
  const size_t infos_at = types_at + c[3];
  for (int64_t i = 0; i < c[3]; ++i) {
    uint8_t type = static_cast<uint8_t>(data[types_at + i]);
    if (type >= c[4]) return std::nullopt;
    zone.offsets.push_back(static_cast<int32_t>(be32(infos_at + 6 * type)));
  }
  zone.initial_offset = static_cast<int32_t>(be32(infos_at));
  return zone;
}

int32_t OffsetAt(const ZoneData& zone, int64_t utc_seconds) {
  auto it = std::upper_bound(zone.transitions.begin(), zone.transitions.end(), utc_seconds);
  if (it == zone.transitions.begin()) return zone.initial_offset;
  return zone.offsets[(it - zone.transitions.begin()) - 1];
}

// The UTC seconds of a local date-time in zone `name`, or nullopt for an unknown zone. A local
// time in a gap or overlap takes the offset in effect just before it (ZonedDateTime.ofLocal's
// earlier offset).
std::optional<int64_t> LocalToUtc(const std::string& name, int64_t local_seconds) {
  static std::mutex mu;
  static std::map<std::string, std::optional<ZoneData>> cache;
  std::optional<ZoneData> zone;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(name);
    if (it == cache.end()) {
      if (!ValidZoneName(name)) return std::nullopt;
      auto loaded = LoadZone(name);
      if (cache.size() < kMaxCachedZones) cache.emplace(name, loaded);
      zone = std::move(loaded);
    } else {
      zone = it->second;
    }
  }
  if (!zone) return std::nullopt;
  const int32_t first = OffsetAt(*zone, local_seconds - 86400);
  const int32_t second = OffsetAt(*zone, local_seconds - first);
  return local_seconds - std::max(first, second);
}

// Parses Cassandra's timestamp string forms into milliseconds since the epoch.
std::optional<int64_t> ParseTimestampText(std::string_view text) {
  static const std::regex kRe(
      R"(^\s*([+-]?\d{1,9})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})|\s+([A-Za-z][A-Za-z0-9_+\-/]{0,63}))?\s*$)");
  std::cmatch m;
  // libstdc++'s regex executor recurses per input character: never hand it unbounded input.
  if (text.size() > kMaxDateTimeText) return std::nullopt;
  std::string s(text);
  if (!std::regex_match(s.c_str(), m, kRe)) return std::nullopt;
  int64_t year = DigitsValue(m[1].str());
  unsigned month = DigitsValue(m[2].str()), day = DigitsValue(m[3].str());
  if (!ValidDate(year, month, day)) return std::nullopt;
  int64_t hour = m[4].matched ? DigitsValue(m[4].str()) : 0;
  int64_t minute = m[5].matched ? DigitsValue(m[5].str()) : 0;
  int64_t second = m[6].matched ? DigitsValue(m[6].str()) : 0;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  int64_t millis = 0;
  if (m[7].matched) {
    std::string frac = m[7].str();
    frac.resize(3, '0');
    millis = DigitsValue(frac.substr(0, 3));
  }
  int64_t offset_minutes = 0;
  if (m[8].matched && m[8].str() != "Z") {
    std::string z = m[8].str();
    int sign = z[0] == '-' ? -1 : 1;
    z.erase(std::remove(z.begin(), z.end(), ':'), z.end());
    int hh = DigitsValue(z.substr(1, 2));
    int mm = z.size() >= 5 ? DigitsValue(z.substr(3, 2)) : 0;
    offset_minutes = sign * (hh * 60 + mm);
  }
  int64_t days = DaysFromCivil(year, month, day);
  int64_t local = days * 86400 + hour * 3600 + minute * 60 + second;
  int64_t utc_seconds = local - offset_minutes * 60;
  if (m[9].matched) {  // a zone by name (issue 13)
    auto utc = LocalToUtc(m[9].str(), local);
    if (!utc) return std::nullopt;
    utc_seconds = *utc;
  }
  // In 128 bits: the milliseconds of INT64_MIN's own rendering (…04.192Z) are past INT64_MIN
  // before the 192 ms are added, and a year of nine digits is past the range altogether.
  const __int128 ms = static_cast<__int128>(utc_seconds) * 1000 + millis;
  if (ms < INT64_MIN || ms > INT64_MAX) return std::nullopt;
  return static_cast<int64_t>(ms);
}

std::optional<uint32_t> ParseDateText(std::string_view text) {
  static const std::regex kRe(R"(^\s*([+-]?\d{1,9})-(\d{1,2})-(\d{1,2})\s*$)");
  std::cmatch m;
  if (text.size() > kMaxDateTimeText) return std::nullopt;
  std::string s(text);
  if (!std::regex_match(s.c_str(), m, kRe)) return std::nullopt;
  int64_t year = DigitsValue(m[1].str());
  unsigned month = DigitsValue(m[2].str()), day = DigitsValue(m[3].str());
  if (!ValidDate(year, month, day)) return std::nullopt;
  int64_t days = DaysFromCivil(year, month, day) + (int64_t{1} << 31);
  if (days < 0 || days > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(days);
}

std::optional<int64_t> ParseTimeText(std::string_view text) {
  static const std::regex kRe(R"(^\s*(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*$)");
  std::cmatch m;
  if (text.size() > kMaxDateTimeText) return std::nullopt;
  std::string s(text);
  if (!std::regex_match(s.c_str(), m, kRe)) return std::nullopt;
  int64_t h = DigitsValue(m[1].str()), mi = DigitsValue(m[2].str()), se = DigitsValue(m[3].str());
  if (h > 23 || mi > 59 || se > 59) return std::nullopt;
  int64_t nanos = 0;
  if (m[4].matched) {
    std::string frac = m[4].str();
    frac.resize(9, '0');
    nanos = DigitsValue(frac);
  }
  return ((h * 60 + mi) * 60 + se) * 1000000000LL + nanos;
}

std::string FormatTimestamp(int64_t millis) {
  // Floor division without overflow: any 8 bytes are a valid timestamp, INT64_MIN included
  // (the remainders are corrected, never recomputed by a multiplication that could overflow).
  int64_t secs = millis / 1000, ms = millis % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", y, m, d, rem / 3600,
                     (rem / 60) % 60, rem % 60, ms);
}

// ---- durations --------------------------------------------------------------------------------

void AppendVint(std::string* out, int64_t v) {
  uint64_t zz = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  // Cassandra's unsigned vint: the count of leading 1 bits in the first byte gives extra bytes.
  int bytes = 1;
  while (bytes < 9 && zz >= (uint64_t{1} << (7 * bytes))) ++bytes;
  if (bytes == 9) {
    out->push_back(static_cast<char>(0xff));
    for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(zz >> (8 * i)));
    return;
  }
  int extra = bytes - 1;
  uint8_t first = static_cast<uint8_t>(zz >> (8 * extra));
  first |= static_cast<uint8_t>(~(0xff >> extra));
  out->push_back(static_cast<char>(first));
  for (int i = extra - 1; i >= 0; --i) out->push_back(static_cast<char>(zz >> (8 * i)));
}

bool ReadVint(std::string_view b, size_t* pos, int64_t* value) {
  if (*pos >= b.size()) return false;
  uint8_t first = static_cast<uint8_t>(b[(*pos)++]);
  int extra = 0;
  while (extra < 8 && (first & (0x80 >> extra))) ++extra;
  if (*pos + extra > b.size()) return false;
  uint64_t v = extra == 8 ? 0 : (first & (0xff >> (extra + 1)));
  for (int i = 0; i < extra; ++i) v = (v << 8) | static_cast<uint8_t>(b[(*pos)++]);
  *value = static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  return true;
}

// Cassandra's Duration.from (cql3/Duration.java), by hand: the same three forms, the same
// unit order rules, the same limits (months and days fit an int32, nanoseconds an int64) and
// the same messages. Numbers too long for a long count as over the limit (Cassandra would fail
// in Long.parseLong), so nothing here can overflow or throw (issue 9 item 4).
class DurationParser {
 public:
  explicit DurationParser(std::string_view text) : text_(text) {}

  Result<Duration> Parse() {
    negative_ = !text_.empty() && text_[0] == '-';
    source_ = negative_ ? text_.substr(1) : text_;
    if (!source_.empty() && (source_[0] == 'P' || source_[0] == 'p')) {
      if (source_.back() == 'W' || source_.back() == 'w') {
        RETURN_IF_ERROR(ParseWeekFormat());
      } else if (source_.find('-') != std::string_view::npos) {
        RETURN_IF_ERROR(ParseAlternativeFormat());
      } else {
        RETURN_IF_ERROR(ParseIsoFormat());
      }
    } else {
      RETURN_IF_ERROR(ParseStandardFormat());
    }
    if (negative_) {
      d_.months = -d_.months;
      d_.days = -d_.days;
      d_.nanos = -d_.nanos;
    }
    return d_;
  }

 private:
  enum Unit { kYears = 1, kMonths, kWeeks, kDays, kHours, kMinutes, kSeconds, kMillis, kMicros,
              kNanos };

  Status Unconvertible() const {
    return InvalidRequest(
        fmt::format("Unable to convert '{}' to a duration", QuoteForMessage(source_)));
  }

  // Digits at pos_ (at least one; at most `max_digits` when given) as a saturated count.
  bool Number(uint64_t* out, size_t exact_digits = 0) {
    size_t start = pos_;
    uint64_t v = 0;
    while (pos_ < source_.size() && std::isdigit(static_cast<unsigned char>(source_[pos_]))) {
      v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX : v * 10 + (source_[pos_] - '0');
      ++pos_;
    }
    *out = v;
    if (pos_ == start) return false;
    return exact_digits == 0 || pos_ - start == exact_digits;
  }
  bool Take(char c) {  // case-insensitive for letters
    if (pos_ < source_.size() &&
        std::toupper(static_cast<unsigned char>(source_[pos_])) == static_cast<unsigned char>(c)) {
      ++pos_;
      return true;
    }
    return false;
  }

  static const char* UnitName(int unit) {
    static const char* kNames[] = {"",        "years",   "months",  "weeks",
                                   "days",    "hours",   "minutes", "seconds",
                                   "milliseconds", "microseconds", "nanoseconds"};
    return kNames[unit];
  }

  Status Add(int unit, uint64_t n) {
    if (unit == current_) {
      return InvalidRequest(
          fmt::format("Invalid duration. The {} are specified multiple times", UnitName(unit)));
    }
    if (unit < current_) {
      return InvalidRequest(fmt::format("Invalid duration. The {} should be after {}",
                                        UnitName(current_), UnitName(unit)));
    }
    current_ = unit;
    auto check = [&](uint64_t limit, const char* what) -> Status {
      if (n > limit) {
        // Cassandra names Integer.MAX_VALUE for nanoseconds too (Duration.Builder.validate).
        return InvalidRequest(fmt::format(
            "Invalid duration. The total number of {} must be less or equal to {}", what,
            INT32_MAX));
      }
      return Status::OK();
    };
    auto months = [&](uint64_t per) -> Status {
      RETURN_IF_ERROR(check((static_cast<uint64_t>(INT32_MAX) - d_.months) / per, "months"));
      d_.months += static_cast<int64_t>(n * per);
      return Status::OK();
    };
    auto days = [&](uint64_t per) -> Status {
      RETURN_IF_ERROR(check((static_cast<uint64_t>(INT32_MAX) - d_.days) / per, "days"));
      d_.days += static_cast<int64_t>(n * per);
      return Status::OK();
    };
    auto nanos = [&](uint64_t per) -> Status {
      RETURN_IF_ERROR(check((static_cast<uint64_t>(INT64_MAX) - d_.nanos) / per, "nanoseconds"));
      d_.nanos += static_cast<int64_t>(n * per);
      return Status::OK();
    };
    switch (unit) {
      case kYears: return months(12);
      case kMonths: return months(1);
      case kWeeks: return days(7);
      case kDays: return days(1);
      case kHours: return nanos(3600000000000ULL);
      case kMinutes: return nanos(60000000000ULL);
      case kSeconds: return nanos(1000000000ULL);
      case kMillis: return nanos(1000000ULL);
      case kMicros: return nanos(1000ULL);
      default: return nanos(1);
    }
  }

  // (\d+)(y|mo|w|d|h|s|ms|us|µs|ns|m)+, case-insensitive, nothing else.
  Status ParseStandardFormat() {
    if (source_.empty()) return Unconvertible();
    while (pos_ < source_.size()) {
      uint64_t n = 0;
      if (!Number(&n)) return Unconvertible();
      auto lower = [&](size_t i) {
        return i < source_.size() ? static_cast<char>(std::tolower(static_cast<unsigned char>(source_[i])))
                                  : '\0';
      };
      const char c0 = lower(pos_), c1 = lower(pos_ + 1);
      int unit = 0;
      size_t length = 1;
      if (c0 == 'y') {
        unit = kYears;
      } else if (c0 == 'm' && c1 == 'o') {
        unit = kMonths, length = 2;
      } else if (c0 == 'w') {
        unit = kWeeks;
      } else if (c0 == 'd') {
        unit = kDays;
      } else if (c0 == 'h') {
        unit = kHours;
      } else if (c0 == 's') {
        unit = kSeconds;
      } else if (c0 == 'm' && c1 == 's') {
        unit = kMillis, length = 2;
      } else if (c0 == 'u' && c1 == 's') {
        unit = kMicros, length = 2;
      } else if (source_.substr(pos_, 2) == "\xc2\xb5" && lower(pos_ + 2) == 's') {
        unit = kMicros, length = 3;
      } else if (c0 == 'n' && c1 == 's') {
        unit = kNanos, length = 2;
      } else if (c0 == 'm') {
        unit = kMinutes;
      } else {
        return Unconvertible();
      }
      pos_ += length;
      RETURN_IF_ERROR(Add(unit, n));
    }
    return Status::OK();
  }

  // P[nY][nM][nD][T[nH][nM][nS]] (upper case only, as Cassandra's pattern).
  Status ParseIsoFormat() {
    pos_ = 1;
    uint64_t n = 0;
    auto part = [&](char designator, int unit) -> Result<bool> {
      size_t save = pos_;
      if (Number(&n) && Take(designator)) {
        RETURN_IF_ERROR(Add(unit, n));
        return true;
      }
      pos_ = save;
      return false;
    };
    ASSIGN_OR_RETURN(bool any, part('Y', kYears));
    ASSIGN_OR_RETURN(bool month, part('M', kMonths));
    ASSIGN_OR_RETURN(bool day, part('D', kDays));
    any = any || month || day;
    if (Take('T')) {
      ASSIGN_OR_RETURN(bool h, part('H', kHours));
      ASSIGN_OR_RETURN(bool m, part('M', kMinutes));
      ASSIGN_OR_RETURN(bool sec, part('S', kSeconds));
      if (!(h || m || sec)) return Unconvertible();  // "PT" / "P1DT" name no time
      any = true;
    }
    if (!any || pos_ != source_.size()) return Unconvertible();
    return Status::OK();
  }

  // P(\d+)W
  Status ParseWeekFormat() {
    pos_ = 1;
    uint64_t n = 0;
    if (!Number(&n) || !Take('W') || pos_ != source_.size()) return Unconvertible();
    return Add(kWeeks, n);
  }

  // PYYYY-MM-DDThh:mm:ss
  Status ParseAlternativeFormat() {
    pos_ = 1;
    uint64_t f[6];
    const size_t widths[6] = {4, 2, 2, 2, 2, 2};
    const char separators[6] = {'-', '-', 'T', ':', ':', '\0'};
    for (int i = 0; i < 6; ++i) {
      if (!Number(&f[i], widths[i])) return Unconvertible();
      if (separators[i] != '\0' && !Take(separators[i])) return Unconvertible();
    }
    if (pos_ != source_.size()) return Unconvertible();
    const int units[6] = {kYears, kMonths, kDays, kHours, kMinutes, kSeconds};
    for (int i = 0; i < 6; ++i) RETURN_IF_ERROR(Add(units[i], f[i]));
    return Status::OK();
  }

  std::string_view text_;
  std::string_view source_;
  bool negative_ = false;
  size_t pos_ = 0;
  int current_ = 0;
  Duration d_;
};

}  // namespace

std::optional<Duration> DecodeDuration(std::string_view b) {
  Duration d;
  size_t pos = 0;
  if (!ReadVint(b, &pos, &d.months) || !ReadVint(b, &pos, &d.days) ||
      !ReadVint(b, &pos, &d.nanos) || pos != b.size()) {
    return std::nullopt;
  }
  return d;
}

namespace {

std::string FormatDuration(const Duration& d) {
  if (d.months == 0 && d.days == 0 && d.nanos == 0) return "0s";
  std::string out = (d.months < 0 || d.days < 0 || d.nanos < 0) ? "-" : "";
  // Months and days fit 32 bits (validated); nanoseconds may be INT64_MIN: no llabs for them.
  int64_t months = std::llabs(d.months), days = std::llabs(d.days);
  uint64_t nanos = d.nanos < 0 ? 0 - static_cast<uint64_t>(d.nanos) : static_cast<uint64_t>(d.nanos);
  if (months / 12) out += fmt::format("{}y", months / 12);
  if (months % 12) out += fmt::format("{}mo", months % 12);
  if (days) out += fmt::format("{}d", days);
  const std::pair<uint64_t, const char*> kUnits[] = {{3600000000000ULL, "h"}, {60000000000ULL, "m"},
                                                     {1000000000ULL, "s"},    {1000000ULL, "ms"},
                                                     {1000ULL, "us"},         {1, "ns"}};
  for (const auto& [size, unit] : kUnits) {
    if (nanos >= size) {
      out += fmt::format("{}{}", nanos / size, unit);
      nanos %= size;
    }
  }
  return out;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ::tolower);
  return out;
}

// "^-?\\d+$" of TimestampSerializer / SimpleDateSerializer.
bool IsSignedDigits(std::string_view text) {
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  if (i == text.size()) return false;
  for (; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

const char* KindWord(LiteralKind kind) {
  switch (kind) {
    case LiteralKind::kString: return "STRING";
    case LiteralKind::kInteger: return "INTEGER";
    case LiteralKind::kFloat: return "FLOAT";
    case LiteralKind::kBoolean: return "BOOLEAN";
    case LiteralKind::kUuid: return "UUID";
    case LiteralKind::kHex: return "HEX";
    case LiteralKind::kDuration: return "DURATION";
  }
  return "CONSTANT";
}

}  // namespace

// ---- literals ---------------------------------------------------------------------------------

namespace {

Result<std::string> ConvertLiteral(const Type& type, LiteralKind kind, std::string_view text,
                                   std::string_view column) {
  // Messages quote the literal bounded and sanitised (issue 9): it may be megabytes long.
  auto invalid = [&]() {
    return InvalidRequest(fmt::format("Invalid {} constant ({}) for \"{}\" of type {}",
                                      KindWord(kind), QuoteForMessage(text),
                                      QuoteForMessage(column), type.ToCql()));
  };
  auto integer = [&](int64_t min, int64_t max) -> Result<int64_t> {
    if (kind != LiteralKind::kInteger) return invalid();
    auto v = ParseInt64(text);
    if (!v || *v < min || *v > max) return invalid();
    return *v;
  };
  switch (type.kind()) {
    case Kind::kAscii:
      if (kind != LiteralKind::kString) return invalid();
      for (unsigned char c : text) {
        if (c > 127) return InvalidRequest(fmt::format("Invalid ASCII character in string literal for \"{}\"", QuoteForMessage(column)));
      }
      return std::string(text);
    case Kind::kVarchar:
      if (kind != LiteralKind::kString) return invalid();
      if (!IsStrictUtf8(text)) return InvalidRequest("Invalid UTF-8 string literal");
      return std::string(text);
    case Kind::kBlob: {
      if (kind != LiteralKind::kHex || text.size() < 2) return invalid();
      std::string_view hex = text.substr(2);
      if (hex.size() % 2) return invalid();
      std::string out;
      for (size_t i = 0; i < hex.size(); i += 2) {
        int hi = HexDigit(hex[i]), lo = HexDigit(hex[i + 1]);
        if (hi < 0 || lo < 0) return invalid();
        out.push_back(static_cast<char>(hi * 16 + lo));
      }
      return out;
    }
    case Kind::kBoolean: {
      std::string t = ToLower(text);
      if ((kind == LiteralKind::kBoolean || kind == LiteralKind::kString) && (t == "true" || t == "false")) {
        return SerializeBoolean(t == "true");
      }
      return invalid();
    }
    case Kind::kTinyint: {
      ASSIGN_OR_RETURN(int64_t v, integer(-128, 127));
      return std::string(1, static_cast<char>(static_cast<int8_t>(v)));
    }
    case Kind::kSmallint: {
      ASSIGN_OR_RETURN(int64_t v, integer(-32768, 32767));
      return BigEndian<int16_t>(static_cast<int16_t>(v));
    }
    case Kind::kInt: {
      ASSIGN_OR_RETURN(int64_t v, integer(INT32_MIN, INT32_MAX));
      return SerializeInt(static_cast<int32_t>(v));
    }
    case Kind::kBigint:
    case Kind::kCounter: {
      ASSIGN_OR_RETURN(int64_t v, integer(INT64_MIN, INT64_MAX));
      return SerializeBigint(v);
    }
    case Kind::kVarint: {
      if (kind != LiteralKind::kInteger) return invalid();
      auto v = BigIntFromDecimal(text);
      if (!v) return invalid();
      return *v;
    }
    case Kind::kDecimal: {
      if (kind != LiteralKind::kInteger && kind != LiteralKind::kFloat) return invalid();
      auto v = DecimalFromText(text);
      if (!v) return invalid();
      return *v;
    }
    case Kind::kDouble:
    case Kind::kFloat: {
      if (kind != LiteralKind::kInteger && kind != LiteralKind::kFloat) return invalid();
      std::string t(text);
      double d;
      if (t == "NaN") {
        d = std::nan("");
      } else if (t == "Infinity" || t == "+Infinity") {
        d = INFINITY;
      } else if (t == "-Infinity") {
        d = -INFINITY;
      } else {
        char* end = nullptr;
        d = std::strtod(t.c_str(), &end);
        if (t.empty() || *end != '\0') return invalid();
      }
      if (type.kind() == Kind::kFloat) return SerializeFloat(static_cast<float>(d));
      return SerializeDouble(d);
    }
    case Kind::kTimestamp: {
      if (kind == LiteralKind::kInteger) {
        ASSIGN_OR_RETURN(int64_t v, integer(INT64_MIN, INT64_MAX));
        return SerializeBigint(v);
      }
      if (kind != LiteralKind::kString) return invalid();
      // TimestampSerializer.dateStringToTimestamp (4.1): "now", then a string of digits as
      // milliseconds since the epoch, then the date/time formats (issue 13).
      if (ToLower(text) == "now") {
        return SerializeBigint(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
      }
      if (IsSignedDigits(text)) {
        auto v = ParseInt64(text);
        if (!v) {
          return InvalidRequest(fmt::format("Unable to make long (for date) from: '{}'",
                                            QuoteForMessage(text)));
        }
        return SerializeBigint(*v);
      }
      auto ms = ParseTimestampText(text);
      if (!ms) {
        return InvalidRequest(fmt::format("Unable to coerce '{}' to a formatted date (long)",
                                          QuoteForMessage(text)));
      }
      return SerializeBigint(*ms);
    }
    case Kind::kDate: {
      if (kind == LiteralKind::kInteger) {
        ASSIGN_OR_RETURN(int64_t v, integer(0, UINT32_MAX));
        return SerializeInt(static_cast<int32_t>(static_cast<uint32_t>(v)));
      }
      if (kind != LiteralKind::kString) return invalid();
      // SimpleDateSerializer.dateStringToDays: digits are the raw unsigned day number (2^31 is
      // the epoch), then the yyyy-mm-dd form (issue 13).
      if (IsSignedDigits(text)) {
        auto v = ParseInt64(text);
        if (!v || *v < 0 || *v > UINT32_MAX) {
          return InvalidRequest(fmt::format("Unable to make unsigned int (for date) from: '{}'",
                                            QuoteForMessage(text)));
        }
        return SerializeInt(static_cast<int32_t>(static_cast<uint32_t>(*v)));
      }
      auto days = ParseDateText(text);
      if (!days) {
        return InvalidRequest(fmt::format("Unable to coerce '{}' to a formatted date (long)",
                                          QuoteForMessage(text)));
      }
      return SerializeInt(static_cast<int32_t>(*days));
    }
    case Kind::kTime: {
      if (kind == LiteralKind::kInteger) {
        ASSIGN_OR_RETURN(int64_t v, integer(0, 86399999999999LL));
        return SerializeBigint(v);
      }
      if (kind != LiteralKind::kString) return invalid();
      auto nanos = ParseTimeText(text);
      if (!nanos) {
        return InvalidRequest(fmt::format(
            "Timestamp format must be hh:mm:ss[.fffffffff] (got '{}')", QuoteForMessage(text)));
      }
      return SerializeBigint(*nanos);
    }
    case Kind::kUuid:
    case Kind::kTimeuuid: {
      if (kind != LiteralKind::kUuid && kind != LiteralKind::kString) return invalid();
      auto bytes = UuidFromString(text);
      if (!bytes.ok()) return invalid();
      if (type.kind() == Kind::kTimeuuid && UuidVersion(*bytes) != 1) {
        return InvalidRequest(fmt::format("Unsupported UUID for timeuuid: {} is not a version 1 UUID",
                                          QuoteForMessage(text)));
      }
      return *bytes;
    }
    case Kind::kInet: {
      if (kind != LiteralKind::kString) return invalid();
      unsigned char buf[16];
      std::string t(text);
      if (inet_pton(AF_INET, t.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
      if (inet_pton(AF_INET6, t.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 16);
      return InvalidRequest(fmt::format("Unable to make inet address from '{}'", QuoteForMessage(t)));
    }
    case Kind::kDuration: {
      if (kind != LiteralKind::kDuration && kind != LiteralKind::kString) return invalid();
      ASSIGN_OR_RETURN(Duration d, DurationParser(text).Parse());
      std::string out;
      AppendVint(&out, d.months);
      AppendVint(&out, d.days);
      AppendVint(&out, d.nanos);
      return out;
    }
    default:
      return invalid();
  }
}

}  // namespace

Result<std::string> ParseLiteral(const Type& type, LiteralKind kind, std::string_view text,
                                 std::string_view column) {
  ASSIGN_OR_RETURN(std::string bytes, ConvertLiteral(type, kind, text, column));
  // What a literal converts to passes the same check as a bound value (issue 9 item 2).
  RETURN_IF_ERROR(ValidateValue(type, bytes));
  return bytes;
}

// ---- comparison -------------------------------------------------------------------------------

namespace {

template <typename T>
int Cmp(T a, T b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

int CompareBytes(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int CompareDouble(double a, double b) {
  // Java's Double.compare: -0.0 < 0.0, NaN greatest.
  if (a < b) return -1;
  if (a > b) return 1;
  bool an = std::isnan(a), bn = std::isnan(b);
  if (an || bn) return an == bn ? 0 : (an ? 1 : -1);
  bool as = std::signbit(a), bs = std::signbit(b);
  return as == bs ? 0 : (as ? -1 : 1);
}

// One element of a serialized collection/tuple/UDT: nullopt for null (negative length).
struct Component {
  bool present = false;
  std::string_view bytes;
};

// Reads `[int n] ([int len][bytes]){n * per_entry}` (collections) into `out`; false if malformed.
bool ReadCollection(std::string_view v, size_t per_entry, std::vector<Component>* out) {
  if (v.size() < 4) return false;
  const int32_t n = static_cast<int32_t>(FromBigEndian<uint32_t>(v.substr(0, 4)));
  if (n < 0) return false;
  size_t pos = 4;
  for (int64_t i = 0; i < static_cast<int64_t>(n) * static_cast<int64_t>(per_entry); ++i) {
    if (v.size() - pos < 4) return false;
    const int32_t len = static_cast<int32_t>(FromBigEndian<uint32_t>(v.substr(pos, 4)));
    pos += 4;
    if (len < 0) {
      out->push_back({});
      continue;
    }
    if (v.size() - pos < static_cast<size_t>(len)) return false;
    out->push_back({true, v.substr(pos, static_cast<size_t>(len))});
    pos += static_cast<size_t>(len);
  }
  return pos == v.size();
}

// Reads the fields of a tuple/UDT value; missing trailing fields are null. False if malformed.
bool ReadFields(std::string_view v, size_t fields, std::vector<Component>* out) {
  size_t pos = 0;
  for (size_t i = 0; i < fields; ++i) {
    if (pos == v.size()) {
      out->push_back({});
      continue;
    }
    if (v.size() - pos < 4) return false;
    const int32_t len = static_cast<int32_t>(FromBigEndian<uint32_t>(v.substr(pos, 4)));
    pos += 4;
    if (len < 0) {
      out->push_back({});
      continue;
    }
    if (v.size() - pos < static_cast<size_t>(len)) return false;
    out->push_back({true, v.substr(pos, static_cast<size_t>(len))});
    pos += static_cast<size_t>(len);
  }
  return pos == v.size();
}

// Null sorts before any value, as the clustering-key encoding (cql/types/key_encoding.cc) orders it.
int CompareComponents(const Type& type, const Component& a, const Component& b) {
  if (!a.present || !b.present) return Cmp(a.present, b.present);
  return Compare(type, a.bytes, b.bytes);
}

// Sets and maps compare as Cassandra stores them: entries sorted by key, each key once (the last
// one sent wins, as in key_encoding.cc), then entry by entry, a shorter prefix first.
std::vector<std::pair<Component, Component>> NormalizedEntries(const Type& type,
                                                               const std::vector<Component>& raw,
                                                               bool map) {
  std::vector<std::pair<Component, Component>> entries;
  for (size_t i = 0; i < raw.size(); i += map ? 2 : 1) {
    entries.push_back({raw[i], map ? raw[i + 1] : Component{}});
  }
  const Type& key = type.params()[0];
  std::stable_sort(entries.begin(), entries.end(), [&](const auto& x, const auto& y) {
    return CompareComponents(key, x.first, y.first) < 0;
  });
  std::vector<std::pair<Component, Component>> unique;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && CompareComponents(key, entries[i].first, entries[i + 1].first) == 0) {
      continue;
    }
    unique.push_back(entries[i]);
  }
  return unique;
}

// Cassandra's ListType/SetType/MapType/TupleType/UserType comparators: element by element with
// each element type's order (issue 9, fuzz finding F1: these used to compare raw bytes).
int CompareComposite(const Type& type, std::string_view a, std::string_view b) {
  std::vector<Component> ca, cb;
  const bool map = type.kind() == Kind::kMap;
  if (type.kind() == Kind::kTuple || type.kind() == Kind::kUdt) {
    if (!ReadFields(a, type.params().size(), &ca) || !ReadFields(b, type.params().size(), &cb)) {
      return CompareBytes(a, b);  // not valid values: any total order will do
    }
    for (size_t i = 0; i < type.params().size(); ++i) {
      int c = CompareComponents(type.params()[i], ca[i], cb[i]);
      if (c != 0) return c;
    }
    return 0;
  }
  if (type.params().size() != (map ? 2u : 1u) || !ReadCollection(a, map ? 2 : 1, &ca) ||
      !ReadCollection(b, map ? 2 : 1, &cb)) {
    return CompareBytes(a, b);
  }
  if (type.kind() == Kind::kList) {
    for (size_t i = 0; i < ca.size() && i < cb.size(); ++i) {
      int c = CompareComponents(type.params()[0], ca[i], cb[i]);
      if (c != 0) return c;
    }
    return Cmp(ca.size(), cb.size());
  }
  auto ea = NormalizedEntries(type, ca, map);
  auto eb = NormalizedEntries(type, cb, map);
  for (size_t i = 0; i < ea.size() && i < eb.size(); ++i) {
    int c = CompareComponents(type.params()[0], ea[i].first, eb[i].first);
    if (c == 0 && map) c = CompareComponents(type.params()[1], ea[i].second, eb[i].second);
    if (c != 0) return c;
  }
  return Cmp(ea.size(), eb.size());
}

}  // namespace

int Compare(const Type& type, std::string_view a, std::string_view b) {
  // Empty values sort first in Cassandra.
  if (a.empty() || b.empty()) return Cmp(a.size(), b.size()) * (a.empty() && b.empty() ? 0 : 1);
  switch (type.kind()) {
    case Kind::kTinyint: return Cmp(static_cast<int8_t>(a[0]), static_cast<int8_t>(b[0]));
    case Kind::kSmallint: return Cmp(FromBigEndian<int16_t>(a), FromBigEndian<int16_t>(b));
    case Kind::kInt: return Cmp(DeserializeInt(a), DeserializeInt(b));
    case Kind::kBigint:
    case Kind::kCounter:
    case Kind::kTimestamp:
    case Kind::kTime: return Cmp(DeserializeBigint(a), DeserializeBigint(b));
    case Kind::kDate: return Cmp(FromBigEndian<uint32_t>(a), FromBigEndian<uint32_t>(b));
    case Kind::kDouble: return CompareDouble(DeserializeDouble(a), DeserializeDouble(b));
    case Kind::kFloat: return CompareDouble(DeserializeFloat(a), DeserializeFloat(b));
    case Kind::kBoolean: return Cmp(a[0] != 0, b[0] != 0);
    case Kind::kVarint: return CompareVarints(a, b);
    case Kind::kDecimal:
      if (a.size() < 4 || b.size() < 4) return CompareBytes(a, b);  // not valid decimals
      return CompareDecimals(a, b);
    case Kind::kInet:
      if (a.size() != b.size()) return Cmp(a.size(), b.size());
      return CompareBytes(a, b);
    case Kind::kTimeuuid:
    case Kind::kUuid: {
      if (a.size() != 16 || b.size() != 16) return CompareBytes(a, b);
      int va = UuidVersion(a), vb = UuidVersion(b);
      if (type.kind() == Kind::kUuid && va != vb) return Cmp(va, vb);
      if (va == 1 && vb == 1) {
        int c = Cmp(UuidTimestamp(a), UuidTimestamp(b));
        if (c != 0) return c;
        // Then the remaining bytes as signed, like TimeUUIDType.
        for (size_t i = 8; i < 16; ++i) {
          int d = Cmp(static_cast<int8_t>(a[i]), static_cast<int8_t>(b[i]));
          if (d != 0) return d;
        }
        return 0;
      }
      return CompareBytes(a, b);
    }
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap:
    case Kind::kTuple:
    case Kind::kUdt:
      return CompareComposite(type, a, b);
    default:
      return CompareBytes(a, b);
  }
}

// ---- rendering --------------------------------------------------------------------------------

std::string ToCqlLiteral(const Type& type, std::string_view b) {
  auto quote = [](std::string_view s) {
    std::string out = "'";
    for (char c : s) {
      if (c == '\'') out += '\'';
      out += c;
    }
    return out + "'";
  };
  auto hex = [](std::string_view s) {
    static const char* kHex = "0123456789abcdef";
    std::string out = "0x";
    for (unsigned char c : s) {
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
    return out;
  };
  if (b.empty() && type.kind() != Kind::kVarchar && type.kind() != Kind::kAscii &&
      type.kind() != Kind::kBlob) {
    return "''";
  }
  // Stored or bound bytes that are not a valid value (nothing valid reaches here since issue 9,
  // but old data might) render as hex rather than being read out of bounds.
  if (!ValidateValue(type, b).ok()) return hex(b);
  switch (type.kind()) {
    case Kind::kAscii:
    case Kind::kVarchar: return quote(b);
    case Kind::kBlob: return hex(b);
    case Kind::kBoolean: return b[0] ? "true" : "false";
    case Kind::kTinyint: return std::to_string(static_cast<int8_t>(b[0]));
    case Kind::kSmallint: return std::to_string(FromBigEndian<int16_t>(b));
    case Kind::kInt: return std::to_string(DeserializeInt(b));
    case Kind::kBigint:
    case Kind::kCounter: return std::to_string(DeserializeBigint(b));
    case Kind::kVarint: return VarintLiteral(b);
    case Kind::kDecimal: return DecimalLiteral(b);
    case Kind::kDouble: {
      double d = DeserializeDouble(b);
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      return fmt::format("{}", d);
    }
    case Kind::kFloat: {
      float f = DeserializeFloat(b);
      if (std::isnan(f)) return "NaN";
      if (std::isinf(f)) return f > 0 ? "Infinity" : "-Infinity";
      return fmt::format("{}", f);
    }
    case Kind::kTimestamp: return quote(FormatTimestamp(DeserializeBigint(b)));
    case Kind::kDate: {
      int64_t days = static_cast<int64_t>(FromBigEndian<uint32_t>(b)) - (int64_t{1} << 31);
      int64_t y;
      unsigned m, d;
      CivilFromDays(days, &y, &m, &d);
      return quote(fmt::format("{:04d}-{:02d}-{:02d}", y, m, d));
    }
    case Kind::kTime: {
      int64_t n = DeserializeBigint(b);
      return quote(fmt::format("{:02d}:{:02d}:{:02d}.{:09d}", n / 3600000000000LL,
                               (n / 60000000000LL) % 60, (n / 1000000000LL) % 60, n % 1000000000LL));
    }
    case Kind::kUuid:
    case Kind::kTimeuuid: return UuidToString(b);
    case Kind::kInet: {
      char buf[INET6_ADDRSTRLEN];
      inet_ntop(b.size() == 4 ? AF_INET : AF_INET6, b.data(), buf, sizeof(buf));
      return quote(buf);
    }
    case Kind::kDuration: {
      auto d = DecodeDuration(b);
      return d ? FormatDuration(*d) : hex(b);
    }
    default:
      return hex(b);
  }
}

}  // namespace sibyl::cql::types
