#include "storage/row_codec.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "storage/complex_cells.h"

namespace sibyl::storage {
namespace {

// Big-endian fields written at a cursor into space already sized for them.
char* StoreU32(char* p, uint32_t v) {
  for (int i = 3; i >= 0; --i) *p++ = static_cast<char>(v >> (8 * i));
  return p;
}
char* StoreI64(char* p, int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  for (int i = 7; i >= 0; --i) *p++ = static_cast<char>(u >> (8 * i));
  return p;
}
char* StoreBytes(char* p, std::string_view b) {
  p = StoreU32(p, static_cast<uint32_t>(b.size()));
  if (!b.empty()) std::memcpy(p, b.data(), b.size());
  return p + b.size();
}

void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }
void PutU32(std::string* out, uint32_t v) {
  char b[4];
  StoreU32(b, v);
  out->append(b, sizeof b);
}
void PutI64(std::string* out, int64_t v) {
  char b[8];
  StoreI64(b, v);
  out->append(b, sizeof b);
}
void PutBytes(std::string* out, std::string_view b) {
  PutU32(out, static_cast<uint32_t>(b.size()));
  out->append(b);
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == b_.size(); }
  uint8_t U8() { return static_cast<uint8_t>(Take(1)[0]); }
  uint32_t U32() {
    auto s = Take(4);
    uint32_t v = 0;
    for (char c : s) v = (v << 8) | static_cast<uint8_t>(c);
    return v;
  }
  int64_t I64() {
    auto s = Take(8);
    uint64_t v = 0;
    for (char c : s) v = (v << 8) | static_cast<uint8_t>(c);
    return static_cast<int64_t>(v);
  }
  std::string Bytes() {
    uint32_t n = U32();
    return std::string(Take(n));
  }
  void Fail() { ok_ = false; }
  std::string_view BytesView() {
    uint32_t n = U32();
    return Take(n);
  }

