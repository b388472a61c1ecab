// Every engine against the Engine contract (RocksDB always, RADOS when its test pool is set:
// engine_test_base.h): blind writes reconciled on read, slices in both orders with limits and
// resume keys, deletions, TTL, scans in token order, durability across reopen (RADOS: another
// node), drop and truncate.
#include <gtest/gtest.h>

#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>

#include <filesystem>
#include <tuple>

#include "engine_test_base.h"
#include "storage/rocksdb_engine.h"
#include "storage/rocksdb_hot_keys.h"

namespace sibyl::storage {
namespace {

namespace fs = std::filesystem;

class EngineContractTest : public EngineTest {
 protected:
  void SetUp() override {
    RocksDbOptions o;
    o.gc_grace_seconds = 0;
    OpenEngine("sibyl-storage-", o, GetParam());
  }
  void Write(PartitionMutation m) { ASSERT_TRUE(engine_->Apply({{"t", std::move(m)}}).ok()); }
  static PartitionMutation Partition(const std::string& key, int64_t token) {
    PartitionMutation m;
    m.partition_key = key;
    m.token = token;
    return m;
  }
  static Row MakeRow(const std::string& ck, int64_t ts, const std::string& v, bool marker = true) {
    Row r;
    r.clustering = ck;
    if (marker) r.marker.timestamp = ts;
    r.cells["v"] = Cell{ts, 0, 0, false, v};
    return r;
  }
  // "ck=v ck=v ..." of a read.
  std::string Render(const std::string& key, int64_t token, SliceQuery q = {}) {
    if (q.now_seconds == 0) q.now_seconds = 1000;
    auto p = engine_->ReadPartition("t", key, token, q);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    std::string out;
    if (p->static_row) out += "static=" + p->static_row->cells.at("s").value + " ";
    for (const auto& r : p->rows) {
      auto it = r.cells.find("v");
      out += r.clustering + "=" + (it == r.cells.end() ? "-" : it->second.value) + " ";
    }
    if (p->more) out += "...";
    return out;
  }

};

INSTANTIATE_TEST_SUITE_P(Engines, EngineContractTest, testing::ValuesIn(EngineKinds()), EngineKindName);

TEST_P(EngineContractTest, LastWriteWinsRegardlessOfArrivalOrder) {
  auto m = Partition("k", 1);
  m.rows.push_back(MakeRow("a", 20, "new"));
  Write(m);
  m.rows = {MakeRow("a", 10, "old")};
  Write(m);
  EXPECT_EQ(Render("k", 1), "a=new ");
}

TEST_P(EngineContractTest, SlicesInBothOrdersWithLimitAndResume) {
  auto m = Partition("k", 1);
  for (std::string ck : {"a", "b", "c", "d", "e"}) m.rows.push_back(MakeRow(ck, 1, ck));
  Write(m);
  SliceQuery q;
  q.ranges = {{{"b", true}, {"d", true}}};
  EXPECT_EQ(Render("k", 1, q), "b=b c=c d=d ");
  q.reversed = true;
  EXPECT_EQ(Render("k", 1, q), "d=d c=c b=b ");
  q.row_limit = 2;
  EXPECT_EQ(Render("k", 1, q), "d=d c=c ...");
  q.resume_after = "c";
  EXPECT_EQ(Render("k", 1, q), "b=b ");
  SliceQuery excl;
  excl.ranges = {{{"a", false}, {"e", false}}};
  EXPECT_EQ(Render("k", 1, excl), "b=b c=c d=d ");
  excl.reversed = true;
  EXPECT_EQ(Render("k", 1, excl), "d=d c=c b=b ");
  SliceQuery two;
  two.ranges = {{{"a", true}, {"a", true}}, {{"d", true}, {}}};
  EXPECT_EQ(Render("k", 1, two), "a=a d=d e=e ");
  two.reversed = true;
  EXPECT_EQ(Render("k", 1, two), "e=e d=d a=a ");
}

TEST_P(EngineContractTest, RowRangeAndPartitionDeletions) {
  auto m = Partition("k", 1);
  for (std::string ck : {"a", "b", "c", "d"}) m.rows.push_back(MakeRow(ck, 10, ck));
  Write(m);
  auto del = Partition("k", 1);
  Row row_del;
  row_del.clustering = "a";
  row_del.deletion = {11, 100};
  del.rows.push_back(row_del);
  del.range_tombstones.push_back({{{"b", true}, {"c", true}}, {11, 100}});
  Write(del);
  EXPECT_EQ(Render("k", 1), "d=d ");
  auto newer = Partition("k", 1);
  newer.rows.push_back(MakeRow("b", 12, "back"));
  Write(newer);
  EXPECT_EQ(Render("k", 1), "b=back d=d ");
  auto whole = Partition("k", 1);
  whole.partition_deletion = {12, 100};
  Write(whole);
  EXPECT_EQ(Render("k", 1), "");
}

TEST_P(EngineContractTest, TtlExpiresAtItsTime) {
  auto m = Partition("k", 1);
  Row r;
  r.clustering = "a";
  r.marker = {1, 10, 500};
  r.cells["v"] = Cell{1, 10, 500, false, "x"};
  m.rows.push_back(r);
  Write(m);
  SliceQuery before;
  before.now_seconds = 499;
  EXPECT_EQ(Render("k", 1, before), "a=x ");
  SliceQuery after;
  after.now_seconds = 500;
  EXPECT_EQ(Render("k", 1, after), "");
}

TEST_P(EngineContractTest, StaticRowIsReturnedWithThePartition) {
  auto m = Partition("k", 1);
  m.static_row.emplace();
  m.static_row->cells["s"] = Cell{1, 0, 0, false, "shared"};
  Write(m);
  EXPECT_EQ(Render("k", 1), "static=shared ");
}

TEST_P(EngineContractTest, ScansPartitionsInTokenOrderAndResumes) {
  for (int64_t token : std::vector<int64_t>{30, -5, 10, INT64_MIN + 1, INT64_MAX}) {
    auto m = Partition("p" + std::to_string(token), token);
    m.rows.push_back(MakeRow("", 1, "x"));
    Write(m);
  }
  ScanQuery q;
  auto all = engine_->ScanPartitions("t", q);
  ASSERT_TRUE(all.ok());
  std::vector<int64_t> tokens;
  for (const auto& p : *all) tokens.push_back(p.token);
  EXPECT_EQ(tokens, (std::vector<int64_t>{INT64_MIN + 1, -5, 10, 30, INT64_MAX}));
  q.start_token = -5;
  q.start_inclusive = false;
  q.end_token = 30;
  q.max_partitions = 1;
  auto first = engine_->ScanPartitions("t", q);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].token, 10);
  q.resume_after = (*first)[0];
  auto second = engine_->ScanPartitions("t", q);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].token, 30);
}

