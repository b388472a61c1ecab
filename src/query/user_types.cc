// User-defined types in statements (issue 11). Texts and rules are Cassandra 4.1's:
// CQL3Type.Raw (RawUT, RawCollection, RawTuple), CreateTypeStatement, AlterTypeStatement and
// DropTypeStatement.
#include "query/user_types.h"

#include <fmt/format.h>

#include <set>

#include "query/statement.h"
#include "schema/schema_store.h"

namespace sibyl::query {

using types::Kind;
using types::Type;

namespace {

bool IsCollectionName(const parser::TypeName& raw) {
  return !raw.user_type && (raw.name == "list" || raw.name == "set" || raw.name == "map");
}

// Raw.supportsFreezing: collections, tuples and user types (and frozen<> of them).
bool SupportsFreezing(const parser::TypeName& raw) {
  return raw.user_type || IsCollectionName(raw) ||
         (!raw.user_type && (raw.name == "tuple" || raw.name == "frozen"));
}

// Whether the raw type is frozen as written: frozen<...> or a tuple (always frozen).
bool WrittenFrozen(const parser::TypeName& raw) {
  return !raw.user_type && (raw.name == "frozen" || raw.name == "tuple");
}

bool IsCounter(const parser::TypeName& raw) { return !raw.user_type && raw.name == "counter"; }
bool IsDuration(const parser::TypeName& raw) { return !raw.user_type && raw.name == "duration"; }

class TypeResolver {
 public:
  TypeResolver(const std::string& keyspace, const schema::KeyspaceMetadata* ks)
      : keyspace_(keyspace), ks_(ks) {}

  // `frozen`: the type sits inside frozen<> (RawCollection.freeze freezes the elements too).
  Result<Type> Prepare(const parser::TypeName& raw, bool frozen) {
    if (raw.user_type) return UserType(raw, frozen);
    if (raw.name == "frozen") {
      if (raw.params.size() != 1) return InvalidRequest("Unknown type " + RawTypeText(raw));
      const parser::TypeName& inner = raw.params[0];
      if (!SupportsFreezing(inner)) {
        return InvalidRequest(fmt::format(
            "frozen<> is only allowed on collections, tuples, and user-defined types (got {})",
            RawTypeText(inner)));
      }
      return Prepare(inner, true);
    }
    if (IsCollectionName(raw)) return Collection(raw, frozen);
    if (raw.name == "tuple") {
      std::vector<Type> elements;
      for (const auto& p : raw.params) {
        if (IsCounter(p)) return InvalidRequest("Counters are not allowed inside tuples");
        ASSIGN_OR_RETURN(Type e, Prepare(p, SupportsFreezing(p)));
        elements.push_back(std::move(e));
      }
      if (elements.empty()) return InvalidRequest("Unknown type " + RawTypeText(raw));
      return Type::Tuple(std::move(elements));
    }
    if (!raw.params.empty()) return InvalidRequest("Unknown type " + RawTypeText(raw));
    return types::ParseTypeName(raw.name);
  }

 private:
  Result<Type> UserType(const parser::TypeName& raw, bool frozen) {
    std::string name = raw.name;
    if (size_t dot = name.find('.'); dot != std::string::npos) {
      const std::string written_keyspace = name.substr(0, dot);
      name = name.substr(dot + 1);
      // RawUT.prepare: user types are limited to their own keyspace (CASSANDRA-6643).
      if (written_keyspace != keyspace_) {
        return InvalidRequest(fmt::format(
            "Statement on keyspace {} cannot refer to a user type in keyspace {}; user types can "
            "only be used in the keyspace they are defined in",
            keyspace_, written_keyspace));
      }
    }
    const auto* types = ks_ != nullptr ? &ks_->user_types : nullptr;
    auto it = types != nullptr ? types->find(name) : decltype(ks_->user_types.end()){};
    if (types == nullptr || it == types->end()) {
      return InvalidRequest(fmt::format("Unknown type {}.{}", keyspace_, name));
    }
    return it->second.WithFrozen(frozen);
  }

