#include "server/connection.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace sibyl::server {

namespace protocol = cql::protocol;

namespace {
constexpr size_t kReadChunkSize = 64 * 1024;
// How long a connection closed for a protocol error drains input before the socket is closed.
constexpr auto kLingerTime = std::chrono::seconds(2);
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

size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

Connection::Connection(asio::ip::tcp::socket socket, query::QueryProcessor& processor,
                       asio::thread_pool& workers, std::shared_ptr<ConnectionRegistry> registry,
                       ConnectionLimits limits, asio::ssl::context* tls)
    : processor_(processor),
      workers_(workers),
      registry_(std::move(registry)),
      socket_(std::move(socket)),
      linger_timer_(socket_.get_executor()),
      state_(limits),
      read_chunk_(kReadChunkSize) {
  asio::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  peer_ = ec ? "unknown" : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
  if (tls != nullptr) tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *tls);
  state_.SetOrigin(ConnectionOrigin{ec ? "" : endpoint.address().to_string(), tls != nullptr});
}

void Connection::Start() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (!self->tls_) return self->ReadMore();
    // A client that does not speak TLS fails the handshake: OpenSSL answers with an alert and
    // the connection closes; nobody else is affected.
    self->tls_->async_handshake(asio::ssl::stream_base::server,
                                [self](const asio::error_code& error) {
                                  if (error) {
                                    spdlog::info("CQL: TLS handshake with {} failed: {}",
                                                 self->peer_, error.message());
                                    return self->CloseNow();
                                  }
                                  self->ReadMore();
                                });
  });
}

void Connection::Close() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
}

void Connection::PushSchemaChange(protocol::SchemaChangeResult change) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), change = std::move(change)] {
    if (self->closed_ || self->close_after_write_) return;
    if (auto frame = self->state_.SchemaChangeEventFrame(change)) self->QueueWrite(*frame);
  });
}

void Connection::ReadMore() {
  if (closed_ || close_after_write_) return;
  AsyncReadSome(asio::buffer(read_chunk_),
                          [self = shared_from_this()](const asio::error_code& error, size_t n) {
                            self->OnRead(error, n);
                          });
}

void Connection::OnRead(const asio::error_code& error, size_t bytes) {
  if (closed_) return;
  if (error) {
    if (error != asio::error::eof && error != asio::error::operation_aborted) {
      spdlog::debug("CQL: connection from {} failed: {}", peer_, error.message());
    }
    CloseNow();
    return;
  }
  input_.append(read_chunk_.data(), bytes);
  std::vector<FrameAction> actions;
  const size_t consumed = state_.ProcessInput(input_, &actions);
  input_.erase(0, consumed);
  if (state_.principal() && !authorizer_set_ && state_.limits().authenticator != nullptr) {
    // Logged in: from now on every statement is checked against the principal's policies.
    // Set before the requests that came with the login are run.
    std::lock_guard lock(session_mu_);
    session_.authorizer =
        state_.limits().authenticator->MakeAuthorizer(*state_.principal(), state_.origin());
    authorizer_set_ = true;
  }
  for (auto& action : actions) Dispatch(std::move(action));
  if (state_.closed()) {
    close_after_write_ = true;
    input_.clear();
    if (!writing_now_) LingerAndClose();
    return;
  }
  ReadMore();
}

void Connection::Dispatch(FrameAction action) {
  switch (action.kind) {
    case FrameAction::Kind::kRespond:
      QueueWrite(std::move(action.frame));
      return;
    case FrameAction::Kind::kRespondAndClose:
      spdlog::info("CQL: closing connection from {} after a protocol error", peer_);
      QueueWrite(std::move(action.frame));
      return;
    case FrameAction::Kind::kExecute:
      if (in_flight_ >= state_.limits().max_in_flight) {
        QueueWrite(state_.ErrorFrame(
            action.version, action.stream,
            Status(ErrorCode::kOverloaded,
                   fmt::format("Too many requests in flight on this connection (limit {})",
                               state_.limits().max_in_flight))));
        return;
      }
      RunOnWorker(std::move(action));
      return;
  }
}

void Connection::RunOnWorker(FrameAction action) {
  ++in_flight_;
  asio::post(workers_, [self = shared_from_this(), action = std::move(action),
                        compression = state_.compression()] {
    // Each request runs on a copy of the session, so that concurrent requests of one connection
    // do not race; a change (USE) is written back. Only the keyspace can change today.
    query::Session session;
    {
      std::lock_guard lock(self->session_mu_);
      session = self->session_;
    }
    const std::string keyspace_before = session.keyspace;
    std::string frame = ExecuteQueryRequest(self->processor_, session, action.request,
                                            action.version, action.stream, compression);
    if (session.keyspace != keyspace_before) {
      std::lock_guard lock(self->session_mu_);
      self->session_ = session;
    }
    asio::post(self->socket_.get_executor(), [self, frame = std::move(frame)]() mutable {
      self->OnWorkerDone(std::move(frame));
    });
  });
}

void Connection::OnWorkerDone(std::string frame) {
  --in_flight_;
  if (closed_ || close_after_write_) return;
  QueueWrite(std::move(frame));
}

void Connection::QueueWrite(std::string frame) {
  if (closed_) return;
  queued_.push_back(std::move(frame));
  if (!writing_now_) WriteMore();
}

void Connection::WriteMore() {
  if (queued_.empty() || closed_) return;
  writing_.clear();
  writing_.swap(queued_);
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(writing_.size());
  for (const auto& frame : writing_) buffers.push_back(asio::buffer(frame));
  writing_now_ = true;
  AsyncWrite(buffers,
                    [self = shared_from_this()](const asio::error_code& error, size_t) {
                      self->OnWritten(error);
                    });
}

void Connection::OnWritten(const asio::error_code& error) {
  writing_now_ = false;
  writing_.clear();
  if (closed_) return;
  if (error) {
    spdlog::debug("CQL: write to {} failed: {}", peer_, error.message());
    CloseNow();
    return;
  }
  if (!queued_.empty()) {
    WriteMore();
    return;
  }
  if (close_after_write_) LingerAndClose();
}

void Connection::LingerAndClose() {
  if (closed_) return;
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  linger_timer_.expires_after(kLingerTime);
  linger_timer_.async_wait([self = shared_from_this()](const asio::error_code& error) {
    if (!error) self->CloseNow();
  });
  Drain();
}

void Connection::Drain() {
  // Discard whatever the client still sends until it closes its side (or the timer fires).
  AsyncReadSome(asio::buffer(read_chunk_),
                          [self = shared_from_this()](const asio::error_code& error, size_t) {
                            if (error || self->closed_) {
                              self->CloseNow();
                              return;
                            }
                            self->Drain();
                          });
}

void Connection::CloseNow() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ec;
  linger_timer_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  queued_.clear();
  registry_->Remove(this);
}

}  // namespace sibyl::server
