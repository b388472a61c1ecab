// RadosCoordinator (storage/rados_coordinator.h). Why it is built this way:
//  - librados calls handle_notify on its own dispatch thread; a reload does RADOS I/O and takes
//    the node's locks, so it runs on our worker thread and the ack is sent from there, after the
//    reload (notify_ack may be sent from any thread). A node's own notifies are acked at once in
//    the callback: it has nothing to reload, and acking them never waits for the worker (which
//    may be busy with another node's change), so two nodes publishing at once never wait on
//    each other.
//  - Heartbeats, the registry poll, lock renewal and the watch check run on a second thread, so
//    a slow reload never makes a node look dead.
#include "storage/rados_coordinator.h"

#include <spdlog/spdlog.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "storage/rados_connection.h"
#include "storage/token_layout.h"

namespace sibyl::storage {
namespace {

constexpr const char* kNamespace = "sibyl.cluster";
constexpr const char* kNotifyObject = "notify";
constexpr const char* kNodesObject = "nodes";
constexpr const char* kLockObject = "ddl.lock";
constexpr const char* kLockName = "ddl";
// A notify payload is "<instance id>\n<topic>"; anything longer is not ours.
constexpr size_t kMaxPayload = 1024;
// The registry holds at most this many nodes (it is read whole on every poll).
constexpr size_t kMaxNodes = 4096;

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RandomHex(int bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    unsigned v = rd() & 0xff;
    out.push_back(kDigits[v >> 4]);
    out.push_back(kDigits[v & 15]);
  }
  return out;
}

class RadosCoordinator final : public Coordinator {
 public:
  RadosCoordinator(std::shared_ptr<RadosConnection> connection, RadosCoordinatorOptions options)
      : connection_(std::move(connection)),
        options_(options),
        io_(connection_->IoCtx(kNamespace)),
        instance_(RandomHex(8)),
        watcher_(this) {}

  ~RadosCoordinator() override { Stop(); }

  bool clustered() const override { return true; }

  void Subscribe(const std::string& topic, Reload reload) override {
    std::lock_guard<std::mutex> lock(mu_);
    subscribers_[topic].push_back(std::move(reload));
  }

  Status Publish(const std::string& topic) override {
    librados::bufferlist payload;
    payload.append(instance_ + "\n" + topic);
    librados::bufferlist reply;
    int rc = io_.notify2(kNotifyObject, payload,
                         static_cast<uint64_t>(options_.publish_timeout.count()), &reply);
    if (rc == -ETIMEDOUT) {
      std::vector<librados::notify_ack_t> acks;
      std::vector<librados::notify_timeout_t> timeouts;
      io_.decode_notify_response(reply, &acks, &timeouts);
      return Status(ErrorCode::kIOError,
                    "publishing the " + topic + " change: " + std::to_string(timeouts.size()) +
                        " node(s) did not answer within " +
                        std::to_string(options_.publish_timeout.count()) + " ms");
    }
    return FromRados(rc, "publishing the " + topic + " change");
  }

  Result<std::unique_ptr<LockGuard>> LockDdl(std::chrono::milliseconds wait) override {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    std::unique_lock<std::timed_mutex> local(local_ddl_mu_, deadline);
    if (!local.owns_lock()) return LockTimeout();
    const std::string cookie = instance_ + "." + std::to_string(++lock_sequence_);
    std::minstd_rand jitter(std::random_device{}());
    std::chrono::milliseconds backoff{2};
    while (true) {
      int rc = TryLock(cookie, 0);
      if (rc == 0) break;
      if (rc != -EBUSY && rc != -EEXIST) return FromRados(rc, "taking the cluster DDL lock");
      if (std::chrono::steady_clock::now() + backoff > deadline) return LockTimeout();
      std::this_thread::sleep_for(backoff + std::chrono::milliseconds(jitter() % 5));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(50));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_lock_cookie_ = cookie;
    }
    return std::unique_ptr<LockGuard>(new Guard(this, cookie, std::move(local)));
  }

