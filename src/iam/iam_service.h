#pragma once
// IamService: users, access keys and service-specific credentials with AWS IAM's semantics,
// validation and error codes (shared/reference/keyspaces-iam.md §1). The IAM Query API, the
// console and CQL logins all call this one service. Thread-safe: a mutex serializes changes;
// every change is durable before it is visible.
//
// Errors are kAwsError Statuses whose AwsErrorDetail carries the AWS code and HTTP status
// (NoSuchEntity 404, EntityAlreadyExists 409, LimitExceeded 409, DeleteConflict 409,
// ValidationError 400), with AWS's message texts.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/coordinator.h"  // issue 15: LockForChange
#include "iam/iam_store.h"
#include "iam/login_brake.h"
#include "iam/model.h"
#include "iam/policy.h"
#include "iam/refreshing_mutex.h"  // issue 15
#include "iam/secrets.h"

namespace sibyl::storage {
class Coordinator;
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
  // Many nodes (issue 15): with a clustered coordinator, every change publishes "iam" before it
  // returns and another node's change marks this node's state stale (reloaded at its next use);
  // Open refuses a master key that cannot open the stored access keys. Null: one node.
  // Not owned; outlives the service.
  storage::Coordinator* coordinator = nullptr;
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

// Who holds an inline policy or an attachment.
enum class EntityKind : uint8_t { kUser, kGroup };

// A group and its members (GetGroup).
struct GroupWithUsers {
  Group group;
  std::vector<User> users;
};

// Who a managed policy is attached to (ListEntitiesForPolicy).
struct PolicyEntities {
  std::vector<User> users;
  std::vector<Group> groups;
};

// One policy that takes part in a principal's decisions, and where it comes from.
struct SourcedPolicy {
  std::string source_id;    // the inline policy's name or the managed policy's ARN
  std::string source_type;  // SimulatePrincipalPolicy's PolicySourceType: user, group,
                            // aws-managed, user-managed
  std::shared_ptr<const Policy> policy;
};

// Every policy that applies to one user: its inline and attached policies and its groups'.
struct PolicySet {
  std::vector<SourcedPolicy> policies;
  bool time_dependent = false;  // a condition reads aws:CurrentTime/aws:EpochTime
  Decision Evaluate(const RequestContext& request) const;
};

// SimulatePrincipalPolicy: the decision for one action on one resource, and the policies
// whose statements decided it.
struct SimulationResult {
  std::string action;
  std::string resource;
  Decision decision = Decision::kImplicitDeny;
  std::vector<SourcedPolicy> matched;
};

class IamService {
 public:
  // Loads the IAM state, making the account and the root key on first start. When a root key
  // was generated, `*new_root_secret` receives it (to show once); otherwise it is left empty.
  static Result<std::unique_ptr<IamService>> Open(storage::Engine& engine, const IamOptions& options,
                                                  NewAccessKey* new_root_key);

  const std::string& account_id() const { return account_id_; }
  const std::string& region() const { return options_.region; }

  // Many nodes (issue 15): held around an IAM change (its checks, writes and publication), so
  // that changes made on different nodes happen one after the other, each on the state the
  // previous one left (two nodes creating the same user: one gets EntityAlreadyExists). The
  // cluster's DDL lock; null (nothing to hold) on one node. AWS ServiceFailure past 10 s.
  Result<std::unique_ptr<storage::Coordinator::LockGuard>> LockForChange() const;
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
  // User tags (aws:PrincipalTag/<key> in policies): at most 50; keys 1..128, values 0..256.
  Status TagUser(const std::string& name, const std::map<std::string, std::string>& tags);
  Status UntagUser(const std::string& name, const std::vector<std::string>& keys);

  // ---- console passwords (login_profiles.cc) ----
  // Errors: NoSuchEntity, EntityAlreadyExists (a profile exists), PasswordPolicyViolation
  // (fewer than 8 or more than 128 characters), as AWS words them.
  Status CreateLoginProfile(const std::string& user, const std::string& password,
                            bool reset_required);
  Result<User> GetLoginProfile(const std::string& user) const;
  // Whether at least one user has a console password (the console's sign-in page opens on the
  // root-key tab until one does; issue 10 item 26). One bit: no name, no count. O(users), no copy.
  bool AnyLoginProfile() const;
  Status UpdateLoginProfile(const std::string& user, const std::optional<std::string>& password,
                            std::optional<bool> reset_required);
  Status DeleteLoginProfile(const std::string& user);
  // A user changes its own password. A wrong old password is InvalidInput "The old password
  // was incorrect."; a user without a console password is NoSuchEntity.
  Status ChangePassword(const std::string& user, const std::string& old_password,
                        const std::string& new_password);
  // A console sign-in: the principal when the user has a login profile and the password
  // matches; kAwsError "AccessDenied" otherwise (one message for every failure).
  Result<Principal> AuthenticateConsolePassword(const std::string& user,
                                                const std::string& password);

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
  // `user_name` nullopt: every user's (AllUsers).
  Result<Page<ServiceCredential>> ListServiceSpecificCredentials(
      const std::optional<std::string>& user_name, const std::string& service_name) const;
  Result<NewServiceCredential> ResetServiceSpecificCredential(const std::string& user_name,
                                                              const std::string& credential_id);
  Status UpdateServiceSpecificCredential(const std::string& user_name,
                                         const std::string& credential_id,
                                         const std::string& status);
  Status DeleteServiceSpecificCredential(const std::string& user_name,
                                         const std::string& credential_id);

