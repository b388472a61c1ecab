// libFuzzer target: SigV4 as the IAM API and the CQL login receive it: the Authorization header
// and presigned query strings (ParseSigV4), the canonical request (query string parsing and
// encoding, signed headers), the whole check against a real IAM service (Authenticate), and
// the Amazon Keyspaces SASL token of a CQL SigV4 login.
//
// Input: NUL-separated fields: mode, method, target, Authorization, X-Amz-Date, header name,
// header value, body (the rest). Mode "K": the Keyspaces SASL token is everything after it.
// Properties: no crash; errors are AWS errors with messages of valid UTF-8.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/utf8.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/iam_harness.h"
#include "http/authenticate.h"
#include "http/request.h"
#include "http/sigv4.h"
#include "iam/keyspaces_sigv4.h"

using namespace sibyl;

namespace {

// 2024-01-01T00:00:00Z: the seeds are signed at this time.
constexpr int64_t kNow = 1704067200;

void CheckError(const Status& s) {
  if (s.ok()) return;
  if (s.code() != ErrorCode::kAwsError && s.code() != ErrorCode::kBadCredentials) std::abort();
  if (!IsValidUtf8(s.message())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::IamHarness* harness = new fuzz::IamHarness("sigv4");
  auto f = fuzz::SplitFields(fuzz::AsView(data, size), 8);
  if (f[0] == "K") {
    std::string_view token = fuzz::AsView(data, size).substr(std::min<size_t>(size, 2));
    auto parsed = iam::ParseKeyspacesSigV4Response(token);
    if (parsed.ok()) {
      (void)iam::ParseKeyspacesAmzDate(parsed->amz_date);
    } else {
      CheckError(parsed.status());
    }
    (void)iam::ParseKeyspacesAmzDate(token);
    return 0;
  }
  http::Request request;
  request.method = std::string(f[1]);
  request.target = std::string(f[2]);
  if (!f[3].empty()) request.headers.emplace_back("Authorization", std::string(f[3]));
  if (!f[4].empty()) request.headers.emplace_back("X-Amz-Date", std::string(f[4]));
  if (!f[5].empty()) request.headers.emplace_back(std::string(f[5]), std::string(f[6]));
  request.headers.emplace_back("Host", "127.0.0.1:8080");
  request.body = std::string(f[7]);
  request.remote_address = "127.0.0.1";

  auto fields = http::ParseSigV4(request);
  if (fields.ok()) {
    (void)http::ComputeSignature(request, fields->signed_headers, fields->presigned, fuzz::kRootSecret,
                                 fields->amz_date, fields->date, fields->region, fields->service);
  } else {
    CheckError(fields.status());
  }
  for (const char* service : {"iam", "sts"}) {
    auto principal = http::Authenticate(harness->iam(), request, service, kNow);
    if (!principal.ok()) CheckError(principal.status());
  }
  return 0;
}
