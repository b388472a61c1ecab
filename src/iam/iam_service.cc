#include "iam/iam_service.h"

#include "storage/coordinator.h"  // issue 15

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/clock.h"
#include "iam/crypto.h"
#include "iam/validation.h"

namespace sibyl::iam {

using nlohmann::json;

namespace {

constexpr int kMaxAccessKeysPerUser = 2;
constexpr int kMaxCredentialsPerService = 2;

Status CheckUserName(const std::string& name, const char* field = "userName") {
  return CheckName(name, field);
}

Status CheckCredentialId(const std::string& id) {
  static const std::regex kPattern(R"([\w]+)");
  if (id.size() < 20 || id.size() > 128 || !std::regex_match(id, kPattern)) {
    return Validation(
        "Value at 'serviceSpecificCredentialId' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: [\\w]+");
  }
  return Status::OK();
}

json ToJson(const User& u) {
  return {{"name", u.name},
          {"id", u.id},
          {"path", u.path},
          {"create_date", u.create_date},
          {"tags", u.tags},
          {"inline_policies", u.inline_policies},
          {"attached_policies", u.attached_policies},
          {"groups", u.groups},
          {"console_password_hash", u.console_password_hash},
          {"login_profile_created", u.login_profile_created},
          {"password_reset_required", u.password_reset_required},
          {"password_last_used", u.password_last_used}};
}
User UserFromJson(const json& j) {
  User u;
  u.name = j.value("name", "");
  u.id = j.value("id", "");
  u.path = j.value("path", "/");
  u.create_date = j.value("create_date", int64_t{0});
  u.tags = j.value("tags", std::map<std::string, std::string>{});
  u.inline_policies = j.value("inline_policies", std::map<std::string, std::string>{});
  u.attached_policies = j.value("attached_policies", std::set<std::string>{});
  u.groups = j.value("groups", std::set<std::string>{});
  u.console_password_hash = j.value("console_password_hash", "");
  u.login_profile_created = j.value("login_profile_created", int64_t{0});
  u.password_reset_required = j.value("password_reset_required", false);
  u.password_last_used = j.value("password_last_used", int64_t{0});
  return u;
}
json ToJson(const Group& g) {
  return {{"name", g.name},
          {"id", g.id},
          {"path", g.path},
          {"create_date", g.create_date},
          {"inline_policies", g.inline_policies},
          {"attached_policies", g.attached_policies}};
}
Group GroupFromJson(const json& j) {
  Group g;
  g.name = j.value("name", "");
  g.id = j.value("id", "");
  g.path = j.value("path", "/");
  g.create_date = j.value("create_date", int64_t{0});
  g.inline_policies = j.value("inline_policies", std::map<std::string, std::string>{});
  g.attached_policies = j.value("attached_policies", std::set<std::string>{});
  return g;
}
json ToJson(const ManagedPolicy& p) {
  json versions = json::array();
  for (const auto& [id, v] : p.versions) {
    versions.push_back({{"id", v.id}, {"document", v.document}, {"create_date", v.create_date}});
  }
  return {{"name", p.name},
          {"id", p.id},
          {"arn", p.arn},
          {"path", p.path},
          {"description", p.description},
          {"default_version", p.default_version},
          {"next_version", p.next_version},
          {"create_date", p.create_date},
          {"update_date", p.update_date},
          {"versions", versions}};
}
ManagedPolicy PolicyFromJson(const json& j) {
  ManagedPolicy p;
  p.name = j.value("name", "");
  p.id = j.value("id", "");
  p.arn = j.value("arn", "");
  p.path = j.value("path", "/");
  p.description = j.value("description", "");
  p.default_version = j.value("default_version", "v1");
  p.next_version = j.value("next_version", 2);
  p.create_date = j.value("create_date", int64_t{0});
  p.update_date = j.value("update_date", int64_t{0});
  for (const auto& v : j.value("versions", json::array())) {
    PolicyVersion version{v.value("id", ""), v.value("document", ""),
                          v.value("create_date", int64_t{0})};
    p.versions[version.id] = version;
  }
  return p;
}
json ToJson(const AccessKey& k, const std::string& sealed_hex) {
  return {{"id", k.id},
          {"user_name", k.user_name},
          {"status", k.status},
          {"create_date", k.create_date},
          {"sealed_secret", sealed_hex},
          {"last_used", k.last_used},
          {"last_used_service", k.last_used_service},
          {"last_used_region", k.last_used_region}};
}
json ToJson(const ServiceCredential& c, const std::string& hash_hex) {
  return {{"id", c.id},
          {"user_name", c.user_name},
          {"service_name", c.service_name},
          {"service_user_name", c.service_user_name},
          {"status", c.status},
          {"create_date", c.create_date},
          {"password_hash", hash_hex}};
}

}  // namespace

Result<std::unique_ptr<IamService>> IamService::Open(storage::Engine& engine,
                                                     const IamOptions& options,
                                                     NewAccessKey* new_root_key) {
  std::unique_ptr<IamService> svc(new IamService(engine, options));
  ASSIGN_OR_RETURN(svc->secrets_, Secrets::Open(options.master_key_path));
  ASSIGN_OR_RETURN(svc->store_, IamStore::Open(engine));
  // issue 15: nodes starting together on a new pool must not each make an account and a root
  // key: the state is loaded and completed under the cluster lock (LockForChange).
  ASSIGN_OR_RETURN(auto bootstrap, svc->LockForChange());
  RETURN_IF_ERROR(svc->Load());
  if (options.coordinator != nullptr && options.coordinator->clustered()) {  // issue 15
    RETURN_IF_ERROR(svc->CheckMasterKey());
    svc->store_->SetCoordinator(options.coordinator);
    options.coordinator->Subscribe("iam", [s = svc.get()] {
      s->mu_.MarkStale();
      s->authorization_version_.fetch_add(1);  // cached CQL decisions are re-checked (and reload)
      if (s->mu_.try_lock()) s->mu_.unlock();  // reload now when nobody holds it; never wait
    });
  }
  if (svc->account_id_.empty()) {
    svc->account_id_ = options.account_id.empty()
                           ? Secrets::RandomString(1, "123456789") +
                                 Secrets::RandomString(11, "0123456789")
                           : options.account_id;
    RETURN_IF_ERROR(svc->store_->Put("account", "account",
                                     json{{"account_id", svc->account_id_}}.dump()));
  }
  bool has_root = std::any_of(svc->keys_.begin(), svc->keys_.end(),
                              [](const auto& kv) { return kv.second.user_name.empty(); });
  if (!options.root_access_key_id.empty()) {
    // The configured root key replaces any other root key (like MinIO's root credentials).
    for (auto it = svc->keys_.begin(); it != svc->keys_.end();) {
      if (it->second.user_name.empty() && it->first != options.root_access_key_id) {
        RETURN_IF_ERROR(svc->store_->Delete("key", it->first));
        it = svc->keys_.erase(it);
      } else {
        ++it;
      }
    }
    AccessKey key;
    key.id = options.root_access_key_id;
    key.create_date = NowSeconds();
    key.sealed_secret = svc->secrets_->Seal(options.root_secret_access_key);
    RETURN_IF_ERROR(svc->SaveKey(key));
  } else if (!has_root) {
    AccessKey key;
    key.id = "AKIA" + Secrets::RandomString(16, kIdAlphabet);
    key.create_date = NowSeconds();
    std::string secret = Secrets::NewSecretAccessKey();
    key.sealed_secret = svc->secrets_->Seal(secret);
    RETURN_IF_ERROR(svc->SaveKey(key));
    if (new_root_key != nullptr) *new_root_key = NewAccessKey{key, secret};
  }
  return svc;
}

Result<std::unique_ptr<storage::Coordinator::LockGuard>> IamService::LockForChange() const {
  storage::Coordinator* c = options_.coordinator;
  if (c == nullptr || !c->clustered()) return std::unique_ptr<storage::Coordinator::LockGuard>();
  auto guard = c->LockDdl(std::chrono::seconds(10));
  if (!guard.ok()) {
    return AwsError("ServiceFailure", 500,
                    "Another node holds the cluster's change lock: " + guard.status().message());
  }
  return guard;
}

Status IamService::Load() {
  ASSIGN_OR_RETURN(auto accounts, store_->LoadAll("account"));
  for (const auto& [id, doc] : accounts) {
    auto j = json::parse(doc, nullptr, false);
    if (!j.is_discarded()) account_id_ = j.value("account_id", "");
  }
  ASSIGN_OR_RETURN(auto users, store_->LoadAll("user"));
  for (const auto& [id, doc] : users) {
    auto j = json::parse(doc, nullptr, false);
    if (j.is_discarded()) return Status(ErrorCode::kCorruption, "bad IAM user document");
    User u = UserFromJson(j);
    users_[u.name] = u;
  }
  ASSIGN_OR_RETURN(auto keys, store_->LoadAll("key"));
  for (const auto& [id, doc] : keys) {
    auto j = json::parse(doc, nullptr, false);
    if (j.is_discarded()) return Status(ErrorCode::kCorruption, "bad IAM access key document");
    AccessKey k;
    k.id = j.value("id", "");
    k.user_name = j.value("user_name", "");
    k.status = j.value("status", kActive);
    k.create_date = j.value("create_date", int64_t{0});
    k.sealed_secret = HexDecode(j.value("sealed_secret", ""));
    k.last_used = j.value("last_used", int64_t{0});
    k.last_used_service = j.value("last_used_service", "");
    k.last_used_region = j.value("last_used_region", "");
    keys_[k.id] = k;
  }
  ASSIGN_OR_RETURN(auto creds, store_->LoadAll("credential"));
  for (const auto& [id, doc] : creds) {
    auto j = json::parse(doc, nullptr, false);
    if (j.is_discarded()) return Status(ErrorCode::kCorruption, "bad IAM credential document");
    ServiceCredential c;
    c.id = j.value("id", "");
    c.user_name = j.value("user_name", "");
    c.service_name = j.value("service_name", "");
    c.service_user_name = j.value("service_user_name", "");
    c.status = j.value("status", kActive);
    c.create_date = j.value("create_date", int64_t{0});
    c.password_hash = HexDecode(j.value("password_hash", ""));
    credentials_[c.id] = c;
    credential_by_login_[c.service_user_name] = c.id;
  }
  ASSIGN_OR_RETURN(auto groups, store_->LoadAll("group"));
  for (const auto& [id, doc] : groups) {
    auto j = json::parse(doc, nullptr, false);
    if (j.is_discarded()) return Status(ErrorCode::kCorruption, "bad IAM group document");
    Group g = GroupFromJson(j);
    groups_[g.name] = g;
  }
  ASSIGN_OR_RETURN(auto policies, store_->LoadAll("policy"));
  for (const auto& [id, doc] : policies) {
    auto j = json::parse(doc, nullptr, false);
    if (j.is_discarded()) return Status(ErrorCode::kCorruption, "bad IAM policy document");
    ManagedPolicy p = PolicyFromJson(j);
    policies_[p.arn] = p;
  }
  return Status::OK();
}

Status IamService::StoreUser(const User& user) {
  RETURN_IF_ERROR(store_->Put("user", user.name, ToJson(user).dump()));
  users_[user.name] = user;
  return Status::OK();
}

Status IamService::SaveUser(const User& user) {
  RETURN_IF_ERROR(StoreUser(user));
  PoliciesChanged();
  return Status::OK();
}

Status IamService::SaveGroup(const Group& group) {
  RETURN_IF_ERROR(store_->Put("group", group.name, ToJson(group).dump()));
  groups_[group.name] = group;
  PoliciesChanged();
  return Status::OK();
}

Status IamService::SavePolicy(const ManagedPolicy& policy) {
  RETURN_IF_ERROR(store_->Put("policy", policy.arn, ToJson(policy).dump()));
  policies_[policy.arn] = policy;
  PoliciesChanged();
  return Status::OK();
}

Status IamService::SaveKey(const AccessKey& key) {
  RETURN_IF_ERROR(store_->Put("key", key.id, ToJson(key, HexEncode(key.sealed_secret)).dump()));
  keys_[key.id] = key;
  return Status::OK();
}

Status IamService::SaveCredential(const ServiceCredential& c) {
  RETURN_IF_ERROR(store_->Put("credential", c.id, ToJson(c, HexEncode(c.password_hash)).dump()));
  credentials_[c.id] = c;
  credential_by_login_[c.service_user_name] = c.id;
  return Status::OK();
}

const User* IamService::FindUser(const std::string& name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

std::string IamService::UserArn(const User& user) const {
  return fmt::format("arn:aws:iam::{}:user{}{}", account_id_, user.path, user.name);
}

std::string IamService::RootArn() const { return fmt::format("arn:aws:iam::{}:root", account_id_); }

Principal IamService::PrincipalOf(const std::string& user_name) const {
  if (user_name.empty()) return Principal{"", account_id_, RootArn()};
  const User* u = FindUser(user_name);
  return Principal{user_name, u ? u->id : "", u ? UserArn(*u) : ""};
}

// ---- users ----

Result<User> IamService::CreateUser(const std::string& name, const std::string& path) {
  RETURN_IF_ERROR(CheckUserName(name));
  if (!path.empty()) RETURN_IF_ERROR(CheckPath(path));
  std::lock_guard lock(mu_);
  for (const auto& [existing, u] : users_) {
    if (Lower(existing) == Lower(name)) {
      return AwsError("EntityAlreadyExists", 409,
                      fmt::format("User with name {} already exists.", name));
    }
  }
  User u;
  u.name = name;
  u.path = path.empty() ? "/" : path;
  u.id = "AIDA" + Secrets::RandomString(17, kIdAlphabet);
  u.create_date = NowSeconds();
  RETURN_IF_ERROR(SaveUser(u));
  return u;
}

Result<User> IamService::GetUser(const std::string& name) const {
  std::lock_guard lock(mu_);
  const User* u = FindUser(name);
  if (u == nullptr) return NoSuchUser(name);
  return *u;
}

Result<Page<User>> IamService::ListUsers(const std::string& path_prefix, const std::string& marker,
                                         int max_items) const {
  std::lock_guard lock(mu_);
  std::vector<User> all;
  for (const auto& [name, u] : users_) {
    if (path_prefix.empty() || u.path.rfind(path_prefix, 0) == 0) all.push_back(u);
  }
  return Paginate(all, marker, max_items, [](const User& u) { return u.name; });
}

Status IamService::UpdateUser(const std::string& name, const std::optional<std::string>& new_name,
                              const std::optional<std::string>& new_path) {
  if (new_name) RETURN_IF_ERROR(CheckUserName(*new_name, "newUserName"));
  if (new_path) RETURN_IF_ERROR(CheckPath(*new_path, "newPath"));
  std::lock_guard lock(mu_);
  const User* found = FindUser(name);
  if (found == nullptr) return NoSuchUser(name);
  User u = *found;
  if (new_path) u.path = *new_path;
  if (new_name && *new_name != name) {
    for (const auto& [existing, other] : users_) {
      if (Lower(existing) == Lower(*new_name) && existing != name) {
        return AwsError("EntityAlreadyExists", 409,
                        fmt::format("User with name {} already exists.", *new_name));
      }
    }
    // Renaming keeps the user's keys and credentials (service user names stay valid).
    u.name = *new_name;
    RETURN_IF_ERROR(SaveUser(u));
    for (auto& [id, k] : keys_) {
      if (k.user_name == name) {
        AccessKey moved = k;
        moved.user_name = *new_name;
        RETURN_IF_ERROR(SaveKey(moved));
      }
    }
    for (auto& [id, c] : credentials_) {
      if (c.user_name == name) {
        ServiceCredential moved = c;
        moved.user_name = *new_name;
        RETURN_IF_ERROR(SaveCredential(moved));
      }
    }
    RETURN_IF_ERROR(store_->Delete("user", name));
    users_.erase(name);
    PoliciesChanged();
    return Status::OK();
  }
  return SaveUser(u);
}

Status IamService::DeleteUser(const std::string& name) {
  std::lock_guard lock(mu_);
  if (FindUser(name) == nullptr) return NoSuchUser(name);
  for (const auto& [id, k] : keys_) {
    if (k.user_name == name) {
      return AwsError("DeleteConflict", 409, "Cannot delete entity, must delete access keys first.");
    }
  }
  for (const auto& [id, c] : credentials_) {
    if (c.user_name == name) {
      return AwsError("DeleteConflict", 409,
                      "Cannot delete entity, must remove referenced objects first.");
    }
  }
  const User& user = *FindUser(name);
  if (!user.console_password_hash.empty()) {
    return AwsError("DeleteConflict", 409, "Cannot delete entity, must delete login profile first.");
  }
  if (!user.inline_policies.empty()) {
    return AwsError("DeleteConflict", 409, "Cannot delete entity, must delete policies first.");
  }
  if (!user.attached_policies.empty()) {
    return AwsError("DeleteConflict", 409, "Cannot delete entity, must detach all policies first.");
  }
  if (!user.groups.empty()) {
    return AwsError("DeleteConflict", 409,
                    "Cannot delete entity, must remove users from group first.");
  }
  RETURN_IF_ERROR(store_->Delete("user", name));
  users_.erase(name);
  PoliciesChanged();
  return Status::OK();
}

Status IamService::TagUser(const std::string& name,
                           const std::map<std::string, std::string>& tags) {
  for (const auto& [key, value] : tags) RETURN_IF_ERROR(CheckTag(key, value));
  std::lock_guard lock(mu_);
  const User* found = FindUser(name);
  if (found == nullptr) return NoSuchUser(name);
  User u = *found;
  for (const auto& [key, value] : tags) u.tags[key] = value;
  if (u.tags.size() > 50) {
    return AwsError("LimitExceeded", 409, "Cannot exceed quota for TagsPerUser: 50");
  }
  return SaveUser(u);
}

Status IamService::UntagUser(const std::string& name, const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  const User* found = FindUser(name);
  if (found == nullptr) return NoSuchUser(name);
  User u = *found;
  for (const auto& key : keys) u.tags.erase(key);
  return SaveUser(u);
}

// ---- access keys ----

Result<NewAccessKey> IamService::CreateAccessKey(const std::string& user_name) {
  std::lock_guard lock(mu_);
  if (!user_name.empty() && FindUser(user_name) == nullptr) return NoSuchUser(user_name);
  int count = 0;
  for (const auto& [id, k] : keys_) count += k.user_name == user_name;
  if (count >= kMaxAccessKeysPerUser) {
    return AwsError("LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2");
  }
  AccessKey key;
  key.id = "AKIA" + Secrets::RandomString(16, kIdAlphabet);
  key.user_name = user_name;
  key.create_date = NowSeconds();
  std::string secret = Secrets::NewSecretAccessKey();
  key.sealed_secret = secrets_->Seal(secret);
  RETURN_IF_ERROR(SaveKey(key));
  return NewAccessKey{key, secret};
}

Result<Page<AccessKey>> IamService::ListAccessKeys(const std::string& user_name,
                                                   const std::string& marker, int max_items) const {
  std::lock_guard lock(mu_);
  if (!user_name.empty() && FindUser(user_name) == nullptr) return NoSuchUser(user_name);
  std::vector<AccessKey> all;
  for (const auto& [id, k] : keys_) {
    if (k.user_name == user_name) all.push_back(k);
  }
  return Paginate(all, marker, max_items, [](const AccessKey& k) { return k.id; });
}

Status IamService::UpdateAccessKey(const std::string& user_name, const std::string& key_id,
                                   const std::string& status) {
  RETURN_IF_ERROR(CheckStatus(status));
  std::lock_guard lock(mu_);
  if (!user_name.empty() && FindUser(user_name) == nullptr) return NoSuchUser(user_name);
  auto it = keys_.find(key_id);
  if (it == keys_.end() || it->second.user_name != user_name) {
    return AwsError("NoSuchEntity", 404,
                    fmt::format("The Access Key with id {} cannot be found.", key_id));
  }
  AccessKey k = it->second;
  k.status = status;
  return SaveKey(k);
}

Status IamService::DeleteAccessKey(const std::string& user_name, const std::string& key_id) {
  std::lock_guard lock(mu_);
  if (!user_name.empty() && FindUser(user_name) == nullptr) return NoSuchUser(user_name);
  auto it = keys_.find(key_id);
  if (it == keys_.end() || it->second.user_name != user_name) {
    return AwsError("NoSuchEntity", 404,
                    fmt::format("The Access Key with id {} cannot be found.", key_id));
  }
  RETURN_IF_ERROR(store_->Delete("key", key_id));
  keys_.erase(it);
  return Status::OK();
}

Result<AccessKey> IamService::GetAccessKey(const std::string& key_id) const {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) {
    return AwsError("NoSuchEntity", 404,
                    fmt::format("The Access Key with id {} cannot be found.", key_id));
  }
  return it->second;
}

// ---- service-specific credentials ----

namespace {

Status CheckService(const std::string& service_name) {
  if (service_name != kCassandraService) {
    return AwsError("NoSuchEntity", 404,
                    fmt::format("No such service {} is supported for Service Specific Credentials",
                                service_name));
  }
  return Status::OK();
}

}  // namespace

Result<NewServiceCredential> IamService::CreateServiceSpecificCredential(
    const std::string& user_name, const std::string& service_name) {
  RETURN_IF_ERROR(CheckUserName(user_name));
  std::lock_guard lock(mu_);
  if (FindUser(user_name) == nullptr) return NoSuchUser(user_name);
  RETURN_IF_ERROR(CheckService(service_name));
  int count = 0;
  bool base_name_taken = false;
  std::string base = fmt::format("{}-at-{}", user_name, account_id_);
  for (const auto& [id, c] : credentials_) {
    if (c.user_name == user_name && c.service_name == service_name) ++count;
    if (c.service_user_name == base) base_name_taken = true;
  }
  if (count >= kMaxCredentialsPerService) {
    return AwsError("LimitExceeded", 409,
                    "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2");
  }
  ServiceCredential c;
  c.id = "ACCA" + Secrets::RandomString(17, kIdAlphabet);
  c.user_name = user_name;
  c.service_name = service_name;
  // The second credential of a user is "<user>+1-at-<account>", as AWS names them.
  c.service_user_name = base_name_taken ? fmt::format("{}+1-at-{}", user_name, account_id_) : base;
  c.create_date = NowSeconds();
  std::string password = Secrets::NewServicePassword();
  c.password_hash = secrets_->HashPassword(password);
  RETURN_IF_ERROR(SaveCredential(c));
  return NewServiceCredential{c, password};
}

Result<Page<ServiceCredential>> IamService::ListServiceSpecificCredentials(
    const std::optional<std::string>& user_name, const std::string& service_name) const {
  std::lock_guard lock(mu_);
  if (user_name && FindUser(*user_name) == nullptr) return NoSuchUser(*user_name);
  if (!service_name.empty()) RETURN_IF_ERROR(CheckService(service_name));
  Page<ServiceCredential> page;
  for (const auto& [id, c] : credentials_) {
    if ((!user_name || c.user_name == *user_name) &&
        (service_name.empty() || c.service_name == service_name)) {
      page.items.push_back(c);
    }
  }
  return page;
}

Result<std::map<std::string, ServiceCredential>::iterator> IamService::FindCredential(
    const std::string& user_name, const std::string& credential_id) {
  // AWS checks the id first, then the user, then that the credential is the user's.
  auto it = credentials_.find(credential_id);
  if (it == credentials_.end()) {
    return AwsError("NoSuchEntity", 404, fmt::format("No such credential {} exists", credential_id));
  }
  if (FindUser(user_name) == nullptr) return NoSuchUser(user_name);
  if (it->second.user_name != user_name) {
    return AwsError("NoSuchEntity", 404, fmt::format("No such credential {} exists", credential_id));
  }
  return it;
}

Result<NewServiceCredential> IamService::ResetServiceSpecificCredential(
    const std::string& user_name, const std::string& credential_id) {
  RETURN_IF_ERROR(CheckCredentialId(credential_id));
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(auto it, FindCredential(user_name, credential_id));
  // Reset keeps id, dates and status; only the password changes, and the old one stops working
  // at once.
  ServiceCredential c = it->second;
  std::string password = Secrets::NewServicePassword();
  c.password_hash = secrets_->HashPassword(password);
  RETURN_IF_ERROR(SaveCredential(c));
  return NewServiceCredential{c, password};
}

Status IamService::UpdateServiceSpecificCredential(const std::string& user_name,
                                                   const std::string& credential_id,
                                                   const std::string& status) {
  RETURN_IF_ERROR(CheckCredentialId(credential_id));
  RETURN_IF_ERROR(CheckStatus(status));
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(auto it, FindCredential(user_name, credential_id));
  ServiceCredential c = it->second;
  c.status = status;
  return SaveCredential(c);
}

Status IamService::DeleteServiceSpecificCredential(const std::string& user_name,
                                                   const std::string& credential_id) {
  RETURN_IF_ERROR(CheckCredentialId(credential_id));
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(auto it, FindCredential(user_name, credential_id));
  RETURN_IF_ERROR(store_->Delete("credential", credential_id));
  credential_by_login_.erase(it->second.service_user_name);
  credentials_.erase(it);
  return Status::OK();
}

// ---- authentication ----

Result<std::pair<Principal, std::string>> IamService::ResolveAccessKey(
    const std::string& key_id) const {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end() || it->second.status != kActive ||
      (!it->second.user_name.empty() && FindUser(it->second.user_name) == nullptr)) {
    return AwsError("InvalidClientTokenId", 403,
                    "The security token included in the request is invalid.");
  }
  ASSIGN_OR_RETURN(std::string secret, secrets_->Unseal(it->second.sealed_secret));
  return std::make_pair(PrincipalOf(it->second.user_name), std::move(secret));
}

void IamService::RecordAccessKeyUse(const std::string& key_id, const std::string& service,
                                    const std::string& region) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return;
  int64_t now = NowSeconds();
  bool persist = now - it->second.last_used >= 60 || it->second.last_used_service != service ||
                 it->second.last_used_region != region;
  AccessKey k = it->second;
  k.last_used = now;
  k.last_used_service = service;
  k.last_used_region = region;
  if (persist) {
    // Best effort: a failed write only loses the last-used date.
    SaveKey(k).IgnoreError();
  } else {
    it->second = k;
  }
}

Result<Principal> IamService::AuthenticateServicePassword(const std::string& service_user_name,
                                                          const std::string& password) const {
  std::lock_guard lock(mu_);
  auto login = credential_by_login_.find(service_user_name);
  if (login != credential_by_login_.end()) {
    const ServiceCredential& c = credentials_.at(login->second);
    if (c.status == kActive && FindUser(c.user_name) != nullptr &&
        secrets_->VerifyPassword(password, c.password_hash)) {
      return PrincipalOf(c.user_name);
    }
  }
  return Status(ErrorCode::kBadCredentials,
                fmt::format("Provided username {} and/or password are incorrect", service_user_name));
}

}  // namespace sibyl::iam
