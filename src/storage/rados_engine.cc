#include "storage/rados_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "common/clock.h"
#include "storage/rados_compaction.h"
#include "storage/rados_fragments.h"
#include "storage/rados_index.h"
#include "storage/rados_partition_read.h"
#include "storage/rados_pieces.h"
#include "storage/rados_spill.h"
#include "storage/rados_truncate.h"
#include "storage/rados_write_gate.h"
#include "storage/row_codec.h"
#include "storage/slice_read.h"

namespace sibyl::storage {
namespace {

using librados::bufferlist;
using rados::AioBatch;
using rados::Fragments;

constexpr uint64_t kMaxPage = 1024;  // osd_max_omap_entries_per_request: the OSD caps a page
constexpr size_t kMaxCompactionsInFlight = 64;
constexpr size_t kRemoveWindow = 64;  // objects removed in parallel by TRUNCATE/DROP
constexpr char kClusterNamespace[] = "sibyl.cluster";
constexpr char kBatchlogRegistry[] = "batchlogs";
constexpr char kCasXattr[] = "cas";

bufferlist Bl(std::string_view s) {
  bufferlist bl;
  bl.append(s.data(), s.size());
  return bl;
}

std::map<std::string, bufferlist> ToOmap(const Fragments& fragments) {
  std::map<std::string, bufferlist> out;
  for (const auto& [key, value] : fragments) out[key] = Bl(value);
  return out;
}

// The `cas` xattr: 20-digit version ‖ 20-digit last LWT timestamp (offset binary, so fixed
// width). Compared only for equality, so the signed-char quirk of ordered compares is moot.
struct CasState {
  uint64_t version = 0;
  int64_t last_timestamp = INT64_MIN;
};
std::string FormatCas(const CasState& s) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%020llu%020llu", static_cast<unsigned long long>(s.version),
                static_cast<unsigned long long>(static_cast<uint64_t>(s.last_timestamp) ^
                                                (uint64_t{1} << 63)));
  return buf;
}
Result<CasState> ParseCas(std::string_view bytes) {
  CasState s;
  if (bytes.empty()) return s;
  if (bytes.size() != 40 || !std::all_of(bytes.begin(), bytes.end(), [](char c) {
        return c >= '0' && c <= '9';
      })) {
    return Status(ErrorCode::kCorruption, "malformed cas xattr of a RADOS partition object");
  }
  s.version = std::stoull(std::string(bytes.substr(0, 20)));
  s.last_timestamp =
      static_cast<int64_t>(std::stoull(std::string(bytes.substr(20))) ^ (uint64_t{1} << 63));
  return s;
}

struct Table {
  librados::IoCtx io;
};

class RadosEngine final : public Engine {
 public:
  RadosEngine(std::shared_ptr<RadosConnection> connection, RadosEngineOptions options)
      : connection_(std::move(connection)),
        options_(std::move(options)),
        index_(options_.index_cache_bytes),
        spiller_(options_.spill_above_entries, options_.gc_grace_seconds, &suffixes_) {}

  ~RadosEngine() override {
    {
      std::lock_guard lock(replay_mu_);
      stopping_ = true;
    }
    replay_cv_.notify_all();
    if (replay_thread_.joinable()) replay_thread_.join();
    spiller_.Stop();
    WaitForCompactions();
  }

  Status Open() {
    cluster_io_ = connection_->IoCtx(kClusterNamespace);
    if (options_.node_id.empty()) {
      std::random_device rd;
      char buf[24];
      std::snprintf(buf, sizeof(buf), "%08x%08x", rd(), rd());
      options_.node_id = buf;
    }
    batchlog_oid_ = "batchlog." + options_.node_id;
    // The registry of batchlog objects, so that any node finds a dead node's entries without
    // listing the pool.
    librados::ObjectWriteOperation reg;
    reg.omap_set({{options_.node_id, Bl("1")}});
    RETURN_IF_ERROR(FromRados(cluster_io_.operate(kBatchlogRegistry, &reg),
                              "registering the batchlog of node " + options_.node_id));
    auto replayed = ReplayBatchlog(batchlog_oid_, std::chrono::seconds(0));
    if (!replayed.ok()) return replayed.status();
    if (*replayed > 0) spdlog::info("Replayed {} logged batches of this node", *replayed);
    if (options_.batchlog_replay_period.count() > 0) {
      replay_thread_ = std::thread([this] { ReplayLoop(); });
    }
    spiller_.Start();
    return Status::OK();
  }

