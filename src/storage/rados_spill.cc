#include "storage/rados_spill.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>

#include "common/clock.h"
#include "storage/rados_connection.h"
#include "storage/rados_pieces.h"

namespace sibyl::storage::rados {
namespace {

using librados::bufferlist;

constexpr uint64_t kMaxPage = 1024;   // the OSD's omap page
constexpr size_t kSpillBatch = 4096;  // head fragments moved per step
constexpr size_t kMaxQueued = 4096;
constexpr size_t kMaxWrittenTracked = 65536;
constexpr int64_t kLeaseMicros = 60'000'000;
constexpr int64_t kRenewBelowMicros = 45'000'000;  // renew when less than this is left
constexpr size_t kMaxMergedRows = 256;             // rows merged in their piece per step
constexpr uint64_t kSweepPagesPerHold = 16;        // piece pages a sweep reads per lease hold

bufferlist Bl(std::string_view s) {
  bufferlist bl;
  bl.append(s.data(), s.size());
  return bl;
}

std::string RowStart(std::string_view clustering) {
  return std::string(1, kRowFragment) + std::string(clustering);
}

// One page of `oid`'s omap entries under `prefix` after `start_after`; its return code.
int ReadPage(librados::IoCtx& io, const std::string& oid, const std::string& start_after,
             char prefix, std::map<std::string, bufferlist>* page, bool* more) {
  int rval = 0;
  librados::ObjectReadOperation op;
  op.omap_get_vals2(start_after, std::string(1, prefix), kMaxPage, page, more, &rval);
  return io.operate(oid, &op, nullptr);
}

// Row fragments of `oid` after `start_after`, at most `max`, stopping before the first whose
// clustering is `end` or past it. Appends to `out`; whether it stopped for `max`.
Result<bool> ReadRows(librados::IoCtx& io, const std::string& oid, std::string start_after,
                      size_t max, const std::optional<std::string>& end, Fragments* out) {
  while (true) {
    std::map<std::string, bufferlist> page;
    bool more = false;
    int rc = ReadPage(io, oid, start_after, kRowFragment, &page, &more);
    if (rc == -ENOENT) return false;
    RETURN_IF_ERROR(FromRados(rc, "reading rows of " + oid));
    for (auto& [key, value] : page) {
      std::string_view row_key = FragmentRowKey(key);
      if (row_key.empty())
        return Status(ErrorCode::kCorruption, "malformed fragment key in " + oid);
      if (end && RowClustering(row_key) >= std::string_view(*end)) return false;
      if (out->size() >= max) return true;
      out->emplace_back(key, value.to_str());
    }
    if (!more || page.empty()) return false;
    start_after = page.rbegin()->first;
  }
}

// One spill: the lease and what is done under it (docs: "Spill").
class Spill {
 public:
  Spill(librados::IoCtx& io, const std::string& head, uint64_t bound, int64_t gc_grace,
        SuffixSource* suffixes, const std::string& owner)
      : io_(io),
        head_(head),
        bound_(bound),
        piece_bound_(std::max<uint64_t>(2, bound / 4)),
        gc_grace_(gc_grace),
        suffixes_(suffixes),
        owner_(owner) {}

  enum class Lease : uint8_t { kMine, kBusy, kGone };

