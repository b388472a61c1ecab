#pragma once
// The Amazon Keyspaces SigV4 SASL exchange over CQL (shared/reference/keyspaces-iam.md §4.3):
// the server sends `nonce=<32 hex>`, the client answers
// `signature=<hex>,access_key=<AKID>,amzdate=<YYYY-MM-DDTHH:MM:SS.mmmZ>[,session_token=...]`,
// signed over a fixed canonical request ("PUT /authenticate", host "cassandra").

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sibyl::iam {

struct KeyspacesSigV4Response {
  std::string signature;
  std::string access_key_id;
  std::string amz_date;
  std::string session_token;  // empty unless sent
};

// 32 random lowercase hex characters from the OS CSPRNG.
std::string NewSigV4Nonce();

// The lowercase hex signature the client must have sent.
std::string KeyspacesSigV4Signature(std::string_view access_key_id, std::string_view secret,
                                    std::string_view region, std::string_view amz_date,
                                    std::string_view nonce);

// Parses the client's second token. kBadCredentials if a field is missing.
Result<KeyspacesSigV4Response> ParseKeyspacesSigV4Response(std::string_view token);

// Seconds since the epoch of an amzdate such as 2020-06-09T22:41:51.000Z (lenient about the
// fraction); -1 when malformed.
int64_t ParseKeyspacesAmzDate(std::string_view amz_date);

}  // namespace sibyl::iam
