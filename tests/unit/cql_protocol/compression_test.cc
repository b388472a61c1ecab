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

}  // namespace
}  // namespace sibyl::cql::protocol