  // Takes the lease (docs: "Spill" 1 and 4): kBusy when another holder has it, kGone when the
  // head is. A lease past its deadline is taken over and the dead holder's work redone first.
  Result<Lease> Acquire() {
    bufferlist bl;
    int rc = io_.getxattr(head_, kSpillXattr, bl);
    if (rc == -ENOENT) return Lease::kGone;
    if (rc == -ENODATA) rc = 0;
    RETURN_IF_ERROR(FromRados(rc, "reading the spill lease of " + head_));
    current_ = bl.to_str();
    ASSIGN_OR_RETURN(state_, ParseSpill(current_));
    const SpillState before = state_;
    if (before.busy && before.deadline_micros > NowMicros()) return Lease::kBusy;
    ASSIGN_OR_RETURN(bool mine, SetLease(true, ""));
    if (!mine) return Lease::kBusy;  // another node took it first (or the head is gone)
    if (before.busy) {
      // A holder that died: what it may have copied without removing it from the head is moved
      // now, and a split it left half done is trimmed.
      spdlog::info("Taking over the expired spill lease of {}", head_);
      if (!before.last_key.empty()) {
        while (true) {
          Fragments batch;
          ASSIGN_OR_RETURN(bool full, ReadRows(io_, head_, "", kSpillBatch, std::nullopt, &batch));
          std::erase_if(batch, [&](const auto& f) { return f.first > before.last_key; });
          if (batch.empty()) break;
          RETURN_IF_ERROR(Move(batch));
          if (!full) break;
        }
      }
      RETURN_IF_ERROR(RepairPieces());
    }
    return Lease::kMine;
  }
  // Lets the lease go (idle, version moved); false when it was lost meanwhile.
  Result<bool> Release() { return SetLease(false, ""); }

  // Whether the head may still hold more than one spill moves (it stopped at its step cap).
  Result<bool> Run() {
    ASSIGN_OR_RETURN(Lease lease, Acquire());
    if (lease != Lease::kMine) return false;
    // Bounded, so that splits keep up and the lease is let go now and then; the caller runs
    // another spill when this one stopped at its cap.
    bool capped = true;
    for (uint64_t step = 0; step < bound_ / kSpillBatch + 4; ++step) {
      Fragments batch;
      ASSIGN_OR_RETURN(bool full, ReadRows(io_, head_, "", kSpillBatch, std::nullopt, &batch));
      if (!batch.empty()) RETURN_IF_ERROR(Move(batch));
      if (!full) {
        capped = false;
        break;
      }
    }
    RETURN_IF_ERROR(SplitPieces());
    ASSIGN_OR_RETURN(bool still_mine, Release());
    if (!still_mine) return Status(ErrorCode::kIOError, "lost the spill lease of " + head_);
    return capped;
  }

  // One hold's sweep of the pieces (SweepPieces in the header; docs: "Sweeping pieces"): from
  // after `*position` in map order; whether every piece was swept to its end.
  Result<bool> SweepPieces(std::string* position, const std::atomic<bool>& stop,
                           SweepStats* stats) {
    ASSIGN_OR_RETURN(std::vector<PieceRef> map, ReadMap());
    const std::string hold_start = *position;
    // The piece holding `*position`: the last whose first possible key is not past it.
    size_t first = 0;
    while (first + 1 < map.size() && RowStart(map[first + 1].start) <= *position) ++first;
    uint64_t pages = 0;
    for (size_t i = first; i < map.size(); ++i) {
      const std::string& id = map[i].id;
      const std::string oid = PieceObjectName(head_, id);
      RETURN_IF_ERROR(Load(id));
      // Keys past the map's end of the piece (none once a split's trim is done) are another
      // piece's copies: never merged here.
      const std::optional<std::string> end = EndOf(map, i);
      std::string after = std::max(*position, RowStart(map[i].start));
      std::string group_key;
      Fragments group;
      uint64_t row_fragments = 0;  // of the row in `group`, merged or not
      bool piece_done = false;
      while (!piece_done) {
        std::map<std::string, bufferlist> page;
        bool more = false;
        int rc = ReadPage(io_, oid, after, kRowFragment, &page, &more);
        if (rc == -ENOENT) return true;  // a TRUNCATE/DROP removed it
        RETURN_IF_ERROR(FromRados(rc, "reading piece " + oid + " to sweep it"));
        ++pages;
        ++stats->piece_pages;
        for (auto& [key, value] : page) {
          std::string_view row_key = FragmentRowKey(key);
          if (row_key.empty() || row_key[0] != kRowFragment) {
            return Status(ErrorCode::kCorruption, "malformed fragment key in " + oid);
          }
          if (end && RowClustering(row_key) >= std::string_view(*end)) {
            piece_done = true;
            break;
          }
          if (row_key != group_key) {
            // A row boundary: `after` is the last key of the row before. The hold ends only
            // here (a row is never merged in parts), once it made progress.
            if (!group.empty()) {
              ASSIGN_OR_RETURN(bool gone, SweepRow(id, group, row_fragments, stats));
              group.clear();
              if (gone) return true;
            }
            row_fragments = 0;
            if (stop.load(std::memory_order_relaxed) ||
                (pages >= kSweepPagesPerHold && after > hold_start)) {
              *position = after;
              return false;
            }
            group_key = row_key;
          }
          ++stats->fragments_read;
          ++row_fragments;
          // At most kMaxCompactedAtOnce merged: the rest of a longer row at the next pass.
          if (group.size() < kMaxCompactedAtOnce) group.emplace_back(key, value.to_str());
          after = key;
        }
        if (!more || page.empty()) piece_done = true;
      }
      if (!group.empty()) {
        ASSIGN_OR_RETURN(bool gone, SweepRow(id, group, row_fragments, stats));
        if (gone) return true;
      }
      *position = after;
    }
    return true;
  }