  bool CheapToCallInline() const override { return false; }  // every call is a network trip

  // ---- tables ----------------------------------------------------------------------------------

  Status CreateTable(const std::string& table_id) override {
    librados::IoCtx io = connection_->IoCtx(table_id);
    librados::ObjectWriteOperation op;
    op.create(true);
    op.setxattr("created", Bl(std::to_string(NowMicros())));
    int rc = io.operate(rados::kTableMarkerObject, &op);
    if (rc != -EEXIST) RETURN_IF_ERROR(FromRados(rc, "creating table storage " + table_id));
    std::lock_guard lock(tables_mu_);
    tables_[table_id] = std::make_shared<Table>(Table{std::move(io)});
    return Status::OK();
  }

  Status DropTable(const std::string& table_id) override {
    {
      std::lock_guard lock(tables_mu_);
      tables_.erase(table_id);
    }
    librados::IoCtx io = connection_->IoCtx(table_id);
    // The marker first: from then on this table is unknown to every node that looks it up.
    int rc = io.remove(rados::kTableMarkerObject);
    if (rc != -ENOENT) RETURN_IF_ERROR(FromRados(rc, "dropping table storage " + table_id));
    RETURN_IF_ERROR(RemoveAll(io, table_id, /*keep_marker=*/false));
    index_.Forget(table_id);
    return Status::OK();
  }

  void ForgetCachedState() override {
    {
      std::lock_guard lock(tables_mu_);
      tables_.clear();
    }
    index_.Forget("");
    // Another node's TRUNCATE waits (this is its acknowledgement) for the writes that may still
    // use what was just forgotten (docs/dev/rados-mapping.md "TRUNCATE and racing writes").
    write_gate_.Drain();
  }

  Status TruncateTable(const std::string& table_id) override {
    auto table = Find(table_id);
    if (!table) return NotFound("table storage " + table_id);
    RETURN_IF_ERROR(RemoveAll(table->io, table_id, /*keep_marker=*/true));
    index_.Forget(table_id);
    write_gate_.Drain();  // this node's own writes in flight, as the others' acknowledgements do
    return Status::OK();
  }

  Status FinishTruncate(const std::string& table_id) override {
    auto table = Find(table_id);
    if (!table) return NotFound("table storage " + table_id);
    return rados::RemoveUnindexedPartitions(table->io, table_id);
  }

  // ---- writes ----------------------------------------------------------------------------------

  Status Apply(const std::vector<TableMutation>& mutations) override {
    ASSIGN_OR_RETURN(std::vector<rados::BatchPartition> writes, Prepare(mutations));
    if (writes.size() <= 1) return Write(writes);
    // Several partitions: one RADOS op is atomic on one object only, so the batch goes to the
    // batchlog first, with its fragments' suffixes chosen, and is replayed if this node dies
    // before its entry is removed (docs/dev/rados-mapping.md "Logged batches").
    ASSIGN_OR_RETURN(std::string entry, LogBatch(writes));
    RETURN_IF_ERROR(Write(writes));
    librados::ObjectWriteOperation rm;
    rm.omap_rm_keys({entry});
    int rc = cluster_io_.operate(batchlog_oid_, &rm);
    // Applied: a stale entry is only replayed (idempotent), so its removal failing is no error.
    if (rc < 0) spdlog::warn("{}", FromRados(rc, "removing a batchlog entry").ToString());
    return Status::OK();
  }

