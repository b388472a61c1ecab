#include "query/permissions.h"

#include <algorithm>

#include "query/properties.h"

namespace sibyl::query {
namespace {

bool IsSystemKeyspace(const std::string& keyspace) { return keyspace.rfind("system", 0) == 0; }

// Collects permissions for one statement, filling resource tags from the schema.
class Collector {
 public:
  Collector(const Session& session, const schema::SchemaSnapshot& snapshot)
      : session_(session), snapshot_(snapshot) {}

  std::string KeyspaceOf(const parser::QualifiedName& name) const {
    return name.keyspace.empty() ? session_.keyspace : name.keyspace;
  }

  void OnKeyspace(const char* action, const std::string& keyspace) {
    Permission p{action, keyspace, "", {}, {}, {}};
    if (const auto* ks = snapshot_.FindKeyspace(keyspace); ks && !IsSystemKeyspace(keyspace)) {
      p.resource_tags = ks->tags;
    }
    Add(std::move(p));
  }

  void OnTable(const char* action, const parser::QualifiedName& name) {
    Permission p{action, KeyspaceOf(name), name.name, {}, {}, {}};
    if (!IsSystemKeyspace(p.keyspace)) {
      if (auto table = snapshot_.FindTable(p.keyspace, p.table)) p.resource_tags = table->tags;
    }
    Add(std::move(p));
  }

  // A statement that also sets tags (WITH TAGS): its main permission carries them
  // (aws:RequestTag on cassandra:Create, as Keyspaces' CreateTable), and `action`
  // (cassandra:TagResource) is needed on the same resource.
  void OnTags(const char* action, const std::map<std::string, std::string>& tags) {
    SetTags(tags, /*with_values=*/true);
    Permission p = out_.back();
    p.action = action;
    Add(std::move(p));
  }

  // The tags the last permission added sets (with values) or removes (keys only).
  void SetTags(const std::map<std::string, std::string>& tags, bool with_values) {
    for (const auto& [key, value] : tags) {
      out_.back().tag_keys.push_back(key);
      if (with_values) out_.back().request_tags[key] = value;
    }
  }

  void Add(Permission p) {
    if (std::find(out_.begin(), out_.end(), p) == out_.end()) out_.push_back(std::move(p));
  }

  std::vector<Permission> Take() { return std::move(out_); }

