#include "http/sigv4.h"

#include "iam/crypto.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace sibyl::http {
namespace {

using iam::HmacSha256;
using iam::Sha256Hex;
using iam::UriEncode;

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

static std::string CanonicalRequest(const Request& request, const std::string& signed_headers,
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
  std::string key = HmacSha256(
      HmacSha256(HmacSha256(HmacSha256("AWS4" + secret, date), region), service), "aws4_request");
  return iam::HexEncode(HmacSha256(key, to_sign));
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