 private:
  std::string_view Take(size_t n) {
    static const char kZeros[8] = {};
    if (!ok_ || pos_ + n > b_.size()) {
      ok_ = false;
      return n <= 8 ? std::string_view(kZeros, n) : std::string_view();
    }
    auto s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view b_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// What AppendRowBody appends, without appending it.
uint64_t RowBodySize(const Row& row) {
  uint64_t size = 8 + 4 + 8 + 8 + 8 + 4;  // marker, deletion, cell count
  for (const auto& [name, cell] : row.cells) {
    size += 4 + name.size() + 8 + 4 + 8 + 1 + 4 + cell.value.size() + (cell.counter ? 8 : 0);
  }
  return size;
}

// Sized once and written at a cursor (issue 14: a byte at a time, this was ~2% of a write's
// server CPU).
void AppendRowBody(const Row& row, std::string* out) {
  const size_t start = out->size();
  out->resize(start + RowBodySize(row));
  char* p = out->data() + start;
  p = StoreI64(p, row.marker.timestamp);
  p = StoreU32(p, static_cast<uint32_t>(row.marker.ttl));
  p = StoreI64(p, row.marker.expires_at);
  p = StoreI64(p, row.deletion.timestamp);
  p = StoreI64(p, row.deletion.local_deletion_time);
  p = StoreU32(p, static_cast<uint32_t>(row.cells.size()));
  for (const auto& [name, cell] : row.cells) {
    p = StoreBytes(p, name);
    p = StoreI64(p, cell.timestamp);
    p = StoreU32(p, static_cast<uint32_t>(cell.ttl));
    p = StoreI64(p, cell.local_deletion_time);
    // Cell kind: 0 value, 1 tombstone, 2 counter (then its floor after the value).
    *p++ = static_cast<char>(cell.counter ? 2 : (cell.tombstone ? 1 : 0));
    p = StoreBytes(p, cell.value);
    if (cell.counter) p = StoreI64(p, cell.counter_floor);
  }
  assert(p == out->data() + out->size());
}

Row ReadRowBody(Reader& r) {
  Row row;
  row.marker.timestamp = r.I64();
  row.marker.ttl = static_cast<int32_t>(r.U32());
  row.marker.expires_at = r.I64();
  row.deletion.timestamp = r.I64();
  row.deletion.local_deletion_time = r.I64();
  uint32_t n = r.U32();
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    std::string name = r.Bytes();
    Cell cell;
    cell.timestamp = r.I64();
    cell.ttl = static_cast<int32_t>(r.U32());
    cell.local_deletion_time = r.I64();
    const uint8_t kind = r.U8();
    if (kind > 2) r.Fail();
    cell.tombstone = kind == 1;
    cell.counter = kind == 2;
    cell.value = r.Bytes();
    if (cell.counter) {
      cell.counter_floor = r.I64();
      if (cell.value.size() != 8) r.Fail();  // a counter sum is always 8 bytes
    }
    row.cells.emplace(std::move(name), std::move(cell));
  }
  return row;
}

Status Corrupt(const char* what) {
  return Status(ErrorCode::kCorruption, std::string("malformed stored ") + what);
}

bool Expired(const Cell& c, int64_t now) {
  return !c.tombstone && c.ttl > 0 && c.local_deletion_time <= now;
}

void DropShadowed(Row& row, const Deletion& deletion) {
  if (deletion.timestamp == kNoTimestamp) return;
  if (row.marker.timestamp != kNoTimestamp && deletion.deletes(row.marker.timestamp)) {
    row.marker = Liveness{};
  }
  for (auto it = row.cells.begin(); it != row.cells.end();) {
    it = deletion.deletes(it->second.timestamp) ? row.cells.erase(it) : std::next(it);
  }
}

// Drops the elements of multi-cell columns that their collection deletion shadows (Cassandra's
// ComplexColumnData complex deletion, issue 11). A column's deletion cell sorts right before its
// elements (storage/complex_cells.h), so one pass sees the deletion first.
void DropShadowedElements(std::map<std::string, Cell>& cells) {
  std::string_view deleted_column;
  int64_t deleted_at = kNoTimestamp;
  bool active = false;
  for (auto it = cells.begin(); it != cells.end();) {
    const CellNameParts parts = SplitCellName(it->first);
    if (parts.kind == CellNameKind::kCollectionDeletion) {
      active = it->second.tombstone;
      deleted_column = parts.column;
      deleted_at = it->second.timestamp;
    } else if (parts.kind == CellNameKind::kElement && active && parts.column == deleted_column &&
               it->second.timestamp <= deleted_at) {
      it = cells.erase(it);
      continue;
    }
    ++it;
  }
}

void MergeDeletion(Deletion& into, const Deletion& other) {
  if (other.timestamp != kNoTimestamp &&
      (into.timestamp == kNoTimestamp || other.timestamp > into.timestamp)) {
    into = other;
  }
}

}  // namespace

uint64_t SerializedSize(const PartitionMutation& m) {
  // Keys as rocksdb_engine.cc lays them out: token, key length, key, kind (, clustering).
  const uint64_t key_size = 8 + 2 + m.partition_key.size() + 1;
  uint64_t size = 0;
  if (m.partition_deletion.timestamp != kNoTimestamp || !m.range_tombstones.empty() ||
      m.static_row) {
    size += key_size + 2 + 8 + 8 + 4 + 1;  // EncodeHeader
    for (const auto& rt : m.range_tombstones) {
      size += 4 + rt.range.start.prefix.size() + 1 + 4 + rt.range.end.prefix.size() + 1 + 8 + 8;
    }
    if (m.static_row) size += RowBodySize(*m.static_row);
  }
  for (const auto& row : m.rows) size += key_size + row.clustering.size() + 2 + RowBodySize(row);
  return size;
}

std::string EncodeRow(const Row& row) {
  std::string out;
  EncodeRowInto(row, &out);
  return out;
}

void EncodeRowInto(const Row& row, std::string* out) {
  out->clear();
  out->reserve(2 + RowBodySize(row));  // one allocation at most (issue 14: there were three)
  PutU8(out, kFormatVersion);
  PutU8(out, 'R');
  AppendRowBody(row, out);
}

