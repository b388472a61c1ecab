// IamService: console passwords (login profiles), stored as Argon2id hashes, with AWS's errors.
#include <fmt/format.h>

#include "common/clock.h"
#include "iam/iam_service.h"
#include "iam/validation.h"

namespace sibyl::iam {
namespace {

Status CheckPassword(const std::string& password) {
  if (password.size() < 8) {
    return AwsError("PasswordPolicyViolation", 400,
                    "Password should have a minimum length of 8");
  }
  if (password.size() > 128) {
    return Validation(
        "Value at 'password' failed to satisfy constraint: Member must have length less than or "
        "equal to 128");
  }
  return Status::OK();
}

Status NoLoginProfile(const std::string& user) {
  return AwsError("NoSuchEntity", 404,
                  fmt::format("Login Profile for User {} cannot be found.", user));
}

}  // namespace

Status IamService::CreateLoginProfile(const std::string& user, const std::string& password,
                                      bool reset_required) {
  RETURN_IF_ERROR(CheckName(user, "userName"));
  RETURN_IF_ERROR(CheckPassword(password));
  std::string hash = Secrets::HashConsolePassword(password);  // slow: outside the lock
  std::lock_guard lock(mu_);
  const User* found = FindUser(user);
  if (found == nullptr) return NoSuchUser(user);
  if (!found->console_password_hash.empty()) {
    return AwsError("EntityAlreadyExists", 409,
                    fmt::format("Login Profile for user {} already exists.", user));
  }
  User u = *found;
  u.console_password_hash = hash;
  u.login_profile_created = NowSeconds();
  u.password_reset_required = reset_required;
  return StoreUser(u);
}

Result<User> IamService::GetLoginProfile(const std::string& user) const {
  std::lock_guard lock(mu_);
  const User* u = FindUser(user);
  if (u == nullptr) return NoSuchUser(user);
  if (u->console_password_hash.empty()) return NoLoginProfile(user);
  return *u;
}

bool IamService::AnyLoginProfile() const {
  std::lock_guard lock(mu_);
  for (const auto& [name, u] : users_) {
    if (!u.console_password_hash.empty()) return true;
  }
  return false;
}

Status IamService::UpdateLoginProfile(const std::string& user,
                                      const std::optional<std::string>& password,
                                      std::optional<bool> reset_required) {
  std::string hash;
  if (password) {
    RETURN_IF_ERROR(CheckPassword(*password));
    hash = Secrets::HashConsolePassword(*password);
  }
  std::lock_guard lock(mu_);
  const User* found = FindUser(user);
  if (found == nullptr) return NoSuchUser(user);
  if (found->console_password_hash.empty()) return NoLoginProfile(user);
  User u = *found;
  if (password) u.console_password_hash = hash;
  if (reset_required) u.password_reset_required = *reset_required;
  return StoreUser(u);
}

Status IamService::DeleteLoginProfile(const std::string& user) {
  std::lock_guard lock(mu_);
  const User* found = FindUser(user);
  if (found == nullptr) return NoSuchUser(user);
  if (found->console_password_hash.empty()) return NoLoginProfile(user);
  User u = *found;
  u.console_password_hash.clear();
  u.login_profile_created = 0;
  u.password_reset_required = false;
  return StoreUser(u);
}

Status IamService::ChangePassword(const std::string& user, const std::string& old_password,
                                  const std::string& new_password) {
  if (user.empty()) {
    return AwsError("InvalidUserType", 400, "The root user cannot change its password here.");
  }
  RETURN_IF_ERROR(CheckPassword(new_password));
  std::string old_hash;
  {
    std::lock_guard lock(mu_);
    const User* u = FindUser(user);
    if (u == nullptr) return NoSuchUser(user);
    if (u->console_password_hash.empty()) return NoLoginProfile(user);
    old_hash = u->console_password_hash;
  }
  if (!Secrets::VerifyConsolePassword(old_password, old_hash)) {
    return AwsError("InvalidInput", 400, "The old password was incorrect.");
  }
  std::string hash = Secrets::HashConsolePassword(new_password);
  std::lock_guard lock(mu_);
  const User* found = FindUser(user);
  if (found == nullptr) return NoSuchUser(user);
  User u = *found;
  u.console_password_hash = hash;
  u.password_reset_required = false;
  return StoreUser(u);
}

Result<Principal> IamService::AuthenticateConsolePassword(const std::string& user,
                                                          const std::string& password) {
  std::string hash;
  {
    std::lock_guard lock(mu_);
    if (const User* u = FindUser(user)) hash = u->console_password_hash;
  }
  // The same answer for an unknown user, a user without a console password and a wrong
  // password, so that sign-in does not reveal which users exist.
  Status refused = AwsError("AccessDenied", 403, "Your authentication information is incorrect.");
  if (hash.empty()) {
    Secrets::HashConsolePassword(password);  // spend the same time as a real check
    return refused;
  }
  if (!Secrets::VerifyConsolePassword(password, hash)) return refused;
  std::lock_guard lock(mu_);
  const User* found = FindUser(user);
  if (found == nullptr) return refused;
  User u = *found;
  u.password_last_used = NowSeconds();
  // Best effort: failing to note the date does not refuse the sign-in.
  StoreUser(u).IgnoreError();
  return PrincipalOf(user);
}

}  // namespace sibyl::iam
