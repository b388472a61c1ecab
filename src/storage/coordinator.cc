// The node record codec and the one-node coordinator (storage/coordinator.h).
#include "storage/coordinator.h"

#include <limits>
#include <mutex>

#include <nlohmann/json.hpp>

namespace sibyl::storage {

using json = nlohmann::json;

const char* MembershipChangeName(MembershipChange change) {
  switch (change) {
    case MembershipChange::kJoined: return "joined";
    case MembershipChange::kLeft: return "left";
    case MembershipChange::kUp: return "up";
    case MembershipChange::kDown: return "down";
  }
  return "?";
}

std::string EncodeNodeRecord(const NodeRecord& r) {
  return json{{"host_id", r.host_id},
              {"address", r.address},
              {"cql_port", r.cql_port},
              {"http_port", r.http_port},
              {"data_center", r.data_center},
              {"rack", r.rack},
              {"tokens", r.tokens},
              {"schema_version", r.schema_version},
              {"release_version", r.release_version},
              {"heartbeat_ms", r.heartbeat_ms}}
      .dump();
}

namespace {

// Bounds of a registry entry: a node record is small; anything larger is not ours.
constexpr size_t kMaxRecordBytes = 16 << 10;
constexpr size_t kMaxText = 256;
constexpr size_t kMaxTokens = 1024;

Status Bad(const std::string& what) {
  return Status(ErrorCode::kCorruption, "bad node registry entry: " + what);
}

Status Text(const json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return Bad(std::string(key) + " is not a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > kMaxText) return Bad(std::string(key) + " is too long");
  out = s;
  return Status::OK();
}

Status Port(const json& j, const char* key, int& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return Bad(std::string(key) + " is not a port");
  const int64_t v = it->get<int64_t>();
  if (v < 0 || v > 65535) return Bad(std::string(key) + " is not a port");
  out = static_cast<int>(v);
  return Status::OK();
}

}  // namespace

Result<NodeRecord> DecodeNodeRecord(std::string_view text) {
  if (text.size() > kMaxRecordBytes) return Bad("larger than 16 KiB");
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Bad("not a JSON object");
  NodeRecord r;
  RETURN_IF_ERROR(Text(j, "host_id", r.host_id));
  if (r.host_id.empty()) return Bad("empty host_id");
  RETURN_IF_ERROR(Text(j, "address", r.address));
  RETURN_IF_ERROR(Port(j, "cql_port", r.cql_port));
  RETURN_IF_ERROR(Port(j, "http_port", r.http_port));
  RETURN_IF_ERROR(Text(j, "data_center", r.data_center));
  RETURN_IF_ERROR(Text(j, "rack", r.rack));
  RETURN_IF_ERROR(Text(j, "schema_version", r.schema_version));
  RETURN_IF_ERROR(Text(j, "release_version", r.release_version));
  auto tokens = j.find("tokens");
  if (tokens == j.end() || !tokens->is_array() || tokens->size() > kMaxTokens) {
    return Bad("tokens is not an array of at most 1024 tokens");
  }
  for (const auto& t : *tokens) {
    if (!t.is_number_integer()) return Bad("a token is not an integer");
    r.tokens.push_back(t.get<int64_t>());
  }
  auto heartbeat = j.find("heartbeat_ms");
  if (heartbeat == j.end() || !heartbeat->is_number_integer()) return Bad("no heartbeat_ms");
  r.heartbeat_ms = heartbeat->get<int64_t>();
  return r;
}

namespace {

class LocalCoordinator final : public Coordinator {
 public:
  bool clustered() const override { return false; }
  void Subscribe(const std::string&, Reload) override {}  // no other node publishes
  Status Publish(const std::string&) override { return Status::OK(); }

  Result<std::unique_ptr<LockGuard>> LockDdl(std::chrono::milliseconds wait) override {
    std::unique_lock<std::timed_mutex> lock(ddl_mu_, wait);
    if (!lock.owns_lock()) {
      return Status(ErrorCode::kIOError, "timed out waiting for the cluster DDL lock");
    }
    return std::unique_ptr<LockGuard>(new Guard(std::move(lock)));
  }

  Status Join(NodeRecord self) override {
    std::lock_guard<std::mutex> lock(mu_);
    // One node owns the whole ring, as before issue 15.
    if (self.tokens.empty()) self.tokens = {std::numeric_limits<int64_t>::min()};
    if (self.schema_version.empty()) self.schema_version = self_.schema_version;
    self.live = true;
    self_ = std::move(self);
    return Status::OK();
  }
  NodeRecord Self() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return self_;
  }
  Status UpdateSelf(const std::function<void(NodeRecord&)>& change) override {
    std::lock_guard<std::mutex> lock(mu_);
    change(self_);
    return Status::OK();
  }
  Result<std::vector<NodeRecord>> Nodes() override { return std::vector<NodeRecord>{Self()}; }
  void OnMembership(MembershipListener) override {}  // no other node
  Status Start() override { return Status::OK(); }
  void Stop() override {}

 private:
  struct Guard final : LockGuard {
    explicit Guard(std::unique_lock<std::timed_mutex> l) : lock(std::move(l)) {}
    std::unique_lock<std::timed_mutex> lock;
  };

  std::timed_mutex ddl_mu_;
  mutable std::mutex mu_;
  NodeRecord self_;  // GUARDED_BY(mu_)
};

}  // namespace

std::unique_ptr<Coordinator> MakeLocalCoordinator() {
  return std::make_unique<LocalCoordinator>();
}

}  // namespace sibyl::storage
