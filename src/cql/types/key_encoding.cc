#include "cql/types/key_encoding.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "cql/types/decimal_order.h"
#include "cql/types/validate.h"

namespace sibyl::cql::types {

// Layout (docs/dev/key-encoding.md): a component is 0x00 for an empty value, or 0x01 followed
// by a type-specific, self-delimiting body whose bytes sort like the values. DESC components
// have every byte inverted, which keeps them prefix-free and reverses their order.
//
// Both directions are bounds-safe on their own (issue 9 item 2): the encoder validates its
// input first and still checks every length it reads; the decoder checks every byte it reads
// against the end of the key and answers kCorruption for anything that is not an encoding.
namespace {

// True when the big-endian IEEE 754 value `b` (4 or 8 bytes) is a NaN.
bool IsNaN(std::string_view b) {
  if (b.size() == 4) {
    uint32_t bits = 0;
    for (char c : b) bits = (bits << 8) | static_cast<uint8_t>(c);
    return (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0;
  }
  uint64_t bits = 0;
  for (char c : b) bits = (bits << 8) | static_cast<uint8_t>(c);
  return (bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
         (bits & 0x000fffffffffffffull) != 0;
}

Status Malformed(const Type& type) {
  return InvalidRequest(fmt::format("Invalid serialized value of type {} in a key", type.ToCql()));
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t ReadU32(std::string_view b, size_t pos) {  // REQUIRES: pos + 4 <= b.size()
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(b[pos + i]);
  return v;
}

void AppendEscaped(std::string_view value, std::string* out) {
  for (char c : value) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xff');
  }
  out->push_back('\0');
  out->push_back('\x01');
}

int UuidVersion(std::string_view b) { return (static_cast<uint8_t>(b[6]) >> 4) & 0x0f; }

void AppendTimeUuidBody(std::string_view b, std::string* out) {  // REQUIRES: b.size() == 16
  uint64_t time_low = ReadU32(b, 0);
  uint64_t time_mid = (static_cast<uint8_t>(b[4]) << 8) | static_cast<uint8_t>(b[5]);
  uint64_t time_hi = ((static_cast<uint8_t>(b[6]) << 8) | static_cast<uint8_t>(b[7])) & 0x0fff;
  uint64_t ts = (time_hi << 48) | (time_mid << 32) | time_low;
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(ts >> (8 * i)));
  // The version nibble is needed to rebuild the bytes; keep byte 6's high nibble.
  out->push_back(static_cast<char>(static_cast<uint8_t>(b[6]) >> 4));
  for (size_t i = 8; i < 16; ++i) out->push_back(static_cast<char>(static_cast<uint8_t>(b[i]) ^ 0x80));
}

// value = 0.d1d2...dn x 10^e, d1 != 0: sign byte (0x00 negative, 0x01 zero, 0x02 positive), then
// e biased as uint32 and the digits + 1, ended by 0x00 (negative values: all inverted).
// e = n - scale ranges over [1 - 2^31 + 1, n + 2^31]: above INT32_MAX (a scale near INT32_MIN,
// e.g. 1e2147483647 or 19866597869857659876855e1000000000 with a long unscaled value) the biased
// exponent is 0xffffffff, then a 0xff byte (greater than any digit byte, so these sort after
// every e == INT32_MAX value, which keeps their older layout), then e as a big-endian int64
// (issue 10 item 8). Each step is linear in the value's size.
constexpr char kExponentExtension = '\xff';

Status AppendDecimalBody(const Type& type, std::string_view value, std::string* out) {
  if (value.size() < 4) return Malformed(type);
  const NormalDecimal d = NormalizeDecimal(value);
  if (d.sign == 0) {
    out->push_back('\x01');
    return Status::OK();
  }
  if (d.exponent < INT32_MIN) return Malformed(type);  // impossible for a 32-bit scale
  std::string head;
  if (d.exponent <= INT32_MAX) {
    PutU32(&head, static_cast<uint32_t>(static_cast<int32_t>(d.exponent)) ^ 0x80000000u);
  } else {
    PutU32(&head, 0xffffffffu);
    head.push_back(kExponentExtension);
    PutU32(&head, static_cast<uint32_t>(static_cast<uint64_t>(d.exponent) >> 32));
    PutU32(&head, static_cast<uint32_t>(static_cast<uint64_t>(d.exponent)));
  }
  if (d.sign > 0) {
    out->push_back('\x02');
    out->append(head);
    for (char c : d.digits) out->push_back(static_cast<char>(c - '0' + 1));
    out->push_back('\0');
  } else {
    out->push_back('\x00');
    for (char c : head) out->push_back(static_cast<char>(~static_cast<uint8_t>(c)));
    for (char c : d.digits) out->push_back(static_cast<char>(0xff - (c - '0' + 1)));
    out->push_back('\xff');
  }
  return Status::OK();
}

Status AppendBody(const Type& type, std::string_view v, std::string* out, int depth);

Status AppendComponent(const Type& type, std::string_view v, std::string* out, int depth) {
  if (v.empty()) {
    out->push_back('\0');
    return Status::OK();
  }
  out->push_back('\x01');
  return AppendBody(type, v, out, depth);
}

// Splits a v3+ collection serialization into its element serializations; kInvalid when it is
// not one (a negative or too long length, a count the bytes do not hold, trailing bytes).
Status CollectionElements(const Type& type, std::string_view b, size_t per_entry,
                          std::vector<std::string_view>* out) {
  if (b.size() < 4) return Malformed(type);
  const int32_t n = static_cast<int32_t>(ReadU32(b, 0));
  if (n < 0) return Malformed(type);
  size_t pos = 4;
  for (int64_t i = 0; i < static_cast<int64_t>(n) * static_cast<int64_t>(per_entry); ++i) {
    if (b.size() - pos < 4) return Malformed(type);
    const int32_t len = static_cast<int32_t>(ReadU32(b, pos));
    pos += 4;
    if (len < 0 || b.size() - pos < static_cast<size_t>(len)) return Malformed(type);
    out->push_back(b.substr(pos, static_cast<size_t>(len)));
    pos += static_cast<size_t>(len);
  }
  if (pos != b.size()) return Malformed(type);
  return Status::OK();
}

Status AppendBody(const Type& type, std::string_view v, std::string* out, int depth) {
  if (depth > kMaxValueNestingDepth) return Malformed(type);
  const auto fixed = [&](size_t size) { return v.size() == size ? Status::OK() : Malformed(type); };
  switch (type.kind()) {
    case Kind::kTinyint:
    case Kind::kSmallint:
    case Kind::kInt:
    case Kind::kBigint:
    case Kind::kCounter:
    case Kind::kTimestamp:
    case Kind::kTime: {
      const size_t size = type.kind() == Kind::kTinyint    ? 1
                          : type.kind() == Kind::kSmallint ? 2
                          : type.kind() == Kind::kInt      ? 4
                                                           : 8;
      RETURN_IF_ERROR(fixed(size));
      out->push_back(static_cast<char>(static_cast<uint8_t>(v[0]) ^ 0x80));
      out->append(v.substr(1));
      return Status::OK();
    }
    case Kind::kDate:
      RETURN_IF_ERROR(fixed(4));
      out->append(v);
      return Status::OK();
    case Kind::kBoolean:
      RETURN_IF_ERROR(fixed(1));
      // Any non-zero byte is true (BooleanType): one encoding per value.
      out->push_back(v[0] != 0 ? '\x01' : '\x00');
      return Status::OK();
    case Kind::kFloat:
    case Kind::kDouble: {
      RETURN_IF_ERROR(fixed(type.kind() == Kind::kFloat ? 4 : 8));
      std::string b(v);
      // Every NaN is one value, greater than +Infinity (Java's Double.compare, types::Compare):
      // encode them all as the canonical positive NaN (issue 9, fuzz_value: a negative NaN
      // sorted first).
      if (IsNaN(b)) {
        b = type.kind() == Kind::kFloat ? std::string("\x7f\xc0\x00\x00", 4)
                                        : std::string("\x7f\xf8\x00\x00\x00\x00\x00\x00", 8);
      }
      if (static_cast<uint8_t>(b[0]) & 0x80) {
        for (auto& c : b) c = static_cast<char>(~static_cast<uint8_t>(c));
      } else {
        b[0] = static_cast<char>(static_cast<uint8_t>(b[0]) ^ 0x80);
      }
      out->append(b);
      return Status::OK();
    }
    case Kind::kTimeuuid:
      RETURN_IF_ERROR(fixed(16));
      AppendTimeUuidBody(v, out);
      return Status::OK();
    case Kind::kUuid: {
      RETURN_IF_ERROR(fixed(16));
      int version = UuidVersion(v);
      out->push_back(static_cast<char>(version));
      if (version == 1) {
        AppendTimeUuidBody(v, out);
      } else {
        out->append(v);
      }
      return Status::OK();
    }
    case Kind::kInet:
      if (v.size() != 4 && v.size() != 16) return Malformed(type);
      out->push_back(static_cast<char>(v.size()));
      out->append(v);
      return Status::OK();
    case Kind::kVarint: {
      bool negative = false;
      const std::string magnitude = VarintMagnitude(v, &negative);
      if (!negative) {
        out->push_back('\x02');
        PutU32(out, static_cast<uint32_t>(magnitude.size()));
        out->append(magnitude);
      } else {
        out->push_back('\x00');
        PutU32(out, ~static_cast<uint32_t>(magnitude.size()));
        for (char c : magnitude) out->push_back(static_cast<char>(~static_cast<uint8_t>(c)));
      }
      return Status::OK();
    }
    case Kind::kDecimal:
      return AppendDecimalBody(type, v, out);
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap: {
      const bool map = type.kind() == Kind::kMap;
      if (type.params().size() != (map ? 2u : 1u)) return Malformed(type);
      std::vector<std::string_view> elements;
      RETURN_IF_ERROR(CollectionElements(type, v, map ? 2 : 1, &elements));
      if (type.kind() == Kind::kList) {
        for (auto element : elements) {
          out->push_back('\x01');
          RETURN_IF_ERROR(AppendComponent(type.params()[0], element, out, depth + 1));
        }
        out->push_back('\0');
        return Status::OK();
      }
      // A set or map is one value whatever order the client sent its elements in, as Cassandra
      // sorts them: entries sorted by their (order-preserving) encoded key, equal keys once
      // (for maps the last one wins, like Cassandra's TreeMap).
      std::vector<std::pair<std::string, std::string>> entries;  // encoded key, encoded value
      for (size_t i = 0; i < elements.size(); i += map ? 2 : 1) {
        std::pair<std::string, std::string> entry;
        RETURN_IF_ERROR(AppendComponent(type.params()[0], elements[i], &entry.first, depth + 1));
        if (map) {
          RETURN_IF_ERROR(AppendComponent(type.params()[1], elements[i + 1], &entry.second, depth + 1));
        }
        entries.push_back(std::move(entry));
      }
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i + 1 < entries.size() && entries[i + 1].first == entries[i].first) continue;
        out->push_back('\x01');
        out->append(entries[i].first);
        out->append(entries[i].second);
      }
      out->push_back('\0');
      return Status::OK();
    }
    case Kind::kTuple:
    case Kind::kUdt: {
      size_t pos = 0;
      for (const auto& field : type.params()) {
        if (pos == v.size()) {
          out->push_back('\0');  // missing trailing field: null
          continue;
        }
        if (v.size() - pos < 4) return Malformed(type);
        const int32_t len = static_cast<int32_t>(ReadU32(v, pos));
        pos += 4;
        if (len < 0) {
          out->push_back('\0');
          continue;
        }
        if (v.size() - pos < static_cast<size_t>(len)) return Malformed(type);
        out->push_back('\x01');
        RETURN_IF_ERROR(AppendComponent(field, v.substr(pos, static_cast<size_t>(len)), out, depth + 1));
        pos += static_cast<size_t>(len);
      }
      if (pos != v.size()) return Malformed(type);
      return Status::OK();
    }
    default:  // text, ascii, blob and anything else: bytewise
      AppendEscaped(v, out);
      return Status::OK();
  }
}

// Reads encoded bytes, undoing the DESC inversion. Callers check Has(n) before reading n bytes.
class Decoder {
 public:
  Decoder(std::string_view bytes, uint8_t mask) : b_(bytes), mask_(mask) {}
  bool Has(size_t n) const { return b_.size() - pos_ >= n; }
  uint8_t Byte() { return static_cast<uint8_t>(b_[pos_++]) ^ mask_; }  // REQUIRES: Has(1)
  // Whether the next byte is `value`, without reading it. REQUIRES: Has(1)
  bool Peek(uint8_t value) const { return (static_cast<uint8_t>(b_[pos_]) ^ mask_) == value; }
  std::string Bytes(size_t n) {  // REQUIRES: Has(n)
    std::string out(b_.substr(pos_, n));
    for (auto& c : out) c = static_cast<char>(static_cast<uint8_t>(c) ^ mask_);
    pos_ += n;
    return out;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view b_;
  uint8_t mask_;
  size_t pos_ = 0;
};

Status Corrupt() { return Status(ErrorCode::kCorruption, "malformed clustering key encoding"); }

Result<std::string> DecodeBody(const Type& type, Decoder& d, int depth);

Result<std::string> DecodeComponent(const Type& type, Decoder& d, int depth) {
  if (!d.Has(1)) return Corrupt();
  uint8_t marker = d.Byte();
  if (marker == 0) return std::string();
  if (marker != 1) return Corrupt();
  return DecodeBody(type, d, depth);
}

std::string TimeUuidFromBody(Decoder& d) {  // REQUIRES: d.Has(17)
  uint64_t ts = 0;
  for (int i = 0; i < 8; ++i) ts = (ts << 8) | d.Byte();
  uint8_t version = d.Byte();
  std::string out(16, '\0');
  uint32_t time_low = static_cast<uint32_t>(ts);
  uint16_t time_mid = static_cast<uint16_t>(ts >> 32);
  uint16_t time_hi = static_cast<uint16_t>((ts >> 48) & 0x0fff) | static_cast<uint16_t>(version << 12);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(time_low >> (24 - 8 * i));
  out[4] = static_cast<char>(time_mid >> 8);
  out[5] = static_cast<char>(time_mid);
  out[6] = static_cast<char>(time_hi >> 8);
  out[7] = static_cast<char>(time_hi);
  for (int i = 8; i < 16; ++i) out[i] = static_cast<char>(d.Byte() ^ 0x80);
  return out;
}

void PutLen(std::string* out, size_t len) { PutU32(out, static_cast<uint32_t>(len)); }

Result<std::string> DecodeDecimal(Decoder& d) {
  if (!d.Has(1)) return Corrupt();
  const uint8_t sign = d.Byte();
  NormalDecimal n;
  if (sign == 1) return DecimalFromNormal(n);
  if (sign != 0 && sign != 2) return Corrupt();
  n.sign = sign == 0 ? -1 : 1;
  if (!d.Has(4)) return Corrupt();
  uint32_t biased = 0;
  for (int i = 0; i < 4; ++i) biased = (biased << 8) | d.Byte();
  if (n.sign < 0) biased = ~biased;
  n.exponent = static_cast<int32_t>(biased ^ 0x80000000u);
  if (biased == 0xffffffffu && d.Has(1) && d.Peek(n.sign < 0 ? 0x00 : 0xff)) {
    // The 64-bit exponent of AppendDecimalBody, above INT32_MAX.
    d.Byte();
    if (!d.Has(8)) return Corrupt();
    uint64_t e = 0;
    for (int i = 0; i < 8; ++i) e = (e << 8) | (n.sign < 0 ? static_cast<uint8_t>(~d.Byte()) : d.Byte());
    if (e <= static_cast<uint64_t>(INT32_MAX) || e > (uint64_t{1} << 40)) return Corrupt();
    n.exponent = static_cast<int64_t>(e);
  }
  while (true) {
    if (!d.Has(1)) return Corrupt();
    uint8_t c = d.Byte();
    if (n.sign < 0) {
      if (c == 0xff) break;
      c = static_cast<uint8_t>(0xff - c);
    } else if (c == 0) {
      break;
    }
    if (c < 1 || c > 10) return Corrupt();
    n.digits.push_back(static_cast<char>('0' + c - 1));
  }
  if (n.digits.empty() || n.digits.front() == '0' || n.digits.back() == '0') return Corrupt();
  return DecimalFromNormal(n);
}

Result<std::string> DecodeBody(const Type& type, Decoder& d, int depth) {
  if (depth > kMaxValueNestingDepth) return Corrupt();
  auto fixed = [&](size_t n) -> Result<std::string> {
    if (!d.Has(n)) return Corrupt();
    return d.Bytes(n);
  };
  switch (type.kind()) {
    case Kind::kTinyint:
    case Kind::kSmallint:
    case Kind::kInt:
    case Kind::kBigint:
    case Kind::kCounter:
    case Kind::kTimestamp:
    case Kind::kTime: {
      size_t n = type.kind() == Kind::kTinyint ? 1 : type.kind() == Kind::kSmallint ? 2
                 : type.kind() == Kind::kInt   ? 4
                                               : 8;
      ASSIGN_OR_RETURN(std::string b, fixed(n));
      b[0] = static_cast<char>(static_cast<uint8_t>(b[0]) ^ 0x80);
      return b;
    }
    case Kind::kDate: return fixed(4);
    case Kind::kBoolean: return fixed(1);
    case Kind::kFloat:
    case Kind::kDouble: {
      ASSIGN_OR_RETURN(std::string b, fixed(type.kind() == Kind::kFloat ? 4 : 8));
      if (static_cast<uint8_t>(b[0]) & 0x80) {
        b[0] = static_cast<char>(static_cast<uint8_t>(b[0]) ^ 0x80);
      } else {
        for (auto& c : b) c = static_cast<char>(~static_cast<uint8_t>(c));
      }
      return b;
    }
    case Kind::kTimeuuid:
      if (!d.Has(17)) return Corrupt();
      return TimeUuidFromBody(d);
    case Kind::kUuid: {
      if (!d.Has(1)) return Corrupt();
      uint8_t version = d.Byte();
      if (version == 1) {
        if (!d.Has(17)) return Corrupt();
        return TimeUuidFromBody(d);
      }
      return fixed(16);
    }
    case Kind::kInet: {
      if (!d.Has(1)) return Corrupt();
      uint8_t n = d.Byte();
      if (n != 4 && n != 16) return Corrupt();
      return fixed(n);
    }
    case Kind::kVarint: {
      if (!d.Has(5)) return Corrupt();
      uint8_t sign = d.Byte();
      if (sign != 0 && sign != 2) return Corrupt();
      uint32_t len = 0;
      for (int i = 0; i < 4; ++i) len = (len << 8) | d.Byte();
      bool negative = sign == 0;
      if (negative) len = ~len;
      if (!d.Has(len)) return Corrupt();
      std::string magnitude = d.Bytes(len);
      if (negative) {
        for (auto& c : magnitude) c = static_cast<char>(~static_cast<uint8_t>(c));
      }
      return VarintFromMagnitude(negative, magnitude);
    }
    case Kind::kDecimal:
      return DecodeDecimal(d);
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap: {
      const bool map = type.kind() == Kind::kMap;
      if (type.params().size() != (map ? 2u : 1u)) return Corrupt();
      std::string body;
      uint32_t count = 0;
      while (true) {
        if (!d.Has(1)) return Corrupt();
        uint8_t marker = d.Byte();
        if (marker == 0) break;
        if (marker != 1 || count == INT32_MAX) return Corrupt();
        ASSIGN_OR_RETURN(std::string k, DecodeComponent(type.params()[0], d, depth + 1));
        PutLen(&body, k.size());
        body += k;
        if (map) {
          ASSIGN_OR_RETURN(std::string v, DecodeComponent(type.params()[1], d, depth + 1));
          PutLen(&body, v.size());
          body += v;
        }
        ++count;
      }
      std::string out;
      PutU32(&out, count);
      return out + body;
    }
    case Kind::kTuple:
    case Kind::kUdt: {
      std::string out;
      for (const auto& field : type.params()) {
        if (!d.Has(1)) return Corrupt();
        uint8_t marker = d.Byte();
        if (marker == 0) {
          PutU32(&out, 0xffffffffu);
          continue;
        }
        if (marker != 1) return Corrupt();
        ASSIGN_OR_RETURN(std::string v, DecodeComponent(field, d, depth + 1));
        PutLen(&out, v.size());
        out += v;
      }
      return out;
    }
    default: {
      std::string out;
      while (true) {
        if (!d.Has(1)) return Corrupt();
        uint8_t c = d.Byte();
        if (c != 0) {
          out.push_back(static_cast<char>(c));
          continue;
        }
        if (!d.Has(1)) return Corrupt();
        uint8_t next = d.Byte();
        if (next == 0x01) return out;
        if (next != 0xff) return Corrupt();
        out.push_back('\0');
      }
    }
  }
}

}  // namespace

Status AppendClusteringComponent(const Type& type, SortOrder order, std::string_view value,
                                 std::string* out) {
  if (value.size() > kMaxClusteringComponentBytes) {
    return InvalidRequest(fmt::format("Key length of {} is longer than maximum of {}", value.size(),
                                      kMaxClusteringComponentBytes));
  }
  RETURN_IF_ERROR(ValidateValue(type, value));
  const size_t start = out->size();
  Status status = AppendComponent(type, value, out, 0);
  if (!status.ok()) {
    out->resize(start);
    return status;
  }
  if (order == SortOrder::kDesc) {
    for (size_t i = start; i < out->size(); ++i) {
      (*out)[i] = static_cast<char>(~static_cast<uint8_t>((*out)[i]));
    }
  }
  return Status::OK();
}

Result<std::vector<std::string>> DecodeClustering(const std::vector<Type>& types,
                                                  const std::vector<SortOrder>& orders,
                                                  std::string_view encoded) {
  if (types.size() != orders.size()) return Corrupt();
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t i = 0; i < types.size() && pos < encoded.size(); ++i) {
    Decoder d(encoded.substr(pos), orders[i] == SortOrder::kDesc ? 0xff : 0x00);
    ASSIGN_OR_RETURN(std::string v, DecodeComponent(types[i], d, 0));
    out.push_back(std::move(v));
    pos += d.pos();
  }
  if (pos != encoded.size()) return Corrupt();
  return out;
}

