#pragma once
// The IAM Query API's operations, as a table: each operation names the resource its caller must
// be allowed to act on (checked by iam_api.cc against the caller's policies before the handler
// runs) and the handler that reads the form parameters, calls IamService and writes the XML
// result. Split by entity: iam_users_api.cc, iam_policies_api.cc, iam_groups_api.cc.

#include <fmt/format.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "http/xml_writer.h"
#include "iam/iam_service.h"

namespace sibyl::http {

using Params = std::map<std::string, std::string>;

// One API call being handled.
struct Call {
  iam::IamService& iam;
  const iam::Principal& caller;
  const Params& params;
  QueryResponse& out;

  std::optional<std::string> Get(const char* name) const {
    auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    return it->second;
  }
  // A required parameter; ValidationError naming `field` (AWS's camelCase) when absent.
  Result<std::string> Required(const char* name, const char* field) const;
  // The UserName parameter, defaulting to the caller (AWS: "defaults to the caller").
  std::string UserOrCaller() const { return Get("UserName").value_or(caller.user_name); }
  int MaxItems() const;
  bool Flag(const char* name) const { return Get(name).value_or("false") == "true"; }
  // A Query-protocol list: Name.member.1, Name.member.2, ...
  std::vector<std::string> List(const std::string& name) const;
};

// Which resource ARN an operation is authorised on.
enum class ResourceKind : uint8_t {
  kNone,             // no check (STS GetCallerIdentity)
  kUser,             // the UserName parameter's user, or the caller
  kAllUsers,         // arn:aws:iam::<acct>:user/
  kGroup,            // the GroupName parameter's group
  kAllGroups,        // arn:aws:iam::<acct>:group/
  kPolicy,           // the PolicyArn parameter
  kNewPolicy,        // arn:aws:iam::<acct>:policy<Path><PolicyName>
  kAllPolicies,      // arn:aws:iam::<acct>:policy/
  kPolicySource,     // the PolicySourceArn parameter (SimulatePrincipalPolicy)
  kAccessKeyOwner,   // the user that owns the AccessKeyId parameter
};

using Handler = std::function<Status(Call&)>;

struct Operation {
  ResourceKind resource;
  Handler handler;
};

using OperationTable = std::map<std::string, Operation>;

void AddUserOperations(OperationTable& table);     // users, access keys, credentials, tags
void AddPolicyOperations(OperationTable& table);   // inline and managed policies, simulation
void AddGroupOperations(OperationTable& table);    // groups and memberships

// Shared XML pieces.
void AddUser(pugi::xml_node parent, const iam::IamService& iam, const iam::User& user);
void AddGroup(pugi::xml_node parent, const iam::IamService& iam, const iam::Group& group);
void AddTruncation(pugi::xml_node result, bool truncated, const std::string& marker);

}  // namespace sibyl::http
