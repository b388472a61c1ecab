// INSERT JSON (insert_json.h). References: Cassandra 4.1 cql3/statements/UpdateStatement.java
// (ParsedInsertJson), cql3/Json.java (parseJson, PreparedMarker) and QueryOptions.getJsonColumnValue.
#include "query/insert_json.h"

#include <fmt/format.h>

#include <unordered_map>

#include "common/utf8.h"
#include "query/json_values.h"
#include "schema/schema_store.h"

namespace sibyl::query {

using schema::ColumnMetadata;
using schema::TableMetadata;

namespace {

parser::TermPtr MakeTerm(parser::Term term) {
  return std::make_shared<const parser::Term>(std::move(term));
}

// fromJson('<the member's JSON>'): the member decodes again, to the same value, when the
// INSERT is prepared (a constant then).
parser::TermPtr FromJsonTerm(const JsonValue& value) {
  parser::FunctionCall call;
  call.name = parser::QualifiedName{"system", "fromjson"};
  call.args.push_back(MakeTerm(parser::Term{parser::Literal{types::LiteralKind::kString,
                                                            WriteJson(value)}}));
  return MakeTerm(parser::Term{std::move(call)});
}

// The INSERT that the JSON text `json` stands for (Json.parseJson, then ParsedInsertJson's
// column terms).
Result<parser::InsertStatement> RewriteInsertJson(const parser::InsertStatement& s,
                                                  const TableMetadata& table,
                                                  std::string_view json) {
  ASSIGN_OR_RETURN(auto members, ParseInsertJsonMap(json));
  std::unordered_map<std::string, const JsonValue*> by_name;
  for (const auto& [name, value] : members) by_name.emplace(name, &value);
  parser::InsertStatement out;
  out.table = parser::QualifiedName{table.keyspace, table.name};
  out.using_clause = s.using_clause;
  out.conditions = s.conditions;
  const ColumnMetadata* unset_key = nullptr;
  for (const ColumnMetadata& c : table.columns) {
    auto it = by_name.find(c.name);
    if (it == by_name.end()) {
      if (s.default_unset) {
        if (c.is_primary_key() && unset_key == nullptr) unset_key = &c;
        continue;
      }
      out.columns.push_back(c.name);
      out.values.push_back(MakeTerm(parser::Term{parser::NullLiteral{}}));
      continue;
    }
    const JsonValue& value = *it->second;
    out.columns.push_back(c.name);
    if (value.kind == JsonValue::Kind::kNull) {  // an explicit null
      out.values.push_back(MakeTerm(parser::Term{parser::NullLiteral{}}));
      continue;
    }
    auto decoded = FromJsonValue(c.type, value);
    if (!decoded.ok()) {
      return InvalidRequest(fmt::format("Error decoding JSON value for {}: {}", c.name,
                                        decoded.status().message()));
    }
    out.values.push_back(FromJsonTerm(value));
  }
  for (const auto& [name, value] : members) {
    if (table.FindColumn(name) == nullptr) {
      return InvalidRequest(fmt::format("JSON values map contains unrecognized column: {}",
                                        QuoteForMessage(name)));
    }
  }
  if (unset_key != nullptr) {
    // The key column's term is Constants.UNSET_LITERAL (restrictions refuse it).
    return InvalidRequest("Invalid unset value for column " + unset_key->name);
  }
  return out;
}

// INSERT ... JSON ?: the INSERT is known once the marker's text is.
class InsertJsonMarkerStatement final : public ModificationStatement {
 public:
  parser::InsertStatement raw;  // the table fully qualified
  int marker = 0;
  size_t bind_count = 0;

  Result<std::vector<storage::TableMutation>> BuildMutations(
      QueryContext& context, const ExecutionParams& params,
      std::optional<int64_t> batch_timestamp) const override {
    ASSIGN_OR_RETURN(auto statement, Bind(context, params));
    const auto* modification = dynamic_cast<const ModificationStatement*>(statement.get());
    if (modification == nullptr) return InternalError("INSERT JSON prepared as a non-modification");
    return modification->BuildMutations(context, params, batch_timestamp);
  }
  bool has_own_timestamp() const override { return raw.using_clause.timestamp != nullptr; }
  Result<protocol::ResultMessage> Execute(QueryContext& context,
                                          const ExecutionParams& params) const override {
    ASSIGN_OR_RETURN(auto statement, Bind(context, params));
    return statement->Execute(context, params);
  }

