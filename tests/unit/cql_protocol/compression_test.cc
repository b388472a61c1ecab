#include "cql/protocol/compression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/cql_protocol/test_util.h"

namespace sibyl::cql::protocol {
namespace {

using ::sibyl::testing::StatusIs;
using ::testing::HasSubstr;

std::string SampleBody() {
  std::string body;
  for (int i = 0; i < 1000; ++i) body += "SELECT * FROM ks.t WHERE k = " + std::to_string(i) + ";";
  return body;
}

TEST(Compression, NamesAreCaseInsensitive) {
  EXPECT_EQ(CompressionFromName("lz4"), Compression::kLz4);
  EXPECT_EQ(CompressionFromName("LZ4"), Compression::kLz4);
  EXPECT_EQ(CompressionFromName("snappy"), Compression::kSnappy);
  EXPECT_EQ(CompressionFromName("zstd"), std::nullopt);
  EXPECT_EQ(CompressionName(Compression::kLz4), "lz4");
}

TEST(Compression, Lz4RoundTripsWithABigEndianLengthPrefix) {
  const std::string body = SampleBody();
  const std::string compressed = Compress(Compression::kLz4, body);
  ASSERT_GT(compressed.size(), 4u);
  const uint32_t prefix = (uint32_t{static_cast<uint8_t>(compressed[0])} << 24) |
                          (uint32_t{static_cast<uint8_t>(compressed[1])} << 16) |
                          (uint32_t{static_cast<uint8_t>(compressed[2])} << 8) |
                          uint32_t{static_cast<uint8_t>(compressed[3])};
  EXPECT_EQ(prefix, body.size());
  EXPECT_LT(compressed.size(), body.size());
  auto decompressed = Decompress(Compression::kLz4, compressed);
  ASSERT_TRUE(decompressed.ok()) << decompressed.status().ToString();
  EXPECT_EQ(*decompressed, body);
}

TEST(Compression, SnappyRoundTrips) {
  const std::string body = SampleBody();
  const std::string compressed = Compress(Compression::kSnappy, body);
  EXPECT_LT(compressed.size(), body.size());
  auto decompressed = Decompress(Compression::kSnappy, compressed);
  ASSERT_TRUE(decompressed.ok());
  EXPECT_EQ(*decompressed, body);
}

TEST(Compression, EmptyBodiesRoundTrip) {
  for (auto c : {Compression::kLz4, Compression::kSnappy, Compression::kNone}) {
    auto decompressed = Decompress(c, Compress(c, ""));
    ASSERT_TRUE(decompressed.ok()) << CompressionName(c);
    EXPECT_EQ(*decompressed, "");
  }
}

TEST(Compression, CorruptLz4IsAProtocolError) {
  std::string compressed = Compress(Compression::kLz4, SampleBody());
  EXPECT_THAT(Decompress(Compression::kLz4, compressed.substr(0, compressed.size() / 2)),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("lz4")));
  EXPECT_THAT(Decompress(Compression::kLz4, std::string("\x00\x00", 2)),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("length prefix")));
}

TEST(Compression, CorruptSnappyIsAProtocolError) {
  EXPECT_THAT(Decompress(Compression::kSnappy, std::string("\xff\xff\xff\xff\xff\xff", 6)),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("snappy")));
}

TEST(Compression, DecompressedSizeIsCapped) {
  const std::string body(10000, 'a');
  EXPECT_THAT(Decompress(Compression::kLz4, Compress(Compression::kLz4, body), 9999),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("exceeds the maximum")));
  EXPECT_THAT(Decompress(Compression::kSnappy, Compress(Compression::kSnappy, body), 9999),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("exceeds the maximum")));
  EXPECT_TRUE(Decompress(Compression::kLz4, Compress(Compression::kLz4, body), 10000).ok());
}

TEST(Compression, DefaultCapIsTheDefaultFrameSize) {
  EXPECT_EQ(kDefaultMaxDecompressedSize, size_t{16} << 20);
  const std::string body = std::string("\x01\x00\x00\x01", 4) + std::string(1000, '\0');
  EXPECT_THAT(Decompress(Compression::kLz4, body),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("exceeds the maximum of 16777216")));
}

TEST(Compression, Lz4LengthNoInputCouldMakeIsRefusedBeforeAllocating) {
  // issue 9: 17 bytes declaring 16 MiB made the server allocate and zero-fill it (183 ms of an
  // I/O thread for 256 MiB). 13 bytes of lz4 can make at most 255 x 13 bytes.
  const std::string bomb = std::string("\x00\xff\xff\xff", 4) + std::string(13, '\0');
  EXPECT_THAT(Decompress(Compression::kLz4, bomb),
              StatusIs(ErrorCode::kProtocolError,
                       "Failed to decompress an lz4 frame body: 13 compressed bytes cannot make "
                       "16777215"));
}

TEST(Compression, SnappyLengthNoInputCouldMakeIsRefusedBeforeAllocating) {
  // A snappy preamble declaring 1,000,000 bytes (varint c0 84 3d), then 3 bytes.
  const std::string bomb("\xc0\x84\x3d\x00\x00\x00", 6);
  EXPECT_THAT(Decompress(Compression::kSnappy, bomb),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("6 compressed bytes cannot make")));
}

TEST(Compression, MostCompressibleBodiesStillDecompress) {
  // The ratio bounds must never refuse what a real compressor makes: 16 MiB of one byte is the
  // most compressible body there is.
  const std::string body(size_t{16} << 20, 'x');
  for (auto c : {Compression::kLz4, Compression::kSnappy}) {
    const std::string compressed = Compress(c, body);
    auto decompressed = Decompress(c, compressed);
    ASSERT_TRUE(decompressed.ok()) << CompressionName(c) << ": " << decompressed.status().ToString();
    EXPECT_EQ(decompressed->size(), body.size());
  }
}

}  // namespace
}  // namespace sibyl::cql::protocol