Result<Row> DecodeRow(std::string_view bytes) {
  Reader r(bytes);
  if (r.U8() != kFormatVersion || r.U8() != 'R') return Corrupt("row");
  Row row = ReadRowBody(r);
  if (!r.ok() || !r.done()) return Corrupt("row");
  return row;
}

std::string EncodeHeader(const PartitionHeader& header) {
  std::string out;
  PutU8(&out, kFormatVersion);
  PutU8(&out, 'H');
  PutI64(&out, header.deletion.timestamp);
  PutI64(&out, header.deletion.local_deletion_time);
  PutU32(&out, static_cast<uint32_t>(header.range_tombstones.size()));
  for (const auto& rt : header.range_tombstones) {
    PutBytes(&out, rt.range.start.prefix);
    PutU8(&out, rt.range.start.inclusive ? 1 : 0);
    PutBytes(&out, rt.range.end.prefix);
    PutU8(&out, rt.range.end.inclusive ? 1 : 0);
    PutI64(&out, rt.deletion.timestamp);
    PutI64(&out, rt.deletion.local_deletion_time);
  }
  PutU8(&out, header.static_row ? 1 : 0);
  if (header.static_row) AppendRowBody(*header.static_row, &out);
  return out;
}

Result<PartitionHeader> DecodeHeader(std::string_view bytes) {
  Reader r(bytes);
  if (r.U8() != kFormatVersion || r.U8() != 'H') return Corrupt("partition header");
  PartitionHeader h;
  h.deletion.timestamp = r.I64();
  h.deletion.local_deletion_time = r.I64();
  uint32_t n = r.U32();
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    RangeTombstone rt;
    rt.range.start.prefix = r.Bytes();
    rt.range.start.inclusive = r.U8() != 0;
    rt.range.end.prefix = r.Bytes();
    rt.range.end.inclusive = r.U8() != 0;
    rt.deletion.timestamp = r.I64();
    rt.deletion.local_deletion_time = r.I64();
    h.range_tombstones.push_back(std::move(rt));
  }
  if (r.U8()) h.static_row = ReadRowBody(r);
  if (!r.ok() || !r.done()) return Corrupt("partition header");
  return h;
}

// Cassandra 4.1's Cells.reconcile for regular cells (db/rows/Cells.java resolveRegular), so that
// every merge (memtable overwrite, the RocksDB merge operator in flushes and compactions, reads)
// picks the same cell whatever order the writes arrive in (issue 10 item 6):
//   1. the higher timestamp;
//   2. on a tie, a tombstone or an expiring cell beats a plain live cell (CASSANDRA-14592: the
//      expiring cell will become a tombstone, so the result must not depend on the clock);
//   3. then a tombstone beats an expiring cell;
//   4. then the later local deletion time (expiry for expiring cells);
//   5. then the greater value, compared as unsigned bytes (ValueAccessor.compare); on equal
//      values either is the same cell, and `a` wins (left >= right).
bool CellWins(const Cell& a, const Cell& b) {
  if (a.timestamp != b.timestamp) return a.timestamp > b.timestamp;
  const bool a_deleting = a.tombstone || a.ttl > 0;  // Cassandra: localDeletionTime set
  const bool b_deleting = b.tombstone || b.ttl > 0;
  if (a_deleting || b_deleting) {
    if (a_deleting != b_deleting) return a_deleting;
    if (a.tombstone != b.tombstone) return a.tombstone;
    if (a.local_deletion_time != b.local_deletion_time) {
      return a.local_deletion_time > b.local_deletion_time;
    }
  }
  return std::string_view(a.value).compare(b.value) >= 0;
}

// ---- counters (docs/dev/key-encoding.md "Counters") ----------------------------------------
// A counter cell is a sum of increments; two of them reconcile by adding, whatever their
// timestamps, so that every increment counts once (the merge operator sees each operand once).
// A cell tombstone (DELETE c) at T removes the increments written at or before T and is kept in
// the sum as its floor, so a later merge with an older increment still drops it; increments
// newer than T count from zero. Addition wraps as Java's long does.
namespace {

int64_t CounterValue(const Cell& c) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < c.value.size(); ++i) {
    v = (v << 8) | static_cast<uint8_t>(c.value[i]);
  }
  return static_cast<int64_t>(v);
}

