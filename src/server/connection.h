#pragma once
// Connection: the socket side of one CQL client connection. It reads frames into its
// ConnectionState, answers control messages at once, runs queries on the worker pool (cheap
// prepared point requests inline, on its own thread: RunsInline) and writes responses as they
// complete (any order, each on its request's stream), coalescing queued responses into one
// write. Internal to server/; CqlServer creates them.
//
// Hostile clients (issue 9, items 5 and 6): an idle connection holds no read buffer (a plain
// connection waits for readability and reads into a per-thread buffer; only a partial frame is
// kept); reading stops while too many requests run or too many response bytes wait to be sent
// (ConnectionLimits), and resumes when they drain; the handshake and every frame have deadlines;
// on the TLS port, a client whose first byte is not a TLS handshake record gets a TLS alert and
// is closed at once.
//
// Threading: every member except the session is touched only on the connection's io_context
// thread (one thread per io_context, so no strand is needed). Workers get a copy of the session
// and post their response back. The public methods may be called from any thread.

#include <array>
#include <asio.hpp>  // standalone Asio: ASIO_STANDALONE comes from CMake
#include <asio/ssl.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/processor.h"
#include "server/client_registry.h"
#include "server/connection_limiter.h"
#include "server/connection_state.h"
#include "server/draining_read.h"

namespace sibyl::server {

class Connection;

// The live connections of a server, for SCHEMA_CHANGE events and shutdown. Thread-safe; shared
// with the schema listener so that a late event after Stop() finds it closed, not dangling.
class ConnectionRegistry {
 public:
  // False (and the caller closes the socket) once CloseAll() has run.
  bool Add(const std::shared_ptr<Connection>& connection);
  void Remove(const Connection* connection);
  // Closes every connection and refuses new ones.
  void CloseAll();
  void BroadcastSchemaChange(const cql::protocol::SchemaChangeResult& change);
  // issue 15: a TOPOLOGY_CHANGE / STATUS_CHANGE event to the connections registered for `type`.
  void BroadcastNodeEvent(const std::string& type, const std::string& body);
  size_t size() const;

 private:
  mutable std::mutex mu_;
  bool closed_ = false;                                                      // GUARDED_BY(mu_)
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> live_;  // GUARDED_BY(mu_)
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `tls`: when not null, the connection speaks TLS (handshake first). Not owned. `ticket`: its
  // place under the connection caps, given back when the socket closes.
  Connection(asio::ip::tcp::socket socket, query::QueryProcessor& processor,
             asio::thread_pool& workers, std::shared_ptr<ConnectionRegistry> registry,
             ConnectionLimits limits, asio::ssl::context* tls = nullptr,
             ConnectionLimiter::Ticket ticket = {}, ClientRegistry* clients = nullptr);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading. Any thread.
  void Start();
  // Closes the socket at once; in-flight results are dropped. Any thread.
  void Close();
  // Sends a SCHEMA_CHANGE EVENT if this connection registered for it. Any thread.
  void PushSchemaChange(cql::protocol::SchemaChangeResult change);
  // issue 15: sends a TOPOLOGY_CHANGE / STATUS_CHANGE EVENT if it registered for `type`. Any thread.
  void PushNodeEvent(std::string type, std::string body);

