#pragma once
// A QueryProcessor for server tests: answers a few fixed statements.
//   "USE <ks>"        -> SetKeyspace, changes the session
//   "SELECT keyspace" -> one text row: the session's keyspace
//   "CREATE"          -> SchemaChange CREATED KEYSPACE k, and calls the schema listener
//   "FAIL"            -> Invalid "bad"
//   "THROW"           -> throws std::runtime_error
//   "BLOCK"           -> waits until Release() is called, then Void
//   "DURABLE"         -> Void, as a write whose fsync is left to WhenDurable (group commit,
//                        issue 14): while HoldDurable() is on, WhenDurable keeps the callbacks
//                        until SyncDurable(status)
//   anything else     -> Void
// Prepared ids (EXECUTE; issue 14, writes coalesced per event-loop turn):
//   "id1"  -> Void, on the pool
//   "wid"  -> an inline write (InlineRun::kWrite): in a storage::WriteCollectScope it is
//             collected into a FakeCollected, applied by its Commit; else applied at once
//   "rid"  -> an inline read (InlineRun::kRead): records how many writes were applied before it

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "cql/types/value.h"
#include "query/processor.h"
#include "storage/deferred_sync.h"
#include "storage/write_collect.h"

namespace sibyl::testing {

namespace protocol = cql::protocol;

class FakeProcessor : public query::QueryProcessor {
 public:
  Result<protocol::ResultMessage> Query(query::Session& session, std::string_view cql,
                                        const protocol::QueryParameters& params) override {
    if (cql.starts_with("USE ")) {
      session.keyspace = std::string(cql.substr(4));
      return protocol::ResultMessage(protocol::SetKeyspaceResult{session.keyspace});
    }
    if (cql == "SELECT keyspace") {
      protocol::RowsResult rows;
      rows.metadata.columns = {{"system", "local", "keyspace",
                                cql::types::Type(cql::types::Kind::kVarchar)}};
      rows.rows = {{cql::types::Value(session.keyspace)}};
      return protocol::ResultMessage(std::move(rows));
    }
    if (cql == "CREATE") {
      protocol::SchemaChangeResult change{"CREATED", "KEYSPACE", "k", "", {}};
      SchemaListener listener;
      {
        std::lock_guard lock(mu_);
        listener = listener_;
      }
      if (listener) listener(change);
      return protocol::ResultMessage(change);
    }
    if (cql == "DURABLE") {
      if (auto* scope = storage::DeferredSyncScope::Current()) scope->MarkPending();
      return protocol::ResultMessage(protocol::VoidResult{});
    }
    if (cql == "FAIL") return InvalidRequest("bad");
    if (cql == "THROW") throw std::runtime_error("boom");
    if (cql == "BLOCK") {
      std::unique_lock lock(mu_);
      ++blocked_;
      ++blocked_now_;
      max_blocked_at_once_ = std::max(max_blocked_at_once_, blocked_now_);
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
      --blocked_now_;
    }
    return protocol::ResultMessage(protocol::VoidResult{});
  }
  Result<protocol::ResultMessage> Prepare(query::Session&, std::string_view) override {
    protocol::PreparedResult prepared;
    prepared.id = "id1";
    prepared.result_metadata.no_metadata = true;
    return protocol::ResultMessage(prepared);
  }
  Result<protocol::ResultMessage> Execute(query::Session&, std::string_view id,
                                          const protocol::QueryParameters&) override {
    if (id == "wid") {
      std::lock_guard lock(mu_);
      ++write_runs_;
      if (auto* scope = storage::WriteCollectScope::Current()) {
        auto& into = scope->into();
        if (into == nullptr) into = std::make_unique<FakeCollected>(this);
        ++static_cast<FakeCollected&>(*into).pending;
        scope->MarkCollected();
      } else {
        ++applied_;
      }
      return protocol::ResultMessage(protocol::VoidResult{});
    }
    if (id == "rid") {
      std::lock_guard lock(mu_);
      reads_saw_.push_back(applied_);
      return protocol::ResultMessage(protocol::VoidResult{});
    }
    if (id != "id1") {
      return Status(ErrorCode::kUnprepared, "Prepared query not found",
                    UnpreparedDetail{std::string(id)});
    }
    return protocol::ResultMessage(protocol::VoidResult{});
  }
  Result<protocol::ResultMessage> Batch(query::Session&, const protocol::BatchRequest&) override {
    return protocol::ResultMessage(protocol::VoidResult{});
  }
  query::InlineRun RunsInline(std::string_view id) override {
    if (id == "wid") return query::InlineRun::kWrite;
    if (id == "rid") return query::InlineRun::kRead;
    return query::InlineRun::kNo;
  }
  // Collected writes ("wid"): counts, and the next commit fails (nothing applied) when asked.
  int write_runs() {
    std::lock_guard lock(mu_);
    return write_runs_;
  }
  int applied() {
    std::lock_guard lock(mu_);
    return applied_;
  }
  int commits() {
    std::lock_guard lock(mu_);
    return commits_;
  }
  std::vector<int> reads_saw() {
    std::lock_guard lock(mu_);
    return reads_saw_;
  }
  void FailNextCommit() {
    std::lock_guard lock(mu_);
    fail_next_commit_ = true;
  }

