#pragma once
// An HTTP request as the API handlers see it: no Beast types, so handlers are unit-testable.

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace sibyl::http {

struct Request {
  std::string method;  // "POST"
  std::string target;  // "/?a=b" as received (path and query)
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
  std::string remote_address;
  bool secure = false;  // arrived over TLS

  // First header with this name (case-insensitive), or empty.
  std::string Header(const std::string& name) const;
  std::string Path() const;   // target before '?'
  std::string Query() const;  // target after '?', raw
};

struct Response {
  int status = 200;
  std::string content_type = "text/xml";
  std::string body;
  // Extra headers (Set-Cookie, Cache-Control, Content-Disposition...).
  std::vector<std::pair<std::string, std::string>> headers = {};
  // Send the answer only after this long (a refused sign-in, slowed by the LoginBrake). The
  // server waits on a timer, not a thread; the connection reads nothing more meanwhile.
  std::chrono::milliseconds delay{0};
};

// What answers requests: the IAM API, the console's JSON API and files (router.h).
using RequestHandler = std::function<Response(const Request&)>;

// Decodes application/x-www-form-urlencoded (also a raw query string) into ordered pairs. A pure
// function of its input (fuzzed); its size bounds the output (HandleIamRequest limits the count).
std::vector<std::pair<std::string, std::string>> ParseForm(const std::string& body);

}  // namespace sibyl::http