 private:
  // On the TLS port: looks at the first byte before any TLS state is made (see the class
  // comment), then handshakes.
  void StartTls();
  void OnTlsHandshake(const asio::error_code& error);
  // Waits for input unless a read is pending, the connection is paused or closing. Plain: reads
  // into first_read_, then (when it was filled) into the thread's buffer (OnFirstRead); TLS:
  // reads into tls_chunk_ (OnRead).
  void ReadMore();
  void OnFirstRead(const asio::error_code& error, size_t bytes);
  void OnRead(const asio::error_code& error, size_t bytes);
  // Hands the buffered input to state_, dispatches the actions and reads more (unless braked or
  // paused by back-pressure).
  void ProcessBuffered();
  // Back-pressure: whether reading stops (the bounds of ConnectionLimits). Updates paused_ with
  // hysteresis; resumes processing and reading when it clears.
  bool Paused();
  void MaybeResume();
  // Deadlines: the handshake's until READY/AUTH_SUCCESS, then the current partial frame's.
  std::optional<std::chrono::steady_clock::time_point> NextDeadline();
  void ArmDeadline();
  void OnDeadline(const asio::error_code& error);
  // Frees buffers an idle connection does not need.
  void ReleaseIdleBuffers();
  // The event-loop thread's vector of decoded frames, reused by ProcessBuffered.
  static std::vector<FrameAction>& SpareActions();
  // Takes `action` by reference (as RunRequest, Park and Defer do): each move of a decoded
  // request was a visit of its variant and a destruction (issue 14).
  void Dispatch(FrameAction&& action);
  friend class TurnWrites;  // parks, answers and reruns this connection's collected writes
  // A refused login (issue 9 item 7): sends `action.frame` after `action.delay` on a timer (no
  // thread waits), reading nothing from the client meanwhile.
  void RespondLater(FrameAction action);
  void RunOnWorker(FrameAction action);
  // Inline execution (issue 14, docs/dev/performance.md): an EXECUTE of a cheap prepared
  // statement (query/inline_cost.h), not traced, not at SERIAL consistency, runs on this
  // thread; at most kMaxInlinePerTurn per turn of ProcessBuffered, which then yields to the
  // other connections of the thread (a posted continuation) before reading more.
  query::InlineRun RunsInline(const FrameAction& action);
  // Runs `action` on the calling thread (a worker, or this connection's thread when
  // `on_io_thread`) and answers it; under sync durability, after the group commit's fsync. With
  // `collect` (an inline write), its storage write joins this thread's TurnWrites and the answer
  // waits for their commit (server/turn_writes.h).
  void RunRequest(FrameAction&& action, cql::protocol::Compression compression,
                  RequestContext::Clock::time_point received, bool on_io_thread,
                  bool collect = false);
  // A request that ran inline and whose write could not be applied: it leaves the in-flight
  // count and runs again on the pool.
  void RunAgainOnWorker(FrameAction action);
  void OnWorkerDone(std::string frame, size_t request_bytes);
  // Queues a response. The write starts once the handlers already queued on this thread have
  // run (responses that complete together go out in one write), or, inside a FlushScope, when
  // the scope ends.
  void QueueWrite(std::string frame);
  // The queued responses' write (or the close after them), which QueueWrite scheduled.
  void FlushQueued();
  // issue 14: while one is open on a thread, QueueWrite leaves each connection's write to the
  // scope's end instead of posting it: no handler and no extra turn of the event loop (an
  // epoll_wait) per response. Opened around the answers of a turn's writes (TurnWrites), which
  // all go out at the end of one handler anyway. Not around ProcessBuffered: there each
  // connection's send would come between the reads of the others that became readable in the
  // same wakeup, and the client it wakes takes the core from the rest (reads at 1 in flight on
  // 2 shared cores: -10% ops/s, p99 1.6 -> 4.5 ms). Nested scopes join the outermost.
  class FlushScope;
  void WriteMore();
  // Plain connections: sends writing_ from (write_frame_, write_offset_) on, up to 64 frames per
  // sendmsg, until all of it is sent, then OnWritten. asio::async_write sends at most 16 buffers
  // per sendmsg, so 29 answers took two syscalls (issue 14).
  void WriteSome();
  void OnWroteSome(const asio::error_code& error, size_t sent);
  // TLS connections: sends writing_ from write_frame_ on, consecutive frames joined into one
  // buffer (tls_joined_), until all of it is sent, then OnWritten. Asio's SSL stream passes only
  // the first buffer of a sequence to each SSL_write, so every answer was a TLS record and a
  // send of its own: 29 answers, 29 syscalls (issue 14).
  void WriteTls();
  void OnWroteTls(const asio::error_code& error);
  void OnWritten(const asio::error_code& error);
  // After a fatal protocol error: stop sending, drain what the client still sends (so that the
  // kernel does not reset the connection before the client read our error), then close.
  void LingerAndClose();
  void Drain();
  void CloseNow();
  // Brings client_ up to date with state_ after input was handled (system_views.clients).
  void UpdateClientRecord(size_t requests);

