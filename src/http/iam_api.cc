#include "http/iam_api.h"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <optional>

#include "common/clock.h"
#include "http/authenticate.h"
#include "http/xml_writer.h"
#include "iam/iam_service.h"

namespace sibyl::http {
namespace {

using Params = std::map<std::string, std::string>;

struct Call {
  iam::IamService& iam;
  const iam::Principal& caller;
  const Params& params;
  QueryResponse& out;

  std::optional<std::string> Get(const char* name) const {
    auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    return it->second;
  }
  Result<std::string> Required(const char* name, const char* field) const {
    auto v = Get(name);
    if (!v) {
      return AwsError("ValidationError", 400,
                      fmt::format("1 validation error detected: Value null at '{}' failed to "
                                  "satisfy constraint: Member must not be null",
                                  field));
    }
    return *v;
  }
  // The UserName parameter, defaulting to the caller (AWS: "defaults to the caller").
  std::string UserOrCaller() const { return Get("UserName").value_or(caller.user_name); }
  int MaxItems() const {
    auto v = Get("MaxItems");
    return v ? std::atoi(v->c_str()) : 100;
  }
};

void AddUser(pugi::xml_node parent, const iam::IamService& iam, const iam::User& u) {
  AddText(parent, "Path", u.path);
  AddText(parent, "UserName", u.name);
  AddText(parent, "UserId", u.id);
  AddText(parent, "Arn", iam.UserArn(u));
  AddText(parent, "CreateDate", IsoDate(u.create_date));
}

void AddCredential(pugi::xml_node node, const iam::ServiceCredential& c) {
  AddText(node, "CreateDate", IsoDate(c.create_date));
  AddText(node, "ServiceName", c.service_name);
  AddText(node, "ServiceUserName", c.service_user_name);
  AddText(node, "ServiceSpecificCredentialId", c.id);
  AddText(node, "UserName", c.user_name);
  AddText(node, "Status", c.status);
}

void AddTruncation(pugi::xml_node result, bool truncated, const std::string& marker) {
  AddText(result, "IsTruncated", truncated ? "true" : "false");
  if (truncated) AddText(result, "Marker", marker);
}

using Handler = std::function<Status(Call&)>;

const std::map<std::string, Handler>& Handlers() {
  static const std::map<std::string, Handler> kHandlers = {
      {"CreateUser",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
         ASSIGN_OR_RETURN(iam::User u, c.iam.CreateUser(name, c.Get("Path").value_or("/")));
         AddUser(c.out.result().append_child("User"), c.iam, u);
         return Status::OK();
       }},
      {"GetUser",
       [](Call& c) -> Status {
         if (!c.Get("UserName") && c.caller.is_root()) {
           auto user = c.out.result().append_child("User");
           AddText(user, "UserId", c.iam.account_id());
           AddText(user, "Arn", c.iam.RootArn());
           AddText(user, "CreateDate", IsoDate(0));
           return Status::OK();
         }
         ASSIGN_OR_RETURN(iam::User u, c.iam.GetUser(c.UserOrCaller()));
         AddUser(c.out.result().append_child("User"), c.iam, u);
         return Status::OK();
       }},
      {"ListUsers",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto page, c.iam.ListUsers(c.Get("PathPrefix").value_or(""),
                                                     c.Get("Marker").value_or(""), c.MaxItems()));
         auto users = c.out.result().append_child("Users");
         for (const auto& u : page.items) AddUser(users.append_child("member"), c.iam, u);
         AddTruncation(c.out.result(), page.is_truncated, page.marker);
         return Status::OK();
       }},
      {"UpdateUser",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
         return c.iam.UpdateUser(name, c.Get("NewUserName"), c.Get("NewPath"));
       }},
      {"DeleteUser",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
         return c.iam.DeleteUser(name);
       }},
      {"CreateAccessKey",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(iam::NewAccessKey k, c.iam.CreateAccessKey(c.UserOrCaller()));
         auto key = c.out.result().append_child("AccessKey");
         AddText(key, "UserName", k.key.user_name);
         AddText(key, "AccessKeyId", k.key.id);
         AddText(key, "Status", k.key.status);
         AddText(key, "SecretAccessKey", k.secret);
         AddText(key, "CreateDate", IsoDate(k.key.create_date));
         return Status::OK();
       }},
      {"ListAccessKeys",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto page, c.iam.ListAccessKeys(c.UserOrCaller(),
                                                          c.Get("Marker").value_or(""),
                                                          c.MaxItems()));
         auto list = c.out.result().append_child("AccessKeyMetadata");
         for (const auto& k : page.items) {
           auto m = list.append_child("member");
           AddText(m, "UserName", k.user_name);
           AddText(m, "AccessKeyId", k.id);
           AddText(m, "Status", k.status);
           AddText(m, "CreateDate", IsoDate(k.create_date));
         }
         AddTruncation(c.out.result(), page.is_truncated, page.marker);
         if (!c.caller.is_root() || c.Get("UserName")) AddText(c.out.result(), "UserName", c.UserOrCaller());
         return Status::OK();
       }},
      {"UpdateAccessKey",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(std::string id, c.Required("AccessKeyId", "accessKeyId"));
         ASSIGN_OR_RETURN(std::string status, c.Required("Status", "status"));
         return c.iam.UpdateAccessKey(c.UserOrCaller(), id, status);
       }},
      {"DeleteAccessKey",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(std::string id, c.Required("AccessKeyId", "accessKeyId"));
         return c.iam.DeleteAccessKey(c.UserOrCaller(), id);
       }},
      {"GetAccessKeyLastUsed",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(std::string id, c.Required("AccessKeyId", "accessKeyId"));
         ASSIGN_OR_RETURN(iam::AccessKey k, c.iam.GetAccessKey(id));
         if (!k.user_name.empty()) AddText(c.out.result(), "UserName", k.user_name);
         auto used = c.out.result().append_child("AccessKeyLastUsed");
         if (k.last_used > 0) AddText(used, "LastUsedDate", IsoDate(k.last_used));
         AddText(used, "ServiceName", k.last_used_service.empty() ? "N/A" : k.last_used_service);
         AddText(used, "Region", k.last_used_region.empty() ? "N/A" : k.last_used_region);
         return Status::OK();
       }},
      {"CreateServiceSpecificCredential",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(std::string user, c.Required("UserName", "userName"));
         ASSIGN_OR_RETURN(std::string service, c.Required("ServiceName", "serviceName"));
         ASSIGN_OR_RETURN(auto created, c.iam.CreateServiceSpecificCredential(user, service));
         auto node = c.out.result().append_child("ServiceSpecificCredential");
         AddCredential(node, created.credential);
         AddText(node, "ServicePassword", created.password);
         return Status::OK();
       }},
      {"ListServiceSpecificCredentials",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto page, c.iam.ListServiceSpecificCredentials(
                                         c.UserOrCaller(), c.Get("ServiceName").value_or("")));
         auto list = c.out.result().append_child("ServiceSpecificCredentials");
         for (const auto& cred : page.items) AddCredential(list.append_child("member"), cred);
         AddText(c.out.result(), "IsTruncated", "false");
         return Status::OK();
       }},
      {"ResetServiceSpecificCredential",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(std::string id,
                          c.Required("ServiceSpecificCredentialId", "serviceSpecificCredentialId"));
         ASSIGN_OR_RETURN(auto reset, c.iam.ResetServiceSpecificCredential(c.UserOrCaller(), id));
         auto node = c.out.result().append_child("ServiceSpecificCredential");
         AddCredential(node, reset.credential);
         AddText(node, "ServicePassword", reset.password);
         return Status::OK();
       }},
      {"UpdateServiceSpecificCredential",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(std::string id,
                          c.Required("ServiceSpecificCredentialId", "serviceSpecificCredentialId"));
         ASSIGN_OR_RETURN(std::string status, c.Required("Status", "status"));
         return c.iam.UpdateServiceSpecificCredential(c.UserOrCaller(), id, status);
       }},
      {"DeleteServiceSpecificCredential",
       [](Call& c) -> Status {
         ASSIGN_OR_RETURN(std::string id,
                          c.Required("ServiceSpecificCredentialId", "serviceSpecificCredentialId"));
         return c.iam.DeleteServiceSpecificCredential(c.UserOrCaller(), id);
       }},
  };
  return kHandlers;
}

