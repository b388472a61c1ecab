#include "cql/types/validate.h"

#include <fmt/format.h>

#include <cstdint>

namespace sibyl::cql::types {
namespace {

// At most this many bytes of a value are quoted (as hex) in a message.
constexpr size_t kMaxQuotedValueBytes = 64;

constexpr int64_t kNanosPerDay = 86400LL * 1000 * 1000 * 1000;

int32_t ReadI32(std::string_view b, size_t pos) {  // REQUIRES: pos + 4 <= b.size()
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(b[pos + i]);
  return static_cast<int32_t>(v);
}

int64_t ReadI64(std::string_view b) {  // REQUIRES: b.size() == 8
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return static_cast<int64_t>(v);
}

std::string QuotedHex(std::string_view b) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < b.size() && i < kMaxQuotedValueBytes; ++i) {
    out.push_back(kDigits[static_cast<uint8_t>(b[i]) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(b[i]) & 15]);
  }
  if (b.size() > kMaxQuotedValueBytes) out += "...";
  return out;
}

// Cassandra's VIntCoding: the count of leading 1 bits of the first byte is the count of extra
// bytes; the value is zig-zag encoded. False when the bytes end inside the vint.
bool ReadSignedVint(std::string_view b, size_t* pos, int64_t* value) {
  if (*pos >= b.size()) return false;
  const uint8_t first = static_cast<uint8_t>(b[(*pos)++]);
  int extra = 0;
  while (extra < 8 && (first & (0x80 >> extra))) ++extra;
  if (b.size() - *pos < static_cast<size_t>(extra)) return false;
  uint64_t v = extra == 8 ? 0 : (first & (0xffu >> (extra + 1)));
  for (int i = 0; i < extra; ++i) v = (v << 8) | static_cast<uint8_t>(b[(*pos)++]);
  *value = static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  return true;
}

Status ValidateDuration(std::string_view b) {
  if (b.size() < 3) {
    return InvalidRequest(
        fmt::format("Expected at least 3 bytes for a duration ({})", b.size()));
  }
  size_t pos = 0;
  int64_t months = 0, days = 0, nanos = 0;
  if (!ReadSignedVint(b, &pos, &months) || !ReadSignedVint(b, &pos, &days) ||
      !ReadSignedVint(b, &pos, &nanos)) {
    // Cassandra fails with an internal error here; a clear refusal is better.
    return InvalidRequest("Not enough bytes to read a duration");
  }
  // Stricter than Cassandra, which ignores what follows the third vint: such bytes could not be
  // told apart from a different duration by anything that reads the value back.
  if (pos != b.size()) return InvalidRequest("Unexpected extraneous bytes after duration value");
  if (months != static_cast<int32_t>(months)) {
    return InvalidRequest(
        fmt::format("The duration months must be a 32 bits integer but was: {}", months));
  }
  if (days != static_cast<int32_t>(days)) {
    return InvalidRequest(
        fmt::format("The duration days must be a 32 bits integer but was: {}", days));
  }
  if (!((months >= 0 && days >= 0 && nanos >= 0) || (months <= 0 && days <= 0 && nanos <= 0))) {
    return InvalidRequest(fmt::format(
        "The duration months, days and nanoseconds must be all of the same sign ({}, {}, {})",
        months, days, nanos));
  }
  return Status::OK();
}

// Fixed-width types that also accept the empty value (Cassandra's "X or 0 byte" rule).
Status FixedOrEmpty(std::string_view b, size_t size, const char* format) {
  if (b.size() == size || b.empty()) return Status::OK();
  return InvalidRequest(fmt::format(fmt::runtime(format), b.size()));
}

// Fixed-width types that do not accept the empty value.
Status Exactly(std::string_view b, size_t size, const char* format) {
  if (b.size() == size) return Status::OK();
  return InvalidRequest(fmt::format(fmt::runtime(format), b.size()));
}

Status ValidateNative(const Type& type, std::string_view b) {
  switch (type.kind()) {
    case Kind::kInt: return FixedOrEmpty(b, 4, "Expected 4 or 0 byte int ({})");
    case Kind::kBigint:
    case Kind::kCounter: return FixedOrEmpty(b, 8, "Expected 8 or 0 byte long ({})");
    case Kind::kTimestamp: return FixedOrEmpty(b, 8, "Expected 8 or 0 byte long for date ({})");
    case Kind::kFloat: return FixedOrEmpty(b, 4, "Expected 4 or 0 byte value for a float ({})");
    case Kind::kDouble: return FixedOrEmpty(b, 8, "Expected 8 or 0 byte value for a double ({})");
    case Kind::kBoolean: return FixedOrEmpty(b, 1, "Expected 1 or 0 byte value ({})");
    case Kind::kSmallint: return Exactly(b, 2, "Expected 2 bytes for a smallint ({})");
    case Kind::kTinyint: return Exactly(b, 1, "Expected 1 byte for a tinyint ({})");
    case Kind::kDate: return Exactly(b, 4, "Expected 4 byte long for date ({})");
    case Kind::kTime: {
      RETURN_IF_ERROR(Exactly(b, 8, "Expected 8 byte long for time ({})"));
      // Stricter than Cassandra's serializer (its literal parser has the same bound): a time of
      // day outside one day cannot be rendered by drivers.
      const int64_t nanos = ReadI64(b);
      if (nanos < 0 || nanos >= kNanosPerDay) {
        return InvalidRequest(fmt::format(
            "Expected a time of day between 0 and {} nanoseconds ({})", kNanosPerDay - 1, nanos));
      }
      return Status::OK();
    }
    case Kind::kUuid: return FixedOrEmpty(b, 16, "UUID should be 16 or 0 bytes ({})");
    case Kind::kTimeuuid:
      RETURN_IF_ERROR(FixedOrEmpty(b, 16, "UUID should be 16 or 0 bytes ({})"));
      if (!b.empty() && (static_cast<uint8_t>(b[6]) & 0xf0) != 0x10) {
        return InvalidRequest("Invalid version for TimeUUID type.");
      }
      return Status::OK();
    case Kind::kInet:
      if (b.empty() || b.size() == 4 || b.size() == 16) return Status::OK();
      return InvalidRequest(
          fmt::format("Expected 4 or 16 byte inetaddress; got {}", QuotedHex(b)));
    case Kind::kAscii:
      for (char c : b) {
        if (static_cast<int8_t>(c) < 0) {
          // Java prints the (signed) byte.
          return InvalidRequest(
              fmt::format("Invalid byte for ascii: {}", static_cast<int>(static_cast<int8_t>(c))));
        }
      }
      return Status::OK();
    case Kind::kVarchar:
      if (!IsStrictUtf8(b)) return InvalidRequest("String didn't validate.");
      return Status::OK();
    case Kind::kDecimal:
      // The scale, then the unscaled varint (any length, as Cassandra accepts).
      if (!b.empty() && b.size() < 4) {
        return InvalidRequest(fmt::format("Expected 0 or at least 4 bytes ({})", b.size()));
      }
      return Status::OK();
    case Kind::kDuration: return ValidateDuration(b);
    case Kind::kVarint:  // any two's-complement bytes, minimal or not, as Cassandra accepts
    case Kind::kBlob:
    case Kind::kCustom:
    default: return Status::OK();
  }
}

