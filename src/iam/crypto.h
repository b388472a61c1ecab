#pragma once
// Small cryptographic and encoding helpers shared by SigV4 (HTTP and CQL), the CLI and the IAM
// store: lowercase hex, SHA-256, HMAC-SHA256 (OpenSSL), and AWS's URI encoding.

#include <string>
#include <string_view>

namespace sibyl::iam {

std::string HexEncode(std::string_view bytes);            // lowercase
std::string HexDecode(std::string_view hex);              // REQUIRES: valid even-length hex
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
// RFC 3986 as AWS applies it: A-Za-z0-9-_.~ kept (and '/' when keep_slash), the rest %XX.
std::string UriEncode(std::string_view s, bool keep_slash = false);

}  // namespace sibyl::iam
