#include "storage/rados_index.h"

#include <algorithm>
#include <map>
#include <memory>

#include "storage/rados_connection.h"
#include "storage/rados_fragments.h"

namespace sibyl::storage::rados {
namespace {

// Shards read in parallel by one step of a scan (a small table's full scan walks 256 mostly
// empty shards: 16 round trips instead of 256).
constexpr int kShardsPerStep = 16;
constexpr uint64_t kMaxPage = 1024;  // the OSD's osd_max_omap_entries_per_request

}  // namespace

AioBatch::~AioBatch() {
  Wait();
  for (auto* c : completions_) c->release();
}

void AioBatch::Add(librados::IoCtx& io, const std::string& oid, librados::ObjectWriteOperation* op) {
  auto* c = librados::Rados::aio_create_completion();
  completions_.push_back(c);
  started_.push_back(io.aio_operate(oid, c, op));
}

void AioBatch::Add(librados::IoCtx& io, const std::string& oid, librados::ObjectReadOperation* op) {
  auto* c = librados::Rados::aio_create_completion();
  completions_.push_back(c);
  started_.push_back(io.aio_operate(oid, c, op, nullptr));
}

std::vector<int> AioBatch::Wait() {
  std::vector<int> out;
  out.reserve(completions_.size());
  for (size_t i = 0; i < completions_.size(); ++i) {
    if (started_[i] < 0) {
      out.push_back(started_[i]);
      continue;
    }
    completions_[i]->wait_for_complete();
    out.push_back(completions_[i]->get_return_value());
  }
  return out;
}

std::string PartitionIndex::CacheKey(const std::string& table_id, const PartitionPosition& p) const {
  std::string key = table_id;
  key.push_back('\0');
  key += IndexKey(p.token, p.partition_key);
  return key;
}

Status PartitionIndex::Ensure(librados::IoCtx& io, const std::string& table_id,
                              const std::vector<PartitionPosition>& partitions) {
  std::map<int, std::map<std::string, librados::bufferlist>> by_shard;
  std::vector<std::string> keys;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    for (const auto& p : partitions) {
      std::string key = CacheKey(table_id, p);
      if (indexed_.count(key)) continue;
      librados::bufferlist one;
      one.append("1", 1);  // omap values are never empty (absent == empty in omap_cmp)
      by_shard[IndexShardOf(p.token)][IndexKey(p.token, p.partition_key)] = std::move(one);
      keys.push_back(std::move(key));
    }
  }
  if (by_shard.empty()) return Status::OK();
  std::vector<librados::ObjectWriteOperation> ops(by_shard.size());
  AioBatch batch;
  size_t i = 0;
  for (auto& [shard, entries] : by_shard) {
    ops[i].omap_set(entries);
    batch.Add(io, IndexShardName(shard), &ops[i]);
    ++i;
  }
  for (int rc : batch.Wait()) RETURN_IF_ERROR(FromRados(rc, "writing the partition index"));
  std::lock_guard lock(mu_);
  // Forgotten meanwhile (a TRUNCATE may have removed the entries just written): not cached, so
  // that no later write trusts them (docs/dev/rados-mapping.md "TRUNCATE and racing writes").
  if (generation != generation_) return Status::OK();
  for (auto& key : keys) {
    if (bytes_ + key.size() > cache_bytes_) {  // bounded: start over
      indexed_.clear();
      bytes_ = 0;
    }
    bytes_ += key.size() + 32;
    indexed_.insert(std::move(key));
  }
  return Status::OK();
}

void PartitionIndex::Forget(const std::string& table_id) {
  std::lock_guard lock(mu_);
  ++generation_;
  const std::string prefix = table_id + '\0';
  for (auto it = indexed_.begin(); it != indexed_.end();) {
    if (table_id.empty() || it->compare(0, prefix.size(), prefix) == 0) {
      bytes_ -= std::min(bytes_, it->size() + 32);
      it = indexed_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<std::vector<PartitionPosition>> PartitionIndex::Scan(librados::IoCtx& io,
                                                            const ScanQuery& query) {
  std::vector<PartitionPosition> out;
  if (query.start_token > query.end_token || query.max_partitions == 0) return out;
  // start_after: FlipToken(t) starts at t inclusive (every entry is longer), + "\x01" after t.
  std::string start_after;
  if (query.start_inclusive) {
    start_after = FlipToken(query.start_token);
  } else {
    if (query.start_token == INT64_MAX) return out;
    start_after = FlipToken(query.start_token) + '\x01';
  }
  if (query.resume_after) {
    std::string resume = IndexKey(query.resume_after->token, query.resume_after->partition_key);
    if (resume > start_after) start_after = std::move(resume);
  }
  int shard = static_cast<uint8_t>(start_after[0]);
  const int last_shard = IndexShardOf(query.end_token);
  while (shard <= last_shard && out.size() < query.max_partitions) {
    if (query.context) RETURN_IF_ERROR(query.context->Check());
    // Up to kShardsPerStep shards at once: the first from start_after, the others whole.
    const int count = std::min(kShardsPerStep, last_shard - shard + 1);
    const uint64_t want = std::min<uint64_t>(kMaxPage, query.max_partitions - out.size());
    std::vector<librados::ObjectReadOperation> ops(count);
    std::vector<std::map<std::string, librados::bufferlist>> pages(count);
    std::unique_ptr<bool[]> more(new bool[count]());
    std::vector<int> rvals(count, 0);
    AioBatch batch;
    for (int i = 0; i < count; ++i) {
      ops[i].omap_get_vals2(i == 0 ? start_after : std::string(), want, &pages[i], &more[i],
                            &rvals[i]);
      batch.Add(io, IndexShardName(shard + i), &ops[i]);
    }
    std::vector<int> rcs = batch.Wait();
    int next_shard = shard + count;
    std::string next_start;
    for (int i = 0; i < count; ++i) {
      if (rcs[i] == -ENOENT) continue;  // a shard never written
      RETURN_IF_ERROR(FromRados(rcs[i], "reading the partition index"));
      for (auto& [key, value] : pages[i]) {
        PartitionPosition p;
        if (!ParseIndexKey(key, &p)) {
          return Status(ErrorCode::kCorruption, "malformed partition index entry");
        }
        if (p.token > query.end_token) return out;
        out.push_back(std::move(p));
        if (out.size() == query.max_partitions) return out;
      }
      if (more[i] && !pages[i].empty()) {  // the shard holds more: continue it
        next_shard = shard + i;
        next_start = pages[i].rbegin()->first;
        break;
      }
    }
    shard = next_shard;
    start_after = next_start;
  }
  return out;
}

}  // namespace sibyl::storage::rados