  // ---- reads -----------------------------------------------------------------------------------

  Result<ResolvedPartition> ReadPartition(const std::string& table_id,
                                          const std::string& partition_key, int64_t token,
                                          const SliceQuery& query) override {
    auto table = Find(table_id);
    if (!table) return NotFound("table storage " + table_id);
    return Read(*table, partition_key, token, query, nullptr, nullptr);
  }

  Result<std::vector<PartitionPosition>> ScanPartitions(const std::string& table_id,
                                                        const ScanQuery& query) override {
    auto table = Find(table_id);
    if (!table) return NotFound("table storage " + table_id);
    return index_.Scan(table->io, query);
  }

  // ---- compare-and-apply -----------------------------------------------------------------------
  // Optimistic (docs/dev/rados-mapping.md "Compare-and-apply"): read the partition with its `cas`
  // xattr, decide, and write guarded by that xattr being unchanged; another LWT that won in
  // between makes the guard fail (-ECANCELED), and this one reads and decides again.
  Status CompareAndApply(const std::string& table_id, const std::string& partition_key,
                         int64_t token, const SliceQuery& read, const CasDecide& decide) override {
    auto table = Find(table_id);
    if (!table) return NotFound("table storage " + table_id);
    const std::string oid = rados::PartitionObjectName(token, partition_key);
    std::mt19937 rng(std::random_device{}());
    for (int attempt = 0;; ++attempt) {
      rados::WriteGate::Pass pass(write_gate_);  // index cache use up to the write: TRUNCATE
      if (read.context) RETURN_IF_ERROR(read.context->Check());
      int64_t seen = INT64_MIN + 1;
      std::optional<std::string> cas;  // nullopt: the object did not exist
      ASSIGN_OR_RETURN(ResolvedPartition current,
                       Read(*table, partition_key, token, read, &seen, &cas));
      ASSIGN_OR_RETURN(CasState state, ParseCas(cas.value_or("")));
      seen = std::max(seen, MaxTimestamp(current));
      if (seen == INT64_MAX) seen = INT64_MAX - 1;
      int64_t timestamp = std::max(NowMicros(), seen + 1);
      if (state.last_timestamp != INT64_MIN) {
        timestamp = std::max(timestamp, state.last_timestamp + 1);
      }
      ASSIGN_OR_RETURN(std::optional<PartitionMutation> mutation, decide(current, timestamp));
      if (!mutation) return Status::OK();
      if (mutation->partition_key != partition_key || mutation->token != token) {
        return Status(ErrorCode::kInternal, "compare-and-apply mutation for another partition");
      }
      RETURN_IF_ERROR(index_.Ensure(table->io, table_id, {{token, partition_key}}));
      Fragments fragments;
      rados::AppendFragments(*mutation, suffixes_, NowMicros(), rados::FromLoggedBatch::kNo,
                             &fragments);
      librados::ObjectWriteOperation op;
      if (cas) {
        // Absent xattr compares equal to "" (shared/reference/ceph-rados-probe.md).
        op.cmpxattr(kCasXattr, LIBRADOS_CMPXATTR_OP_EQ, Bl(*cas));
      } else {
        op.create(true);  // -EEXIST: someone wrote the partition since: decide again
      }
      op.setxattr(kCasXattr, Bl(FormatCas({state.version + 1, timestamp})));
      if (!fragments.empty()) op.omap_set(ToOmap(fragments));
      int rc = table->io.operate(oid, &op);
      if (rc != -ECANCELED && rc != -EEXIST) return FromRados(rc, "writing a compare-and-apply");
      // Lost to a concurrent operation: back off a little (randomized, growing) and retry.
      const int cap_ms = 1 << std::min(attempt, 5);
      std::this_thread::sleep_for(std::chrono::microseconds(
          std::uniform_int_distribution<int>(100, cap_ms * 1000)(rng)));
    }
  }

  Status Flush() override { return Status::OK(); }  // RADOS acknowledges durable writes

