#pragma once
// The console's built files (console/dist), served under /console/. Unknown paths under
// /console/ get index.html, so that the single-page app's own routes reload. Never serves a
// path outside the directory. Files are read at each request (they are small; no cache to go
// stale after a rebuild).

#include <string>
#include <string_view>

#include "common/status.h"
#include "http/request.h"

namespace sibyl::http {

class StaticFiles {
 public:
  // `root`: the directory holding index.html; empty or missing: every request gets 404 with a
  // hint to build the console.
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}

  // A GET for a path under /console.
  Response Get(const Request& request) const;

 private:
  std::string root_;
};

// The part of `path` after "/console/", checked on its text alone: kInvalid (answered 400) for
// "." or ".." segments, control characters or backslashes; kNotFound (404) for a segment longer
// than any file name (255 bytes). A pure function of its input (fuzzed).
Result<std::string> ConsoleRelativePath(std::string_view path);

// Headers every HTML, script and style response gets (CSP, no framing, no sniffing).
void AddSecurityHeaders(Response& response);

}  // namespace sibyl::http
