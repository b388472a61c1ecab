#include "storage/rados_sweeper.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "storage/rados_fragments.h"
#include "storage/rados_index.h"
#include "storage/rados_pieces.h"
#include "storage/rados_spill.h"

namespace sibyl::storage {
namespace {

// How often an idle sweeper looks again at the table list (new tables, passes that fell due).
constexpr std::chrono::seconds kIdleCheck{10};

}  // namespace

RadosSweeper::RadosSweeper(std::shared_ptr<RadosConnection> connection, Coordinator* coordinator,
                           ListTables tables, RadosSweeperOptions options)
    : connection_(std::move(connection)),
      coordinator_(coordinator),
      tables_(std::move(tables)),
      options_(options),
      owner_(rados::NewPieceId()) {}

RadosSweeper::~RadosSweeper() { Stop(); }

void RadosSweeper::Start() {
  if (options_.period.count() <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void RadosSweeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool RadosSweeper::Sleep(std::chrono::steady_clock::duration d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_.load(); });
}

Result<std::vector<TokenRange>> RadosSweeper::Ranges() {
  if (!coordinator_) return std::vector<TokenRange>{{INT64_MIN, INT64_MAX}};
  const NodeRecord self = coordinator_->Self();
  ASSIGN_OR_RETURN(std::vector<NodeRecord> nodes, coordinator_->Nodes());
  // Dead nodes' ranges go to the live nodes next to them on the ring, so that nothing waits for
  // a node to come back. Two nodes whose views differ for a moment may both sweep a range: the
  // guards make that harmless, only wasted work.
  std::vector<std::vector<int64_t>> others;
  for (const auto& n : nodes) {
    if (n.live && n.host_id != self.host_id) others.push_back(n.tokens);
  }
  return OwnedRanges(self.tokens, others);
}

Status RadosSweeper::SweepPage(const SweptTable& table, const std::vector<TokenRange>& ranges,
                               std::optional<PartitionPosition>* resume, bool* done,
                               const std::function<bool()>& throttle, rados::SweepStats* stats) {
  *done = false;
  librados::IoCtx io = connection_->IoCtx(table.table_id);
  rados::PartitionIndex index(0);  // only its Scan: nothing is cached
  for (const TokenRange& range : ranges) {
    if (*resume && resume->value().token > range.last) continue;
    ScanQuery query;
    query.start_token = range.first;
    query.end_token = range.last;
    query.resume_after = *resume;
    query.max_partitions = options_.page;
    ASSIGN_OR_RETURN(std::vector<PartitionPosition> page, index.Scan(io, query));
    if (page.empty()) continue;
    for (auto& partition : page) {
      if (throttle && !throttle()) return Status::OK();
      const std::string oid = rados::PartitionObjectName(partition.token, partition.partition_key);
      bool has_piece_map = false;
      Status s = rados::SweepObject(io, oid, suffixes_, table.gc_grace_seconds, stopping_, stats,
                                    &has_piece_map);
      if (s.ok() && has_piece_map && !stopping_) {
        s = SweepPieces(io, oid, table, throttle, stats);
      }
      if (stopping_) return Status::OK();
      if (s.code() == ErrorCode::kCorruption) {
        // Reads of it fail the same way; sweeping the others is still worth it.
        spdlog::error("Sweeper: table {}: {}", table.table_id, s.ToString());
      } else {
        RETURN_IF_ERROR(s);
      }
      ++stats->partitions;
      *resume = std::move(partition);
    }
    return Status::OK();
  }
  *done = true;
  return Status::OK();
}

Status RadosSweeper::SweepPieces(librados::IoCtx& io, const std::string& head_oid,
                                 const SweptTable& table, const std::function<bool()>& throttle,
                                 rados::SweepStats* stats) {
  std::string position;
  while (!stopping_) {
    const uint64_t pages_before = stats->piece_pages;
    ASSIGN_OR_RETURN(rados::PieceSweep step,
                     rados::SweepPieces(io, head_oid, table.gc_grace_seconds, suffixes_, owner_,
                                        stopping_, &position, stats));
    // The lease is let go here: a spill waiting for it goes first. A piece page costs what a
    // partition does in the rate (the partition itself was counted before its head).
    for (uint64_t page = pages_before; throttle && page < stats->piece_pages; ++page) {
      if (!throttle()) return Status::OK();
    }
    // Busy: a spill runs (it merges the rows it moves); the rest waits for the next pass.
    if (step != rados::PieceSweep::kMore) return Status::OK();
  }
  return Status::OK();
}

Result<rados::SweepStats> RadosSweeper::SweepTableForTesting(const SweptTable& table) {
  ASSIGN_OR_RETURN(std::vector<TokenRange> ranges, Ranges());
  rados::SweepStats stats;
  std::optional<PartitionPosition> resume;
  bool done = false;
  while (!done) RETURN_IF_ERROR(SweepPage(table, ranges, &resume, &done, nullptr, &stats));
  return stats;
}

void RadosSweeper::Run() {
  using Clock = std::chrono::steady_clock;
  if (!Sleep(options_.first_delay)) return;
  const auto per_partition = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / std::max(options_.partitions_per_second, 0.001)));
  auto throttle = [&] { return Sleep(per_partition); };
  while (!stopping_) {
    const auto now = Clock::now();
    std::vector<SweptTable> tables = tables_();
    // Tables dropped since: forget their progress.
    std::erase_if(progress_, [&](const auto& entry) {
      return std::none_of(tables.begin(), tables.end(),
                          [&](const SweptTable& t) { return t.table_id == entry.first; });
    });
    // One page of the due table whose pass is oldest, so that tables take turns.
    const SweptTable* next = nullptr;
    for (const auto& t : tables) {
      Progress& p = progress_[t.table_id];
      if (!p.in_pass && p.next_due > now) continue;
      if (!next || p.pass_started < progress_[next->table_id].pass_started) next = &t;
    }
    if (!next) {
      if (!Sleep(kIdleCheck)) return;
      continue;
    }
    Progress& p = progress_[next->table_id];
    if (!p.in_pass) {
      p = Progress{};
      p.in_pass = true;
      p.pass_started = now;
    }
    auto ranges = Ranges();
    bool done = false;
    Status s = ranges.ok() ? SweepPage(*next, *ranges, &p.resume, &done, throttle, &p.stats)
                           : ranges.status();
    if (!s.ok()) {
      // Transient (RADOS, registry): the pass resumes where it was at the next round.
      spdlog::warn("Sweeper: table {}: {}", next->table_id, s.ToString());
      if (!Sleep(kIdleCheck)) return;
      continue;
    }
    if (done) {
      p.in_pass = false;
      p.next_due = p.pass_started + options_.period;
      // Info only when the pass changed something: most passes over most tables do not.
      spdlog::log(p.stats.rewrites + p.stats.raced > 0 ? spdlog::level::info : spdlog::level::debug,
                  "Sweeper: table {} swept: {} partitions, {} fragments read, {} rewrites "
                  "replacing {} fragments, {} raced, {} piece pages, {} busy",
                  next->table_id, p.stats.partitions, p.stats.fragments_read, p.stats.rewrites,
                  p.stats.fragments_removed, p.stats.raced, p.stats.piece_pages, p.stats.busy);
    }
  }
}

}  // namespace sibyl::storage