  // ---- identity policies (policy_store.cc) ----
  // Inline policies of a user or a group. Errors: NoSuchEntity, MalformedPolicyDocument,
  // LimitExceeded (2,048 / 5,120 characters without whitespace per user / group).
  Status PutInlinePolicy(EntityKind kind, const std::string& entity, const std::string& name,
                         const std::string& document);
  Result<std::string> GetInlinePolicy(EntityKind kind, const std::string& entity,
                                      const std::string& name) const;
  Result<Page<std::string>> ListInlinePolicies(EntityKind kind, const std::string& entity,
                                               const std::string& marker, int max_items) const;
  Status DeleteInlinePolicy(EntityKind kind, const std::string& entity, const std::string& name);

  // Managed policies (the account's own and AWS's built-in ones).
  Result<ManagedPolicy> CreatePolicy(const std::string& name, const std::string& path,
                                     const std::string& document, const std::string& description);
  Result<ManagedPolicy> GetPolicy(const std::string& arn) const;
  // `scope`: All, AWS or Local; `only_attached`: attached to some user or group.
  Result<Page<ManagedPolicy>> ListPolicies(const std::string& scope, bool only_attached,
                                           const std::string& path_prefix,
                                           const std::string& marker, int max_items) const;
  Status DeletePolicy(const std::string& arn);
  Result<PolicyVersion> CreatePolicyVersion(const std::string& arn, const std::string& document,
                                            bool set_as_default);
  Result<PolicyVersion> GetPolicyVersion(const std::string& arn, const std::string& version) const;
  Result<std::vector<PolicyVersion>> ListPolicyVersions(const std::string& arn) const;
  Status DeletePolicyVersion(const std::string& arn, const std::string& version);
  Status SetDefaultPolicyVersion(const std::string& arn, const std::string& version);
  // How many users and groups a managed policy is attached to.
  int AttachmentCount(const std::string& arn) const;

  Status AttachPolicy(EntityKind kind, const std::string& entity, const std::string& arn);
  Status DetachPolicy(EntityKind kind, const std::string& entity, const std::string& arn);
  Result<Page<ManagedPolicy>> ListAttachedPolicies(EntityKind kind, const std::string& entity,
                                                   const std::string& path_prefix,
                                                   const std::string& marker,
                                                   int max_items) const;
  Result<PolicyEntities> ListEntitiesForPolicy(const std::string& arn) const;

  // ---- groups (group_store.cc) ----
  Result<Group> CreateGroup(const std::string& name, const std::string& path);
  Result<GroupWithUsers> GetGroup(const std::string& name) const;
  Result<Page<Group>> ListGroups(const std::string& path_prefix, const std::string& marker,
                                 int max_items) const;
  Status DeleteGroup(const std::string& name);
  Status AddUserToGroup(const std::string& group, const std::string& user);
  Status RemoveUserFromGroup(const std::string& group, const std::string& user);
  Result<Page<Group>> ListGroupsForUser(const std::string& user, const std::string& marker,
                                        int max_items) const;
  std::string GroupArn(const Group& group) const;
  // The ARN (with its path) of an existing user or group, or NoSuchEntity.
  Result<std::string> EntityArn(EntityKind kind, const std::string& name) const;

  // ---- authorization (authorization.cc) ----
  // Changes with every change that can alter a decision (policies, attachments, groups,
  // memberships, users, tags), so that callers can cache decisions per version.
  uint64_t authorization_version() const { return authorization_version_.load(); }
  // The decision for `principal` on `request`: root may do everything; a user is decided by
  // its policy set. Adds the principal's condition keys (aws:username, aws:userid,
  // aws:PrincipalArn, aws:PrincipalTag/...) to `request`.
  Decision Authorize(const Principal& principal, RequestContext& request) const;
  // The policies that apply to a user (empty for an unknown user).
  std::shared_ptr<const PolicySet> PoliciesOf(const std::string& user_name) const;
  // SimulatePrincipalPolicy for a user or group ARN. Errors: NoSuchEntity, InvalidInput.
  Result<std::vector<SimulationResult>> Simulate(
      const std::string& source_arn, const std::vector<std::string>& actions,
      const std::vector<std::string>& resources,
      const std::map<std::string, std::vector<std::string>>& context) const;

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

