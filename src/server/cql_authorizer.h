#pragma once
// CqlAuthorizer: decides, for one connection's principal, whether each CQL statement's
// permissions (query/permissions.h) are allowed by the principal's IAM policies, with Amazon
// Keyspaces' resource ARNs (shared/reference/keyspaces-iam.md §3.2):
//   keyspace  arn:aws:cassandra:<region>:<account>:/keyspace/<ks>/
//   table     arn:aws:cassandra:<region>:<account>:/keyspace/<ks>/table/<t>
// Decisions are cached per connection and dropped when IAM's authorization version changes
// (any policy, attachment, group or user change), so a policy change applies to the next
// statement on every open connection. Policies whose conditions read the clock are never
// cached. Thread-safe.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "iam/iam_service.h"
#include "query/authorizer.h"

namespace sibyl::server {

// Where a connection comes from, for aws:SourceIp and aws:SecureTransport.
struct ConnectionOrigin {
  std::string source_ip;
  bool secure = false;
};

class CqlAuthorizer final : public query::Authorizer {
 public:
  // `iam` must outlive the authorizer.
  CqlAuthorizer(const iam::IamService& iam, iam::Principal principal, ConnectionOrigin origin);

  Status Authorize(const query::Permission& permission) override;
  // The IAM authorization version, or nullopt while the principal has a time-dependent policy.
  std::optional<uint64_t> DecisionEpoch() override;

  // The keyspace or table ARN of a permission.
  static std::string ResourceArn(const std::string& region, const std::string& account,
                                 const std::string& keyspace, const std::string& table);

  // The request context of a permission: action, ARN and condition keys (without the
  // principal's, which IamService::Authorize adds).
  static iam::RequestContext Context(const iam::IamService& iam, const query::Permission& p,
                                     const ConnectionOrigin& origin);

  // Login check: a principal with no cassandra:Select on the system keyspace cannot connect
  // (Unauthorized 0x2100 "User <arn> has no permissions.", as Amazon Keyspaces answers).
  static Status AuthorizeLogin(const iam::IamService& iam, const iam::Principal& principal,
                               const ConnectionOrigin& origin);

 private:
  const iam::IamService& iam_;
  const iam::Principal principal_;
  const ConnectionOrigin origin_;

  std::mutex mu_;
  uint64_t version_ = 0;        // GUARDED_BY(mu_): the IAM version the cache is for
  bool cacheable_ = true;       // GUARDED_BY(mu_)
  std::unordered_map<std::string, iam::Decision> cache_;  // GUARDED_BY(mu_)

  // Moves to IAM's current authorization version (clearing the cache) when it changed.
  // REQUIRES(mu_). Returns that version.
  uint64_t CatchUpLocked();
};

}  // namespace sibyl::server