  Result<Type> Collection(const parser::TypeName& raw, bool frozen) {
    const bool is_map = raw.name == "map";
    if (raw.params.size() != (is_map ? 2u : 1u)) {
      return InvalidRequest("Unknown type " + RawTypeText(raw));
    }
    const parser::TypeName& values = raw.params.back();
    const parser::TypeName* keys = is_map ? &raw.params[0] : nullptr;
    // RawCollection.throwNestedNonFrozenError: the message shows the collection as written.
    auto nested = [&](const parser::TypeName& inner) -> Status {
      if (frozen || !SupportsFreezing(inner) || WrittenFrozen(inner)) return Status::OK();
      if (IsCollectionName(inner)) {
        return InvalidRequest("Non-frozen collections are not allowed inside collections: " +
                              RawTypeText(raw));
      }
      if (inner.user_type) {
        return InvalidRequest("Non-frozen UDTs are not allowed inside collections: " +
                              RawTypeText(raw));
      }
      return Status::OK();
    };
    RETURN_IF_ERROR(nested(values));
    if (IsCounter(values)) {
      return InvalidRequest("Counters are not allowed inside collections: " + RawTypeText(raw));
    }
    if (IsDuration(values) && raw.name == "set") {
      return InvalidRequest("Durations are not allowed inside sets: " + RawTypeText(raw));
    }
    if (keys != nullptr) {
      if (IsCounter(*keys)) {
        return InvalidRequest("Counters are not allowed inside collections: " + RawTypeText(raw));
      }
      if (IsDuration(*keys)) {
        return InvalidRequest("Durations are not allowed as map keys: " + RawTypeText(raw));
      }
      RETURN_IF_ERROR(nested(*keys));
    }
    ASSIGN_OR_RETURN(Type value_type, Prepare(values, frozen && SupportsFreezing(values)));
    if (raw.name == "list") return Type::List(value_type, frozen);
    if (raw.name == "set") return Type::Set(value_type, frozen);
    ASSIGN_OR_RETURN(Type key_type, Prepare(*keys, frozen && SupportsFreezing(*keys)));
    return Type::Map(key_type, value_type, frozen);
  }

