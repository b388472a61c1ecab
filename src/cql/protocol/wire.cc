#include "cql/protocol/wire.h"

#include <fmt/format.h>

#include "common/utf8.h"

namespace sibyl::cql::protocol {
namespace {

// Marshal class names Cassandra uses for types a protocol version has no [option] id for.
constexpr std::string_view kMarshalPrefix = "org.apache.cassandra.db.marshal.";

struct CustomName {
  types::Kind kind;
  std::string_view class_name;
  uint8_t first_version;  // first protocol version with a native [option] id
};
constexpr CustomName kCustomNames[] = {
    {types::Kind::kDate, "SimpleDateType", 4},
    {types::Kind::kTime, "TimeType", 4},
    {types::Kind::kSmallint, "ShortType", 4},
    {types::Kind::kTinyint, "ByteType", 4},
    {types::Kind::kDuration, "DurationType", 5},
};

// The largest [short] length or count.
constexpr size_t kMaxShort = 65535;

// `text` with each byte that is not part of a valid UTF-8 character replaced by U+FFFD (what a
// Java decoder shows), so that every [string] the server writes is valid (issue 9, item 3).
std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t length = Utf8SequenceLength(text, pos);
    if (length == 0) {
      out.append("\xEF\xBF\xBD");
      ++pos;
    } else {
      out.append(text.substr(pos, length));
      pos += length;
    }
  }
  return out;
}

// Replaces *v by its sanitized copy in *storage when it is not valid UTF-8.
void Sanitize(std::string_view* v, std::string* storage) {
  if (IsValidUtf8(*v)) return;
  *storage = SanitizeUtf8(*v);
  *v = *storage;
}

// Bounds recursion of [option] (nested collections) so hostile input cannot blow the stack.
constexpr int kMaxOptionDepth = 64;

Status ReadOptionAt(Reader& reader, types::Type* out, int depth);

}  // namespace

Status Reader::Need(size_t n, std::string_view what) const {
  if (remaining() >= n) return Status::OK();
  return ProtocolError(fmt::format("Not enough bytes to read {} (need {}, have {})", what, n,
                                   remaining()));
}

Status Reader::ReadRaw(size_t n, std::string_view what, std::string_view* out) {
  RETURN_IF_ERROR(Need(n, what));
  *out = data_.substr(pos_, n);
  pos_ += n;
  return Status::OK();
}

Status Reader::ReadByte(uint8_t* out) {
  RETURN_IF_ERROR(Need(1, "a [byte]"));
  *out = static_cast<uint8_t>(data_[pos_++]);
  return Status::OK();
}

Status Reader::ReadShort(uint16_t* out) {
  RETURN_IF_ERROR(Need(2, "a [short]"));
  *out = static_cast<uint16_t>((static_cast<uint8_t>(data_[pos_]) << 8) |
                               static_cast<uint8_t>(data_[pos_ + 1]));
  pos_ += 2;
  return Status::OK();
}

Status Reader::ReadInt(int32_t* out) {
  RETURN_IF_ERROR(Need(4, "an [int]"));
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_++]);
  *out = static_cast<int32_t>(v);
  return Status::OK();
}

Status Reader::ReadLong(int64_t* out) {
  RETURN_IF_ERROR(Need(8, "a [long]"));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_++]);
  *out = static_cast<int64_t>(v);
  return Status::OK();
}

Status Reader::ReadString(std::string_view* out) {
  uint16_t n;
  RETURN_IF_ERROR(ReadShort(&n));
  return ReadRaw(n, "a [string]", out);
}

Status Reader::ReadLongString(std::string_view* out) {
  int32_t n;
  RETURN_IF_ERROR(ReadInt(&n));
  if (n < 0) return ProtocolError(fmt::format("Invalid [long string] length {}", n));
  return ReadRaw(static_cast<size_t>(n), "a [long string]", out);
}

Status Reader::ReadUuid(std::string_view* out) { return ReadRaw(16, "a [uuid]", out); }

Status Reader::ReadStringList(std::vector<std::string>* out) {
  uint16_t n;
  RETURN_IF_ERROR(ReadShort(&n));
  out->clear();
  for (uint16_t i = 0; i < n; ++i) {
    std::string_view s;
    RETURN_IF_ERROR(ReadString(&s));
    out->emplace_back(s);
  }
  return Status::OK();
}

Status Reader::ReadBytes(std::optional<std::string_view>* out) {
  int32_t n;
  RETURN_IF_ERROR(ReadInt(&n));
  if (n < 0) {
    *out = std::nullopt;
    return Status::OK();
  }
  std::string_view v;
  RETURN_IF_ERROR(ReadRaw(static_cast<size_t>(n), "a [bytes]", &v));
  *out = v;
  return Status::OK();
}

