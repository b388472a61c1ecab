// Multi-cell columns (issue 11): the element and collection-deletion cell names, their merge
// with CellWins/MergeRow (memtable, merge operator, compaction) and their resolution on reads
// (ResolveRow, the RocksDB engine), dropped columns included.
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "engine_test_base.h"
#include "storage/complex_cells.h"
#include "storage/rocksdb_engine.h"
#include "storage/row_codec.h"

namespace sibyl::storage {
namespace {

namespace fs = std::filesystem;

Cell Value(int64_t ts, std::string v = "") { return Cell{ts, 0, 0, false, std::move(v)}; }
Cell Tombstone(int64_t ts) { return Cell{ts, 0, 100, true, ""}; }

// "name=value@ts ..." with element names as column[path] and deletions as column[-]@ts.
std::string Render(const Row& row) {
  std::string out;
  for (const auto& [name, cell] : row.cells) {
    const CellNameParts p = SplitCellName(name);
    if (!out.empty()) out += " ";
    out += std::string(p.column);
    if (p.kind == CellNameKind::kElement) out += "[" + std::string(p.path) + "]";
    if (p.kind == CellNameKind::kCollectionDeletion) out += "[-]";
    out += cell.tombstone ? "=X" : "=" + cell.value;
    out += "@" + std::to_string(cell.timestamp);
  }
  return out;
}

TEST(ComplexCellNames, SplitElementDeletionSimpleAndMetadata) {
  const std::string element = ElementCellName("tags", "a\xfd\xfe" "b");
  CellNameParts p = SplitCellName(element);
  EXPECT_EQ(p.kind, CellNameKind::kElement);
  EXPECT_EQ(p.column, "tags");
  EXPECT_EQ(p.path, "a\xfd\xfe" "b");  // the path is opaque: any byte may follow the separator

  // CellNameParts are views into the name: keep each name alive while its parts are used.
  const std::string empty_element = ElementCellName("tags", "");
  p = SplitCellName(empty_element);
  EXPECT_EQ(p.kind, CellNameKind::kElement);  // an empty set element / map key
  EXPECT_EQ(p.path, "");

  const std::string deletion = CollectionDeletionCellName("tags");
  p = SplitCellName(deletion);
  EXPECT_EQ(p.kind, CellNameKind::kCollectionDeletion);
  EXPECT_EQ(p.column, "tags");

  p = SplitCellName("tags");
  EXPECT_EQ(p.kind, CellNameKind::kSimple);
  EXPECT_EQ(p.column, "tags");

  const std::string metadata = std::string(1, kRowMetadataCellPrefix) + "clustering\xfe";
  p = SplitCellName(metadata);
  EXPECT_EQ(p.kind, CellNameKind::kSimple);
  EXPECT_EQ(p.column, metadata);
  EXPECT_EQ(CellColumn(ElementCellName("m", "k")), "m");
}

// Columns whose names extend another's ("m", "m2", "ma", "mé") never interleave with its run.
TEST(ComplexCellNames, AColumnsCellsAreOneRunDeletionFirst) {
  std::map<std::string, Cell> cells;
  for (const char* other : {"m", "m2", "ma", "m\xc3\xa9", "l", "n"}) cells[other] = Value(1, "x");
  cells[ElementCellName("m", std::string("\x00\x01", 2))] = Value(1);
  cells[ElementCellName("m", "\xff")] = Value(1);
  cells[CollectionDeletionCellName("m")] = Tombstone(0);
  cells[ElementCellName("ma", "k")] = Value(1);
  std::vector<std::string> run;
  for (auto it = ComplexCellsBegin(cells, "m"); it != ComplexCellsEnd(cells, "m"); ++it) {
    run.push_back(it->first);
  }
  ASSERT_EQ(run.size(), 3u);
  EXPECT_EQ(run[0], CollectionDeletionCellName("m"));
  EXPECT_EQ(run[1], ElementCellName("m", std::string("\x00\x01", 2)));
  EXPECT_EQ(run[2], ElementCellName("m", "\xff"));
}

// Cassandra's complex deletion: elements written at or before it are gone, later ones stay,
// whatever order the writes are merged in (merge operator, memtable, compaction).
TEST(ComplexCellMerge, CollectionDeletionShadowsOlderElementsInEitherOrder) {
  Row elements;
  elements.cells[ElementCellName("s", "a")] = Value(10);
  elements.cells[ElementCellName("s", "b")] = Value(20);
  elements.cells[ElementCellName("t", "a")] = Value(5);  // another column: untouched
  Row overwrite;  // s = {'c'} at ts 20: deletion at 19, the new element at 20
  overwrite.cells[CollectionDeletionCellName("s")] = Tombstone(19);
  overwrite.cells[ElementCellName("s", "c")] = Value(20);

  Row a = elements;
  MergeRow(a, overwrite);
  Row b = overwrite;
  MergeRow(b, elements);
  EXPECT_EQ(Render(a), "s[-]=X@19 s[b]=@20 s[c]=@20 t[a]=@5");
  EXPECT_EQ(Render(a), Render(b));
}

TEST(ComplexCellMerge, ElementAtTheDeletionTimestampIsShadowedAndTheLaterDeletionWins) {
  Row row;
  row.cells[ElementCellName("m", "k")] = Value(7, "v");
  Row d1;
  d1.cells[CollectionDeletionCellName("m")] = Tombstone(3);
  Row d2;
  d2.cells[CollectionDeletionCellName("m")] = Tombstone(7);
  MergeRow(row, d1);
  EXPECT_EQ(Render(row), "m[-]=X@3 m[k]=v@7");
  MergeRow(row, d2);
  EXPECT_EQ(Render(row), "m[-]=X@7");
  MergeRow(row, d1);  // an older deletion changes nothing
  EXPECT_EQ(Render(row), "m[-]=X@7");
}

// Each element reconciles on its own, as a cell: an element tombstone (DELETE m[k]) beats the
// element it deletes, a later write of it wins again.
TEST(ComplexCellMerge, ElementsReconcileLikeCells) {
  Row row;
  row.cells[ElementCellName("m", "k")] = Value(5, "old");
  Row del;
  del.cells[ElementCellName("m", "k")] = Tombstone(6);
  MergeRow(row, del);
  EXPECT_EQ(Render(row), "m[k]=X@6");
  Row again;
  again.cells[ElementCellName("m", "k")] = Value(8, "new");
  MergeRow(row, again);
  EXPECT_EQ(Render(row), "m[k]=new@8");
}

TEST(ComplexCellResolve, LiveElementsOnlyAndTheRowIsLiveWhileOneIs) {
  Row row;
  row.cells[CollectionDeletionCellName("m")] = Tombstone(4);
  row.cells[ElementCellName("m", "a")] = Value(3, "shadowed");  // unmerged operand order
  row.cells[ElementCellName("m", "b")] = Value(5, "live");
  row.cells[ElementCellName("m", "c")] = Cell{5, 10, 50, false, "expired"};
  row.cells[ElementCellName("m", "d")] = Tombstone(6);
  auto live = ResolveRow(row, kNoTimestamp, 100);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(Render(*live), "m[b]=live@5");
  // Only the expired element left: no row (no marker).
  row.cells.erase(ElementCellName("m", "b"));
  EXPECT_FALSE(ResolveRow(row, kNoTimestamp, 100).has_value());
  // A row deletion or a covering range tombstone shadows elements like cells.
  Row one;
  one.cells[ElementCellName("m", "b")] = Value(5, "live");
  EXPECT_FALSE(ResolveRow(one, 5, 100).has_value());
  EXPECT_TRUE(ResolveRow(one, 4, 100).has_value());
}

// A dropped collection column's elements and deletion disappear; re-adding it does not bring
// back the elements written before the drop (Cassandra's dropped_columns, by drop time).
TEST(ComplexCellResolve, DroppedColumnHidesItsElementsUpToTheDropTime) {
  Row row;
  row.cells["v"] = Value(1, "x");
  row.cells[ElementCellName("tags", "a")] = Value(10);
  row.cells[ElementCellName("tags", "b")] = Value(30);
  DroppedColumns dropped{{"tags", 20}};
  auto live = ResolveRow(row, kNoTimestamp, 100, &dropped);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(Render(*live), "tags[b]=@30 v=x@1");
  row.cells.erase("v");
  row.cells.erase(ElementCellName("tags", "b"));
  EXPECT_FALSE(ResolveRow(row, kNoTimestamp, 100, &dropped).has_value());
}

// Compaction turns an expired element into a tombstone and purges it past gc_grace; the
// collection deletion is a tombstone and is purged the same way.
TEST(ComplexCellCompaction, ExpiresElementsAndPurgesDeletions) {
  Row row;
  row.cells[CollectionDeletionCellName("m")] = Cell{4, 0, 10, true, ""};
  row.cells[ElementCellName("m", "a")] = Cell{5, 10, 50, false, "expired"};
  row.cells[ElementCellName("m", "b")] = Value(5, "live");
  ASSERT_TRUE(CompactRow(row, 100, INT64_MIN));
  EXPECT_EQ(Render(row), "m[-]=X@4 m[a]=X@5 m[b]=live@5");
  ASSERT_TRUE(CompactRow(row, 100, 60));
  EXPECT_EQ(Render(row), "m[b]=live@5");
}

class ComplexCellEngineTest : public EngineTest {
 protected:
  void SetUp() override {
    RocksDbOptions o;
    o.gc_grace_seconds = 0;
    OpenEngine("sibyl-complex-", o, GetParam());
  }
  void Write(Row row, bool is_static = false) {
    PartitionMutation m;
    m.partition_key = "k";
    m.token = 1;
    if (is_static) {
      m.static_row = std::move(row);
    } else {
      m.rows.push_back(std::move(row));
    }
    ASSERT_TRUE(engine_->Apply({{"t", std::move(m)}}).ok());
  }
  std::string Read(const DroppedColumns* dropped = nullptr) {
    SliceQuery q;
    q.now_seconds = 1000;
    q.dropped_columns = dropped;
    auto p = engine_->ReadPartition("t", "k", 1, q);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    std::string out;
    if (p->static_row) out += "static: " + Render(*p->static_row) + "; ";
    for (const auto& r : p->rows) out += "row: " + Render(r);
    return out;
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, ComplexCellEngineTest, testing::ValuesIn(EngineKinds()),
                         EngineKindName);

// Blind writes through the merge operator, before and after a flush and a compaction.
TEST_P(ComplexCellEngineTest, BlindElementWritesAndDeletionsMergeInStorage) {
  Row add;
  add.cells[ElementCellName("s", "a")] = Value(10);
  add.cells[ElementCellName("s", "b")] = Value(10);
  Write(add);
  Row more;
  more.cells[ElementCellName("s", "c")] = Value(12);
  Write(more);
  Row replace;
  replace.cells[CollectionDeletionCellName("s")] = Tombstone(11);
  replace.cells[ElementCellName("s", "d")] = Value(12);
  Write(replace);
  EXPECT_EQ(Read(), "row: s[c]=@12 s[d]=@12");
  ASSERT_TRUE(engine_->Flush().ok());
  Compact();
  EXPECT_EQ(Read(), "row: s[c]=@12 s[d]=@12");
  Row remove;  // DELETE s: the row had only collection cells, so it is gone
  remove.cells[CollectionDeletionCellName("s")] = Tombstone(12);
  Write(remove);
  EXPECT_EQ(Read(), "");
}

TEST_P(ComplexCellEngineTest, StaticCollectionAndDroppedColumn) {
  Row s;
  s.cells[ElementCellName("st", "x")] = Value(5, "1");
  Write(s, /*is_static=*/true);
  Row r;
  r.cells[ElementCellName("m", "k")] = Value(5, "v");
  r.cells["v"] = Value(5, "x");
  Write(r);
  EXPECT_EQ(Read(), "static: st[x]=1@5; row: m[k]=v@5 v=x@5");
  DroppedColumns dropped{{"m", 6}, {"st", 6}};
  EXPECT_EQ(Read(&dropped), "row: v=x@5");
}

}  // namespace
}  // namespace sibyl::storage
