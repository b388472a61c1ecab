#include "http/authenticate.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "common/clock.h"
#include "common/utf8.h"
#include "http/sigv4.h"

namespace sibyl::http {
namespace {

std::string Strip(const std::string& v) {
  size_t a = v.find_first_not_of(" \t");
  size_t b = v.find_last_not_of(" \t");
  return a == std::string::npos ? "" : v.substr(a, b - a + 1);
}

Status Incomplete(const std::string& message) {
  return AwsError("IncompleteSignature", 400, message);
}

}  // namespace

Result<SigV4Fields> ParseSigV4(const Request& request) {
  SigV4Fields s;
  std::string auth = request.Header("Authorization");
  if (!auth.empty()) {
    auto space = auth.find(' ');
    s.algorithm = auth.substr(0, space);
    if (s.algorithm != "AWS4-HMAC-SHA256") {
      return Incomplete(fmt::format("Unsupported AWS 'algorithm': '{}'",
                                    QuoteForMessage(s.algorithm, 64)));
    }
    std::map<std::string, std::string> parts;
    std::string rest = space == std::string::npos ? "" : auth.substr(space + 1);
    size_t pos = 0;
    while (pos < rest.size()) {
      size_t comma = rest.find(',', pos);
      if (comma == std::string::npos) comma = rest.size();
      std::string part = Strip(rest.substr(pos, comma - pos));
      auto eq = part.find('=');
      if (eq != std::string::npos) parts[part.substr(0, eq)] = part.substr(eq + 1);
      pos = comma + 1;
    }
    for (const char* required : {"Credential", "SignedHeaders", "Signature"}) {
      if (!parts.count(required)) {
        return Incomplete(fmt::format("Authorization header requires '{}' parameter. "
                                      "Authorization={}",
                                      required, QuoteForMessage(auth, 64)));
      }
    }
    s.signed_headers = parts["SignedHeaders"];
    s.signature = parts["Signature"];
    std::string credential = parts["Credential"];
    std::vector<std::string> scope;
    size_t p = 0;
    while (true) {
      size_t slash = credential.find('/', p);
      scope.push_back(credential.substr(p, slash - p));
      if (slash == std::string::npos) break;
      p = slash + 1;
    }
    if (scope.size() != 5 || scope[4] != "aws4_request") {
      return Incomplete("Credential should be scoped to a valid region, service and "
                        "aws4_request terminator.");
    }
    s.access_key = scope[0];
    s.date = scope[1];
    s.region = scope[2];
    s.service = scope[3];
    s.amz_date = request.Header("X-Amz-Date");
    if (s.amz_date.empty()) return Incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    return s;
  }
  std::map<std::string, std::string> query;
  for (auto& [k, v] : ParseForm(request.Query())) query[k] = v;
  if (!query.count("X-Amz-Algorithm")) {
    return AwsError("MissingAuthenticationToken", 403, "Request is missing Authentication Token");
  }
  s.presigned = true;
  s.algorithm = query["X-Amz-Algorithm"];
  s.signed_headers = query["X-Amz-SignedHeaders"];
  s.signature = query["X-Amz-Signature"];
  s.amz_date = query["X-Amz-Date"];
  std::string credential = query["X-Amz-Credential"];
  auto parts = std::count(credential.begin(), credential.end(), '/');
  if (parts != 4 || s.signature.empty() || s.amz_date.empty()) {
    return Incomplete("AWS query-string parameters must include 'X-Amz-Algorithm', "
                      "'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date' and "
                      "'X-Amz-SignedHeaders'.");
  }
  size_t a = credential.find('/'), b = credential.find('/', a + 1), c = credential.find('/', b + 1),
         d = credential.find('/', c + 1);
  s.access_key = credential.substr(0, a);
  s.date = credential.substr(a + 1, b - a - 1);
  s.region = credential.substr(b + 1, c - b - 1);
  s.service = credential.substr(c + 1, d - c - 1);
  return s;
}

namespace {

// "20150830T123600Z" to seconds since the epoch; -1 when malformed.
int64_t ParseAmzDate(const std::string& d) {
  std::tm tm{};
  if (d.size() != 16 || strptime(d.c_str(), "%Y%m%dT%H%M%SZ", &tm) == nullptr) return -1;
  return static_cast<int64_t>(timegm(&tm));
}

std::string FormatAmzDate(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[20];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

Result<iam::Principal> Authenticate(iam::IamService& iam, const Request& request,
                                    const std::string& service, int64_t now_seconds) {
  ASSIGN_OR_RETURN(SigV4Fields s, ParseSigV4(request));
  if (s.service != service) {
    return AwsError("SignatureDoesNotMatch", 403,
                    fmt::format("Credential should be scoped to correct service: '{}'. ", service));
  }
  if (s.region != iam.region() && s.region != "us-east-1") {
    return AwsError("SignatureDoesNotMatch", 403,
                    fmt::format("Credential should be scoped to a valid region, not '{}'. ",
                                QuoteForMessage(s.region, 64)));
  }
  int64_t signed_at = ParseAmzDate(s.amz_date);
  if (signed_at < 0) {
    return Incomplete("Date must be in ISO-8601 'basic format'. Got '" +
                      QuoteForMessage(s.amz_date, 64) + "'.");
  }
  int64_t now = now_seconds;
  if (signed_at < now - 300 || signed_at > now + 300) {
    bool early = signed_at < now - 300;
    return AwsError(
        "RequestExpired", 400,
        early ? fmt::format("Signature expired: {} is now earlier than {} ({} - 5 min.)",
                            s.amz_date, FormatAmzDate(now - 300), FormatAmzDate(now))
              : fmt::format("Signature not yet current: {} is still later than {} ({} + 5 min.)",
                            s.amz_date, FormatAmzDate(now + 300), FormatAmzDate(now)));
  }
  ASSIGN_OR_RETURN(auto resolved, iam.ResolveAccessKey(s.access_key));
  const auto& [principal, secret] = resolved;
  std::string expected = ComputeSignature(request, s.signed_headers, s.presigned, secret,
                                         s.amz_date, s.date, s.region, s.service);
  if (expected.size() != s.signature.size() ||
      CRYPTO_memcmp(expected.data(), s.signature.data(), expected.size()) != 0) {
    return AwsError("SignatureDoesNotMatch", 403,
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your AWS Secret Access Key and signing method. Consult the "
                    "service documentation for details.");
  }
  iam.RecordAccessKeyUse(s.access_key, s.service, s.region);
  return principal;
}

}  // namespace sibyl::http