Status Validate(const Type& type, std::string_view b, int depth);

// list, set and map: [int n] then n elements (maps: n key/value pairs), each [int length][bytes].
Status ValidateCollection(const Type& type, std::string_view b, int depth) {
  const char* what = type.kind() == Kind::kList ? "list" : type.kind() == Kind::kSet ? "set" : "map";
  const size_t per_entry = type.kind() == Kind::kMap ? 2 : 1;
  if (type.params().size() != per_entry) {
    return InvalidRequest(fmt::format("Invalid {} type {}", what, type.ToCql()));
  }
  const auto not_enough = [&] {
    return InvalidRequest(fmt::format("Not enough bytes to read a {}", what));
  };
  if (b.size() < 4) return not_enough();
  const int32_t count = ReadI32(b, 0);
  if (count < 0) {
    return InvalidRequest(fmt::format("The data cannot be deserialized as a {}", what));
  }
  size_t pos = 4;
  // Every element takes at least 4 bytes, so a bogus count fails after at most size/4 rounds.
  for (int32_t i = 0; i < count; ++i) {
    for (size_t k = 0; k < per_entry; ++k) {
      if (b.size() - pos < 4) return not_enough();
      const int32_t length = ReadI32(b, pos);
      pos += 4;
      if (length < 0) {
        // Cassandra's wording for null in collection literals. Lists too: a stored list has no
        // null elements (Cassandra accepts them only in the lists of IN ?).
        return InvalidRequest("null is not supported inside collections");
      }
      if (b.size() - pos < static_cast<size_t>(length)) return not_enough();
      RETURN_IF_ERROR(Validate(type.params()[k], b.substr(pos, length), depth + 1));
      pos += static_cast<size_t>(length);
    }
  }
  if (pos != b.size()) {
    return InvalidRequest(fmt::format("Unexpected extraneous bytes after {} value", what));
  }
  return Status::OK();
}

// tuple and UDT: each field [int length][bytes], a negative length for null; trailing fields
// may be missing (added to the type after the value was written), extra bytes may not.
Status ValidateFields(const Type& type, std::string_view b, int depth) {
  const bool udt = type.kind() == Kind::kUdt;
  const auto& fields = type.params();
  const auto& names = type.udt_field_names();
  const auto field = [&](size_t i) {
    if (!udt) return fmt::format("{}th component", i);
    return fmt::format("{}th field {}", i, i < names.size() ? names[i] : std::string());
  };
  size_t pos = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (pos == b.size()) return Status::OK();
    if (b.size() - pos < 4) {
      return InvalidRequest(fmt::format("Not enough bytes to read size of {}", field(i)));
    }
    const int32_t length = ReadI32(b, pos);
    pos += 4;
    if (length < 0) continue;  // null field
    if (b.size() - pos < static_cast<size_t>(length)) {
      return InvalidRequest(fmt::format("Not enough bytes to read {}", field(i)));
    }
    RETURN_IF_ERROR(Validate(fields[i], b.substr(pos, length), depth + 1));
    pos += static_cast<size_t>(length);
  }
  if (pos != b.size()) {
    return InvalidRequest(
        fmt::format("Invalid remaining data after end of {} value", udt ? "UDT" : "tuple"));
  }
  return Status::OK();
}

Status Validate(const Type& type, std::string_view b, int depth) {
  if (depth > kMaxValueNestingDepth) {
    return InvalidRequest(fmt::format("Type {} nests deeper than {} levels", type.ToCql(),
                                      kMaxValueNestingDepth));
  }
  switch (type.kind()) {
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap: return ValidateCollection(type, b, depth);
    case Kind::kTuple:
    case Kind::kUdt: return ValidateFields(type, b, depth);
    default: return ValidateNative(type, b);
  }
}

}  // namespace

Status ValidateValue(const Type& type, std::string_view bytes) { return Validate(type, bytes, 0); }

bool IsStrictUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra;
    uint8_t lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) lo = 0xa0;  // no overlong forms
      if (c == 0xed) hi = 0x9f;  // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) lo = 0x90;  // no overlong forms
      if (c == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
    } else {
      return false;
    }
    if (n - i <= extra) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (size_t k = 2; k <= extra; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace sibyl::cql::types
