#include "storage/rados_partition_read.h"

#include <algorithm>
#include <cerrno>
#include <deque>
#include <map>
#include <random>
#include <thread>

#include "common/clock.h"
#include "storage/rados_connection.h"
#include "storage/rados_pieces.h"
#include "storage/row_codec.h"
#include "storage/slice_read.h"

namespace sibyl::storage::rados {
namespace {

using librados::bufferlist;

constexpr uint64_t kMaxPage = 1024;    // osd_max_omap_entries_per_request: the OSD caps a page
constexpr uint64_t kCheckEvery = 256;  // rows between deadline checks (issue 9)
constexpr int kMaxAttempts = 8;        // restarts when a spill or split moved rows under a read
constexpr char kCasXattr[] = "cas";

// What every page of a stream is checked against (docs: "Why a reader sees every row").
struct PieceCheck {
  PieceRange expected;    // the range the reader's map gives the piece
  uint64_t head_version;  // the head's spill version the reader read
};
struct UnspilledCheck {
  uint64_t head_version;  // the head had no piece map at this spill version
};

enum class Load : uint8_t { kRow, kEnd, kRestart };

// The row fragments of one object from a start key on, page by page, one row at a time (a row
// may straddle pages). A piece's stream checks each page's `range` and `gen`.
class RowStream {
 public:
  RowStream(librados::IoCtx& io, std::string oid, const ReadEnv& env, const RequestContext* context,
            uint64_t first_page, std::optional<PieceCheck> check,
            std::optional<UnspilledCheck> unspilled = std::nullopt)
      : io_(io),
        oid_(std::move(oid)),
        env_(env),
        context_(context),
        page_size_(first_page),
        check_(std::move(check)),
        unspilled_(unspilled) {}

  // From `start_after`, with a first page already read (seeded) or read on demand.
  void Start(std::string start_after, std::map<std::string, bufferlist> page, bool more) {
    page_ = std::move(page);
    it_ = page_.begin();
    more_ = more;
    start_after_ = start_after;
    consumed_after_ = std::move(start_after);
  }
  void Start(std::string start_after) { Start(std::move(start_after), {}, true); }

  // Loads the next row (if not loaded yet): kEnd past the last, kRestart when the piece changed.
  // A row the page ends in is read again from its first fragment by the next fetch, so that a
  // row of at most a page of fragments comes from one read op: a compaction (a merge replaces
  // its inputs with a key sorting after them) is then seen wholly or not at all (docs: "Why
  // nothing is lost or doubled"). A longer row is read across pages.
  Result<Load> Peek() {
    if (has_row_) return Load::kRow;
    row_.clear();
    bool row_refetched = false;
    while (true) {
      if (it_ == page_.end()) {
        if (!more_) break;
        if (!row_.empty() && !row_refetched) {
          // Every fragment key of the row is longer than its row key, every earlier key sorts
          // before it (clusterings are prefix-free).
          start_after_ = row_key_;
          row_.clear();
          row_refetched = true;
        }
        ASSIGN_OR_RETURN(bool valid, Fetch());
        if (!valid) return Load::kRestart;
        continue;
      }
      std::string_view rk = FragmentRowKey(it_->first);
      if (rk.empty() || rk[0] != kRowFragment) {
        return Status(ErrorCode::kCorruption, "malformed fragment key in " + oid_);
      }
      if (row_.empty()) {
        row_key_ = rk;
      } else if (rk != row_key_) {
        break;
      }
      row_.emplace_back(it_->first, it_->second.to_str());
      start_after_ = it_->first;
      ++it_;
    }
    if (row_.empty()) return Load::kEnd;
    has_row_ = true;
    return Load::kRow;
  }
  const std::string& row_key() const { return row_key_; }
  const Fragments& fragments() const { return row_; }
  void Take() {
    consumed_after_ = row_.back().first;
    has_row_ = false;
  }
  // Drops what is buffered: the next Peek reads again after the last row taken and after
  // every fragment of `row_key` (the last row the merge returned).
  void Invalidate(const std::string& row_key) {
    page_.clear();
    it_ = page_.end();
    more_ = true;
    has_row_ = false;
    start_after_ = consumed_after_;
    if (!row_key.empty()) {
      start_after_ = std::max(start_after_, row_key + std::string(kSuffixSize, '\xff'));
    }
    consumed_after_ = start_after_;
  }
  uint64_t fetches() const { return fetches_; }