 private:
  // Rewrites one piece row (`row`: its first fragments; `row_fragments` of them in all) when that
  // changes something; true when the piece is gone. A row of more than a page is left alone: a
  // reader reads it across pages and could see some inputs and the merged fragment. The piece's
  // `gen` is set to the head's current version, which is at least the version of the removal of
  // every input from the head (docs: "Sweeping pieces").
  Result<bool> SweepRow(const std::string& id, const Fragments& row, uint64_t row_fragments,
                        SweepStats* stats) {
    if (row_fragments > kMaxPage) return false;
    ASSIGN_OR_RETURN(std::optional<Compaction> plan,
                     PlanCompaction(row, /*header=*/false, *suffixes_, NowMicros(), gc_grace_,
                                    CompactWhen::kChanged));
    if (!plan) return false;
    RETURN_IF_ERROR(Renew());
    librados::ObjectWriteOperation op;
    AddCompaction(*plan, &op);
    const uint64_t count =
        counts_[id] - std::min<uint64_t>(counts_[id], plan->guard.size() - (plan->merged ? 1 : 0));
    op.setxattr(kPieceGenXattr, Bl(FormatNumber(state_.version)));
    op.setxattr(kPieceCountXattr, Bl(FormatNumber(count)));
    int rc = io_.operate(PieceObjectName(head_, id), &op);
    if (rc == -ENOENT) return true;
    if (rc == -ECANCELED) {
      ++stats->raced;  // only a copy delayed past the lease could do it ("Limits")
      return false;
    }
    RETURN_IF_ERROR(FromRados(rc, "sweeping a piece row"));
    counts_[id] = count;
    gens_[id] = state_.version;
    ++stats->rewrites;
    stats->fragments_removed += plan->guard.size();
    return false;
  }

  // Replaces the lease (guarded by it being as last seen): busy with `last_key`, or idle.
  Result<bool> SetLease(bool busy, const std::string& last_key,
                        librados::ObjectWriteOperation* op = nullptr) {
    SpillState next;
    next.version = state_.version + 1;
    next.busy = busy;
    if (busy) {
      next.deadline_micros = NowMicros() + kLeaseMicros;
      next.owner = owner_;
      next.last_key = last_key;
    }
    librados::ObjectWriteOperation own;
    if (!op) op = &own;
    const std::string formatted = FormatSpill(next);
    op->cmpxattr(kSpillXattr, LIBRADOS_CMPXATTR_OP_EQ, Bl(current_));
    op->setxattr(kSpillXattr, Bl(formatted));
    int rc = io_.operate(head_, op);
    if (rc == -ECANCELED || rc == -ENOENT) return false;
    RETURN_IF_ERROR(FromRados(rc, "updating the spill lease of " + head_));
    state_ = next;
    current_ = formatted;
    return true;
  }
  // Renews the lease when little of it is left: a holder never acts on an expired lease it
  // does not know is expired (the window left: an op delayed in flight past the renewal margin).
  Status Renew() {
    if (state_.deadline_micros - NowMicros() > kRenewBelowMicros) return Status::OK();
    ASSIGN_OR_RETURN(bool mine, SetLease(true, state_.last_key));
    if (!mine) return Status(ErrorCode::kIOError, "lost the spill lease of " + head_);
    return Status::OK();
  }
  Status Guarded(librados::ObjectWriteOperation& op, const char* what) {
    op.cmpxattr(kSpillXattr, LIBRADOS_CMPXATTR_OP_EQ, Bl(current_));
    int rc = io_.operate(head_, &op);
    if (rc == -ECANCELED) return Status(ErrorCode::kIOError, "lost the spill lease of " + head_);
    return FromRados(rc, what);
  }

