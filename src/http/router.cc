#include "http/router.h"

#include "http/iam_api.h"

namespace sibyl::http {

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
    if (path.rfind("/api/", 0) == 0) return console.Handle(request);
    if ((path == "/console" || path.rfind("/console/", 0) == 0) && request.method == "GET") {
      return files.Get(request);
    }
    return Response{404, "text/plain", "Not Found\n"};
  };
}

}  // namespace sibyl::http
