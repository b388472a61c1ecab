#pragma once
// The console's built files (console/dist), served under /console/. Unknown paths under
// /console/ get index.html, so that the single-page app's own routes reload. Never serves a
// path outside the directory. Files are read at each request (they are small; no cache to go
// stale after a rebuild).

#include <string>

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

// Headers every HTML, script and style response gets (CSP, no framing, no sniffing).
void AddSecurityHeaders(Response& response);

}  // namespace sibyl::http
