#include "http/iam_api.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <map>
#include <optional>

#include "common/clock.h"
#include "common/utf8.h"
#include "http/authenticate.h"
#include "http/iam_operations.h"
#include "http/xml_writer.h"
#include "iam/iam_service.h"
#include "iam/validation.h"

namespace sibyl::http {
namespace {

const OperationTable& Operations() {
  static const OperationTable kTable = [] {
    OperationTable table;
    AddUserOperations(table);
    AddPolicyOperations(table);
    AddGroupOperations(table);
    return table;
  }();
  return kTable;
}

// The ARN an operation acts on, for the authorization check.
std::string ResourceArn(const iam::IamService& iam, ResourceKind kind, const Call& c) {
  const std::string prefix = fmt::format("arn:aws:iam::{}:", iam.account_id());
  // An existing entity's ARN has its path; a new one's (CreateUser...) takes the Path parameter.
  auto arn = [&](iam::EntityKind kind, const std::string& name) {
    auto existing = iam.EntityArn(kind, name);
    return existing.ok() ? *existing
                         : prefix + (kind == iam::EntityKind::kUser ? "user" : "group") +
                               c.Get("Path").value_or("/") + name;
  };
  auto user_arn = [&](const std::string& name) {
    return name.empty() ? iam.RootArn() : arn(iam::EntityKind::kUser, name);
  };
  switch (kind) {
    case ResourceKind::kNone:
      return "*";
    case ResourceKind::kUser:
      // ListServiceSpecificCredentials --all-users acts on every user.
      if (c.Flag("AllUsers") && !c.Get("UserName")) return prefix + "user/*";
      return user_arn(c.UserOrCaller());
    case ResourceKind::kAllUsers:
      return prefix + "user/";
    case ResourceKind::kGroup:
      return arn(iam::EntityKind::kGroup, c.Get("GroupName").value_or(""));
    case ResourceKind::kAllGroups:
      return prefix + "group/";
    case ResourceKind::kPolicy:
      return c.Get("PolicyArn").value_or("*");
    case ResourceKind::kNewPolicy:
      return prefix + "policy" + c.Get("Path").value_or("/") + c.Get("PolicyName").value_or("");
    case ResourceKind::kAllPolicies:
      return prefix + "policy/";
    case ResourceKind::kPolicySource:
      return c.Get("PolicySourceArn").value_or("*");
    case ResourceKind::kAccessKeyOwner: {
      auto key = iam.GetAccessKey(c.Get("AccessKeyId").value_or(""));
      return key.ok() ? user_arn(key->user_name) : user_arn(c.caller.user_name);
    }
  }
  return "*";
}

// The global condition keys of an HTTP request, and the request's tags (TagUser).
iam::RequestContext RequestKeys(const Request& request, const Call& c) {
  iam::RequestContext context;
  iam::AddOriginKeys(context, request.remote_address, request.secure, NowSeconds());
  std::vector<std::string> tag_keys;
  for (int i = 1;; ++i) {
    auto key = c.Get(fmt::format("Tags.member.{}.Key", i).c_str());
    if (!key) break;
    tag_keys.push_back(*key);
    context.keys["aws:requesttag/" + iam::Lower(*key)] = {
        c.Get(fmt::format("Tags.member.{}.Value", i).c_str()).value_or("")};
  }
  for (const auto& key : c.List("TagKeys")) tag_keys.push_back(key);
  if (!tag_keys.empty()) context.keys["aws:tagkeys"] = tag_keys;
  return context;
}

}  // namespace

Result<std::string> Call::Required(const char* name, const char* field) const {
  auto v = Get(name);
  if (!v) {
    return AwsError("ValidationError", 400,
                    fmt::format("1 validation error detected: Value null at '{}' failed to "
                                "satisfy constraint: Member must not be null",
                                field));
  }
  return *v;
}

int Call::MaxItems() const {
  auto v = Get("MaxItems");
  return v ? std::atoi(v->c_str()) : 100;
}

std::vector<std::string> Call::List(const std::string& name) const {
  std::vector<std::string> out;
  for (int i = 1;; ++i) {
    auto it = params.find(fmt::format("{}.member.{}", name, i));
    if (it == params.end()) break;
    out.push_back(it->second);
  }
  return out;
}

Status AuthorizeIamCall(const iam::IamService& iam, const iam::Principal& caller,
                        const std::string& action, const std::string& resource,
                        iam::RequestContext context) {
  context.action = "iam:" + action;
  context.resource = resource;
  iam::Decision decision = iam.Authorize(caller, context);
  if (decision == iam::Decision::kAllow) return Status::OK();
  return AwsError(
      "AccessDenied", 403,
      fmt::format("User: {} is not authorized to perform: iam:{} on resource: {} {}", caller.arn,
                  action, resource,
                  decision == iam::Decision::kExplicitDeny
                      ? "with an explicit deny in an identity-based policy"
                      : fmt::format("because no identity-based policy allows the iam:{} action",
                                    action)));
}

namespace {

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
  auto form = ParseForm(body);
  if (form.size() > kMaxFormParameters) {
    return ErrorResponse(kIamNamespace,
                         AwsError("InvalidQueryParameter", 400,
                                  fmt::format("The request has more than {} parameters.",
                                              kMaxFormParameters)));
  }
  Params params;
  for (auto& [k, v] : form) params[k] = std::move(v);
  std::string action = params.count("Action") ? params["Action"] : "";
  bool sts = action == "GetCallerIdentity";
  const char* ns = sts ? kStsNamespace : kIamNamespace;

