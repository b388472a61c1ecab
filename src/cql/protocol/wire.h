#pragma once
// The notations of native_protocol_v4.spec §3 ([int], [string], [value], [option]...):
// Reader decodes them from a buffer with bounds checks; Writer appends them to a std::string.
// All integers are big-endian.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "cql/protocol/messages.h"
#include "cql/types/type.h"

namespace sibyl::cql::protocol {

using StringMultimap = std::map<std::string, std::vector<std::string>>;
using BytesMap = std::map<std::string, std::optional<std::string>>;

// Reads from a buffer it does not own: the buffer must outlive the Reader and every string_view
// it returns. Every method returns kProtocolError "Not enough bytes to read <what>..." when the
// buffer ends early (and then the reader's position is unspecified), or kProtocolError for an
// invalid encoding (negative lengths where none are allowed, unknown consistency codes).
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  // The unread part of the buffer.
  std::string_view rest() const { return data_.substr(pos_); }

  Status ReadByte(uint8_t* out);
  Status ReadShort(uint16_t* out);
  Status ReadInt(int32_t* out);
  Status ReadLong(int64_t* out);
  Status ReadString(std::string_view* out);      // [short] n + n bytes
  Status ReadLongString(std::string_view* out);  // [int] n + n bytes
  Status ReadUuid(std::string_view* out);        // 16 raw bytes
  Status ReadStringList(std::vector<std::string>* out);
  // [bytes]: nullopt for a negative length (null).
  Status ReadBytes(std::optional<std::string_view>* out);
  // [value]: -1 is null; -2 is unset from v4 on (v3 treats every negative length as null, like
  // Cassandra); any other negative length is an error.
  Status ReadValue(uint8_t version, BoundValue* out);
  Status ReadShortBytes(std::string_view* out);
  // [option] of a column type, recursively. Custom types become Type(Kind::kCustom) except
  // Cassandra's marshal class names of native types (DurationType...), which map to them.
  Status ReadOption(types::Type* out);
  Status ReadStringMap(std::map<std::string, std::string>* out);
  Status ReadStringMultimap(StringMultimap* out);
  Status ReadBytesMap(BytesMap* out);
  // [inet]: address bytes (4 or 16) and port.
  Status ReadInet(std::string* address, int32_t* port);
  Status ReadConsistency(Consistency* out);

 private:
  Status Need(size_t n, std::string_view what) const;
  Status ReadRaw(size_t n, std::string_view what, std::string_view* out);

  std::string_view data_;
  size_t pos_ = 0;
};

// Appends to a string it does not own; `out` must outlive the Writer.
//
// Safe by construction (issue 9, item 3): every [string] and [long string] it writes is valid
// UTF-8 (ill-formed bytes become U+FFFD) and every length or count fits its field. A value that
// cannot fit (a [string] over 65,535 bytes, a list of more than 65,535 items, [bytes] over
// 2 GiB...) is not written as such: the Writer records the first such failure in status() and
// writes an empty/null placeholder so the bytes stay well-formed; the caller must then send an
// ERROR instead of the body (EncodeResult does). Failure codes: kInvalid for a name or count the
// client asked for that does not fit, kInternal for a value of the wrong shape (a uuid that is
// not 16 bytes, an inet address that is not 4 or 16 bytes).
class Writer {
 public:
  explicit Writer(std::string* out) : out_(*out) {}

  // OK, or the first value that could not be written (see the class comment).
  const Status& status() const { return status_; }

  void WriteByte(uint8_t v);
  void WriteShort(uint16_t v);
  void WriteInt(int32_t v);
  void WriteLong(int64_t v);
  // [string]: sanitized; over 65,535 bytes (after sanitizing) fails.
  void WriteString(std::string_view v);
  // [string] for messages: sanitized, then cut at a character boundary to 65,535 bytes. Never
  // fails.
  void WriteTruncatedString(std::string_view v);
  void WriteLongString(std::string_view v);  // [long string]: sanitized; over 2 GiB fails
  void WriteUuid(std::string_view v);        // 16 raw bytes; any other size fails
  void WriteStringList(const std::vector<std::string>& v);
  void WriteBytes(std::optional<std::string_view> v);  // nullopt: length -1
  void WriteValue(const BoundValue& v);
  void WriteShortBytes(std::string_view v);
  // [option] for `version`: before v4, date/time/smallint/tinyint are custom types, and before
  // v5 duration is (as Cassandra sends them).
  void WriteOption(const types::Type& type, uint8_t version);
  void WriteStringMap(const std::map<std::string, std::string>& v);
  void WriteStringMultimap(const StringMultimap& v);
  void WriteBytesMap(const BytesMap& v);
  void WriteInet(std::string_view address, int32_t port);
  void WriteConsistency(Consistency v) { WriteShort(static_cast<uint16_t>(v)); }
  // Appends `bytes` as they are. Only for request encoders (tests and tools), which must be able
  // to send anything, including invalid UTF-8.
  void WriteRaw(std::string_view bytes) { out_.append(bytes); }

  // An [int] count of `what` (columns, rows); over 2^31-1 fails (and writes 0).
  bool WriteIntCount(size_t count, std::string_view what);

  // Position for PatchInt (e.g. a count known only at the end).
  size_t position() const { return out_.size(); }
  void PatchInt(size_t position, int32_t v);

  // Records the first failure (also for callers that find a body they cannot encode).
  void Fail(ErrorCode code, std::string message);

 private:
  // Writes a [short] count; a count over 65,535 fails (and writes 0).
  bool WriteCount(size_t count, std::string_view what);

  std::string& out_;
  Status status_;
};

}  // namespace sibyl::cql::protocol
