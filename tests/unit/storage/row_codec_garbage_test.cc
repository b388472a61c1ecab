// The stored-value decoders are bounds-safe on their own (issue 9 item 2): any byte string,
// truncated or mutated, decodes to kCorruption or to a value, never reads outside its bytes
// (shown under ASan) and never allocates what a length field claims without the bytes.
#include <gtest/gtest.h>

#include <random>

#include "storage/row_codec.h"

namespace sibyl::storage {
namespace {

Row SampleRow() {
  Row row;
  row.marker.timestamp = 7;
  row.cells["a"] = Cell{5, 0, 0, false, "value"};
  row.cells["bb"] = Cell{6, 60, 1000, false, std::string(300, 'x')};
  row.cells["c"] = Cell{4, 0, 90, true, ""};
  return row;
}

PartitionHeader SampleHeader() {
  PartitionHeader h;
  h.deletion = {3, 30};
  h.range_tombstones.push_back({ClusteringRange{{"\x01\x02", true}, {"\x01\x09", false}}, {4, 40}});
  h.static_row = SampleRow();
  return h;
}

TEST(RowCodecGarbage, EveryTruncationIsCorruption) {
  const std::string row = EncodeRow(SampleRow());
  const std::string header = EncodeHeader(SampleHeader());
  ASSERT_TRUE(DecodeRow(row).ok());
  ASSERT_TRUE(DecodeHeader(header).ok());
  for (size_t n = 0; n < row.size(); ++n) {
    EXPECT_EQ(DecodeRow(row.substr(0, n)).status().code(), ErrorCode::kCorruption) << n;
  }
  for (size_t n = 0; n < header.size(); ++n) {
    EXPECT_EQ(DecodeHeader(header.substr(0, n)).status().code(), ErrorCode::kCorruption) << n;
  }
}

TEST(RowCodecGarbage, HugeCountsAndLengthsAreCorruptionNotAllocations) {
  std::string row = EncodeRow(Row{});
  // The cell count is the last 4 bytes of an empty row: claim 2^32 - 1 cells.
  row.replace(row.size() - 4, 4, "\xff\xff\xff\xff");
  EXPECT_EQ(DecodeRow(row).status().code(), ErrorCode::kCorruption);
  std::string one = EncodeRow(SampleRow());
  // The first cell's name length follows the fixed part (2 + 36 + 4 bytes): claim 4 GiB.
  one.replace(42, 4, "\xff\xff\xff\xff");
  EXPECT_EQ(DecodeRow(one).status().code(), ErrorCode::kCorruption);
}

TEST(RowCodecGarbage, RandomMutationsNeverCrash) {
  const std::string row = EncodeRow(SampleRow());
  const std::string header = EncodeHeader(SampleHeader());
  std::mt19937 rng(9);
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = round % 2 ? row : header;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    if (rng() % 3 == 0) bytes.resize(rng() % bytes.size());
    auto r = DecodeRow(bytes);
    auto h = DecodeHeader(bytes);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kCorruption);
    }
    if (!h.ok()) {
      EXPECT_EQ(h.status().code(), ErrorCode::kCorruption);
    }
  }
}

}  // namespace
}  // namespace sibyl::storage
