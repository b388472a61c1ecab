#pragma once
// The cheap writes an event-loop thread ran in one turn, written together (issue 14,
// storage/write_collect.h, docs/dev/performance.md "Writes coalesced per event-loop turn").
//
// A connection runs an inline write (query::InlineRun::kWrite) in a storage::WriteCollectScope
// over its thread's TurnWrites: the engine adds the write to the thread's collected batch, and
// the connection parks the request with its finished answer here instead of answering. The first
// park of a turn posts a Commit to the thread's event loop, so it runs after the handlers already
// queued (the other connections that became readable in the same wakeup): one storage write, one
// group-commit wait under sync durability, then every parked answer is sent.
//
// An inline read (query::InlineRun::kRead) that comes while writes are parked is deferred: it
// waits here, holding its place in its connection's in-flight count, and runs on this thread
// right after the commit, before any answer of the commit goes out. So a read sees every write
// run before it on this thread, as without collection, and a turn makes one commit however its
// reads and writes interleave (a commit at every read split a turn of half reads into groups of
// ~2 writes: issue 14, docs/dev/performance.md "A turn's reads run after its one commit"). A
// deferred read may also see a write that came after it in the same turn, on any connection,
// its own included: that write was in flight with it, unanswered, so either order is one the
// client may see (Cassandra runs a connection's requests concurrently on a shared pool and
// promises no order among requests in flight together).
// Before the thread runs a request handed to the pool, the connection commits first (which runs
// the deferred reads). When a commit fails nothing was applied (a RocksDB write batch is atomic),
// and every parked request runs again on the worker pool, alone, as any other request does; an
// inline write is a blind write without counters, so running it again is harmless even when a
// failure came after part of the batch reached the memtable (a table dropped meanwhile); the
// deferred reads then run at once, and may not see those writes (as before deferral).
// Only the thread that owns a TurnWrites uses it.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/request_context.h"
#include "cql/protocol/compression.h"
#include "server/connection_state.h"
#include "storage/write_collect.h"

namespace sibyl::server {

class Connection;

class TurnWrites {
 public:
  // The calling event-loop thread's.
  static TurnWrites& ForThisThread();

  // Where a request run in a storage::WriteCollectScope collects its write.
  std::unique_ptr<storage::CollectedWrites>* collected() { return &collected_; }

  // A request whose write was collected: answered with `frame` after the commit (or run again on
  // the pool when it fails). Commits at once past kMaxRequests or kMaxBytes.
  void Park(std::shared_ptr<Connection> connection, FrameAction&& action, std::string frame,
            cql::protocol::Compression compression);

  // Whether a commit is due: an inline read is deferred (Defer) rather than run now.
  bool has_parked() const { return !parked_.empty(); }

  // An inline read that came while writes are parked: run by the commit, after the write.
  // `connection` already counts it in flight. Commits at once past kMaxRequests.
  void Defer(std::shared_ptr<Connection> connection, FrameAction&& action,
             cql::protocol::Compression compression, RequestContext::Clock::time_point received);

  // Writes what was collected, runs the deferred reads and answers (or runs again) the parked
  // requests. Nothing to do when nothing is parked. `in_own_handler`: called from the handler
  // Park posted, which may answer at once; otherwise answers go out from a handler of their own.
  void Commit(bool in_own_handler = false);

  // Bounds of one commit, parked and deferred requests together (a turn may hold 32 requests of
  // each ready connection).
  static constexpr size_t kMaxRequests = 512;
  static constexpr size_t kMaxBytes = 4 * 1024 * 1024;

 private:
  struct Parked {
    std::shared_ptr<Connection> connection;
    FrameAction action;
    std::string frame;
    cql::protocol::Compression compression;
  };
  struct Deferred {
    std::shared_ptr<Connection> connection;
    FrameAction action;
    cql::protocol::Compression compression;
    RequestContext::Clock::time_point received;
  };
  // Sends each parked answer, or an error when the fsync failed (`durable`).
  static void Answer(std::vector<Parked>& parked, const Status& durable);
  // Runs each deferred read, which queues its answer.
  static void RunDeferred(std::vector<Deferred>& deferred);
  std::unique_ptr<storage::CollectedWrites> collected_;
  std::vector<Parked> parked_;
  std::vector<Deferred> deferred_;
  bool commit_posted_ = false;
};

}  // namespace sibyl::server
