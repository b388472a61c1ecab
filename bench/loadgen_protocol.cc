#include "loadgen_protocol.h"

#include <charconv>
#include <cstdio>

namespace loadgen {
namespace {

void PutU16(std::string& out, uint16_t v) {
  out.push_back(char(v >> 8));
  out.push_back(char(v));
}

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(char(v >> shift));
}

// Bounds-checked reader of a CQL body: every Read* fails (returns false) rather than overrun.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  size_t remaining() const { return n_ - pos_; }
  const uint8_t* here() const { return p_ + pos_; }
  bool Skip(size_t k) {
    if (k > remaining()) return false;
    pos_ += k;
    return true;
  }
  bool U16(uint16_t* v) {
    if (remaining() < 2) return false;
    *v = uint16_t(p_[pos_] << 8 | p_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool I32(int32_t* v) {
    if (remaining() < 4) return false;
    *v = int32_t(uint32_t(p_[pos_]) << 24 | uint32_t(p_[pos_ + 1]) << 16 |
                 uint32_t(p_[pos_ + 2]) << 8 | uint32_t(p_[pos_ + 3]));
    pos_ += 4;
    return true;
  }
  bool String(std::string_view* s) {  // [string]: [short] n + n bytes
    uint16_t len;
    if (!U16(&len) || len > remaining()) return false;
    *s = std::string_view(reinterpret_cast<const char*>(here()), len);
    pos_ += len;
    return true;
  }
  bool Bytes(int32_t* len) {  // [bytes]: [int] n + n bytes, n < 0 is null
    if (!I32(len)) return false;
    return *len < 0 || Skip(size_t(*len));
  }
  bool ShortBytes(std::string_view* s) { return String(s); }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
};

// [option] of a column type; collections, UDTs and tuples nest (bounded by depth).
bool SkipTypeOption(Reader& r, int depth) {
  if (depth > 16) return false;
  uint16_t id;
  if (!r.U16(&id)) return false;
  std::string_view s;
  switch (id) {
    case 0x0000:  // custom: class name
      return r.String(&s);
    case 0x0020:  // list
    case 0x0022:  // set
      return SkipTypeOption(r, depth + 1);
    case 0x0021:  // map
      return SkipTypeOption(r, depth + 1) && SkipTypeOption(r, depth + 1);
    case 0x0030: {  // UDT: ks, name, n, (field name, type)*
      uint16_t n;
      if (!r.String(&s) || !r.String(&s) || !r.U16(&n)) return false;
      for (uint16_t i = 0; i < n; ++i) {
        if (!r.String(&s) || !SkipTypeOption(r, depth + 1)) return false;
      }
      return true;
    }
    case 0x0031: {  // tuple: n, type*
      uint16_t n;
      if (!r.U16(&n)) return false;
      for (uint16_t i = 0; i < n; ++i) {
        if (!SkipTypeOption(r, depth + 1)) return false;
      }
      return true;
    }
    default:
      return id <= 0x0015;  // the native types of v4
  }
}

Decoded Bad(std::string* error, std::string text) {
  *error = std::move(text);
  return Decoded::kBad;
}

}  // namespace

namespace cql {
namespace {

// Header with a length to patch once the body is written.
size_t BeginFrame(std::string& out, int16_t stream, uint8_t opcode) {
  out.push_back(char(kRequestVersion));
  out.push_back(0);  // flags: no compression, no tracing
  PutU16(out, uint16_t(stream));
  out.push_back(char(opcode));
  PutU32(out, 0);
  return out.size();
}

void EndFrame(std::string& out, size_t body_start) {
  const uint32_t len = uint32_t(out.size() - body_start);
  for (int i = 0; i < 4; ++i) out[body_start - 4 + i] = char(len >> (24 - 8 * i));
}

void PutString(std::string& out, std::string_view s) {
  PutU16(out, uint16_t(s.size()));
  out.append(s);
}

void PutLongString(std::string& out, std::string_view s) {
  PutU32(out, uint32_t(s.size()));
  out.append(s);
}

}  // namespace

Decoded DecodeFrame(const uint8_t* data, size_t n, uint32_t max_body, Frame* frame,
                    size_t* consumed, std::string* error) {
  if (n >= 1 && data[0] != kResponseVersion) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "frame version byte 0x%02x, expected 0x84", data[0]);
    return Bad(error, buf);
  }
  if (n < kHeaderSize) return Decoded::kNeedMore;
  const uint32_t len = uint32_t(data[5]) << 24 | uint32_t(data[6]) << 16 |
                       uint32_t(data[7]) << 8 | uint32_t(data[8]);
  if (len > max_body) {
    return Bad(error, "frame body of " + std::to_string(len) + " bytes over the limit of " +
                          std::to_string(max_body));
  }
  if (data[1] & 0x01) return Bad(error, "compressed frame, but no compression was negotiated");
  if (n < kHeaderSize + len) return Decoded::kNeedMore;
  frame->flags = data[1];
  frame->stream = int16_t(uint16_t(data[2] << 8 | data[3]));
  frame->opcode = data[4];
  frame->body = data + kHeaderSize;
  frame->length = len;
  *consumed = kHeaderSize + len;
  return Decoded::kOk;
}

