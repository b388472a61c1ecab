// libFuzzer target: the IAM API's Query-protocol bodies (application/x-www-form-urlencoded, as
// the aws CLI and boto3 send them), signed with the root key so that every operation's
// parameter parsing and validation runs against a real IAM service. Input: the body.
// The account is reset every kInputsPerAccount inputs, so created entities stay few.
// Properties: no crash or exception; never a 500 (InternalFailure); the answer is well-formed
// XML of valid UTF-8 (what botocore can parse).
#include <cstdint>
#include <cstdlib>
#include <string>

#include <pugixml.hpp>

#include "common/clock.h"
#include "common/utf8.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/iam_harness.h"
#include "http/iam_api.h"
#include "http/request.h"
#include "http/sigv4.h"

using namespace sibyl;

namespace {
constexpr int kInputsPerAccount = 20000;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::IamHarness* harness = new fuzz::IamHarness("iam-form");
  static int inputs = 0;
  if (++inputs % kInputsPerAccount == 0) harness->Reset();

  http::Request request;
  request.method = "POST";
  request.target = "/";
  request.body = std::string(fuzz::AsView(data, size));
  request.remote_address = "127.0.0.1";
  request.headers.emplace_back("Host", "127.0.0.1:8080");
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  bool sts = false;
  for (const auto& [k, v] : http::ParseForm(request.body)) {
    if (k == "Action") sts = v == "GetCallerIdentity";
  }
  http::SignRequest(request, fuzz::kRootKeyId, fuzz::kRootSecret, "us-east-1", sts ? "sts" : "iam",
                    NowSeconds());
  http::Response response = http::HandleIamRequest(harness->iam(), request);
  if (response.status >= 500) {
    fprintf(stderr, "HTTP %d: %s\n", response.status, response.body.c_str());
    std::abort();
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size()) ||
      !IsValidUtf8(response.body)) {
    fprintf(stderr, "not well-formed UTF-8 XML: %s\n", response.body.c_str());
    std::abort();
  }
  return 0;
}
