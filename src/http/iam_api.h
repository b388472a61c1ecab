#pragma once
// The IAM API in the AWS Query protocol (form-encoded POST, XML out), plus STS
// GetCallerIdentity, as the `aws` CLI and boto3 speak it with --endpoint-url. Every request is
// SigV4-verified against an Active access key; errors are AWS's ErrorResponse documents with
// AWS's codes and HTTP statuses (shared/reference/keyspaces-iam.md §1).

#include "http/request.h"

namespace sibyl::iam {
class IamService;
}

namespace sibyl::http {

// Handles one API request. Never throws; any failure is an AWS error document.
Response HandleIamRequest(iam::IamService& iam, const Request& request);

}  // namespace sibyl::http
