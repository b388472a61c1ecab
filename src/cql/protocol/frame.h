#pragma once
// The frame header of the CQL native protocol v3/v4 (native_protocol_v4.spec §2) and the version
// negotiation rule. Bytes in, structs out; no I/O. See docs/dev/protocol-notes.md.
//
//   0         8        16        24        32         40
//   +---------+---------+---------+---------+---------+
//   | version |  flags  |      stream       | opcode  |
//   +---------+---------+---------+---------+---------+
//   |                length                 |
//   +---------+---------+---------+---------+
//
// v1/v2 headers are 8 bytes (a one-byte stream); they are decoded only so that the version error
// can be answered in the client's own version, as Cassandra does.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sibyl::cql::protocol {

inline constexpr size_t kHeaderSize = 9;          // v3+
inline constexpr size_t kLegacyHeaderSize = 8;    // v1, v2
inline constexpr uint8_t kResponseBit = 0x80;     // direction bit of the version byte
inline constexpr uint8_t kVersionMask = 0x7F;
inline constexpr uint8_t kMinVersion = 3;
inline constexpr uint8_t kMaxVersion = 4;
// Default cap of a whole frame (header and body), Cassandra's native_transport_max_frame_size
// default (16 MiB since 4.0).
inline constexpr int32_t kDefaultMaxFrameSize = 16 << 20;
// Stream id of server-pushed EVENT frames.
inline constexpr int16_t kEventStream = -1;

// DO NOT CHANGE: wire values (§2.2).
enum class FrameFlag : uint8_t {
  kCompression = 0x01,
  kTracing = 0x02,
  kCustomPayload = 0x04,
  kWarning = 0x08,
  kBeta = 0x10,
};
inline constexpr bool HasFlag(uint8_t flags, FrameFlag flag) {
  return (flags & static_cast<uint8_t>(flag)) != 0;
}

struct FrameHeader {
  uint8_t version = kMaxVersion;  // without the direction bit
  bool is_response = false;
  uint8_t flags = 0;
  int16_t stream = 0;
  uint8_t opcode = 0;  // raw byte: may be an opcode Opcode does not name
  int32_t length = 0;  // body length in bytes

  // 9 for v3+, 8 for v1/v2.
  size_t size() const { return HeaderSizeOf(version); }
  static size_t HeaderSizeOf(uint8_t version) {
    return (version == 1 || version == 2) ? kLegacyHeaderSize : kHeaderSize;
  }
};

// Whether the server speaks `version` (3 or 4).
bool IsSupportedVersion(uint8_t version);

// The version in which to answer a frame of `requested` version that is not supported:
// Cassandra answers v1/v2 clients in their own version and anything else (v5+, garbage such as
// 0x42, 0) in the highest version it supports, so that drivers see the error and downgrade.
// For a supported version, returns it.
uint8_t ResponseVersionFor(uint8_t requested);

// kProtocolError "Invalid or unsupported protocol version (5); supported versions are
// (3/v3, 4/v4)" — Cassandra's wording, which drivers parse to decide to downgrade.
Status UnsupportedVersionError(uint8_t requested);

// Decodes the header at the start of `buffer` into *header. Returns:
//   OK;
//   kNeedMoreData when `buffer` is shorter than the header;
//   kProtocolError for an unsupported version (see above), a response frame sent to the server
//   (direction bit set, when `expect_request`), or a negative body length;
//   kInvalid "Request is too big: length 16777226 exceeds maximum allowed length 16777216." when
//   the whole frame (header included) is over `max_frame_size` (Cassandra's Envelope.Decoder
//   wording and code). The header is whole: the caller answers on its stream and skips the body
//   without keeping it, and the connection goes on.
// On kProtocolError, *header holds every field that could be read (version, stream), so the error
// can be answered on the client's stream with ResponseVersionFor(header->version). The framing
// cannot be trusted after such an error: the caller should close the connection after answering.
// A pure function of its arguments (a fuzzing entry point).
Status DecodeHeader(std::string_view buffer, FrameHeader* header,
                    int32_t max_frame_size = kDefaultMaxFrameSize, bool expect_request = true);

// Appends the header (8 or 9 bytes by version) to *out. Sets the direction bit when
// header.is_response.
void EncodeHeader(const FrameHeader& header, std::string* out);

}  // namespace sibyl::cql::protocol
