#pragma once
// IAM identity-based policies: the document grammar and AWS's evaluation logic
// (shared/reference/keyspaces-iam.md §2.2–2.3): explicit Deny beats Allow beats the implicit
// deny; Action/NotAction (case-insensitive, * and ?), Resource/NotResource (per ARN segment,
// * and ?), policy variables (${aws:username}...; Version 2012-10-17 only), and Condition
// operators (String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress, Arn*, Null, the IfExists
// suffix and the ForAnyValue:/ForAllValues: qualifiers).
//
// Immutable after Parse; Evaluate is thread-safe.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sibyl::iam {

// What is being decided: one action on one resource, with the request's condition keys.
struct RequestContext {
  std::string action;    // "cassandra:Select"
  std::string resource;  // "arn:aws:cassandra:us-east-1:111122223333:/keyspace/ks/table/t"
  // Condition keys, names in lower case ("aws:username", "aws:resourcetag/owner"), each with
  // one value or several (aws:TagKeys).
  std::map<std::string, std::vector<std::string>> keys;
};

enum class Decision : uint8_t { kImplicitDeny, kAllow, kExplicitDeny };

class Policy {
 public:
  // Parses and validates an identity-based policy document. Errors: kAwsError
  // MalformedPolicyDocument (400) with a message that names the fault.
  static Result<Policy> Parse(std::string_view document);

  // This policy's decision for `request` (kAllow if an Allow statement matches and no Deny does).
  Decision Evaluate(const RequestContext& request) const;

  // Whether a condition reads the clock (aws:CurrentTime, aws:EpochTime), so that a decision
  // may change with time alone and must not be cached.
  bool time_dependent() const { return time_dependent_; }

  struct Condition {
    std::string op;         // base operator, e.g. "StringLike"
    bool if_exists = false;
    enum class Set : uint8_t { kNone, kAnyValue, kAllValues } set = Set::kNone;
    std::string key;        // lower case
    std::vector<std::string> values;
  };
  struct Statement {
    bool allow = true;
    bool not_action = false;
    std::vector<std::string> actions;
    bool not_resource = false;
    std::vector<std::string> resources;
    std::vector<Condition> conditions;
  };

 private:
  bool variables_ = false;  // Version 2012-10-17
  bool time_dependent_ = false;
  std::vector<Statement> statements_;
};

// The decision over several policies (a user's inline and attached ones, and its groups').
Decision EvaluatePolicies(const std::vector<const Policy*>& policies, const RequestContext& request);

// An address as condition keys compare it: IPv4-mapped IPv6 ("::ffff:10.0.0.1") as IPv4.
std::string ConditionSourceIp(std::string address);

// The keys every request carries whatever its door (CQL, IAM API, console): aws:SourceIp,
// aws:SecureTransport, aws:CurrentTime and aws:EpochTime.
void AddOriginKeys(RequestContext& request, const std::string& source_address, bool secure,
                   int64_t now_seconds);

// Glob match with * (any run) and ? (one character).
bool GlobMatch(std::string_view pattern, std::string_view text, bool ignore_case);

}  // namespace sibyl::iam