  // ---- test hooks ------------------------------------------------------------------------------

  Status LogOnly(const std::vector<TableMutation>& mutations) {
    ASSIGN_OR_RETURN(std::vector<rados::BatchPartition> writes, Prepare(mutations));
    return LogBatch(writes).status();
  }

  Result<int> ReplayAll(std::chrono::seconds min_age) {
    std::map<std::string, bufferlist> nodes;
    bool more = false;
    int rval = 0;
    librados::ObjectReadOperation op;
    op.omap_get_vals2("", kMaxPage, &nodes, &more, &rval);
    int rc = cluster_io_.operate(kBatchlogRegistry, &op, nullptr);
    if (rc == -ENOENT) return 0;
    RETURN_IF_ERROR(FromRados(rc, "reading the batchlog registry"));
    int total = 0;
    for (const auto& [node, unused] : nodes) {
      ASSIGN_OR_RETURN(int n, ReplayBatchlog("batchlog." + node, min_age));
      total += n;
    }
    return total;
  }

  void SetBeforeDataWrite(std::function<void()> hook) {
    before_data_for_testing_ = std::move(hook);
  }
  void WaitForSpills() { spiller_.WaitIdle(); }
  uint64_t entries_read() const { return entries_read_.load(); }

  void WaitForCompactions() {
    std::vector<Pending> pending;
    {
      std::lock_guard lock(compact_mu_);
      pending.swap(compactions_);
    }
    for (auto& p : pending) {
      p.completion->wait_for_complete();
      p.completion->release();
    }
  }

 private:
  struct Pending {
    librados::AioCompletion* completion;
    std::unique_ptr<librados::ObjectWriteOperation> op;
  };

  std::shared_ptr<Table> Find(const std::string& table_id) {
    {
      std::lock_guard lock(tables_mu_);
      auto it = tables_.find(table_id);
      if (it != tables_.end()) return it->second;
    }
    // Created by another node (or before a restart): the marker says whether it exists.
    librados::IoCtx io = connection_->IoCtx(table_id);
    uint64_t size = 0;
    time_t mtime = 0;
    if (io.stat(rados::kTableMarkerObject, &size, &mtime) < 0) return nullptr;
    auto table = std::make_shared<Table>(Table{std::move(io)});
    std::lock_guard lock(tables_mu_);
    return tables_.emplace(table_id, table).first->second;
  }

  // The mutations as fragments, one entry per partition (mutations of one partition merged);
  // kNotFound, before anything is written, if a table does not exist. Fragments of a batch over
  // several partitions are marked as logged (rados_fragments.h kBatchReplayHorizonMicros).
  Result<std::vector<rados::BatchPartition>> Prepare(const std::vector<TableMutation>& mutations) {
    std::map<std::tuple<std::string_view, int64_t, std::string_view>, size_t> slot;
    std::vector<size_t> slot_of(mutations.size());
    std::vector<rados::BatchPartition> out;
    for (size_t i = 0; i < mutations.size(); ++i) {
      const TableMutation& tm = mutations[i];
      if (!Find(tm.table_id)) return NotFound("table storage " + tm.table_id);
      const PartitionMutation& m = tm.mutation;
      if (m.partition_key.size() > 0xffff) {
        return Status(ErrorCode::kInvalid, "Key length of " + std::to_string(m.partition_key.size()) +
                                               " is longer than maximum of 65535");
      }
      auto [it, fresh] = slot.emplace(std::make_tuple(std::string_view(tm.table_id), m.token,
                                                      std::string_view(m.partition_key)),
                                      out.size());
      if (fresh) out.push_back({tm.table_id, m.token, m.partition_key, {}});
      slot_of[i] = it->second;
    }
    const auto batch = out.size() > 1 ? rados::FromLoggedBatch::kYes : rados::FromLoggedBatch::kNo;
    const int64_t now = NowMicros();
    for (size_t i = 0; i < mutations.size(); ++i) {
      rados::AppendFragments(mutations[i].mutation, suffixes_, now, batch, &out[slot_of[i]].fragments);
    }
    return out;
  }

