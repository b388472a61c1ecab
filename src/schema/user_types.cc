#include "schema/user_types.h"

#include <fmt/format.h>

#include <map>
#include <set>

namespace sibyl::schema {

UserTypeDefinition DefinitionOf(const types::Type& user_type) {
  UserTypeDefinition d;
  d.keyspace = user_type.udt_keyspace();
  d.name = user_type.udt_name();
  d.field_names = user_type.udt_field_names();
  for (const auto& f : user_type.params()) d.field_types.push_back(f.ToCql());
  return d;
}

namespace {

// Resolves types by name from their definitions, each once, depth-first.
class Resolver {
 public:
  Resolver(const std::string& keyspace, std::map<std::string, UserTypeDefinition> definitions)
      : keyspace_(keyspace), definitions_(std::move(definitions)) {}

  Result<types::Type> Resolve(const std::string& name) {
    if (auto it = resolved_.find(name); it != resolved_.end()) return it->second;
    auto def = definitions_.find(name);
    if (def == definitions_.end()) {
      return InvalidRequest(fmt::format("Unknown type {}.{}", keyspace_, name));
    }
    // A chain of types deeper than any value may nest, or a cycle, cannot come from DDL.
    if (!in_progress_.insert(name).second ||
        in_progress_.size() > static_cast<size_t>(types::kMaxNestingDepth)) {
      return Status(ErrorCode::kCorruption,
                    fmt::format("user type {}.{} refers to itself", keyspace_, name));
    }
    std::vector<types::Type> fields;
    types::UserTypeLookup lookup = [this](const std::string& n) { return Resolve(n); };
    for (const auto& text : def->second.field_types) {
      auto field = types::ParseTypeName(text, lookup);
      if (!field.ok()) {
        in_progress_.erase(name);
        return field.status();
      }
      fields.push_back(std::move(*field));
    }
    in_progress_.erase(name);
    types::Type t = types::Type::Udt(keyspace_, name, def->second.field_names, std::move(fields),
                                     /*frozen=*/false);
    resolved_.emplace(name, t);
    return t;
  }

  const std::map<std::string, types::Type>& resolved() const { return resolved_; }

 private:
  std::string keyspace_;
  std::map<std::string, UserTypeDefinition> definitions_;
  std::map<std::string, types::Type> resolved_;
  std::set<std::string> in_progress_;
};

}  // namespace

Status ResolveUserTypes(const std::vector<UserTypeDefinition>& definitions,
                        KeyspaceMetadata& keyspace) {
  std::map<std::string, UserTypeDefinition> by_name;
  for (const auto& d : definitions) by_name[d.name] = d;
  Resolver resolver(keyspace.name, std::move(by_name));
  for (const auto& d : definitions) {
    auto t = resolver.Resolve(d.name);
    if (!t.ok()) {
      return Status(ErrorCode::kCorruption, t.status().message()).WithContext("schema table");
    }
  }
  keyspace.user_types = resolver.resolved();
  return Status::OK();
}

types::UserTypeLookup LookupIn(const KeyspaceMetadata& keyspace) {
  // Copies the map: the lookup may outlive the keyspace object it was made from.
  return [types = keyspace.user_types, ks = keyspace.name](const std::string& name)
             -> Result<types::Type> {
    auto it = types.find(name);
    if (it == types.end()) return InvalidRequest(fmt::format("Unknown type {}.{}", ks, name));
    return it->second;
  };
}

Status RebindUserTypes(KeyspaceMetadata& keyspace) {
  // Every type from its (possibly stale) definition text: a field of a changed type is written
  // by name, so resolving again picks up the new definition.
  std::vector<UserTypeDefinition> definitions;
  for (const auto& [name, type] : keyspace.user_types) definitions.push_back(DefinitionOf(type));
  RETURN_IF_ERROR(ResolveUserTypes(definitions, keyspace));
  types::UserTypeLookup lookup = LookupIn(keyspace);
  for (auto& [name, table] : keyspace.tables) {
    bool uses_types = false;
    for (const auto& c : table->columns) {
      for (const auto& [type_name, type] : keyspace.user_types) {
        uses_types |= types::ReferencesUserType(c.type, keyspace.name, type_name);
      }
    }
    if (!uses_types) continue;
    auto copy = std::make_shared<TableMetadata>(*table);
    for (auto& c : copy->columns) {
      ASSIGN_OR_RETURN(c.type, types::ParseTypeName(c.type.ToCql(), lookup));
    }
    table = std::move(copy);
  }
  return Status::OK();
}

}  // namespace sibyl::schema
