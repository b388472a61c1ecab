// libFuzzer target: frame body decompression (lz4 in Cassandra's framing, snappy), the bytes a
// client sends once COMPRESSION is negotiated. Input: one selector byte, then the body.
//   selector & 1: lz4 or snappy.
// Properties: Decompress never reads or allocates beyond its limits; what decompresses also
// compresses and decompresses back to the same bytes; and any bytes compress and decompress back.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cql/protocol/compression.h"
#include "fuzz/fuzz_util.h"

using namespace sibyl::cql::protocol;

namespace {

// Small enough that a fuzzer cannot make every input cost megabytes, large enough for bombs to
// be refused by the limit rather than by the input size.
constexpr size_t kMaxSize = size_t{1} << 20;

void RoundTrip(Compression compression, const std::string& plain) {
  std::string packed = Compress(compression, plain);
  auto back = Decompress(compression, packed, plain.size() + 1);
  if (!back.ok() || *back != plain) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Compression compression = (data[0] & 1) ? Compression::kSnappy : Compression::kLz4;
  std::string_view body = sibyl::fuzz::AsView(data + 1, size - 1);

  auto plain = Decompress(compression, body, kMaxSize);
  if (plain.ok()) {
    if (plain->size() > kMaxSize) std::abort();
    RoundTrip(compression, *plain);
  }
  RoundTrip(compression, std::string(body));
  return 0;
}
