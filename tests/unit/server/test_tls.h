#pragma once
// A server TLS context for tests: a self-signed certificate for 127.0.0.1, made in a temporary
// directory that is removed with the object.
#include <stdlib.h>

#include <asio/ssl.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "server/tls_certificate.h"

namespace sibyl::server {

class TestTlsContext {
 public:
  TestTlsContext() {
    char dir_template[] = "/tmp/sibyl-tls-test-XXXXXX";
    if (mkdtemp(dir_template) == nullptr) return;
    dir_ = dir_template;
    if (!EnsureSelfSignedCertificate(dir_ + "/cert.pem", dir_ + "/key.pem", "127.0.0.1").ok()) {
      return;
    }
    auto context = MakeServerTlsContext(dir_ + "/cert.pem", dir_ + "/key.pem");
    if (context.ok()) context_ = std::move(*context);
  }
  ~TestTlsContext() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  TestTlsContext(const TestTlsContext&) = delete;
  TestTlsContext& operator=(const TestTlsContext&) = delete;

  // Null when the certificate or the context could not be made.
  asio::ssl::context* get() const { return context_.get(); }

 private:
  std::string dir_;
  std::unique_ptr<asio::ssl::context> context_;
};

}  // namespace sibyl::server