void AppendStartup(std::string& out, int16_t stream) {
  const size_t body = BeginFrame(out, stream, kStartup);
  PutU16(out, 1);  // [string map] of one entry
  PutString(out, "CQL_VERSION");
  PutString(out, "3.0.0");
  EndFrame(out, body);
}

void AppendPlainAuthResponse(std::string& out, int16_t stream, std::string_view user,
                             std::string_view password) {
  const size_t body = BeginFrame(out, stream, kAuthResponse);
  PutU32(out, uint32_t(user.size() + password.size() + 2));  // [bytes]
  out.push_back('\0');
  out.append(user);
  out.push_back('\0');
  out.append(password);
  EndFrame(out, body);
}

void AppendQuery(std::string& out, int16_t stream, std::string_view query, uint16_t consistency) {
  const size_t body = BeginFrame(out, stream, kQuery);
  PutLongString(out, query);
  PutU16(out, consistency);
  out.push_back(0);  // no flags
  EndFrame(out, body);
}

void AppendPrepare(std::string& out, int16_t stream, std::string_view query) {
  const size_t body = BeginFrame(out, stream, kPrepare);
  PutLongString(out, query);
  EndFrame(out, body);
}

void AppendExecute(std::string& out, int16_t stream, std::string_view id,
                   const std::string_view* values, size_t value_count, bool skip_metadata) {
  const size_t body = BeginFrame(out, stream, kExecute);
  PutString(out, id);  // [short bytes]
  PutU16(out, kConsistencyOne);
  out.push_back(char(0x01 | (skip_metadata ? 0x02 : 0x00)));  // values (+ skip_metadata)
  PutU16(out, uint16_t(value_count));
  for (size_t i = 0; i < value_count; ++i) {
    PutU32(out, uint32_t(values[i].size()));
    out.append(values[i]);
  }
  EndFrame(out, body);
}

Decoded ResponsePayload(const Frame& frame, const uint8_t** payload, size_t* payload_len,
                        std::string* warning, std::string* error) {
  Reader r(frame.body, frame.length);
  if ((frame.flags & 0x02) && !r.Skip(16)) return Bad(error, "tracing id past the body");
  if (frame.flags & 0x08) {  // [string list]
    uint16_t n;
    if (!r.U16(&n)) return Bad(error, "warnings past the body");
    for (uint16_t i = 0; i < n; ++i) {
      std::string_view s;
      if (!r.String(&s)) return Bad(error, "warning past the body");
      if (i == 0 && warning) *warning = std::string(s);
    }
  }
  if (frame.flags & 0x04) {  // [bytes map]
    uint16_t n;
    if (!r.U16(&n)) return Bad(error, "custom payload past the body");
    for (uint16_t i = 0; i < n; ++i) {
      std::string_view key;
      int32_t len;
      if (!r.String(&key) || !r.Bytes(&len)) return Bad(error, "custom payload past the body");
    }
  }
  *payload = r.here();
  *payload_len = r.remaining();
  return Decoded::kOk;
}

std::string DescribeError(const uint8_t* payload, size_t len) {
  Reader r(payload, len);
  int32_t code;
  std::string_view message;
  if (!r.I32(&code) || !r.String(&message)) return "malformed ERROR body";
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%04x ", unsigned(code));
  return buf + std::string(message);
}

Decoded ExpectResultKind(const uint8_t* payload, size_t len, int32_t kind, std::string* error) {
  Reader r(payload, len);
  int32_t got;
  if (!r.I32(&got)) return Bad(error, "RESULT body shorter than its kind");
  if (got != kind) {
    return Bad(error, "RESULT kind " + std::to_string(got) + ", expected " +
                          std::to_string(kind));
  }
  return Decoded::kOk;
}

Decoded ParsePrepared(const uint8_t* payload, size_t len, std::string* id, std::string* error) {
  if (ExpectResultKind(payload, len, 4, error) != Decoded::kOk) return Decoded::kBad;
  Reader r(payload + 4, len - 4);
  std::string_view s;
  if (!r.ShortBytes(&s) || s.empty()) return Bad(error, "PREPARED without a statement id");
  *id = std::string(s);
  return Decoded::kOk;
}

