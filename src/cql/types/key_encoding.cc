#include "cql/types/key_encoding.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "cql/types/numbers.h"

namespace sibyl::cql::types {

// Layout (docs/dev/key-encoding.md): a component is 0x00 for an empty value, or 0x01 followed
// by a type-specific, self-delimiting body whose bytes sort like the values. DESC components
// have every byte inverted, which keeps them prefix-free and reverses their order.
namespace {

void PutU32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t ReadU32(std::string_view b) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(b[i]);
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

void AppendTimeUuidBody(std::string_view b, std::string* out) {
  uint64_t time_low = ReadU32(b.substr(0, 4));
  uint64_t time_mid = (static_cast<uint8_t>(b[4]) << 8) | static_cast<uint8_t>(b[5]);
  uint64_t time_hi = ((static_cast<uint8_t>(b[6]) << 8) | static_cast<uint8_t>(b[7])) & 0x0fff;
  uint64_t ts = (time_hi << 48) | (time_mid << 32) | time_low;
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(ts >> (8 * i)));
  // The version nibble is needed to rebuild the bytes; keep byte 6's high nibble.
  out->push_back(static_cast<char>(static_cast<uint8_t>(b[6]) >> 4));
  for (size_t i = 8; i < 16; ++i) out->push_back(static_cast<char>(static_cast<uint8_t>(b[i]) ^ 0x80));
}

void AppendDecimalBody(std::string_view value, std::string* out) {
  std::string text = DecimalToText(value);
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.erase(0, 1);
  // Split mantissa digits and exponent so that value = 0.d1d2... x 10^e with d1 != 0.
  int64_t exponent_shift = 0;
  auto epos = text.find('E');
  if (epos != std::string::npos) {
    exponent_shift = std::stoll(text.substr(epos + 1));
    text = text.substr(0, epos);
  }
  auto point = text.find('.');
  std::string int_part = point == std::string::npos ? text : text.substr(0, point);
  std::string frac_part = point == std::string::npos ? "" : text.substr(point + 1);
  std::string digits = int_part + frac_part;
  int64_t e = static_cast<int64_t>(int_part.size()) + exponent_shift;
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    out->push_back('\x01');  // zero
    return;
  }
  e -= static_cast<int64_t>(first);
  digits = digits.substr(first);
  digits.erase(digits.find_last_not_of('0') + 1);
  uint32_t biased = static_cast<uint32_t>(static_cast<int32_t>(e)) ^ 0x80000000u;
  if (!negative) {
    out->push_back('\x02');
    PutU32(out, biased);
    for (char d : digits) out->push_back(static_cast<char>(d - '0' + 1));
    out->push_back('\0');
  } else {
    out->push_back('\x00');
    PutU32(out, ~biased);
    for (char d : digits) out->push_back(static_cast<char>(0xff - (d - '0' + 1)));
    out->push_back('\xff');
  }
}

void AppendBody(const Type& type, std::string_view v, std::string* out);

void AppendComponent(const Type& type, std::string_view v, std::string* out) {
  if (v.empty()) {
    out->push_back('\0');
    return;
  }
  out->push_back('\x01');
  AppendBody(type, v, out);
}

// Splits a v3+ collection serialization into its element serializations.
std::vector<std::string_view> CollectionElements(std::string_view b) {
  std::vector<std::string_view> out;
  if (b.size() < 4) return out;
  uint32_t n = ReadU32(b);
  size_t pos = 4;
  for (uint32_t i = 0; i < n && pos + 4 <= b.size(); ++i) {
    int32_t len = static_cast<int32_t>(ReadU32(b.substr(pos)));
    pos += 4;
    if (len < 0) len = 0;
    out.push_back(b.substr(pos, len));
    pos += len;
  }
  return out;
}

