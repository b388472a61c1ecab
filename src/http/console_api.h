#pragma once
// The console's JSON API under /api, on the same service code as the IAM Query API:
//   POST   /api/session        sign in: {"kind":"key","access_key_id","secret_access_key"} or
//                              {"kind":"password","user_name","password"}; sets the session
//                              cookie, returns {"principal":{...},"csrf_token"}
//   GET    /api/session        who is signed in (and the CSRF token), or 401
//   DELETE /api/session        sign out
//   GET    /api/sign-in-hint   {"iam_user_passwords_exist": bool}, no session needed: whether
//                              any IAM user has a console password (the sign-in page opens on
//                              the root-key tab until one does); one bit, no names or counts
//   POST   /api/iam/<Action>   any IAM operation, parameters as a JSON object (lists as arrays,
//                              Tags as [{"Key","Value"}]); the result as the aws CLI prints it;
//                              authorised against the principal's policies exactly as the API
//   GET    /api/endpoint       CQL ports, certificate path, data center (the Connect page)
//   POST   /api/cql            {"query","keyspace"?,"page_size"?,"paging_state"?}: one CQL
//                              statement run as the principal (its IAM policies decide)
// Errors are {"error":{"code","message"[, "cql_code"]}} with AWS's HTTP status (IAM) or 400/403
// (CQL); 503 ServiceUnavailable when the session store cannot be read or written. Every call but sign-in needs the session cookie; every state-changing call also needs
// the X-CSRF-Token header and a JSON body. No secret is logged or put in a URL.
// Bodies are parsed by console_bodies.h: a member of the wrong type, nesting deeper than 32 or
// anything but a JSON object is 400 ValidationError. A failed sign-in is logged (name, source,
// reason) and its 403 is sent after the IAM service's LoginBrake delay; the right secret is
// always answered at once.

#include <functional>
#include <memory>

#include "http/console_sessions.h"
#include "http/request.h"
#include "iam/iam_service.h"

namespace sibyl::query {
class QueryProcessor;
class Authorizer;
}  // namespace sibyl::query

namespace sibyl::http {

// Makes the statement authorizer for a principal (the server's CqlAuthorizer), given the
// caller's address and whether it came over TLS.
using AuthorizerFactory = std::function<std::shared_ptr<query::Authorizer>(
    const iam::Principal& principal, const std::string& source_ip, bool secure)>;

// Where CQL clients connect, for the console's Connect page (GET /api/endpoint).
struct ConsoleEndpoint {
  int cql_port = 9042;
  int cql_tls_port = 9142;
  std::string certificate_path;  // the CQL TLS certificate (the CA file for clients)
  std::string data_center = "datacenter1";
};

class ConsoleApi {
 public:
  // All must outlive the API. `sessions` are shared by every node on the same storage.
  ConsoleApi(iam::IamService& iam, query::QueryProcessor& processor, ConsoleSessions& sessions,
             AuthorizerFactory make_authorizer, ConsoleEndpoint endpoint = {})
      : iam_(iam), processor_(processor), sessions_(sessions),
        make_authorizer_(std::move(make_authorizer)), endpoint_(std::move(endpoint)) {}

  // A request whose path starts with /api/.
  Response Handle(const Request& request);

 private:
  Response SignIn(const Request& request);
  Response Iam(const Request& request, const ConsoleSession& session, const std::string& action);
  Response Cql(const Request& request, const ConsoleSession& session);

  iam::IamService& iam_;
  query::QueryProcessor& processor_;
  ConsoleSessions& sessions_;
  AuthorizerFactory make_authorizer_;
  const ConsoleEndpoint endpoint_;
};

}  // namespace sibyl::http