  auto principal = Authenticate(iam, request, sts ? "sts" : "iam", NowSeconds());
  if (!principal.ok()) {
    // Logged (issue 9 item 7): the key id and the reason, never the signature.
    auto fields = ParseSigV4(request);
    const auto* detail = std::get_if<AwsErrorDetail>(&principal.status().detail());
    spdlog::warn("IAM API: failed authentication for access key '{}' from {}: {}",
                 fields.ok() ? Utf8Prefix(fields->access_key, 128) : std::string_view(),
                 request.remote_address, detail ? detail->code : principal.status().ToString());
    return ErrorResponse(ns, principal.status());
  }

  if (sts) {
    QueryResponse out(action, ns);
    auto result = out.result();
    AddText(result, "Arn", principal->arn);
    AddText(result, "UserId", principal->user_id);
    AddText(result, "Account", iam.account_id());
    return Response{200, "text/xml", out.Finish()};
  }
  std::string version = params.count("Version") ? params["Version"] : "";
  if (version != "2010-05-08") {
    return ErrorResponse(ns, AwsError("InvalidAction", 400,
                                      fmt::format("Could not find operation {} for version {}",
                                                  action, version.empty() ? "NO_VERSION_SPECIFIED"
                                                                          : version)));
  }
  auto result = CallIamOperation(iam, *principal, action, params, request);
  if (!result.ok()) return ErrorResponse(ns, result.status());
  return Response{200, "text/xml", *std::move(result)};
}

Result<std::string> CallIamOperation(iam::IamService& iam, const iam::Principal& caller,
                                     const std::string& action,
                                     const std::map<std::string, std::string>& params,
                                     const Request& request) {
  auto operation = Operations().find(action);
  if (operation == Operations().end()) {
    return AwsError("InvalidAction", 400,
                    fmt::format("Could not find operation {} for version 2010-05-08", action));
  }
  QueryResponse out(action, kIamNamespace);
  Call call{iam, caller, params, out};
  // issue 15: a change (anything but Get*, List*, Simulate*) runs under the cluster's change
  // lock, so that concurrent changes on different nodes do not both pass their checks.
  const bool reads_only = action.rfind("Get", 0) == 0 || action.rfind("List", 0) == 0 ||
                          action.rfind("Simulate", 0) == 0;
  std::unique_ptr<storage::Coordinator::LockGuard> change_lock;
  if (!reads_only) {
    ASSIGN_OR_RETURN(change_lock, iam.LockForChange());
  }
  RETURN_IF_ERROR(AuthorizeIamCall(iam, caller, action,
                                   ResourceArn(iam, operation->second.resource, call),
                                   RequestKeys(request, call)));
  RETURN_IF_ERROR(operation->second.handler(call));
  return out.Finish();
}

}  // namespace sibyl::http
