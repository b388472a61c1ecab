#include "server/connection.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "server/draining_read.h"
#include "server/turn_writes.h"
#include "storage/deferred_sync.h"
#include "storage/no_stall_scope.h"
#include "storage/write_collect.h"

namespace sibyl::server {

namespace protocol = cql::protocol;

namespace {
// How long a connection closed for a protocol error drains input before the socket is closed.
constexpr auto kLingerTime = std::chrono::seconds(2);
// Plain connections read into one buffer per event-loop thread, so that an idle connection holds
// none (issue 9: a 64 KiB buffer each made 10,000 idle connections cost 650 MB).
constexpr size_t kThreadReadBufferSize = 64 * 1024;
// At most this much is read from one connection per wakeup, so one fast sender cannot starve the
// other connections of its thread, and a paused connection holds at most this much unprocessed.
constexpr size_t kMaxReadPerWakeup = 256 * 1024;
// TLS reads need a buffer of their own while pending: one TLS record's plaintext.
constexpr size_t kTlsChunkSize = 16 * 1024;
// An idle connection keeps an input buffer no larger than this.
constexpr size_t kIdleInputCapacity = 4 * 1024;
// A fatal TLS alert (unexpected_message) in a TLS 1.0 record, for a client that does not speak
// TLS on the TLS port: it learns at once instead of waiting for a record that never completes.
constexpr char kTlsUnexpectedMessageAlert[] = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x0a};
constexpr uint8_t kTlsHandshakeRecord = 0x16;
// Inline execution (issue 14): at most this many requests of one connection run on its thread
// per turn before the others of the thread get theirs (a point request costs tens of µs).
constexpr size_t kMaxInlinePerTurn = 32;
// ProcessBuffered's per-thread vector of decoded frames (at most kMaxInlinePerTurn a turn) is kept
// from turn to turn up to this capacity.
constexpr size_t kKeptActions = 64;

char* ThreadReadBuffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[kThreadReadBufferSize]);
  return buffer.get();
}

}  // namespace

bool ConnectionRegistry::Add(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  live_[connection.get()] = connection;
  return true;
}

void ConnectionRegistry::Remove(const Connection* connection) {
  std::lock_guard lock(mu_);
  live_.erase(connection);
}

void ConnectionRegistry::CloseAll() {
  std::vector<std::shared_ptr<Connection>> connections;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [key, weak] : live_) {
      if (auto connection = weak.lock()) connections.push_back(std::move(connection));
    }
  }
  for (auto& connection : connections) connection->Close();
}

void ConnectionRegistry::BroadcastSchemaChange(const protocol::SchemaChangeResult& change) {
  std::vector<std::shared_ptr<Connection>> connections;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    for (auto& [key, weak] : live_) {
      if (auto connection = weak.lock()) connections.push_back(std::move(connection));
    }
  }
  for (auto& connection : connections) connection->PushSchemaChange(change);
}

// issue 15: membership changes of the other nodes (server/node_events.h).
void ConnectionRegistry::BroadcastNodeEvent(const std::string& type, const std::string& body) {
  std::vector<std::shared_ptr<Connection>> connections;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    for (auto& [key, weak] : live_) {
      if (auto connection = weak.lock()) connections.push_back(std::move(connection));
    }
  }
  for (auto& connection : connections) connection->PushNodeEvent(type, body);
}

size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

Connection::Connection(asio::ip::tcp::socket socket, query::QueryProcessor& processor,
                       asio::thread_pool& workers, std::shared_ptr<ConnectionRegistry> registry,
                       ConnectionLimits limits, asio::ssl::context* tls,
                       ConnectionLimiter::Ticket ticket, ClientRegistry* clients)
    : processor_(processor),
      workers_(workers),
      registry_(std::move(registry)),
      socket_(std::move(socket)),
      tls_context_(tls),
      ticket_(std::move(ticket)),
      linger_timer_(socket_.get_executor()),
      deadline_timer_(socket_.get_executor()),
      brake_timer_(socket_.get_executor()),
      state_(limits) {
  asio::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  peer_ = ec ? "unknown" : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
  client_address_ = ec ? "" : endpoint.address().to_string();
  state_.SetOrigin(ConnectionOrigin{ec ? "" : endpoint.address().to_string(), tls != nullptr});
  if (clients != nullptr && !ec) {
    client_ = clients->Add(endpoint.address().to_string(), endpoint.port(), tls != nullptr);
  }
}

