#include "cql/protocol/frame.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/cql_protocol/test_util.h"

namespace sibyl::cql::protocol {
namespace {

using ::sibyl::testing::Hex;
using ::sibyl::testing::StatusIs;
using ::sibyl::testing::ToHex;
using ::testing::HasSubstr;

TEST(FrameDecoder, NeedsNineBytesForAV4Header) {
  const std::string full = Hex("04 00 00 07 05 00 00 00 00");
  for (size_t n = 0; n < full.size(); ++n) {
    FrameHeader header;
    EXPECT_EQ(DecodeHeader(full.substr(0, n), &header).code(), ErrorCode::kNeedMoreData) << n;
  }
}

TEST(FrameDecoder, DecodesEveryField) {
  FrameHeader header;
  ASSERT_TRUE(DecodeHeader(Hex("04 1f 12 34 07 00 00 01 02 ff ff"), &header).ok());
  EXPECT_EQ(header.version, 4);
  EXPECT_FALSE(header.is_response);
  EXPECT_EQ(header.flags, 0x1f);
  EXPECT_TRUE(HasFlag(header.flags, FrameFlag::kCompression));
  EXPECT_TRUE(HasFlag(header.flags, FrameFlag::kTracing));
  EXPECT_TRUE(HasFlag(header.flags, FrameFlag::kCustomPayload));
  EXPECT_TRUE(HasFlag(header.flags, FrameFlag::kWarning));
  EXPECT_TRUE(HasFlag(header.flags, FrameFlag::kBeta));
  EXPECT_EQ(header.stream, 0x1234);
  EXPECT_EQ(header.opcode, 0x07);
  EXPECT_EQ(header.length, 0x102);
  EXPECT_EQ(header.size(), 9u);
}

TEST(FrameDecoder, NegativeStreamIsSigned) {
  FrameHeader header;
  ASSERT_TRUE(DecodeHeader(Hex("03 00 ff ff 05 00 00 00 00"), &header).ok());
  EXPECT_EQ(header.version, 3);
  EXPECT_EQ(header.stream, -1);
}

TEST(FrameDecoder, RejectsNegativeLength) {
  FrameHeader header;
  EXPECT_THAT(DecodeHeader(Hex("04 00 00 01 07 80 00 00 00"), &header),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("Invalid frame body length")));
  EXPECT_EQ(header.stream, 1);
}

TEST(FrameDecoder, FrameOverTheMaximumIsCassandrasInvalidRequest) {
  // issue 9: Cassandra's Envelope.Decoder counts the header in the length and answers
  // InvalidRequest on the frame's stream; the header is whole so the body can be skipped.
  FrameHeader header;
  EXPECT_TRUE(DecodeHeader(Hex("04 00 00 01 07 00 00 00 f7"), &header, 256).ok());
  EXPECT_THAT(DecodeHeader(Hex("04 00 00 03 07 00 00 00 f8"), &header, 256),
              StatusIs(ErrorCode::kInvalid,
                       "Request is too big: length 257 exceeds maximum allowed length 256."));
  EXPECT_EQ(header.stream, 3);
  EXPECT_EQ(header.opcode, 0x07);
  EXPECT_EQ(header.length, 0xf8);
}

TEST(FrameDecoder, DefaultMaximumIsCassandras16MiB) {
  FrameHeader header;
  EXPECT_EQ(kDefaultMaxFrameSize, 16 << 20);
  EXPECT_TRUE(DecodeHeader(Hex("04 00 00 01 07 00 ff ff f7"), &header).ok());
  EXPECT_THAT(DecodeHeader(Hex("04 00 00 01 07 00 ff ff f8"), &header),
              StatusIs(ErrorCode::kInvalid, HasSubstr("exceeds maximum allowed length 16777216.")));
}

TEST(FrameDecoder, RejectsV5WithCassandrasMessageAndKeepsTheStream) {
  FrameHeader header;
  EXPECT_THAT(DecodeHeader(Hex("05 00 00 2a 05 00 00 00 00"), &header),
              StatusIs(ErrorCode::kProtocolError,
                       "Invalid or unsupported protocol version (5); supported versions are "
                       "(3/v3, 4/v4)"));
  EXPECT_EQ(header.version, 5);
  EXPECT_EQ(header.stream, 42);
  EXPECT_EQ(ResponseVersionFor(header.version), 4);
}

TEST(FrameDecoder, RejectsGarbageVersionAndAnswersInV4) {
  FrameHeader header;
  // 0x42 is not a protocol version; some clients send it.
  EXPECT_THAT(DecodeHeader(Hex("42 00 00 00 05 00 00 00 00"), &header),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("protocol version (66)")));
  EXPECT_EQ(ResponseVersionFor(header.version), 4);
  EXPECT_EQ(ResponseVersionFor(0), 4);
  EXPECT_EQ(ResponseVersionFor(0x7f), 4);
}

TEST(FrameDecoder, RejectsV1AndV2InTheirOwnEightByteLayout) {
  FrameHeader header;
  EXPECT_EQ(DecodeHeader(Hex("02 00 07 05 00 00 00"), &header).code(), ErrorCode::kNeedMoreData);
  EXPECT_THAT(DecodeHeader(Hex("02 00 07 05 00 00 00 00"), &header),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("protocol version (2)")));
  EXPECT_EQ(header.stream, 7);
  EXPECT_EQ(header.size(), 8u);
  EXPECT_EQ(ResponseVersionFor(2), 2);
  EXPECT_EQ(ResponseVersionFor(1), 1);
}

TEST(FrameDecoder, RejectsAResponseSentToTheServer) {
  FrameHeader header;
  EXPECT_THAT(DecodeHeader(Hex("84 00 00 00 05 00 00 00 00"), &header),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("direction")));
  EXPECT_TRUE(DecodeHeader(Hex("84 00 00 00 02 00 00 00 00"), &header, kDefaultMaxFrameSize,
                           /*expect_request=*/false)
                  .ok());
  EXPECT_TRUE(header.is_response);
}

TEST(FrameEncoder, WritesTheDirectionBitAndBigEndianFields) {
  FrameHeader header;
  header.version = 4;
  header.is_response = true;
  header.flags = static_cast<uint8_t>(FrameFlag::kCompression);
  header.stream = -1;
  header.opcode = 0x0C;
  header.length = 0x01020304;
  std::string out;
  EncodeHeader(header, &out);
  EXPECT_EQ(ToHex(out), "84 01 ff ff 0c 01 02 03 04");
}

TEST(FrameEncoder, WritesLegacyHeadersWithAOneByteStream) {
  FrameHeader header;
  header.version = 2;
  header.is_response = true;
  header.stream = 7;
  header.opcode = 0x00;
  header.length = 5;
  std::string out;
  EncodeHeader(header, &out);
  EXPECT_EQ(ToHex(out), "82 00 07 00 00 00 00 05");
}

TEST(FrameEncoder, RoundTrips) {
  FrameHeader header;
  header.version = 3;
  header.stream = 300;
  header.opcode = 0x0A;
  header.length = 12;
  std::string out;
  EncodeHeader(header, &out);
  FrameHeader decoded;
  ASSERT_TRUE(DecodeHeader(out, &decoded).ok());
  EXPECT_EQ(decoded.version, 3);
  EXPECT_EQ(decoded.stream, 300);
  EXPECT_EQ(decoded.opcode, 0x0A);
  EXPECT_EQ(decoded.length, 12);
}

}  // namespace
}  // namespace sibyl::cql::protocol
