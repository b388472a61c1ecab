// BATCH: the mutations of every child statement are applied in one atomic engine write, so a
// LOGGED batch is all-or-nothing (and UNLOGGED gets the same guarantee for free on one node).
#include <fmt/format.h>

#include "query/counters.h"
#include "query/batch_limits.h"
#include "query/lwt.h"
#include "query/request_deadline.h"
#include "query/statement.h"
#include "query/term.h"
#include "query/where_clause.h"

namespace sibyl::query {
namespace {

class BatchStatement final : public CqlStatement {
 public:
  std::vector<std::shared_ptr<const ModificationStatement>> children;
  std::optional<PreparedTerm> timestamp;
  // Whether a statement has an IF clause: the batch is then one compare-and-apply (issue 12).
  bool has_conditions = false;
  const char* write_type = "BATCH";  // the write type of a WriteTimeout

  Result<protocol::ResultMessage> Execute(QueryContext& context,
                                          const ExecutionParams& params) const override {
    if (has_conditions) {  // issue 12: query/lwt.h
      std::vector<CasEntry> entries;
      for (const auto& child : children) entries.push_back({child.get(), &params});
      return ExecuteConditional(context, params, entries, /*is_batch=*/true);
    }
    RETURN_IF_ERROR(CheckWriteConsistency(params.consistency));
    std::optional<int64_t> batch_ts;
    if (timestamp) {
      ASSIGN_OR_RETURN(std::string v, EvaluateRequired(*timestamp, params.values, "timestamp"));
      batch_ts = types::DeserializeBigint(v);
    } else if (params.default_timestamp) {
      batch_ts = params.default_timestamp;
    } else {
      batch_ts = NextWriteTimestamp();
    }
    const RequestContext request = WriteRequestContext(
        context, params, children.empty() || !children[0]->table ? "" : children[0]->table->keyspace,
        write_type);
    std::vector<storage::TableMutation> all;
    for (const auto& child : children) {
      RETURN_IF_ERROR(request.Check());
      ASSIGN_OR_RETURN(auto mutations, child->BuildMutations(context, params, batch_ts));
      for (auto& m : mutations) all.push_back(std::move(m));
    }
    RETURN_IF_ERROR(request.Check());
    std::vector<const schema::TableMetadata*> tables;
    for (const auto& child : children) tables.push_back(child->table.get());
    RETURN_IF_ERROR(CheckBatchSize(all, BatchTableNames(tables), context.batch_limits,
                                   &params.session.warnings));  // issue 12
    RETURN_IF_ERROR(ApplyMutations(context, all));
    return protocol::ResultMessage(protocol::VoidResult{});
  }
};

}  // namespace

Result<std::shared_ptr<const CqlStatement>> PrepareBatch(const parser::BatchStatement& s,
                                                         size_t bind_count, const Session& session,
                                                         QueryContext& context) {
  auto batch = std::make_shared<BatchStatement>();
  batch->write_type = s.type == parser::BatchStatement::Type::kUnlogged ? "UNLOGGED_BATCH" : "BATCH";
  BindSpecs specs(bind_count);
  // BatchStatement.Parsed.prepare: attrs.prepare("[batch]", "[batch]").
  specs.keyspace = "[batch]";
  specs.table = "[batch]";
  if (s.using_clause.ttl) return InvalidRequest("Global TTL on the BATCH statement is not supported.");
  if (s.using_clause.timestamp) {
    ASSIGN_OR_RETURN(batch->timestamp, PrepareTerm(s.using_clause.timestamp,
                                                   types::Type(types::Kind::kBigint),
                                                   "[timestamp]", specs));
  }
  // Cassandra 4.1 BatchStatement.Parsed.prepare: the statements index their markers over the
  // whole batch text and fill one VariableSpecifications, so every marker carries the real spec
  // (keyspace, table, column or [timestamp]/[ttl], type) of what it is bound to.
  std::vector<protocol::ColumnSpec> merged = specs.specs;
  std::vector<const schema::ColumnMetadata*> targets(bind_count, nullptr);
  for (const auto& child_ast : s.statements) {
    std::shared_ptr<const CqlStatement> child;
    if (const auto* insert = std::get_if<parser::InsertStatement>(&child_ast->body)) {
      ASSIGN_OR_RETURN(child, PrepareInsert(*insert, bind_count, session, context));
    } else if (const auto* update = std::get_if<parser::UpdateStatement>(&child_ast->body)) {
      ASSIGN_OR_RETURN(child, PrepareUpdate(*update, bind_count, session, context));
    } else if (const auto* del = std::get_if<parser::DeleteStatement>(&child_ast->body)) {
      ASSIGN_OR_RETURN(child, PrepareDelete(*del, bind_count, session, context));
    } else {
      return InvalidRequest("Only INSERT, UPDATE and DELETE statements are allowed in a BATCH");
    }
    auto modification = std::static_pointer_cast<const ModificationStatement>(child);
    if (batch->timestamp && modification->has_own_timestamp()) {
      return InvalidRequest(
          "Timestamp must be set either on BATCH or individual statements");
    }
    for (size_t i = 0; i < child->bind_specs.size() && i < merged.size(); ++i) {
      if (!child->bind_specs[i].name.empty()) merged[i] = child->bind_specs[i];
      if (i < child->bind_targets.size() && child->bind_targets[i] != nullptr) {
        targets[i] = child->bind_targets[i];
      }
    }
    batch->children.push_back(std::move(modification));
  }
  // BatchStatement.validate (issue 12): a conditional batch takes its timestamp from the
  // compare-and-apply.
  for (const auto& child : batch->children) batch->has_conditions |= child->conditions != nullptr;
  if (batch->has_conditions) {
    bool custom_timestamp = batch->timestamp.has_value();
    for (const auto& child : batch->children) custom_timestamp |= child->has_own_timestamp();
    if (custom_timestamp) {
      return InvalidRequest("Cannot provide custom timestamp for conditional BATCH");
    }
  }
  // Counter statements only in COUNTER (or UNLOGGED) batches, and alone (issue 12).
  std::vector<const schema::TableMetadata*> tables;
  for (const auto& child : batch->children) tables.push_back(child->table.get());
  RETURN_IF_ERROR(CheckBatchCounters(
      s.type == parser::BatchStatement::Type::kCounter    ? BatchKind::kCounter
      : s.type == parser::BatchStatement::Type::kUnlogged ? BatchKind::kUnlogged
                                                          : BatchKind::kLogged,
      s.using_clause.timestamp != nullptr, tables));
  if (!tables.empty()) batch->write_type = WriteTypeFor(tables[0], batch->write_type);
  batch->bind_specs = std::move(merged);
  // BatchStatement.getPartitionKeyBindVariableIndexes: the key indexes of the first statement's
  // table over all the batch's markers, and none when the statements write several tables.
  bool one_table = !batch->children.empty();
  for (const auto& child : batch->children) {
    one_table = one_table && child->table->keyspace == batch->children[0]->table->keyspace &&
                child->table->name == batch->children[0]->table->name;
  }
  if (one_table) {
    BindSpecs all(bind_count);
    all.targets = std::move(targets);
    batch->partition_key_indexes = PartitionKeyBindIndexes(*batch->children[0]->table, all);
  }
  return std::shared_ptr<const CqlStatement>(std::move(batch));
}

// The BATCH protocol message: each entry is its own statement with its own values.
Result<protocol::ResultMessage> ExecuteBatchMessage(
    QueryContext& context, Session& session, const protocol::BatchRequest& request,
    const std::vector<std::shared_ptr<const CqlStatement>>& statements,
    const RequestTimeouts& timeouts) {
  {  // Counter statements only in COUNTER (or UNLOGGED) batches, and alone (issue 12).
    std::vector<const schema::TableMetadata*> tables;
    for (const auto& st : statements) tables.push_back(st->table.get());
    RETURN_IF_ERROR(CheckBatchCounters(
        request.type == protocol::BatchRequest::Type::kCounter    ? BatchKind::kCounter
        : request.type == protocol::BatchRequest::Type::kUnlogged ? BatchKind::kUnlogged
                                                                  : BatchKind::kLogged,
        false, tables));
  }
  int64_t batch_ts = request.default_timestamp ? *request.default_timestamp : NextWriteTimestamp();
  static const std::vector<protocol::BoundValue> kNoValues;
  ExecutionParams batch_params{session,        kNoValues,    request.consistency,
                               /*page_size=*/-1, std::nullopt, /*skip_metadata=*/false,
                               std::nullopt,     timeouts};
  const std::string keyspace =
      statements.empty() || !statements[0]->table ? "" : statements[0]->table->keyspace;
  const RequestContext deadline = WriteRequestContext(
      context, batch_params, keyspace,
      WriteTypeFor(statements.empty() ? nullptr : statements[0]->table.get(),
                   request.type == protocol::BatchRequest::Type::kLogged ? "BATCH"
                                                                         : "UNLOGGED_BATCH"));
  // A batch with an IF clause is one compare-and-apply (issue 12, query/lwt.h).
  bool has_conditions = false;
  for (const auto& stmt : statements) {
    has_conditions |= stmt->is_modification() &&
                      static_cast<const ModificationStatement&>(*stmt).conditions != nullptr;
  }
  if (!has_conditions) RETURN_IF_ERROR(CheckWriteConsistency(request.consistency));
  batch_params.serial_consistency = request.serial_consistency;
  std::vector<ExecutionParams> entry_params;
  entry_params.reserve(statements.size());
  std::vector<CasEntry> cas_entries;
  std::vector<const schema::TableMetadata*> tables;
  std::vector<storage::TableMutation> all;
  for (size_t i = 0; i < statements.size(); ++i) {
    RETURN_IF_ERROR(deadline.Check());
    if (!statements[i]->is_modification()) {
      return InvalidRequest("Only INSERT, UPDATE and DELETE statements are allowed in a BATCH");
    }
    const auto& stmt = static_cast<const ModificationStatement&>(*statements[i]);
    if (request.entries[i].values.size() != stmt.bind_specs.size()) {
      return InvalidRequest(fmt::format(
          "There were {} markers(?) in CQL but {} bound variables", stmt.bind_specs.size(),
          request.entries[i].values.size()));
    }
    ExecutionParams params{session, request.entries[i].values, request.consistency,
                           /*page_size=*/-1, std::nullopt, /*skip_metadata=*/false,
                           request.default_timestamp};
    tables.push_back(stmt.table.get());
    if (has_conditions) {
      if (stmt.has_own_timestamp()) {
        return InvalidRequest("Cannot provide custom timestamp for conditional BATCH");
      }
      entry_params.push_back(params);
      cas_entries.push_back({&stmt, &entry_params.back()});
      continue;
    }
    ASSIGN_OR_RETURN(auto mutations, stmt.BuildMutations(context, params, batch_ts));
    for (auto& m : mutations) all.push_back(std::move(m));
  }
  if (has_conditions) {
    return ExecuteConditional(context, batch_params, cas_entries, /*is_batch=*/true);
  }
  RETURN_IF_ERROR(deadline.Check());
  RETURN_IF_ERROR(CheckBatchSize(all, BatchTableNames(tables), context.batch_limits,
                                 &session.warnings));  // issue 12
  RETURN_IF_ERROR(ApplyMutations(context, all));
  return protocol::ResultMessage(protocol::VoidResult{});
}

}  // namespace sibyl::query