  // Constant after construction.
  query::QueryProcessor& processor_;
  asio::thread_pool& workers_;
  const std::shared_ptr<ConnectionRegistry> registry_;
  std::string peer_;
  std::string client_address_;  // the peer's address, for trace sessions

  asio::ip::tcp::socket socket_;
  asio::ssl::context* const tls_context_;  // TLS port when set
  std::unique_ptr<asio::ssl::stream<DrainingSocket>> tls_;  // over socket_, or null
  ConnectionLimiter::Ticket ticket_;
  // This connection's row of system_views.clients (issue 10 item 21); null without a registry.
  std::shared_ptr<ClientRecord> client_;
  ConnectionState::Phase reported_phase_ = ConnectionState::Phase::kUninitialized;
  bool reported_startup_ = false;
  asio::steady_timer linger_timer_;
  asio::steady_timer deadline_timer_;  // ArmDeadline
  bool deadline_armed_ = false;
  std::chrono::steady_clock::time_point armed_for_;        // when deadline_timer_ fires
  std::chrono::steady_clock::time_point handshake_deadline_;
  std::optional<std::chrono::steady_clock::time_point> frame_started_;  // a frame is partial
  asio::steady_timer brake_timer_;  // RespondLater
  bool braked_ = false;             // a delayed answer is pending: input waits
  ConnectionState state_;
  std::string input_;               // received bytes not yet consumed by state_
  std::vector<char> tls_chunk_;     // TLS reads only
  // A plain connection's pending read: one or a few requests; more is read into a per-thread
  // buffer, so that an idle connection holds only this.
  std::array<char, 2048> first_read_;
  bool reading_ = false;            // a wait or read is pending
  bool paused_ = false;             // back-pressure: reading stopped
  size_t unsent_bytes_ = 0;         // of queued_ and writing_
  size_t in_flight_bytes_ = 0;      // request frames running on workers
  std::vector<std::string> queued_;  // frames waiting for the next write
  std::vector<std::string> writing_; // frames of the write in progress
  size_t write_frame_ = 0;           // the first frame of writing_ not wholly sent (TLS: not joined)
  size_t write_offset_ = 0;          // plain: the bytes of that frame already sent
  std::string tls_joined_;           // TLS: the frames of the current SSL write (WriteTls)
  bool writing_now_ = false;
  bool flush_posted_ = false;        // QueueWrite posted the next WriteMore
  bool close_after_write_ = false;
  bool closed_ = false;
  size_t in_flight_ = 0;              // running requests, inline ones included
  size_t inline_left_ = 0;            // inline requests this turn of ProcessBuffered may still run
  bool continue_posted_ = false;      // a yielded ProcessBuffered is posted

  // Raised when the connection closes (client gone, server stopping): its running requests
  // stop at their next deadline check (issue 9 item 4). Any thread.
  const std::shared_ptr<CancelToken> cancel_ = std::make_shared<CancelToken>();

  std::mutex session_mu_;
  query::Session session_;  // GUARDED_BY(session_mu_)
  bool authorizer_set_ = false;
};

class Connection::FlushScope {
 public:
  FlushScope() : outer_(open_) {
    if (outer_ == nullptr) open_ = this;
  }
  ~FlushScope();
  FlushScope(const FlushScope&) = delete;
  FlushScope& operator=(const FlushScope&) = delete;

 private:
  friend class Connection;
  static thread_local FlushScope* open_;
  FlushScope* outer_;                                // the scope this one joined, if any
  std::vector<std::shared_ptr<Connection>> pending_;  // their flush_posted_ is set
};

}  // namespace sibyl::server
