#pragma once
// Which part of the HTTP door answers a request:
//   /            POST (or GET with ?Action=...): the IAM Query API (iam_api.h)
//   /api/...     the console's JSON API (console_api.h)
//   /console/... the console's files (static_files.h); GET / without an Action goes there
//
// Limits (issue 9 item 8), each refused with a precise 4xx in the shape of the door the target
// names (AWS's XML ErrorResponse for /, the console's JSON error for /api/, text otherwise):
//   request target (path and query)  at most kMaxTargetBytes          -> 414 URI Too Long
//   header (request line and fields) at most kMaxHeaderBytes           -> 431
//   header fields                    at most kMaxHeaderFields          -> 431
//   body of POST /                   at most kMaxIamBodyBytes          -> 413
//   body of /api/...                 at most kMaxConsoleBodyBytes      -> 413
//   body of anything else            none                              -> 413
// IAM's largest documents are small (a managed policy is at most 6,144 characters, an inline
// role policy 10,240; even URL-encoded, with 50 tags, a request stays far below 64 KiB); the
// console's API also carries CQL statements, hence its 1 MiB.

#include <cstddef>
#include <string>
#include <string_view>

#include "http/console_api.h"
#include "http/request.h"
#include "http/static_files.h"

namespace sibyl::http {

inline constexpr size_t kMaxTargetBytes = 8 * 1024;
inline constexpr size_t kMaxHeaderBytes = 16 * 1024;
inline constexpr size_t kMaxHeaderFields = 100;
inline constexpr size_t kMaxIamBodyBytes = 64 * 1024;
inline constexpr size_t kMaxConsoleBodyBytes = 1024 * 1024;

// The handler for HttpServer. Everything referenced must outlive it.
RequestHandler MakeRouter(iam::IamService& iam, ConsoleApi& console, const StaticFiles& files);

// The largest body accepted for a request to `target` (path and query), per the table above.
size_t MaxBodyBytes(std::string_view target);

// An error found before a request reaches its handler (a limit, a malformed request), shaped
// for the door `target` names: `code` and `message` in AWS's ErrorResponse for /, in the
// console's {"error":{"code","message"}} for /api/..., as text otherwise.
Response RequestError(int status, std::string_view target, const std::string& code,
                      const std::string& message);

}  // namespace sibyl::http