void Connection::UpdateClientRecord(size_t requests) {
  if (client_ == nullptr) return;
  for (size_t i = 0; i < requests; ++i) client_->CountRequest();
  if (!reported_startup_ && state_.phase() != ConnectionState::Phase::kUninitialized) {
    reported_startup_ = true;
    client_->SetStartupOptions(state_.startup_options());
    if (state_.version()) client_->SetProtocolVersion(*state_.version());
  }
  if (state_.phase() != reported_phase_) {
    reported_phase_ = state_.phase();
    client_->SetStage(reported_phase_ == ConnectionState::Phase::kAuthenticating ? "authenticating"
                                                                                 : "ready");
    if (const auto& principal = state_.principal()) {
      client_->SetUsername(principal->is_root() ? "root" : principal->user_name);
    }
  }
}

void Connection::Start() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    asio::error_code ec;
    self->socket_.non_blocking(true, ec);  // OnFirstRead reads until it would block
    self->handshake_deadline_ =
        std::chrono::steady_clock::now() + self->state_.limits().handshake_timeout;
    self->ArmDeadline();
    if (self->tls_context_ != nullptr) return self->StartTls();
    self->ReadMore();
  });
}

void Connection::StartTls() {
  reading_ = true;
  socket_.async_wait(asio::socket_base::wait_read, [self = shared_from_this()](
                                                       const asio::error_code& error) {
    self->reading_ = false;
    if (error || self->closed_) return self->CloseNow();
    uint8_t first = 0;
    asio::error_code ec;
    const size_t n =
        self->socket_.receive(asio::buffer(&first, 1), asio::socket_base::message_peek, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return self->StartTls();
    if (ec || n == 0) return self->CloseNow();
    if (first != kTlsHandshakeRecord) {
      // Not TLS (a plain CQL frame, HTTP...): OpenSSL would wait for the rest of a "record" of
      // whatever length the bytes spell. Answer with an alert and close (issue 9, item 6).
      spdlog::debug("CQL: {} does not speak TLS on the TLS port (first byte 0x{:02x})",
                    self->peer_, first);
      self->close_after_write_ = true;
      self->writing_now_ = true;
      asio::async_write(self->socket_, asio::buffer(kTlsUnexpectedMessageAlert),
                        [self](const asio::error_code&, size_t) {
                          self->writing_now_ = false;
                          self->LingerAndClose();
                        });
      return;
    }
    self->tls_ = std::make_unique<asio::ssl::stream<DrainingSocket>>(
        self->socket_, *self->tls_context_);
    self->tls_->async_handshake(asio::ssl::stream_base::server,
                                [self](const asio::error_code& e) { self->OnTlsHandshake(e); });
  });
}

void Connection::OnTlsHandshake(const asio::error_code& error) {
  if (closed_) return;
  if (error) {
    spdlog::info("CQL: TLS handshake with {} failed: {}", peer_, error.message());
    return CloseNow();
  }
  if (client_ != nullptr) {
    // Java's names for both (SSLSession.getProtocol and getCipherSuite): "TLSv1.3" and the IANA
    // suite name, which OpenSSL calls the standard name.
    SSL* ssl = tls_->native_handle();
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    const char* suite = cipher != nullptr ? SSL_CIPHER_standard_name(cipher) : nullptr;
    client_->SetTls(SSL_get_version(ssl), suite != nullptr ? suite : "");
  }
  ReadMore();
}

void Connection::Close() {
  cancel_->Cancel();  // running requests stop now, not when the event loop gets to CloseNow
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
}

void Connection::PushSchemaChange(protocol::SchemaChangeResult change) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), change = std::move(change)] {
    if (self->closed_ || self->close_after_write_) return;
    if (auto frame = self->state_.SchemaChangeEventFrame(change)) self->QueueWrite(*frame);
  });
}

void Connection::PushNodeEvent(std::string type, std::string body) {  // issue 15
  asio::post(socket_.get_executor(),
             [self = shared_from_this(), type = std::move(type), body = std::move(body)] {
               if (self->closed_ || self->close_after_write_) return;
               if (auto frame = self->state_.NodeEventFrame(type, body)) self->QueueWrite(*frame);
             });
}

