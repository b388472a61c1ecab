#pragma once
// The HTTP listener: the IAM API (AWS Query protocol, `POST /`) today; the console's files and
// JSON API later. One event-loop thread serves all connections (IAM calls are short).
// Start()/Stop() as STYLE.md §5: Stop() refuses new connections and waits for the loop.

#include <memory>
#include <string>

#include "common/status.h"

namespace sibyl::iam {
class IamService;
}

namespace sibyl::http {

struct HttpServerOptions {
  // Default: 127.0.0.1.
  std::string listen_address = "127.0.0.1";
  // 0 picks a free port. Default: 8080.
  int port = 8080;
  // Largest accepted request body, in bytes. Default: 1 MiB.
  size_t max_body_bytes = 1 << 20;
  // HTTPS when both are set (PEM certificate chain and key). Default: empty (plain HTTP).
  std::string tls_cert;
  std::string tls_key;
};

class HttpServer {
 public:
  // `iam` must outlive the server.
  HttpServer(iam::IamService& iam, HttpServerOptions options);
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
