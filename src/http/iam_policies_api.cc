// The IAM API's policy operations: inline policies of users and groups, managed policies and
// their versions, attachments, and SimulatePrincipalPolicy. Policy documents go out
// URL-encoded, as IAM sends them (botocore decodes them back into JSON).
#include "http/iam_operations.h"
#include "iam/crypto.h"

namespace sibyl::http {
namespace {

using iam::EntityKind;

void AddPolicy(pugi::xml_node node, const iam::IamService& iam, const iam::ManagedPolicy& p) {
  AddText(node, "PolicyName", p.name);
  AddText(node, "PolicyId", p.id);
  AddText(node, "Arn", p.arn);
  AddText(node, "Path", p.path);
  AddText(node, "DefaultVersionId", p.default_version);
  AddText(node, "AttachmentCount", std::to_string(iam.AttachmentCount(p.arn)));
  AddText(node, "PermissionsBoundaryUsageCount", "0");
  AddText(node, "IsAttachable", "true");
  if (!p.description.empty()) AddText(node, "Description", p.description);
  AddText(node, "CreateDate", IsoDate(p.create_date));
  AddText(node, "UpdateDate", IsoDate(p.update_date));
}

void AddVersion(pugi::xml_node node, const iam::PolicyVersion& v, bool is_default,
                bool with_document) {
  if (with_document) AddText(node, "Document", iam::UriEncode(v.document));
  AddText(node, "VersionId", v.id);
  AddText(node, "IsDefaultVersion", is_default ? "true" : "false");
  AddText(node, "CreateDate", IsoDate(v.create_date));
}

const char* DecisionName(iam::Decision d) {
  switch (d) {
    case iam::Decision::kAllow:
      return "allowed";
    case iam::Decision::kExplicitDeny:
      return "explicitDeny";
    case iam::Decision::kImplicitDeny:
      return "implicitDeny";
  }
  return "implicitDeny";
}

// Put/Get/List/Delete<Entity>Policy for users ("User", UserName) and groups ("Group", GroupName).
void AddInlineOperations(OperationTable& table, EntityKind kind) {
  const bool user = kind == EntityKind::kUser;
  const std::string word = user ? "User" : "Group";
  const char* param = user ? "UserName" : "GroupName";
  const char* field = user ? "userName" : "groupName";
  const ResourceKind resource = user ? ResourceKind::kUser : ResourceKind::kGroup;
  table["Put" + word + "Policy"] = {
      resource, [=](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string entity, c.Required(param, field));
        ASSIGN_OR_RETURN(std::string name, c.Required("PolicyName", "policyName"));
        ASSIGN_OR_RETURN(std::string document, c.Required("PolicyDocument", "policyDocument"));
        return c.iam.PutInlinePolicy(kind, entity, name, document);
      }};
  table["Get" + word + "Policy"] = {
      resource, [=](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string entity, c.Required(param, field));
        ASSIGN_OR_RETURN(std::string name, c.Required("PolicyName", "policyName"));
        ASSIGN_OR_RETURN(std::string document, c.iam.GetInlinePolicy(kind, entity, name));
        AddText(c.out.result(), param, entity);
        AddText(c.out.result(), "PolicyName", name);
        AddText(c.out.result(), "PolicyDocument", iam::UriEncode(document));
        return Status::OK();
      }};
  table["List" + word + "Policies"] = {
      resource, [=](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string entity, c.Required(param, field));
        ASSIGN_OR_RETURN(auto page, c.iam.ListInlinePolicies(
                                        kind, entity, c.Get("Marker").value_or(""), c.MaxItems()));
        auto names = c.out.result().append_child("PolicyNames");
        for (const auto& name : page.items) AddText(names, "member", name);
        AddTruncation(c.out.result(), page.is_truncated, page.marker);
        return Status::OK();
      }};
  table["Delete" + word + "Policy"] = {
      resource, [=](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string entity, c.Required(param, field));
        ASSIGN_OR_RETURN(std::string name, c.Required("PolicyName", "policyName"));
        return c.iam.DeleteInlinePolicy(kind, entity, name);
      }};
  table["Attach" + word + "Policy"] = {
      resource, [=](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string entity, c.Required(param, field));
        ASSIGN_OR_RETURN(std::string arn, c.Required("PolicyArn", "policyArn"));
        return c.iam.AttachPolicy(kind, entity, arn);
      }};
  table["Detach" + word + "Policy"] = {
      resource, [=](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string entity, c.Required(param, field));
        ASSIGN_OR_RETURN(std::string arn, c.Required("PolicyArn", "policyArn"));
        return c.iam.DetachPolicy(kind, entity, arn);
      }};
  table["ListAttached" + word + "Policies"] = {
      resource, [=](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string entity, c.Required(param, field));
        ASSIGN_OR_RETURN(auto page,
                         c.iam.ListAttachedPolicies(kind, entity, c.Get("PathPrefix").value_or(""),
                                                    c.Get("Marker").value_or(""), c.MaxItems()));
        auto list = c.out.result().append_child("AttachedPolicies");
        for (const auto& p : page.items) {
          auto m = list.append_child("member");
          AddText(m, "PolicyName", p.name);
          AddText(m, "PolicyArn", p.arn);
        }
        AddTruncation(c.out.result(), page.is_truncated, page.marker);
        return Status::OK();
      }};
}