  Status Join(NodeRecord self) override {
    RETURN_IF_ERROR(CreateObjects());
    ASSIGN_OR_RETURN(auto registry, ReadRegistry());
    auto mine = registry.find(self.host_id);
    if (self.tokens.empty() && mine != registry.end()) self.tokens = mine->second.tokens;
    std::unique_ptr<LockGuard> guard;
    if (self.tokens.empty()) {
      // Two nodes joining at once must not pick the same gaps: choose under the DDL lock, from
      // the registry as it is then.
      ASSIGN_OR_RETURN(guard, LockDdl(std::chrono::milliseconds(30000)));
      ASSIGN_OR_RETURN(registry, ReadRegistry());
      std::vector<std::vector<int64_t>> others;
      for (const auto& [id, record] : registry) {
        if (id != self.host_id) others.push_back(record.tokens);
      }
      self.tokens = ChooseTokens(others, kTokensPerNode);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      // What UpdateSelf set before (the schema version) stays unless `self` says otherwise.
      if (self.schema_version.empty()) self.schema_version = self_.schema_version;
      self_ = self;
      joined_ = true;
      known_.clear();
      const int64_t now = NowMillis();
      for (const auto& [id, record] : registry) {
        if (id != self.host_id && record.heartbeat_ms != 0) {
          NodeRecord& known = known_[id] = record;
          known.live = IsLive(record, now);
        }
      }
    }
    return WriteSelf();
  }

  NodeRecord Self() const override {
    std::lock_guard<std::mutex> lock(mu_);
    NodeRecord self = self_;
    self.live = true;
    return self;
  }

