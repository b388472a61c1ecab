#include "storage/rocksdb_engine.h"

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "storage/deferred_sync.h"
#include "storage/no_stall_scope.h"
#include "storage/group_commit.h"
#include "storage/rocksdb_large_values.h"
#include "storage/rocksdb_hot_keys.h"
#include "storage/rocksdb_row_cache.h"
#include "storage/rocksdb_tables.h"
#include "storage/row_codec.h"
#include "storage/slice_read.h"
#include "storage/write_collect.h"

namespace sibyl::storage {
namespace {

// ---- the one conversion of rocksdb::Status -----------------------------------------------------

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::OK();
  ErrorCode code = s.IsNotFound()     ? ErrorCode::kNotFound
                   : s.IsCorruption() ? ErrorCode::kCorruption
                   : s.IsIOError()    ? ErrorCode::kIOError
                                      : ErrorCode::kInternal;
  return Status(code, fmt::format("{}: {}", context, s.ToString()));
}

// ---- key layout (docs/dev/key-encoding.md) ----------------------------------------------------

constexpr char kHeaderKind = 0x00;
constexpr char kRowKind = 0x01;
constexpr char kPastRowsKind = 0x02;
// Reads check the request's deadline every this many keys or partitions (issue 9).
constexpr uint64_t kCheckEvery = 256;

void AppendToken(std::string* out, int64_t token) {
  uint64_t u = static_cast<uint64_t>(token) ^ (uint64_t{1} << 63);
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(u >> (8 * i)));
}

int64_t ReadToken(std::string_view key) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<uint8_t>(key[i]);
  return static_cast<int64_t>(u ^ (uint64_t{1} << 63));
}

void AppendPartitionPrefix(std::string* out, int64_t token, std::string_view partition_key) {
  AppendToken(out, token);
  out->push_back(static_cast<char>(partition_key.size() >> 8));
  out->push_back(static_cast<char>(partition_key.size()));
  out->append(partition_key);
}

std::string PartitionPrefix(int64_t token, std::string_view partition_key) {
  std::string out;
  out.reserve(10 + partition_key.size() + 1);
  AppendPartitionPrefix(&out, token, partition_key);
  return out;
}

// Splits a key into (token, partition key, kind). False when malformed.
bool ParseKey(std::string_view key, int64_t* token, std::string_view* partition_key,
              size_t* prefix_size) {
  if (key.size() < 11) return false;
  *token = ReadToken(key);
  size_t len = (static_cast<uint8_t>(key[8]) << 8) | static_cast<uint8_t>(key[9]);
  if (10 + len + 1 > key.size()) return false;
  *partition_key = key.substr(10, len);
  *prefix_size = 10 + len;
  return true;
}

// The smallest key greater than every key starting with `prefix`; empty if none exists.
std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return prefix;
  prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return prefix;
}

// ---- merge operator and compaction filter -----------------------------------------------------

// Stored values of one key are merged cell by cell with Cassandra's rules: the merge is
// associative and commutative, so partial merges are full merges of the operands. All the
// operands of a merge are decoded once and encoded once (row_codec.h MergeStoredValues): a hot
// counter's increments are many operands of one key (issue 12).
class CellMergeOperator final : public rocksdb::MergeOperator {
 public:
  explicit CellMergeOperator(std::shared_ptr<HotKeys> hot_keys) : hot_keys_(std::move(hot_keys)) {}
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    hot_keys_->NoteMerge(in.operand_list.size());
    std::vector<std::string_view> operands;
    operands.reserve(in.operand_list.size());
    for (const auto& o : in.operand_list) operands.emplace_back(o.data(), o.size());
    std::string_view existing;
    if (in.existing_value != nullptr) {
      existing = std::string_view(in.existing_value->data(), in.existing_value->size());
    }
    return MergeStoredValues(in.existing_value != nullptr ? &existing : nullptr, operands,
                             &out->new_value);
  }
  bool PartialMergeMulti(const rocksdb::Slice& key, const std::deque<rocksdb::Slice>& operand_list,
                         std::string* new_value, rocksdb::Logger* logger) const override {
    hot_keys_->NoteMerge(operand_list.size());
    std::vector<std::string_view> operands;
    operands.reserve(operand_list.size());
    for (const auto& o : operand_list) operands.emplace_back(o.data(), o.size());
    return MergeStoredValues(nullptr, operands, new_value);
  }
  const char* Name() const override { return "SibylCellMerge"; }

 private:
  const std::shared_ptr<HotKeys> hot_keys_;
};

