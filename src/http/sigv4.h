#pragma once
// AWS Signature Version 4 over a Request: the signature of a request (for verification) and
// signing one (for Sibyl's own CLI). The canonical request follows AWS's rules: each path
// segment URI-encoded, query parameters encoded and sorted, signed headers lower-cased with
// trimmed values, the hex SHA-256 of the body.

#include <cstdint>
#include <string>

#include "http/request.h"

namespace sibyl::http {

// The lowercase hex signature of `request` as AWS computes it.
std::string ComputeSignature(const Request& request, const std::string& signed_headers,
                             bool presigned, const std::string& secret, const std::string& amz_date,
                             const std::string& date, const std::string& region,
                             const std::string& service);

// Adds X-Amz-Date and Authorization headers signing every header already present.
void SignRequest(Request& request, const std::string& access_key_id, const std::string& secret,
                 const std::string& region, const std::string& service, int64_t now_seconds);

}  // namespace sibyl::http