 private:
  Result<std::shared_ptr<const CqlStatement>> Bind(QueryContext& context,
                                                   const ExecutionParams& params) const {
    if (marker < 0 || static_cast<size_t>(marker) >= params.values.size()) {
      return InvalidRequest("There were fewer values than bind markers");
    }
    const protocol::BoundValue& bound = params.values[marker];
    // QueryOptions.getJsonColumnValue: null is refused; an unset value reads as "".
    if (bound.kind == protocol::BoundValue::Kind::kNull) {
      return InvalidRequest("Got null for INSERT JSON values");
    }
    auto snapshot = context.schema.snapshot();
    ASSIGN_OR_RETURN(auto current, ResolveTable(*snapshot, raw.table, params.session));
    ASSIGN_OR_RETURN(parser::InsertStatement rewritten,
                     RewriteInsertJson(raw, *current, bound.bytes));
    return PrepareInsert(rewritten, bind_count, params.session, context);
  }
};

}  // namespace

Result<std::shared_ptr<const CqlStatement>> PrepareInsertJson(const parser::InsertStatement& s,
                                                              size_t bind_count,
                                                              const Session& session,
                                                              QueryContext& context) {
  auto snapshot = context.schema.snapshot();
  ASSIGN_OR_RETURN(auto table, ResolveTable(*snapshot, s.table, session));
  if (s.values.size() != 1) return InternalError("INSERT JSON without its one value");
  const auto& value = s.values[0]->value;
  if (const auto* literal = std::get_if<parser::Literal>(&value)) {
    if (literal->kind != types::LiteralKind::kString) {
      return InvalidRequest("INSERT JSON takes a string literal or a bind marker");
    }
    ASSIGN_OR_RETURN(parser::InsertStatement rewritten,
                     RewriteInsertJson(s, *table, literal->text));
    return PrepareInsert(rewritten, bind_count, session, context);
  }
  const auto* marker = std::get_if<parser::BindMarker>(&value);
  if (marker == nullptr) return InvalidRequest("INSERT JSON takes a string literal or a bind marker");
  auto stmt = std::make_shared<InsertJsonMarkerStatement>();
  stmt->raw = s;
  stmt->raw.table = parser::QualifiedName{table->keyspace, table->name};
  stmt->marker = marker->index;
  stmt->bind_count = bind_count;
  stmt->table = table;
  // What the INSERT will check (writable table, USING terms, conditions), checked now with every
  // column null; its markers' specs are this statement's, the JSON marker's aside.
  parser::InsertStatement dry;
  dry.table = stmt->raw.table;
  dry.using_clause = s.using_clause;
  dry.conditions = s.conditions;
  for (const ColumnMetadata& c : table->columns) {
    dry.columns.push_back(c.name);
    dry.values.push_back(MakeTerm(parser::Term{parser::NullLiteral{}}));
  }
  ASSIGN_OR_RETURN(auto prepared, PrepareInsert(dry, bind_count, session, context));
  stmt->bind_specs = prepared->bind_specs;
  stmt->bind_specs.resize(bind_count);
  if (static_cast<size_t>(marker->index) < stmt->bind_specs.size()) {
    stmt->bind_specs[marker->index] = JsonColumnSpec(table->keyspace, table->name);
  }
  stmt->bind_targets.assign(bind_count, nullptr);
  // Its IF clause is the INSERT's (lightweight transactions, issue 12).
  if (const auto* m = dynamic_cast<const ModificationStatement*>(prepared.get())) {
    stmt->conditions = m->conditions;
  }
  return std::shared_ptr<const CqlStatement>(std::move(stmt));
}

}  // namespace sibyl::query
