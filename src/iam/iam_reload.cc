// The IAM service on many nodes (issue 15): reloading the state another node changed, and the
// master-key check at start.
#include <spdlog/spdlog.h>

#include "iam/iam_service.h"

namespace sibyl::iam {

bool IamService::ReloadLocked() {
  // Load() fills the maps in place: keep the current state to put back if it fails half-way.
  auto users = std::move(users_);
  auto keys = std::move(keys_);
  auto credentials = std::move(credentials_);
  auto by_login = std::move(credential_by_login_);
  auto groups = std::move(groups_);
  auto policies = std::move(policies_);
  users_.clear();
  keys_.clear();
  credentials_.clear();
  credential_by_login_.clear();
  groups_.clear();
  policies_.clear();
  Status status = Load();
  if (!status.ok()) {
    spdlog::error("Reloading IAM after another node's change failed (retried at next use): {}",
                  status.ToString());
    users_ = std::move(users);
    keys_ = std::move(keys);
    credentials_ = std::move(credentials);
    credential_by_login_ = std::move(by_login);
    groups_ = std::move(groups);
    policies_ = std::move(policies);
    return false;
  }
  // In-memory "last used" notes not persisted yet (persisted at most once a minute) are kept.
  for (auto& [id, key] : keys_) {
    auto old = keys.find(id);
    if (old != keys.end() && old->second.last_used > key.last_used) {
      key.last_used = old->second.last_used;
      key.last_used_service = old->second.last_used_service;
      key.last_used_region = old->second.last_used_region;
    }
  }
  PoliciesChanged();
  return true;
}

Status IamService::CheckMasterKey() const {
  for (const auto& [id, key] : keys_) {
    if (key.sealed_secret.empty()) continue;
    if (!secrets_->Unseal(key.sealed_secret).ok()) {
      return Status(ErrorCode::kInvalidArgument,
                    "the master key " + options_.master_key_path +
                        " cannot open the access keys stored in this cluster: every node must "
                        "use the same key (--master-key-file)");
    }
  }
  return Status::OK();
}

}  // namespace sibyl::iam