Status Reader::ReadValue(uint8_t version, BoundValue* out) {
  int32_t n;
  RETURN_IF_ERROR(ReadInt(&n));
  if (n >= 0) {
    std::string_view v;
    RETURN_IF_ERROR(ReadRaw(static_cast<size_t>(n), "a [value]", &v));
    *out = BoundValue::Of(std::string(v));
    return Status::OK();
  }
  // Cassandra CBUtil.readBoundValue: before v4 any negative length is null.
  if (version < 4 || n == -1) {
    *out = BoundValue::Null();
  } else if (n == -2) {
    *out = BoundValue::Unset();
  } else {
    return ProtocolError(fmt::format("Invalid [value] length {}", n));
  }
  return Status::OK();
}

Status Reader::ReadShortBytes(std::string_view* out) {
  uint16_t n;
  RETURN_IF_ERROR(ReadShort(&n));
  return ReadRaw(n, "a [short bytes]", out);
}

Status Reader::ReadOption(types::Type* out) { return ReadOptionAt(*this, out, 0); }

Status Reader::ReadStringMap(std::map<std::string, std::string>* out) {
  uint16_t n;
  RETURN_IF_ERROR(ReadShort(&n));
  out->clear();
  for (uint16_t i = 0; i < n; ++i) {
    std::string_view k, v;
    RETURN_IF_ERROR(ReadString(&k));
    RETURN_IF_ERROR(ReadString(&v));
    (*out)[std::string(k)] = std::string(v);
  }
  return Status::OK();
}

Status Reader::ReadStringMultimap(StringMultimap* out) {
  uint16_t n;
  RETURN_IF_ERROR(ReadShort(&n));
  out->clear();
  for (uint16_t i = 0; i < n; ++i) {
    std::string_view k;
    RETURN_IF_ERROR(ReadString(&k));
    std::vector<std::string> v;
    RETURN_IF_ERROR(ReadStringList(&v));
    (*out)[std::string(k)] = std::move(v);
  }
  return Status::OK();
}

Status Reader::ReadBytesMap(BytesMap* out) {
  uint16_t n;
  RETURN_IF_ERROR(ReadShort(&n));
  out->clear();
  for (uint16_t i = 0; i < n; ++i) {
    std::string_view k;
    RETURN_IF_ERROR(ReadString(&k));
    std::optional<std::string_view> v;
    RETURN_IF_ERROR(ReadBytes(&v));
    (*out)[std::string(k)] = v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
  }
  return Status::OK();
}

Status Reader::ReadInet(std::string* address, int32_t* port) {
  uint8_t n;
  RETURN_IF_ERROR(ReadByte(&n));
  if (n != 4 && n != 16) return ProtocolError(fmt::format("Invalid [inet] address size {}", n));
  std::string_view a;
  RETURN_IF_ERROR(ReadRaw(n, "an [inet] address", &a));
  *address = std::string(a);
  return ReadInt(port);
}

Status Reader::ReadConsistency(Consistency* out) {
  uint16_t v;
  RETURN_IF_ERROR(ReadShort(&v));
  if (v > static_cast<uint16_t>(Consistency::kLocalOne)) {
    return ProtocolError(fmt::format("Unknown code {} for a consistency level", v));
  }
  *out = static_cast<Consistency>(v);
  return Status::OK();
}