// SimulatePrincipalPolicy's ContextEntries.member.N.{ContextKeyName, ContextKeyValues.member.M}.
std::map<std::string, std::vector<std::string>> ContextEntries(const Call& c) {
  std::map<std::string, std::vector<std::string>> out;
  for (int i = 1;; ++i) {
    std::string prefix = fmt::format("ContextEntries.member.{}.", i);
    auto name = c.Get((prefix + "ContextKeyName").c_str());
    if (!name) break;
    out[*name] = c.List(prefix + "ContextKeyValues");
  }
  return out;
}

}  // namespace

void AddPolicyOperations(OperationTable& table) {
  AddInlineOperations(table, EntityKind::kUser);
  AddInlineOperations(table, EntityKind::kGroup);

  table["CreatePolicy"] = {
      ResourceKind::kNewPolicy, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string name, c.Required("PolicyName", "policyName"));
        ASSIGN_OR_RETURN(std::string document, c.Required("PolicyDocument", "policyDocument"));
        ASSIGN_OR_RETURN(auto p, c.iam.CreatePolicy(name, c.Get("Path").value_or("/"), document,
                                                    c.Get("Description").value_or("")));
        AddPolicy(c.out.result().append_child("Policy"), c.iam, p);
        return Status::OK();
      }};
  table["GetPolicy"] = {ResourceKind::kPolicy, [](Call& c) -> Status {
                          ASSIGN_OR_RETURN(std::string arn, c.Required("PolicyArn", "policyArn"));
                          ASSIGN_OR_RETURN(auto p, c.iam.GetPolicy(arn));
                          AddPolicy(c.out.result().append_child("Policy"), c.iam, p);
                          return Status::OK();
                        }};
  table["ListPolicies"] = {
      ResourceKind::kAllPolicies, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(auto page,
                         c.iam.ListPolicies(c.Get("Scope").value_or("All"), c.Flag("OnlyAttached"),
                                            c.Get("PathPrefix").value_or(""),
                                            c.Get("Marker").value_or(""), c.MaxItems()));
        auto list = c.out.result().append_child("Policies");
        for (const auto& p : page.items) AddPolicy(list.append_child("member"), c.iam, p);
        AddTruncation(c.out.result(), page.is_truncated, page.marker);
        return Status::OK();
      }};
  table["DeletePolicy"] = {ResourceKind::kPolicy, [](Call& c) -> Status {
                             ASSIGN_OR_RETURN(std::string arn,
                                              c.Required("PolicyArn", "policyArn"));
                             return c.iam.DeletePolicy(arn);
                           }};
  table["CreatePolicyVersion"] = {
      ResourceKind::kPolicy, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string arn, c.Required("PolicyArn", "policyArn"));
        ASSIGN_OR_RETURN(std::string document, c.Required("PolicyDocument", "policyDocument"));
        bool set_default = c.Flag("SetAsDefault");
        ASSIGN_OR_RETURN(auto v, c.iam.CreatePolicyVersion(arn, document, set_default));
        AddVersion(c.out.result().append_child("PolicyVersion"), v, set_default, false);
        return Status::OK();
      }};
  table["GetPolicyVersion"] = {
      ResourceKind::kPolicy, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string arn, c.Required("PolicyArn", "policyArn"));
        ASSIGN_OR_RETURN(std::string version, c.Required("VersionId", "versionId"));
        ASSIGN_OR_RETURN(auto v, c.iam.GetPolicyVersion(arn, version));
        ASSIGN_OR_RETURN(auto p, c.iam.GetPolicy(arn));
        AddVersion(c.out.result().append_child("PolicyVersion"), v, p.default_version == v.id,
                   true);
        return Status::OK();
      }};
  table["ListPolicyVersions"] = {
      ResourceKind::kPolicy, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string arn, c.Required("PolicyArn", "policyArn"));
        ASSIGN_OR_RETURN(auto versions, c.iam.ListPolicyVersions(arn));
        ASSIGN_OR_RETURN(auto p, c.iam.GetPolicy(arn));
        auto list = c.out.result().append_child("Versions");
        for (const auto& v : versions) {
          AddVersion(list.append_child("member"), v, p.default_version == v.id, false);
        }
        AddText(c.out.result(), "IsTruncated", "false");
        return Status::OK();
      }};
  table["DeletePolicyVersion"] = {
      ResourceKind::kPolicy, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string arn, c.Required("PolicyArn", "policyArn"));
        ASSIGN_OR_RETURN(std::string version, c.Required("VersionId", "versionId"));
        return c.iam.DeletePolicyVersion(arn, version);
      }};
  table["SetDefaultPolicyVersion"] = {
      ResourceKind::kPolicy, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string arn, c.Required("PolicyArn", "policyArn"));
        ASSIGN_OR_RETURN(std::string version, c.Required("VersionId", "versionId"));
        return c.iam.SetDefaultPolicyVersion(arn, version);
      }};
  table["ListEntitiesForPolicy"] = {
      ResourceKind::kPolicy, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string arn, c.Required("PolicyArn", "policyArn"));
        ASSIGN_OR_RETURN(auto entities, c.iam.ListEntitiesForPolicy(arn));
        std::string filter = c.Get("EntityFilter").value_or("");
        auto groups = c.out.result().append_child("PolicyGroups");
        if (filter.empty() || filter == "Group") {
          for (const auto& g : entities.groups) {
            auto m = groups.append_child("member");
            AddText(m, "GroupName", g.name);
            AddText(m, "GroupId", g.id);
          }
        }
        auto users = c.out.result().append_child("PolicyUsers");
        if (filter.empty() || filter == "User") {
          for (const auto& u : entities.users) {
            auto m = users.append_child("member");
            AddText(m, "UserName", u.name);
            AddText(m, "UserId", u.id);
          }
        }
        c.out.result().append_child("PolicyRoles");
        AddText(c.out.result(), "IsTruncated", "false");
        return Status::OK();
      }};
  table["SimulatePrincipalPolicy"] = {
      ResourceKind::kPolicySource, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string source, c.Required("PolicySourceArn", "policySourceArn"));
        if (c.Get("PolicyInputList.member.1")) {
          return AwsError("InvalidInput", 400,
                          "unsupported: PolicyInputList (simulate the principal's own policies, or "
                          "attach the policy first)");
        }
        ASSIGN_OR_RETURN(auto results, c.iam.Simulate(source, c.List("ActionNames"),
                                                      c.List("ResourceArns"), ContextEntries(c)));
        auto list = c.out.result().append_child("EvaluationResults");
        for (const auto& r : results) {
          auto m = list.append_child("member");
          AddText(m, "EvalActionName", r.action);
          AddText(m, "EvalResourceName", r.resource);
          AddText(m, "EvalDecision", DecisionName(r.decision));
          auto matched = m.append_child("MatchedStatements");
          for (const auto& p : r.matched) {
            auto s = matched.append_child("member");
            AddText(s, "SourcePolicyId", p.source_id);
            AddText(s, "SourcePolicyType", p.source_type);
          }
          m.append_child("MissingContextValues");
        }
        AddText(c.out.result(), "IsTruncated", "false");
        return Status::OK();
      }};
}

}  // namespace sibyl::http