void Connection::ReadMore() {
  if (closed_ || close_after_write_ || reading_ || braked_ || Paused()) return;
  reading_ = true;
  if (tls_) {
    tls_chunk_.resize(kTlsChunkSize);
    tls_->async_read_some(asio::buffer(tls_chunk_),
                          [self = shared_from_this()](const asio::error_code& error, size_t n) {
                            self->OnRead(error, n);
                          });
    return;
  }
  // A read with a buffer, not a wait for readability: Asio re-arms the descriptor in epoll
  // (epoll_ctl) for every wait, while a pending read needs nothing of epoll until its data comes
  // (the descriptor stays registered, edge-triggered). epoll_ctl was ~7% of the server's CPU for
  // point writes at 1 in flight (issue 14). After a short read it is not tried at once either
  // (server/draining_read.h).
  socket_.async_read_some(DrainingBuffer(first_read_.data(), first_read_.size()),
                          [self = shared_from_this()](const asio::error_code& error, size_t n) {
                            self->OnFirstRead(error, n);
                          });
}

void Connection::OnFirstRead(const asio::error_code& error, size_t bytes) {
  reading_ = false;
  if (closed_) return;
  if (close_after_write_) return Drain();
  if (error) {
    if (error != asio::error::eof && error != asio::error::operation_aborted) {
      spdlog::debug("CQL: connection from {} failed: {}", peer_, error.message());
    }
    return CloseNow();
  }
  input_.append(first_read_.data(), bytes);
  // A short read took all there was; a full one leaves the rest to the thread's buffer.
  if (bytes < first_read_.size()) return ProcessBuffered();
  char* buffer = ThreadReadBuffer();
  size_t total = bytes;
  while (total < kMaxReadPerWakeup) {
    asio::error_code ec;
    const size_t n = socket_.read_some(asio::buffer(buffer, kThreadReadBufferSize), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) {
      if (ec != asio::error::eof) {
        spdlog::debug("CQL: connection from {} failed: {}", peer_, ec.message());
      }
      return CloseNow();
    }
    input_.append(buffer, n);
    total += n;
    if (n < kThreadReadBufferSize) break;
  }
  ProcessBuffered();
}

void Connection::OnRead(const asio::error_code& error, size_t bytes) {
  reading_ = false;
  if (closed_) return;
  if (close_after_write_) return Drain();
  if (error) {
    if (error != asio::error::eof && error != asio::error::operation_aborted) {
      spdlog::debug("CQL: connection from {} failed: {}", peer_, error.message());
    }
    CloseNow();
    return;
  }
  input_.append(tls_chunk_.data(), bytes);
  ProcessBuffered();
}

void Connection::ProcessBuffered() {
  if (closed_ || close_after_write_) return;
  bool progress = false;
  inline_left_ = kMaxInlinePerTurn;
  bool yielded = false;
  // Frames are handled while back-pressure allows: at most as many as may still start running.
  while (!state_.closed() && !braked_ && !Paused()) {
    if (inline_left_ == 0) {  // issue 14: this turn ran its share inline
      yielded = !input_.empty() || state_.discarding();
      break;
    }
    // The thread's spare vector (issue 14): grown by push_back from empty for every read, it
    // allocated ~6 times per 32 frames and moved every decoded request at each growth. A nested
    // call (none today) would find it taken and start an empty one.
    std::vector<FrameAction> actions = std::move(SpareActions());
    actions.clear();
    // No more frames than may still run inline this turn, so that none waits for the next.
    const size_t budget =
        std::min(state_.limits().max_in_flight - in_flight_, inline_left_);
    const size_t consumed = state_.ProcessInput(input_, &actions, budget);
    input_.erase(0, consumed);
    progress = progress || consumed > 0;
    UpdateClientRecord(actions.size());
    if (state_.principal() && !authorizer_set_ && state_.limits().authenticator != nullptr) {
      // Logged in: from now on every statement is checked against the principal's policies.
      // Set before the requests that came with the login are run.
      std::lock_guard lock(session_mu_);
      session_.authorizer =
          state_.limits().authenticator->MakeAuthorizer(*state_.principal(), state_.origin());
      authorizer_set_ = true;
    }
    for (auto& action : actions) Dispatch(std::move(action));
    const bool none = actions.empty();
    if (actions.capacity() <= kKeptActions) {
      actions.clear();  // the moved-from requests' memory goes now, not at the next read
      SpareActions() = std::move(actions);
    }
    if (none) break;  // the rest is a partial frame (or a body being dropped)
  }
  if (state_.closed()) {
    close_after_write_ = true;
    input_.clear();
    if (!writing_now_ && !flush_posted_) LingerAndClose();  // else after the write
    return;
  }
  // The partial-frame deadline counts from the frame's first byte.
  const bool partial = !input_.empty() || state_.discarding();
  if (!partial) {
    frame_started_.reset();
  } else if (progress || !frame_started_) {
    frame_started_ = std::chrono::steady_clock::now();
  }
  ArmDeadline();
  ReleaseIdleBuffers();
  if (braked_) return;  // RespondLater's timer resumes
  if (yielded) {
    // issue 14: the rest of the input after the other connections of this thread had a turn;
    // nothing more is read until it is handled.
    if (!continue_posted_) {
      continue_posted_ = true;
      asio::post(socket_.get_executor(), [self = shared_from_this()] {
        self->continue_posted_ = false;
        self->ProcessBuffered();
      });
    }
    return;
  }
  ReadMore();
}