// Expires TTLs into tombstones; purges tombstones past gc_grace only in full compactions, where
// no older version of the key can remain in files outside the compaction.
class ExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  ExpiryFilter(int64_t gc_grace_seconds, bool full) : gc_grace_(gc_grace_seconds), full_(full) {}

  Decision FilterV2(int level, const rocksdb::Slice& key, ValueType type,
                    const rocksdb::Slice& existing_value, std::string* new_value,
                    std::string* skip_until) const override {
    if (type != ValueType::kValue) return Decision::kKeep;
    std::string_view bytes(existing_value.data(), existing_value.size());
    if (bytes.size() < 2) return Decision::kKeep;
    int64_t now = NowSeconds();
    int64_t purge_before = full_ ? now - gc_grace_ : INT64_MIN;
    if (bytes[1] == 'R') {
      auto row = DecodeRow(bytes);
      if (!row.ok()) return Decision::kKeep;
      if (!CompactRow(*row, now, purge_before)) return Decision::kRemove;
      *new_value = EncodeRow(*row);
      // Unchanged: keep the stored value, so that a row in a blob file is not rewritten by
      // every compaction that reaches it (issue 9 item 10).
      return *new_value == bytes ? Decision::kKeep : Decision::kChangeValue;
    }
    auto header = DecodeHeader(bytes);
    if (!header.ok()) return Decision::kKeep;
    if (full_) {
      auto& rts = header->range_tombstones;
      rts.erase(std::remove_if(rts.begin(), rts.end(),
                               [&](const RangeTombstone& rt) {
                                 return rt.deletion.local_deletion_time < purge_before;
                               }),
                rts.end());
      if (header->deletion.local_deletion_time < purge_before) header->deletion = Deletion{};
    }
    if (header->static_row && !CompactRow(*header->static_row, now, purge_before)) {
      header->static_row.reset();
    }
    if (header->deletion.timestamp == kNoTimestamp && header->range_tombstones.empty() &&
        !header->static_row) {
      return full_ ? Decision::kRemove : Decision::kKeep;
    }
    *new_value = EncodeHeader(*header);
    return *new_value == bytes ? Decision::kKeep : Decision::kChangeValue;
  }
  const char* Name() const override { return "SibylExpiryFilter"; }

 private:
  int64_t gc_grace_;
  bool full_;
};

class ExpiryFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  explicit ExpiryFilterFactory(int64_t gc_grace_seconds) : gc_grace_(gc_grace_seconds) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override {
    return std::make_unique<ExpiryFilter>(gc_grace_, context.is_full_compaction);
  }
  const char* Name() const override { return "SibylExpiryFilterFactory"; }

 private:
  int64_t gc_grace_;
};

// ---- the engine -------------------------------------------------------------------------------

class RocksDbEngine final : public Engine {
 public:
  explicit RocksDbEngine(RocksDbOptions options) : options_(std::move(options)) {}

  ~RocksDbEngine() override {
    if (group_commit_) group_commit_->Stop();  // answers the writes still waiting for a sync
    {
      std::lock_guard<std::mutex> lock(sync_mu_);
      stopping_ = true;
    }
    sync_cv_.notify_all();
    if (sync_thread_.joinable()) sync_thread_.join();
    if (cap_thread_.joinable()) cap_thread_.join();
    if (db_) {
      db_->SyncWAL().PermitUncheckedError();  // best effort at close; errors logged by RocksDB
      tables_.Close();  // every thread's alias too: no handle may outlive the DB
      if (default_cf_) db_->DestroyColumnFamilyHandle(default_cf_);
      db_->Close().PermitUncheckedError();
    }
  }

