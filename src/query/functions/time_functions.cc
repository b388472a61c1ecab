// Cassandra 4.1 TimeFcts and UuidFcts: now(), currentTimeUUID(), currentTimestamp(),
// currentDate(), currentTime(), minTimeuuid(), maxTimeuuid(), dateOf(), unixTimestampOf(),
// toDate(), toTimestamp(), toUnixTimestamp(), uuid(); plus the snake_case names Cassandra 5.0
// added for them (current_timestamp, to_date...). The current-time functions read the
// statement's instant (statement_clock.h).
#include <fmt/format.h>

#include "cql/types/value.h"
#include "query/functions/function.h"
#include "query/functions/statement_clock.h"
#include "query/functions/time_conversions.h"

namespace sibyl::query::functions {

using types::Kind;
using types::Type;

namespace {

NativeFunction Make(std::string name, Kind ret, std::vector<Kind> args, bool pure,
                    std::function<Result<types::Value>(const Arguments&)> execute) {
  NativeFunction f;
  f.name = std::move(name);
  f.return_type = Type(ret);
  for (Kind k : args) f.arg_types.emplace_back(k);
  f.pure = pure;
  f.execute = std::move(execute);
  return f;
}

// The functions converting one temporal value: null (and, as TimeFcts checks
// !bb.hasRemaining(), an empty value) gives null.
NativeFunction Conversion(std::string name, Kind ret, Kind arg,
                          std::function<Result<types::Value>(std::string_view)> convert) {
  return Make(std::move(name), ret, {arg}, true,
              [convert](const Arguments& args) -> Result<types::Value> {
                if (!args[0] || args[0]->empty()) return types::Value(std::nullopt);
                return convert(*args[0]);
              });
}

Result<types::Value> DateOf(Kind kind, std::string_view v, const NativeFunction* self) {
  ASSIGN_OR_RETURN(std::string date, MillisToDate(TemporalToMillis(kind, v)));
  (void)self;
  return types::Value(std::move(date));
}

}  // namespace

void AddTimeFunctions(std::vector<NativeFunction>& out) {
  auto now_timeuuid = [](const Arguments&) -> Result<types::Value> {
    return types::Value(types::TimeUuidNow());
  };
  auto now_timestamp = [](const Arguments&) -> Result<types::Value> {
    return types::Value(types::SerializeBigint(FloorDiv(StatementNowMicros(), 1000)));
  };
  auto now_date = [](const Arguments&) -> Result<types::Value> {
    ASSIGN_OR_RETURN(std::string date, MillisToDate(FloorDiv(StatementNowMicros(), 1000)));
    return types::Value(std::move(date));
  };
  auto now_time = [](const Arguments&) -> Result<types::Value> {
    const int64_t micros_of_day = StatementNowMicros() - FloorDiv(StatementNowMicros(), 86400000000LL) * 86400000000LL;
    return types::Value(types::SerializeBigint(micros_of_day * 1000));
  };
  auto min_timeuuid = [](std::string_view v) -> Result<types::Value> {
    return types::Value(MinTimeuuid(types::DeserializeBigint(v)));
  };
  auto max_timeuuid = [](std::string_view v) -> Result<types::Value> {
    return types::Value(MaxTimeuuid(types::DeserializeBigint(v)));
  };
  auto to_timestamp = [](Kind kind) {
    return [kind](std::string_view v) -> Result<types::Value> {
      return types::Value(types::SerializeBigint(TemporalToMillis(kind, v)));
    };
  };
  auto to_date = [](Kind kind) {
    return [kind](std::string_view v) -> Result<types::Value> { return DateOf(kind, v, nullptr); };
  };
  // Cassandra 4.1 TimeFcts.all(), in its order; then the 5.0 snake_case names.
  for (const char* name : {"now", "currenttimeuuid"}) {
    out.push_back(Make(name, Kind::kTimeuuid, {}, false, now_timeuuid));
  }
  out.push_back(Make("currenttimestamp", Kind::kTimestamp, {}, false, now_timestamp));
  out.push_back(Make("currentdate", Kind::kDate, {}, false, now_date));
  out.push_back(Make("currenttime", Kind::kTime, {}, false, now_time));
  out.push_back(Conversion("mintimeuuid", Kind::kTimeuuid, Kind::kTimestamp, min_timeuuid));
  out.push_back(Conversion("maxtimeuuid", Kind::kTimeuuid, Kind::kTimestamp, max_timeuuid));
  out.push_back(Conversion("dateof", Kind::kTimestamp, Kind::kTimeuuid, to_timestamp(Kind::kTimeuuid)));
  out.push_back(Conversion("unixtimestampof", Kind::kBigint, Kind::kTimeuuid, to_timestamp(Kind::kTimeuuid)));
  out.push_back(Conversion("todate", Kind::kDate, Kind::kTimeuuid, to_date(Kind::kTimeuuid)));
  out.push_back(Conversion("totimestamp", Kind::kTimestamp, Kind::kTimeuuid, to_timestamp(Kind::kTimeuuid)));
  out.push_back(Conversion("tounixtimestamp", Kind::kBigint, Kind::kTimeuuid, to_timestamp(Kind::kTimeuuid)));
  out.push_back(Conversion("tounixtimestamp", Kind::kBigint, Kind::kTimestamp, to_timestamp(Kind::kTimestamp)));
  out.push_back(Conversion("todate", Kind::kDate, Kind::kTimestamp, to_date(Kind::kTimestamp)));
  out.push_back(Conversion("tounixtimestamp", Kind::kBigint, Kind::kDate, to_timestamp(Kind::kDate)));
  out.push_back(Conversion("totimestamp", Kind::kTimestamp, Kind::kDate, to_timestamp(Kind::kDate)));

  out.push_back(Make("current_timeuuid", Kind::kTimeuuid, {}, false, now_timeuuid));
  out.push_back(Make("current_timestamp", Kind::kTimestamp, {}, false, now_timestamp));
  out.push_back(Make("current_date", Kind::kDate, {}, false, now_date));
  out.push_back(Make("current_time", Kind::kTime, {}, false, now_time));
  out.push_back(Conversion("min_timeuuid", Kind::kTimeuuid, Kind::kTimestamp, min_timeuuid));
  out.push_back(Conversion("max_timeuuid", Kind::kTimeuuid, Kind::kTimestamp, max_timeuuid));
  out.push_back(Conversion("to_date", Kind::kDate, Kind::kTimeuuid, to_date(Kind::kTimeuuid)));
  out.push_back(Conversion("to_timestamp", Kind::kTimestamp, Kind::kTimeuuid, to_timestamp(Kind::kTimeuuid)));
  out.push_back(Conversion("to_unix_timestamp", Kind::kBigint, Kind::kTimeuuid, to_timestamp(Kind::kTimeuuid)));
  out.push_back(Conversion("to_unix_timestamp", Kind::kBigint, Kind::kTimestamp, to_timestamp(Kind::kTimestamp)));
  out.push_back(Conversion("to_date", Kind::kDate, Kind::kTimestamp, to_date(Kind::kTimestamp)));
  out.push_back(Conversion("to_unix_timestamp", Kind::kBigint, Kind::kDate, to_timestamp(Kind::kDate)));
  out.push_back(Conversion("to_timestamp", Kind::kTimestamp, Kind::kDate, to_timestamp(Kind::kDate)));
}

void AddUuidFunctions(std::vector<NativeFunction>& out) {
  out.push_back(Make("uuid", Kind::kUuid, {}, false, [](const Arguments&) -> Result<types::Value> {
    return types::Value(types::RandomUuid());
  }));
}

}  // namespace sibyl::query::functions
