// The IAM API's group operations: groups and their members. Group policies are in
// iam_policies_api.cc with the users' ones.
#include "http/iam_operations.h"

namespace sibyl::http {

void AddGroup(pugi::xml_node parent, const iam::IamService& iam, const iam::Group& g) {
  AddText(parent, "Path", g.path);
  AddText(parent, "GroupName", g.name);
  AddText(parent, "GroupId", g.id);
  AddText(parent, "Arn", iam.GroupArn(g));
  AddText(parent, "CreateDate", IsoDate(g.create_date));
}

void AddGroupOperations(OperationTable& table) {
  table["CreateGroup"] = {
      ResourceKind::kGroup, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string name, c.Required("GroupName", "groupName"));
        ASSIGN_OR_RETURN(iam::Group g, c.iam.CreateGroup(name, c.Get("Path").value_or("/")));
        AddGroup(c.out.result().append_child("Group"), c.iam, g);
        return Status::OK();
      }};
  table["GetGroup"] = {ResourceKind::kGroup, [](Call& c) -> Status {
                         ASSIGN_OR_RETURN(std::string name, c.Required("GroupName", "groupName"));
                         ASSIGN_OR_RETURN(auto g, c.iam.GetGroup(name));
                         AddGroup(c.out.result().append_child("Group"), c.iam, g.group);
                         auto users = c.out.result().append_child("Users");
                         for (const auto& u : g.users)
                           AddUser(users.append_child("member"), c.iam, u);
                         AddText(c.out.result(), "IsTruncated", "false");
                         return Status::OK();
                       }};
  table["ListGroups"] = {
      ResourceKind::kAllGroups, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(auto page, c.iam.ListGroups(c.Get("PathPrefix").value_or(""),
                                                     c.Get("Marker").value_or(""), c.MaxItems()));
        auto groups = c.out.result().append_child("Groups");
        for (const auto& g : page.items) AddGroup(groups.append_child("member"), c.iam, g);
        AddTruncation(c.out.result(), page.is_truncated, page.marker);
        return Status::OK();
      }};
  table["DeleteGroup"] = {ResourceKind::kGroup, [](Call& c) -> Status {
                            ASSIGN_OR_RETURN(std::string name,
                                             c.Required("GroupName", "groupName"));
                            return c.iam.DeleteGroup(name);
                          }};
  table["AddUserToGroup"] = {
      ResourceKind::kGroup, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string group, c.Required("GroupName", "groupName"));
        ASSIGN_OR_RETURN(std::string user, c.Required("UserName", "userName"));
        return c.iam.AddUserToGroup(group, user);
      }};
  table["RemoveUserFromGroup"] = {
      ResourceKind::kGroup, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string group, c.Required("GroupName", "groupName"));
        ASSIGN_OR_RETURN(std::string user, c.Required("UserName", "userName"));
        return c.iam.RemoveUserFromGroup(group, user);
      }};
  table["ListGroupsForUser"] = {
      ResourceKind::kUser, [](Call& c) -> Status {
        ASSIGN_OR_RETURN(std::string user, c.Required("UserName", "userName"));
        ASSIGN_OR_RETURN(auto page,
                         c.iam.ListGroupsForUser(user, c.Get("Marker").value_or(""), c.MaxItems()));
        auto groups = c.out.result().append_child("Groups");
        for (const auto& g : page.items) AddGroup(groups.append_child("member"), c.iam, g);
        AddTruncation(c.out.result(), page.is_truncated, page.marker);
        return Status::OK();
      }};
}

}  // namespace sibyl::http