bool Connection::Paused() {
  const ConnectionLimits& limits = state_.limits();
  if (!paused_) {
    paused_ = in_flight_ >= limits.max_in_flight ||
              in_flight_bytes_ >= limits.max_in_flight_bytes ||
              unsent_bytes_ >= limits.max_unsent_bytes;
  } else {
    // Resume only once well drained, so that a busy connection is not toggled per response.
    paused_ = in_flight_ >= limits.max_in_flight ||
              in_flight_bytes_ > limits.max_in_flight_bytes / 2 ||
              unsent_bytes_ > limits.max_unsent_bytes / 2;
  }
  return paused_;
}

void Connection::MaybeResume() {
  if (!paused_ || closed_ || close_after_write_) return;
  if (Paused()) return;
  // The frame that waited meanwhile was not late: its deadline counts from now.
  if (frame_started_) frame_started_ = std::chrono::steady_clock::now();
  ProcessBuffered();
}

std::optional<std::chrono::steady_clock::time_point> Connection::NextDeadline() {
  if (state_.phase() != ConnectionState::Phase::kReady) return handshake_deadline_;
  if (frame_started_ && !paused_) return *frame_started_ + state_.limits().frame_timeout;
  return std::nullopt;  // idle and authenticated: may stay, as in Cassandra
}

void Connection::ArmDeadline() {
  if (closed_) return;
  const auto deadline = NextDeadline();
  if (!deadline) return;  // a pending wait finds nothing to enforce and stops
  if (deadline_armed_ && armed_for_ <= *deadline) return;  // it fires first and re-arms
  deadline_armed_ = true;
  armed_for_ = *deadline;
  deadline_timer_.expires_at(*deadline);  // cancels a later wait
  deadline_timer_.async_wait(
      [self = shared_from_this()](const asio::error_code& error) { self->OnDeadline(error); });
}

void Connection::OnDeadline(const asio::error_code& error) {
  if (error || closed_) return;  // operation_aborted: re-armed earlier
  deadline_armed_ = false;
  const auto deadline = NextDeadline();
  if (!deadline) return;
  if (std::chrono::steady_clock::now() < *deadline) return ArmDeadline();
  if (state_.phase() != ConnectionState::Phase::kReady) {
    spdlog::debug("CQL: closing connection from {}: no login within {} ms", peer_,
                  state_.limits().handshake_timeout.count());
  } else {
    spdlog::debug("CQL: closing connection from {}: a frame took over {} ms", peer_,
                  state_.limits().frame_timeout.count());
  }
  CloseNow();
}

std::vector<FrameAction>& Connection::SpareActions() {
  thread_local std::vector<FrameAction> spare;
  return spare;
}

void Connection::ReleaseIdleBuffers() {
  if (input_.empty() && input_.capacity() > kIdleInputCapacity) std::string().swap(input_);
  if (queued_.empty() && queued_.capacity() > 16) std::vector<std::string>().swap(queued_);
}