  // Writes each partition's fragments (index entries first), in parallel.
  Status Write(const std::vector<rados::BatchPartition>& writes) {
    rados::WriteGate::Pass pass(write_gate_);  // from the index cache's use to the data: TRUNCATE
    std::map<std::string, std::vector<PartitionPosition>> by_table;
    for (const auto& w : writes) by_table[w.table_id].push_back({w.token, w.partition_key});
    std::vector<std::shared_ptr<Table>> tables;
    for (auto& [table_id, partitions] : by_table) {
      auto table = Find(table_id);
      if (!table) return NotFound("table storage " + table_id);
      RETURN_IF_ERROR(index_.Ensure(table->io, table_id, partitions));
    }
    if (before_data_for_testing_) before_data_for_testing_();
    std::vector<librados::ObjectWriteOperation> ops(writes.size());
    std::vector<std::shared_ptr<Table>> held(writes.size());
    AioBatch batch;
    for (size_t i = 0; i < writes.size(); ++i) {
      if (writes[i].fragments.empty()) continue;
      held[i] = Find(writes[i].table_id);
      if (!held[i]) return NotFound("table storage " + writes[i].table_id);
      ops[i].omap_set(ToOmap(writes[i].fragments));
      batch.Add(held[i]->io, rados::PartitionObjectName(writes[i].token, writes[i].partition_key),
                &ops[i]);
    }
    Status first;
    std::vector<int> results = batch.Wait();
    for (size_t i = 0, done = 0; i < writes.size(); ++i) {
      if (writes[i].fragments.empty()) continue;
      Status s = FromRados(results[done++], "writing a partition");
      if (first.ok() && !s.ok()) first = s;
      // A head past the bound is spilled in the background (docs: "Big partitions").
      if (s.ok()) {
        spiller_.NoteWritten(held[i]->io, held[i]->io.get_namespace(),
                             rados::PartitionObjectName(writes[i].token, writes[i].partition_key),
                             writes[i].fragments.size());
      }
    }
    return first;
  }

  // Writes a batchlog entry for `writes`; its key.
  Result<std::string> LogBatch(const std::vector<rados::BatchPartition>& writes) {
    std::string key = suffixes_.Next(NowMicros());
    librados::ObjectWriteOperation op;
    op.omap_set({{key, Bl(rados::EncodeBatch(writes))}});
    RETURN_IF_ERROR(FromRados(cluster_io_.operate(batchlog_oid_, &op), "writing the batchlog"));
    return key;
  }

  // Applies the entries of batchlog object `oid` at least `min_age` old, then removes them.
  Result<int> ReplayBatchlog(const std::string& oid, std::chrono::seconds min_age) {
    const int64_t newest = NowMicros() - min_age.count() * 1000000;
    std::string start_after;
    int replayed = 0;
    while (true) {
      std::map<std::string, bufferlist> entries;
      bool more = false;
      int rval = 0;
      librados::ObjectReadOperation op;
      op.omap_get_vals2(start_after, 64, &entries, &more, &rval);
      int rc = cluster_io_.operate(oid, &op, nullptr);
      if (rc == -ENOENT) return replayed;
      RETURN_IF_ERROR(FromRados(rc, "reading the batchlog " + oid));
      for (auto& [key, value] : entries) {
        start_after = key;
        if (key.size() != rados::kSuffixSize || rados::SuffixMicros(key) > newest) continue;
        auto batch = rados::DecodeBatch(value.to_str());
        if (!batch.ok()) {
          spdlog::error("Dropping a malformed batchlog entry of {}: {}", oid, batch.status().ToString());
        } else {
          // A table dropped since: nothing to apply there.
          std::erase_if(*batch, [&](const rados::BatchPartition& p) { return !Find(p.table_id); });
          RETURN_IF_ERROR(Write(*batch));
          ++replayed;
        }
        librados::ObjectWriteOperation rm;
        rm.omap_rm_keys({key});
        RETURN_IF_ERROR(FromRados(cluster_io_.operate(oid, &rm), "removing a batchlog entry"));
      }
      if (!more || entries.empty()) return replayed;
    }
  }

