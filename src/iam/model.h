#pragma once
// The IAM entities Sibyl keeps: the account, users, access keys and service-specific
// credentials, as AWS models them (botocore's IAM service model; shared/reference/
// keyspaces-iam.md §1). Secrets never appear here in clear: access-key secrets are sealed,
// service passwords are keyed hashes.

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace sibyl::iam {

// DO NOT CHANGE: persisted and on the wire.
inline constexpr const char* kActive = "Active";
inline constexpr const char* kInactive = "Inactive";
inline constexpr const char* kCassandraService = "cassandra.amazonaws.com";

struct User {
  std::string name;
  std::string id;    // "AIDA..." (21 characters)
  std::string path = "/";
  int64_t create_date = 0;  // seconds since the epoch
  std::map<std::string, std::string> tags;
  std::map<std::string, std::string> inline_policies;  // name -> document (as given)
  std::set<std::string> attached_policies;             // managed policy ARNs
  std::set<std::string> groups;                        // group names
  // The console password (login profile), as an Argon2id hash; empty when the user has none.
  std::string console_password_hash;
  int64_t login_profile_created = 0;
  bool password_reset_required = false;
  int64_t password_last_used = 0;
};

struct Group {
  std::string name;
  std::string id;  // "AGPA..." (21 characters)
  std::string path = "/";
  int64_t create_date = 0;
  std::map<std::string, std::string> inline_policies;
  std::set<std::string> attached_policies;
};

struct PolicyVersion {
  std::string id;  // "v1", "v2", ...
  std::string document;
  int64_t create_date = 0;
};

// A managed policy: the customer's own (arn:aws:iam::<account>:policy/...) or one of AWS's
// (arn:aws:iam::aws:policy/..., built in, attachable and not editable).
struct ManagedPolicy {
  std::string name;
  std::string id;  // "ANPA..." (21 characters)
  std::string arn;
  std::string path = "/";
  std::string description;
  std::string default_version = "v1";
  int next_version = 2;
  int64_t create_date = 0;
  int64_t update_date = 0;
  std::map<std::string, PolicyVersion> versions;  // by id
  bool aws_managed = false;
};

struct AccessKey {
  std::string id;         // "AKIA..." (20 characters)
  std::string user_name;  // empty for the root key
  std::string status = kActive;
  int64_t create_date = 0;
  std::string sealed_secret;  // the secret, encrypted under the master key (Secrets::Seal)
  int64_t last_used = 0;      // seconds; 0 = never
  std::string last_used_service;
  std::string last_used_region;
};

struct ServiceCredential {
  std::string id;                 // "ACCA..." (21 characters)
  std::string user_name;
  std::string service_name;       // cassandra.amazonaws.com
  std::string service_user_name;  // "<user>-at-<account>"
  std::string status = kActive;
  int64_t create_date = 0;
  std::string password_hash;      // Secrets::HashPassword, never the password
};

}  // namespace sibyl::iam