  Result<std::vector<PieceRef>> ReadMap() {
    std::vector<PieceRef> map;
    std::string after;
    while (true) {
      std::map<std::string, bufferlist> page;
      bool more = false;
      RETURN_IF_ERROR(FromRados(ReadPage(io_, head_, after, kPieceMapEntry, &page, &more),
                                "reading the piece map of " + head_));
      for (auto& [key, value] : page) {
        ASSIGN_OR_RETURN(PieceRef ref, ParsePieceMapEntry(key, value.to_str()));
        map.push_back(std::move(ref));
      }
      if (map.size() > kMaxPieces) return Status(ErrorCode::kCorruption, "piece map too long");
      if (!more || page.empty()) break;
      after = page.rbegin()->first;
    }
    if (!map.empty() && !map[0].start.empty()) {
      return Status(ErrorCode::kCorruption, "piece map of " + head_ + " does not start at \"\"");
    }
    return map;
  }
  std::optional<std::string> EndOf(const std::vector<PieceRef>& map, size_t i) {
    if (i + 1 < map.size()) return map[i + 1].start;
    return std::nullopt;
  }

  // Reads a piece's xattrs once per spill (only the lease holder changes them).
  Status Load(const std::string& id) {
    if (counts_.count(id)) return Status::OK();
    std::map<std::string, bufferlist> attrs;
    RETURN_IF_ERROR(FromRados(io_.getxattrs(PieceObjectName(head_, id), attrs), "reading a piece"));
    auto get = [&](const char* name) {
      auto it = attrs.find(name);
      return it == attrs.end() ? std::string() : it->second.to_str();
    };
    ASSIGN_OR_RETURN(counts_[id], ParseNumber(get(kPieceCountXattr), "count"));
    ASSIGN_OR_RETURN(gens_[id], ParseNumber(get(kPieceGenXattr), "gen"));
    ASSIGN_OR_RETURN(ranges_[id], DecodePieceRange(get(kPieceRangeXattr)));
    return Status::OK();
  }

  // Creates a piece (not yet in the map) owning `range` with `fragments`.
  Result<std::string> CreatePiece(const PieceRange& range, uint64_t gen,
                                  const Fragments& fragments) {
    const std::string id = NewPieceId();
    const std::string oid = PieceObjectName(head_, id);
    for (size_t begin = 0; begin == 0 || begin < fragments.size(); begin += kMaxPage) {
      librados::ObjectWriteOperation op;
      if (begin == 0) {
        op.create(true);
        op.setxattr(kPieceRangeXattr, Bl(EncodePieceRange(range)));
        op.setxattr(kPieceGenXattr, Bl(FormatNumber(gen)));
        op.setxattr(kPieceCountXattr, Bl(FormatNumber(fragments.size())));
      } else {
        op.assert_exists();
      }
      std::map<std::string, bufferlist> chunk;
      for (size_t i = begin; i < std::min(fragments.size(), begin + kMaxPage); ++i) {
        chunk[fragments[i].first] = Bl(fragments[i].second);
      }
      if (!chunk.empty()) op.omap_set(chunk);
      RETURN_IF_ERROR(Renew());
      RETURN_IF_ERROR(FromRados(io_.operate(oid, &op), "writing piece " + oid));
      if (fragments.empty()) break;
    }
    counts_[id] = fragments.size();
    gens_[id] = gen;
    ranges_[id] = range;
    return id;
  }