std::string CounterBytes(int64_t v) {
  std::string out;
  PutI64(&out, v);
  return out;
}

}  // namespace

bool IsCounterReconciliation(const Cell& a, const Cell& b) {
  return (a.counter && (b.counter || b.tombstone)) || (b.counter && a.tombstone);
}

Cell ReconcileCounterCells(const Cell& a, const Cell& b) {
  auto floor_of = [](const Cell& c) { return c.tombstone ? c.timestamp : c.counter_floor; };
  const int64_t floor = std::max(floor_of(a), floor_of(b));
  Cell out;
  out.counter = true;
  out.counter_floor = floor;
  out.timestamp = kNoTimestamp;
  uint64_t sum = 0;
  bool live = false;
  for (const Cell* c : {&a, &b}) {
    if (!c->counter || (floor != kNoTimestamp && c->timestamp <= floor)) continue;
    sum += static_cast<uint64_t>(CounterValue(*c));  // wraps like Java's long
    out.timestamp = std::max(out.timestamp, c->timestamp);
    live = true;
  }
  if (!live) {
    // Only the deletion is left: the newer tombstone (a floor-only counter never exists, as a
    // counter's increments are all newer than its floor).
    if (a.tombstone && (!b.tombstone || CellWins(a, b))) return a;
    if (b.tombstone) return b;
    out.timestamp = floor;
  }
  out.value = CounterBytes(static_cast<int64_t>(sum));
  return out;
}

void MergeRow(Row& into, const Row& newer) {
  MergeDeletion(into.deletion, newer.deletion);
  // The merged row deletion is applied to both sides before their cells meet, so a counter sum
  // never absorbs an increment that the deletion shadows (counters reconcile by adding).
  DropShadowed(into, into.deletion);
  const Liveness& m = newer.marker;
  if (m.timestamp != kNoTimestamp) {
    // Cassandra 4.1's LivenessInfo.supersedes: the higher timestamp; on a tie an expiring marker
    // beats a non-expiring one (the same rule as cells, CASSANDRA-14592), then the later expiry.
    bool wins = into.marker.timestamp == kNoTimestamp || m.timestamp > into.marker.timestamp;
    if (!wins && m.timestamp == into.marker.timestamp) {
      const bool new_expiring = m.ttl > 0, old_expiring = into.marker.ttl > 0;
      wins = new_expiring != old_expiring ? new_expiring : m.expires_at > into.marker.expires_at;
    }
    if (wins) into.marker = m;
  }
  for (const auto& [name, cell] : newer.cells) {
    auto it = into.cells.find(name);
    if (it == into.cells.end()) {
      if (!into.deletion.deletes(cell.timestamp)) into.cells.emplace(name, cell);
    } else if (IsCounterReconciliation(cell, it->second)) {
      if (!into.deletion.deletes(cell.timestamp)) {
        it->second = ReconcileCounterCells(it->second, cell);
      }
    } else if (CellWins(cell, it->second)) {
      it->second = cell;
    }
  }
  DropShadowed(into, into.deletion);
  DropShadowedElements(into.cells);
}

void MergeHeader(PartitionHeader& into, const PartitionHeader& newer) {
  MergeDeletion(into.deletion, newer.deletion);
  for (const auto& rt : newer.range_tombstones) {
    if (std::find(into.range_tombstones.begin(), into.range_tombstones.end(), rt) ==
        into.range_tombstones.end()) {
      into.range_tombstones.push_back(rt);
    }
  }
  auto& rts = into.range_tombstones;
  rts.erase(std::remove_if(rts.begin(), rts.end(),
                           [&](const RangeTombstone& rt) {
                             return into.deletion.deletes(rt.deletion.timestamp);
                           }),
            rts.end());
  if (newer.static_row) {
    if (into.static_row) {
      MergeRow(*into.static_row, *newer.static_row);
    } else {
      into.static_row = newer.static_row;
    }
  }
  if (into.static_row) DropShadowed(*into.static_row, into.deletion);
}