  void ReplayLoop() {
    std::unique_lock lock(replay_mu_);
    while (!stopping_) {
      replay_cv_.wait_for(lock, options_.batchlog_replay_period);
      if (stopping_) break;
      lock.unlock();
      auto own = ReplayBatchlog(batchlog_oid_, options_.own_batch_age);
      if (!own.ok()) spdlog::warn("Batchlog replay: {}", own.status().ToString());
      auto any = ReplayAll(options_.any_batch_age);
      if (!any.ok()) spdlog::warn("Batchlog replay: {}", any.status().ToString());
      lock.lock();
    }
  }

  // Every object of the table's namespace but (with keep_marker) its marker, removed in
  // parallel. The namespace listing walks the pool (RADOS lists in hash order), so unlike the
  // index it also finds partitions whose writes raced a previous TRUNCATE.
  Status RemoveAll(librados::IoCtx& io, const std::string& table_id, bool keep_marker) {
    std::vector<std::string> oids;
    try {
      for (auto it = io.nobjects_begin(); it != io.nobjects_end(); ++it) {
        if (keep_marker && it->get_oid() == rados::kTableMarkerObject) continue;
        oids.push_back(it->get_oid());
      }
    } catch (const std::exception& e) {
      return Status(ErrorCode::kIOError, "listing table storage " + table_id + ": " + e.what());
    }
    for (size_t begin = 0; begin < oids.size(); begin += kRemoveWindow) {
      const size_t end = std::min(oids.size(), begin + kRemoveWindow);
      std::vector<librados::ObjectWriteOperation> ops(end - begin);
      AioBatch batch;
      for (size_t i = begin; i < end; ++i) {
        ops[i - begin].remove();
        batch.Add(io, oids[i], &ops[i - begin]);
      }
      for (int rc : batch.Wait()) {
        if (rc != -ENOENT) RETURN_IF_ERROR(FromRados(rc, "removing table storage " + table_id));
      }
    }
    return Status::OK();
  }

  // ---- the partition read ----------------------------------------------------------------------

  // A slice of one partition (SliceQuery, exactly as the RocksDB engine reads it). With `seen`,
  // raises it to every timestamp read, live or not (issue 12); with `cas`, sets it to the
  // partition's `cas` xattr as read ("" if absent, nullopt if the object does not exist).
  Result<ResolvedPartition> Read(Table& table, const std::string& partition_key, int64_t token,
                                 const SliceQuery& query, int64_t* seen,
                                 std::optional<std::string>* cas) {
    if (query.also_first_row && !query.ranges.empty() && !query.single_row) {
      bool first_read = true;
      return ReadWithFirstRow(query, [&](const SliceQuery& q) {
        // The cas xattr of the first read is the one the write is guarded by.
        auto r = ReadSlice(table, partition_key, token, q, seen, first_read ? cas : nullptr);
        first_read = false;
        return r;
      });
    }
    return ReadSlice(table, partition_key, token, query, seen, cas);
  }

  Result<ResolvedPartition> ReadSlice(Table& table, const std::string& partition_key,
                                      int64_t token, const SliceQuery& query, int64_t* seen,
                                      std::optional<std::string>* cas) {
    const std::string oid = rados::PartitionObjectName(token, partition_key);
    rados::ReadEnv env;
    env.suffixes = &suffixes_;
    env.gc_grace_seconds = options_.gc_grace_seconds;
    env.entries_read = &entries_read_;
    rados::ReadReport report;
    ASSIGN_OR_RETURN(ResolvedPartition out, rados::ReadPartitionSlice(table.io, oid, partition_key,
                                                                     token, query, seen, cas, env,
                                                                     &report));
    SubmitCompactions(table, oid, report.compactions);
    if (report.head_row_fragments >= spiller_.spill_above()) {
      spiller_.Queue(table.io, table.io.get_namespace(), oid);
    }
    return out;
  }