  // Copies `batch` (head row fragments, in key order) into its pieces, removes it from the head,
  // then merges the rows that had several fragments (docs: "Spill" 3).
  Status Move(const Fragments& batch) {
    ASSIGN_OR_RETURN(bool mine, SetLease(true, batch.back().first));
    if (!mine) return Status(ErrorCode::kIOError, "lost the spill lease of " + head_);
    ASSIGN_OR_RETURN(std::vector<PieceRef> map, ReadMap());
    if (map.empty()) {
      ASSIGN_OR_RETURN(std::string id, CreatePiece(PieceRange{"", std::nullopt}, 0, {}));
      librados::ObjectWriteOperation op;
      op.omap_set({{PieceMapKey(""), Bl(id)}});
      RETURN_IF_ERROR(Guarded(op, "writing the piece map"));
      map.push_back({"", id});
    }
    std::map<size_t, std::map<std::string, bufferlist>> by_piece;
    std::map<std::string, size_t> fragments_of_row;
    for (const auto& [key, value] : batch) {
      std::string_view row_key = FragmentRowKey(key);
      by_piece[PieceOf(map, RowClustering(row_key))][key] = Bl(value);
      ++fragments_of_row[std::string(row_key)];
    }
    for (auto& [index, fragments] : by_piece) {
      const std::string& id = map[index].id;
      RETURN_IF_ERROR(Load(id));
      counts_[id] += fragments.size();
      auto it = fragments.begin();
      for (bool first = true; it != fragments.end(); first = false) {
        librados::ObjectWriteOperation op;
        op.assert_exists();
        std::map<std::string, bufferlist> chunk;
        for (; it != fragments.end() && chunk.size() < kMaxPage; ++it) chunk.insert(*it);
        op.omap_set(chunk);
        if (first) op.setxattr(kPieceCountXattr, Bl(FormatNumber(counts_[id])));
        RETURN_IF_ERROR(Renew());
        RETURN_IF_ERROR(
            FromRados(io_.operate(PieceObjectName(head_, id), &op), "copying into a piece"));
      }
      touched_.insert(id);
    }
    // Remove from the head, each op guarded by the lease and moving its version.
    for (size_t begin = 0; begin < batch.size(); begin += kMaxPage) {
      std::set<std::string> keys;
      for (size_t i = begin; i < std::min(batch.size(), begin + kMaxPage); ++i) {
        keys.insert(batch[i].first);
      }
      librados::ObjectWriteOperation op;
      op.omap_rm_keys(keys);
      ASSIGN_OR_RETURN(bool still_mine, SetLease(true, state_.last_key, &op));
      if (!still_mine) return Status(ErrorCode::kIOError, "lost the spill lease of " + head_);
    }
    // The merged keys have left the head: a merge stamped with this version makes a reader that
    // read the head before restart (docs: "Why nothing is lost or doubled").
    size_t merged = 0;
    for (const auto& [row_key, n] : fragments_of_row) {
      if (n < 2 || merged == kMaxMergedRows) continue;
      ++merged;
      const std::string& id = map[PieceOf(map, RowClustering(row_key))].id;
      RETURN_IF_ERROR(MergeRow(id, row_key));
    }
    return Status::OK();
  }

