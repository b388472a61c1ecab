#pragma once
// A prepared statement: bound to the schema, validated, ready to execute any number of times
// with different values. Immutable and shared (the prepared cache hands out shared_ptr<const>).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "cql/protocol/messages.h"
#include "query/batch_limits.h"
#include "query/processor.h"
#include "schema/metadata.h"
#include "storage/engine.h"

#include "query/namespaces.h"

namespace sibyl::schema {
class SchemaStore;
}

namespace sibyl::query {

class SystemTables;
struct LwtConditions;  // query/lwt_conditions.h (issue 12)

// Strictly increasing server-side write timestamps (microseconds).
int64_t NextWriteTimestamp();

// The services statements run against. Owned by the processor; outlives every statement run.
struct QueryContext {
  schema::SchemaStore& schema;
  storage::Engine& engine;
  const NodeInfo& node;
  const SystemTables& system_tables;
  // Notifies the server of a schema change (SCHEMA_CHANGE events).
  std::function<void(const protocol::SchemaChangeResult&)> notify_schema_change;
  // ProcessorOptions::max_mutation_bytes, checked by ApplyMutations (issue 9 item 10).
  uint64_t max_mutation_bytes = 16ull << 20;
  // ProcessorOptions' batch size thresholds, checked by BATCH (issue 12, query/batch_limits.h).
  BatchSizeLimits batch_limits{};
};

// One execution's inputs.
struct ExecutionParams {
  Session& session;
  const std::vector<protocol::BoundValue>& values;
  protocol::Consistency consistency = protocol::Consistency::kOne;
  int32_t page_size = -1;
  std::optional<std::string> paging_state;
  bool skip_metadata = false;
  std::optional<int64_t> default_timestamp;
  // Deadlines of this request (with session.received and session.cancel: request_deadline.h).
  RequestTimeouts timeouts{};
  // The request's serial consistency (SERIAL / LOCAL_SERIAL) for conditional writes (issue 12);
  // nullopt when the client sent none.
  std::optional<protocol::Consistency> serial_consistency{};
};

class CqlStatement {
 public:
  virtual ~CqlStatement() = default;

  virtual Result<protocol::ResultMessage> Execute(QueryContext& context,
                                                  const ExecutionParams& params) const = 0;

  // Metadata for PREPARED: the bind markers and (for SELECT) the result columns.
  std::vector<protocol::ColumnSpec> bind_specs;
  std::vector<uint16_t> partition_key_indexes;
  // The column each marker is the value of, or null (BindSpecs::targets); a BATCH computes its
  // partition-key indexes from its statements' targets.
  std::vector<const schema::ColumnMetadata*> bind_targets;
  protocol::RowsMetadata result_metadata{{}, std::nullopt, /*no_metadata=*/true};
  // The table this statement was prepared against, or null. A prepared statement whose table
  // has since changed is prepared again from its text.
  std::shared_ptr<const schema::TableMetadata> table;
  // DDL may not be used inside a BATCH and is not cached as prepared.
  virtual bool is_modification() const { return false; }
};

// INSERT, UPDATE and DELETE: they produce mutations, alone or inside a batch.
class ModificationStatement : public CqlStatement {
 public:
  bool is_modification() const override { return true; }
  // The mutations for one execution; `batch_timestamp` is the batch's, if any. `context` serves
  // the reads of the list operations that need one (l[i] = v, DELETE l[i], l = l - v; issue 11).
  virtual Result<std::vector<storage::TableMutation>> BuildMutations(
      QueryContext& context, const ExecutionParams& params,
      std::optional<int64_t> batch_timestamp) const = 0;
  // Whether the statement sets its own USING TIMESTAMP.
  virtual bool has_own_timestamp() const = 0;
  // The IF clause (lightweight transactions, query/lwt.h; issue 12); null when there is none.
  std::shared_ptr<const LwtConditions> conditions;

  Result<protocol::ResultMessage> Execute(QueryContext& context,
                                          const ExecutionParams& params) const override;
};

// Resolves [keyspace.]table for a statement: the keyspace from the name or the session.
// kInvalid "No keyspace has been specified..." / "Keyspace x does not exist" /
// "unconfigured table t".
Result<std::shared_ptr<const schema::TableMetadata>> ResolveTable(
    const schema::SchemaSnapshot& snapshot, const parser::QualifiedName& name,
    const Session& session);

// Prepares any statement. `context` gives the schema; nothing is executed.
Result<std::shared_ptr<const CqlStatement>> PrepareStatement(const parser::Statement& statement,
                                                             const Session& session,
                                                             QueryContext& context);

// Per statement kind (in their own files).
Result<std::shared_ptr<const CqlStatement>> PrepareInsert(const parser::InsertStatement& s,
                                                          size_t bind_count, const Session& session,
                                                          QueryContext& context);
Result<std::shared_ptr<const CqlStatement>> PrepareUpdate(const parser::UpdateStatement& s,
                                                          size_t bind_count, const Session& session,
                                                          QueryContext& context);
Result<std::shared_ptr<const CqlStatement>> PrepareDelete(const parser::DeleteStatement& s,
                                                          size_t bind_count, const Session& session,
                                                          QueryContext& context);
Result<std::shared_ptr<const CqlStatement>> PrepareSelect(const parser::SelectStatement& s,
                                                          size_t bind_count, const Session& session,
                                                          QueryContext& context);
Result<std::shared_ptr<const CqlStatement>> PrepareBatch(const parser::BatchStatement& s,
                                                         size_t bind_count, const Session& session,
                                                         QueryContext& context);
Result<std::shared_ptr<const CqlStatement>> PrepareDescribe(const parser::DescribeStatement& s);
Result<std::shared_ptr<const CqlStatement>> PrepareSchemaStatement(
    const parser::Statement& statement, const Session& session, QueryContext& context);

// Runs a BATCH protocol message whose entries were prepared as `statements` (same order).
Result<protocol::ResultMessage> ExecuteBatchMessage(
    QueryContext& context, Session& session, const protocol::BatchRequest& request,
    const std::vector<std::shared_ptr<const CqlStatement>>& statements,
    const RequestTimeouts& timeouts);

// Applies mutations from one statement or batch (durably, atomically).
Status ApplyMutations(QueryContext& context, const std::vector<storage::TableMutation>& mutations);

}  // namespace sibyl::query