  Status UpdateSelf(const std::function<void(NodeRecord&)>& change) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      change(self_);
      if (!joined_) return Status::OK();
    }
    return WriteSelf();
  }

  Result<std::vector<NodeRecord>> Nodes() override {
    ASSIGN_OR_RETURN(auto registry, ReadRegistry());
    std::vector<NodeRecord> out;
    const int64_t now = NowMillis();
    for (auto& [id, record] : registry) {
      if (record.heartbeat_ms == 0) continue;  // left
      record.live = IsLive(record, now);
      out.push_back(std::move(record));
    }
    return out;
  }

  void OnMembership(MembershipListener listener) override {
    std::lock_guard<std::mutex> lock(mu_);
    membership_listeners_.push_back(std::move(listener));
  }

  Status Start() override {
    std::lock_guard<std::mutex> start_lock(start_mu_);
    if (started_) return Status::OK();
    RETURN_IF_ERROR(CreateObjects());
    RETURN_IF_ERROR(Watch());
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = false;
      // A change published between this node's loads and its watch was missed: reload once.
      tasks_.push_back({Task::Kind::kReloadAll, 0, 0, ""});
    }
    started_ = true;
    worker_ = std::thread([this] { WorkerLoop(); });
    heartbeat_ = std::thread([this] { HeartbeatLoop(); });
    return Status::OK();
  }

  void Stop() override {
    std::lock_guard<std::mutex> start_lock(start_mu_);
    if (!started_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    heartbeat_.join();
    worker_.join();
    if (watch_handle_ != 0) io_.unwatch2(watch_handle_);
    watch_handle_ = 0;
    // No callback may run once the watcher is gone.
    connection_->rados().watch_flush();
    bool joined;
    {
      std::lock_guard<std::mutex> lock(mu_);
      joined = joined_;
      self_.heartbeat_ms = 0;  // left: the others send REMOVED_NODE
    }
    if (joined) {
      Status s = WriteRecord(Self());
      if (!s.ok()) spdlog::warn("Cluster: cannot mark this node as left: {}", s.ToString());
    }
    started_ = false;
  }

 private:
  class Watcher final : public librados::WatchCtx2 {
   public:
    explicit Watcher(RadosCoordinator* owner) : owner_(owner) {}
    void handle_notify(uint64_t notify_id, uint64_t cookie, uint64_t /*notifier_id*/,
                       librados::bufferlist& bl) override {
      owner_->OnNotify(notify_id, cookie, bl.to_str());
    }
    void handle_error(uint64_t cookie, int err) override { owner_->OnWatchError(cookie, err); }

   private:
    RadosCoordinator* owner_;
  };

  struct Guard final : LockGuard {
    Guard(RadosCoordinator* owner, std::string cookie, std::unique_lock<std::timed_mutex> local)
        : owner(owner), cookie(std::move(cookie)), local(std::move(local)) {}
    ~Guard() override { owner->Unlock(cookie); }
    RadosCoordinator* owner;
    std::string cookie;
    std::unique_lock<std::timed_mutex> local;
  };

  struct Task {
    enum class Kind { kNotify, kRewatch, kReloadAll } kind;
    uint64_t notify_id = 0;
    uint64_t cookie = 0;
    std::string topic;
  };

  static Status LockTimeout() {
    return Status(ErrorCode::kIOError, "timed out waiting for the cluster DDL lock");
  }

  int TryLock(const std::string& cookie, uint8_t flags) {
    struct timeval duration = {static_cast<time_t>(options_.lock_duration.count()), 0};
    return io_.lock_exclusive(kLockObject, kLockName, cookie, "Sibyl DDL", &duration, flags);
  }

  void Unlock(const std::string& cookie) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (held_lock_cookie_ == cookie) held_lock_cookie_.clear();
    }
    int rc = io_.unlock(kLockObject, kLockName, cookie);
    // -ENOENT: it expired (a stall longer than its duration); the next holder is unaffected.
    if (rc < 0 && rc != -ENOENT) {
      spdlog::warn("Cluster: releasing the DDL lock: {}", FromRados(rc, "unlock").ToString());
    }
  }

  Status CreateObjects() {
    for (const char* oid : {kNotifyObject, kNodesObject}) {
      RETURN_IF_ERROR(FromRados(io_.create(oid, /*exclusive=*/false),
                                std::string("creating ") + kNamespace + "/" + oid));
    }
    return Status::OK();
  }

  Status Watch() {
    uint64_t handle = 0;
    RETURN_IF_ERROR(FromRados(
        io_.watch3(kNotifyObject, &handle, &watcher_,
                   static_cast<uint32_t>(options_.watch_timeout.count())),
        "watching the cluster's notify object"));
    watch_handle_ = handle;
    return Status::OK();
  }

  bool IsLive(const NodeRecord& record, int64_t now) const {
    return record.heartbeat_ms != 0 && now - record.heartbeat_ms < options_.liveness.count();
  }

  Result<std::map<std::string, NodeRecord>> ReadRegistry() {
    std::map<std::string, NodeRecord> out;
    std::string after;
    while (true) {
      librados::ObjectReadOperation op;
      std::map<std::string, librados::bufferlist> values;
      bool more = false;
      int op_rc = 0;
      op.omap_get_vals2(after, 1024, &values, &more, &op_rc);
      librados::bufferlist unused;
      const int rc = io_.operate(kNodesObject, &op, &unused);
      // No registry object yet: a node of a new namespace opens its CQL port before it joins
      // (it must know its port to register), and a client that connects at once asks for
      // system.peers meanwhile. No node has registered: the registry is empty.
      if (rc == -ENOENT || (rc >= 0 && op_rc == -ENOENT)) return out;
      RETURN_IF_ERROR(FromRados(rc, "reading the node registry"));
      RETURN_IF_ERROR(FromRados(op_rc, "reading the node registry"));
      for (auto& [key, value] : values) {
        auto record = DecodeNodeRecord(value.to_str());
        if (!record.ok() || record->host_id != key) {
          spdlog::warn("Cluster: ignoring registry entry '{}': {}", key,
                       record.ok() ? "host id differs from its key" : record.status().ToString());
          continue;
        }
        out[key] = *std::move(record);
      }
      if (!more || values.empty()) break;
      after = values.rbegin()->first;
      if (out.size() > kMaxNodes) {
        return Status(ErrorCode::kCorruption, "the node registry holds more than 4096 nodes");
      }
    }
    return out;
  }

  Status WriteRecord(const NodeRecord& record) {
    std::map<std::string, librados::bufferlist> values;
    values[record.host_id].append(EncodeNodeRecord(record));
    librados::ObjectWriteOperation op;
    op.omap_set(values);
    return FromRados(io_.operate(kNodesObject, &op), "writing this node's registry entry");
  }

  Status WriteSelf() {
    NodeRecord self;
    {
      std::lock_guard<std::mutex> lock(mu_);
      self_.heartbeat_ms = NowMillis();
      self = self_;
    }
    return WriteRecord(self);
  }

  void OnNotify(uint64_t notify_id, uint64_t cookie, const std::string& payload) {
    const size_t newline = payload.find('\n');
    if (payload.size() > kMaxPayload || newline == std::string::npos ||
        payload.compare(0, newline, instance_) == 0) {
      Ack(notify_id, cookie);  // ours, or not a Sibyl notify: nothing to reload
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back({Task::Kind::kNotify, notify_id, cookie, payload.substr(newline + 1)});
    }
    cv_.notify_all();
  }

  void OnWatchError(uint64_t cookie, int err) {
    spdlog::warn("Cluster: the watch of the notify object broke ({}); re-watching",
                 FromRados(err, "watch").ToString());
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back({Task::Kind::kRewatch, 0, cookie, ""});
    }
    cv_.notify_all();
  }

  void Ack(uint64_t notify_id, uint64_t cookie) {
    librados::bufferlist reply;
    io_.notify_ack(kNotifyObject, notify_id, cookie, reply);
  }

  // Runs `topic`'s subscribers, or every topic's when `topic` is empty.
  void RunSubscribers(const std::string& topic) {
    std::vector<Reload> reloads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [name, list] : subscribers_) {
        if (topic.empty() || name == topic) reloads.insert(reloads.end(), list.begin(), list.end());
      }
    }
    for (const auto& reload : reloads) reload();
  }

  void Rewatch() {
    if (watch_handle_ != 0) io_.unwatch2(watch_handle_);
    watch_handle_ = 0;
    Status s = Watch();
    if (!s.ok()) {
      spdlog::warn("Cluster: re-watching failed, retrying: {}", s.ToString());
      return;  // the heartbeat's watch check schedules another attempt
    }
    RunSubscribers("");  // notifies may have been missed while the watch was down
  }

  void WorkerLoop() {
    while (true) {
      Task task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (stopping_) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      if (task.kind == Task::Kind::kNotify) {
        RunSubscribers(task.topic);
        Ack(task.notify_id, task.cookie);  // after the reload: the publisher waits for this
      } else if (task.kind == Task::Kind::kReloadAll) {
        RunSubscribers("");
      } else {
        Rewatch();
      }
    }
  }

  void HeartbeatLoop() {
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (cv_.wait_for(lock, options_.heartbeat, [this] { return stopping_; })) return;
      }
      Heartbeat();
    }
  }

  void Heartbeat() {
    bool joined;
    std::string cookie;
    {
      std::lock_guard<std::mutex> lock(mu_);
      joined = joined_;
      cookie = held_lock_cookie_;
    }
    if (!cookie.empty()) {
      int rc = TryLock(cookie, LIBRADOS_LOCK_FLAG_MAY_RENEW);
      if (rc < 0) spdlog::warn("Cluster: renewing the DDL lock: {}", FromRados(rc, "lock").ToString());
    }
    if (watch_handle_ != 0 && io_.watch_check(watch_handle_) < 0) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        tasks_.push_back({Task::Kind::kRewatch, 0, 0, ""});
      }
      cv_.notify_all();
    }
    if (!joined) return;
    if (Status s = WriteSelf(); !s.ok()) spdlog::warn("Cluster: heartbeat: {}", s.ToString());
    PollMembership();
  }

  void PollMembership() {
    auto registry = ReadRegistry();
    if (!registry.ok()) {
      spdlog::warn("Cluster: {}", registry.status().ToString());
      return;
    }
    const int64_t now = NowMillis();
    std::vector<std::pair<NodeRecord, MembershipChange>> changes;
    std::vector<MembershipListener> listeners;
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::map<std::string, NodeRecord> current;
      for (auto& [id, record] : *registry) {
        if (id == self_.host_id || record.heartbeat_ms == 0) continue;
        const bool live = IsLive(record, now);
        record.live = live;
        current[id] = record;
        auto known = known_.find(id);
        if (known == known_.end()) {
          if (live) {
            changes.emplace_back(record, MembershipChange::kJoined);
            changes.emplace_back(record, MembershipChange::kUp);
          }
          // A dead entry seen for the first time is not news.
        } else if (known->second.live != live) {
          changes.emplace_back(record, live ? MembershipChange::kUp : MembershipChange::kDown);
        }
      }
      for (const auto& [id, last_seen] : known_) {
        if (current.count(id)) continue;
        // Left cleanly (heartbeat 0) or removed from the registry (sibyl cluster remove-node):
        // its addresses as last seen, so that drivers are told which host went.
        NodeRecord gone = last_seen;
        auto it = registry->find(id);
        if (it != registry->end()) gone = it->second;
        gone.host_id = id;
        changes.emplace_back(gone, MembershipChange::kLeft);
      }
      // A dead entry seen for the first time is remembered as dead, so that it coming back is UP.
      known_ = std::move(current);
      listeners = membership_listeners_;
    }
    for (const auto& [record, change] : changes) {
      spdlog::info("Cluster: node {} ({}:{}) {}", record.host_id, record.address, record.cql_port,
                   MembershipChangeName(change));
      for (const auto& listener : listeners) listener(record, change);
    }
  }

  const std::shared_ptr<RadosConnection> connection_;
  const RadosCoordinatorOptions options_;
  librados::IoCtx io_;
  const std::string instance_;  // random per process: tells our own notifies apart
  Watcher watcher_;

  std::mutex start_mu_;  // serializes Start/Stop
  bool started_ = false;  // GUARDED_BY(start_mu_)
  std::thread worker_;
  std::thread heartbeat_;
  std::atomic<uint64_t> watch_handle_{0};  // written by Start/Stop and the worker (Rewatch)

  std::timed_mutex local_ddl_mu_;  // one holder of the cluster lock per process
  std::atomic<uint64_t> lock_sequence_{0};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                                       // GUARDED_BY(mu_)
  std::deque<Task> tasks_;                                      // GUARDED_BY(mu_)
  std::map<std::string, std::vector<Reload>> subscribers_;      // GUARDED_BY(mu_)
  std::vector<MembershipListener> membership_listeners_;        // GUARDED_BY(mu_)
  NodeRecord self_;                                             // GUARDED_BY(mu_)
  bool joined_ = false;                                         // GUARDED_BY(mu_)
  // GUARDED_BY(mu_): other nodes as last seen in the registry (`live` set by this node's clock).
  std::map<std::string, NodeRecord> known_;
  std::string held_lock_cookie_;       // GUARDED_BY(mu_): renewed by the heartbeat
};

}  // namespace

std::unique_ptr<Coordinator> MakeRadosCoordinator(std::shared_ptr<RadosConnection> connection,
                                                  RadosCoordinatorOptions options) {
  return std::make_unique<RadosCoordinator>(std::move(connection), options);
}

}  // namespace sibyl::storage
