#pragma once
// ClientRegistry: the live CQL connections, as system_views.clients shows them (Cassandra 4.1's
// ClientMetrics.allConnectedClients and ClientsTable, issue 10 item 21). Each connection owns a
// ClientRecord and updates it as it goes (STARTUP options, login, requests, TLS); the record
// leaves the registry when the connection releases it. One registry is shared by the plain and
// the TLS listener and handed to the query processor as its query::ClientDirectory.
//
// Thread-safe. Bounded: one record per open connection (the connection caps bound those).

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/client_directory.h"

namespace sibyl::server {

class ClientRecord {
 public:
  ClientRecord(std::string address, int32_t port, bool ssl);
  ClientRecord(const ClientRecord&) = delete;
  ClientRecord& operator=(const ClientRecord&) = delete;

  // STARTUP's options (DRIVER_NAME and DRIVER_VERSION become their own columns).
  void SetStartupOptions(const std::map<std::string, std::string>& options);
  // "established", "authenticating" or "ready" (Cassandra's ConnectionStage, lower case).
  void SetStage(const char* stage);
  void SetProtocolVersion(int32_t version);
  void SetUsername(std::string username);
  void SetTls(std::string protocol, std::string cipher_suite);
  // One more request handled (every frame answered, as Cassandra counts them). Lock-free.
  void CountRequest() { request_count_.fetch_add(1, std::memory_order_relaxed); }

  query::ClientInfo Snapshot() const;

 private:
  mutable std::mutex mu_;
  query::ClientInfo info_;  // GUARDED_BY(mu_), request_count aside
  std::atomic<int64_t> request_count_{0};
};

class ClientRegistry final : public query::ClientDirectory,
                             public std::enable_shared_from_this<ClientRegistry> {
 public:
  // A new record, listed until the last reference to it is dropped.
  std::shared_ptr<ClientRecord> Add(std::string address, int32_t port, bool ssl);
  std::vector<query::ClientInfo> Clients() const override;
  size_t size() const;

 private:
  void Remove(const ClientRecord* record);

  mutable std::mutex mu_;
  std::unordered_map<const ClientRecord*, std::weak_ptr<ClientRecord>> live_;  // GUARDED_BY(mu_)
};

}  // namespace sibyl::server