  Status Open() {
    std::error_code ec;
    std::filesystem::create_directories(options_.path, ec);
    if (ec) return Status(ErrorCode::kIOError, "cannot create " + options_.path + ": " + ec.message());
    db_options_.create_if_missing = true;
    db_options_.create_missing_column_families = true;
    db_options_.manual_wal_flush = false;
    db_options_.max_background_jobs = 2;
    db_options_.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    db_options_.keep_log_file_num = 2;
    cache_ = rocksdb::NewLRUCache(options_.block_cache_bytes);
    row_cache_ = std::make_unique<RowCache>(options_.row_cache_bytes);  // issue 14
    cf_options_ = MakeCfOptions();

    std::vector<std::string> names;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options_, options_.path, &names);
    if (!s.ok()) names = {rocksdb::kDefaultColumnFamilyName};
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& n : names) descriptors.emplace_back(n, cf_options_);
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(db_options_, options_.path, descriptors, &handles, &db),
                              "opening RocksDB at " + options_.path));
    db_.reset(db);
    TableHandles::Map tables;
    for (auto* h : handles) {
      if (h->GetName() == rocksdb::kDefaultColumnFamilyName) {
        default_cf_ = h;
      } else {
        tables[h->GetName()] = Wrap(h);
      }
    }
    tables_.Publish(std::move(tables));
    write_options_.sync = options_.durability == Durability::kSync;
    if (write_options_.sync) {
      // Group commit (issue 14): deferred sync writes share one SyncWAL per group.
      group_commit_ = std::make_unique<GroupCommit>(
          [this] { return FromRocks(db_->SyncWAL(), "syncing the WAL"); });
    }
    if (options_.durability == Durability::kPeriodic) {
      sync_thread_ = std::thread([this] { PeriodicSync(); });
    }
    return Status::OK();
  }

  Status CreateTable(const std::string& table_id) override {
    std::lock_guard<std::mutex> lock(tables_mu_);
    TableHandles::Map tables = *tables_.Current();
    if (tables.count(table_id)) return Status::OK();
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    RETURN_IF_ERROR(FromRocks(db_->CreateColumnFamily(cf_options_, table_id, &handle),
                              "creating table storage " + table_id));
    tables[table_id] = Wrap(handle);
    tables_.Publish(std::move(tables));
    return Status::OK();
  }

  Status DropTable(const std::string& table_id) override {
    std::shared_ptr<rocksdb::ColumnFamilyHandle> handle;
    {
      std::lock_guard<std::mutex> lock(tables_mu_);
      TableHandles::Map tables = *tables_.Current();
      auto it = tables.find(table_id);
      if (it == tables.end()) return Status::OK();
      handle = std::move(it->second);
      tables.erase(it);
      tables_.Publish(std::move(tables));
    }
    return FromRocks(db_->DropColumnFamily(handle.get()), "dropping table storage " + table_id);
  }

  Status TruncateTable(const std::string& table_id) override {
    std::lock_guard<std::mutex> lock(tables_mu_);
    TableHandles::Map tables = *tables_.Current();
    auto it = tables.find(table_id);
    if (it == tables.end()) return NotFound("table storage " + table_id);
    RETURN_IF_ERROR(FromRocks(db_->DropColumnFamily(it->second.get()), "truncating " + table_id));
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    RETURN_IF_ERROR(FromRocks(db_->CreateColumnFamily(cf_options_, table_id, &handle),
                              "recreating table storage " + table_id));
    it->second = Wrap(handle);
    tables_.Publish(std::move(tables));
    return Status::OK();
  }

  // The thread's collected writes (storage/write_collect.h): one batch, and the tables it
  // names kept open until it is written.
  struct Collected final : CollectedWrites {
    explicit Collected(RocksDbEngine* e) : engine(e) {}
    Status Commit() override {
      if (batch.Count() == 0) return Status::OK();
      Status written = engine->Write(&batch, &partitions);
      batch.Clear();
      held.clear();
      partitions.Clear();
      return written;
    }
    size_t bytes() const override { return batch.GetDataSize(); }
    bool empty() const override { return batch.Count() == 0; }
    RocksDbEngine* const engine;
    rocksdb::WriteBatch batch;
    std::vector<std::shared_ptr<rocksdb::ColumnFamilyHandle>> held;
    RowCache::WriteSet partitions;  // every partition in the batch, for the row cache
  };

  Status AddToBatch(const std::vector<TableMutation>& mutations, rocksdb::WriteBatch* batch,
                    std::vector<std::shared_ptr<rocksdb::ColumnFamilyHandle>>* held,
                    RowCache::WriteSet* partitions) {
    // Each key and value is built in this thread's buffers: the batch copies them (issue 14:
    // four allocations per row written).
    thread_local std::string key;
    thread_local std::string value;
    for (const auto& tm : mutations) {
      auto cf = Find(tm.table_id);
      if (!cf) return NotFound("table storage " + tm.table_id);
      const PartitionMutation& m = tm.mutation;
      if (m.partition_key.size() > 0xffff) {
        return Status(ErrorCode::kInvalid, "Key length of " + std::to_string(m.partition_key.size()) +
                                               " is longer than maximum of 65535");
      }
      key.clear();
      AppendPartitionPrefix(&key, m.token, m.partition_key);
      const size_t prefix_size = key.size();
      const auto header = MutationHeader(m);
      if (header) {
        key.push_back(kHeaderKind);
        RETURN_IF_ERROR(
            FromRocks(batch->Merge(cf.get(), key, EncodeHeader(*header)), "batching"));
      }
      for (const auto& row : m.rows) {
        key.resize(prefix_size);
        key.push_back(kRowKind);
        key.append(row.clustering);
        EncodeRowInto(row, &value);
        RETURN_IF_ERROR(FromRocks(batch->Merge(cf.get(), key, value), "batching"));
      }
      // For the row cache, before the buffers below may be given back: a partition written as
      // its one row and nothing else (a table without clustering columns) may be written through
      // to its cached copy (storage/rocksdb_row_cache.h).
      const uint32_t stripe = RowCache::StripeOf(cf->GetID(), m.token);
      const std::string_view prefix(key.data(), prefix_size);
      if (!header && m.rows.size() == 1 && m.rows[0].clustering.empty()) {
        partitions->AddRow(cf->GetID(), stripe, prefix, value);
      } else {
        partitions->Add(cf->GetID(), stripe, prefix);
      }
      // A buffer a large row grew is not kept for the thread's next write.
      if (value.capacity() > (size_t{1} << 20)) std::string().swap(value);
      if (key.capacity() > (size_t{1} << 20)) std::string().swap(key);
      held->push_back(std::move(cf));
    }
    return Status::OK();
  }

  // Every storage write: the row cache's stripes of its partitions are entered before it, and
  // after it the partitions' cached copies are updated or removed and the stripes left
  // (storage/rocksdb_row_cache.h).
  Status Write(rocksdb::WriteBatch* batch, RowCache::WriteSet* partitions) {
    row_cache_->BeginWrite(*partitions);
    Status written = WriteNow(batch);
    row_cache_->EndWrite(*partitions, /*applied=*/written.ok());
    // Hot keys (storage/rocksdb_hot_keys.h): the bound is set off the request's thread (it
    // writes RocksDB's OPTIONS file and switches memtables).
    if (hot_keys_->TakeFirstSighting()) cap_thread_ = std::thread([this] { CapSuccessiveMerges(); });
    return written;
  }

  Status WriteNow(rocksdb::WriteBatch* batch) {
    // Group commit (issue 14): in a DeferredSyncScope a sync write leaves its fsync to
    // WhenDurable, and its caller answers from there.
    DeferredSyncScope* deferred = write_options_.sync ? DeferredSyncScope::Current() : nullptr;
    rocksdb::WriteOptions options = write_options_;
    if (deferred != nullptr) options.sync = false;
    // A thread that must not block (NoStallScope, issue 14) is refused at once, with nothing
    // applied, when RocksDB would stall the write: its caller runs it again on the pool.
    NoStallScope* no_stall = NoStallScope::Current();
    if (no_stall != nullptr) options.no_slowdown = true;
    rocksdb::Status written = db_->Write(options, batch);
    if (no_stall != nullptr && written.IsIncomplete()) {
      no_stall->MarkStalled();
      return Status(ErrorCode::kOverloaded, "storage is throttling writes (write stall)");
    }
    RETURN_IF_ERROR(FromRocks(written, "writing"));
    if (deferred != nullptr) deferred->MarkPending();
    return Status::OK();
  }

  Status Apply(const std::vector<TableMutation>& mutations) override {
    // Writes of one event-loop turn in one write (issue 14, storage/write_collect.h): in a
    // WriteCollectScope the mutations join the thread's collected batch and are written by its
    // Commit.
    if (WriteCollectScope* collect = WriteCollectScope::Current()) {
      std::unique_ptr<CollectedWrites>& into = collect->into();
      if (into == nullptr) into = std::make_unique<Collected>(this);
      if (auto* ours = dynamic_cast<Collected*>(into.get()); ours != nullptr && ours->engine == this) {
        ours->batch.SetSavePoint();
        const size_t partitions_before = ours->partitions.size();
        Status built = AddToBatch(mutations, &ours->batch, &ours->held, &ours->partitions);
        if (!built.ok()) {
          ours->batch.RollbackToSavePoint().PermitUncheckedError();
          ours->partitions.Truncate(partitions_before);
          return built;
        }
        ours->batch.PopSavePoint().PermitUncheckedError();
        collect->MarkCollected();
        return Status::OK();
      }
    }
    rocksdb::WriteBatch batch;
    std::vector<std::shared_ptr<rocksdb::ColumnFamilyHandle>> held;
    RowCache::WriteSet partitions;
    RETURN_IF_ERROR(AddToBatch(mutations, &batch, &held, &partitions));
    return Write(&batch, &partitions);
  }

  // Test hook: waits until a hot key has bounded every table's merge operands (CapSuccessiveMerges).
  bool WaitForHotKeyCap(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(cap_mu_);
    return cap_cv_.wait_for(lock, wait, [this] { return capped_; });
  }

  // Test hook: stops flushes and compactions, so that writes soon stall (issue 14).
  Status PauseBackgroundWork() { return FromRocks(db_->PauseBackgroundWork(), "pausing"); }
  Status ContinueBackgroundWork() { return FromRocks(db_->ContinueBackgroundWork(), "resuming"); }

  void WhenDurable(std::function<void(const Status&)> done) override {
    if (group_commit_) return group_commit_->Defer(std::move(done));
    done(Status::OK());
  }

  Result<ResolvedPartition> ReadPartition(const std::string& table_id,
                                          const std::string& partition_key, int64_t token,
                                          const SliceQuery& query) override {
    return ReadPartitionSeen(table_id, partition_key, token, query, nullptr);
  }

  // ReadPartition that also raises `*seen` (when not null) to the greatest timestamp of
  // everything it read, live or not (issue 12, LWT timestamps): the partition deletion, every
  // range tombstone, and each stored row it visited (marker, row deletion, cells and cell
  // tombstones, expired or shadowed ones included).
  Result<ResolvedPartition> ReadPartitionSeen(const std::string& table_id,
                                              const std::string& partition_key, int64_t token,
                                              const SliceQuery& query, int64_t* seen) {
    if (query.also_first_row && !query.ranges.empty() && !query.single_row) {
      // The named ranges, then the partition's first live row merged in order (issue 12).
      return ReadWithFirstRow(query, [&](const SliceQuery& q) {
        return ReadPartitionSeen(table_id, partition_key, token, q, seen);
      });
    }
    auto cf = Find(table_id);
    if (!cf) return NotFound("table storage " + table_id);
    ResolvedPartition out;
    out.partition_key = partition_key;
    out.token = token;
    if (query.single_row) {
      // Per thread, as ReadSingleRow's values (issue 14: an allocation per point read).
      thread_local std::string single_row_prefix;
      single_row_prefix.clear();
      AppendPartitionPrefix(&single_row_prefix, token, partition_key);
      return ReadSingleRow(cf.get(), single_row_prefix, query, std::move(out), seen);
    }
    const std::string prefix = PartitionPrefix(token, partition_key);
    const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
    struct Release {
      rocksdb::DB* db;
      const rocksdb::Snapshot* s;
      ~Release() { db->ReleaseSnapshot(s); }
    } release{db_.get(), snapshot};
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;

    PartitionHeader header;
    std::string header_bytes;
    rocksdb::Status s = db_->Get(ro, cf.get(), prefix + kHeaderKind, &header_bytes);
    if (s.ok()) {
      ASSIGN_OR_RETURN(header, DecodeHeader(header_bytes));
    } else if (!s.IsNotFound()) {
      return FromRocks(s, "reading partition header");
    }
    NoteSeen(header, seen);
    TakeStaticRow(header, query, out);

    const std::string rows_begin = prefix + kRowKind;
    const std::string rows_end = prefix + kPastRowsKind;
    rocksdb::Slice lower(rows_begin), upper(rows_end);
    ro.iterate_lower_bound = &lower;
    ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf.get()));

    std::vector<ClusteringRange> ranges = query.ranges;
    if (ranges.empty()) ranges.push_back(ClusteringRange{});
    if (query.reversed) std::reverse(ranges.begin(), ranges.end());

    auto covering = [&](const std::string& clustering) { return CoveringDeletion(header, clustering); };

    uint64_t visited = 0;
    for (const auto& range : ranges) {
      // Position at the first candidate of the range in the read direction.
      if (!query.reversed) {
        std::string target = rows_begin + range.start.prefix;
        if (query.resume_after && rows_begin + *query.resume_after > target) {
          target = rows_begin + *query.resume_after;
        }
        it->Seek(target);
      } else {
        std::string target;
        if (range.end.unbounded()) {
          target = rows_end;
        } else {
          target = range.end.inclusive ? PrefixSuccessor(rows_begin + range.end.prefix)
                                       : rows_begin + range.end.prefix;
          if (target.empty()) target = rows_end;
        }
        if (query.resume_after && rows_begin + *query.resume_after < target) {
          target = rows_begin + *query.resume_after;
        }
        it->SeekForPrev(target);
      }
      for (; it->Valid(); query.reversed ? it->Prev() : it->Next()) {
        // Dead or out-of-range rows can be many: stop at the request's deadline (issue 9).
        if (query.context && ++visited % kCheckEvery == 0) RETURN_IF_ERROR(query.context->Check());
        rocksdb::Slice key = it->key();
        std::string clustering(key.data() + rows_begin.size(), key.size() - rows_begin.size());
        if (query.resume_after) {
          if (!query.reversed && clustering <= *query.resume_after) continue;
          if (query.reversed && clustering >= *query.resume_after) continue;
        }
        if (!range.Contains(clustering)) {
          // Past the range in the read direction ends it; before it (SeekForPrev landing on an
          // excluded end) is skipped.
          bool past = query.reversed
                          ? (!range.start.unbounded() &&
                             clustering.compare(0, range.start.prefix.size(), range.start.prefix) < 0) ||
                                (!range.start.unbounded() && !range.start.inclusive &&
                                 clustering.compare(0, range.start.prefix.size(), range.start.prefix) == 0)
                          : (!range.end.unbounded() &&
                             clustering.compare(0, range.end.prefix.size(), range.end.prefix) > 0) ||
                                (!range.end.unbounded() && !range.end.inclusive &&
                                 clustering.compare(0, range.end.prefix.size(), range.end.prefix) == 0);
          if (past) break;
          continue;
        }
        ASSIGN_OR_RETURN(Row stored, DecodeRow(std::string_view(it->value().data(), it->value().size())));
        stored.clustering = clustering;
        NoteSeen(stored, seen);
        auto live = ResolveRow(std::move(stored), covering(clustering), query.now_seconds,
                               query.dropped_columns);
        if (!live) continue;
        if (out.rows.size() >= query.row_limit) {
          out.more = true;
          return out;
        }
        out.rows.push_back(std::move(*live));
      }
      RETURN_IF_ERROR(FromRocks(it->status(), "reading rows"));
    }
    return out;
  }

  // ---- compare-and-apply (issue 12) ----------------------------------------------------------
  // One stripe lock held across read, decide and write makes the operations of a partition
  // happen one at a time; the write is one WriteBatch like Apply, so a reader sees all of it or
  // none of it. Partitions share stripes (a hash), which only costs false contention.
  Status CompareAndApply(const std::string& table_id, const std::string& partition_key,
                         int64_t token, const SliceQuery& read, const CasDecide& decide) override {
    CasStripe& stripe =
        cas_stripes_[(std::hash<std::string_view>{}(table_id) * 31 +
                      std::hash<std::string_view>{}(partition_key) +
                      static_cast<uint64_t>(token)) %
                     kCasStripes];
    std::unique_lock<std::timed_mutex> lock(stripe.mu, std::defer_lock);
    // Bounded wait: a partition held by slow or many contenders gives the request's own
    // timeout, never an unbounded queue (issue 9).
    while (!lock.try_lock_for(std::chrono::milliseconds(5))) {
      if (read.context != nullptr) RETURN_IF_ERROR(read.context->Check());
    }
    // The write must be newer than everything read, tombstones included: the stripe's last
    // timestamp lives in memory only, so after a restart with a clock that went back this is
    // what keeps an applied LWT from being shadowed by what it was decided on (issue 12).
    int64_t seen = INT64_MIN + 1;
    ASSIGN_OR_RETURN(ResolvedPartition current,
                     ReadPartitionSeen(table_id, partition_key, token, read, &seen));
    seen = std::max(seen, MaxTimestamp(current));
    if (seen == INT64_MAX) seen = INT64_MAX - 1;
    int64_t timestamp = std::max(NowMicros(), stripe.last_timestamp + 1);
    timestamp = std::max(timestamp, seen + 1);
    ASSIGN_OR_RETURN(std::optional<PartitionMutation> mutation, decide(current, timestamp));
    if (!mutation) return Status::OK();
    if (mutation->partition_key != partition_key || mutation->token != token) {
      return Status(ErrorCode::kInternal, "compare-and-apply mutation for another partition");
    }
    std::vector<TableMutation> batch;
    batch.push_back({table_id, std::move(*mutation)});
    RETURN_IF_ERROR(Apply(batch));
    stripe.last_timestamp = timestamp;
    return Status::OK();
  }

  // A partition of a table without clustering columns (issue 14): its header and its one row
  // by one MultiGet (a consistent view, bloom filters apply), no snapshot and no iterator.
  Result<ResolvedPartition> ReadSingleRow(rocksdb::ColumnFamilyHandle* cf,
                                          const std::string& prefix, const SliceQuery& query,
                                          ResolvedPartition out, int64_t* seen = nullptr) {
    // From the row cache when it holds a valid copy (storage/rocksdb_row_cache.h), else one
    // MultiGet whose values then fill it.
    // Per thread, so that a read reuses the strings' memory (nothing here calls back into a read);
    // what a large row left is given back at the next read.
    thread_local RowCache::Values stored_values;
    constexpr size_t kKeptCapacity = 64 * 1024;
    if (stored_values.row.capacity() > kKeptCapacity) std::string().swap(stored_values.row);
    if (stored_values.header.capacity() > kKeptCapacity) std::string().swap(stored_values.header);
    const uint32_t stripe = RowCache::StripeOf(cf->GetID(), out.token);
    if (!row_cache_->Lookup(cf->GetID(), prefix, stripe, &stored_values)) {
      const uint64_t version = row_cache_->VersionBeforeRead(stripe);
      const std::string keys[2] = {prefix + kHeaderKind, prefix + kRowKind};
      const rocksdb::Slice slices[2] = {keys[0], keys[1]};
      rocksdb::PinnableSlice values[2];
      rocksdb::Status statuses[2];
      db_->MultiGet(rocksdb::ReadOptions(), cf, 2, slices, values, statuses, /*sorted_input=*/true);
      if (!statuses[0].ok() && !statuses[0].IsNotFound()) {
        return FromRocks(statuses[0], "reading partition header");
      }
      if (!statuses[1].ok() && !statuses[1].IsNotFound()) {
        return FromRocks(statuses[1], "reading rows");
      }
      stored_values.header_found = statuses[0].ok();
      stored_values.row_found = statuses[1].ok();
      stored_values.header.clear();
      stored_values.row.clear();
      if (stored_values.header_found) stored_values.header.assign(values[0].data(), values[0].size());
      if (stored_values.row_found) stored_values.row.assign(values[1].data(), values[1].size());
      row_cache_->Insert(cf->GetID(), prefix, stripe, version, stored_values);
    }
    PartitionHeader header;
    if (stored_values.header_found) {
      ASSIGN_OR_RETURN(header, DecodeHeader(stored_values.header));
    }
    NoteSeen(header, seen);
    TakeStaticRow(header, query, out);
    if (!stored_values.row_found) return out;
    const std::string clustering;  // the one row's
    // As the iterator would: the row must lie in a range and after the resume position.
    if (query.resume_after && clustering <= *query.resume_after && !query.reversed) return out;
    if (query.resume_after && clustering >= *query.resume_after && query.reversed) return out;
    if (!query.ranges.empty() &&
        std::none_of(query.ranges.begin(), query.ranges.end(),
                     [&](const ClusteringRange& r) { return r.Contains(clustering); })) {
      return out;
    }
    ASSIGN_OR_RETURN(Row stored, DecodeRow(stored_values.row));
    stored.clustering = clustering;
    NoteSeen(stored, seen);
    auto live = ResolveRow(std::move(stored), CoveringDeletion(header, clustering),
                           query.now_seconds, query.dropped_columns);
    if (!live) return out;
    if (query.row_limit == 0) {
      out.more = true;
      return out;
    }
    out.rows.push_back(std::move(*live));
    return out;
  }

  Result<std::vector<PartitionPosition>> ScanPartitions(const std::string& table_id,
                                                        const ScanQuery& query) override {
    auto cf = Find(table_id);
    if (!cf) return NotFound("table storage " + table_id);
    std::vector<PartitionPosition> out;
    if (query.start_token > query.end_token) return out;
    rocksdb::ReadOptions ro;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf.get()));
    std::string target;
    if (query.resume_after) {
      target = PartitionPrefix(query.resume_after->token, query.resume_after->partition_key) +
               kPastRowsKind;
    }
    std::string start;
    if (query.start_inclusive) {
      AppendToken(&start, query.start_token);
    } else if (query.start_token == INT64_MAX) {
      return out;
    } else {
      AppendToken(&start, query.start_token + 1);
    }
    it->Seek(std::max(target, start));
    while (it->Valid() && out.size() < query.max_partitions) {
      if (query.context && out.size() % kCheckEvery == kCheckEvery - 1) {
        RETURN_IF_ERROR(query.context->Check());
      }
      int64_t token;
      std::string_view pk;
      size_t prefix_size;
      std::string_view key(it->key().data(), it->key().size());
      if (!ParseKey(key, &token, &pk, &prefix_size)) {
        return Status(ErrorCode::kCorruption, "malformed key in table storage " + table_id);
      }
      if (token > query.end_token) break;
      out.push_back({token, std::string(pk)});
      it->Seek(std::string(key.substr(0, prefix_size)) + kPastRowsKind);
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "scanning partitions"));
    return out;
  }

  Status Flush() override {
    RETURN_IF_ERROR(FromRocks(db_->SyncWAL(), "syncing the WAL"));
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    const auto tables = tables_.Current();  // keeps the handles: a Publish may replace it meanwhile
    for (auto& [name, h] : *tables) handles.push_back(h.get());
    if (handles.empty()) return Status::OK();
    return FromRocks(db_->Flush(rocksdb::FlushOptions(), handles), "flushing");
  }

  // CompactForTesting.
  Status CompactAll() {
    RETURN_IF_ERROR(Flush());
    const auto tables = tables_.Current();
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    for (auto& [name, h] : *tables) {
      RETURN_IF_ERROR(FromRocks(db_->CompactRange(options, h.get(), nullptr, nullptr), "compacting"));
    }
    return Status::OK();
  }

 private:
  rocksdb::ColumnFamilyOptions MakeCfOptions() {
    rocksdb::ColumnFamilyOptions cf;
    cf.merge_operator = std::make_shared<CellMergeOperator>(hot_keys_);
    cf.compaction_filter_factory = std::make_shared<ExpiryFilterFactory>(options_.gc_grace_seconds);
    cf.compression = rocksdb::kLZ4Compression;
    // Writes (issue 14, docs/dev/performance.md "Memtables of 16 MB, flushed two at a time"):
    // an insert searches a skip list half the size of a 32 MB one, and a flush still folds each
    // key's overwrites across 32 MB of writes (a small memtable flushed alone folds only its
    // own). Full memtables waiting for their flush: RocksDB slows writes at three and stops them
    // at four, so a table holds ~64 MB of them at most, as with two of 32 MB (stopped at two).
    cf.write_buffer_size = 16 << 20;
    cf.min_write_buffer_number_to_merge = 2;
    cf.max_write_buffer_number = 4;
    // Point reads (issue 14): a whole-key bloom filter in the memtable lets a Get of a key the
    // memtable lacks (most often a partition's header) skip the skip list.
    cf.memtable_prefix_bloom_size_ratio = 0.02;
    cf.memtable_whole_key_filtering = true;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache_;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    ConfigureLargeValues(cache_, &cf, &table);  // BlobDB and large-row blocks (issue 9 item 10)
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return cf;
  }

  std::shared_ptr<rocksdb::ColumnFamilyHandle> Wrap(rocksdb::ColumnFamilyHandle* handle) {
    rocksdb::DB* db = db_.get();
    return std::shared_ptr<rocksdb::ColumnFamilyHandle>(
        handle, [db](rocksdb::ColumnFamilyHandle* h) { db->DestroyColumnFamilyHandle(h); });
  }

  std::shared_ptr<rocksdb::ColumnFamilyHandle> Find(const std::string& table_id) {
    return tables_.Find(table_id);
  }

  // Hot keys (storage/rocksdb_hot_keys.h): from now on no key keeps more than HotKeys::kCap
  // operands in a row in a memtable, in every table and every table made later.
  void CapSuccessiveMerges() {
    std::shared_ptr<const TableHandles::Map> tables;  // every table made before the new options
    {
      std::lock_guard<std::mutex> lock(tables_mu_);
      cf_options_.max_successive_merges = HotKeys::kCap;
      tables = tables_.Current();
    }
    const std::string cap = std::to_string(HotKeys::kCap);
    rocksdb::FlushOptions flush;
    flush.wait = false;  // the switch to a new memtable is enough
    flush.allow_write_stall = true;  // never wait for a stall to clear (the destructor joins us)
    for (auto& [name, h] : *tables) {
      // A table dropped meanwhile refuses; the others go on.
      rocksdb::Status s = db_->SetOptions(h.get(), {{"max_successive_merges", cap}});
      if (s.ok()) s = db_->Flush(flush, h.get());
      if (!s.ok()) spdlog::debug("bounding merges of {}: {}", h->GetName(), s.ToString());
    }
    spdlog::info("a key was merged from {}+ operands: from now on a key's writes are folded once "
                 "{} are in a row in memory (docs/dev/performance.md \"Hot keys\")",
                 HotKeys::kSeenAt, HotKeys::kCap);
    {
      std::lock_guard<std::mutex> lock(cap_mu_);
      capped_ = true;
    }
    cap_cv_.notify_all();
  }

  void PeriodicSync() {
    std::unique_lock<std::mutex> lock(sync_mu_);
    while (!stopping_) {
      sync_cv_.wait_for(lock, std::chrono::milliseconds(options_.periodic_sync_ms));
      if (stopping_) break;
      rocksdb::Status s = db_->SyncWAL();
      if (!s.ok()) spdlog::error("periodic WAL sync failed: {}", s.ToString());
    }
  }

  // Stripes of CompareAndApply: one mutex per stripe, and the timestamp of the last operation
  // that applied under it (per-partition monotonic timestamps even if the clock steps back).
  static constexpr size_t kCasStripes = 1024;
  struct CasStripe {
    std::timed_mutex mu;
    int64_t last_timestamp = 0;  // GUARDED_BY(mu)
  };
  std::unique_ptr<CasStripe[]> cas_stripes_ = std::make_unique<CasStripe[]>(kCasStripes);

  const RocksDbOptions options_;
  rocksdb::DBOptions db_options_;
  rocksdb::ColumnFamilyOptions cf_options_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<RowCache> row_cache_;  // issue 14: point reads of tables without clustering
  rocksdb::WriteOptions write_options_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* default_cf_ = nullptr;

  std::mutex tables_mu_;  // serializes the changes of tables_, and guards cf_options_ after Open
  TableHandles tables_;   // storage/rocksdb_tables.h: found without a shared lock or count

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool stopping_ = false;  // GUARDED_BY(sync_mu_)
  std::thread sync_thread_;
  std::unique_ptr<GroupCommit> group_commit_;  // kSync only

  const std::shared_ptr<HotKeys> hot_keys_ = std::make_shared<HotKeys>();
  std::thread cap_thread_;  // started once, by the first write after a hot key was seen
  std::mutex cap_mu_;
  std::condition_variable cap_cv_;
  bool capped_ = false;  // GUARDED_BY(cap_mu_)
};

}  // namespace

Result<std::unique_ptr<Engine>> OpenRocksDbEngine(const RocksDbOptions& options) {
  auto engine = std::make_unique<RocksDbEngine>(options);
  RETURN_IF_ERROR(engine->Open());
  return std::unique_ptr<Engine>(std::move(engine));
}

Status CompactForTesting(Engine& engine) { return static_cast<RocksDbEngine&>(engine).CompactAll(); }

bool WaitForHotKeyCapForTesting(Engine& engine, std::chrono::milliseconds wait) {
  return static_cast<RocksDbEngine&>(engine).WaitForHotKeyCap(wait);
}

Status PauseBackgroundWorkForTesting(Engine& engine, bool pause) {
  auto& rocks = static_cast<RocksDbEngine&>(engine);
  return pause ? rocks.PauseBackgroundWork() : rocks.ContinueBackgroundWork();
}

}  // namespace sibyl::storage