  const std::string& keyspace_;
  const schema::KeyspaceMetadata* ks_;
};

// A field's position is a cell path of two bytes in non-frozen columns (as Cassandra's
// UserType.cellPathForField, a short) and the type's field count a [short] in the native
// protocol's type option: more fields cannot be stored or described (issue 9's bounded work).
constexpr size_t kMaxUserTypeFields = 32767;

Status TooManyFields(const std::string& keyspace, const std::string& name, size_t count) {
  return InvalidRequest(fmt::format("A user type cannot have more than {} fields ({}.{} would have {})",
                                    kMaxUserTypeFields, keyspace, name, count));
}

Status TooDeep(const std::string& what) {
  return InvalidRequest(fmt::format("{} nests types more than {} levels deep", what,
                                    types::kMaxNestingDepth));
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

Status NoKeyspace() {
  return InvalidRequest(
      "No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename");
}

// UserType.getCqlTypeName: "ks.name", each quoted if needed.
std::string CqlTypeName(const std::string& keyspace, const std::string& name) {
  return types::QuoteUserTypeName(keyspace) + "." + types::QuoteUserTypeName(name);
}

// Counters and non-frozen user types may not be fields (CreateTypeStatement.apply).
Status CheckFieldType(const parser::TypeName& raw) {
  if (IsCounter(raw)) return InvalidRequest("A user type cannot contain counters");
  if (raw.user_type) return InvalidRequest("A user type cannot contain non-frozen UDTs");
  return Status::OK();
}

protocol::SchemaChangeResult TypeChange(const char* change, const std::string& keyspace,
                                        const std::string& name) {
  return protocol::SchemaChangeResult{change, "TYPE", keyspace, name, {}};
}

class TypeStatement final : public CqlStatement {
 public:
  explicit TypeStatement(parser::Statement ast) : ast_(std::move(ast)) {}

  Result<protocol::ResultMessage> Execute(QueryContext& context,
                                          const ExecutionParams& params) const override {
    if (const auto* s = std::get_if<parser::CreateTypeStatement>(&ast_.body)) {
      return Create(*s, context, params.session);
    }
    if (const auto* s = std::get_if<parser::AlterTypeStatement>(&ast_.body)) {
      return Alter(*s, context, params.session);
    }
    if (const auto* s = std::get_if<parser::DropTypeStatement>(&ast_.body)) {
      return Drop(*s, context, params.session);
    }
    return InternalError("not a type statement");
  }

 private:
  static Result<protocol::ResultMessage> Announce(QueryContext& context,
                                                  protocol::SchemaChangeResult change) {
    if (context.notify_schema_change) context.notify_schema_change(change);
    return protocol::ResultMessage(std::move(change));
  }

  static protocol::ResultMessage Nothing() { return protocol::ResultMessage(protocol::VoidResult{}); }

  // The keyspace of the statement, which must exist and be modifiable.
  static Result<const schema::KeyspaceMetadata*> Keyspace(const parser::QualifiedName& name,
                                                          const schema::SchemaSnapshot& snapshot,
                                                          const Session& session,
                                                          std::string* keyspace) {
    *keyspace = name.keyspace.empty() ? session.keyspace : name.keyspace;
    if (keyspace->empty()) return NoKeyspace();
    const auto* ks = snapshot.FindKeyspace(*keyspace);
    if (ks != nullptr && ks->is_system) {
      return Status(ErrorCode::kUnauthorized,
                    fmt::format("{} keyspace is not user-modifiable.", *keyspace));
    }
    return ks;
  }

  Result<protocol::ResultMessage> Create(const parser::CreateTypeStatement& s,
                                         QueryContext& context, const Session& session) const {
    auto snapshot = context.schema.snapshot();
    std::string keyspace;
    ASSIGN_OR_RETURN(const schema::KeyspaceMetadata* ks,
                     Keyspace(s.name, *snapshot, session, &keyspace));
    if (ks == nullptr) return InvalidRequest(fmt::format("Keyspace '{}' doesn't exist", keyspace));
    const std::string& name = s.name.name;
    if (ks->user_types.count(name)) {
      if (s.if_not_exists == parser::IfNotExists::kYes) return Nothing();
      return InvalidRequest(fmt::format("A user type with name '{}' already exists", name));
    }
    if (s.fields.size() > kMaxUserTypeFields) {
      return TooManyFields(keyspace, name, s.fields.size());
    }
    std::set<std::string> used;
    for (const auto& [field, raw] : s.fields) {
      if (!used.insert(field).second) {
        return InvalidRequest(fmt::format("Duplicate field name '{}' in type '{}'", field, name));
      }
    }
    std::vector<std::string> field_names;
    std::vector<Type> field_types;
    for (const auto& [field, raw] : s.fields) RETURN_IF_ERROR(CheckFieldType(raw));
    for (const auto& [field, raw] : s.fields) {
      ASSIGN_OR_RETURN(Type t, ResolveType(raw, keyspace, ks));
      field_names.push_back(field);
      field_types.push_back(std::move(t));
    }
    Type udt = Type::Udt(keyspace, name, std::move(field_names), std::move(field_types), false);
    if (types::TypeDepth(udt) > types::kMaxNestingDepth) return TooDeep("Type " + name);
    Status st = context.schema.CreateUserType(udt);
    if (!st.ok() && st.message().find("already exists") != std::string::npos &&
        s.if_not_exists == parser::IfNotExists::kYes) {
      return Nothing();  // created meanwhile by another connection
    }
    if (st.code() == ErrorCode::kNotFound) {
      return InvalidRequest(fmt::format("Keyspace '{}' doesn't exist", keyspace));
    }
    RETURN_IF_ERROR(st);
    return Announce(context, TypeChange("CREATED", keyspace, name));
  }

  Result<protocol::ResultMessage> Alter(const parser::AlterTypeStatement& s, QueryContext& context,
                                        const Session& session) const {
    auto snapshot = context.schema.snapshot();
    std::string keyspace;
    ASSIGN_OR_RETURN(const schema::KeyspaceMetadata* ks,
                     Keyspace(s.name, *snapshot, session, &keyspace));
    const std::string& name = s.name.name;
    auto it = ks != nullptr ? ks->user_types.find(name) : decltype(ks->user_types.end()){};
    if (ks == nullptr || it == ks->user_types.end()) {
      if (s.if_exists) return Nothing();
      return InvalidRequest(fmt::format("Type {}.{} doesn't exist", keyspace, name));
    }
    const Type& current = it->second;
    const std::string cql_name = CqlTypeName(keyspace, name);
    std::vector<std::string> field_names = current.udt_field_names();
    std::vector<Type> field_types = current.params();
    using Kind = parser::AlterTypeStatement::Kind;
    switch (s.kind) {
      case Kind::kAlter:
        return InvalidRequest("Altering field types is no longer supported");
      case Kind::kAdd: {
        if (std::find(field_names.begin(), field_names.end(), s.field) != field_names.end()) {
          if (s.if_field_not_exists) return Nothing();
          return InvalidRequest(fmt::format(
              "Cannot add field {} to type {}: a field with name {} already exists", s.field,
              cql_name, s.field));
        }
        if (field_names.size() + 1 > kMaxUserTypeFields) {
          return TooManyFields(keyspace, name, field_names.size() + 1);
        }
        RETURN_IF_ERROR(CheckFieldType(s.field_type));
        ASSIGN_OR_RETURN(Type field_type, ResolveType(s.field_type, keyspace, ks));
        if (types::ReferencesUserType(field_type, keyspace, name)) {
          return InvalidRequest(fmt::format(
              "Cannot add new field {} of type {} to user type {} as it would create a circular "
              "reference",
              s.field, RawTypeText(s.field_type), cql_name));
        }
        // A value of the type with one more field is another partition key than the same value
        // written before (AlterTypeStatement.AddField, Cassandra 4.1.2+).
        std::vector<std::string> keyed;
        for (const auto& [table_name, table] : ks->tables) {
          for (size_t i = 0; i < table->partition_key.size(); ++i) {
            if (types::ReferencesUserType(table->partition_key_column(i).type, keyspace, name)) {
              keyed.push_back(keyspace + "." + table_name);
              break;
            }
          }
        }
        if (!keyed.empty()) {
          return InvalidRequest(fmt::format(
              "Cannot add new field {} of type {} to user type {} as the type is being used in "
              "partition key by the following tables: {}",
              s.field, RawTypeText(s.field_type), cql_name, Join(keyed)));
        }
        field_names.push_back(s.field);
        field_types.push_back(std::move(field_type));
        break;
      }
      case Kind::kRename: {
        for (const auto& [from, to] : s.renames) {
          auto pos = std::find(current.udt_field_names().begin(), current.udt_field_names().end(),
                               from);
          if (pos == current.udt_field_names().end()) {
            if (s.if_field_exists) continue;
            // Cassandra's spelling ("Unkown"), kept because clients may match it.
            return InvalidRequest(
                fmt::format("Unkown field {} in user type {}", from, cql_name));
          }
          field_names[pos - current.udt_field_names().begin()] = to;
        }
        std::set<std::string> seen;
        for (const auto& field : field_names) {
          if (!seen.insert(field).second) {
            // RenameFields.apply passes the keyspace where its format expects the type name.
            return InvalidRequest(
                fmt::format("Duplicate field name {} in type {}", field, keyspace));
          }
        }
        break;
      }
    }
    Type altered = Type::Udt(keyspace, name, std::move(field_names), std::move(field_types), false);
    if (types::TypeDepth(altered) > types::kMaxNestingDepth) return TooDeep("Type " + name);
    Status st = context.schema.AlterUserType(altered);
    if (st.code() == ErrorCode::kNotFound) {
      if (s.if_exists) return Nothing();
      return InvalidRequest(fmt::format("Type {}.{} doesn't exist", keyspace, name));
    }
    RETURN_IF_ERROR(st);
    return Announce(context, TypeChange("UPDATED", keyspace, name));
  }

  Result<protocol::ResultMessage> Drop(const parser::DropTypeStatement& s, QueryContext& context,
                                       const Session& session) const {
    auto snapshot = context.schema.snapshot();
    std::string keyspace;
    ASSIGN_OR_RETURN(const schema::KeyspaceMetadata* ks,
                     Keyspace(s.name, *snapshot, session, &keyspace));
    (void)ks;
    Status st = context.schema.DropUserType(keyspace, s.name.name);
    if (st.code() == ErrorCode::kNotFound) {
      if (s.if_exists == parser::IfExists::kYes) return Nothing();
      return InvalidRequest(fmt::format("Type '{}.{}' doesn't exist", keyspace, s.name.name));
    }
    RETURN_IF_ERROR(st);
    return Announce(context, TypeChange("DROPPED", keyspace, s.name.name));
  }

  parser::Statement ast_;
};

}  // namespace

std::string RawTypeText(const parser::TypeName& raw) { return raw.ToString(); }

Result<types::Type> ResolveType(const parser::TypeName& raw, const std::string& keyspace,
                                const schema::KeyspaceMetadata* keyspace_metadata) {
  TypeResolver resolver(keyspace, keyspace_metadata);
  ASSIGN_OR_RETURN(Type t, resolver.Prepare(raw, false));
  // User types expand into their fields: the whole type must still fit the nesting limit that
  // bounds every recursion over types and values (issue 9).
  if (types::TypeDepth(t) > types::kMaxNestingDepth) return TooDeep("Type " + RawTypeText(raw));
  return t;
}

Result<std::shared_ptr<const CqlStatement>> PrepareTypeStatement(const parser::Statement& statement) {
  if (!statement.bind_markers.empty()) {
    return InvalidRequest("Bind variables are not supported in schema statements or USE");
  }
  return std::shared_ptr<const CqlStatement>(std::make_shared<TypeStatement>(statement));
}

}  // namespace sibyl::query