namespace {

Status ReadOptionAt(Reader& reader, types::Type* out, int depth) {
  using types::Kind;
  using types::Type;
  if (depth > kMaxOptionDepth) return ProtocolError("[option] nested too deeply");
  uint16_t id;
  RETURN_IF_ERROR(reader.ReadShort(&id));
  switch (static_cast<Kind>(id)) {
    case Kind::kCustom: {
      std::string_view name;
      RETURN_IF_ERROR(reader.ReadString(&name));
      if (name.starts_with(kMarshalPrefix)) name.remove_prefix(kMarshalPrefix.size());
      for (const auto& custom : kCustomNames) {
        if (name == custom.class_name) {
          *out = Type(custom.kind);
          return Status::OK();
        }
      }
      *out = Type(Kind::kCustom);
      return Status::OK();
    }
    case Kind::kAscii:
    case Kind::kBigint:
    case Kind::kBlob:
    case Kind::kBoolean:
    case Kind::kCounter:
    case Kind::kDecimal:
    case Kind::kDouble:
    case Kind::kFloat:
    case Kind::kInt:
    case Kind::kTimestamp:
    case Kind::kUuid:
    case Kind::kVarchar:
    case Kind::kVarint:
    case Kind::kTimeuuid:
    case Kind::kInet:
    case Kind::kDate:
    case Kind::kTime:
    case Kind::kSmallint:
    case Kind::kTinyint:
    case Kind::kDuration:
      *out = Type(static_cast<Kind>(id));
      return Status::OK();
    case Kind::kList:
    case Kind::kSet: {
      Type element;
      RETURN_IF_ERROR(ReadOptionAt(reader, &element, depth + 1));
      *out = static_cast<Kind>(id) == Kind::kList ? Type::List(element, /*frozen=*/false)
                                                  : Type::Set(element, /*frozen=*/false);
      return Status::OK();
    }
    case Kind::kMap: {
      Type key, value;
      RETURN_IF_ERROR(ReadOptionAt(reader, &key, depth + 1));
      RETURN_IF_ERROR(ReadOptionAt(reader, &value, depth + 1));
      *out = Type::Map(key, value, /*frozen=*/false);
      return Status::OK();
    }
    case Kind::kUdt: {
      std::string_view keyspace, name;
      RETURN_IF_ERROR(reader.ReadString(&keyspace));
      RETURN_IF_ERROR(reader.ReadString(&name));
      uint16_t n;
      RETURN_IF_ERROR(reader.ReadShort(&n));
      std::vector<std::string> field_names;
      std::vector<Type> field_types;
      for (uint16_t i = 0; i < n; ++i) {
        std::string_view field;
        RETURN_IF_ERROR(reader.ReadString(&field));
        Type type;
        RETURN_IF_ERROR(ReadOptionAt(reader, &type, depth + 1));
        field_names.emplace_back(field);
        field_types.push_back(std::move(type));
      }
      *out = Type::Udt(std::string(keyspace), std::string(name), std::move(field_names),
                       std::move(field_types), /*frozen=*/true);
      return Status::OK();
    }
    case Kind::kTuple: {
      uint16_t n;
      RETURN_IF_ERROR(reader.ReadShort(&n));
      std::vector<Type> elements;
      for (uint16_t i = 0; i < n; ++i) {
        Type type;
        RETURN_IF_ERROR(ReadOptionAt(reader, &type, depth + 1));
        elements.push_back(std::move(type));
      }
      *out = Type::Tuple(std::move(elements));
      return Status::OK();
    }
  }
  return ProtocolError(fmt::format("Unknown [option] type id 0x{:04x}", id));
}

}  // namespace

void Writer::Fail(ErrorCode code, std::string message) {
  if (status_.ok()) status_ = Status(code, std::move(message));
}

bool Writer::WriteCount(size_t count, std::string_view what) {
  if (count > kMaxShort) {
    Fail(ErrorCode::kInvalid,
         fmt::format("Cannot send {} {}: the protocol allows at most {}", count, what, kMaxShort));
    WriteShort(0);
    return false;
  }
  WriteShort(static_cast<uint16_t>(count));
  return true;
}

bool Writer::WriteIntCount(size_t count, std::string_view what) {
  if (count > static_cast<size_t>(INT32_MAX)) {
    Fail(ErrorCode::kInvalid, fmt::format("Cannot send {} {}", count, what));
    WriteInt(0);
    return false;
  }
  WriteInt(static_cast<int32_t>(count));
  return true;
}

void Writer::WriteByte(uint8_t v) { out_.push_back(static_cast<char>(v)); }

// Big-endian integers appended in one piece, not a byte at a time (issue 14).
void Writer::WriteShort(uint16_t v) {
  const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
  out_.append(b, sizeof b);
}

void Writer::WriteInt(int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(u >> (24 - 8 * i));
  out_.append(b, sizeof b);
}

void Writer::WriteLong(int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(u >> (56 - 8 * i));
  out_.append(b, sizeof b);
}

void Writer::WriteString(std::string_view v) {
  std::string sanitized;
  Sanitize(&v, &sanitized);
  if (v.size() > kMaxShort) {
    // issue 9: a uint16 length of a longer string made a structurally corrupt frame.
    Fail(ErrorCode::kInvalid,
         fmt::format("Cannot send the name '{}...' of {} bytes: a [string] holds at most {} bytes",
                     Utf8Prefix(v, 32), v.size(), kMaxShort));
    WriteShort(0);
    return;
  }
  WriteShort(static_cast<uint16_t>(v.size()));
  out_.append(v);
}

void Writer::WriteTruncatedString(std::string_view v) {
  std::string sanitized;
  Sanitize(&v, &sanitized);
  v = Utf8Prefix(v, kMaxShort);
  WriteShort(static_cast<uint16_t>(v.size()));
  out_.append(v);
}

void Writer::WriteLongString(std::string_view v) {
  std::string sanitized;
  Sanitize(&v, &sanitized);
  if (v.size() > static_cast<size_t>(INT32_MAX)) {
    Fail(ErrorCode::kInvalid, fmt::format("Cannot send a [long string] of {} bytes", v.size()));
    WriteInt(0);
    return;
  }
  WriteInt(static_cast<int32_t>(v.size()));
  out_.append(v);
}

