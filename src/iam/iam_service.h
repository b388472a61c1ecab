#pragma once
// IamService: users, access keys and service-specific credentials with AWS IAM's semantics,
// validation and error codes (shared/reference/keyspaces-iam.md §1). The IAM Query API, the
// console and CQL logins all call this one service. Thread-safe: a mutex serializes changes;
// every change is durable before it is visible.
//
// Errors are kAwsError Statuses whose AwsErrorDetail carries the AWS code and HTTP status
// (NoSuchEntity 404, EntityAlreadyExists 409, LimitExceeded 409, DeleteConflict 409,
// ValidationError 400), with AWS's message texts.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "iam/iam_store.h"
#include "iam/model.h"
#include "iam/secrets.h"

namespace sibyl::storage {
class Engine;
}

namespace sibyl::iam {

struct IamOptions {
  // Default: a random 12-digit id made at first start and kept.
  std::string account_id;
  // Default: us-east-1.
  std::string region = "us-east-1";
  // When set (SIBYL_ROOT_ACCESS_KEY_ID / SIBYL_ROOT_SECRET_ACCESS_KEY), the root key to install.
  std::string root_access_key_id;
  std::string root_secret_access_key;
  // Where the master key lives (outside the database files).
  std::string master_key_path;
};

// One page of a List* operation.
template <typename T>
struct Page {
  std::vector<T> items;
  bool is_truncated = false;
  std::string marker;  // where the next page starts, when truncated
};

// A new access key or credential, with its secret: returned once, never stored in clear.
struct NewAccessKey {
  AccessKey key;
  std::string secret;
};
struct NewServiceCredential {
  ServiceCredential credential;
  std::string password;
};

// Who a request or login is: a user, or the account root.
struct Principal {
  std::string user_name;  // empty for root
  std::string user_id;
  std::string arn;        // arn:aws:iam::<account>:user/<name> or arn:aws:iam::<account>:root
  bool is_root() const { return user_name.empty(); }
};

class IamService {
 public:
  // Loads the IAM state, making the account and the root key on first start. When a root key
  // was generated, `*new_root_secret` receives it (to show once); otherwise it is left empty.
  static Result<std::unique_ptr<IamService>> Open(storage::Engine& engine, const IamOptions& options,
                                                  NewAccessKey* new_root_key);

  const std::string& account_id() const { return account_id_; }
  const std::string& region() const { return options_.region; }
  std::string UserArn(const User& user) const;
  std::string RootArn() const;

  // ---- users ----
  Result<User> CreateUser(const std::string& name, const std::string& path);
  Result<User> GetUser(const std::string& name) const;
  Result<Page<User>> ListUsers(const std::string& path_prefix, const std::string& marker,
                               int max_items) const;
  Status UpdateUser(const std::string& name, const std::optional<std::string>& new_name,
                    const std::optional<std::string>& new_path);
  Status DeleteUser(const std::string& name);

  // ---- access keys (user_name empty: the caller's own, decided by the API layer) ----
  Result<NewAccessKey> CreateAccessKey(const std::string& user_name);
  Result<Page<AccessKey>> ListAccessKeys(const std::string& user_name, const std::string& marker,
                                         int max_items) const;
  Status UpdateAccessKey(const std::string& user_name, const std::string& key_id,
                         const std::string& status);
  Status DeleteAccessKey(const std::string& user_name, const std::string& key_id);
  Result<AccessKey> GetAccessKey(const std::string& key_id) const;

  // ---- service-specific credentials ----
  Result<NewServiceCredential> CreateServiceSpecificCredential(const std::string& user_name,
                                                               const std::string& service_name);
  Result<Page<ServiceCredential>> ListServiceSpecificCredentials(
      const std::string& user_name, const std::string& service_name) const;
  Result<NewServiceCredential> ResetServiceSpecificCredential(const std::string& user_name,
                                                              const std::string& credential_id);
  Status UpdateServiceSpecificCredential(const std::string& user_name,
                                         const std::string& credential_id,
                                         const std::string& status);
  Status DeleteServiceSpecificCredential(const std::string& user_name,
                                         const std::string& credential_id);

  // ---- authentication ----
  // The principal and secret of an Active access key; kAwsError InvalidClientTokenId otherwise.
  Result<std::pair<Principal, std::string>> ResolveAccessKey(const std::string& key_id) const;
  // Notes that an access key was used (GetAccessKeyLastUsed). Kept in memory at once and
  // persisted at most once a minute per key, so that a busy key costs no write per request.
  void RecordAccessKeyUse(const std::string& key_id, const std::string& service,
                          const std::string& region);

  // A CQL PLAIN login with a service-specific credential: the principal when the name and
  // password match an Active credential of an existing user; kBadCredentials otherwise.
  Result<Principal> AuthenticateServicePassword(const std::string& service_user_name,
                                                const std::string& password) const;

 private:
  IamService(storage::Engine& engine, IamOptions options) : options_(std::move(options)) {}

  Status Load();
  Status SaveUser(const User& user);
  Status SaveKey(const AccessKey& key);
  Status SaveCredential(const ServiceCredential& credential);
  const User* FindUser(const std::string& name) const;  // REQUIRES: mu_ held
  // The credential `credential_id` of `user_name`, or NoSuchEntity. REQUIRES: mu_ held.
  Result<std::map<std::string, ServiceCredential>::iterator> FindCredential(
      const std::string& user_name, const std::string& credential_id);
  Principal PrincipalOf(const std::string& user_name) const;  // REQUIRES: mu_ held

  IamOptions options_;
  std::string account_id_;
  std::unique_ptr<Secrets> secrets_;
  std::unique_ptr<IamStore> store_;

  mutable std::mutex mu_;
  std::map<std::string, User> users_;                     // GUARDED_BY(mu_), by name
  std::map<std::string, AccessKey> keys_;                 // GUARDED_BY(mu_), by id
  std::map<std::string, ServiceCredential> credentials_;  // GUARDED_BY(mu_), by id
  std::map<std::string, std::string> credential_by_login_;  // GUARDED_BY(mu_): service user name -> id
};

}  // namespace sibyl::iam
