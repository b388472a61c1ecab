// Large values in the RocksDB engine (issue 9 item 10): rows above kLargeValueBytes live in
// blob files once compacted and in blocks of their own before; merges over them, overwrites,
// TTL expiry and blob garbage collection stay correct, and reading a neighbour of a large row
// does not read the large row's block.
#include <gtest/gtest.h>
#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>

#include <ctime>
#include <filesystem>
#include <random>

#include "engine_test_base.h"
#include "storage/rocksdb_engine.h"
#include "storage/rocksdb_large_values.h"
#include "storage/row_codec.h"

namespace sibyl::storage {
namespace {

namespace fs = std::filesystem;

// Compaction expires TTLs by the wall clock, so reads use it too.
const int64_t kNow = std::time(nullptr);

class LargeValuesTest : public EngineTest {
 protected:
  void SetUp() override {
    RocksDbOptions o;
    o.gc_grace_seconds = 0;
    OpenEngine("sibyl-large-", o);
  }

  // Random bytes: LZ4 cannot shrink them, so a block or blob holding one is at least this big.
  static std::string Large(size_t size, uint32_t seed) {
    std::mt19937 rng(seed);
    std::string out(size, '\0');
    for (auto& c : out) c = static_cast<char>(rng());
    return out;
  }
  void Put(int64_t token, const std::string& column, int64_t ts, std::string value,
           int32_t ttl = 0, int64_t expires = 0) {
    PartitionMutation m;
    m.partition_key = "k" + std::to_string(token);
    m.token = token;
    Row row;
    row.cells[column] = Cell{ts, ttl, expires, false, std::move(value)};
    m.rows.push_back(std::move(row));
    ASSERT_TRUE(engine_->Apply({{"t", std::move(m)}}).ok());
  }
  // The live cells of the partition's row: "column=<size>:<first byte>" each, or "-".
  std::string Read(int64_t token) {
    SliceQuery q;
    q.now_seconds = kNow;
    auto p = engine_->ReadPartition("t", "k" + std::to_string(token), token, q);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok() || p->rows.empty()) return "-";
    std::string out;
    for (const auto& [name, cell] : p->rows[0].cells) {
      out += name + "=" + std::to_string(cell.value.size()) + " ";
    }
    return out;
  }
  std::string Value(int64_t token, const std::string& column) {
    SliceQuery q;
    q.now_seconds = kNow;
    auto p = engine_->ReadPartition("t", "k" + std::to_string(token), token, q);
    if (!p.ok() || p->rows.empty() || !p->rows[0].cells.count(column)) return "";
    return p->rows[0].cells.at(column).value;
  }
  int BlobFiles() const {
    int n = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) n += entry.path().extension() == ".blob";
    return n;
  }
  void Compact() { ASSERT_TRUE(CompactForTesting(*engine_).ok()); }
};

TEST_F(LargeValuesTest, LargeRowsMoveToBlobFilesAndReadBackWhole) {
  const std::string big = Large(3 * kLargeValueBytes, 1);
  Put(10, "v", 10, big);
  Put(11, "v", 10, "small");
  Compact();
  EXPECT_EQ(BlobFiles(), 1);
  EXPECT_EQ(Value(10, "v"), big);
  EXPECT_EQ(Value(11, "v"), "small");
}

TEST_F(LargeValuesTest, MergesOverABlobValueAreReconciled) {
  const std::string big1 = Large(2 * kLargeValueBytes, 1);
  const std::string big2 = Large(2 * kLargeValueBytes, 2);
  Put(10, "v", 10, big1);
  Put(10, "w", 10, "w1");
  Compact();  // the row is now a value in a blob file
  ASSERT_EQ(BlobFiles(), 1);
  Put(10, "w", 20, "w2");  // merge operands over the blob value, in the memtable...
  Put(10, "v", 5, big2);   // ...including an older large cell, which loses
  EXPECT_EQ(Value(10, "v"), big1);
  EXPECT_EQ(Value(10, "w"), "w2");
  ASSERT_TRUE(engine_->Flush().ok());  // ...and from a table file
  EXPECT_EQ(Value(10, "v"), big1);
  EXPECT_EQ(Value(10, "w"), "w2");
  Compact();
  EXPECT_EQ(Value(10, "v"), big1);
  EXPECT_EQ(Value(10, "w"), "w2");
}