  Status MergeRow(const std::string& id, const std::string& row_key) {
    const std::string oid = PieceObjectName(head_, id);
    std::map<std::string, bufferlist> page;
    bool more = false;
    int rval = 0;
    librados::ObjectReadOperation read;
    read.omap_get_vals2(row_key, row_key, kMaxCompactedAtOnce, &page, &more, &rval);
    RETURN_IF_ERROR(FromRados(io_.operate(oid, &read, nullptr), "reading a piece row"));
    Fragments fragments;
    for (auto& [key, value] : page) fragments.emplace_back(key, value.to_str());
    ASSIGN_OR_RETURN(std::optional<Compaction> plan,
                     PlanCompaction(fragments, /*header=*/false, *suffixes_, NowMicros(), gc_grace_,
                                    CompactWhen::kManyFragments, /*compact_above=*/1));
    if (!plan) return Status::OK();
    librados::ObjectWriteOperation op;
    std::map<std::string, std::pair<bufferlist, int>> guard;
    std::set<std::string> remove;
    for (const auto& [key, value] : plan->guard) {
      guard[key] = {Bl(value), LIBRADOS_CMPXATTR_OP_EQ};
      remove.insert(key);
    }
    op.omap_cmp(guard, nullptr);
    op.omap_rm_keys(remove);
    if (plan->merged) op.omap_set({{plan->merged->first, Bl(plan->merged->second)}});
    counts_[id] -= std::min<uint64_t>(counts_[id], remove.size() - (plan->merged ? 1 : 0));
    op.setxattr(kPieceGenXattr, Bl(FormatNumber(state_.version)));
    op.setxattr(kPieceCountXattr, Bl(FormatNumber(counts_[id])));
    gens_[id] = state_.version;
    RETURN_IF_ERROR(Renew());
    int rc = io_.operate(oid, &op);
    if (rc == -ECANCELED) return Status::OK();  // changed since read: merged next time
    return FromRados(rc, "merging a piece row");
  }

  // Splits every touched piece at or past the piece bound in two, until none is (docs: "Split").
  Status SplitPieces() {
    std::vector<std::string> work(touched_.begin(), touched_.end());
    for (size_t guard = 0; !work.empty() && guard < 4096; ++guard) {
      const std::string id = work.back();
      work.pop_back();
      RETURN_IF_ERROR(Load(id));
      if (counts_[id] < piece_bound_) continue;
      ASSIGN_OR_RETURN(std::optional<std::string> upper, Split(id));
      if (upper) {
        work.push_back(id);
        work.push_back(*upper);
      }
    }
    return Status::OK();
  }

  Result<std::optional<std::string>> Split(const std::string& id) {
    const std::string oid = PieceObjectName(head_, id);
    const PieceRange range = ranges_[id];
    Fragments all;
    ASSIGN_OR_RETURN(bool unused,
                     ReadRows(io_, oid, RowStart(range.start), SIZE_MAX, range.end, &all));
    (void)unused;
    // The first row boundary at or past the middle (never the first row).
    size_t at = 0;
    std::string_view first_row = all.empty() ? "" : FragmentRowKey(all[0].first);
    for (size_t i = all.size() / 2; i < all.size(); ++i) {
      if (FragmentRowKey(all[i].first) != first_row &&
          FragmentRowKey(all[i].first) != FragmentRowKey(all[i - 1].first)) {
        at = i;
        break;
      }
    }
    if (at == 0) {
      for (size_t i = 1; i < all.size(); ++i) {
        if (FragmentRowKey(all[i].first) != first_row) {
          at = i;
          break;
        }
      }
    }
    if (at == 0 || all.size() < piece_bound_) {
      // One row (never split), or fewer entries than counted (a redone copy counts twice):
      // the count is corrected so that the next spill does not read the piece again.
      counts_[id] = all.size();
      librados::ObjectWriteOperation fix;
      fix.assert_exists();
      fix.setxattr(kPieceCountXattr, Bl(FormatNumber(all.size())));
      RETURN_IF_ERROR(Renew());
      RETURN_IF_ERROR(FromRados(io_.operate(oid, &fix), "counting piece " + oid));
      return std::optional<std::string>();
    }
    const std::string k(RowClustering(FragmentRowKey(all[at].first)));
    Fragments upper(all.begin() + static_cast<ptrdiff_t>(at), all.end());
    ASSIGN_OR_RETURN(std::string upper_id, CreatePiece(PieceRange{k, range.end}, gens_[id], upper));
    librados::ObjectWriteOperation map_op;
    map_op.omap_set({{PieceMapKey(k), Bl(upper_id)}});
    RETURN_IF_ERROR(Renew());
    RETURN_IF_ERROR(Guarded(map_op, "writing the piece map"));
    const PieceRange lower{range.start, k};
    RETURN_IF_ERROR(Trim(id, lower, upper, at));
    return std::optional<std::string>(upper_id);
  }