  // The brake on failed logins shared by every login door (CQL, console), so that guesses
  // through one door count at the others too (issue 9 item 7). Thread-safe.
  LoginBrake& login_brake() const { return login_brake_; }

 private:
  IamService(storage::Engine& engine, IamOptions options) : options_(std::move(options)) {}

  Status Load();
  // issue 15 (iam_reload.cc): drops the in-memory state and loads it again; with mu_ held.
  bool ReloadLocked();
  // issue 15: kInvalidArgument when the master key cannot open a stored access key's secret.
  Status CheckMasterKey() const;
  // Persists a user and notes that decisions may change (PoliciesChanged).
  Status SaveUser(const User& user);
  // Persists a change no decision depends on (password hashes and dates). REQUIRES: mu_ held.
  Status StoreUser(const User& user);
  Status SaveKey(const AccessKey& key);
  Status SaveCredential(const ServiceCredential& credential);
  const User* FindUser(const std::string& name) const;  // REQUIRES: mu_ held
  // The credential `credential_id` of `user_name`, or NoSuchEntity. REQUIRES: mu_ held.
  Result<std::map<std::string, ServiceCredential>::iterator> FindCredential(
      const std::string& user_name, const std::string& credential_id);
  Principal PrincipalOf(const std::string& user_name) const;  // REQUIRES: mu_ held
  Status SaveGroup(const Group& group);                         // REQUIRES: mu_ held
  Status SavePolicy(const ManagedPolicy& policy);               // REQUIRES: mu_ held
  const Group* FindGroup(const std::string& name) const;        // REQUIRES: mu_ held
  // A managed policy by ARN (the account's or AWS's), or null. REQUIRES: mu_ held.
  const ManagedPolicy* FindPolicy(const std::string& arn) const;
  int AttachmentCountLocked(const std::string& arn) const;  // REQUIRES: mu_ held
  // The inline policies and attachments of a user or group, or NoSuchEntity.
  // REQUIRES: mu_ held.
  Status WithEntity(EntityKind kind, const std::string& entity,
                    const std::function<Status(std::map<std::string, std::string>& inline_policies,
                                               std::set<std::string>& attached)>& change);
  // The inline policies and attachments of a user or group, or NoSuchEntity.
  // REQUIRES: mu_ held; the pointers are valid while it is.
  struct EntityPolicyRefs {
    const std::map<std::string, std::string>* inline_policies;
    const std::set<std::string>* attached;
  };
  Result<EntityPolicyRefs> EntityPolicies(EntityKind kind, const std::string& entity) const;
  std::shared_ptr<const Policy> Parsed(const std::string& document) const;  // REQUIRES: mu_ held
  std::shared_ptr<const PolicySet> PoliciesOfLocked(const std::string& user_name) const;
  // Adds the parsed inline policies (as `inline_type`) and the default versions of the attached
  // managed policies not in `seen_arns` to `set`. REQUIRES: mu_ held.
  void AddPolicies(const std::map<std::string, std::string>& inline_policies,
                   const std::set<std::string>& attached, const char* inline_type,
                   std::set<std::string>& seen_arns, PolicySet& set) const;
  // aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalTag/... of `user`, where `request`
  // does not have them yet. REQUIRES: mu_ held.
  void AddPrincipalKeys(const User& user, RequestContext& request) const;
  // Something that can change a decision changed. REQUIRES: mu_ held.
  void PoliciesChanged();

  IamOptions options_;
  std::string account_id_;
  std::unique_ptr<Secrets> secrets_;
  std::unique_ptr<IamStore> store_;

  // issue 15: reloads the state first when another node changed it (iam/refreshing_mutex.h).
  mutable RefreshingMutex mu_{[this] { return ReloadLocked(); }};
  std::map<std::string, User> users_;                     // GUARDED_BY(mu_), by name
  std::map<std::string, AccessKey> keys_;                 // GUARDED_BY(mu_), by id
  std::map<std::string, ServiceCredential> credentials_;  // GUARDED_BY(mu_), by id
  std::map<std::string, std::string> credential_by_login_;  // GUARDED_BY(mu_): service user name -> id
  std::map<std::string, Group> groups_;                     // GUARDED_BY(mu_), by name
  std::map<std::string, ManagedPolicy> policies_;           // GUARDED_BY(mu_), the account's, by ARN
  // Caches, dropped on every change: parsed documents and each user's policy set.
  mutable std::map<std::string, std::shared_ptr<const Policy>> parsed_;       // GUARDED_BY(mu_)
  mutable std::map<std::string, std::shared_ptr<const PolicySet>> effective_;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> authorization_version_{1};
  mutable LoginBrake login_brake_;  // provides its own synchronization
};

}  // namespace sibyl::iam
