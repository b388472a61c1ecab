#include "iam/login_brake_sync.h"

#include <spdlog/spdlog.h>

#include <cmath>

#include "common/clock.h"
#include "iam/failure_sketch.h"
#include "iam/login_brake.h"
#include "storage/engine.h"

namespace sibyl::iam {
namespace {

constexpr const char* kPartition = "sketches";
constexpr const char* kCell = "s";
constexpr int32_t kTtlSeconds = 600;
constexpr uint64_t kMaxNodes = 256;
constexpr size_t kMaxNodeIdBytes = 64;
constexpr size_t kStampBytes = 8;
// A row stamped further in the future than this is read as written now (clocks differ a
// little between nodes; a far future stamp must not keep a count from decaying).
constexpr int64_t kMaxClockAheadMs = 60'000;

int64_t PartitionToken() {
  uint64_t h = 1469598103934665603ull;  // FNV-1a of the partition key: stable on every node
  for (unsigned char c : std::string_view(kPartition)) h = (h ^ c) * 1099511628211ull;
  return static_cast<int64_t>(h);
}

std::string EncodeRow(int64_t wall_ms, const FailureSketch& sketch) {
  std::string out(kStampBytes, '\0');
  for (size_t i = 0; i < kStampBytes; ++i) {
    out[i] = static_cast<char>(static_cast<uint64_t>(wall_ms) >> (56 - 8 * i));
  }
  return out + sketch.Encode();
}

}  // namespace

Result<std::unique_ptr<LoginBrakeSync>> LoginBrakeSync::Open(storage::Engine& engine,
                                                             LoginBrake& brake,
                                                             std::string node_id,
                                                             LoginBrakeSyncOptions options) {
  if (node_id.empty() || node_id.size() > kMaxNodeIdBytes) {
    return Status(ErrorCode::kInvalidArgument, "login brake sync: a node id of 1-64 bytes");
  }
  RETURN_IF_ERROR(engine.CreateTable(kLoginFailuresTableId));
  return std::unique_ptr<LoginBrakeSync>(
      new LoginBrakeSync(engine, brake, std::move(node_id), options));
}

Status LoginBrakeSync::SyncOnce(int64_t wall_ms, int64_t brake_ms) {
  const FailureSketch local = brake_.LocalSketch(brake_ms);
  if (!local.Empty()) {
    storage::PartitionMutation m;
    m.partition_key = kPartition;
    m.token = PartitionToken();
    storage::Row row;
    row.clustering = node_id_;
    row.cells[kCell] = storage::Cell{std::max(NowMicros(), wall_ms * 1000), kTtlSeconds,
                                     wall_ms / 1000 + kTtlSeconds, false,
                                     EncodeRow(wall_ms, local)};
    m.rows.push_back(std::move(row));
    RETURN_IF_ERROR(engine_.Apply({{kLoginFailuresTableId, std::move(m)}}));
  }
  storage::SliceQuery q;
  q.now_seconds = wall_ms / 1000;
  q.want_static = false;
  q.row_limit = kMaxNodes;
  ASSIGN_OR_RETURN(auto partition,
                   engine_.ReadPartition(kLoginFailuresTableId, kPartition, PartitionToken(), q));
  const double half_life_ms =
      static_cast<double>(std::max<int64_t>(1, brake_.options().half_life.count()));
  FailureSketch remote;
  for (const auto& row : partition.rows) {
    if (row.clustering == node_id_) continue;
    auto cell = row.cells.find(kCell);
    if (cell == row.cells.end()) continue;
    const std::string& value = cell->second.value;
    auto sketch = value.size() > kStampBytes
                      ? FailureSketch::Decode(std::string_view(value).substr(kStampBytes))
                      : Result<FailureSketch>(Status(ErrorCode::kCorruption, "short row"));
    if (!sketch.ok()) {
      if (wall_ms - last_skip_logged_ms_.load() < 60'000) continue;  // once a minute
      last_skip_logged_ms_ = wall_ms;
      spdlog::warn("login brake: the failure counts of node '{}' are skipped: {}",
                   row.clustering.substr(0, kMaxNodeIdBytes), sketch.status().ToString());
      continue;
    }
    uint64_t stamp = 0;
    for (size_t i = 0; i < kStampBytes; ++i) stamp = (stamp << 8) | static_cast<uint8_t>(value[i]);
    const int64_t written_ms = std::min(static_cast<int64_t>(stamp), wall_ms + kMaxClockAheadMs);
    sketch->Scale(std::exp2(-static_cast<double>(std::max<int64_t>(0, wall_ms - written_ms)) /
                            half_life_ms));
    remote.Merge(*sketch);
  }
  brake_.SetRemoteSketch(std::move(remote), brake_ms);
  return Status::OK();
}

void LoginBrakeSync::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void LoginBrakeSync::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LoginBrakeSync::Run() {
  int64_t last_error_logged_ms = 0;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    Status status = SyncOnce(NowMillis(), BrakeClockMillis());
    if (!status.ok() && NowMillis() - last_error_logged_ms > 60'000) {
      // At most once a minute: storage may be away for a while.
      spdlog::warn("login brake: exchanging failure counts with the other nodes failed: {}",
                   status.ToString());
      last_error_logged_ms = NowMillis();
    }
    lock.lock();
    wake_.wait_for(lock, options_.period, [this] { return stopping_; });
  }
}

}  // namespace sibyl::iam
