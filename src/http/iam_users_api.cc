// The IAM API's user operations: users, access keys, service-specific credentials and user
// tags.
#include "http/iam_operations.h"

namespace sibyl::http {
namespace {

void AddCredential(pugi::xml_node node, const iam::ServiceCredential& c) {
  AddText(node, "CreateDate", IsoDate(c.create_date));
  AddText(node, "ServiceName", c.service_name);
  AddText(node, "ServiceUserName", c.service_user_name);
  AddText(node, "ServiceSpecificCredentialId", c.id);
  AddText(node, "UserName", c.user_name);
  AddText(node, "Status", c.status);
}

void AddLoginProfile(pugi::xml_node node, const iam::User& u) {
  AddText(node, "UserName", u.name);
  AddText(node, "CreateDate", IsoDate(u.login_profile_created));
  AddText(node, "PasswordResetRequired", u.password_reset_required ? "true" : "false");
}

}  // namespace

void AddUser(pugi::xml_node parent, const iam::IamService& iam, const iam::User& u) {
  AddText(parent, "Path", u.path);
  AddText(parent, "UserName", u.name);
  AddText(parent, "UserId", u.id);
  AddText(parent, "Arn", iam.UserArn(u));
  AddText(parent, "CreateDate", IsoDate(u.create_date));
  if (u.password_last_used > 0) AddText(parent, "PasswordLastUsed", IsoDate(u.password_last_used));
}

void AddTruncation(pugi::xml_node result, bool truncated, const std::string& marker) {
  AddText(result, "IsTruncated", truncated ? "true" : "false");
  if (truncated) AddText(result, "Marker", marker);
}

void AddUserOperations(OperationTable& table) {
  table["CreateUser"] = {ResourceKind::kUser, [](Call& c) -> Status {
                           ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
                           ASSIGN_OR_RETURN(iam::User u,
                                            c.iam.CreateUser(name, c.Get("Path").value_or("/")));
                           AddUser(c.out.result().append_child("User"), c.iam, u);
                           return Status::OK();
                         }};
  table["GetUser"] = {ResourceKind::kUser, [](Call& c) -> Status {
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
                      }};
  table["ListUsers"] = {
      ResourceKind::kAllUsers, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(auto page, c.iam.ListUsers(c.Get("PathPrefix").value_or(""),
                                                    c.Get("Marker").value_or(""), c.MaxItems()));
        auto users = c.out.result().append_child("Users");
        for (const auto& u : page.items) AddUser(users.append_child("member"), c.iam, u);
        AddTruncation(c.out.result(), page.is_truncated, page.marker);
        return Status::OK();
      }};
  table["UpdateUser"] = {ResourceKind::kUser, [](Call& c) -> Status {
                           ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
                           return c.iam.UpdateUser(name, c.Get("NewUserName"), c.Get("NewPath"));
                         }};
  table["DeleteUser"] = {ResourceKind::kUser, [](Call& c) -> Status {
                           ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
                           return c.iam.DeleteUser(name);
                         }};
  table["CreateAccessKey"] = {ResourceKind::kUser, [](Call& c) -> Status {
                                ASSIGN_OR_RETURN(iam::NewAccessKey k,
                                                 c.iam.CreateAccessKey(c.UserOrCaller()));
                                auto key = c.out.result().append_child("AccessKey");
                                AddText(key, "UserName", k.key.user_name);
                                AddText(key, "AccessKeyId", k.key.id);
                                AddText(key, "Status", k.key.status);
                                AddText(key, "SecretAccessKey", k.secret);
                                AddText(key, "CreateDate", IsoDate(k.key.create_date));
                                return Status::OK();
                              }};
  table["ListAccessKeys"] = {
      ResourceKind::kUser, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(
            auto page,
            c.iam.ListAccessKeys(c.UserOrCaller(), c.Get("Marker").value_or(""), c.MaxItems()));
        auto list = c.out.result().append_child("AccessKeyMetadata");
        for (const auto& k : page.items) {
          auto m = list.append_child("member");
          AddText(m, "UserName", k.user_name);
          AddText(m, "AccessKeyId", k.id);
          AddText(m, "Status", k.status);
          AddText(m, "CreateDate", IsoDate(k.create_date));
        }
        AddTruncation(c.out.result(), page.is_truncated, page.marker);
        if (!c.caller.is_root() || c.Get("UserName"))
          AddText(c.out.result(), "UserName", c.UserOrCaller());
        return Status::OK();
      }};
  table["UpdateAccessKey"] = {
      ResourceKind::kUser, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string id, c.Required("AccessKeyId", "accessKeyId"));
        ASSIGN_OR_RETURN(std::string status, c.Required("Status", "status"));
        return c.iam.UpdateAccessKey(c.UserOrCaller(), id, status);
      }};
  table["DeleteAccessKey"] = {ResourceKind::kUser, [](Call& c) -> Status {
                                ASSIGN_OR_RETURN(std::string id,
                                                 c.Required("AccessKeyId", "accessKeyId"));
                                return c.iam.DeleteAccessKey(c.UserOrCaller(), id);
                              }};
  table["GetAccessKeyLastUsed"] = {
      ResourceKind::kAccessKeyOwner, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string id, c.Required("AccessKeyId", "accessKeyId"));
        ASSIGN_OR_RETURN(iam::AccessKey k, c.iam.GetAccessKey(id));
        if (!k.user_name.empty()) AddText(c.out.result(), "UserName", k.user_name);
        auto used = c.out.result().append_child("AccessKeyLastUsed");
        if (k.last_used > 0) AddText(used, "LastUsedDate", IsoDate(k.last_used));
        AddText(used, "ServiceName", k.last_used_service.empty() ? "N/A" : k.last_used_service);
        AddText(used, "Region", k.last_used_region.empty() ? "N/A" : k.last_used_region);
        return Status::OK();
      }};
  table["CreateServiceSpecificCredential"] = {
      ResourceKind::kUser, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string user, c.Required("UserName", "userName"));
        ASSIGN_OR_RETURN(std::string service, c.Required("ServiceName", "serviceName"));
        ASSIGN_OR_RETURN(auto created, c.iam.CreateServiceSpecificCredential(user, service));
        auto node = c.out.result().append_child("ServiceSpecificCredential");
        AddCredential(node, created.credential);
        AddText(node, "ServicePassword", created.password);
        return Status::OK();
      }};
  table["ListServiceSpecificCredentials"] = {
      ResourceKind::kUser, [](Call& c) -> Status {
        const bool all_users = c.Flag("AllUsers");
        if (all_users && c.Get("UserName")) {
          return AwsError("ValidationError", 400,
                          "1 validation error detected: AllUsers cannot be combined with UserName");
        }
        ASSIGN_OR_RETURN(auto page, c.iam.ListServiceSpecificCredentials(
                                        all_users ? std::nullopt
                                                  : std::optional<std::string>(c.UserOrCaller()),
                                        c.Get("ServiceName").value_or("")));
        auto list = c.out.result().append_child("ServiceSpecificCredentials");
        for (const auto& cred : page.items) AddCredential(list.append_child("member"), cred);
        AddText(c.out.result(), "IsTruncated", "false");
        return Status::OK();
      }};
  table["ResetServiceSpecificCredential"] = {
      ResourceKind::kUser, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string id,
                         c.Required("ServiceSpecificCredentialId", "serviceSpecificCredentialId"));
        ASSIGN_OR_RETURN(auto reset, c.iam.ResetServiceSpecificCredential(c.UserOrCaller(), id));
        auto node = c.out.result().append_child("ServiceSpecificCredential");
        AddCredential(node, reset.credential);
        AddText(node, "ServicePassword", reset.password);
        return Status::OK();
      }};
  table["UpdateServiceSpecificCredential"] = {
      ResourceKind::kUser, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string id,
                         c.Required("ServiceSpecificCredentialId", "serviceSpecificCredentialId"));
        ASSIGN_OR_RETURN(std::string status, c.Required("Status", "status"));
        return c.iam.UpdateServiceSpecificCredential(c.UserOrCaller(), id, status);
      }};
  table["DeleteServiceSpecificCredential"] = {
      ResourceKind::kUser, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string id,
                         c.Required("ServiceSpecificCredentialId", "serviceSpecificCredentialId"));
        return c.iam.DeleteServiceSpecificCredential(c.UserOrCaller(), id);
      }};
  table["TagUser"] = {ResourceKind::kUser, [](Call& c) -> Status {
                        ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
                        std::map<std::string, std::string> tags;
                        for (int i = 1;; ++i) {
                          auto key = c.Get(fmt::format("Tags.member.{}.Key", i).c_str());
                          if (!key) break;
                          tags[*key] =
                              c.Get(fmt::format("Tags.member.{}.Value", i).c_str()).value_or("");
                        }
                        return c.iam.TagUser(name, tags);
                      }};
  table["UntagUser"] = {ResourceKind::kUser, [](Call& c) -> Status {
                          ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
                          return c.iam.UntagUser(name, c.List("TagKeys"));
                        }};
  table["ListUserTags"] = {ResourceKind::kUser, [](Call& c) -> Status {
                             ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
                             ASSIGN_OR_RETURN(iam::User u, c.iam.GetUser(name));
                             auto tags = c.out.result().append_child("Tags");
                             for (const auto& [key, value] : u.tags) {
                               auto m = tags.append_child("member");
                               AddText(m, "Key", key);
                               AddText(m, "Value", value);
                             }
                             AddText(c.out.result(), "IsTruncated", "false");
                             return Status::OK();
                           }};
  table["CreateLoginProfile"] = {ResourceKind::kUser, [](Call& c) -> Status {
    ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
    ASSIGN_OR_RETURN(std::string password, c.Required("Password", "password"));
    RETURN_IF_ERROR(c.iam.CreateLoginProfile(name, password, c.Flag("PasswordResetRequired")));
    ASSIGN_OR_RETURN(iam::User u, c.iam.GetLoginProfile(name));
    AddLoginProfile(c.out.result().append_child("LoginProfile"), u);
    return Status::OK();
  }};
  table["GetLoginProfile"] = {ResourceKind::kUser, [](Call& c) -> Status {
    ASSIGN_OR_RETURN(iam::User u, c.iam.GetLoginProfile(c.UserOrCaller()));
    AddLoginProfile(c.out.result().append_child("LoginProfile"), u);
    return Status::OK();
  }};
  table["UpdateLoginProfile"] = {ResourceKind::kUser, [](Call& c) -> Status {
    ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
    std::optional<bool> reset;
    if (auto v = c.Get("PasswordResetRequired")) reset = *v == "true";
    return c.iam.UpdateLoginProfile(name, c.Get("Password"), reset);
  }};
  table["DeleteLoginProfile"] = {ResourceKind::kUser, [](Call& c) -> Status {
    ASSIGN_OR_RETURN(std::string name, c.Required("UserName", "userName"));
    return c.iam.DeleteLoginProfile(name);
  }};
  table["ChangePassword"] = {ResourceKind::kUser, [](Call& c) -> Status {
    ASSIGN_OR_RETURN(std::string old_password, c.Required("OldPassword", "oldPassword"));
    ASSIGN_OR_RETURN(std::string new_password, c.Required("NewPassword", "newPassword"));
    // Always the caller's own password, whatever UserName says.
    return c.iam.ChangePassword(c.caller.user_name, old_password, new_password);
  }};
}

}  // namespace sibyl::http
