// IamService: authorization — each user's policy set (its inline and attached policies and its
// groups'), the decision for a request, and SimulatePrincipalPolicy
// (shared/reference/keyspaces-iam.md §2.3).
#include <fmt/format.h>

#include "iam/aws_managed_policies.h"
#include "iam/iam_service.h"
#include "iam/validation.h"

namespace sibyl::iam {

Decision PolicySet::Evaluate(const RequestContext& request) const {
  bool allowed = false;
  for (const auto& p : policies) {
    Decision d = p.policy->Evaluate(request);
    if (d == Decision::kExplicitDeny) return d;
    allowed = allowed || d == Decision::kAllow;
  }
  return allowed ? Decision::kAllow : Decision::kImplicitDeny;
}

void IamService::PoliciesChanged() {
  effective_.clear();
  if (parsed_.size() > 10000) parsed_.clear();
  authorization_version_.fetch_add(1);
}

std::shared_ptr<const Policy> IamService::Parsed(const std::string& document) const {
  auto it = parsed_.find(document);
  if (it != parsed_.end()) return it->second;
  auto parsed = Policy::Parse(document);
  // Stored documents were validated when they were stored; one that no longer parses (an older
  // grammar) grants nothing rather than failing every request.
  auto policy = parsed.ok() ? std::make_shared<const Policy>(*std::move(parsed)) : nullptr;
  parsed_[document] = policy;
  return policy;
}

void IamService::AddPolicies(const std::map<std::string, std::string>& inline_policies,
                             const std::set<std::string>& attached, const char* inline_type,
                             std::set<std::string>& seen_arns, PolicySet& set) const {
  auto add = [&](const std::string& id, const char* type, const std::string& document) {
    if (auto policy = Parsed(document)) {
      set.time_dependent = set.time_dependent || policy->time_dependent();
      set.policies.push_back(SourcedPolicy{id, type, std::move(policy)});
    }
  };
  for (const auto& [name, doc] : inline_policies) add(name, inline_type, doc);
  for (const auto& arn : attached) {
    if (!seen_arns.insert(arn).second) continue;
    const ManagedPolicy* p = FindPolicy(arn);
    if (p == nullptr) continue;
    auto version = p->versions.find(p->default_version);
    if (version == p->versions.end()) continue;
    add(arn, p->aws_managed ? "aws-managed" : "user-managed", version->second.document);
  }
}

std::shared_ptr<const PolicySet> IamService::PoliciesOfLocked(const std::string& user_name) const {
  auto cached = effective_.find(user_name);
  if (cached != effective_.end()) return cached->second;
  auto set = std::make_shared<PolicySet>();
  std::set<std::string> seen_arns;
  if (const User* u = FindUser(user_name)) {
    AddPolicies(u->inline_policies, u->attached_policies, "user", seen_arns, *set);
    for (const auto& group_name : u->groups) {
      if (const Group* g = FindGroup(group_name)) {
        AddPolicies(g->inline_policies, g->attached_policies, "group", seen_arns, *set);
      }
    }
  }
  effective_[user_name] = set;
  return set;
}

void IamService::AddPrincipalKeys(const User& user, RequestContext& request) const {
  request.keys.emplace("aws:username", std::vector<std::string>{user.name});
  request.keys.emplace("aws:userid", std::vector<std::string>{user.id});
  request.keys.emplace("aws:principalarn", std::vector<std::string>{UserArn(user)});
  request.keys.emplace("aws:principalaccount", std::vector<std::string>{account_id_});
  request.keys.emplace("aws:principaltype", std::vector<std::string>{"User"});
  for (const auto& [key, value] : user.tags) {
    request.keys.emplace("aws:principaltag/" + Lower(key), std::vector<std::string>{value});
  }
}

std::shared_ptr<const PolicySet> IamService::PoliciesOf(const std::string& user_name) const {
  std::lock_guard lock(mu_);
  return PoliciesOfLocked(user_name);
}

Decision IamService::Authorize(const Principal& principal, RequestContext& request) const {
  if (principal.is_root()) return Decision::kAllow;
  std::shared_ptr<const PolicySet> set;
  {
    std::lock_guard lock(mu_);
    const User* u = FindUser(principal.user_name);
    if (u == nullptr) return Decision::kImplicitDeny;
    AddPrincipalKeys(*u, request);
    set = PoliciesOfLocked(principal.user_name);
  }
  return set->Evaluate(request);
}

Result<std::vector<SimulationResult>> IamService::Simulate(
    const std::string& source_arn, const std::vector<std::string>& actions,
    const std::vector<std::string>& resources,
    const std::map<std::string, std::vector<std::string>>& context) const {
  if (actions.empty()) {
    return Validation(
        "Value null at 'actionNames' failed to satisfy constraint: Member must not be null");
  }
  std::shared_ptr<const PolicySet> set;
  RequestContext base;
  for (const auto& [key, values] : context) base.keys[Lower(key)] = values;
  {
    std::lock_guard lock(mu_);
    const User* user = nullptr;
    for (const auto& [name, u] : users_) {
      if (UserArn(u) == source_arn) user = &u;
    }
    if (user != nullptr) {
      AddPrincipalKeys(*user, base);
      set = PoliciesOfLocked(user->name);
    } else {
      const Group* group = nullptr;
      for (const auto& [name, g] : groups_) {
        if (GroupArn(g) == source_arn) group = &g;
      }
      if (group == nullptr) {
        if (source_arn.find(":user/") == std::string::npos &&
            source_arn.find(":group/") == std::string::npos) {
          return AwsError(
              "InvalidInput", 400,
              fmt::format("Invalid ARN: {}. Only users and groups can be simulated.", source_arn));
        }
        return AwsError("NoSuchEntity", 404,
                        fmt::format("The entity with ARN {} cannot be found.", source_arn));
      }
      auto group_set = std::make_shared<PolicySet>();
      std::set<std::string> seen_arns;
      AddPolicies(group->inline_policies, group->attached_policies, "group", seen_arns,
                  *group_set);
      set = group_set;
    }
  }
  std::vector<SimulationResult> out;
  const std::vector<std::string> all_resources =
      resources.empty() ? std::vector<std::string>{"*"} : resources;
  for (const auto& action : actions) {
    for (const auto& resource : all_resources) {
      RequestContext request = base;
      request.action = action;
      request.resource = resource;
      SimulationResult r{action, resource, set->Evaluate(request), {}};
      if (r.decision != Decision::kImplicitDeny) {
        for (const auto& p : set->policies) {
          if (p.policy->Evaluate(request) == r.decision) r.matched.push_back(p);
        }
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace sibyl::iam
