#pragma once
// Which prepared statements a connection's authorizer has already allowed (issue 14: an EXECUTE
// of a statement allowed before, under the same schema snapshot and the same IAM decision epoch,
// skips building its permissions and evaluating policies again).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace sibyl::query {

class AllowedStatements {
 public:
  // Whether `statement` was allowed under `snapshot` in `epoch` (pointers as given to Add).
  bool Contains(const void* statement, const void* snapshot, uint64_t epoch) const;
  // Remembers an allowed statement. Holding both objects keeps their addresses from being reused
  // by another statement or snapshot while remembered. At most kCapacity entries: past it the
  // memo starts over (a connection runs few distinct prepared statements).
  void Add(std::shared_ptr<const void> statement, std::shared_ptr<const void> snapshot,
           uint64_t epoch);

  static constexpr size_t kCapacity = 64;

 private:
  struct Allowed {
    std::shared_ptr<const void> statement;
    std::shared_ptr<const void> snapshot;
    uint64_t epoch = 0;
  };
  mutable std::mutex mu_;
  std::unordered_map<const void*, Allowed> allowed_;  // GUARDED_BY(mu_), by statement
};

}  // namespace sibyl::query
