#include "server/client_registry.h"

namespace sibyl::server {

ClientRecord::ClientRecord(std::string address, int32_t port, bool ssl) {
  info_.hostname = address;  // getHostString(): the literal address, no reverse lookup
  info_.address = std::move(address);
  info_.port = port;
  info_.connection_stage = "established";
  info_.ssl_enabled = ssl;
}

void ClientRecord::SetStartupOptions(const std::map<std::string, std::string>& options) {
  std::lock_guard lock(mu_);
  info_.client_options = options;
  if (auto it = options.find("DRIVER_NAME"); it != options.end()) info_.driver_name = it->second;
  if (auto it = options.find("DRIVER_VERSION"); it != options.end()) {
    info_.driver_version = it->second;
  }
}

void ClientRecord::SetStage(const char* stage) {
  std::lock_guard lock(mu_);
  info_.connection_stage = stage;
}

void ClientRecord::SetProtocolVersion(int32_t version) {
  std::lock_guard lock(mu_);
  info_.protocol_version = version;
}

void ClientRecord::SetUsername(std::string username) {
  std::lock_guard lock(mu_);
  info_.username = std::move(username);
}

void ClientRecord::SetTls(std::string protocol, std::string cipher_suite) {
  std::lock_guard lock(mu_);
  info_.ssl_protocol = std::move(protocol);
  info_.ssl_cipher_suite = std::move(cipher_suite);
}

query::ClientInfo ClientRecord::Snapshot() const {
  std::lock_guard lock(mu_);
  query::ClientInfo out = info_;
  out.request_count = request_count_.load(std::memory_order_relaxed);
  return out;
}

std::shared_ptr<ClientRecord> ClientRegistry::Add(std::string address, int32_t port, bool ssl) {
  std::weak_ptr<ClientRegistry> weak = weak_from_this();
  std::shared_ptr<ClientRecord> record(new ClientRecord(std::move(address), port, ssl),
                                       [weak](ClientRecord* r) {
                                         if (auto registry = weak.lock()) registry->Remove(r);
                                         delete r;
                                       });
  std::lock_guard lock(mu_);
  live_[record.get()] = record;
  return record;
}

void ClientRegistry::Remove(const ClientRecord* record) {
  std::lock_guard lock(mu_);
  live_.erase(record);
}

std::vector<query::ClientInfo> ClientRegistry::Clients() const {
  std::vector<std::shared_ptr<ClientRecord>> records;
  {
    std::lock_guard lock(mu_);
    records.reserve(live_.size());
    for (const auto& [key, weak] : live_) {
      if (auto r = weak.lock()) records.push_back(std::move(r));
    }
  }
  std::vector<query::ClientInfo> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(r->Snapshot());
  return out;
}

size_t ClientRegistry::size() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

}  // namespace sibyl::server