namespace {

// A stored row value's fields as views into its bytes, for the fast paths of MergeStoredValues
// (they decide without building a Row). Well-formed as ReadRowBody requires; false otherwise (the
// slow path then says why).
struct CellView {
  std::string_view name;
  int64_t timestamp = 0;
  uint32_t ttl = 0;
  int64_t local_deletion_time = 0;
  uint8_t kind = 0;  // 0 value, 1 tombstone, 2 counter
  std::string_view value;
  int64_t counter_floor = kNoTimestamp;
};
struct RowView {
  int64_t marker = kNoTimestamp;
  int64_t deletion = kNoTimestamp;
  std::vector<CellView> cells;
};

bool ParseRowView(std::string_view bytes, RowView* out) {
  Reader r(bytes);
  if (r.U8() != kFormatVersion || r.U8() != 'R') return false;
  out->marker = r.I64();
  r.U32();
  r.I64();
  out->deletion = r.I64();
  r.I64();
  const uint32_t n = r.U32();
  out->cells.clear();
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    CellView c;
    c.name = r.BytesView();
    c.timestamp = r.I64();
    c.ttl = r.U32();
    c.local_deletion_time = r.I64();
    c.kind = r.U8();
    if (c.kind > 2) return false;
    c.value = r.BytesView();
    if (c.kind == 2) {
      c.counter_floor = r.I64();
      if (c.value.size() != 8) return false;
    }
    out->cells.push_back(c);
  }
  return r.ok() && r.done();
}

// The fast path of MergeStoredValues for a hot counter's operands: a row value holding only
// counter increments (no marker, no deletion, no floor).
struct Increment {
  std::string_view name;
  uint64_t delta = 0;
  int64_t timestamp = 0;
};

bool ParseIncrements(std::string_view bytes, std::vector<Increment>* out) {
  thread_local RowView view;
  if (!ParseRowView(bytes, &view)) return false;
  if (view.marker != kNoTimestamp || view.deletion != kNoTimestamp) return false;
  for (const CellView& c : view.cells) {
    if (c.kind != 2 || c.ttl != 0 || c.local_deletion_time != 0 || c.counter_floor != kNoTimestamp) {
      return false;
    }
    Increment inc;
    inc.name = c.name;
    inc.timestamp = c.timestamp;
    for (char b : c.value) inc.delta = (inc.delta << 8) | static_cast<uint8_t>(b);
    out->push_back(inc);
  }
  return true;
}

// What one-by-one merging into `merged` would drop an increment of `name` at or before: the row
// deletion, the cell tombstone or the counter's floor. nullopt when the cell there is a plain
// value (then the slow path decides).
std::optional<int64_t> IncrementThreshold(const std::optional<Row>& merged, std::string_view name) {
  if (!merged) return kNoTimestamp;
  int64_t threshold = merged->deletion.timestamp;
  auto it = merged->cells.find(std::string(name));
  if (it != merged->cells.end()) {
    const Cell& c = it->second;
    if (!c.counter && !c.tombstone) return std::nullopt;
    threshold = std::max(threshold, c.tombstone ? c.timestamp : c.counter_floor);
  }
  return threshold;
}

// The fast path of MergeStoredValues for overwrites (issue 14): a flush or compaction mostly
// merges whole rows written again and again, each newer than the last.
//
// Whether a parsed value can take part: no row deletion, no counter, element or collection
// deletion cell (they merge by other rules), and its cell names in the strictly increasing order
// EncodeRow writes them (so its bytes are what decoding and encoding it again gives).
bool Supersedable(const RowView& view) {
  if (view.deletion != kNoTimestamp) return false;
  for (size_t i = 0; i < view.cells.size(); ++i) {
    const CellView& c = view.cells[i];
    if (c.kind > 1 || SplitCellName(c.name).kind != CellNameKind::kSimple) return false;
    if (i > 0 && !(view.cells[i - 1].name < c.name)) return false;
  }
  return true;
}