  // Shrinks piece `id` to `lower` and removes `gone` (its keys past it): the first op sets the
  // range, so that readers holding the old map restart from then on.
  Status Trim(const std::string& id, const PieceRange& lower, const Fragments& gone,
              uint64_t kept) {
    const std::string oid = PieceObjectName(head_, id);
    for (size_t begin = 0; begin == 0 || begin < gone.size(); begin += kMaxPage) {
      librados::ObjectWriteOperation op;
      op.assert_exists();
      if (begin == 0) {
        op.setxattr(kPieceRangeXattr, Bl(EncodePieceRange(lower)));
        op.setxattr(kPieceCountXattr, Bl(FormatNumber(kept)));
      }
      std::set<std::string> keys;
      for (size_t i = begin; i < std::min(gone.size(), begin + kMaxPage); ++i)
        keys.insert(gone[i].first);
      if (!keys.empty()) op.omap_rm_keys(keys);
      RETURN_IF_ERROR(Renew());
      RETURN_IF_ERROR(FromRados(io_.operate(oid, &op), "trimming piece " + oid));
      if (gone.empty()) break;
    }
    ranges_[id] = lower;
    counts_[id] = kept;
    return Status::OK();
  }

  // After a takeover: a piece whose range is wider than the map's (a split that died before
  // its trim) loses the keys past it.
  Status RepairPieces() {
    ASSIGN_OR_RETURN(std::vector<PieceRef> map, ReadMap());
    for (size_t i = 0; i < map.size(); ++i) {
      RETURN_IF_ERROR(Load(map[i].id));
      const PieceRange want{map[i].start, EndOf(map, i)};
      if (ranges_[map[i].id] == want || !want.end) continue;
      Fragments gone;
      ASSIGN_OR_RETURN(bool unused, ReadRows(io_, PieceObjectName(head_, map[i].id),
                                             RowStart(*want.end), SIZE_MAX, std::nullopt, &gone));
      (void)unused;
      RETURN_IF_ERROR(Trim(map[i].id, want, gone, counts_[map[i].id]));
    }
    return Status::OK();
  }

