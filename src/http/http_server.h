#pragma once
// The HTTP listener: every request goes to one RequestHandler (router.h: the IAM API, the
// console's JSON API and its files). One event-loop thread accepts and parses; handlers run on
// a small worker pool, so a slow call (a console password hash, a CQL query) does not hold up
// the others. Requests over the limits of router.h get a precise 4xx (413, 414, 431, 400)
// before any handler runs; a Response with a delay is sent after a timer.
// Start()/Stop() as STYLE.md §5: Stop() refuses new connections and waits for the loop.

#include <memory>
#include <string>

#include "common/status.h"
#include "http/request.h"

namespace sibyl::http {

struct HttpServerOptions {
  // Default: 127.0.0.1.
  std::string listen_address = "127.0.0.1";
  // 0 picks a free port. Default: 8080.
  int port = 8080;
  // Largest accepted request body, in bytes, whatever the route; each route has its own
  // smaller or equal limit (router.h MaxBodyBytes). Default: 1 MiB.
  size_t max_body_bytes = 1 << 20;
  // HTTPS when both are set (PEM certificate chain and key). Default: empty (plain HTTP).
  std::string tls_cert;
  std::string tls_key;
  // Threads that run handlers. Default: 4.
  int worker_threads = 4;
};

class HttpServer {
 public:
  // `handler` is called from worker threads, concurrently.
  HttpServer(RequestHandler handler, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. kIOError when the address cannot be bound.
  Status Start();
  void Stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sibyl::http
