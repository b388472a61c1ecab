// Point reads of tables without clustering columns (issue 14): SliceQuery::single_row makes the
// RocksDB engine fetch the header and the one row by key; the answer must be exactly the
// iterator's, whatever the partition holds (nothing, a live row, a deleted row, a static row,
// overwrites still as merge operands, after a flush) and whatever the slice asks.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine_test_base.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::storage {
namespace {

class SingleRowReadTest : public EngineTest {
 protected:
  void SetUp() override { OpenEngine("sibyl-single-row-", RocksDbOptions{}, GetParam()); }
  void Write(const std::string& key, int64_t ts, const std::string& value,
             std::optional<Deletion> partition_deletion = std::nullopt, bool with_static = false) {
    PartitionMutation m;
    m.partition_key = key;
    m.token = static_cast<int64_t>(std::hash<std::string>()(key));
    if (partition_deletion) m.partition_deletion = *partition_deletion;
    if (with_static) {
      Row s;
      s.cells["s"].timestamp = ts;
      s.cells["s"].value = "static-" + value;
      m.static_row = std::move(s);
    }
    if (!value.empty()) {
      Row row;
      row.marker.timestamp = ts;
      row.cells["v"].timestamp = ts;
      row.cells["v"].value = value;
      m.rows.push_back(std::move(row));
    }
    ASSERT_TRUE(engine_->Apply({{"t", std::move(m)}}).ok());
  }
  // Reads `key` both ways and checks they agree; returns the answer.
  ResolvedPartition Read(const std::string& key, SliceQuery q = {}) {
    const int64_t token = static_cast<int64_t>(std::hash<std::string>()(key));
    q.now_seconds = 1000;
    q.single_row = false;
    auto iterated = engine_->ReadPartition("t", key, token, q);
    q.single_row = true;
    auto fetched = engine_->ReadPartition("t", key, token, q);
    EXPECT_TRUE(iterated.ok() && fetched.ok());
    if (!iterated.ok() || !fetched.ok()) return {};
    EXPECT_EQ(iterated->rows, fetched->rows) << key;
    EXPECT_EQ(iterated->static_row, fetched->static_row) << key;
    EXPECT_EQ(iterated->more, fetched->more) << key;
    return *fetched;
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, SingleRowReadTest, testing::ValuesIn(EngineKinds()), EngineKindName);

TEST_P(SingleRowReadTest, AgreesWithTheIteratorOnEveryShape) {
  EXPECT_TRUE(Read("absent").rows.empty());
  Write("live", 10, "a");
  for (int i = 11; i < 60; ++i) Write("live", i, "v" + std::to_string(i));  // merge operands
  auto live = Read("live");
  ASSERT_EQ(live.rows.size(), 1u);
  EXPECT_EQ(live.rows[0].cells.at("v").value, "v59");
  Write("deleted", 10, "a");
  Write("deleted", 0, "", Deletion{20, 1});
  EXPECT_TRUE(Read("deleted").rows.empty());
  Write("static", 10, "a", std::nullopt, /*with_static=*/true);
  auto with_static = Read("static");
  ASSERT_TRUE(with_static.static_row.has_value());
  EXPECT_EQ(with_static.rows.size(), 1u);
  SliceQuery no_static;
  no_static.want_static = false;
  EXPECT_FALSE(Read("static", no_static).static_row.has_value());
  ASSERT_TRUE(engine_->Flush().ok());
  Write("live", 70, "after-flush");  // one operand in the memtable, the rest in a file
  EXPECT_EQ(Read("live").rows.at(0).cells.at("v").value, "after-flush");
}

TEST_P(SingleRowReadTest, HonoursLimitResumeAndOrder) {
  Write("k", 10, "a");
  SliceQuery zero;
  zero.row_limit = 0;
  EXPECT_TRUE(Read("k", zero).more);
  SliceQuery resumed;
  resumed.resume_after = "";  // the one row was returned already
  EXPECT_TRUE(Read("k", resumed).rows.empty());
  SliceQuery reversed;
  reversed.reversed = true;
  EXPECT_EQ(Read("k", reversed).rows.size(), 1u);
}

}  // namespace
}  // namespace sibyl::storage
