#pragma once
// A CQL type of any shape read from fuzz input, shared by the targets that fuzz values
// (fuzz_value, fuzz_json). One byte per type node: values below kNativeCount are native types;
// then list, set, map, tuple and UDT (with a field count byte), each with bit 0x80 meaning
// frozen (nested collections are always frozen, as CQL requires). Field names alternate
// lower and upper case so that quoted (case-sensitive) names are exercised too.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cql/types/type.h"

namespace sibyl::fuzz {

inline constexpr cql::types::Kind kNativeKinds[] = {
    cql::types::Kind::kAscii,    cql::types::Kind::kBigint,   cql::types::Kind::kBlob,
    cql::types::Kind::kBoolean,  cql::types::Kind::kCounter,  cql::types::Kind::kDecimal,
    cql::types::Kind::kDouble,   cql::types::Kind::kFloat,    cql::types::Kind::kInt,
    cql::types::Kind::kTimestamp, cql::types::Kind::kUuid,    cql::types::Kind::kVarchar,
    cql::types::Kind::kVarint,   cql::types::Kind::kTimeuuid, cql::types::Kind::kInet,
    cql::types::Kind::kDate,     cql::types::Kind::kTime,     cql::types::Kind::kSmallint,
    cql::types::Kind::kTinyint,  cql::types::Kind::kDuration,
};
inline constexpr size_t kNativeCount = sizeof(kNativeKinds) / sizeof(kNativeKinds[0]);

// Reads a type from the front of `in`, at most `max_depth` levels deep (deeper nodes become
// native types). Missing input gives int.
inline cql::types::Type ReadType(std::string_view& in, int max_depth, int depth = 0,
                                 bool nested = false) {
  using cql::types::Type;
  if (in.empty()) return Type(cql::types::Kind::kInt);
  const uint8_t b = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  const bool frozen = nested || (b & 0x80) != 0;
  const uint8_t choice = (b & 0x7F) % (kNativeCount + 5);
  if (choice < kNativeCount || depth >= max_depth) {
    return Type(kNativeKinds[choice % kNativeCount]);
  }
  switch (choice - kNativeCount) {
    case 0: return Type::List(ReadType(in, max_depth, depth + 1, true), frozen);
    case 1: return Type::Set(ReadType(in, max_depth, depth + 1, true), frozen);
    case 2: {
      Type key = ReadType(in, max_depth, depth + 1, true);
      return Type::Map(key, ReadType(in, max_depth, depth + 1, true), frozen);
    }
    default: {
      size_t count = 1;
      if (!in.empty()) {
        count = 1 + static_cast<uint8_t>(in[0]) % 4;
        in.remove_prefix(1);
      }
      std::vector<Type> fields;
      std::vector<std::string> names;
      for (size_t i = 0; i < count; ++i) {
        fields.push_back(ReadType(in, max_depth, depth + 1, true));
        names.push_back(i % 2 ? "F" + std::to_string(i) : "f" + std::to_string(i));
      }
      if (choice - kNativeCount == 3) return Type::Tuple(std::move(fields));
      return Type::Udt("ks", "udt", std::move(names), std::move(fields), frozen);
    }
  }
}

}  // namespace sibyl::fuzz
