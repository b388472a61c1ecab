#pragma once
// SigV4 authentication of an API request (AWS Signature Version 4, header or presigned query):
// the principal of the Active access key that signed it, or the AWS error a client expects:
// MissingAuthenticationToken, IncompleteSignature, InvalidClientTokenId, SignatureDoesNotMatch,
// RequestExpired (more than 5 minutes of clock skew).

#include "common/status.h"
#include "http/request.h"
#include "iam/iam_service.h"

namespace sibyl::http {

// The signature fields of a request, from its Authorization header or (presigned) its query
// string, not yet verified. Errors: MissingAuthenticationToken, IncompleteSignature. A pure
// function of the request's bytes (fuzzed).
struct SigV4Fields {
  std::string algorithm, access_key, date, region, service, signed_headers, signature, amz_date;
  bool presigned = false;
};
Result<SigV4Fields> ParseSigV4(const Request& request);

// `service` is the signing name the request must be scoped to ("iam" or "sts"). The scope's
// region must be the server's or us-east-1 (where global IAM signs).
// `now_seconds` (since the epoch) is the server's clock; tests pass a fixed one.
Result<iam::Principal> Authenticate(iam::IamService& iam, const Request& request,
                                    const std::string& service, int64_t now_seconds);

}  // namespace sibyl::http