void Writer::WriteUuid(std::string_view v) {
  if (v.size() != 16) {
    Fail(ErrorCode::kInternal, fmt::format("A [uuid] must have 16 bytes, not {}", v.size()));
    out_.append(16, '\0');
    return;
  }
  out_.append(v);
}

void Writer::WriteStringList(const std::vector<std::string>& v) {
  if (!WriteCount(v.size(), "strings in a [string list]")) return;
  for (const auto& s : v) WriteString(s);
}

void Writer::WriteBytes(std::optional<std::string_view> v) {
  if (!v) {
    WriteInt(-1);
    return;
  }
  if (v->size() > static_cast<size_t>(INT32_MAX)) {
    Fail(ErrorCode::kInvalid, fmt::format("Cannot send a value of {} bytes", v->size()));
    WriteInt(-1);
    return;
  }
  WriteInt(static_cast<int32_t>(v->size()));
  out_.append(*v);
}

void Writer::WriteValue(const BoundValue& v) {
  switch (v.kind) {
    case BoundValue::Kind::kNull:
      WriteInt(-1);
      return;
    case BoundValue::Kind::kUnset:
      WriteInt(-2);
      return;
    case BoundValue::Kind::kValue:
      WriteBytes(v.bytes);
      return;
  }
}

void Writer::WriteShortBytes(std::string_view v) {
  if (v.size() > kMaxShort) {
    Fail(ErrorCode::kInvalid, fmt::format("Cannot send [short bytes] of {} bytes", v.size()));
    WriteShort(0);
    return;
  }
  WriteShort(static_cast<uint16_t>(v.size()));
  out_.append(v);
}

void Writer::WriteOption(const types::Type& type, uint8_t version) {
  using types::Kind;
  for (const auto& custom : kCustomNames) {
    if (type.kind() == custom.kind && version < custom.first_version) {
      WriteShort(static_cast<uint16_t>(Kind::kCustom));
      WriteString(std::string(kMarshalPrefix) + std::string(custom.class_name));
      return;
    }
  }
  WriteShort(static_cast<uint16_t>(type.kind()));
  const auto param = [&](size_t i) -> const types::Type& {
    static const types::Type kPlaceholder(Kind::kBlob);
    if (i < type.params().size()) return type.params()[i];
    Fail(ErrorCode::kInternal, fmt::format("Type {} lacks parameter {}", type.ToCql(), i));
    return kPlaceholder;
  };
  switch (type.kind()) {
    case Kind::kCustom:
      // Type keeps no class name; BytesType is what Cassandra reads unknown values as.
      WriteString("org.apache.cassandra.db.marshal.BytesType");
      return;
    case Kind::kList:
    case Kind::kSet:
      WriteOption(param(0), version);
      return;
    case Kind::kMap:
      WriteOption(param(0), version);
      WriteOption(param(1), version);
      return;
    case Kind::kUdt: {
      WriteString(type.udt_keyspace());
      WriteString(type.udt_name());
      const auto& names = type.udt_field_names();
      const auto& fields = type.params();
      if (!WriteCount(fields.size(), "fields in a user type")) return;
      for (size_t i = 0; i < fields.size(); ++i) {
        WriteString(i < names.size() ? names[i] : std::string());
        WriteOption(fields[i], version);
      }
      return;
    }
    case Kind::kTuple:
      if (!WriteCount(type.params().size(), "tuple elements")) return;
      for (const auto& element : type.params()) WriteOption(element, version);
      return;
    default:
      return;
  }
}

void Writer::WriteStringMap(const std::map<std::string, std::string>& v) {
  if (!WriteCount(v.size(), "entries in a [string map]")) return;
  for (const auto& [key, value] : v) {
    WriteString(key);
    WriteString(value);
  }
}

void Writer::WriteStringMultimap(const StringMultimap& v) {
  if (!WriteCount(v.size(), "entries in a [string multimap]")) return;
  for (const auto& [key, values] : v) {
    WriteString(key);
    WriteStringList(values);
  }
}

void Writer::WriteBytesMap(const BytesMap& v) {
  if (!WriteCount(v.size(), "entries in a [bytes map]")) return;
  for (const auto& [key, value] : v) {
    WriteString(key);
    WriteBytes(value ? std::optional<std::string_view>(*value) : std::nullopt);
  }
}

void Writer::WriteInet(std::string_view address, int32_t port) {
  if (address.size() != 4 && address.size() != 16) {
    Fail(ErrorCode::kInternal,
         fmt::format("An [inet] address must have 4 or 16 bytes, not {}", address.size()));
    address = std::string_view("\0\0\0\0", 4);
  }
  WriteByte(static_cast<uint8_t>(address.size()));
  out_.append(address);
  WriteInt(port);
}

void Writer::PatchInt(size_t position, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) out_[position + i] = static_cast<char>(u >> (24 - 8 * i));
}

}  // namespace sibyl::cql::protocol
