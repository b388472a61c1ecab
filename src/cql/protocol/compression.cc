#include "cql/protocol/compression.h"

#include <lz4.h>
#include <snappy.h>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace sibyl::cql::protocol {
namespace {

// The most output one compressed byte can make. lz4: a match length grows by 255 per extension
// byte and nothing else beats that. snappy: a 3-byte copy makes at most 64 bytes.
constexpr size_t kMaxLz4Ratio = 255;
constexpr size_t kMaxSnappyRatio = 22;

}  // namespace

std::optional<Compression> CompressionFromName(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "lz4") return Compression::kLz4;
  if (lower == "snappy") return Compression::kSnappy;
  return std::nullopt;
}

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kLz4:
      return "lz4";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kNone:
      break;
  }
  return "none";
}

std::string Compress(Compression compression, std::string_view input) {
  switch (compression) {
    case Compression::kNone:
      return std::string(input);
    case Compression::kSnappy: {
      std::string out;
      snappy::Compress(input.data(), input.size(), &out);
      return out;
    }
    case Compression::kLz4: {
      const int bound = LZ4_compressBound(static_cast<int>(input.size()));
      std::string out(4 + static_cast<size_t>(bound), '\0');
      const auto n = static_cast<uint32_t>(input.size());
      out[0] = static_cast<char>(n >> 24);
      out[1] = static_cast<char>(n >> 16);
      out[2] = static_cast<char>(n >> 8);
      out[3] = static_cast<char>(n);
      const int written = LZ4_compress_default(input.data(), out.data() + 4,
                                               static_cast<int>(input.size()), bound);
      out.resize(4 + static_cast<size_t>(std::max(written, 0)));
      return out;
    }
  }
  return std::string(input);
}

Result<std::string> Decompress(Compression compression, std::string_view input, size_t max_size) {
  switch (compression) {
    case Compression::kNone:
      return std::string(input);
    case Compression::kSnappy: {
      size_t length = 0;
      if (!snappy::GetUncompressedLength(input.data(), input.size(), &length)) {
        return ProtocolError("Failed to decompress a snappy frame body: corrupt length");
      }
      if (length > max_size) {
        return ProtocolError(fmt::format(
            "Decompressed frame body of {} bytes exceeds the maximum of {}", length, max_size));
      }
      if (length / kMaxSnappyRatio > input.size()) {
        return ProtocolError(fmt::format(
            "Failed to decompress a snappy frame body: {} compressed bytes cannot make {}",
            input.size(), length));
      }
      std::string out;
      if (!snappy::Uncompress(input.data(), input.size(), &out)) {
        return ProtocolError("Failed to decompress a snappy frame body: corrupt input");
      }
      return out;
    }
    case Compression::kLz4: {
      if (input.size() < 4) {
        return ProtocolError("Failed to decompress an lz4 frame body: missing length prefix");
      }
      const uint32_t length = (uint32_t{static_cast<uint8_t>(input[0])} << 24) |
                              (uint32_t{static_cast<uint8_t>(input[1])} << 16) |
                              (uint32_t{static_cast<uint8_t>(input[2])} << 8) |
                              uint32_t{static_cast<uint8_t>(input[3])};
      if (length > max_size || length > static_cast<uint32_t>(LZ4_MAX_INPUT_SIZE)) {
        return ProtocolError(fmt::format(
            "Decompressed frame body of {} bytes exceeds the maximum of {}", length, max_size));
      }
      const size_t compressed = input.size() - 4;
      if (length / kMaxLz4Ratio > compressed) {
        return ProtocolError(fmt::format(
            "Failed to decompress an lz4 frame body: {} compressed bytes cannot make {}",
            compressed, length));
      }
      std::string out(length, '\0');
      const int n = LZ4_decompress_safe(input.data() + 4, out.data(),
                                        static_cast<int>(input.size() - 4),
                                        static_cast<int>(length));
      if (n < 0 || static_cast<uint32_t>(n) != length) {
        return ProtocolError("Failed to decompress an lz4 frame body: corrupt input");
      }
      return out;
    }
  }
  return ProtocolError("unknown compression");
}

}  // namespace sibyl::cql::protocol
