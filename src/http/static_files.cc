#include "http/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sibyl::http {
namespace {

namespace fs = std::filesystem;

std::string ContentType(const fs::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json" || ext == ".map") return "application/json";
  return "application/octet-stream";
}

bool ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

void AddSecurityHeaders(Response& response) {
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
}

Response StaticFiles::Get(const Request& request) const {
  std::string path = request.Path();
  if (path == "/console") {
    Response r{301, "text/plain", "Moved\n"};
    r.headers.emplace_back("Location", "/console/");
    return r;
  }
  std::string relative = path.substr(std::string("/console/").size());
  fs::path root = root_.empty() ? fs::path() : fs::weakly_canonical(fs::path(root_));
  if (root.empty() || !fs::exists(root / "index.html")) {
    return Response{404, "text/plain",
                    "The console is not built: run scripts/build.sh (it builds console/ with "
                    "npm), or pass --console-dir.\n"};
  }
  fs::path file = relative.empty() ? root / "index.html" : fs::weakly_canonical(root / relative);
  // Stay inside the root.
  auto [root_end, file_it] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (root_end != root.end()) return Response{404, "text/plain", "Not Found\n"};
  if (!fs::is_regular_file(file)) file = root / "index.html";
  Response r{200, ContentType(file), ""};
  if (!ReadFile(file, &r.body)) return Response{404, "text/plain", "Not Found\n"};
  AddSecurityHeaders(r);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace sibyl::http
