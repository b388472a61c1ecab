#include "server/cql_authorizer.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "iam/validation.h"

namespace sibyl::server {
namespace {

constexpr size_t kMaxCachedDecisions = 4096;

// Everything a decision depends on besides the principal and the clock.
std::string CacheKey(const query::Permission& p) {
  std::string key = p.action + '\n' + p.keyspace + '\n' + p.table;
  for (const auto& [k, v] : p.resource_tags) key += "\nr" + k + '=' + v;
  for (const auto& [k, v] : p.request_tags) key += "\nq" + k + '=' + v;
  for (const auto& k : p.tag_keys) key += "\nk" + k;
  return key;
}

Status Refusal(const iam::Principal& principal, const iam::RequestContext& context,
               iam::Decision decision) {
  return Status(
      ErrorCode::kUnauthorized,
      fmt::format("User: {} is not authorized to perform: {} on resource: {} {}", principal.arn,
                  context.action, context.resource,
                  decision == iam::Decision::kExplicitDeny
                      ? std::string("with an explicit deny in an identity-based policy")
                      : fmt::format("because no identity-based policy allows the {} action",
                                    context.action)));
}

}  // namespace

CqlAuthorizer::CqlAuthorizer(const iam::IamService& iam, iam::Principal principal,
                             ConnectionOrigin origin)
    : iam_(iam), principal_(std::move(principal)), origin_(std::move(origin)) {}

std::string CqlAuthorizer::ResourceArn(const std::string& region, const std::string& account,
                                       const std::string& keyspace, const std::string& table) {
  if (table.empty()) return fmt::format("arn:aws:cassandra:{}:{}:/keyspace/{}/", region, account, keyspace);
  return fmt::format("arn:aws:cassandra:{}:{}:/keyspace/{}/table/{}", region, account, keyspace,
                     table);
}

iam::RequestContext CqlAuthorizer::Context(const iam::IamService& iam,
                                           const query::Permission& p,
                                           const ConnectionOrigin& origin) {
  iam::RequestContext context;
  context.action = p.action;
  context.resource = ResourceArn(iam.region(), iam.account_id(), p.keyspace, p.table);
  iam::AddOriginKeys(context, origin.source_ip, origin.secure, NowSeconds());
  context.keys["aws:requestedregion"] = {iam.region()};
  for (const auto& [k, v] : p.resource_tags) context.keys["aws:resourcetag/" + iam::Lower(k)] = {v};
  for (const auto& [k, v] : p.request_tags) context.keys["aws:requesttag/" + iam::Lower(k)] = {v};
  if (!p.tag_keys.empty()) context.keys["aws:tagkeys"] = p.tag_keys;
  return context;
}

uint64_t CqlAuthorizer::CatchUpLocked() {
  const uint64_t version = iam_.authorization_version();
  if (version != version_) {
    cache_.clear();
    version_ = version;
    cacheable_ = principal_.is_root() || !iam_.PoliciesOf(principal_.user_name)->time_dependent;
  }
  return version;
}

std::optional<uint64_t> CqlAuthorizer::DecisionEpoch() {
  std::lock_guard lock(mu_);
  const uint64_t version = CatchUpLocked();
  if (!cacheable_) return std::nullopt;
  return version;
}

Status CqlAuthorizer::Authorize(const query::Permission& permission) {
  if (principal_.is_root()) return Status::OK();
  const std::string key = CacheKey(permission);
  uint64_t version = 0;
  {
    std::lock_guard lock(mu_);
    version = CatchUpLocked();
    if (auto it = cache_.find(key); it != cache_.end() && it->second == iam::Decision::kAllow) {
      return Status::OK();
    }
  }
  iam::RequestContext context = Context(iam_, permission, origin_);
  iam::Decision decision = iam_.Authorize(principal_, context);
  {
    std::lock_guard lock(mu_);
    if (cacheable_ && version_ == version) {
      if (cache_.size() >= kMaxCachedDecisions) cache_.clear();
      cache_[key] = decision;
    }
  }
  if (decision == iam::Decision::kAllow) return Status::OK();
  return Refusal(principal_, context, decision);
}

Status CqlAuthorizer::AuthorizeLogin(const iam::IamService& iam, const iam::Principal& principal,
                                     const ConnectionOrigin& origin) {
  if (principal.is_root()) return Status::OK();
  query::Permission p{"cassandra:Select", "system", "local", {}, {}, {}};
  iam::RequestContext context = Context(iam, p, origin);
  if (iam.Authorize(principal, context) == iam::Decision::kAllow) return Status::OK();
  return Status(ErrorCode::kUnauthorized,
                fmt::format("User {} has no permissions.", principal.arn));
}

}  // namespace sibyl::server