  void AddSchemaListener(SchemaListener listener) override {
    std::lock_guard lock(mu_);
    listener_ = std::move(listener);
  }

  void WhenDurable(std::function<void(const Status&)> done) override {
    {
      std::lock_guard lock(mu_);
      if (hold_durable_) {
        durable_waiting_.push_back(std::move(done));
        cv_.notify_all();
        return;
      }
    }
    done(Status::OK());
  }
  void HoldDurable() {
    std::lock_guard lock(mu_);
    hold_durable_ = true;
  }
  // Waits until `n` answers wait for WhenDurable.
  void WaitForDurableWaiters(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return durable_waiting_.size() >= n; });
  }
  // The "sync" ends with `status`: the held callbacks run; later ones run at once.
  void SyncDurable(const Status& status) {
    std::vector<std::function<void(const Status&)>> waiting;
    {
      std::lock_guard lock(mu_);
      hold_durable_ = false;
      waiting.swap(durable_waiting_);
    }
    for (auto& done : waiting) done(status);
  }

  // Waits until `n` BLOCK queries are waiting.
  void WaitForBlocked(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return blocked_ >= n; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // The most BLOCK queries that ever waited at the same time.
  int max_blocked_at_once() {
    std::lock_guard lock(mu_);
    return max_blocked_at_once_;
  }

 private:
  struct FakeCollected final : storage::CollectedWrites {
    explicit FakeCollected(FakeProcessor* p) : processor(p) {}
    Status Commit() override {
      std::lock_guard lock(processor->mu_);
      ++processor->commits_;
      const int n = pending;
      pending = 0;
      if (processor->fail_next_commit_) {
        processor->fail_next_commit_ = false;
        return Status(ErrorCode::kIOError, "commit refused by the test");
      }
      processor->applied_ += n;
      return Status::OK();
    }
    size_t bytes() const override { return static_cast<size_t>(pending) * 10; }
    bool empty() const override { return pending == 0; }
    FakeProcessor* const processor;
    int pending = 0;
  };

  std::mutex mu_;
  int write_runs_ = 0;
  int applied_ = 0;
  int commits_ = 0;
  bool fail_next_commit_ = false;
  std::vector<int> reads_saw_;
  std::condition_variable cv_;
  SchemaListener listener_;
  int blocked_ = 0;
  int blocked_now_ = 0;
  int max_blocked_at_once_ = 0;
  bool released_ = false;
  bool hold_durable_ = false;
  std::vector<std::function<void(const Status&)>> durable_waiting_;
};

}  // namespace sibyl::testing
