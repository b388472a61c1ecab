// libFuzzer target: the JSON value decoder of INSERT JSON and fromJson() (query/json_values.h,
// issue 13): ParseJson under its limits, FromJsonValue for a type of any shape, ToJsonString of
// what it decoded, and INSERT JSON's map reading.
//
// Input: a type description (one byte per node, fuzz/fuzz_types.h ReadType: native types, then
// list, set, map, tuple, UDT with a field-count byte; bit 0x80 frozen), a NUL, then JSON text.
// Properties:
//   - parsing, decoding and writing never crash, hang or read out of bounds, whatever the text;
//   - every failure is a kInvalid whose message is valid UTF-8;
//   - a decoded value passes ValidateValue for its type;
//   - its JSON text parses again, and for types without floating point, time or duration parts
//     (whose JSON forms Cassandra does not read back exactly) decodes to the same bytes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/utf8.h"
#include "cql/types/type.h"
#include "cql/types/validate.h"
#include "fuzz/fuzz_types.h"
#include "fuzz/fuzz_util.h"
#include "query/json_values.h"

using namespace sibyl;
using namespace sibyl::cql::types;

namespace {

constexpr int kMaxDepth = 6;

// Types whose JSON text reads back to the very bytes it was written from.
bool ExactRoundTrip(const Type& type) {
  switch (type.kind()) {
    case Kind::kFloat: case Kind::kDouble: case Kind::kTimestamp: case Kind::kDate:
    case Kind::kDuration: case Kind::kInet: case Kind::kDecimal:
      return false;
    default:
      break;
  }
  for (const auto& p : type.params()) {
    if (!ExactRoundTrip(p)) return false;
  }
  return true;
}

[[noreturn]] void Fail(const Type& type, const char* what, std::string_view detail) {
  fprintf(stderr, "fuzz_json: %s: %s (%.*s)\n", type.ToCql().c_str(), what,
          static_cast<int>(std::min<size_t>(detail.size(), 300)), detail.data());
  std::abort();
}

void CheckError(const Type& type, const Status& s) {
  if (s.code() != ErrorCode::kInvalid || !IsValidUtf8(s.message())) {
    Fail(type, "unexpected error", s.ToString());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto fields = fuzz::SplitFields(
      std::string_view(reinterpret_cast<const char*>(data), size), 2);
  std::string_view type_bytes = fields[0];
  const Type type = fuzz::ReadType(type_bytes, kMaxDepth);
  const std::string_view text = fields[1];

  auto map = query::ParseInsertJsonMap(text);
  if (!map.ok()) CheckError(type, map.status());
  auto parsed = query::ParseJson(text);
  if (!parsed.ok()) {
    CheckError(type, parsed.status());
    return 0;
  }
  (void)query::WriteJson(*parsed);
  if (parsed->kind == query::JsonValue::Kind::kNull) return 0;
  auto bytes = query::FromJsonValue(type, *parsed);
  if (!bytes.ok()) {
    CheckError(type, bytes.status());
    return 0;
  }
  if (!ValidateValue(type, *bytes).ok()) Fail(type, "decoded value does not validate", text);
  const std::string json = query::ToJsonString(type, *bytes);
  auto again = query::ParseJson(json);
  if (!again.ok()) Fail(type, "written JSON does not parse", json);
  if (ExactRoundTrip(type) && !bytes->empty()) {
    auto back = query::FromJsonValue(type, *again);
    if (!back.ok()) Fail(type, "written JSON does not decode", json);
    if (*back != *bytes) Fail(type, "written JSON decodes to other bytes", json);
  }
  return 0;
}
