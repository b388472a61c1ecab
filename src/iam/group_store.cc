// IamService: groups and their members, with AWS's limits and error texts
// (shared/reference/keyspaces-iam.md §2.1). Membership is kept on the user (its `groups`), so
// that a user's policy set is found from the user alone.
#include <fmt/format.h>

#include "common/clock.h"
#include "iam/iam_service.h"
#include "iam/secrets.h"
#include "iam/validation.h"

namespace sibyl::iam {
namespace {

constexpr size_t kMaxGroupsPerUser = 10;

}  // namespace

std::string IamService::GroupArn(const Group& group) const {
  return fmt::format("arn:aws:iam::{}:group{}{}", account_id_, group.path, group.name);
}

Result<std::string> IamService::EntityArn(EntityKind kind, const std::string& name) const {
  std::lock_guard lock(mu_);
  if (kind == EntityKind::kUser) {
    const User* u = FindUser(name);
    if (u == nullptr) return NoSuchUser(name);
    return UserArn(*u);
  }
  const Group* g = FindGroup(name);
  if (g == nullptr) return NoSuchGroup(name);
  return GroupArn(*g);
}

Result<Group> IamService::CreateGroup(const std::string& name, const std::string& path) {
  RETURN_IF_ERROR(CheckName(name, "groupName", 128));
  if (!path.empty()) RETURN_IF_ERROR(CheckPath(path));
  std::lock_guard lock(mu_);
  for (const auto& [existing, g] : groups_) {
    if (Lower(existing) == Lower(name)) {
      return AwsError("EntityAlreadyExists", 409,
                      fmt::format("Group with name {} already exists.", name));
    }
  }
  Group g;
  g.name = name;
  g.path = path.empty() ? "/" : path;
  g.id = "AGPA" + Secrets::RandomString(17, kIdAlphabet);
  g.create_date = NowSeconds();
  RETURN_IF_ERROR(SaveGroup(g));
  return g;
}

Result<GroupWithUsers> IamService::GetGroup(const std::string& name) const {
  std::lock_guard lock(mu_);
  const Group* g = FindGroup(name);
  if (g == nullptr) return NoSuchGroup(name);
  GroupWithUsers out{*g, {}};
  for (const auto& [user_name, u] : users_) {
    if (u.groups.count(name)) out.users.push_back(u);
  }
  return out;
}

Result<Page<Group>> IamService::ListGroups(const std::string& path_prefix,
                                           const std::string& marker, int max_items) const {
  std::lock_guard lock(mu_);
  std::vector<Group> all;
  for (const auto& [name, g] : groups_) {
    if (path_prefix.empty() || g.path.rfind(path_prefix, 0) == 0) all.push_back(g);
  }
  return Paginate(all, marker, max_items, [](const Group& g) { return g.name; });
}

Status IamService::DeleteGroup(const std::string& name) {
  std::lock_guard lock(mu_);
  const Group* g = FindGroup(name);
  if (g == nullptr) return NoSuchGroup(name);
  for (const auto& [user_name, u] : users_) {
    if (u.groups.count(name)) {
      return AwsError("DeleteConflict", 409,
                      "Cannot delete entity, must remove users from group first.");
    }
  }
  if (!g->inline_policies.empty()) {
    return AwsError("DeleteConflict", 409, "Cannot delete entity, must delete policies first.");
  }
  if (!g->attached_policies.empty()) {
    return AwsError("DeleteConflict", 409, "Cannot delete entity, must detach all policies first.");
  }
  RETURN_IF_ERROR(store_->Delete("group", name));
  groups_.erase(name);
  PoliciesChanged();
  return Status::OK();
}

Status IamService::AddUserToGroup(const std::string& group, const std::string& user) {
  RETURN_IF_ERROR(CheckName(group, "groupName", 128));
  RETURN_IF_ERROR(CheckName(user, "userName"));
  std::lock_guard lock(mu_);
  if (FindGroup(group) == nullptr) return NoSuchGroup(group);
  const User* found = FindUser(user);
  if (found == nullptr) return NoSuchUser(user);
  if (found->groups.count(group)) return Status::OK();  // AWS: adding twice is not an error
  if (found->groups.size() >= kMaxGroupsPerUser) {
    return AwsError("LimitExceeded", 409, "Cannot exceed quota for GroupsPerUser: 10");
  }
  User u = *found;
  u.groups.insert(group);
  return SaveUser(u);
}

Status IamService::RemoveUserFromGroup(const std::string& group, const std::string& user) {
  std::lock_guard lock(mu_);
  if (FindGroup(group) == nullptr) return NoSuchGroup(group);
  const User* found = FindUser(user);
  if (found == nullptr || !found->groups.count(group)) return NoSuchUser(user);
  User u = *found;
  u.groups.erase(group);
  return SaveUser(u);
}

Result<Page<Group>> IamService::ListGroupsForUser(const std::string& user,
                                                  const std::string& marker, int max_items) const {
  std::lock_guard lock(mu_);
  const User* u = FindUser(user);
  if (u == nullptr) return NoSuchUser(user);
  std::vector<Group> all;
  for (const auto& name : u->groups) {
    if (const Group* g = FindGroup(name)) all.push_back(*g);
  }
  return Paginate(all, marker, max_items, [](const Group& g) { return g.name; });
}

}  // namespace sibyl::iam