// Whether merging `values` (oldest first) gives the newest value unchanged: every value
// Supersedable, and every marker and cell of an older value older than the newest value's marker
// and its cell of the same column. MergeRow then keeps exactly the newest value's marker and
// cells (CellWins on a higher timestamp, no tie rule involved) and drops nothing, so the merged
// row encodes to the newest value's bytes.
bool NewestSupersedes(const std::vector<std::string_view>& values) {
  thread_local RowView newest;
  thread_local RowView older;
  if (!ParseRowView(values.back(), &newest) || !Supersedable(newest)) return false;
  for (size_t v = 0; v + 1 < values.size(); ++v) {
    if (!ParseRowView(values[v], &older) || !Supersedable(older)) return false;
    if (older.marker != kNoTimestamp &&
        (newest.marker == kNoTimestamp || older.marker >= newest.marker)) {
      return false;
    }
    // Both in name order: each older cell must meet a newer cell of its column.
    size_t j = 0;
    for (const CellView& c : older.cells) {
      while (j < newest.cells.size() && newest.cells[j].name < c.name) ++j;
      if (j == newest.cells.size() || newest.cells[j].name != c.name ||
          c.timestamp >= newest.cells[j].timestamp) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

bool StoredRowSupersedes(const std::string_view* older, std::string_view newer) {
  // NewestSupersedes parses each value as a row (a header is refused).
  thread_local std::vector<std::string_view> values;
  values.clear();
  if (older != nullptr) values.push_back(*older);
  values.push_back(newer);
  return NewestSupersedes(values);
}

bool MergeStoredValues(const std::string_view* existing,
                       const std::vector<std::string_view>& operands, std::string* out) {
  std::vector<std::string_view> values;
  values.reserve(operands.size() + 1);
  if (existing != nullptr) values.push_back(*existing);
  values.insert(values.end(), operands.begin(), operands.end());
  if (values.empty() || values[0].size() < 2) return false;
  if (values[0][1] == 'H') {
    std::optional<PartitionHeader> merged;
    for (std::string_view v : values) {
      auto h = DecodeHeader(v);
      if (!h.ok()) return false;
      if (merged) {
        MergeHeader(*merged, *h);
      } else {
        merged = std::move(*h);
      }
    }
    *out = EncodeHeader(*merged);
    return true;
  }
  if (NewestSupersedes(values)) {
    out->assign(values.back());
    return true;
  }
  std::optional<Row> merged;
  // Increments summed since the last full merge, per column, with the drop threshold each part
  // was checked against: merging their sum equals merging them one by one, as the threshold only
  // changes when a non-increment operand is merged (which flushes them first).
  struct Pending {
    std::string_view name;
    uint64_t sum = 0;
    int64_t timestamp = kNoTimestamp;
  };
  std::vector<Pending> pending;
  auto flush = [&] {
    if (pending.empty()) return;
    Row sums;
    for (const auto& p : pending) {
      Cell c;
      c.counter = true;
      c.timestamp = p.timestamp;
      c.value = CounterBytes(static_cast<int64_t>(p.sum));
      sums.cells.emplace(std::string(p.name), std::move(c));
    }
    pending.clear();
    if (merged) {
      MergeRow(*merged, sums);
    } else {
      merged = std::move(sums);
    }
  };
  std::vector<Increment> increments;
  for (std::string_view v : values) {
    increments.clear();
    bool fast = ParseIncrements(v, &increments);
    std::vector<int64_t> thresholds;
    for (size_t i = 0; fast && i < increments.size(); ++i) {
      auto t = IncrementThreshold(merged, increments[i].name);
      fast = t.has_value();
      if (fast) thresholds.push_back(*t);
    }
    if (fast) {
      for (size_t i = 0; i < increments.size(); ++i) {
        const Increment& inc = increments[i];
        if (thresholds[i] != kNoTimestamp && inc.timestamp <= thresholds[i]) continue;
        auto p = std::find_if(pending.begin(), pending.end(),
                              [&](const Pending& q) { return q.name == inc.name; });
        if (p == pending.end()) p = pending.insert(pending.end(), Pending{inc.name});
        p->sum += inc.delta;  // wraps like Java's long
        p->timestamp = std::max(p->timestamp, inc.timestamp);
      }
      continue;
    }
    flush();
    auto r = DecodeRow(v);
    if (!r.ok()) return false;
    if (merged) {
      MergeRow(*merged, *r);
    } else {
      merged = std::move(*r);
    }
  }
  flush();
  if (!merged) merged = Row{};  // only increments that were all dropped: an empty row
  *out = EncodeRow(*merged);
  return true;
}

std::optional<Row> ResolveRow(Row stored, int64_t covering, int64_t now_seconds,
                              const DroppedColumns* dropped) {
  int64_t deleted_at = stored.deletion.timestamp;
  if (covering != kNoTimestamp && (deleted_at == kNoTimestamp || covering > deleted_at)) {
    deleted_at = covering;
  }
  auto shadowed = [&](int64_t ts) { return deleted_at != kNoTimestamp && ts <= deleted_at; };
  Row out;
  out.clustering = std::move(stored.clustering);
  const Liveness& m = stored.marker;
  if (m.timestamp != kNoTimestamp && !shadowed(m.timestamp) &&
      !(m.ttl > 0 && m.expires_at <= now_seconds)) {
    out.marker = m;
  }
  // Cassandra skips a dropped column's cells older than the drop when it reads them.
  // Element cells and collection deletions belong to their column (complex_cells.h).
  auto dropped_cell = [&](const std::string& name, const Cell& cell) {
    if (dropped == nullptr || dropped->empty()) return false;
    auto d = dropped->find(std::string(CellColumn(name)));
    return d != dropped->end() && cell.timestamp <= d->second;
  };
  // A stored row is normally merged already; a row merged from operands whose deletion came
  // after the elements was not, so the collection deletions are applied here too.
  DropShadowedElements(stored.cells);
  bool has_live_column = false;
  for (auto it = stored.cells.begin(); it != stored.cells.end();) {
    const Cell& cell = it->second;
    const bool dead = cell.tombstone || Expired(cell, now_seconds) || shadowed(cell.timestamp) ||
                      dropped_cell(it->first, cell);
    if (!dead && !IsRowMetadataCell(it->first)) has_live_column = true;
    it = dead ? stored.cells.erase(it) : std::next(it);
  }
  out.cells = std::move(stored.cells);
  if (out.marker.timestamp == kNoTimestamp && !has_live_column) return std::nullopt;
  return out;
}

bool CompactRow(Row& row, int64_t now_seconds, int64_t purge_before) {
  for (auto it = row.cells.begin(); it != row.cells.end();) {
    Cell& c = it->second;
    if (Expired(c, now_seconds)) {
      // An expired cell shadows older data like a tombstone written at its timestamp.
      c.tombstone = true;
      c.value.clear();
      c.ttl = 0;
    }
    if (c.tombstone && c.local_deletion_time < purge_before) {
      it = row.cells.erase(it);
    } else {
      ++it;
    }
  }
  if (row.marker.timestamp != kNoTimestamp && row.marker.ttl > 0 &&
      row.marker.expires_at <= now_seconds && row.marker.expires_at < purge_before) {
    row.marker = Liveness{};
  }
  if (row.deletion.timestamp != kNoTimestamp &&
      row.deletion.local_deletion_time < purge_before) {
    row.deletion = Deletion{};
  }
  return row.marker.timestamp != kNoTimestamp || row.deletion.timestamp != kNoTimestamp ||
         !row.cells.empty();
}

std::optional<PartitionHeader> MutationHeader(const PartitionMutation& m) {
  if (m.partition_deletion.timestamp == kNoTimestamp && m.range_tombstones.empty() &&
      !m.static_row) {
    return std::nullopt;
  }
  PartitionHeader header;
  header.deletion = m.partition_deletion;
  header.range_tombstones = m.range_tombstones;
  header.static_row = m.static_row;
  return header;
}

}  // namespace sibyl::storage
