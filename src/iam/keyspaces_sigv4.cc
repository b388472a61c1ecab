#include "iam/keyspaces_sigv4.h"

#include "iam/crypto.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ctime>
#include <vector>

namespace sibyl::iam {
std::string NewSigV4Nonce() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof(raw));
  return HexEncode(std::string_view(reinterpret_cast<char*>(raw), sizeof(raw)));
}

std::string KeyspacesSigV4Signature(std::string_view access_key_id, std::string_view secret,
                                    std::string_view region, std::string_view amz_date,
                                    std::string_view nonce) {
  std::string date_stamp;
  for (char c : amz_date.substr(0, 10)) {
    if (c != '-') date_stamp.push_back(c);
  }
  std::string scope = fmt::format("{}/{}/cassandra/aws4_request", date_stamp, region);
  std::vector<std::string> query = {
      "X-Amz-Algorithm=AWS4-HMAC-SHA256",
      fmt::format("X-Amz-Credential={}%2F{}", access_key_id, UriEncode(scope)),
      "X-Amz-Date=" + UriEncode(amz_date), "X-Amz-Expires=900"};
  std::sort(query.begin(), query.end());
  std::string joined;
  for (const auto& q : query) joined += (joined.empty() ? "" : "&") + q;
  std::string canonical = fmt::format("PUT\n/authenticate\n{}\nhost:cassandra\n\nhost\n{}", joined,
                                      Sha256Hex(nonce));
  std::string to_sign =
      fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope, Sha256Hex(canonical));
  std::string key = HmacSha256(HmacSha256(HmacSha256(HmacSha256("AWS4" + std::string(secret), date_stamp), region),
                                               "cassandra"),
                                    "aws4_request");
  return HexEncode(HmacSha256(key, to_sign));
}

Result<KeyspacesSigV4Response> ParseKeyspacesSigV4Response(std::string_view token) {
  KeyspacesSigV4Response r;
  size_t pos = 0;
  while (pos < token.size()) {
    size_t comma = token.find(',', pos);
    if (comma == std::string_view::npos) comma = token.size();
    std::string_view part = token.substr(pos, comma - pos);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos) {
      std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
      if (key == "signature") r.signature = std::string(value);
      if (key == "access_key") r.access_key_id = std::string(value);
      if (key == "amzdate") r.amz_date = std::string(value);
      if (key == "session_token") r.session_token = std::string(value);
    }
    pos = comma + 1;
  }
  if (r.signature.empty() || r.access_key_id.empty() || r.amz_date.empty()) {
    return Status(ErrorCode::kBadCredentials, "Authentication failure: Invalid signature");
  }
  return r;
}

int64_t ParseKeyspacesAmzDate(std::string_view amz_date) {
  std::string s(amz_date.substr(0, 19));
  std::tm tm{};
  if (s.size() != 19 || strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return -1;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace sibyl::iam
