#include "cql/protocol/frame.h"

#include <fmt/format.h>

namespace sibyl::cql::protocol {

bool IsSupportedVersion(uint8_t version) {
  return version >= kMinVersion && version <= kMaxVersion;
}

uint8_t ResponseVersionFor(uint8_t requested) {
  // Cassandra ProtocolVersion.decode: known-but-unsupported old versions are answered in their
  // own version; anything else in MAX_SUPPORTED_VERSION.
  if (IsSupportedVersion(requested) || requested == 1 || requested == 2) return requested;
  return kMaxVersion;
}

Status UnsupportedVersionError(uint8_t requested) {
  return ProtocolError(fmt::format(
      "Invalid or unsupported protocol version ({}); supported versions are (3/v3, 4/v4)",
      requested));
}

Status DecodeHeader(std::string_view buffer, FrameHeader* header, int32_t max_frame_size,
                    bool expect_request) {
  if (buffer.empty()) return Status(ErrorCode::kNeedMoreData, "frame header");
  auto byte = [&](size_t i) { return static_cast<uint8_t>(buffer[i]); };
  header->version = byte(0) & kVersionMask;
  header->is_response = (byte(0) & kResponseBit) != 0;
  const size_t size = header->size();
  if (buffer.size() < size) return Status(ErrorCode::kNeedMoreData, "frame header");
  header->flags = byte(1);
  size_t pos;
  if (size == kLegacyHeaderSize) {
    header->stream = static_cast<int8_t>(byte(2));
    pos = 3;
  } else {
    header->stream = static_cast<int16_t>((byte(2) << 8) | byte(3));
    pos = 4;
  }
  header->opcode = byte(pos);
  header->length = static_cast<int32_t>((uint32_t{byte(pos + 1)} << 24) |
                                        (uint32_t{byte(pos + 2)} << 16) |
                                        (uint32_t{byte(pos + 3)} << 8) | uint32_t{byte(pos + 4)});
  // The version is checked first: a v5 client must see the version error, whatever else its
  // header says.
  if (!IsSupportedVersion(header->version)) return UnsupportedVersionError(header->version);
  if (expect_request && header->is_response) {
    return ProtocolError("Invalid frame: the direction bit of a request must be 0");
  }
  if (header->length < 0) {
    return ProtocolError(fmt::format("Invalid frame body length {}", header->length));
  }
  const int64_t total = int64_t{header->length} + static_cast<int64_t>(size);
  if (total > max_frame_size) {
    // Cassandra Envelope.Decoder.fail(): InvalidRequest on the frame's stream, after which the
    // body is discarded and the connection goes on.
    return InvalidRequest(fmt::format(
        "Request is too big: length {} exceeds maximum allowed length {}.", total, max_frame_size));
  }
  return Status::OK();
}

void EncodeHeader(const FrameHeader& header, std::string* out) {
  // Built on the stack and appended once (issue 14: nine push_backs were ~1.7% of a point read).
  char b[kHeaderSize];
  size_t n = 0;
  b[n++] = static_cast<char>((header.version & kVersionMask) |
                            (header.is_response ? kResponseBit : 0));
  b[n++] = static_cast<char>(header.flags);
  if (header.size() == kLegacyHeaderSize) {
    b[n++] = static_cast<char>(static_cast<int8_t>(header.stream));
  } else {
    b[n++] = static_cast<char>((static_cast<uint16_t>(header.stream) >> 8) & 0xFF);
    b[n++] = static_cast<char>(static_cast<uint16_t>(header.stream) & 0xFF);
  }
  b[n++] = static_cast<char>(header.opcode);
  const auto length = static_cast<uint32_t>(header.length);
  b[n++] = static_cast<char>(length >> 24);
  b[n++] = static_cast<char>(length >> 16);
  b[n++] = static_cast<char>(length >> 8);
  b[n++] = static_cast<char>(length);
  out->append(b, n);
}

}  // namespace sibyl::cql::protocol