TEST_F(LargeValuesTest, OverwrittenLargeValuesAreGarbageCollected) {
  std::string last;
  for (uint32_t round = 1; round <= 4; ++round) {
    last = Large(2 * kLargeValueBytes, round);
    Put(10, "v", round * 10, last);
    Put(11, "v", round * 10, "s" + std::to_string(round));
    Compact();
    EXPECT_EQ(Value(10, "v"), last);
    EXPECT_EQ(Value(11, "v"), "s" + std::to_string(round));
  }
  // Each compaction leaves the previous blob file with nothing live, and it is deleted.
  EXPECT_EQ(BlobFiles(), 1);
}

TEST_F(LargeValuesTest, ExpiredLargeCellsArePurgedFromBlobFiles) {
  Put(10, "v", 10, Large(2 * kLargeValueBytes, 1), /*ttl=*/3600, /*expires=*/kNow + 3600);
  Compact();
  ASSERT_EQ(BlobFiles(), 1);
  EXPECT_EQ(Read(10), "v=" + std::to_string(2 * kLargeValueBytes) + " ");
  Put(10, "v", 5, Large(2 * kLargeValueBytes, 2), /*ttl=*/60, /*expires=*/kNow - 1);
  Put(20, "v", 10, Large(2 * kLargeValueBytes, 3), /*ttl=*/60, /*expires=*/kNow - 1);
  Compact();  // the compaction filter sees the blob's row: expired cells become tombstones
  EXPECT_EQ(Read(20), "-");
  EXPECT_EQ(Read(10), "v=" + std::to_string(2 * kLargeValueBytes) + " ");
}

// The original report: one large cell made reads of every row stored near it decompress it.
TEST_F(LargeValuesTest, ReadingNeighboursDoesNotReadTheLargeRowsBlock) {
  const size_t big_size = 64 * kLargeValueBytes;  // 1 MiB, incompressible
  for (int64_t token = 1; token <= 200; ++token) {
    Put(token, "v", 10, token == 100 ? Large(big_size, 1) : std::string(100, 'x'));
  }
  // Flushed but not compacted: the large row is a merge operand inside a table file.
  ASSERT_TRUE(engine_->Flush().ok());
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  for (int64_t token = 1; token <= 200; ++token) {
    if (token != 100) EXPECT_EQ(Read(token), "v=100 ");
  }
  ScanQuery scan;
  scan.start_token = 101;
  auto after = engine_->ScanPartitions("t", scan);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 100u);
  const uint64_t read_bytes = rocksdb::get_perf_context()->block_read_byte;
  EXPECT_LT(read_bytes, big_size / 4) << "bytes of blocks read for the neighbours";
  // The large row itself reads whole.
  EXPECT_EQ(Value(100, "v").size(), big_size);
  EXPECT_GE(rocksdb::get_perf_context()->block_read_byte, read_bytes + big_size);
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
}

// The size max_mutation_size is checked against is what the engine stores: keys and encodings.
TEST(SerializedSize, IsTheBytesOfTheStoredKeysAndValues) {
  PartitionMutation m;
  m.partition_key = "pk";
  m.partition_deletion = Deletion{5, 100};
  m.range_tombstones.push_back({ClusteringRange{{"a", true}, {"bc", false}}, Deletion{6, 100}});
  Row stat;
  stat.cells["s"] = Cell{7, 0, 0, false, "static"};
  m.static_row = stat;
  Row r1;
  r1.clustering = "c1";
  r1.marker.timestamp = 8;
  r1.cells["v"] = Cell{8, 60, 160, false, std::string(1000, 'v')};
  r1.cells["w"] = Cell{8, 0, 100, true, ""};
  Row r2;
  r2.clustering = "c22";
  r2.deletion = Deletion{9, 100};
  m.rows = {r1, r2};
  PartitionHeader header{m.partition_deletion, m.range_tombstones, m.static_row};
  const uint64_t key = 8 + 2 + m.partition_key.size() + 1;
  const uint64_t expected = key + EncodeHeader(header).size() + key + 2 + EncodeRow(r1).size() +
                            key + 3 + EncodeRow(r2).size();
  EXPECT_EQ(SerializedSize(m), expected);
  m.partition_deletion = Deletion{};
  m.range_tombstones.clear();
  m.static_row.reset();
  EXPECT_EQ(SerializedSize(m), key + 2 + EncodeRow(r1).size() + key + 3 + EncodeRow(r2).size());
}

}  // namespace
}  // namespace sibyl::storage