Response ErrorResponse(const char* ns, const Status& s) {
  Response r;
  std::string code = "InternalFailure";
  int status = 500;
  std::string type = "Receiver";
  std::string message = s.message();
  if (const auto* d = std::get_if<AwsErrorDetail>(&s.detail())) {
    code = d->code;
    status = d->http_status;
    type = status >= 500 ? "Receiver" : "Sender";
  } else {
    message = "We encountered an internal error. Please try again.";
  }
  r.status = status;
  r.body = ErrorDocument(ns, type, code, message);
  return r;
}

}  // namespace

Response HandleIamRequest(iam::IamService& iam, const Request& request) {
  std::string body = request.method == "GET" ? request.Query() : request.body;
  Params params;
  for (auto& [k, v] : ParseForm(body)) params[k] = v;
  std::string action = params.count("Action") ? params["Action"] : "";
  bool sts = action == "GetCallerIdentity";
  const char* ns = sts ? kStsNamespace : kIamNamespace;

  auto principal = Authenticate(iam, request, sts ? "sts" : "iam", NowSeconds());
  if (!principal.ok()) return ErrorResponse(ns, principal.status());

  if (sts) {
    QueryResponse out(action, ns);
    auto result = out.result();
    AddText(result, "Arn", principal->arn);
    AddText(result, "UserId", principal->user_id);
    AddText(result, "Account", iam.account_id());
    return Response{200, "text/xml", out.Finish()};
  }
  auto handler = Handlers().find(action);
  std::string version = params.count("Version") ? params["Version"] : "";
  if (handler == Handlers().end() || version != "2010-05-08") {
    return ErrorResponse(ns, AwsError("InvalidAction", 400,
                                      fmt::format("Could not find operation {} for version {}",
                                                  action, version.empty() ? "NO_VERSION_SPECIFIED"
                                                                          : version)));
  }
  // Until identity policies exist (issue #4), only the account root may call the IAM API.
  if (!principal->is_root()) {
    std::string resource = params.count("UserName")
                               ? fmt::format("arn:aws:iam::{}:user/{}", iam.account_id(),
                                             params["UserName"])
                               : principal->arn;
    return ErrorResponse(
        ns, AwsError("AccessDenied", 403,
                     fmt::format("User: {} is not authorized to perform: iam:{} on resource: {} "
                                 "because no identity-based policy allows the iam:{} action",
                                 principal->arn, action, resource, action)));
  }
  QueryResponse out(action, ns);
  Call call{iam, *principal, params, out};
  Status s = handler->second(call);
  if (!s.ok()) return ErrorResponse(ns, s);
  return Response{200, "text/xml", out.Finish()};
}

}  // namespace sibyl::http
