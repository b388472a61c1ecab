#include "http/sigv4.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>

namespace sibyl::http {
namespace {

std::string HexBytes(const unsigned char* data, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 15]);
  }
  return out;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return HexBytes(md, sizeof(md));
}

std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

// AWS's URI encoding: unreserved characters kept, everything else %XX (upper case).
std::string UriEncode(const std::string& s, bool keep_slash) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string Trim(const std::string& v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

}  // namespace

std::string CanonicalRequest(const Request& request, const std::string& signed_headers,
                             bool presigned) {
  // Path: each segment URI-encoded (IAM's is "/").
  std::string path = request.Path().empty() ? "/" : request.Path();
  std::string canonical_path;
  for (size_t i = 0; i < path.size();) {
    size_t slash = path.find('/', i);
    if (slash == std::string::npos) slash = path.size();
    std::string segment = path.substr(i, slash - i);
    std::string decoded;
    for (auto& [k, v] : ParseForm(segment)) decoded = k;  // percent-decode the segment
    canonical_path += UriEncode(decoded, false);
    if (slash < path.size()) canonical_path += "/";
    i = slash + 1;
  }
  if (canonical_path.empty() || canonical_path[0] != '/') canonical_path = "/" + canonical_path;
  std::vector<std::pair<std::string, std::string>> query;
  for (auto& [k, v] : ParseForm(request.Query())) {
    if (presigned && k == "X-Amz-Signature") continue;
    query.emplace_back(UriEncode(k, false), UriEncode(v, false));
  }
  std::sort(query.begin(), query.end());
  std::string canonical_query;
  for (const auto& [k, v] : query) canonical_query += (canonical_query.empty() ? "" : "&") + k + "=" + v;
  std::string headers;
  size_t pos = 0;
  while (pos <= signed_headers.size()) {
    size_t semi = signed_headers.find(';', pos);
    if (semi == std::string::npos) semi = signed_headers.size();
    std::string name = signed_headers.substr(pos, semi - pos);
    std::string value;
    for (const auto& [k, v] : request.headers) {
      if (Lower(k) == name) value += (value.empty() ? "" : ",") + Trim(v);
    }
    headers += name + ":" + value + "\n";
    pos = semi + 1;
  }
  std::string payload = request.Header("X-Amz-Content-Sha256");
  if (payload.empty()) payload = presigned && request.method == "GET" ? Sha256Hex("") : Sha256Hex(request.body);
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, canonical_path, canonical_query,
                     headers, signed_headers, payload);
}

std::string ComputeSignature(const Request& request, const std::string& signed_headers,
                             bool presigned, const std::string& secret, const std::string& amz_date,
                             const std::string& date, const std::string& region,
                             const std::string& service) {
  std::string scope = fmt::format("{}/{}/{}/aws4_request", date, region, service);
  std::string to_sign = fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope,
                                    Sha256Hex(CanonicalRequest(request, signed_headers, presigned)));
  std::string key = Hmac(Hmac(Hmac(Hmac("AWS4" + secret, date), region), service), "aws4_request");
  std::string raw = Hmac(key, to_sign);
  return HexBytes(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

void SignRequest(Request& request, const std::string& access_key_id, const std::string& secret,
                 const std::string& region, const std::string& service, int64_t now_seconds) {
  std::time_t t = static_cast<std::time_t>(now_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char amz_date[20], date[10];
  std::strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
  std::strftime(date, sizeof(date), "%Y%m%d", &tm);
  request.headers.emplace_back("X-Amz-Date", amz_date);
  std::vector<std::string> names;
  for (const auto& [k, v] : request.headers) names.push_back(Lower(k));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string signed_headers;
  for (const auto& n : names) signed_headers += (signed_headers.empty() ? "" : ";") + n;
  std::string signature = ComputeSignature(request, signed_headers, false, secret, amz_date, date,
                                           region, service);
  request.headers.emplace_back(
      "Authorization",
      fmt::format("AWS4-HMAC-SHA256 Credential={}/{}/{}/{}/aws4_request, SignedHeaders={}, "
                  "Signature={}",
                  access_key_id, date, region, service, signed_headers, signature));
}

}  // namespace sibyl::http
