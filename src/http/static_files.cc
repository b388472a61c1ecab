#include "http/static_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sibyl::http {
namespace {

namespace fs = std::filesystem;

// NAME_MAX of Linux file systems: a longer segment names no file.
constexpr size_t kMaxFileNameBytes = 255;

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

Result<std::string> ConsoleRelativePath(std::string_view path) {
  constexpr std::string_view kPrefix = "/console/";
  if (path.substr(0, kPrefix.size()) != kPrefix) {
    return Status(ErrorCode::kInvalid, "not a path under /console/");
  }
  const std::string_view relative = path.substr(kPrefix.size());
  // Checked segment by segment on the text alone, before the file system sees anything: a
  // name too long for it made weakly_canonical() throw (issue 9 item 8).
  size_t pos = 0;
  while (pos <= relative.size()) {
    size_t slash = relative.find('/', pos);
    if (slash == std::string_view::npos) slash = relative.size();
    const std::string_view segment = relative.substr(pos, slash - pos);
    if (segment == "." || segment == "..") {
      // Browsers remove dot segments (RFC 3986 §5.2.4) before sending; only a hand-made
      // request has them, and it may not climb out of the console's directory.
      return Status(ErrorCode::kInvalid, "dot segments are not allowed in the path");
    }
    for (char c : segment) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') {
        return Status(ErrorCode::kInvalid, "control characters or backslashes in the path");
      }
    }
    if (segment.size() > kMaxFileNameBytes) {
      return Status(ErrorCode::kNotFound, "no file has a name this long");
    }
    pos = slash + 1;
  }
  return std::string(relative);
}

Response StaticFiles::Get(const Request& request) const {
  std::string path = request.Path();
  if (path == "/console") {
    Response r{301, "text/plain", "Moved\n"};
    r.headers.emplace_back("Location", "/console/");
    return r;
  }
  auto relative = ConsoleRelativePath(path);
  if (!relative.ok()) {
    return relative.status().code() == ErrorCode::kNotFound
               ? Response{404, "text/plain", "Not Found\n"}
               : Response{400, "text/plain", "Bad Request: " + relative.status().message() + "\n"};
  }
  std::error_code ec;
  fs::path root = root_.empty() ? fs::path() : fs::weakly_canonical(fs::path(root_), ec);
  if (ec || root.empty() || !fs::exists(root / "index.html", ec)) {
    return Response{404, "text/plain",
                    "The console is not built: run scripts/build.sh (it builds console/ with "
                    "npm), or pass --console-dir.\n"};
  }
  fs::path file = relative->empty() ? root / "index.html" : (root / *relative).lexically_normal();
  // Stay inside the root (no dot segments can remain, but a symbolic link could lead out).
  fs::path resolved = fs::weakly_canonical(file, ec);
  if (ec) return Response{404, "text/plain", "Not Found\n"};
  auto [root_end, file_it] =
      std::mismatch(root.begin(), root.end(), resolved.begin(), resolved.end());
  if (root_end != root.end()) return Response{404, "text/plain", "Not Found\n"};
  // Unknown paths are the single-page app's own routes: they get index.html.
  if (!fs::is_regular_file(resolved, ec)) resolved = root / "index.html";
  Response r{200, ContentType(resolved), ""};
  if (!ReadFile(resolved, &r.body)) return Response{404, "text/plain", "Not Found\n"};
  AddSecurityHeaders(r);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace sibyl::http
