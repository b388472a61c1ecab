// libFuzzer target: the console's JSON API bodies (http/console_bodies.h) and the API handler
// that receives them (ConsoleApi::Handle) over a real IAM service and query processor, signed
// in as root, with CQL statements authorised only to read (so the fuzzer cannot grow the
// database through CQL).
//
// Input: [route byte][body]. Route % 4: 0 POST /api/session (sign-in), 1 POST /api/cql,
// 2 POST /api/iam/<action> where the action is the body's text up to the first NUL, and the
// JSON follows; 3 the pure body parsers only.
// Properties: no crash or exception; never a 5xx; every answer's body is JSON.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz/fuzz_util.h"
#include "fuzz/iam_harness.h"
#include "http/console_api.h"
#include "http/console_bodies.h"
#include "query/authorizer.h"
#include "query/processor.h"

using namespace sibyl;

namespace {

constexpr int kInputsPerAccount = 10000;

// Allows reading only: DDL and writes are refused before they run.
class ReadOnlyAuthorizer : public query::Authorizer {
 public:
  Status Authorize(const query::Permission& permission) override {
    if (permission.action == "cassandra:Select") return Status::OK();
    return Status(ErrorCode::kUnauthorized, "read-only fuzzing principal");
  }
};

struct Console {
  fuzz::IamHarness harness{"console"};
  std::unique_ptr<query::QueryProcessor> processor;
  std::unique_ptr<http::ConsoleSessions> sessions;
  std::unique_ptr<http::ConsoleApi> api;
  std::string cookie;
  std::string csrf;

  Console() { Reset(); }

  void Reset() {
    api.reset();
    sessions.reset();
    processor.reset();
    harness.Reset();
    auto p = query::OpenQueryProcessor(harness.engine(), query::NodeInfo{});
    if (!p.ok()) std::abort();
    processor = std::move(*p);
    auto opened = http::ConsoleSessions::Open(harness.engine());
    if (!opened.ok()) std::abort();
    sessions = std::move(*opened);
    api = std::make_unique<http::ConsoleApi>(
        harness.iam(), *processor, *sessions,
        [](const iam::Principal&, const std::string&, bool) {
          return std::make_shared<ReadOnlyAuthorizer>();
        });
    if (!SignIn()) std::abort();
  }

  // False when root cannot sign in any more (the fuzzer deleted or disabled its key).
  bool SignIn() {
    cookie.clear();
    csrf.clear();
    http::Request r = Base("/api/session");
    r.body = nlohmann::json{{"kind", "key"},
                            {"access_key_id", fuzz::kRootKeyId},
                            {"secret_access_key", fuzz::kRootSecret}}
                 .dump();
    http::Response response = api->Handle(r);
    if (response.status != 200) return false;
    for (const auto& [name, value] : response.headers) {
      if (name == "Set-Cookie") cookie = value.substr(0, value.find(';'));
    }
    csrf = nlohmann::json::parse(response.body)["csrf_token"].get<std::string>();
    return true;
  }

  http::Request Base(std::string target) const {
    http::Request r;
    r.method = "POST";
    r.target = std::move(target);
    r.remote_address = "127.0.0.1";
    r.headers.emplace_back("Content-Type", "application/json");
    if (!cookie.empty()) r.headers.emplace_back("Cookie", cookie);
    if (!csrf.empty()) r.headers.emplace_back("X-CSRF-Token", csrf);
    return r;
  }
};

void CheckResponse(const http::Response& response) {
  if (response.status >= 500 || !nlohmann::json::accept(response.body)) {
    fprintf(stderr, "HTTP %d: %s\n", response.status, response.body.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static Console* console = new Console;
  static int inputs = 0;
  if (++inputs % kInputsPerAccount == 0) console->Reset();
  std::string_view body = fuzz::AsView(data + 1, size - 1);

  switch (data[0] % 4) {
    case 0: {
      http::Request r = console->Base("/api/session");
      r.body = std::string(body);
      CheckResponse(console->api->Handle(r));
      break;
    }
    case 1: {
      http::Request r = console->Base("/api/cql");
      r.body = std::string(body);
      CheckResponse(console->api->Handle(r));
      break;
    }
    case 2: {
      auto f = fuzz::SplitFields(body, 2);
      http::Request r = console->Base("/api/iam/" + std::string(f[0]));
      r.body = std::string(f[1]);
      http::Response response = console->api->Handle(r);
      CheckResponse(response);
      // An operation may end the root's session or delete its key: sign in again, or start over.
      if (response.status == 401 && !console->SignIn()) console->Reset();
      break;
    }
    default:
      (void)http::ParseJsonObject(body, true);
      (void)http::ParseSignInBody(body);
      (void)http::ParseCqlBody(body);
      (void)http::ParseIamParameters(body);
      break;
  }
  return 0;
}