  librados::IoCtx& io_;
  const std::string& head_;
  const uint64_t bound_;
  // Pieces split at a quarter of the head's bound: a reversed read reads a whole segment (its
  // piece and its head rows) before its LIMIT can stop it, so smaller pieces make it cheaper.
  const uint64_t piece_bound_;
  const int64_t gc_grace_;
  SuffixSource* suffixes_;
  const std::string& owner_;
  std::string current_;  // the lease xattr as last written or read
  SpillState state_;
  std::map<std::string, uint64_t> counts_, gens_;
  std::map<std::string, PieceRange> ranges_;
  std::set<std::string> touched_;
};

}  // namespace

Result<PieceSweep> SweepPieces(librados::IoCtx& io, const std::string& head_oid,
                               int64_t gc_grace_seconds, SuffixSource& suffixes,
                               const std::string& owner, const std::atomic<bool>& stop,
                               std::string* position, SweepStats* stats) {
  // No spill and no split here: the bound is unused (a takeover only moves and trims).
  Spill spill(io, head_oid, /*bound=*/2, gc_grace_seconds, &suffixes, owner);
  ASSIGN_OR_RETURN(Spill::Lease lease, spill.Acquire());
  if (lease == Spill::Lease::kGone) return PieceSweep::kDone;
  if (lease == Spill::Lease::kBusy) {
    ++stats->busy;
    return PieceSweep::kBusy;
  }
  Result<bool> done = spill.SweepPieces(position, stop, stats);
  // Let go even after an error: a spill need not wait for the lease to expire.
  Result<bool> released = spill.Release();
  RETURN_IF_ERROR(done.status());
  RETURN_IF_ERROR(released.status());
  if (!*released) return Status(ErrorCode::kIOError, "lost the spill lease of " + head_oid);
  return *done ? PieceSweep::kDone : PieceSweep::kMore;
}

Spiller::Spiller(uint64_t spill_above, int64_t gc_grace_seconds, SuffixSource* suffixes)
    : spill_above_(std::max<uint64_t>(2, spill_above)),
      gc_grace_seconds_(gc_grace_seconds),
      suffixes_(suffixes),
      owner_(NewPieceId()) {}

void Spiller::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Spiller::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Spiller::Queue(const librados::IoCtx& io, const std::string& table_id,
                    const std::string& head_oid) {
  std::lock_guard lock(mu_);
  if (stopping_ || queue_.size() >= kMaxQueued) return;
  std::string key = table_id + "/" + head_oid;
  if (!pending_.insert(key).second) {
    // Running: what was written since it read the head may be past the bound again.
    if (std::none_of(queue_.begin(), queue_.end(), [&](const Job& j) { return j.key == key; })) {
      again_.insert(key);
    }
    return;
  }
  librados::IoCtx copy;
  copy.dup(io);
  queue_.push_back({std::move(key), head_oid, std::move(copy)});
  cv_.notify_one();
}

void Spiller::NoteWritten(const librados::IoCtx& io, const std::string& table_id,
                          const std::string& head_oid, size_t n) {
  {
    std::lock_guard lock(mu_);
    if (written_.size() >= kMaxWrittenTracked) written_.clear();  // approximate by design
    uint64_t& count = written_[table_id + "/" + head_oid];
    count += n;
    if (count < std::max<uint64_t>(1, spill_above_ / 4)) return;
    count = 0;
  }
  Queue(io, table_id, head_oid);
}

void Spiller::WaitIdle() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [&] { return (queue_.empty() && running_ == 0) || stopping_; });
}

Status Spiller::CheckAndSpill(librados::IoCtx& io, const std::string& head_oid) {
  // Count the head's row keys, up to the bound.
  uint64_t count = 0;
  std::string after(1, kRowFragment);  // past the header fragments
  while (count < spill_above_) {
    std::set<std::string> keys;
    bool more = false;
    int rval = 0;
    librados::ObjectReadOperation op;
    op.omap_get_keys2(after, kMaxPage, &keys, &more, &rval);
    // The map (0x02) sorts after the rows: count 0x01 only.
    int rc = io.operate(head_oid, &op, nullptr);
    if (rc == -ENOENT) return Status::OK();
    RETURN_IF_ERROR(FromRados(rc, "counting rows of " + head_oid));
    for (const auto& key : keys) {
      if (!key.empty() && key[0] == kRowFragment) ++count;
    }
    if (!more || keys.empty() || keys.rbegin()->at(0) > kRowFragment) break;
    after = *keys.rbegin();
  }
  if (count < spill_above_) return Status::OK();
  // A head far past the bound (written faster than spilled, or before this node noticed) takes
  // several spills; each lets the lease go in between.
  for (int spills = 0; spills < 1000; ++spills) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Status::OK();
    }
    Spill spill(io, head_oid, spill_above_, gc_grace_seconds_, suffixes_, owner_);
    ASSIGN_OR_RETURN(bool more, spill.Run());
    if (!more) break;
  }
  return Status::OK();
}

void Spiller::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    Status s = CheckAndSpill(job.io, job.head_oid);
    if (!s.ok()) spdlog::warn("Spilling partition {}: {}", job.key, s.ToString());
    lock.lock();
    --running_;
    if (again_.erase(job.key) > 0 && !stopping_) {
      queue_.push_back(std::move(job));
    } else {
      pending_.erase(job.key);
    }
    idle_cv_.notify_all();
  }
  idle_cv_.notify_all();
}

}  // namespace sibyl::storage::rados