void Connection::Dispatch(FrameAction&& action) {
  switch (action.kind) {
    case FrameAction::Kind::kRespond:
      if (action.delay.count() > 0) return RespondLater(std::move(action));
      QueueWrite(std::move(action.frame));
      return;
    case FrameAction::Kind::kRespondAndClose:
      spdlog::info("CQL: closing connection from {} after a protocol error", peer_);
      QueueWrite(std::move(action.frame));
      return;
    case FrameAction::Kind::kExecute: {
      // ProcessBuffered handles no more frames than may run (back-pressure, not OVERLOADED,
      // as Cassandra does for clients that did not ask THROW_ON_OVERLOAD).
      const query::InlineRun run = inline_left_ > 0 ? RunsInline(action) : query::InlineRun::kNo;
      TurnWrites& turn = TurnWrites::ForThisThread();
      if (run == query::InlineRun::kNo) {
        // issue 14: a request for the pool starts only after the writes this thread collected
        // are written (server/turn_writes.h), so it sees them as it would have.
        turn.Commit();
        return RunOnWorker(std::move(action));
      }
      --inline_left_;  // issue 14
      ++in_flight_;
      in_flight_bytes_ += action.request_bytes;
      if (run == query::InlineRun::kRead && turn.has_parked()) {
        // Runs after the commit of the writes this thread collected, so it sees them as it would
        // have, and the turn commits once.
        return turn.Defer(shared_from_this(), std::move(action), state_.compression(),
                          RequestContext::Clock::now());
      }
      RunRequest(std::move(action), state_.compression(), RequestContext::Clock::now(),
                 /*on_io_thread=*/true, /*collect=*/run == query::InlineRun::kWrite);
      return;
    }
  }
}

void Connection::RespondLater(FrameAction action) {
  braked_ = true;
  brake_timer_.expires_after(action.delay);
  brake_timer_.async_wait([self = shared_from_this(), frame = std::move(action.frame)](
                              const asio::error_code& error) mutable {
    if (error || self->closed_) return;
    self->braked_ = false;
    self->QueueWrite(std::move(frame));
    self->ProcessBuffered();
  });
}

query::InlineRun Connection::RunsInline(const FrameAction& action) {
  // tracing writes its sessions and events: the pool
  if (action.tracing) return query::InlineRun::kNo;
  const auto* execute = std::get_if<protocol::ExecuteRequest>(&action.request);
  if (execute == nullptr) return query::InlineRun::kNo;
  const auto consistency = execute->params.consistency;
  if (consistency == protocol::Consistency::kSerial ||
      consistency == protocol::Consistency::kLocalSerial) {
    return query::InlineRun::kNo;  // a SERIAL read waits on the partition's LWT lock
  }
  return processor_.RunsInline(execute->id);
}

void Connection::RunOnWorker(FrameAction action) {
  ++in_flight_;
  in_flight_bytes_ += action.request_bytes;
  asio::post(workers_, [self = shared_from_this(), action = std::move(action),
                        compression = state_.compression(),
                        received = RequestContext::Clock::now()]() mutable {
    self->RunRequest(std::move(action), compression, received, /*on_io_thread=*/false);
  });
}

void Connection::RunAgainOnWorker(FrameAction action) {
  --in_flight_;
  in_flight_bytes_ -= action.request_bytes;
  RunOnWorker(std::move(action));
}

