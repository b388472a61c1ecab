// IamService: identity policies — inline policies of users and groups, managed policies with
// their versions, and attachments — with AWS's limits and error texts
// (shared/reference/keyspaces-iam.md §2.1).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/clock.h"
#include "iam/aws_managed_policies.h"
#include "iam/iam_service.h"
#include "iam/secrets.h"
#include "iam/validation.h"

namespace sibyl::iam {
namespace {

constexpr size_t kMaxUserInlineSize = 2048;  // characters, whitespace not counted
constexpr size_t kMaxGroupInlineSize = 5120;
constexpr size_t kMaxManagedPolicySize = 6144;
constexpr size_t kMaxAttachedPolicies = 10;
constexpr size_t kMaxPolicyVersions = 5;

size_t SizeWithoutWhitespace(const std::string& document) {
  return std::count_if(document.begin(), document.end(),
                       [](unsigned char c) { return !std::isspace(c); });
}

Status CheckDocument(const std::string& document) {
  if (document.empty() || document.size() > 131072) {
    return Validation(
        "Value at 'policyDocument' failed to satisfy constraint: Member must have length less "
        "than or equal to 131072");
  }
  return Policy::Parse(document).status();
}

Status NoSuchPolicy(const std::string& arn) {
  return AwsError("NoSuchEntity", 404, fmt::format("Policy {} was not found.", arn));
}

Status CheckArn(const std::string& arn) {
  if (arn.size() < 20 || arn.rfind("arn:", 0) != 0 || std::count(arn.begin(), arn.end(), ':') < 5) {
    return AwsError("InvalidInput", 400, fmt::format("ARN {} is not valid.", arn));
  }
  return Status::OK();
}

Status NotOwnPolicy(const char* verb) {
  return AwsError("AccessDenied", 403,
                  fmt::format("Cannot {} policies outside your own account.", verb));
}

// `p` (found for `arn`) is the account's own and has `version`.
Status CheckOwnVersion(const ManagedPolicy* p, const std::string& arn, const std::string& version,
                       const char* verb) {
  if (p == nullptr) return NoSuchPolicy(arn);
  if (p->aws_managed) return NotOwnPolicy(verb);
  if (!p->versions.count(version)) {
    return AwsError("NoSuchEntity", 404,
                    fmt::format("Policy {} version {} does not exist.", arn, version));
  }
  return Status::OK();
}

const char* EntityWord(EntityKind kind) { return kind == EntityKind::kUser ? "user" : "group"; }

}  // namespace

const Group* IamService::FindGroup(const std::string& name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : &it->second;
}

const ManagedPolicy* IamService::FindPolicy(const std::string& arn) const {
  if (auto it = policies_.find(arn); it != policies_.end()) return &it->second;
  for (const auto& p : AwsManagedPolicies()) {
    if (p.arn == arn) return &p;
  }
  return nullptr;
}

int IamService::AttachmentCountLocked(const std::string& arn) const {
  int count = 0;
  for (const auto& [name, u] : users_) count += u.attached_policies.count(arn);
  for (const auto& [name, g] : groups_) count += g.attached_policies.count(arn);
  return count;
}

int IamService::AttachmentCount(const std::string& arn) const {
  std::lock_guard lock(mu_);
  return AttachmentCountLocked(arn);
}

Status IamService::WithEntity(EntityKind kind, const std::string& entity,
                              const std::function<Status(std::map<std::string, std::string>&,
                                                         std::set<std::string>&)>& change) {
  if (kind == EntityKind::kUser) {
    const User* found = FindUser(entity);
    if (found == nullptr) return NoSuchUser(entity);
    User u = *found;
    RETURN_IF_ERROR(change(u.inline_policies, u.attached_policies));
    return SaveUser(u);
  }
  const Group* found = FindGroup(entity);
  if (found == nullptr) return NoSuchGroup(entity);
  Group g = *found;
  RETURN_IF_ERROR(change(g.inline_policies, g.attached_policies));
  return SaveGroup(g);
}

Result<IamService::EntityPolicyRefs> IamService::EntityPolicies(EntityKind kind,
                                                               const std::string& entity) const {
  if (kind == EntityKind::kUser) {
    const User* u = FindUser(entity);
    if (u == nullptr) return NoSuchUser(entity);
    return EntityPolicyRefs{&u->inline_policies, &u->attached_policies};
  }
  const Group* g = FindGroup(entity);
  if (g == nullptr) return NoSuchGroup(entity);
  return EntityPolicyRefs{&g->inline_policies, &g->attached_policies};
}

// ---- inline policies ----

Status IamService::PutInlinePolicy(EntityKind kind, const std::string& entity,
                                   const std::string& name, const std::string& document) {
  RETURN_IF_ERROR(CheckName(entity, kind == EntityKind::kUser ? "userName" : "groupName", 128));
  RETURN_IF_ERROR(CheckName(name, "policyName", 128));
  RETURN_IF_ERROR(CheckDocument(document));
  std::lock_guard lock(mu_);
  return WithEntity(kind, entity, [&](auto& inline_policies, auto&) -> Status {
    const size_t limit = kind == EntityKind::kUser ? kMaxUserInlineSize : kMaxGroupInlineSize;
    size_t total = SizeWithoutWhitespace(document);
    for (const auto& [other, doc] : inline_policies) {
      if (other != name) total += SizeWithoutWhitespace(doc);
    }
    if (total > limit) {
      return AwsError("LimitExceeded", 409,
                      fmt::format("Maximum policy size of {} bytes exceeded for {} {}", limit,
                                  EntityWord(kind), entity));
    }
    inline_policies[name] = document;
    return Status::OK();
  });
}

Result<std::string> IamService::GetInlinePolicy(EntityKind kind, const std::string& entity,
                                                const std::string& name) const {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(EntityPolicyRefs refs, EntityPolicies(kind, entity));
  auto it = refs.inline_policies->find(name);
  if (it == refs.inline_policies->end()) {
    return AwsError(
        "NoSuchEntity", 404,
        fmt::format("The {} policy with name {} cannot be found.", EntityWord(kind), name));
  }
  return it->second;
}

Result<Page<std::string>> IamService::ListInlinePolicies(EntityKind kind, const std::string& entity,
                                                         const std::string& marker,
                                                         int max_items) const {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(EntityPolicyRefs refs, EntityPolicies(kind, entity));
  std::vector<std::string> names;
  for (const auto& [name, doc] : *refs.inline_policies) names.push_back(name);
  return Paginate(names, marker, max_items, [](const std::string& n) { return n; });
}

Status IamService::DeleteInlinePolicy(EntityKind kind, const std::string& entity,
                                      const std::string& name) {
  std::lock_guard lock(mu_);
  return WithEntity(kind, entity, [&](auto& inline_policies, auto&) -> Status {
    if (inline_policies.erase(name) == 0) {
      return AwsError(
          "NoSuchEntity", 404,
          fmt::format("The {} policy with name {} cannot be found.", EntityWord(kind), name));
    }
    return Status::OK();
  });
}

// ---- managed policies ----

Result<ManagedPolicy> IamService::CreatePolicy(const std::string& name, const std::string& path,
                                               const std::string& document,
                                               const std::string& description) {
  RETURN_IF_ERROR(CheckName(name, "policyName", 128));
  if (!path.empty()) RETURN_IF_ERROR(CheckPath(path));
  RETURN_IF_ERROR(CheckDocument(document));
  if (SizeWithoutWhitespace(document) > kMaxManagedPolicySize) {
    return AwsError("LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144");
  }
  std::lock_guard lock(mu_);
  for (const auto& [arn, p] : policies_) {
    if (p.name == name) {
      return AwsError("EntityAlreadyExists", 409,
                      fmt::format("A policy called {} already exists. Duplicate names are not "
                                  "allowed.",
                                  name));
    }
  }
  ManagedPolicy p;
  p.name = name;
  p.path = path.empty() ? "/" : path;
  p.id = "ANPA" + Secrets::RandomString(17, kIdAlphabet);
  p.arn = fmt::format("arn:aws:iam::{}:policy{}{}", account_id_, p.path, name);
  p.description = description;
  p.create_date = p.update_date = NowSeconds();
  p.versions["v1"] = PolicyVersion{"v1", document, p.create_date};
  RETURN_IF_ERROR(SavePolicy(p));
  return p;
}

Result<ManagedPolicy> IamService::GetPolicy(const std::string& arn) const {
  RETURN_IF_ERROR(CheckArn(arn));
  std::lock_guard lock(mu_);
  const ManagedPolicy* p = FindPolicy(arn);
  if (p == nullptr) return NoSuchPolicy(arn);
  return *p;
}

Result<Page<ManagedPolicy>> IamService::ListPolicies(const std::string& scope, bool only_attached,
                                                     const std::string& path_prefix,
                                                     const std::string& marker,
                                                     int max_items) const {
  if (scope != "All" && scope != "AWS" && scope != "Local") {
    return Validation(
        "Value at 'scope' failed to satisfy constraint: Member must satisfy enum value set: "
        "[All, AWS, Local]");
  }
  std::lock_guard lock(mu_);
  std::vector<ManagedPolicy> all;
  auto consider = [&](const ManagedPolicy& p) {
    if (!path_prefix.empty() && p.path.rfind(path_prefix, 0) != 0) return;
    if (only_attached && AttachmentCountLocked(p.arn) == 0) return;
    all.push_back(p);
  };
  if (scope != "Local") {
    for (const auto& p : AwsManagedPolicies()) consider(p);
  }
  if (scope != "AWS") {
    for (const auto& [arn, p] : policies_) consider(p);
  }
  // Markers are the ARN of the next policy; sort so that they are ordered.
  std::sort(all.begin(), all.end(),
            [](const ManagedPolicy& a, const ManagedPolicy& b) { return a.arn < b.arn; });
  return Paginate(all, marker, max_items, [](const ManagedPolicy& p) { return p.arn; });
}

Status IamService::DeletePolicy(const std::string& arn) {
  RETURN_IF_ERROR(CheckArn(arn));
  std::lock_guard lock(mu_);
  const ManagedPolicy* p = FindPolicy(arn);
  if (p == nullptr) return NoSuchPolicy(arn);
  if (p->aws_managed) return NotOwnPolicy("delete");
  if (AttachmentCountLocked(arn) > 0) {
    return AwsError("DeleteConflict", 409, "Cannot delete a policy attached to entities.");
  }
  if (p->versions.size() > 1) {
    return AwsError("DeleteConflict", 409,
                    "This policy has more than one version. Before you delete a policy, you must "
                    "delete the policy's versions. The default version is deleted with the "
                    "policy.");
  }
  RETURN_IF_ERROR(store_->Delete("policy", arn));
  policies_.erase(arn);
  PoliciesChanged();
  return Status::OK();
}

Result<PolicyVersion> IamService::CreatePolicyVersion(const std::string& arn,
                                                      const std::string& document,
                                                      bool set_as_default) {
  RETURN_IF_ERROR(CheckArn(arn));
  RETURN_IF_ERROR(CheckDocument(document));
  if (SizeWithoutWhitespace(document) > kMaxManagedPolicySize) {
    return AwsError("LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144");
  }
  std::lock_guard lock(mu_);
  const ManagedPolicy* found = FindPolicy(arn);
  if (found == nullptr) return NoSuchPolicy(arn);
  if (found->aws_managed) return NotOwnPolicy("create versions of");
  if (found->versions.size() >= kMaxPolicyVersions) {
    return AwsError("LimitExceeded", 409,
                    "A managed policy can have up to 5 versions. Before you create a new version, "
                    "you must delete an existing version.");
  }
  ManagedPolicy p = *found;
  PolicyVersion v{fmt::format("v{}", p.next_version++), document, NowSeconds()};
  p.versions[v.id] = v;
  if (set_as_default) p.default_version = v.id;
  p.update_date = v.create_date;
  RETURN_IF_ERROR(SavePolicy(p));
  return v;
}

Result<PolicyVersion> IamService::GetPolicyVersion(const std::string& arn,
                                                   const std::string& version) const {
  RETURN_IF_ERROR(CheckArn(arn));
  std::lock_guard lock(mu_);
  const ManagedPolicy* p = FindPolicy(arn);
  if (p == nullptr) return NoSuchPolicy(arn);
  auto it = p->versions.find(version);
  if (it == p->versions.end()) {
    return AwsError(
        "NoSuchEntity", 404,
        fmt::format("Policy {} version {} does not exist or is not attachable.", arn, version));
  }
  return it->second;
}

Result<std::vector<PolicyVersion>> IamService::ListPolicyVersions(const std::string& arn) const {
  RETURN_IF_ERROR(CheckArn(arn));
  std::lock_guard lock(mu_);
  const ManagedPolicy* p = FindPolicy(arn);
  if (p == nullptr) return NoSuchPolicy(arn);
  std::vector<PolicyVersion> out;
  for (const auto& [id, v] : p->versions) out.push_back(v);
  // Newest first, as AWS lists them.
  std::sort(out.begin(), out.end(), [](const PolicyVersion& a, const PolicyVersion& b) {
    return std::stoi(a.id.substr(1)) > std::stoi(b.id.substr(1));
  });
  return out;
}

Status IamService::DeletePolicyVersion(const std::string& arn, const std::string& version) {
  RETURN_IF_ERROR(CheckArn(arn));
  std::lock_guard lock(mu_);
  const ManagedPolicy* found = FindPolicy(arn);
  RETURN_IF_ERROR(CheckOwnVersion(found, arn, version, "delete versions of"));
  if (found->default_version == version) {
    return AwsError("DeleteConflict", 409, "Cannot delete the default version of a policy.");
  }
  ManagedPolicy p = *found;
  p.versions.erase(version);
  return SavePolicy(p);
}

Status IamService::SetDefaultPolicyVersion(const std::string& arn, const std::string& version) {
  RETURN_IF_ERROR(CheckArn(arn));
  std::lock_guard lock(mu_);
  const ManagedPolicy* found = FindPolicy(arn);
  RETURN_IF_ERROR(CheckOwnVersion(found, arn, version, "change"));
  ManagedPolicy p = *found;
  p.default_version = version;
  p.update_date = NowSeconds();
  return SavePolicy(p);
}

// ---- attachments ----

Status IamService::AttachPolicy(EntityKind kind, const std::string& entity,
                                const std::string& arn) {
  RETURN_IF_ERROR(CheckArn(arn));
  std::lock_guard lock(mu_);
  if (FindPolicy(arn) == nullptr) {
    return AwsError("NoSuchEntity", 404,
                    fmt::format("Policy {} does not exist or is not attachable.", arn));
  }
  return WithEntity(kind, entity, [&](auto&, auto& attached) -> Status {
    if (!attached.count(arn) && attached.size() >= kMaxAttachedPolicies) {
      return AwsError(
          "LimitExceeded", 409,
          fmt::format("Cannot exceed quota for PoliciesPer{}: {}",
                      kind == EntityKind::kUser ? "User" : "Group", kMaxAttachedPolicies));
    }
    attached.insert(arn);
    return Status::OK();
  });
}

Status IamService::DetachPolicy(EntityKind kind, const std::string& entity,
                                const std::string& arn) {
  RETURN_IF_ERROR(CheckArn(arn));
  std::lock_guard lock(mu_);
  return WithEntity(kind, entity, [&](auto&, auto& attached) -> Status {
    if (attached.erase(arn) == 0) return NoSuchPolicy(arn);
    return Status::OK();
  });
}

Result<Page<ManagedPolicy>> IamService::ListAttachedPolicies(EntityKind kind,
                                                             const std::string& entity,
                                                             const std::string& path_prefix,
                                                             const std::string& marker,
                                                             int max_items) const {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(EntityPolicyRefs refs, EntityPolicies(kind, entity));
  std::vector<ManagedPolicy> all;
  for (const auto& arn : *refs.attached) {
    const ManagedPolicy* p = FindPolicy(arn);
    if (p != nullptr && (path_prefix.empty() || p->path.rfind(path_prefix, 0) == 0)) {
      all.push_back(*p);
    }
  }
  return Paginate(all, marker, max_items, [](const ManagedPolicy& p) { return p.arn; });
}

Result<PolicyEntities> IamService::ListEntitiesForPolicy(const std::string& arn) const {
  RETURN_IF_ERROR(CheckArn(arn));
  std::lock_guard lock(mu_);
  if (FindPolicy(arn) == nullptr) return NoSuchPolicy(arn);
  PolicyEntities out;
  for (const auto& [name, u] : users_) {
    if (u.attached_policies.count(arn)) out.users.push_back(u);
  }
  for (const auto& [name, g] : groups_) {
    if (g.attached_policies.count(arn)) out.groups.push_back(g);
  }
  return out;
}

}  // namespace sibyl::iam