  // Read compaction (docs/dev/rados-mapping.md): each plan is one guarded op, in the background.
  // If a concurrent compaction merged some of the same fragments first, the guard fails and
  // nothing changes: an increment is never counted twice.
  void SubmitCompactions(Table& table, const std::string& oid,
                         std::vector<rados::GuardedCompaction>& plans) {
    if (plans.empty()) return;
    std::lock_guard lock(compact_mu_);
    // Reap the finished ones; bounded in flight (a compaction skipped now happens on a later read).
    std::erase_if(compactions_, [](Pending& p) {
      if (!p.completion->is_complete()) return false;
      p.completion->release();
      return true;
    });
    for (auto& guarded : plans) {
      if (compactions_.size() >= kMaxCompactionsInFlight) return;
      const rados::Compaction* plan = &guarded.plan;
      auto op = std::make_unique<librados::ObjectWriteOperation>();
      // Row merges only while no spill runs or started since the read (docs: "Big partitions").
      if (guarded.spill_equals) {
        op->cmpxattr(rados::kSpillXattr, LIBRADOS_CMPXATTR_OP_EQ, Bl(*guarded.spill_equals));
      }
      rados::AddCompaction(*plan, op.get());
      auto* completion = librados::Rados::aio_create_completion();
      if (table.io.aio_operate(oid, completion, op.get()) < 0) {
        completion->release();
        continue;
      }
      compactions_.push_back({completion, std::move(op)});
    }
  }

  std::shared_ptr<RadosConnection> connection_;
  RadosEngineOptions options_;
  rados::SuffixSource suffixes_;
  rados::PartitionIndex index_;
  rados::WriteGate write_gate_;
  std::function<void()> before_data_for_testing_;  // set before use (SetBeforeDataWriteForTesting)
  std::atomic<uint64_t> entries_read_{0};
  rados::Spiller spiller_;
  librados::IoCtx cluster_io_;
  std::string batchlog_oid_;

  std::mutex tables_mu_;
  std::map<std::string, std::shared_ptr<Table>> tables_;  // GUARDED_BY(tables_mu_)

  std::mutex compact_mu_;
  std::vector<Pending> compactions_;  // GUARDED_BY(compact_mu_)

  std::mutex replay_mu_;
  std::condition_variable replay_cv_;
  bool stopping_ = false;  // GUARDED_BY(replay_mu_)
  std::thread replay_thread_;
};

}  // namespace

Result<std::unique_ptr<Engine>> OpenRadosEngine(std::shared_ptr<RadosConnection> connection,
                                                const RadosEngineOptions& options) {
  auto engine = std::make_unique<RadosEngine>(std::move(connection), options);
  RETURN_IF_ERROR(engine->Open());
  return std::unique_ptr<Engine>(std::move(engine));
}

Status LogBatchOnlyForTesting(Engine& engine, const std::vector<TableMutation>& mutations) {
  return static_cast<RadosEngine&>(engine).LogOnly(mutations);
}

Result<int> ReplayBatchlogForTesting(Engine& engine, std::chrono::seconds min_age) {
  return static_cast<RadosEngine&>(engine).ReplayAll(min_age);
}

void WaitForCompactionsForTesting(Engine& engine) {
  static_cast<RadosEngine&>(engine).WaitForCompactions();
}

void SetBeforeDataWriteForTesting(Engine& engine, std::function<void()> hook) {
  static_cast<RadosEngine&>(engine).SetBeforeDataWrite(std::move(hook));
}

void WaitForSpillsForTesting(Engine& engine) { static_cast<RadosEngine&>(engine).WaitForSpills(); }

uint64_t EntriesReadForTesting(Engine& engine) {
  return static_cast<RadosEngine&>(engine).entries_read();
}

}  // namespace sibyl::storage
