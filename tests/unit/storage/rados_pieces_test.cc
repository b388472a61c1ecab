// The persisted formats of big partitions (storage/rados_pieces.h, docs/dev/rados-mapping.md
// "Big partitions"): round trips, the piece owning a clustering, and hostile bytes rejected.
#include "storage/rados_pieces.h"

#include <gtest/gtest.h>

namespace sibyl::storage::rados {
namespace {

TEST(RadosPieces, SpillLeaseRoundTripsIdleAndBusy) {
  EXPECT_EQ(*ParseSpill(""), SpillState{});
  SpillState idle{7, false, 0, "", ""};
  EXPECT_EQ(FormatSpill(idle), "00000000000000000007");
  EXPECT_EQ(*ParseSpill(FormatSpill(idle)), idle);
  SpillState busy{8, true, 123456789, "0123456789abcdef", std::string("\x01\x00\xff", 3)};
  EXPECT_EQ(*ParseSpill(FormatSpill(busy)), busy);
  SpillState busy_no_key{9, true, 5, "0123456789abcdef", ""};
  EXPECT_EQ(*ParseSpill(FormatSpill(busy_no_key)), busy_no_key);
}

TEST(RadosPieces, MalformedSpillLeaseIsCorruption) {
  const std::string busy = FormatSpill({8, true, 1, "0123456789abcdef", "ab"});
  for (std::string bad :
       {std::string("12"), std::string("0000000000000000000x"), busy.substr(0, 30), busy + "0",
        busy.substr(0, 58) + "XY", std::string(20, '0') + ":" + std::string(20, '1'),
        // 20 digits past 2^64 - 1, as version and as deadline (std::stoull threw out of the
        // decoder; seen while adding these decoders to fuzz_rados_objects)
        std::string(20, '9'), FormatSpill({8, false, 0, "", ""}) + ":" + std::string(20, '9') +
                                  ":0123456789abcdef:"}) {
    auto parsed = ParseSpill(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kCorruption);
  }
  EXPECT_FALSE(ParseSpill(std::string(kMaxSpillXattr + 2, '0')).ok());
}

TEST(RadosPieces, RangeRoundTripsAndCovers) {
  PieceRange all{"", std::nullopt};
  PieceRange low{"", std::string("\x05", 1)};
  PieceRange high{std::string("\x05", 1), std::nullopt};
  for (const auto& r : {all, low, high, PieceRange{"ab", "cd"}}) {
    EXPECT_EQ(*DecodePieceRange(EncodePieceRange(r)), r);
  }
  EXPECT_TRUE(all.Covers(low));
  EXPECT_TRUE(all.Covers(high));
  EXPECT_FALSE(low.Covers(all));  // a split shrank it: a reader with the old map restarts
  EXPECT_FALSE(high.Covers(all));
  EXPECT_TRUE(low.Covers(PieceRange{"", std::string("\x04", 1)}));
  for (std::string bad : {std::string(), std::string("\x02\0\0\0\0\0", 6),
                          std::string("\x01\0\0\0\x09"
                                      "ab\0",
                                      8),
                          std::string("\x01\0\0\0\0\x02", 6)}) {
    auto decoded = DecodePieceRange(bad);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), ErrorCode::kCorruption);
  }
}

TEST(RadosPieces, MapEntriesAndTheOwningPiece) {
  const std::string id = NewPieceId();
  ASSERT_EQ(id.size(), kPieceIdSize);
  EXPECT_NE(id, NewPieceId());
  auto ref = ParsePieceMapEntry(PieceMapKey("m"), id);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(*ref, (PieceRef{"m", id}));
  EXPECT_FALSE(ParsePieceMapEntry(PieceMapKey("m"), "short").ok());
  EXPECT_FALSE(ParsePieceMapEntry(PieceMapKey("m"), "0123456789ABCDEF").ok());
  EXPECT_FALSE(ParsePieceMapEntry(std::string("\x01m"), id).ok());
  EXPECT_EQ(PieceObjectName("p.a.b", id), "p.a.b." + id);
  const std::vector<PieceRef> map = {{"", "a"}, {"f", "b"}, {"m", "c"}};
  EXPECT_EQ(PieceOf(map, ""), 0u);
  EXPECT_EQ(PieceOf(map, "e\xff"), 0u);
  EXPECT_EQ(PieceOf(map, "f"), 1u);
  EXPECT_EQ(PieceOf(map, "l"), 1u);
  EXPECT_EQ(PieceOf(map, "m"), 2u);
  EXPECT_EQ(PieceOf(map, "zz"), 2u);
}

TEST(RadosPieces, NumbersRejectGarbage) {
  EXPECT_EQ(*ParseNumber("", "gen"), 0u);
  EXPECT_EQ(*ParseNumber(FormatNumber(12345), "gen"), 12345u);
  EXPECT_FALSE(ParseNumber("12a", "gen").ok());
  EXPECT_FALSE(ParseNumber(std::string(20, '9'), "count").ok());
}

}  // namespace
}  // namespace sibyl::storage::rados