void AppendBody(const Type& type, std::string_view v, std::string* out) {
  switch (type.kind()) {
    case Kind::kTinyint:
    case Kind::kSmallint:
    case Kind::kInt:
    case Kind::kBigint:
    case Kind::kCounter:
    case Kind::kTimestamp:
    case Kind::kTime: {
      out->push_back(static_cast<char>(static_cast<uint8_t>(v[0]) ^ 0x80));
      out->append(v.substr(1));
      return;
    }
    case Kind::kDate:
    case Kind::kBoolean:
      out->append(v);
      return;
    case Kind::kFloat:
    case Kind::kDouble: {
      std::string b(v);
      if (static_cast<uint8_t>(b[0]) & 0x80) {
        for (auto& c : b) c = static_cast<char>(~static_cast<uint8_t>(c));
      } else {
        b[0] = static_cast<char>(static_cast<uint8_t>(b[0]) ^ 0x80);
      }
      out->append(b);
      return;
    }
    case Kind::kTimeuuid:
      AppendTimeUuidBody(v, out);
      return;
    case Kind::kUuid: {
      int version = UuidVersion(v);
      out->push_back(static_cast<char>(version));
      if (version == 1) {
        AppendTimeUuidBody(v, out);
      } else {
        out->append(v);
      }
      return;
    }
    case Kind::kInet:
      out->push_back(static_cast<char>(v.size()));
      out->append(v);
      return;
    case Kind::kVarint: {
      bool negative = static_cast<uint8_t>(v[0]) & 0x80;
      std::string magnitude(v);
      if (negative) {
        int carry = 1;
        for (size_t i = magnitude.size(); i-- > 0;) {
          int x = (~static_cast<uint8_t>(magnitude[i]) & 0xff) + carry;
          magnitude[i] = static_cast<char>(x & 0xff);
          carry = x >> 8;
        }
      }
      magnitude.erase(0, std::min(magnitude.find_first_not_of('\0'), magnitude.size()));
      if (!negative) {
        out->push_back('\x02');
        PutU32(out, static_cast<uint32_t>(magnitude.size()));
        out->append(magnitude);
      } else {
        out->push_back('\x00');
        PutU32(out, ~static_cast<uint32_t>(magnitude.size()));
        for (char c : magnitude) out->push_back(static_cast<char>(~static_cast<uint8_t>(c)));
      }
      return;
    }
    case Kind::kDecimal:
      AppendDecimalBody(v, out);
      return;
    case Kind::kList:
    case Kind::kSet: {
      for (auto e : CollectionElements(v)) {
        out->push_back('\x01');
        AppendComponent(type.params()[0], e, out);
      }
      out->push_back('\0');
      return;
    }
    case Kind::kMap: {
      auto elements = CollectionElements(v);
      for (size_t i = 0; i + 1 < elements.size() + 1 && i < elements.size(); i += 2) {
        out->push_back('\x01');
        AppendComponent(type.params()[0], elements[i], out);
        AppendComponent(type.params()[1], i + 1 < elements.size() ? elements[i + 1] : "", out);
      }
      out->push_back('\0');
      return;
    }
    case Kind::kTuple:
    case Kind::kUdt: {
      size_t pos = 0;
      for (const auto& field : type.params()) {
        if (pos + 4 > v.size()) {
          out->push_back('\0');  // missing trailing field: null
          continue;
        }
        int32_t len = static_cast<int32_t>(ReadU32(v.substr(pos)));
        pos += 4;
        if (len < 0) {
          out->push_back('\0');
          continue;
        }
        out->push_back('\x01');
        AppendComponent(field, v.substr(pos, len), out);
        pos += len;
      }
      return;
    }
    default:  // text, ascii, blob and anything else: bytewise
      AppendEscaped(v, out);
      return;
  }
}

// Reads encoded bytes, undoing the DESC inversion.
class Decoder {
 public:
  Decoder(std::string_view bytes, uint8_t mask) : b_(bytes), mask_(mask) {}
  bool Has(size_t n) const { return pos_ + n <= b_.size(); }
  uint8_t Byte() { return static_cast<uint8_t>(b_[pos_++]) ^ mask_; }
  std::string Bytes(size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(Byte()));
    return out;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view b_;
  uint8_t mask_;
  size_t pos_ = 0;
};

Status Corrupt() { return Status(ErrorCode::kCorruption, "malformed clustering key encoding"); }

Result<std::string> DecodeBody(const Type& type, Decoder& d);

Result<std::string> DecodeComponent(const Type& type, Decoder& d) {
  if (!d.Has(1)) return Corrupt();
  uint8_t marker = d.Byte();
  if (marker == 0) return std::string();
  if (marker != 1) return Corrupt();
  return DecodeBody(type, d);
}