void Connection::RunRequest(FrameAction&& action, protocol::Compression compression,
                            RequestContext::Clock::time_point received, bool on_io_thread,
                            bool collect) {
  auto self = shared_from_this();
  // Each request runs on a copy of the session, so that concurrent requests of one connection
  // do not race; a change (USE) is written back. Only the keyspace can change today.
  query::Session session;
  {
    std::lock_guard lock(session_mu_);
    session = session_;
  }
  // The request's deadline counts from its arrival; closing the connection cancels it.
  session.cancel = cancel_;
  session.received = received;
  session.trace = action.tracing;  // issue 10 item 23
  session.trace_id.reset();
  session.client_address = client_address_;
  const std::string keyspace_before = session.keyspace;
  // Group commit (issue 14): under sync durability the request's writes leave their fsync to
  // the engine's group-commit thread, and the answer goes out once they are durable; this
  // thread (a worker, or the event loop for an inline request) does not wait for the disk.
  storage::DeferredSyncScope deferred_sync;
  // On the event loop a write must not wait for a throttled storage (issue 14): it is refused
  // with nothing applied, and runs again on the pool, where waiting is allowed.
  std::optional<storage::NoStallScope> no_stall;
  if (on_io_thread) no_stall.emplace();
  // issue 14: an inline write's storage write joins those of this thread's turn.
  std::optional<storage::WriteCollectScope> collecting;
  if (on_io_thread && collect) collecting.emplace(TurnWrites::ForThisThread().collected());
  std::string frame = ExecuteQueryRequest(processor_, session, action.request, action.version,
                                          action.stream, compression);
  if (no_stall && no_stall->stalled()) return RunAgainOnWorker(std::move(action));
  if (session.keyspace != keyspace_before) {
    std::lock_guard lock(session_mu_);
    session_.keyspace = session.keyspace;
  }
  if (collecting && collecting->collected()) {
    // Answered once the turn's writes are written (and fsynced under sync durability).
    collecting.reset();
    return TurnWrites::ForThisThread().Park(std::move(self), std::move(action), std::move(frame),
                                            compression);
  }
  const size_t bytes = action.request_bytes;
  if (!deferred_sync.pending()) {
    if (on_io_thread) {
      // Answered at once: ProcessBuffered, which dispatched it, resumes reading as it goes on.
      --in_flight_;
      in_flight_bytes_ -= bytes;
      if (!closed_ && !close_after_write_) QueueWrite(std::move(frame));
      return;
    }
    return asio::post(socket_.get_executor(), [self, frame = std::move(frame), bytes]() mutable {
      self->OnWorkerDone(std::move(frame), bytes);
    });
  }
  processor_.WhenDurable([self, frame = std::move(frame), bytes, version = action.version,
                          stream = action.stream, compression](const Status& status) mutable {
    if (!status.ok()) {
      // Applied but not durable: the client must not take it as acknowledged.
      frame = protocol::EncodeErrorFrame(
          version, stream,
          Status(ErrorCode::kServerError,
                 "The write could not be made durable: " + status.message()),
          compression);
    }
    asio::post(self->socket_.get_executor(), [self, frame = std::move(frame), bytes]() mutable {
      self->OnWorkerDone(std::move(frame), bytes);
    });
  });
}

void Connection::OnWorkerDone(std::string frame, size_t request_bytes) {
  --in_flight_;
  in_flight_bytes_ -= request_bytes;
  if (closed_ || close_after_write_) return;
  QueueWrite(std::move(frame));
  MaybeResume();
}

void Connection::QueueWrite(std::string frame) {
  if (closed_) return;
  unsent_bytes_ += frame.size();
  queued_.push_back(std::move(frame));
  if (writing_now_ || flush_posted_) return;
  // Responses that complete together go out in one write (issue 14): the write starts once the
  // handlers already queued on this thread (other requests' completions) have run.
  flush_posted_ = true;
  if (FlushScope::open_ != nullptr) {
    FlushScope::open_->pending_.push_back(shared_from_this());
    return;
  }
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->FlushQueued(); });
}

thread_local Connection::FlushScope* Connection::FlushScope::open_ = nullptr;

Connection::FlushScope::~FlushScope() {
  if (outer_ != nullptr) return;  // the outermost scope flushes
  open_ = nullptr;
  // A flush may schedule more (a close after the write): that is posted as usual.
  for (auto& connection : pending_) connection->FlushQueued();
}

void Connection::FlushQueued() {
  flush_posted_ = false;
  if (closed_ || writing_now_) return;
  if (!queued_.empty()) return WriteMore();
  if (close_after_write_) LingerAndClose();
}

void Connection::WriteMore() {
  if (queued_.empty() || closed_) return;
  writing_.clear();
  writing_.swap(queued_);
  writing_now_ = true;
  write_frame_ = 0;
  write_offset_ = 0;
  if (tls_) return WriteTls();
  WriteSome();
}

void Connection::WriteTls() {
  // Up to kTlsJoinBytes of consecutive frames in one buffer; a larger frame is sent from where it
  // is. Past a TLS record's 16 KiB, OpenSSL makes more records of the one buffer, and Asio sends
  // each as it is made.
  constexpr size_t kTlsJoinBytes = 32 * 1024;
  if (writing_[write_frame_].size() >= kTlsJoinBytes) {
    asio::async_write(*tls_, asio::buffer(writing_[write_frame_++]),
                      [self = shared_from_this()](const asio::error_code& error, size_t) {
                        self->OnWroteTls(error);
                      });
    return;
  }
  tls_joined_.clear();
  while (write_frame_ < writing_.size() &&
         tls_joined_.size() + writing_[write_frame_].size() <= kTlsJoinBytes) {
    tls_joined_.append(writing_[write_frame_++]);
  }
  asio::async_write(*tls_, asio::buffer(tls_joined_),
                    [self = shared_from_this()](const asio::error_code& error, size_t) {
                      self->OnWroteTls(error);
                    });
}

