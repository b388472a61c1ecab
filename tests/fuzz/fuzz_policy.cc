// libFuzzer target: IAM policy documents (JSON) as CreatePolicy, PutUserPolicy and the console's
// editor receive them, and their evaluation against requests (actions, ARNs, condition keys and
// every condition operator), and the glob matcher they use.
//
// Input: NUL-separated fields: the document, an action, a resource ARN, then up to three
// condition keys written "name=value" (the rest of the input is the last one).
// Properties: no crash, no super-linear blow-up (timeouts); a parse error is
// MalformedPolicyDocument with a message of valid UTF-8; evaluation is deterministic and a
// policy's decision agrees with EvaluatePolicies over it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/utf8.h"
#include "fuzz/fuzz_util.h"
#include "iam/policy.h"

using namespace sibyl;
using namespace sibyl::iam;

namespace {

void Decide(const Policy& policy, const RequestContext& request) {
  Decision d = policy.Evaluate(request);
  if (policy.Evaluate(request) != d) std::abort();
  if (EvaluatePolicies({&policy}, request) != d) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = fuzz::SplitFields(fuzz::AsView(data, size), 6);
  (void)GlobMatch(f[1], f[2], true);
  (void)GlobMatch(f[1], f[2], false);
  auto policy = Policy::Parse(f[0]);
  if (!policy.ok()) {
    const Status& s = policy.status();
    if (s.code() != ErrorCode::kAwsError || !IsValidUtf8(s.message())) std::abort();
    return 0;
  }
  RequestContext fuzzed;
  fuzzed.action = std::string(f[1]);
  fuzzed.resource = std::string(f[2]);
  for (size_t i = 3; i < 6; ++i) {
    size_t eq = f[i].find('=');
    if (eq == std::string_view::npos) continue;
    fuzzed.keys[std::string(f[i].substr(0, eq))].push_back(std::string(f[i].substr(eq + 1)));
  }
  AddOriginKeys(fuzzed, "::ffff:10.1.2.3", true, 1704067200);
  Decide(*policy, fuzzed);

  // Realistic requests, so that conditions on the usual keys are evaluated even when the
  // fuzzed fields are empty.
  RequestContext cql;
  cql.action = "cassandra:Select";
  cql.resource = "arn:aws:cassandra:us-east-1:111122223333:/keyspace/ks/table/t";
  cql.keys["aws:username"] = {"alice"};
  cql.keys["aws:resourcetag/owner"] = {"alice"};
  cql.keys["aws:tagkeys"] = {"owner", "team"};
  AddOriginKeys(cql, "127.0.0.1", false, 1704067200);
  Decide(*policy, cql);
  RequestContext iam_call;
  iam_call.action = "iam:CreateUser";
  iam_call.resource = "arn:aws:iam::111122223333:user/division/bob";
  iam_call.keys["aws:username"] = {"bob"};
  iam_call.keys["aws:requesttag/team"] = {"a"};
  AddOriginKeys(iam_call, "2001:db8::1", true, 1704067200);
  Decide(*policy, iam_call);
  return 0;
}
