#pragma once
// Conversions between CQL's temporal types as Cassandra's TemporalType subclasses do them
// (toTimeInMillis / fromTimeInMillis), timeuuid bounds (UUIDGen.minTimeUUID/maxTimeUUID) and
// duration arithmetic (Duration.addTo / substractFrom: Joda's plusMonths clamps the day of
// the month).

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "cql/types/type.h"

#include "query/namespaces.h"

namespace sibyl::query::functions {

int64_t FloorDiv(int64_t a, int64_t b);

// Milliseconds since the epoch of a timestamp, date (days, 2^31 = epoch) or timeuuid value.
// REQUIRES: a valid non-empty value of `kind`.
int64_t TemporalToMillis(types::Kind kind, std::string_view value);
// SimpleDateType.fromTimeInMillis: the day of `millis` (Duration.toDays truncates). kInvalid
// "Input date ... is less than min supported date ..." past the int32 day range.
Result<std::string> MillisToDate(int64_t millis);

std::string MinTimeuuid(int64_t millis);
std::string MaxTimeuuid(int64_t millis);

// timestamp/date +/- duration. `subtract` negates the duration. Errors (with Cassandra's
// texts, to be wrapped in an OperationFailure): "The duration must have a millisecond
// precision. Was: 1us" (timestamp), "The duration must have a day precision. Was: 1h" (date).
Result<std::string> AddDuration(types::Kind kind, std::string_view temporal,
                                std::string_view duration, bool subtract);

}  // namespace sibyl::query::functions