std::string SerializePartitionKey(const std::vector<std::string_view>& components) {
  if (components.size() == 1) return std::string(components[0]);
  std::string out;
  for (auto c : components) {
    out.push_back(static_cast<char>(c.size() >> 8));
    out.push_back(static_cast<char>(c.size()));
    out.append(c);
    out.push_back('\0');
  }
  return out;
}

Status ValidatePartitionKey(std::string_view serialized_key) {
  if (serialized_key.empty()) return InvalidRequest("Key may not be empty");
  if (serialized_key.size() > kMaxClusteringComponentBytes) {
    return InvalidRequest(fmt::format("Key length of {} is longer than maximum of {}",
                                      serialized_key.size(), kMaxClusteringComponentBytes));
  }
  return Status::OK();
}

Status SplitPartitionKeyInto(std::string_view key, size_t component_count,
                             std::vector<std::string>* out) {
  if (component_count == 1) {
    out->resize(1);
    (*out)[0].assign(key);
    return Status::OK();
  }
  size_t n = 0;
  size_t pos = 0;
  while (pos < key.size()) {
    if (pos + 2 > key.size()) return Corrupt();
    size_t len = (static_cast<uint8_t>(key[pos]) << 8) | static_cast<uint8_t>(key[pos + 1]);
    pos += 2;
    if (pos + len + 1 > key.size()) return Corrupt();
    if (n == component_count) return Corrupt();
    if (out->size() <= n) out->resize(n + 1);
    (*out)[n++].assign(key.substr(pos, len));
    pos += len + 1;
  }
  if (n != component_count) return Corrupt();
  out->resize(n);
  return Status::OK();
}

