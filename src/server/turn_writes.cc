#include "server/turn_writes.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <utility>

#include "cql/protocol/codec.h"
#include "server/connection.h"
#include "storage/deferred_sync.h"
#include "storage/no_stall_scope.h"

namespace sibyl::server {

TurnWrites& TurnWrites::ForThisThread() {
  thread_local TurnWrites turn;
  return turn;
}

void TurnWrites::Park(std::shared_ptr<Connection> connection, FrameAction&& action,
                      std::string frame, cql::protocol::Compression compression) {
  if (!commit_posted_) {
    // After the handlers already queued on this thread: the other connections of this wakeup.
    commit_posted_ = true;
    asio::post(connection->socket_.get_executor(), [] {
      TurnWrites& turn = ForThisThread();
      turn.commit_posted_ = false;
      turn.Commit(/*in_own_handler=*/true);
    });
  }
  parked_.push_back(Parked{std::move(connection), std::move(action), std::move(frame), compression});
  if (parked_.size() + deferred_.size() >= kMaxRequests ||
      (collected_ != nullptr && collected_->bytes() >= kMaxBytes)) {
    Commit();
  }
}

void TurnWrites::Defer(std::shared_ptr<Connection> connection, FrameAction&& action,
                       cql::protocol::Compression compression,
                       RequestContext::Clock::time_point received) {
  // Park posted the commit that runs it.
  deferred_.push_back(Deferred{std::move(connection), std::move(action), compression, received});
  if (parked_.size() + deferred_.size() >= kMaxRequests) Commit();
}

void TurnWrites::RunDeferred(std::vector<Deferred>& deferred) {
  // Each read queues its answer; the write of it ends in OnWritten, which resumes a connection
  // that its in-flight reads paused.
  for (Deferred& d : deferred) {
    d.connection->RunRequest(std::move(d.action), d.compression, d.received,
                             /*on_io_thread=*/true);
  }
}

void TurnWrites::Commit(bool in_own_handler) {
  if (parked_.empty() && deferred_.empty()) return;
  std::vector<Parked> parked;
  parked.swap(parked_);
  std::vector<Deferred> deferred;
  deferred.swap(deferred_);
  // The answers of the reads and of the writes, when they go out from here, leave together.
  std::optional<Connection::FlushScope> flush;
  if (in_own_handler) flush.emplace();
  if (parked.empty()) return RunDeferred(deferred);
  Status written;
  bool pending = false;
  {
    // As for a request run here: under sync durability the fsync is left to the group commit
    // (answers wait for WhenDurable), and a throttled storage refuses instead of blocking.
    storage::DeferredSyncScope deferred;
    storage::NoStallScope no_stall;
    written = collected_ != nullptr ? collected_->Commit()
                                    : Status(ErrorCode::kInternal, "nothing was collected");
    pending = deferred.pending();
  }
  if (!written.ok()) {
    // Nothing applied: each request runs again on the pool, alone, and is answered from there.
    spdlog::debug("CQL: {} coalesced writes run again on the pool: {}", parked.size(),
                  written.ToString());
    for (Parked& p : parked) p.connection->RunAgainOnWorker(std::move(p.action));
    return RunDeferred(deferred);
  }
  RunDeferred(deferred);
  // issue 14: the commit's own handler answers at once when nothing waits for an fsync. From
  // anywhere else (a connection's Dispatch may be what committed) and after the group commit,
  // answers go out from a handler of their own.
  if (!pending && in_own_handler) return Answer(parked, Status::OK());
  auto executor = parked.front().connection->socket_.get_executor();
  query::QueryProcessor& processor = parked.front().connection->processor_;
  auto answer = [executor, parked = std::move(parked)](const Status& durable) mutable {
    asio::post(executor, [parked = std::move(parked), durable]() mutable {
      Answer(parked, durable);
    });
  };
  if (!pending) return answer(Status::OK());
  processor.WhenDurable(std::move(answer));
}

void TurnWrites::Answer(std::vector<Parked>& parked, const Status& durable) {
  // Each connection's answers go out in one write when this ends.
  Connection::FlushScope flush;
  for (Parked& p : parked) {
    if (!durable.ok()) {
      // Applied but not durable: the client must not take it as acknowledged.
      p.frame = cql::protocol::EncodeErrorFrame(
          p.action.version, p.action.stream,
          Status(ErrorCode::kServerError,
                 "The write could not be made durable: " + durable.message()),
          p.compression);
    }
    p.connection->OnWorkerDone(std::move(p.frame), p.action.request_bytes);
  }
}

}  // namespace sibyl::server