std::string TimeUuidFromBody(Decoder& d) {
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

Result<std::string> DecodeBody(const Type& type, Decoder& d) {
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
      return fixed(n);
    }
    case Kind::kVarint: {
      if (!d.Has(5)) return Corrupt();
      uint8_t sign = d.Byte();
      uint32_t len = 0;
      for (int i = 0; i < 4; ++i) len = (len << 8) | d.Byte();
      bool negative = sign == 0;
      if (negative) len = ~len;
      if (!d.Has(len)) return Corrupt();
      std::string magnitude = d.Bytes(len);
      if (negative) {
        for (auto& c : magnitude) c = static_cast<char>(~static_cast<uint8_t>(c));
      }
      std::string decimal = BigIntToDecimal(std::string(1, '\0') + magnitude);
      auto bytes = BigIntFromDecimal((negative ? "-" : "") + decimal);
      if (!bytes) return Corrupt();
      return *bytes;
    }
    case Kind::kDecimal: {
      if (!d.Has(1)) return Corrupt();
      uint8_t sign = d.Byte();
      if (sign == 1) return *DecimalFromText("0");
      if (!d.Has(4)) return Corrupt();
      uint32_t biased = 0;
      for (int i = 0; i < 4; ++i) biased = (biased << 8) | d.Byte();
      bool negative = sign == 0;
      if (negative) biased = ~biased;
      int64_t e = static_cast<int32_t>(biased ^ 0x80000000u);
      std::string digits;
      while (true) {
        if (!d.Has(1)) return Corrupt();
        uint8_t c = d.Byte();
        if (negative) {
          if (c == 0xff) break;
          c = 0xff - c;
        } else if (c == 0) {
          break;
        }
        digits.push_back(static_cast<char>('0' + c - 1));
      }
      // value = 0.digits x 10^e  ->  digits x 10^(e - n)
      auto text = fmt::format("{}{}E{}", negative ? "-" : "", digits,
                              e - static_cast<int64_t>(digits.size()));
      auto bytes = DecimalFromText(text);
      if (!bytes) return Corrupt();
      return *bytes;
    }
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap: {
      std::string body;
      uint32_t count = 0;
      while (true) {
        if (!d.Has(1)) return Corrupt();
        uint8_t marker = d.Byte();
        if (marker == 0) break;
        ASSIGN_OR_RETURN(std::string k, DecodeComponent(type.params()[0], d));
        PutLen(&body, k.size());
        body += k;
        if (type.kind() == Kind::kMap) {
          ASSIGN_OR_RETURN(std::string v, DecodeComponent(type.params()[1], d));
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
        ASSIGN_OR_RETURN(std::string v, DecodeComponent(field, d));
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

void AppendClusteringComponent(const Type& type, SortOrder order, std::string_view value,
                               std::string* out) {
  size_t start = out->size();
  AppendComponent(type, value, out);
  if (order == SortOrder::kDesc) {
    for (size_t i = start; i < out->size(); ++i) {
      (*out)[i] = static_cast<char>(~static_cast<uint8_t>((*out)[i]));
    }
  }
}

Result<std::vector<std::string>> DecodeClustering(const std::vector<Type>& types,
                                                  const std::vector<SortOrder>& orders,
                                                  std::string_view encoded) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t i = 0; i < types.size() && pos < encoded.size(); ++i) {
    Decoder d(encoded.substr(pos), orders[i] == SortOrder::kDesc ? 0xff : 0x00);
    ASSIGN_OR_RETURN(std::string v, DecodeComponent(types[i], d));
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

Result<std::vector<std::string>> SplitPartitionKey(std::string_view key, size_t component_count) {
  if (component_count == 1) return std::vector<std::string>{std::string(key)};
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < key.size()) {
    if (pos + 2 > key.size()) return Corrupt();
    size_t len = (static_cast<uint8_t>(key[pos]) << 8) | static_cast<uint8_t>(key[pos + 1]);
    pos += 2;
    if (pos + len + 1 > key.size()) return Corrupt();
    out.emplace_back(key.substr(pos, len));
    pos += len + 1;
  }
  if (out.size() != component_count) return Corrupt();
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
