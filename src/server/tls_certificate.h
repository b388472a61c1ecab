#pragma once
// TLS material for the CQL TLS port: a self-signed certificate made at first start when none is
// configured, and the server context (TLS 1.2 and 1.3 only).

#include <memory>
#include <string>

#include <asio/ssl/context.hpp>

#include "common/status.h"

namespace sibyl::server {

// Creates `cert_path` and `key_path` (0600) when absent: an EC P-256 key and a self-signed
// certificate for `host` (CN and subjectAltName, with localhost and 127.0.0.1), valid 10 years.
// OK without changes when both exist. kIOError on failure.
Status EnsureSelfSignedCertificate(const std::string& cert_path, const std::string& key_path,
                                   const std::string& host);

// A server context using the certificate chain and key. kIOError when they cannot be loaded.
Result<std::unique_ptr<asio::ssl::context>> MakeServerTlsContext(const std::string& cert_path,
                                                                 const std::string& key_path);

}  // namespace sibyl::server