void Connection::OnWroteTls(const asio::error_code& error) {
  if (!error && write_frame_ < writing_.size() && !closed_) return WriteTls();
  OnWritten(error);
}

void Connection::WriteSome() {
  // Asio sends at most 64 buffers in one sendmsg (buffer_sequence_adapter); more would be left.
  constexpr size_t kMaxBuffers = 64;
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(std::min(writing_.size() - write_frame_, kMaxBuffers));
  for (size_t i = write_frame_; i < writing_.size() && buffers.size() < kMaxBuffers; ++i) {
    const size_t skip = i == write_frame_ ? write_offset_ : 0;
    buffers.push_back(asio::buffer(writing_[i].data() + skip, writing_[i].size() - skip));
  }
  socket_.async_write_some(buffers,
                           [self = shared_from_this()](const asio::error_code& error, size_t sent) {
                             self->OnWroteSome(error, sent);
                           });
}

void Connection::OnWroteSome(const asio::error_code& error, size_t sent) {
  if (error || sent == 0) return OnWritten(error ? error : asio::error::connection_aborted);
  // Moves past what was sent.
  while (write_frame_ < writing_.size()) {
    const size_t left = writing_[write_frame_].size() - write_offset_;
    if (sent < left) {
      write_offset_ += sent;
      break;
    }
    sent -= left;
    ++write_frame_;
    write_offset_ = 0;
  }
  if (write_frame_ < writing_.size() && !closed_) return WriteSome();
  OnWritten(error);
}

void Connection::OnWritten(const asio::error_code& error) {
  writing_now_ = false;
  for (const auto& frame : writing_) unsent_bytes_ -= frame.size();
  writing_.clear();
  if (writing_.capacity() > 16) std::vector<std::string>().swap(writing_);
  if (tls_joined_.capacity() > 16 * 1024) std::string().swap(tls_joined_);
  if (closed_) return;
  if (error) {
    spdlog::debug("CQL: write to {} failed: {}", peer_, error.message());
    CloseNow();
    return;
  }
  if (!queued_.empty()) {
    WriteMore();
  } else if (close_after_write_) {
    return LingerAndClose();
  }
  MaybeResume();
}

void Connection::LingerAndClose() {
  if (closed_) return;
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  linger_timer_.expires_after(kLingerTime);
  linger_timer_.async_wait([self = shared_from_this()](const asio::error_code& error) {
    if (!error) self->CloseNow();
  });
  if (!reading_) Drain();  // else the pending read's handler drains
}

void Connection::Drain() {
  // Discard whatever the client still sends until it closes its side (or the timer fires).
  if (closed_) return;
  reading_ = true;
  if (tls_) {
    tls_chunk_.resize(kTlsChunkSize);
    tls_->async_read_some(asio::buffer(tls_chunk_),
                          [self = shared_from_this()](const asio::error_code& error, size_t) {
                            self->reading_ = false;
                            if (error || self->closed_) return self->CloseNow();
                            self->Drain();
                          });
    return;
  }
  socket_.async_wait(asio::socket_base::wait_read,
                     [self = shared_from_this()](const asio::error_code& error) {
                       self->reading_ = false;
                       if (error || self->closed_) return self->CloseNow();
                       asio::error_code ec;
                       self->socket_.read_some(
                           asio::buffer(ThreadReadBuffer(), kThreadReadBufferSize), ec);
                       if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
                         return self->CloseNow();
                       }
                       self->Drain();
                     });
}

void Connection::CloseNow() {
  if (closed_) return;
  closed_ = true;
  cancel_->Cancel();
  asio::error_code ec;
  linger_timer_.cancel();
  deadline_timer_.cancel();
  brake_timer_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  queued_.clear();
  ticket_.Release();  // the socket is closed: its place under the caps is free
  registry_->Remove(this);
}

}  // namespace sibyl::server
