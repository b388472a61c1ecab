#include "storage/rados_compaction.h"

#include <cerrno>
#include <map>
#include <optional>
#include <set>

#include "common/clock.h"
#include "storage/rados_connection.h"
#include "storage/rados_pieces.h"

namespace sibyl::storage::rados {
namespace {

constexpr uint64_t kMaxPage = 1024;  // osd_max_omap_entries_per_request

librados::bufferlist Bl(std::string_view s) {
  librados::bufferlist bl;
  bl.append(s.data(), s.size());
  return bl;
}

}  // namespace

void AddCompaction(const Compaction& plan, librados::ObjectWriteOperation* op) {
  std::map<std::string, std::pair<librados::bufferlist, int>> guard;
  std::set<std::string> remove;
  for (const auto& [key, value] : plan.guard) {
    guard[key] = {Bl(value), LIBRADOS_CMPXATTR_OP_EQ};
    remove.insert(key);
  }
  op->omap_cmp(guard, nullptr);
  op->omap_rm_keys(remove);
  if (plan.merged) op->omap_set({{plan.merged->first, Bl(plan.merged->second)}});
}

SweepStats& SweepStats::operator+=(const SweepStats& o) {
  partitions += o.partitions;
  fragments_read += o.fragments_read;
  rewrites += o.rewrites;
  fragments_removed += o.fragments_removed;
  raced += o.raced;
  piece_pages += o.piece_pages;
  busy += o.busy;
  return *this;
}

Status SweepObject(librados::IoCtx& io, const std::string& oid, SuffixSource& suffixes,
                   int64_t gc_grace_seconds, const std::atomic<bool>& stop, SweepStats* stats,
                   bool* has_piece_map) {
  if (has_piece_map) *has_piece_map = false;
  // One group: the fragments of one row (or of the header), which share FragmentRowKey.
  std::string group_key;
  Fragments group;
  bool object_gone = false;
  // The head's `spill` xattr as read with the first page: row rewrites are guarded by it, so
  // none takes effect once a spill started copying rows into pieces (docs: "Big partitions").
  std::optional<std::string> spill_guard;
  auto flush = [&]() -> Status {
    if (group.empty() || object_gone) return Status::OK();
    const bool header = group_key[0] == kHeaderFragment;
    auto plan = PlanCompaction(group, header, suffixes, NowMicros(), gc_grace_seconds,
                               CompactWhen::kChanged);
    group.clear();
    if (!plan.ok()) return Status(plan.status().code(), plan.status().message() + " in " + oid);
    if (!*plan) return Status::OK();
    librados::ObjectWriteOperation op;
    if (!header) {
      if (!spill_guard) return Status::OK();  // a spill runs: its mover merges these rows
      op.cmpxattr(kSpillXattr, LIBRADOS_CMPXATTR_OP_EQ, Bl(*spill_guard));
    }
    AddCompaction(**plan, &op);
    int rc = io.operate(oid, &op);
    if (rc == -ECANCELED) {
      ++stats->raced;  // a concurrent write or compaction changed the row: the next sweep
    } else if (rc == -ENOENT) {
      object_gone = true;  // truncated or dropped meanwhile
    } else {
      RETURN_IF_ERROR(FromRados(rc, "sweeping " + oid));
      ++stats->rewrites;
      stats->fragments_removed += (*plan)->guard.size();
    }
    return Status::OK();
  };

  std::string start_after;
  bool first_page = true;
  bool rows_done = false;
  while (!stop.load(std::memory_order_relaxed) && !object_gone && !rows_done) {
    std::map<std::string, librados::bufferlist> page;
    std::map<std::string, librados::bufferlist> attrs;
    bool more = false;
    int rval = 0, attrs_rval = 0;
    librados::ObjectReadOperation read;
    if (first_page) read.getxattrs(&attrs, &attrs_rval);
    read.omap_get_vals2(start_after, kMaxPage, &page, &more, &rval);
    int rc = io.operate(oid, &read, nullptr);
    if (rc == -ENOENT) return Status::OK();
    RETURN_IF_ERROR(FromRados(rc, "reading " + oid + " to sweep it"));
    if (first_page) {
      first_page = false;
      auto it = attrs.find(kSpillXattr);
      std::string spill_value = it == attrs.end() ? std::string() : it->second.to_str();
      Result<SpillState> spill = ParseSpill(spill_value);
      if (!spill.ok()) return Status(spill.status().code(), spill.status().message() + " in " + oid);
      if (!spill->busy) spill_guard = std::move(spill_value);
    }
    for (auto& [key, value] : page) {
      if (!key.empty() && key[0] == kPieceMapEntry) {  // the piece map follows every row
        if (has_piece_map) *has_piece_map = true;
        rows_done = true;
        break;
      }
      stats->fragments_read++;
      start_after = key;
      std::string_view row_key = FragmentRowKey(key);
      if (row_key.empty() || (row_key[0] != kHeaderFragment && row_key[0] != kRowFragment)) {
        return Status(ErrorCode::kCorruption, "malformed fragment key in " + oid);
      }
      if (row_key != group_key) {
        RETURN_IF_ERROR(flush());
        group_key = row_key;
      }
      // PlanCompaction merges at most kMaxCompactedAtOnce: the rest of a longer row waits for
      // the next sweep (its merged fragment then counts as one).
      if (group.size() < kMaxCompactedAtOnce) group.emplace_back(key, value.to_str());
    }
    if (!more || page.empty()) break;
  }
  if (stop.load(std::memory_order_relaxed)) return Status::OK();
  return flush();
}

}  // namespace sibyl::storage::rados