 private:
  // False when a piece no longer covers what the reader's map says, or was merged after the
  // head version the reader read.
  Result<bool> Fetch() {
    if (context_) RETURN_IF_ERROR(context_->Check());  // the request's deadline (issue 9)
    ++fetches_;
    librados::ObjectReadOperation op;
    int rval = 0, attrs_rval = 0;
    std::map<std::string, bufferlist> attrs;
    page_.clear();
    more_ = false;
    if (check_ || unspilled_) op.getxattrs(&attrs, &attrs_rval);
    op.omap_get_vals2(start_after_, std::string(1, kRowFragment), page_size_, &page_, &more_,
                      &rval);
    page_size_ = kMaxPage;
    int rc = io_.operate(oid_, &op, nullptr);
    if (rc == -ENOENT) {
      page_.clear();
      more_ = false;
      if (check_) return false;  // a piece removed by a TRUNCATE racing the read
      return true;
    } else {
      RETURN_IF_ERROR(FromRados(rc, "reading partition rows"));
    }
    if (env_.entries_read) env_.entries_read->fetch_add(page_.size(), std::memory_order_relaxed);
    it_ = page_.begin();
    if (unspilled_) {
      // The first spill since the read began: rows may have left for a piece it does not know.
      auto spill_it = attrs.find(kSpillXattr);
      ASSIGN_OR_RETURN(SpillState spill,
                       ParseSpill(spill_it == attrs.end() ? "" : spill_it->second.to_str()));
      if (spill.version != unspilled_->head_version) return false;
    }
    if (check_) {
      auto range_it = attrs.find(kPieceRangeXattr);
      if (range_it == attrs.end()) return false;
      ASSIGN_OR_RETURN(PieceRange range, DecodePieceRange(range_it->second.to_str()));
      auto gen_it = attrs.find(kPieceGenXattr);
      ASSIGN_OR_RETURN(uint64_t gen,
                       ParseNumber(gen_it == attrs.end() ? "" : gen_it->second.to_str(), "gen"));
      if (!range.Covers(check_->expected) || gen > check_->head_version) return false;
    }
    return true;
  }

