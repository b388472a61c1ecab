#pragma once
// What system_views.clients shows (Cassandra 4.1's ClientsTable): one row per live CQL
// connection. The server keeps the live connections (server/client_registry.h); query/ reads
// them through this interface so that it does not depend on server/ (issue 10 item 21).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sibyl::query {

// One connected client, as ConnectedClient reports it. Optional fields are null in the table.
struct ClientInfo {
  std::string address;  // the peer's IP address (inet)
  int32_t port = 0;     // the peer's port
  std::string hostname;  // InetSocketAddress.getHostString(): the address as text, no DNS
  std::optional<std::string> username;  // after a login
  std::string connection_stage;         // "established", "authenticating", "ready"
  int32_t protocol_version = 0;         // of the first frame; 0 before it
  std::optional<std::map<std::string, std::string>> client_options;  // STARTUP's options
  std::optional<std::string> driver_name;     // STARTUP's DRIVER_NAME
  std::optional<std::string> driver_version;  // STARTUP's DRIVER_VERSION
  int64_t request_count = 0;
  bool ssl_enabled = false;
  std::optional<std::string> ssl_protocol;      // e.g. "TLSv1.3"
  std::optional<std::string> ssl_cipher_suite;  // e.g. "TLS_AES_256_GCM_SHA384"
};

class ClientDirectory {
 public:
  virtual ~ClientDirectory() = default;
  // A copy of every live connection's state. Thread-safe.
  virtual std::vector<ClientInfo> Clients() const = 0;
};

}  // namespace sibyl::query
