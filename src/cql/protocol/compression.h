#pragma once
// Frame body compression negotiated in STARTUP (native_protocol_v4.spec §5):
//   lz4:    a 4-byte BIG-ENDIAN uncompressed length, then one LZ4 block (Cassandra's format);
//   snappy: raw snappy.
// Pure functions; thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sibyl::cql::protocol {

enum class Compression : uint8_t { kNone, kLz4, kSnappy };

// Cap of a decompressed body. Default: the default frame cap (16 MiB).
inline constexpr size_t kDefaultMaxDecompressedSize = size_t{16} << 20;

// The algorithm named in STARTUP's COMPRESSION option (case-insensitive "lz4", "snappy"), or
// nullopt if unknown.
std::optional<Compression> CompressionFromName(std::string_view name);
std::string_view CompressionName(Compression compression);  // "lz4", "snappy", "none"

// Compresses `input` (kNone: a copy).
std::string Compress(Compression compression, std::string_view input);

// Decompresses `input`. kProtocolError when the input is corrupt or would decompress to more
// than `max_size` bytes. The declared size is checked against `max_size` and against what
// `input.size()` bytes can possibly expand to (255x for lz4, 22x for snappy) before anything is
// allocated, so the memory and time spent are in proportion to the input (issue 9: a 17-byte
// lz4 body declaring 256 MiB cost 183 ms). A pure function (a fuzzing entry point).
Result<std::string> Decompress(Compression compression, std::string_view input,
                               size_t max_size = kDefaultMaxDecompressedSize);

}  // namespace sibyl::cql::protocol
