#pragma once
// Which part of the HTTP door answers a request:
//   /            POST (or GET with ?Action=...): the IAM Query API (iam_api.h)
//   /api/...     the console's JSON API (console_api.h)
//   /console/... the console's files (static_files.h); GET / without an Action goes there

#include "http/console_api.h"
#include "http/request.h"
#include "http/static_files.h"

namespace sibyl::http {

// The handler for HttpServer. Everything referenced must outlive it.
RequestHandler MakeRouter(iam::IamService& iam, ConsoleApi& console, const StaticFiles& files);

}  // namespace sibyl::http
