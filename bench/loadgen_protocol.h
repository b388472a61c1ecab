// Wire codecs of bench/loadgen (issue 14): CQL native protocol v4 requests and responses, and
// RESP (Redis) commands and replies. Bytes only, no I/O. Written independently of src/cql/protocol
// so that the load generator also checks the server's frames rather than sharing its code.
//
// Every decoder is bounds-checked against the bytes it was given and a size limit: a short,
// oversized or malformed answer is a Decoded::kBad with a reason, never a crash or an overread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen {

enum class Decoded { kNeedMore, kOk, kBad };

// ---- CQL v4 (native_protocol_v4.spec) ----------------------------------------------------------
namespace cql {

inline constexpr uint8_t kRequestVersion = 0x04;
inline constexpr uint8_t kResponseVersion = 0x84;
inline constexpr size_t kHeaderSize = 9;

enum Opcode : uint8_t {
  kError = 0x00,
  kStartup = 0x01,
  kReady = 0x02,
  kAuthenticate = 0x03,
  kQuery = 0x07,
  kResult = 0x08,
  kPrepare = 0x09,
  kExecute = 0x0A,
  kEvent = 0x0C,
  kAuthChallenge = 0x0E,
  kAuthResponse = 0x0F,
  kAuthSuccess = 0x10,
};

inline constexpr uint16_t kConsistencyOne = 0x0001;

struct Frame {
  uint8_t flags = 0;
  int16_t stream = 0;
  uint8_t opcode = 0;
  const uint8_t* body = nullptr;
  uint32_t length = 0;
};

// Frames one response from `data` (n bytes available). kOk sets *frame (body points into data)
// and *consumed; kBad sets *error (wrong version, body over max_body, compressed body).
Decoded DecodeFrame(const uint8_t* data, size_t n, uint32_t max_body, Frame* frame,
                    size_t* consumed, std::string* error);

void AppendStartup(std::string& out, int16_t stream);
// SASL PLAIN token: authzid NUL authcid NUL password (RFC 4616).
void AppendPlainAuthResponse(std::string& out, int16_t stream, std::string_view user,
                             std::string_view password);
void AppendQuery(std::string& out, int16_t stream, std::string_view query, uint16_t consistency);
void AppendPrepare(std::string& out, int16_t stream, std::string_view query);
// EXECUTE with consistency ONE and positional values; skip_metadata asks for rows without their
// column specs (what drivers do for prepared SELECTs).
void AppendExecute(std::string& out, int16_t stream, std::string_view id,
                   const std::string_view* values, size_t value_count, bool skip_metadata);

// The body after the optional tracing id, warnings and custom payload the header flags announce.
// kBad when they overrun the body. *warning gets the first warning, if any.
Decoded ResponsePayload(const Frame& frame, const uint8_t** payload, size_t* payload_len,
                        std::string* warning, std::string* error);

// ERROR body -> "0x2200 message" (code in hex, as the spec lists them).
std::string DescribeError(const uint8_t* payload, size_t len);

// RESULT checks. Each returns kOk or kBad with *error.
Decoded ExpectResultKind(const uint8_t* payload, size_t len, int32_t kind, std::string* error);
Decoded ParsePrepared(const uint8_t* payload, size_t len, std::string* id, std::string* error);
// A Rows result of one column and at most one row; *found says whether there was a row and
// *value_len is its value's length (-1 for null).
Decoded ParseSingleValueRows(const uint8_t* payload, size_t len, bool* found, int32_t* value_len,
                             std::string* error);

}  // namespace cql

// ---- RESP2 (https://redis.io/docs/reference/protocol-spec/) ----------------------------------
namespace resp {

void AppendSet(std::string& out, std::string_view key, std::string_view value);
void AppendGet(std::string& out, std::string_view key);
void AppendCommand(std::string& out, const std::string_view* args, size_t count);

enum class ReplyType { kSimple, kError, kBulk, kNil };

struct Reply {
  ReplyType type = ReplyType::kNil;
  std::string_view text;  // simple string, error line or bulk string (points into the input)
};

// One reply of type +, -, $ (the only ones SET/GET/AUTH answer). Any other type, a line over
// kMaxLine, a bulk string over max_bulk or a bulk without its CRLF is kBad.
inline constexpr size_t kMaxLine = 4096;
Decoded DecodeReply(const uint8_t* data, size_t n, size_t max_bulk, Reply* reply,
                    size_t* consumed, std::string* error);

}  // namespace resp
}  // namespace loadgen