  librados::IoCtx& io_;
  const std::string oid_;
  const ReadEnv& env_;
  const RequestContext* context_;  // null: unbounded
  uint64_t page_size_;
  const std::optional<PieceCheck> check_;
  const std::optional<UnspilledCheck> unspilled_;
  std::map<std::string, bufferlist> page_;
  std::map<std::string, bufferlist>::iterator it_ = page_.end();
  bool more_ = false;
  std::string start_after_;     // the next fetch starts after this key
  std::string consumed_after_;  // ... and after Invalidate, after this one
  bool has_row_ = false;
  std::string row_key_;
  Fragments row_;
  uint64_t fetches_ = 0;
};

// Whether `clustering` lies past `range`'s end (in ascending order). Monotone in clustering.
bool PastEnd(const ClusteringRange& range, std::string_view clustering) {
  if (range.end.unbounded()) return false;
  int c = clustering.substr(0, range.end.prefix.size()).compare(range.end.prefix);
  return c > 0 || (c == 0 && !range.end.inclusive);
}

// A clustering range of the partition read from the head and, once spilled, one piece.
struct Segment {
  std::string start;
  std::optional<std::string> end;
  std::optional<std::string> piece_oid;
};

enum class Step : uint8_t { kNext, kSegmentDone, kRangeDone, kDone };
enum class Outcome : uint8_t { kSegmentEnd, kRangeDone, kDone, kRestart };

// The rows of a segment in clustering order, the head's and the piece's merged by fragment key.
// `emit(row_key, head fragments, all fragments)` says whether to go on. The head's page of a
// key region is always read before the piece's (a piece page read earlier is dropped when the
// head fetches), so a fragment moved from the head to the piece meanwhile is seen in one of them.
template <typename Emit>
Result<Outcome> MergeSegment(RowStream& head, RowStream* piece,
                             const std::optional<std::string>& end, Emit&& emit) {
  auto in_segment = [&](const std::string& row_key) {
    return !end || RowClustering(row_key) < std::string_view(*end);
  };
  Fragments all;
  std::string last_row_key;  // the last row returned
  while (true) {
    const uint64_t before = head.fetches();
    ASSIGN_OR_RETURN(Load h, head.Peek());
    if (h == Load::kRestart) return Outcome::kRestart;
    if (piece && head.fetches() != before) piece->Invalidate(last_row_key);
    const bool has_head = h == Load::kRow && in_segment(head.row_key());
    bool has_piece = false;
    if (piece) {
      ASSIGN_OR_RETURN(Load p, piece->Peek());
      if (p == Load::kRestart) return Outcome::kRestart;
      has_piece = p == Load::kRow && in_segment(piece->row_key());
    }
    if (!has_head && !has_piece) return Outcome::kSegmentEnd;
    const int order = !has_head ? 1 : !has_piece ? -1 : head.row_key().compare(piece->row_key());
    static const Fragments kNone;
    const Fragments& from_head = order <= 0 ? head.fragments() : kNone;
    std::string row_key = order <= 0 ? head.row_key() : piece->row_key();
    all = from_head;
    if (order >= 0) {
      // A key in both (copied, not yet removed from the head) counts once.
      for (const auto& fragment : piece->fragments()) {
        if (std::none_of(from_head.begin(), from_head.end(),
                         [&](const auto& f) { return f.first == fragment.first; })) {
          all.push_back(fragment);
        }
      }
    }
    ASSIGN_OR_RETURN(Step step, emit(row_key, from_head, all));
    last_row_key = row_key;
    if (order <= 0) head.Take();
    if (order >= 0) piece->Take();
    if (step == Step::kSegmentDone) return Outcome::kSegmentEnd;
    if (step == Step::kRangeDone) return Outcome::kRangeDone;
    if (step == Step::kDone) return Outcome::kDone;
  }
}

// One attempt: the rows read until it ended or must restart (`restart`): those rows are exact,
// and the read goes on after the last of them.
struct Attempt {
  ResolvedPartition out;
  bool restart = false;
};

Result<Attempt> TryRead(librados::IoCtx& io, const std::string& head_oid,
                        const std::string& partition_key, int64_t token, const SliceQuery& query,
                        int64_t* seen, std::optional<std::string>* cas, const ReadEnv& env,
                        ReadReport* report) {
  ResolvedPartition out;
  out.partition_key = partition_key;
  out.token = token;
  std::vector<ClusteringRange> ranges = query.ranges;
  if (ranges.empty()) ranges.push_back(ClusteringRange{});
  if (query.reversed) std::reverse(ranges.begin(), ranges.end());
  const uint64_t limit = query.row_limit;
  auto count = [&](size_t n) {
    if (env.entries_read) env.entries_read->fetch_add(n, std::memory_order_relaxed);
  };

  // Where a range's forward read starts: every key under "\x01" ‖ prefix is longer than it;
  // a forward resume skips every fragment of the resume row (suffixes are below 20 x 0xff).
  auto start_after = [&](const ClusteringRange& range) {
    std::string s = std::string(1, kRowFragment) + range.start.prefix;
    if (!query.reversed && query.resume_after) {
      std::string r =
          std::string(1, kRowFragment) + *query.resume_after + std::string(kSuffixSize, '\xff');
      if (r > s) s = std::move(r);
    }
    return s;
  };

  // One round trip for the common case: the xattrs, the header fragments, the piece map and
  // the first page of rows. A small first page when few rows are wanted.
  librados::ObjectReadOperation op;
  std::map<std::string, bufferlist> attrs, header_page, map_page, row_page;
  bool header_more = false, map_more = false, row_more = false;
  int attrs_rval = 0, header_rval = 0, map_rval = 0, row_rval = 0;
  op.getxattrs(&attrs, &attrs_rval);
  op.omap_get_vals2("", std::string(1, kHeaderFragment), kMaxPage, &header_page, &header_more,
                    &header_rval);
  op.omap_get_vals2("", std::string(1, kPieceMapEntry), kMaxPage, &map_page, &map_more, &map_rval);
  const uint64_t first_page =
      query.reversed || limit >= kMaxPage / 4 ? kMaxPage : std::max<uint64_t>(32, 4 * (limit + 1));
  const std::string first_start = start_after(ranges[0]);
  op.omap_get_vals2(first_start, std::string(1, kRowFragment), first_page, &row_page, &row_more,
                    &row_rval);
  int rc = io.operate(head_oid, &op, nullptr);
  if (rc == -ENOENT) {
    if (cas) cas->reset();
    return Attempt{std::move(out), false};
  }
  RETURN_IF_ERROR(FromRados(rc, "reading a partition"));
  count(header_page.size() + map_page.size() + row_page.size());
  auto xattr = [&](const char* name) {
    auto it = attrs.find(name);
    return it == attrs.end() ? std::string() : it->second.to_str();
  };
  if (cas) *cas = xattr(kCasXattr);
  const std::string spill_value = xattr(kSpillXattr);
  ASSIGN_OR_RETURN(SpillState spill, ParseSpill(spill_value));

  // More pages of a prefix (header fragments, the piece map) when the first was full.
  auto read_rest = [&](std::map<std::string, bufferlist>& page, bool more, char prefix,
                       Fragments* into) -> Status {
    for (auto& [key, value] : page) into->emplace_back(key, value.to_str());
    while (more && !page.empty()) {
      if (query.context) RETURN_IF_ERROR(query.context->Check());
      std::string last = page.rbegin()->first;
      page.clear();
      int more_rval = 0;
      librados::ObjectReadOperation more_op;
      more_op.omap_get_vals2(last, std::string(1, prefix), kMaxPage, &page, &more, &more_rval);
      RETURN_IF_ERROR(FromRados(io.operate(head_oid, &more_op, nullptr), "reading a partition"));
      count(page.size());
      for (auto& [key, value] : page) into->emplace_back(key, value.to_str());
      if (prefix == kPieceMapEntry && into->size() > kMaxPieces) {
        return Status(ErrorCode::kCorruption, "piece map of " + head_oid + " too long");
      }
    }
    return Status::OK();
  };
  Fragments header_fragments, map_entries;
  RETURN_IF_ERROR(read_rest(header_page, header_more, kHeaderFragment, &header_fragments));
  RETURN_IF_ERROR(read_rest(map_page, map_more, kPieceMapEntry, &map_entries));

  std::vector<Segment> segments;
  for (size_t i = 0; i < map_entries.size(); ++i) {
    ASSIGN_OR_RETURN(PieceRef ref, ParsePieceMapEntry(map_entries[i].first, map_entries[i].second));
    if (i == 0 && !ref.start.empty()) {
      return Status(ErrorCode::kCorruption, "piece map of " + head_oid + " does not start at \"\"");
    }
    if (!segments.empty()) segments.back().end = ref.start;
    segments.push_back({ref.start, std::nullopt, PieceObjectName(head_oid, ref.id)});
  }
  report->spilled = !segments.empty();
  if (segments.empty()) segments.push_back({"", std::nullopt, std::nullopt});

  PartitionHeader header;
  if (!header_fragments.empty()) {
    std::vector<std::string_view> values;
    for (const auto& [key, value] : header_fragments) values.push_back(value);
    ASSIGN_OR_RETURN(header, MergeHeaderFragments(values));
    if (header_fragments.size() > kCompactAbove) {
      auto plan = PlanCompaction(header_fragments, /*header=*/true, *env.suffixes, NowMicros(),
                                 env.gc_grace_seconds);
      if (plan.ok() && *plan) report->compactions.push_back({std::move(**plan), std::nullopt});
    }
  }
  NoteSeen(header, seen);
  TakeStaticRow(header, query, out);
  // Head rows may be merged only while no spill runs (docs: "Why nothing is lost or doubled").
  const std::optional<std::string> row_guard =
      spill.busy ? std::nullopt : std::optional<std::string>(spill_value);

  uint64_t visited = 0;
  bool seed_unused = true;
  for (size_t range_idx = 0; range_idx < ranges.size(); ++range_idx) {
    const ClusteringRange& range = ranges[range_idx];
    if (query.reversed && query.resume_after && !range.start.unbounded() &&
        *query.resume_after <= range.start.prefix) {
      continue;  // every row of the range is at or after the resume position
    }
    // The segments overlapping the range, in the read's order.
    std::vector<const Segment*> order;
    for (const Segment& seg : segments) {
      if (seg.end && !range.start.unbounded() && *seg.end <= range.start.prefix) continue;
      if (PastEnd(range, seg.start) && !seg.start.empty()) continue;
      if (query.resume_after) {
        // Every row of the segment is at or past the resume position, in the read's direction.
        if (query.reversed && !seg.start.empty() && seg.start >= *query.resume_after) continue;
        if (!query.reversed && seg.end && *seg.end <= *query.resume_after) continue;
      }
      order.push_back(&seg);
    }
    if (query.reversed) std::reverse(order.begin(), order.end());
    uint64_t remaining = limit - std::min<uint64_t>(limit, out.rows.size());
    for (const Segment* seg : order) {
      std::string from = start_after(range);
      const std::string seg_from = std::string(1, kRowFragment) + seg->start;
      if (seg_from > from) from = seg_from;
      std::optional<UnspilledCheck> unspilled;
      if (!report->spilled) unspilled = UnspilledCheck{spill.version};
      RowStream head(io, head_oid, env, query.context, first_page, std::nullopt, unspilled);
      if (seed_unused && from == first_start) {
        head.Start(from, std::move(row_page), row_more);
        seed_unused = false;
      } else {
        head.Start(from);
      }
      std::optional<RowStream> piece;
      if (seg->piece_oid) {
        piece.emplace(io, *seg->piece_oid, env, query.context, first_page,
                      PieceCheck{PieceRange{seg->start, seg->end}, spill.version});
        piece->Start(from);
      }
      std::deque<Row> tail;  // reversed: the segment's last `remaining + 1` live rows
      auto emit = [&](const std::string& row_key, const Fragments& from_head,
                      const Fragments& all) -> Result<Step> {
        report->head_row_fragments += from_head.size();
        // Dead or out-of-range rows can be many: stop at the request's deadline (issue 9).
        if (query.context && ++visited % kCheckEvery == 0) RETURN_IF_ERROR(query.context->Check());
        std::string clustering(RowClustering(row_key));
        // Reversed, segments go backwards: reaching the resume row or the range's end ends
        // this segment only.
        const Step past = query.reversed ? Step::kSegmentDone : Step::kRangeDone;
        if (query.resume_after) {
          if (!query.reversed && clustering <= *query.resume_after) return Step::kNext;
          if (query.reversed && clustering >= *query.resume_after) return past;
        }
        if (!range.Contains(clustering)) return PastEnd(range, clustering) ? past : Step::kNext;
        std::vector<std::string_view> values;
        for (const auto& [key, value] : all) values.push_back(value);
        ASSIGN_OR_RETURN(Row stored, MergeRowFragments(values));
        if (row_guard && from_head.size() > kCompactAbove) {
          auto plan = PlanCompaction(from_head, /*header=*/false, *env.suffixes, NowMicros(),
                                     env.gc_grace_seconds);
          if (plan.ok() && *plan) report->compactions.push_back({std::move(**plan), row_guard});
        }
        stored.clustering = clustering;
        NoteSeen(stored, seen);
        auto live = ResolveRow(std::move(stored), CoveringDeletion(header, clustering),
                               query.now_seconds, query.dropped_columns);
        if (!live) return Step::kNext;
        if (!query.reversed) {
          if (out.rows.size() >= limit) {
            out.more = true;
            return Step::kDone;
          }
          out.rows.push_back(std::move(*live));
          return Step::kNext;
        }
        tail.push_back(std::move(*live));
        if (remaining != UINT64_MAX && tail.size() > remaining + 1) tail.pop_front();
        return Step::kNext;
      };
      ASSIGN_OR_RETURN(Outcome outcome,
                       MergeSegment(head, piece ? &*piece : nullptr, seg->end, emit));
      if (outcome == Outcome::kRestart) return Attempt{std::move(out), true};
      if (outcome == Outcome::kDone) return Attempt{std::move(out), false};
      if (query.reversed) {
        const bool more = tail.size() > remaining;
        const size_t take = more ? remaining : tail.size();
        for (size_t i = 0; i < take; ++i) out.rows.push_back(std::move(tail[tail.size() - 1 - i]));
        if (more) {
          out.more = true;
          return Attempt{std::move(out), false};
        }
        if (remaining != UINT64_MAX) remaining -= take;
      }
      if (outcome == Outcome::kRangeDone) break;
    }
  }
  return Attempt{std::move(out), false};
}

}  // namespace

Result<ResolvedPartition> ReadPartitionSlice(librados::IoCtx& io, const std::string& head_oid,
                                             const std::string& partition_key, int64_t token,
                                             const SliceQuery& query, int64_t* seen,
                                             std::optional<std::string>* cas, const ReadEnv& env,
                                             ReadReport* report) {
  // A restart goes on after the last row returned (rows read before it are exact), with the
  // static row and the `cas` xattr of the first attempt: an LWT guard older than some rows only
  // fails more often, never lets a stale decision through.
  ResolvedPartition result;
  SliceQuery rest = query;
  int stalled = 0;  // restarts in a row that returned no row
  for (int attempt = 1;; ++attempt) {
    ASSIGN_OR_RETURN(Attempt got, TryRead(io, head_oid, partition_key, token, rest, seen,
                                          attempt == 1 ? cas : nullptr, env, report));
    if (attempt == 1) {
      result = std::move(got.out);
    } else {
      for (auto& row : got.out.rows) result.rows.push_back(std::move(row));
      result.more = got.out.more;
    }
    if (!got.restart) return result;
    stalled = got.out.rows.empty() ? stalled + 1 : 0;
    if (stalled == kMaxAttempts) {
      return Status(ErrorCode::kIOError,
                    "partition " + head_oid + " kept being reorganized under a read");
    }
    if (query.context) RETURN_IF_ERROR(query.context->Check());
    // A spill step is a few round trips: let it end before reading again (randomized, growing).
    if (stalled > 1) {
      thread_local std::mt19937 rng(std::random_device{}());
      const int cap_ms = 1 << std::min(stalled, 5);
      std::this_thread::sleep_for(
          std::chrono::microseconds(std::uniform_int_distribution<int>(100, cap_ms * 1000)(rng)));
    }
    rest.want_static = false;
    if (!result.rows.empty()) rest.resume_after = result.rows.back().clustering;
    if (query.row_limit != UINT64_MAX) rest.row_limit = query.row_limit - result.rows.size();
  }
}

}  // namespace sibyl::storage::rados
