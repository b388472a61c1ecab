#include "iam/keyspaces_sigv4.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>
#include <vector>

namespace sibyl::iam {
namespace {

std::string Hex(const unsigned char* d, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 15]);
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return Hex(md, sizeof(md));
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace

std::string NewSigV4Nonce() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof(raw));
  return Hex(raw, sizeof(raw));
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
      fmt::format("X-Amz-Credential={}%2F{}", access_key_id, UrlEncode(scope)),
      "X-Amz-Date=" + UrlEncode(amz_date), "X-Amz-Expires=900"};
  std::sort(query.begin(), query.end());
  std::string joined;
  for (const auto& q : query) joined += (joined.empty() ? "" : "&") + q;
  std::string canonical = fmt::format("PUT\n/authenticate\n{}\nhost:cassandra\n\nhost\n{}", joined,
                                      Sha256Hex(nonce));
  std::string to_sign =
      fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope, Sha256Hex(canonical));
  std::string key = Hmac(Hmac(Hmac(Hmac("AWS4" + std::string(secret), date_stamp), region),
                              "cassandra"),
                         "aws4_request");
  std::string raw = Hmac(key, to_sign);
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
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