Decoded ParseSingleValueRows(const uint8_t* payload, size_t len, bool* found, int32_t* value_len,
                             std::string* error) {
  if (ExpectResultKind(payload, len, 2, error) != Decoded::kOk) return Decoded::kBad;
  Reader r(payload + 4, len - 4);
  int32_t flags, columns;
  if (!r.I32(&flags) || !r.I32(&columns)) return Bad(error, "Rows metadata past the body");
  if (columns != 1) return Bad(error, "Rows of " + std::to_string(columns) + " columns, not 1");
  if (flags & 0x0002) {  // has more pages: paging state
    int32_t paging;
    if (!r.Bytes(&paging)) return Bad(error, "paging state past the body");
  }
  if (!(flags & 0x0004)) {  // column specs follow unless no_metadata
    std::string_view s;
    const bool global = flags & 0x0001;
    if (global && (!r.String(&s) || !r.String(&s))) return Bad(error, "table spec past the body");
    if (!global && (!r.String(&s) || !r.String(&s))) return Bad(error, "column spec past the body");
    if (!r.String(&s) || !SkipTypeOption(r, 0)) return Bad(error, "column spec past the body");
  }
  int32_t rows;
  if (!r.I32(&rows)) return Bad(error, "rows count past the body");
  if (rows < 0 || rows > 1) return Bad(error, std::to_string(rows) + " rows for a point read");
  *found = rows == 1;
  *value_len = -1;
  if (rows == 1 && !r.Bytes(value_len)) return Bad(error, "row value past the body");
  if (r.remaining() != 0) {
    return Bad(error, std::to_string(r.remaining()) + " bytes after the rows");
  }
  return Decoded::kOk;
}

}  // namespace cql

namespace resp {
namespace {

void PutBulk(std::string& out, std::string_view s) {
  char buf[24];
  out.push_back('$');
  out.append(buf, std::to_chars(buf, buf + sizeof buf, s.size()).ptr);
  out.append("\r\n");
  out.append(s);
  out.append("\r\n");
}

}  // namespace

void AppendCommand(std::string& out, const std::string_view* args, size_t count) {
  char buf[24];
  out.push_back('*');
  out.append(buf, std::to_chars(buf, buf + sizeof buf, count).ptr);
  out.append("\r\n");
  for (size_t i = 0; i < count; ++i) PutBulk(out, args[i]);
}

void AppendSet(std::string& out, std::string_view key, std::string_view value) {
  const std::string_view args[] = {"SET", key, value};
  AppendCommand(out, args, 3);
}

void AppendGet(std::string& out, std::string_view key) {
  const std::string_view args[] = {"GET", key};
  AppendCommand(out, args, 2);
}

Decoded DecodeReply(const uint8_t* data, size_t n, size_t max_bulk, Reply* reply,
                    size_t* consumed, std::string* error) {
  if (n == 0) return Decoded::kNeedMore;
  const char type = char(data[0]);
  if (type != '+' && type != '-' && type != '$') {
    char buf[64];
    std::snprintf(buf, sizeof buf, "reply type byte 0x%02x, expected '+', '-' or '$'", data[0]);
    return Bad(error, buf);
  }
  // The first line, up to CRLF.
  size_t eol = 1;
  while (eol + 1 < n && !(data[eol] == '\r' && data[eol + 1] == '\n')) {
    if (eol >= kMaxLine) return Bad(error, "reply line longer than 4096 bytes");
    ++eol;
  }
  if (eol + 1 >= n) return n > kMaxLine ? Bad(error, "reply line too long") : Decoded::kNeedMore;
  const std::string_view line(reinterpret_cast<const char*>(data) + 1, eol - 1);
  const size_t after_line = eol + 2;
  if (type == '+' || type == '-') {
    reply->type = type == '+' ? ReplyType::kSimple : ReplyType::kError;
    reply->text = line;
    *consumed = after_line;
    return Decoded::kOk;
  }
  if (line == "-1") {
    reply->type = ReplyType::kNil;
    reply->text = {};
    *consumed = after_line;
    return Decoded::kOk;
  }
  size_t len = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), len);
  if (ec != std::errc() || end != line.data() + line.size() || line.empty()) {
    return Bad(error, "bulk length '" + std::string(line.substr(0, 32)) + "' is not a number");
  }
  if (len > max_bulk) {
    return Bad(error, "bulk string of " + std::to_string(len) + " bytes over the limit of " +
                          std::to_string(max_bulk));
  }
  if (n < after_line + len + 2) return Decoded::kNeedMore;
  if (data[after_line + len] != '\r' || data[after_line + len + 1] != '\n') {
    return Bad(error, "bulk string not followed by CRLF");
  }
  reply->type = ReplyType::kBulk;
  reply->text = std::string_view(reinterpret_cast<const char*>(data) + after_line, len);
  *consumed = after_line + len + 2;
  return Decoded::kOk;
}

}  // namespace resp
}  // namespace loadgen
