#include "http/router.h"

#include <nlohmann/json.hpp>

#include "http/iam_api.h"
#include "http/xml_writer.h"

namespace sibyl::http {
namespace {

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

bool IsConsoleApi(std::string_view path) { return path.rfind("/api/", 0) == 0; }

}  // namespace

RequestHandler MakeRouter(iam::IamService& iam, ConsoleApi& console, const StaticFiles& files) {
  return [&iam, &console, &files](const Request& request) -> Response {
    const std::string path = request.Path();
    if (path == "/") {
      if (request.method == "GET" && request.Query().find("Action=") == std::string::npos) {
        Response r{302, "text/plain", "Found\n"};
        r.headers.emplace_back("Location", "/console/");
        return r;
      }
      if (request.method == "POST" || request.method == "GET") return HandleIamRequest(iam, request);
    }
    if (IsConsoleApi(path)) return console.Handle(request);
    if ((path == "/console" || path.rfind("/console/", 0) == 0) && request.method == "GET") {
      return files.Get(request);
    }
    return Response{404, "text/plain", "Not Found\n"};
  };
}

size_t MaxBodyBytes(std::string_view target) {
  const std::string_view path = PathOf(target);
  if (path == "/") return kMaxIamBodyBytes;
  if (IsConsoleApi(path)) return kMaxConsoleBodyBytes;
  return 0;
}

Response RequestError(int status, std::string_view target, const std::string& code,
                      const std::string& message) {
  const std::string_view path = PathOf(target);
  if (path == "/") {
    return Response{status, "text/xml",
                    ErrorDocument(kIamNamespace, status >= 500 ? "Receiver" : "Sender", code,
                                  message)};
  }
  if (IsConsoleApi(path)) {
    nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
    Response r{status, "application/json",
               body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  return Response{status, "text/plain", message + "\n"};
}

}  // namespace sibyl::http