 private:
  const Session& session_;
  const schema::SchemaSnapshot& snapshot_;
  std::vector<Permission> out_;
};

Result<std::map<std::string, std::string>> TagsProperty(
    const std::vector<parser::Property>& properties) {
  for (const auto& p : properties) {
    if (p.name == "tags") return PropertyMap(p);
  }
  return std::map<std::string, std::string>{};
}

Status Collect(const parser::Statement& statement, Collector& c) {
  return std::visit(
      [&](const auto& s) -> Status {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, parser::SelectStatement>) {
          c.OnTable("cassandra:Select", s.table);
        } else if constexpr (std::is_same_v<T, parser::InsertStatement> ||
                             std::is_same_v<T, parser::UpdateStatement> ||
                             std::is_same_v<T, parser::DeleteStatement>) {
          c.OnTable("cassandra:Modify", s.table);
          // A conditional write (IF ...; issue 12) also reads: its result shows the current
          // values. Cassandra 4.1 ModificationStatement.checkAccess: "CAS updates can be used to
          // simulate a SELECT query, so should require Permission.SELECT as well". Keyspaces'
          // docs list LWTs under Modify (shared/reference/keyspaces-iam.md §3.3) and say nothing
          // of Select; we require both, as Cassandra does, since the result discloses data.
          if (s.conditions.any()) c.OnTable("cassandra:Select", s.table);
        } else if constexpr (std::is_same_v<T, parser::TruncateStatement>) {
          c.OnTable("cassandra:Modify", s.table);
        } else if constexpr (std::is_same_v<T, parser::BatchStatement>) {
          for (const auto& inner : s.statements) RETURN_IF_ERROR(Collect(*inner, c));
        } else if constexpr (std::is_same_v<T, parser::CreateKeyspaceStatement>) {
          c.OnKeyspace("cassandra:Create", s.keyspace);
          ASSIGN_OR_RETURN(auto tags, TagsProperty(s.properties));
          if (!tags.empty()) c.OnTags("cassandra:TagResource", tags);
        } else if constexpr (std::is_same_v<T, parser::AlterKeyspaceStatement>) {
          if (s.add_tags) {
            c.OnKeyspace("cassandra:TagResource", s.keyspace);
            ASSIGN_OR_RETURN(auto tags, TermToTextMap(s.add_tags, "tags"));
            c.SetTags(tags, /*with_values=*/true);
          } else if (s.drop_tags) {
            c.OnKeyspace("cassandra:UntagResource", s.keyspace);
            ASSIGN_OR_RETURN(auto tags, TermToTextMap(s.drop_tags, "tags"));
            c.SetTags(tags, /*with_values=*/false);
          } else {
            c.OnKeyspace("cassandra:Alter", s.keyspace);
            ASSIGN_OR_RETURN(auto tags, TagsProperty(s.properties));
            if (!tags.empty()) c.OnTags("cassandra:TagResource", tags);
          }
        } else if constexpr (std::is_same_v<T, parser::DropKeyspaceStatement>) {
          c.OnKeyspace("cassandra:Drop", s.keyspace);
        } else if constexpr (std::is_same_v<T, parser::CreateTableStatement>) {
          c.OnTable("cassandra:Create", s.table);
          ASSIGN_OR_RETURN(auto tags, TagsProperty(s.properties));
          if (!tags.empty()) c.OnTags("cassandra:TagResource", tags);
        } else if constexpr (std::is_same_v<T, parser::AlterTableStatement>) {
          if (s.kind == parser::AlterTableStatement::Kind::kAddTags) {
            c.OnTable("cassandra:TagResource", s.table);
            ASSIGN_OR_RETURN(auto tags, TermToTextMap(s.tags, "tags"));
            c.SetTags(tags, /*with_values=*/true);
          } else if (s.kind == parser::AlterTableStatement::Kind::kDropTags) {
            c.OnTable("cassandra:UntagResource", s.table);
            ASSIGN_OR_RETURN(auto tags, TermToTextMap(s.tags, "tags"));
            c.SetTags(tags, /*with_values=*/false);
          } else {
            c.OnTable("cassandra:Alter", s.table);
            if (s.kind == parser::AlterTableStatement::Kind::kWith) {
              ASSIGN_OR_RETURN(auto tags, TagsProperty(s.properties));
              if (!tags.empty()) c.OnTags("cassandra:TagResource", tags);
            }
          }
        } else if constexpr (std::is_same_v<T, parser::DropTableStatement>) {
          c.OnTable("cassandra:Drop", s.table);
        } else if constexpr (std::is_same_v<T, parser::CreateTypeStatement>) {
          // User types are no IAM resources: Amazon Keyspaces checks the keyspace's permission
          // for the same action (devguide configure-udt-permissions: CREATE TYPE needs
          // cassandra:Create, DROP TYPE cassandra:Drop on the keyspace; issue 11).
          c.OnKeyspace("cassandra:Create", c.KeyspaceOf(s.name));
        } else if constexpr (std::is_same_v<T, parser::AlterTypeStatement>) {
          c.OnKeyspace("cassandra:Alter", c.KeyspaceOf(s.name));  // as ALTER on the keyspace
        } else if constexpr (std::is_same_v<T, parser::DropTypeStatement>) {
          c.OnKeyspace("cassandra:Drop", c.KeyspaceOf(s.name));
        } else if constexpr (std::is_same_v<T, parser::DescribeStatement>) {
          // DESCRIBE reads the schema tables, as a driver's metadata refresh does.
          c.OnTable("cassandra:Select", parser::QualifiedName{"system_schema", "tables"});
        }
        // USE needs nothing; unsupported statements are refused before they are authorised.
        return Status::OK();
      },
      statement.body);
}

}  // namespace

Result<std::vector<Permission>> RequiredPermissions(const parser::Statement& statement,
                                                    const Session& session,
                                                    const schema::SchemaSnapshot& snapshot) {
  Collector collector(session, snapshot);
  RETURN_IF_ERROR(Collect(statement, collector));
  return collector.Take();
}

Status AuthorizeStatement(const parser::Statement& statement, const Session& session,
                          const schema::SchemaSnapshot& snapshot) {
  if (session.authorizer == nullptr) return Status::OK();
  ASSIGN_OR_RETURN(auto permissions, RequiredPermissions(statement, session, snapshot));
  for (const auto& p : permissions) RETURN_IF_ERROR(session.authorizer->Authorize(p));
  return Status::OK();
}

}  // namespace sibyl::query
