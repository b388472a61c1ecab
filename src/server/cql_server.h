#pragma once
// CqlServer: the CQL native-protocol listener (v3, v4) on one TCP address. It runs one
// io_context per thread (connections are assigned round-robin and stay on their thread), and a
// worker pool where QUERY/PREPARE/EXECUTE/BATCH run so that a slow synchronous write never
// blocks an event loop. SCHEMA_CHANGE events from the QueryProcessor are pushed to the
// connections that registered for them.
//
// At the file-descriptor limit the acceptor closes the connections waiting in its backlog (with a
// spare descriptor, common/fd_reserve.h) and retries after a pause instead of spinning; a
// connection over the caps of `limiter` is closed at once.
//
// Start() and Stop() are called from one thread (main). Stop() refuses new connections, closes
// the open ones, waits for the requests already running, and joins every thread.

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <asio/ssl/context.hpp>

#include "common/status.h"
#include "server/connection_state.h"

namespace sibyl::query {
class QueryProcessor;
}

namespace sibyl::server {

class ClientRegistry;
class ConnectionLimiter;
class ConnectionRegistry;

struct CqlServerOptions {
  // Address to listen on (IPv4 or IPv6 literal). Default: 127.0.0.1.
  std::string listen_address = "127.0.0.1";
  // TCP port; 0 picks an ephemeral port (tests), see port(). Default: 9042.
  uint16_t port = 9042;
  // Event-loop threads. Default 0: std::thread::hardware_concurrency(), at least 2.
  int io_threads = 0;
  // Worker threads for queries. Default 0: twice the io threads, at least 4.
  int worker_threads = 0;
  ConnectionLimits limits;
  // The connection caps (native_transport_max_concurrent_connections[_per_ip]), shared by the
  // listeners that count together. Default: null, no cap.
  std::shared_ptr<ConnectionLimiter> limiter;
  // When set, every connection speaks TLS (the CQL TLS port). Not owned; must outlive the
  // server. Default: null (plain text).
  asio::ssl::context* tls = nullptr;
  // The live connections for system_views.clients, shared by the listeners and the query
  // processor (issue 10 item 21). Default: null, connections are not listed.
  std::shared_ptr<ClientRegistry> clients;
};

class CqlServer {
 public:
  // `processor` must outlive the server.
  CqlServer(query::QueryProcessor& processor, CqlServerOptions options);
  ~CqlServer();  // Stop()s if needed.
  CqlServer(const CqlServer&) = delete;
  CqlServer& operator=(const CqlServer&) = delete;

  // Binds, listens, installs the processor's schema listener and starts the threads.
  // Errors: kInvalidArgument for an address that does not parse, kIOError when the address
  // cannot be bound ("Cannot listen on 127.0.0.1:9042: Address already in use").
  // REQUIRES: not started.
  Status Start();

  // Idempotent. See the class comment.
  void Stop();

  // The bound port (the real one when options.port was 0). REQUIRES: Start() succeeded.
  uint16_t port() const { return bound_port_; }
  // issue 15: a TOPOLOGY_CHANGE / STATUS_CHANGE event (server/node_events.h) to the connections
  // registered for `type`. Any thread; nothing after Stop().
  void BroadcastNodeEvent(const std::string& type, const std::string& body);
  // Open connections (for tests and metrics).
  size_t connection_count() const;

 private:
  struct Impl;
  const CqlServerOptions options_;
  query::QueryProcessor& processor_;
  std::unique_ptr<Impl> impl_;
  uint16_t bound_port_ = 0;
};

}  // namespace sibyl::server
