#pragma once
// The IAM API in the AWS Query protocol (form-encoded POST, XML out), plus STS
// GetCallerIdentity, as the `aws` CLI and boto3 speak it with --endpoint-url. Every request is
// SigV4-verified against an Active access key; errors are AWS's ErrorResponse documents with
// AWS's codes and HTTP statuses (shared/reference/keyspaces-iam.md §1).

#include <map>
#include <string>

#include "common/status.h"
#include "http/request.h"
#include "iam/iam_service.h"

namespace sibyl::http {

// Parameters accepted in one request (form body or query string); more is InvalidQueryParameter.
// The largest real request (CreatePolicy, TagUser with 50 tags) has about 110.
inline constexpr size_t kMaxFormParameters = 1000;

// Handles one API request. Never throws; any failure is an AWS error document. A failed
// authentication is logged (access key id, source address, AWS error code).
Response HandleIamRequest(iam::IamService& iam, const Request& request);

// Runs one IAM operation for an authenticated `caller` (authorised first): the XML response
// document, or the AWS error. `params` are the operation's Query-protocol parameters
// (Name.member.N for lists); `request` gives the condition keys (source address, TLS).
// Used by the IAM API and the console's JSON API alike.
Result<std::string> CallIamOperation(iam::IamService& iam, const iam::Principal& caller,
                                     const std::string& action,
                                     const std::map<std::string, std::string>& params,
                                     const Request& request);

// Whether `caller` may perform iam:<action> on `resource` (root may do everything). Errors:
// AccessDenied (403) worded as AWS words it, naming the principal, action and resource.
// `context` carries the request's condition keys (aws:SourceIp, ...).
Status AuthorizeIamCall(const iam::IamService& iam, const iam::Principal& caller,
                        const std::string& action, const std::string& resource,
                        iam::RequestContext context);

}  // namespace sibyl::http
