#pragma once
// ConnectionLimiter: the caps on open CQL connections, Cassandra's
// native_transport_max_concurrent_connections and
// native_transport_max_concurrent_connections_per_ip (ConnectionLimitHandler). One limiter is shared by the plain and the TLS listener, so that the
// caps count both. A connection over a cap is closed at once, with a warning in the log (at most
// one a second). Thread-safe.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace sibyl::server {

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
 public:
  // A negative cap is no cap (Cassandra's -1). REQUIRES: owned by a std::shared_ptr (tickets
  // keep it alive).
  ConnectionLimiter(int64_t max_connections, int64_t max_connections_per_address);
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  // One open connection; gives its place back when released or destroyed. Movable.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept { *this = std::move(other); }
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket() { Release(); }
    // Idempotent.
    void Release();

   private:
    friend class ConnectionLimiter;
    Ticket(std::shared_ptr<ConnectionLimiter> limiter, std::string address)
        : limiter_(std::move(limiter)), address_(std::move(address)) {}
    std::shared_ptr<ConnectionLimiter> limiter_;  // null: released or empty
    std::string address_;
  };

  // A ticket for one more connection from `address` (an IP address; empty when unknown, which
  // only the global cap applies to), or nullopt when a cap would be exceeded.
  std::optional<Ticket> TryAcquire(const std::string& address);

  int64_t open() const;

 private:
  void Release(const std::string& address);

  const int64_t max_connections_;
  const int64_t max_per_address_;
  mutable std::mutex mu_;
  int64_t open_ = 0;                                      // GUARDED_BY(mu_)
  std::unordered_map<std::string, int64_t> per_address_;  // GUARDED_BY(mu_)
  int64_t last_warning_ = 0;                              // GUARDED_BY(mu_), steady seconds
};

// Raises the soft RLIMIT_NOFILE to the hard limit (as the JVM does for Cassandra) and returns
// the cap of open CQL connections to use: `configured` (negative: none), but never more than 3/4
// of the descriptor limit, so that storage (RocksDB files) and the HTTP API always have
// descriptors left whatever clients do (issue 9, item 6).
int64_t CapConnectionsByFileDescriptors(int64_t configured);

}  // namespace sibyl::server
