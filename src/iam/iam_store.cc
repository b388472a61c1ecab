#include "iam/iam_store.h"

#include <atomic>

#include "common/clock.h"
#include "storage/coordinator.h"
#include "storage/engine.h"

#include <spdlog/spdlog.h>

namespace sibyl::iam {
namespace {

// Partition keys are the kind names; their tokens only need to be stable, not Cassandra's.
int64_t KindToken(const std::string& kind) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : kind) h = (h ^ c) * 1099511628211ull;
  return static_cast<int64_t>(h);
}

int64_t NextTimestamp() {
  static std::atomic<int64_t> last{0};
  int64_t now = NowMicros();
  int64_t prev = last.load();
  while (true) {
    int64_t next = now > prev ? now : prev + 1;
    if (last.compare_exchange_weak(prev, next)) return next;
  }
}

}  // namespace

Result<std::unique_ptr<IamStore>> IamStore::Open(storage::Engine& engine) {
  RETURN_IF_ERROR(engine.CreateTable(kIamTableId));
  return std::unique_ptr<IamStore>(new IamStore(engine));
}

Status IamStore::Put(const std::string& kind, const std::string& id, const std::string& json) {
  storage::PartitionMutation m;
  m.partition_key = kind;
  m.token = KindToken(kind);
  storage::Row row;
  row.clustering = id;
  row.marker.timestamp = NextTimestamp();
  row.cells["doc"] = storage::Cell{row.marker.timestamp, 0, 0, false, json};
  m.rows.push_back(std::move(row));
  return Published(engine_.Apply({{kIamTableId, std::move(m)}}));
}

Status IamStore::Delete(const std::string& kind, const std::string& id) {
  storage::PartitionMutation m;
  m.partition_key = kind;
  m.token = KindToken(kind);
  storage::Row row;
  row.clustering = id;
  row.deletion = {NextTimestamp(), NowSeconds()};
  m.rows.push_back(std::move(row));
  return Published(engine_.Apply({{kIamTableId, std::move(m)}}));
}

// issue 15: the change is durable; the other nodes learn of it before the caller returns. A node
// that did not answer reloads when its watch comes back, so a publish failure is only logged.
Status IamStore::Published(Status status) {
  if (!status.ok() || coordinator_ == nullptr || !coordinator_->clustered()) return status;
  Status published = coordinator_->Publish("iam");
  if (!published.ok()) spdlog::warn("IAM change published without every node's answer: {}", published.ToString());
  return status;
}

Result<std::vector<std::pair<std::string, std::string>>> IamStore::LoadAll(const std::string& kind) {
  storage::SliceQuery q;
  q.now_seconds = NowSeconds();
  ASSIGN_OR_RETURN(auto partition, engine_.ReadPartition(kIamTableId, kind, KindToken(kind), q));
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : partition.rows) {
    auto it = row.cells.find("doc");
    if (it != row.cells.end()) out.emplace_back(row.clustering, it->second.value);
  }
  return out;
}

}  // namespace sibyl::iam