TEST_P(EngineContractTest, DataAndTablesSurviveReopen) {
  auto m = Partition("k", 1);
  m.rows.push_back(MakeRow("a", 1, "durable"));
  Write(m);
  Reopen();
  EXPECT_EQ(Render("k", 1), "a=durable ");
}

TEST_P(EngineContractTest, TruncateEmptiesAndDropRemoves) {
  auto m = Partition("k", 1);
  m.rows.push_back(MakeRow("a", 1, "x"));
  Write(m);
  ASSERT_TRUE(engine_->TruncateTable("t").ok());
  EXPECT_EQ(Render("k", 1), "");
  ASSERT_TRUE(engine_->DropTable("t").ok());
  EXPECT_EQ(engine_->Apply({{"t", m}}).code(), ErrorCode::kNotFound);
  EXPECT_EQ(engine_->ReadPartition("t", "k", 1, {}).status().code(), ErrorCode::kNotFound);
}

TEST_P(EngineContractTest, MultiTableApplyIsOneWrite) {
  ASSERT_TRUE(engine_->CreateTable("u").ok());
  auto m = Partition("k", 1);
  m.rows.push_back(MakeRow("a", 1, "x"));
  EXPECT_EQ(engine_->Apply({{"t", m}, {"missing", m}}).code(), ErrorCode::kNotFound);
  EXPECT_EQ(Render("k", 1), "");  // nothing of a refused batch is applied
  ASSERT_TRUE(engine_->Apply({{"t", m}, {"u", m}}).ok());
  EXPECT_EQ(Render("k", 1), "a=x ");
}

// A hot key (issue 14, storage/rocksdb_hot_keys.h): every write is a merge operand, and a read
// merged all of a key's operands still in the memtable, so 1,000 overwrites between flushes made
// each read merge 1,000. Once a merge of 128+ operands was seen, writes fold a key's operands
// when 32 are in a row: a read merges at most that many, and still sees the newest write.
class HotKeyTest : public EngineTest {
 protected:
  void SetUp() override { OpenEngine("sibyl-hot-key-", RocksDbOptions{}, EngineKind::kRocksDb); }
  void Overwrite(const std::string& key, int64_t from, int64_t to) {
    for (int64_t ts = from; ts <= to; ++ts) {
      PartitionMutation m = OneRowWrite(key, 1, std::to_string(ts));
      m.rows[0].marker.timestamp = ts;
      m.rows[0].cells["v"].timestamp = ts;
      ASSERT_TRUE(engine_->Apply({{"t", std::move(m)}}).ok());
    }
  }
  // The value of `key`'s row, and how many operands the read merged (RocksDB's count).
  std::pair<std::string, uint64_t> Read(const std::string& key) {
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
    rocksdb::get_perf_context()->Reset();
    SliceQuery q;
    q.now_seconds = 1000;
    auto p = engine_->ReadPartition("t", key, 1, q);  // a clustering row: read by an iterator
    const uint64_t merged = rocksdb::get_perf_context()->internal_merge_count;
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok() || p->rows.size() != 1) return {"", merged};
    return {p->rows[0].cells.at("v").value, merged};
  }
};

TEST_F(HotKeyTest, UniformKeysLeaveWritesUnbounded) {
  for (int k = 0; k < 200; ++k) Overwrite("k" + std::to_string(k), 1, 10);
  for (int k = 0; k < 200; ++k) ASSERT_EQ(Read("k" + std::to_string(k)).first, "10");
  EXPECT_FALSE(WaitForHotKeyCapForTesting(*engine_, std::chrono::milliseconds(0)));
}

TEST_F(HotKeyTest, AfterAHotKeyReadsOfAThousandOverwritesMergeAFewOperands) {
  Overwrite("k", 1, 1000);
  auto [value, merged] = Read("k");
  EXPECT_EQ(value, "1000");
  EXPECT_GT(merged, 900u);  // unbounded until a hot key is seen: this read is the sighting
  Overwrite("k", 1001, 1001);  // the first write after it bounds every table
  ASSERT_TRUE(WaitForHotKeyCapForTesting(*engine_, std::chrono::seconds(30)));
  Overwrite("k", 1002, 3000);
  std::tie(value, merged) = Read("k");
  EXPECT_EQ(value, "3000");
  EXPECT_LE(merged, 2u * (HotKeys::kCap + 1));  // the row's operands and the header's
  Overwrite("other", 1, 1000);  // every key of the table, not only the one seen
  std::tie(value, merged) = Read("other");
  EXPECT_EQ(value, "1000");
  EXPECT_LE(merged, 2u * (HotKeys::kCap + 1));
}

}  // namespace
}  // namespace sibyl::storage
