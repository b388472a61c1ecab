#include "http/console_api.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "common/clock.h"
#include "common/utf8.h"
#include "cql/types/value.h"
#include "http/console_bodies.h"
#include "http/iam_api.h"
#include "http/xml_to_json.h"
#include "iam/crypto.h"
#include "query/processor.h"

namespace sibyl::http {

namespace protocol = ::sibyl::cql::protocol;
namespace types = ::sibyl::cql::types;

namespace {

using nlohmann::json;

constexpr const char* kCookie = "sibyl_session";

Response Json(int status, const json& body) {
  // Replace, not throw, on invalid UTF-8: messages may quote what a client sent (a path).
  Response r{status, "application/json",
             body.dump(-1, ' ', false, json::error_handler_t::replace)};
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Response Error(int status, const std::string& code, const std::string& message) {
  return Json(status, {{"error", {{"code", code}, {"message", message}}}});
}

Response FromStatus(const Status& s) {
  if (const auto* d = std::get_if<AwsErrorDetail>(&s.detail())) {
    return Error(d->http_status, d->code, s.message());
  }
  return Error(500, "InternalFailure", "We encountered an internal error. Please try again.");
}

// The sessions are rows of the storage engine (issue 15); on RADOS a read can time out.
Response SessionStoreError(const Status& s) {
  spdlog::error("console: the session store failed: {}", s.ToString());
  return Error(503, "ServiceUnavailable", "The session store is unavailable. Please try again.");
}

std::string CookieValue(const Request& request, const std::string& name) {
  std::string header = request.Header("Cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    size_t start = part.find_first_not_of(' ');
    if (start != std::string::npos) part = part.substr(start);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return "";
}

std::string SessionCookie(const std::string& value, bool secure, int64_t max_age) {
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", kCookie, value,
                     max_age, secure ? "; Secure" : "");
}

// Whether the user must choose a new console password before anything else.
bool ResetRequired(const iam::IamService& iam, const iam::Principal& p) {
  if (p.is_root()) return false;
  auto profile = iam.GetLoginProfile(p.user_name);
  return profile.ok() && profile->password_reset_required;
}

json PrincipalJson(const iam::IamService& iam, const iam::Principal& p) {
  return {{"arn", p.arn},
          {"user_name", p.user_name},
          {"user_id", p.user_id},
          {"account", iam.account_id()},
          {"region", iam.region()},
          {"is_root", p.is_root()},
          {"password_reset_required", ResetRequired(iam, p)}};
}

std::string SourceIp(const Request& request) {
  return iam::ConditionSourceIp(request.remote_address);
}

// A CQL literal for any value, collections and tuples included (native-protocol collections:
// an int32 count, then each element as int32 length + bytes).
std::string Literal(const types::Type& type, std::string_view bytes) {
  auto read_int = [&](std::string_view& in, int32_t* out) {
    if (in.size() < 4) return false;
    *out = static_cast<int32_t>((static_cast<uint8_t>(in[0]) << 24) |
                                (static_cast<uint8_t>(in[1]) << 16) |
                                (static_cast<uint8_t>(in[2]) << 8) | static_cast<uint8_t>(in[3]));
    in.remove_prefix(4);
    return true;
  };
  auto read_element = [&](std::string_view& in, const types::Type& t, std::string* out) {
    int32_t len = 0;
    if (!read_int(in, &len)) return false;
    if (len < 0) {
      *out = "null";
      return true;
    }
    if (static_cast<size_t>(len) > in.size()) return false;
    *out = Literal(t, in.substr(0, len));
    in.remove_prefix(len);
    return true;
  };
  const auto kind = type.kind();
  if (kind == types::Kind::kList || kind == types::Kind::kSet || kind == types::Kind::kMap) {
    std::string_view in = bytes;
    int32_t n = 0;
    if (!read_int(in, &n) || n < 0) return types::ToCqlLiteral(type, bytes);
    const bool map = kind == types::Kind::kMap;
    std::string out = kind == types::Kind::kList ? "[" : "{";
    for (int32_t i = 0; i < n; ++i) {
      std::string key, value;
      if (!read_element(in, type.params()[0], &key)) return types::ToCqlLiteral(type, bytes);
      out += (i ? ", " : "") + key;
      if (map) {
        if (!read_element(in, type.params()[1], &value)) return types::ToCqlLiteral(type, bytes);
        out += ": " + value;
      }
    }
    return out + (kind == types::Kind::kList ? "]" : "}");
  }
  if (kind == types::Kind::kTuple) {
    std::string_view in = bytes;
    std::string out = "(";
    for (size_t i = 0; i < type.params().size() && !in.empty(); ++i) {
      std::string element;
      if (!read_element(in, type.params()[i], &element)) return types::ToCqlLiteral(type, bytes);
      out += (i ? ", " : "") + element;
    }
    return out + ")";
  }
  return types::ToCqlLiteral(type, bytes);
}

// A value as the console shows it: text unquoted, everything else as a CQL literal.
json CellJson(const types::Type& type, const types::Value& value) {
  if (!value) return nullptr;
  switch (type.kind()) {
    case types::Kind::kAscii:
    case types::Kind::kVarchar:
      return *value;
    default:
      return Literal(type, *value);
  }
}

// The exception names drivers and cqlsh show for the CQL error codes.
std::string CqlErrorName(ErrorCode code) {
  switch (static_cast<int>(code)) {
    case 0x0000: return "ServerError";
    case 0x000A: return "ProtocolError";
    case 0x0100: return "BadCredentials";
    case 0x1000: return "Unavailable";
    case 0x1001: return "Overloaded";
    case 0x1100: return "WriteTimeout";
    case 0x1200: return "ReadTimeout";
    case 0x2000: return "SyntaxException";
    case 0x2100: return "Unauthorized";
    case 0x2200: return "InvalidRequest";
    case 0x2300: return "ConfigurationException";
    case 0x2400: return "AlreadyExists";
    case 0x2500: return "Unprepared";
    default: {
      std::string name(ErrorCodeName(code));
      return name.size() > 1 && name[0] == 'k' ? name.substr(1) : name;
    }
  }
}

}  // namespace

Response ConsoleApi::Handle(const Request& request) {
  const std::string path = request.Path();
  const int64_t now = NowSeconds();
  if (path == "/api/session" && request.method == "POST") return SignIn(request);
  if (path == "/api/sign-in-hint" && request.method == "GET") {
    // Which tab the sign-in page opens on (issue 10 item 26): before any IAM user has a console
    // password, only the root access key can sign in. Unauthenticated on purpose, so it answers
    // one bit and nothing else. What an attacker learns from it: whether password sign-in is
    // usable at all on this server, i.e. whether guessing IAM passwords could ever succeed. Not
    // which users exist, how many, or which have passwords (no names, no counts); a user name
    // must still be guessed along with its password, under the same LoginBrake as before, and
    // the answer is the same for every caller. The work is bounded (one pass over the users in
    // memory, no storage read, no allocation per user), so it is no lever for load either.
    return Json(200, {{"iam_user_passwords_exist", iam_.AnyLoginProfile()}});
  }

  auto found = sessions_.Find(CookieValue(request, kCookie), now);
  if (!found.ok()) return SessionStoreError(found.status());
  auto& session = *found;
  if (!session) return Error(401, "NotSignedIn", "Sign in first (the session is missing or ended).");
  if (request.method != "GET") {
    // CSRF: the token only the page knows, and a JSON body that a cross-site form cannot send.
    std::string token = request.Header("X-CSRF-Token");
    if (token.size() != session->csrf_token.size() ||
        CRYPTO_memcmp(token.data(), session->csrf_token.data(), token.size()) != 0) {
      return Error(403, "InvalidCsrfToken", "The request's CSRF token is missing or wrong.");
    }
    if (request.method == "POST" &&
        request.Header("Content-Type").rfind("application/json", 0) != 0) {
      return Error(415, "UnsupportedMediaType", "Send a JSON body (Content-Type: application/json).");
    }
  }
  if (path == "/api/session") {
    if (request.method == "GET") {
      return Json(200, {{"principal", PrincipalJson(iam_, session->principal)},
                        {"csrf_token", session->csrf_token},
                        {"idle_seconds", sessions_.limits().idle_seconds}});
    }
    if (request.method == "DELETE") {
      if (Status deleted = sessions_.Delete(*session); !deleted.ok()) {
        return SessionStoreError(deleted);
      }
      Response r = Json(200, json::object());
      r.headers.emplace_back("Set-Cookie", SessionCookie("", request.secure, 0));
      return r;
    }
  }
  if (path != "/api/session" && path != "/api/iam/ChangePassword" &&
      ResetRequired(iam_, session->principal)) {
    // As the AWS console: a user whose password must be reset does that first.
    return Error(403, "PasswordResetRequired",
                 "Choose a new password before using the console (iam:ChangePassword).");
  }
  if (path.rfind("/api/iam/", 0) == 0 && request.method == "POST") {
    return Iam(request, *session, path.substr(9));
  }
  if (path == "/api/cql" && request.method == "POST") return Cql(request, *session);
  if (path == "/api/endpoint" && request.method == "GET") {
    return Json(200, {{"cql_port", endpoint_.cql_port},
                      {"cql_tls_port", endpoint_.cql_tls_port},
                      {"certificate_path", endpoint_.certificate_path},
                      {"data_center", endpoint_.data_center}});
  }
  return Error(404, "NotFound", "No such API: " + request.method + " " + path);
}

Response ConsoleApi::SignIn(const Request& request) {
  const int64_t now = NowSeconds();
  auto body = ParseSignInBody(request.body);
  if (!body.ok()) return FromStatus(body.status());
  Result<iam::Principal> principal = AwsError("AccessDenied", 403, "Unknown sign-in kind.");
  if (body->kind == "key") {
    auto resolved = iam_.ResolveAccessKey(body->name);
    const std::string& secret = body->secret;
    if (resolved.ok() && resolved->second.size() == secret.size() &&
        CRYPTO_memcmp(resolved->second.data(), secret.data(), secret.size()) == 0) {
      principal = resolved->first;
    } else {
      principal = AwsError("AccessDenied", 403, "Your authentication information is incorrect.");
    }
  } else if (body->kind == "password") {
    principal = iam_.AuthenticateConsolePassword(body->name, body->secret);
  }
  if (!principal.ok()) {
    // The same brake as CQL logins (issue 9 item 7): the refusal is answered late, the right
    // password never is, so naming someone's key id cannot lock it out.
    const std::string source = SourceIp(request);
    const auto delay = iam_.login_brake().RecordFailure(source, body->name, iam::BrakeClockMillis());
    spdlog::warn("console: failed sign-in ({}) for '{}' from {}: {}; answered after {} ms",
                 body->kind == "key" ? "access key" : body->kind == "password" ? "password"
                                                                                 : "unknown kind",
                 Utf8Prefix(body->name, 128), source, principal.status().message(),
                 delay.count());
    Response refused = FromStatus(principal.status());
    refused.delay = delay;
    return refused;
  }
  iam_.login_brake().RecordSuccess(body->name);
  auto created = sessions_.Create(*principal, now);
  if (!created.ok()) return SessionStoreError(created.status());
  const ConsoleSession& session = *created;
  Response r = Json(200, {{"principal", PrincipalJson(iam_, session.principal)},
                          {"csrf_token", session.csrf_token},
                          {"idle_seconds", sessions_.limits().idle_seconds}});
  r.headers.emplace_back("Set-Cookie", SessionCookie(session.id, request.secure,
                                                     sessions_.limits().absolute_seconds));
  return r;
}

Response ConsoleApi::Iam(const Request& request, const ConsoleSession& session,
                         const std::string& action) {
  auto params = ParseIamParameters(request.body);
  if (!params.ok()) return FromStatus(params.status());
  auto xml = CallIamOperation(iam_, session.principal, action, *params, request);
  if (!xml.ok()) return FromStatus(xml.status());
  pugi::xml_document doc;
  doc.load_string(xml->c_str());
  json result = json::object();
  if (auto node = doc.first_child().child((action + "Result").c_str())) {
    result = QueryResultToJson(node);
    if (!result.is_object()) result = json::object();
  }
  return Json(200, result);
}

Response ConsoleApi::Cql(const Request& request, const ConsoleSession& session) {
  auto body = ParseCqlBody(request.body);
  if (!body.ok()) return FromStatus(body.status());
  query::Session cql_session;
  cql_session.keyspace = body->keyspace;
  cql_session.authorizer =
      make_authorizer_(session.principal, SourceIp(request), request.secure);
  protocol::QueryParameters params;
  params.consistency = protocol::Consistency::kLocalQuorum;
  params.page_size = body->page_size;
  params.paging_state = body->paging_state;
  auto result = processor_.Query(cql_session, body->query, params);
  if (!result.ok()) {
    const Status& s = result.status();
    int status = s.code() == ErrorCode::kUnauthorized ? 403 : 400;
    return Json(status, {{"error",
                          {{"code", CqlErrorName(s.code())},
                           {"cql_code", fmt::format("0x{:04x}", static_cast<int>(s.code()))},
                           {"message", s.message()}}}});
  }
  json out = {{"kind", "void"}, {"keyspace", cql_session.keyspace}};
  if (const auto* rows = std::get_if<protocol::RowsResult>(&*result)) {
    out["kind"] = "rows";
    json columns = json::array();
    for (const auto& c : rows->metadata.columns) {
      columns.push_back({{"name", c.name}, {"type", c.type.ToCql()}});
    }
    json data = json::array();
    for (const auto& row : rows->rows) {
      json cells = json::array();
      for (size_t i = 0; i < row.size() && i < rows->metadata.columns.size(); ++i) {
        cells.push_back(CellJson(rows->metadata.columns[i].type, row[i]));
      }
      data.push_back(std::move(cells));
    }
    out["columns"] = std::move(columns);
    out["rows"] = std::move(data);
    out["paging_state"] = rows->metadata.paging_state
                              ? json(iam::HexEncode(*rows->metadata.paging_state))
                              : json(nullptr);
  } else if (const auto* ks = std::get_if<protocol::SetKeyspaceResult>(&*result)) {
    out["kind"] = "keyspace";
    out["keyspace"] = ks->keyspace;
  } else if (const auto* change = std::get_if<protocol::SchemaChangeResult>(&*result)) {
    out["kind"] = "schema_change";
    out["change"] = {{"type", change->change_type}, {"target", change->target},
                     {"keyspace", change->keyspace}, {"name", change->name}};
  }
  return Json(200, out);
}

}  // namespace sibyl::http
