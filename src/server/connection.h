#pragma once
// Connection: the socket side of one CQL client connection. It reads frames into its
// ConnectionState, answers control messages at once, runs queries on the worker pool and writes
// responses as they complete (any order, each on its request's stream), coalescing queued
// responses into one write. Internal to server/; CqlServer creates them.
//
// Threading: every member except the session is touched only on the connection's io_context
// thread (one thread per io_context, so no strand is needed). Workers get a copy of the session
// and post their response back. The public methods may be called from any thread.

#include <asio.hpp>  // standalone Asio: ASIO_STANDALONE comes from CMake
#include <asio/ssl.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/processor.h"
#include "server/connection_state.h"

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
  size_t size() const;

 private:
  mutable std::mutex mu_;
  bool closed_ = false;                                                      // GUARDED_BY(mu_)
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> live_;  // GUARDED_BY(mu_)
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `tls`: when not null, the connection speaks TLS (handshake first). Not owned.
  Connection(asio::ip::tcp::socket socket, query::QueryProcessor& processor,
             asio::thread_pool& workers, std::shared_ptr<ConnectionRegistry> registry,
             ConnectionLimits limits, asio::ssl::context* tls = nullptr);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading. Any thread.
  void Start();
  // Closes the socket at once; in-flight results are dropped. Any thread.
  void Close();
  // Sends a SCHEMA_CHANGE EVENT if this connection registered for it. Any thread.
  void PushSchemaChange(cql::protocol::SchemaChangeResult change);

 private:
  void ReadMore();
  // Reads and writes go through TLS when it is on.
  template <typename Buffers, typename Handler>
  void AsyncReadSome(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      socket_.async_read_some(buffers, std::forward<Handler>(handler));
    }
  }
  template <typename Buffers, typename Handler>
  void AsyncWrite(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      asio::async_write(*tls_, buffers, std::forward<Handler>(handler));
    } else {
      asio::async_write(socket_, buffers, std::forward<Handler>(handler));
    }
  }
  void OnRead(const asio::error_code& error, size_t bytes);
  void Dispatch(FrameAction action);
  void RunOnWorker(FrameAction action);
  void OnWorkerDone(std::string frame);
  void QueueWrite(std::string frame);
  void WriteMore();
  void OnWritten(const asio::error_code& error);
  // After a fatal protocol error: stop sending, drain what the client still sends (so that the
  // kernel does not reset the connection before the client read our error), then close.
  void LingerAndClose();
  void Drain();
  void CloseNow();

  // Constant after construction.
  query::QueryProcessor& processor_;
  asio::thread_pool& workers_;
  const std::shared_ptr<ConnectionRegistry> registry_;
  std::string peer_;

  asio::ip::tcp::socket socket_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;  // over socket_, or null
  asio::steady_timer linger_timer_;
  ConnectionState state_;
  std::string input_;               // received bytes not yet consumed by state_
  std::vector<char> read_chunk_;
  std::vector<std::string> queued_;  // frames waiting for the next write
  std::vector<std::string> writing_; // frames of the write in progress
  bool writing_now_ = false;
  bool close_after_write_ = false;
  bool closed_ = false;
  size_t in_flight_ = 0;

  std::mutex session_mu_;
  query::Session session_;  // GUARDED_BY(session_mu_)
  bool authorizer_set_ = false;
};

}  // namespace sibyl::server