Result<std::vector<std::string>> SplitPartitionKey(std::string_view key, size_t component_count) {
  std::vector<std::string> out;
  RETURN_IF_ERROR(SplitPartitionKeyInto(key, component_count, &out));
  return out;
}

namespace {

inline uint64_t Rotl64(uint64_t v, int n) { return (v << n) | (v >> (64 - n)); }

inline uint64_t Fmix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// Cassandra reads tail bytes as signed Java bytes, sign-extended to long.
inline uint64_t Signed(const uint8_t* p, int i) {
  return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(p[i])));
}

}  // namespace

int64_t Murmur3Token(std::string_view partition_key) {
  const auto* data = reinterpret_cast<const uint8_t*>(partition_key.data());
  const size_t length = partition_key.size();
  const size_t nblocks = length >> 4;
  uint64_t h1 = 0, h2 = 0;
  const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
  for (size_t i = 0; i < nblocks; ++i) {
    uint64_t k1 = 0, k2 = 0;
    for (int b = 7; b >= 0; --b) {
      k1 = (k1 << 8) | data[i * 16 + b];
      k2 = (k2 << 8) | data[i * 16 + 8 + b];
    }
    k1 *= c1;
    k1 = Rotl64(k1, 31);
    k1 *= c2;
    h1 ^= k1;
    h1 = Rotl64(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52dce729;
    k2 *= c2;
    k2 = Rotl64(k2, 33);
    k2 *= c1;
    h2 ^= k2;
    h2 = Rotl64(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495ab5;
  }
  const uint8_t* tail = data + nblocks * 16;
  uint64_t k1 = 0, k2 = 0;
  switch (length & 15) {
    case 15: k2 ^= Signed(tail, 14) << 48; [[fallthrough]];
    case 14: k2 ^= Signed(tail, 13) << 40; [[fallthrough]];
    case 13: k2 ^= Signed(tail, 12) << 32; [[fallthrough]];
    case 12: k2 ^= Signed(tail, 11) << 24; [[fallthrough]];
    case 11: k2 ^= Signed(tail, 10) << 16; [[fallthrough]];
    case 10: k2 ^= Signed(tail, 9) << 8; [[fallthrough]];
    case 9:
      k2 ^= Signed(tail, 8);
      k2 *= c2;
      k2 = Rotl64(k2, 33);
      k2 *= c1;
      h2 ^= k2;
      [[fallthrough]];
    case 8: k1 ^= Signed(tail, 7) << 56; [[fallthrough]];
    case 7: k1 ^= Signed(tail, 6) << 48; [[fallthrough]];
    case 6: k1 ^= Signed(tail, 5) << 40; [[fallthrough]];
    case 5: k1 ^= Signed(tail, 4) << 32; [[fallthrough]];
    case 4: k1 ^= Signed(tail, 3) << 24; [[fallthrough]];
    case 3: k1 ^= Signed(tail, 2) << 16; [[fallthrough]];
    case 2: k1 ^= Signed(tail, 1) << 8; [[fallthrough]];
    case 1:
      k1 ^= Signed(tail, 0);
      k1 *= c1;
      k1 = Rotl64(k1, 31);
      k1 *= c2;
      h1 ^= k1;
  }
  h1 ^= length;
  h2 ^= length;
  h1 += h2;
  h2 += h1;
  h1 = Fmix(h1);
  h2 = Fmix(h2);
  h1 += h2;
  int64_t token = static_cast<int64_t>(h1);
  return token == INT64_MIN ? INT64_MAX : token;
}

}  // namespace sibyl::cql::types
