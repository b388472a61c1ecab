#pragma once
// The authorization interface of query/: every statement is checked before it runs against the
// permissions it needs (permissions.h), by an Authorizer the server gives the session (one per
// connection, deciding for its principal with IAM policies). query/ knows the statement to
// action table; it does not know IAM.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "query/allowed_statements.h"

namespace sibyl::query {

// One action on one keyspace or table (shared/reference/keyspaces-iam.md §3.3).
struct Permission {
  std::string action;    // "cassandra:Select", "cassandra:Modify", ...
  std::string keyspace;
  std::string table;     // empty: the keyspace itself
  // The resource's tags as they are now (aws:ResourceTag/<key>); empty for system tables, where
  // tag-based rules are not applied over CQL (as in Amazon Keyspaces).
  std::map<std::string, std::string> resource_tags;
  // Tags the statement sets (aws:RequestTag/<key>) and the keys it sets or removes
  // (aws:TagKeys).
  std::map<std::string, std::string> request_tags;
  std::vector<std::string> tag_keys;

  bool operator==(const Permission&) const = default;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // OK, or kUnauthorized (0x2100) naming the principal, the action and the resource.
  // Thread-safe: the requests of one connection may be checked concurrently.
  virtual Status Authorize(const Permission& permission) = 0;

  // A value that changes whenever a decision of this authorizer could change (policies, users,
  // groups changed), or nullopt when its decisions must not be remembered (a policy that depends
  // on the time). The default remembers nothing.
  virtual std::optional<uint64_t> DecisionEpoch() { return std::nullopt; }

  // The prepared statements this authorizer allowed (the processor's memo, see DecisionEpoch).
  AllowedStatements& allowed_statements() { return allowed_statements_; }

 private:
  AllowedStatements allowed_statements_;
};

}  // namespace sibyl::query
