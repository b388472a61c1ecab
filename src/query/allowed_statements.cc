#include "query/allowed_statements.h"

namespace sibyl::query {

bool AllowedStatements::Contains(const void* statement, const void* snapshot,
                                 uint64_t epoch) const {
  std::lock_guard lock(mu_);
  auto it = allowed_.find(statement);
  return it != allowed_.end() && it->second.snapshot.get() == snapshot &&
         it->second.epoch == epoch;
}

void AllowedStatements::Add(std::shared_ptr<const void> statement,
                            std::shared_ptr<const void> snapshot, uint64_t epoch) {
  std::lock_guard lock(mu_);
  if (allowed_.size() >= kCapacity && !allowed_.contains(statement.get())) allowed_.clear();
  const void* key = statement.get();
  allowed_[key] = Allowed{std::move(statement), std::move(snapshot), epoch};
}

}  // namespace sibyl::query
