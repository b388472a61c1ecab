// The query processor: parse -> prepare -> execute, plus the prepared-statement cache.
#include <fmt/format.h>
#include <openssl/evp.h>

#include <spdlog/spdlog.h>

#include <shared_mutex>
#include <unordered_map>

#include "common/clock.h"
#include "cql/parser/parser.h"
#include "cql/types/key_encoding.h"
#include "query/functions/statement_clock.h"
#include "query/permissions.h"
#include "query/inline_cost.h"  // issue 14
#include "query/prepared_cache.h"
#include "query/processor.h"
#include "query/statement.h"
#include "query/system_tables.h"
#include "query/tracing.h"
#include "schema/schema_store.h"
#include "storage/coordinator.h"  // issue 15
#include "storage/engine.h"

namespace sibyl::query {
namespace {

constexpr const char* kLocalTableId = "sibyl_local";

std::string Md5(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// This node's host id: made once, kept in an internal table.
Result<std::string> LoadHostId(storage::Engine& engine) {
  RETURN_IF_ERROR(engine.CreateTable(kLocalTableId));
  const std::string key = "local";
  int64_t token = types::Murmur3Token(key);
  storage::SliceQuery slice;
  slice.now_seconds = NowSeconds();
  ASSIGN_OR_RETURN(auto partition, engine.ReadPartition(kLocalTableId, key, token, slice));
  for (const auto& row : partition.rows) {
    auto it = row.cells.find("host_id");
    if (it != row.cells.end()) return it->second.value;
  }
  std::string host_id = types::UuidToString(types::RandomUuid());
  storage::PartitionMutation m;
  m.partition_key = key;
  m.token = token;
  storage::Row row;
  row.cells["host_id"].timestamp = NowMicros();
  row.cells["host_id"].value = host_id;
  m.rows.push_back(std::move(row));
  RETURN_IF_ERROR(engine.Apply({{kLocalTableId, std::move(m)}}));
  return host_id;
}

const char* ConsistencyName(protocol::Consistency c) {
  using C = protocol::Consistency;
  switch (c) {
    case C::kAny: return "ANY";
    case C::kOne: return "ONE";
    case C::kTwo: return "TWO";
    case C::kThree: return "THREE";
    case C::kQuorum: return "QUORUM";
    case C::kAll: return "ALL";
    case C::kLocalQuorum: return "LOCAL_QUORUM";
    case C::kEachQuorum: return "EACH_QUORUM";
    case C::kSerial: return "SERIAL";
    case C::kLocalSerial: return "LOCAL_SERIAL";
    case C::kLocalOne: return "LOCAL_ONE";
  }
  return "ONE";
}

// QueryMessage/ExecuteMessage (4.1): the session parameters of a traced request.
std::map<std::string, std::string> TraceParameters(std::string_view query,
                                                   const protocol::QueryParameters& params) {
  std::map<std::string, std::string> out = {{"query", std::string(query)}};
  if (params.page_size > 0) out["page_size"] = std::to_string(params.page_size);
  out["consistency_level"] = ConsistencyName(params.consistency);
  if (params.serial_consistency) {
    out["serial_consistency_level"] = ConsistencyName(*params.serial_consistency);
  }
  return out;
}

// The trace of one request (issue 10 item 23): current on this thread while it lives; the
// session's duration is recorded when it ends, whatever the outcome.
class RequestTrace {
 public:
  RequestTrace(TraceStore& store, Session& session, const char* command, const char* request,
               std::map<std::string, std::string> parameters)
      : trace_(session.trace ? store.Begin(command, request, std::move(parameters),
                                           session.client_address)
                             : nullptr),
        scope_(trace_.get()) {
    if (trace_) session.trace_id = trace_->session_id();
  }
  ~RequestTrace() {
    if (trace_) trace_->Finish();
  }
  RequestTrace(const RequestTrace&) = delete;
  RequestTrace& operator=(const RequestTrace&) = delete;

 private:
  std::unique_ptr<TraceState> trace_;
  ScopedTrace scope_;
};

// Trace events of the execution itself: what runs, and what storage gave back.
void TraceExecution(const CqlStatement& stmt, const parser::Statement& ast,
                    const Result<protocol::ResultMessage>& result) {
  if (CurrentTrace() == nullptr) return;
  const std::string table =
      stmt.table ? stmt.table->keyspace + "." + stmt.table->name : std::string();
  if (!result.ok()) {
    TraceEvent("Request failed: " + result.status().message());
    return;
  }
  if (const auto* rows = std::get_if<protocol::RowsResult>(&*result)) {
    if (std::holds_alternative<parser::SelectStatement>(ast.body)) {
      TraceEvent(fmt::format("Read {} live rows from {}", rows->rows.size(), table));
    }
  }
}

class QueryProcessorImpl final : public QueryProcessor {
 public:
  QueryProcessorImpl(storage::Engine& engine, const NodeInfo& node, ProcessorOptions options,
                     std::unique_ptr<schema::SchemaStore> schema,
                     std::unique_ptr<SystemTables> system_tables,
                     std::shared_ptr<TraceStore> traces)
      : node_(node),
        traces_(std::move(traces)),
        options_(std::move(options)),
        schema_(std::move(schema)),
        system_tables_(std::move(system_tables)),
        context_{*schema_, engine, node_, *system_tables_,
                 [this](const protocol::SchemaChangeResult& change) { Notify(change); },
                 options_.max_mutation_bytes,
                 BatchSizeLimits{options_.batch_size_warn_bytes, options_.batch_size_fail_bytes}} {}

  Result<protocol::ResultMessage> Query(Session& session, std::string_view cql,
                                        const protocol::QueryParameters& params) override {
    RequestTrace trace(*traces_, session, "QUERY", "Execute CQL3 query",
                       session.trace ? TraceParameters(cql, params)
                                     : std::map<std::string, std::string>{});
    TraceEvent(fmt::format("Parsing {}", cql));
    ASSIGN_OR_RETURN(auto ast, parser::ParseStatement(cql));
    TraceEvent("Preparing statement");
    ASSIGN_OR_RETURN(auto stmt, PrepareStatement(*ast, session, context_));
    RETURN_IF_ERROR(Authorize(*ast, session));
    return Run(*stmt, *ast, session, params);
  }

  Result<protocol::ResultMessage> Prepare(Session& session, std::string_view cql) override {
    RequestTrace trace(*traces_, session, "PREPARE", "Preparing CQL3 query",
                       {{"query", std::string(cql)}});
    TraceEvent(fmt::format("Parsing {}", cql));
    ASSIGN_OR_RETURN(auto ast, parser::ParseStatement(cql));
    TraceEvent("Preparing statement");
    ASSIGN_OR_RETURN(auto stmt, PrepareStatement(*ast, session, context_));
    std::string id = Md5(session.keyspace + std::string(cql));
    // issue 14: the cost class is decided once, here (query/inline_cost.h).
    // issue 15: never on the event loop when every engine call is a network round trip.
    const InlineRun inline_run =
        context_.engine.CheapToCallInline() ? InlineRunOf(*ast, *stmt) : InlineRun::kNo;
    prepared_.Put(id, std::make_shared<const PreparedEntry>(
                          PreparedEntry{std::string(cql), session.keyspace, ast, stmt, inline_run}));
    protocol::PreparedResult result;
    result.id = id;
    const std::string ks = stmt->table ? stmt->table->keyspace : "";
    const std::string table = stmt->table ? stmt->table->name : "";
    result.bind_metadata.columns = stmt->bind_specs;
    for (auto& c : result.bind_metadata.columns) {
      if (c.keyspace.empty()) c.keyspace = ks;
      if (c.table.empty()) c.table = table;
    }
    result.partition_key_indexes = stmt->partition_key_indexes;
    result.result_metadata = stmt->result_metadata;
    return protocol::ResultMessage(std::move(result));
  }

  Result<protocol::ResultMessage> Execute(Session& session, std::string_view id,
                                          const protocol::QueryParameters& params) override {
    ASSIGN_OR_RETURN(auto entry, Lookup(id));
    RequestTrace trace(*traces_, session, "EXECUTE", "Execute CQL3 prepared query",
                       session.trace ? TraceParameters(entry->query, params)
                                     : std::map<std::string, std::string>{});
    RETURN_IF_ERROR(AuthorizePrepared(entry, session));
    return Run(*entry->statement, *entry->ast, session, params);
  }

  Result<protocol::ResultMessage> Batch(Session& session,
                                        const protocol::BatchRequest& batch) override {
    std::map<std::string, std::string> parameters;
    if (session.trace) parameters["consistency_level"] = ConsistencyName(batch.consistency);
    RequestTrace trace(*traces_, session, "BATCH", "Execute batch of CQL3 queries",
                       std::move(parameters));
    std::vector<std::shared_ptr<const CqlStatement>> statements;
    for (const auto& entry : batch.entries) {
      if (entry.prepared) {
        ASSIGN_OR_RETURN(auto e, Lookup(entry.query_or_id));
        RETURN_IF_ERROR(AuthorizePrepared(e, session));
        statements.push_back(e->statement);
      } else {
        TraceEvent(fmt::format("Parsing {}", entry.query_or_id));
        ASSIGN_OR_RETURN(auto ast, parser::ParseStatement(entry.query_or_id));
        ASSIGN_OR_RETURN(auto stmt, PrepareStatement(*ast, session, context_));
        RETURN_IF_ERROR(Authorize(*ast, session));
        statements.push_back(std::move(stmt));
      }
    }
    functions::StatementClockScope clock;  // one now() for the whole batch (issue 13)
    return ExecuteBatchMessage(context_, session, batch, statements, options_.timeouts);
  }

  // Group commit (issue 14).
  void WhenDurable(std::function<void(const Status&)> done) override {
    context_.engine.WhenDurable(std::move(done));
  }

  // Inline execution (issue 14).
  InlineRun RunsInline(std::string_view id) override {
    std::shared_ptr<const PreparedEntry> entry = prepared_.Find(id);
    return entry != nullptr ? entry->inline_run : InlineRun::kNo;
  }

  std::vector<StoredTable> StoredTables() override {
    std::vector<StoredTable> out;
    const auto snapshot = schema_->snapshot();
    for (const auto& [name, keyspace] : snapshot->keyspaces) {
      if (keyspace->is_virtual) continue;
      for (const auto& [table_name, table] : keyspace->tables) {
        out.push_back({table->id, table->options.gc_grace_seconds});
      }
    }
    return out;
  }

  void AddSchemaListener(SchemaListener listener) override {
    std::lock_guard lock(listener_mu_);
    listeners_.push_back(std::move(listener));
  }

  // issue 15: another node's DDL: reload (before this node acks it), then tell this node's
  // clients, as a local DDL does. Prepared statements on changed tables are prepared again at
  // their next EXECUTE (Lookup compares the table objects).
  void FollowClusterSchema(storage::Coordinator& coordinator) {
    schema_->SetCoordinator(&coordinator);
    coordinator.Subscribe("schema", [this] {
      // A DROP or TRUNCATE there: this node's engine caches about tables may be stale.
      context_.engine.ForgetCachedState();
      auto changes = schema_->Reload();
      if (!changes.ok()) {
        spdlog::error("Reloading the schema another node changed: {}", changes.status().ToString());
        return;
      }
      for (const auto& c : *changes) {
        protocol::SchemaChangeResult event;
        event.change_type = c.change_type;
        event.target = c.target;
        event.keyspace = c.keyspace;
        event.name = c.name;
        Notify(event);
      }
    });
  }

 private:
  // Prepared statements kept; past it the least recently used go (PreparedCache).
  static constexpr size_t kMaxPrepared = 100000;

  void Notify(const protocol::SchemaChangeResult& change) {
    std::vector<SchemaListener> listeners;
    {
      std::lock_guard lock(listener_mu_);
      listeners = listeners_;
    }
    for (const auto& listener : listeners) listener(change);
  }

  // Checks `ast` with the session's authorizer; no schema snapshot is taken when auth is off.
  Status Authorize(const parser::Statement& ast, const Session& session) {
    if (session.authorizer == nullptr) return Status::OK();
    TraceEvent("Authorizing the statement against the principal's IAM policies");
    Status status = AuthorizeStatement(ast, session, *schema_->snapshot());
    TraceEvent(status.ok() ? "Authorized" : "Not authorized: " + status.message());
    return status;
  }

  // A prepared statement's names resolve in the keyspace it was prepared in. A statement the
  // session's authorizer allowed before, under the same schema snapshot (tags, tables) and
  // decision epoch (IAM state), is allowed again without building its permissions (issue 14).
  Status AuthorizePrepared(const std::shared_ptr<const PreparedEntry>& entry,
                           const Session& session) {
    if (session.authorizer == nullptr) return Status::OK();
    const std::optional<uint64_t> epoch = session.authorizer->DecisionEpoch();
    std::shared_ptr<const schema::SchemaSnapshot> snapshot = schema_->snapshot();
    AllowedStatements& allowed = session.authorizer->allowed_statements();
    if (epoch && allowed.Contains(entry.get(), snapshot.get(), *epoch)) {
      TraceEvent("Authorized (this connection was allowed this prepared statement before)");
      return Status::OK();
    }
    TraceEvent("Authorizing the statement against the principal's IAM policies");
    Status status =
        AuthorizeStatement(*entry->ast, Session{entry->keyspace, session.authorizer}, *snapshot);
    TraceEvent(status.ok() ? "Authorized" : "Not authorized: " + status.message());
    if (status.ok() && epoch) allowed.Add(entry, std::move(snapshot), *epoch);
    return status;
  }

  // The cached statement for `id`, prepared again if its table changed since.
  Result<std::shared_ptr<const PreparedEntry>> Lookup(std::string_view id) {
    uint64_t* checked = nullptr;  // this thread's: 1 + the schema generation it was checked at
    std::shared_ptr<const PreparedEntry> entry = prepared_.Find(id, &checked);
    if (entry == nullptr) {
      return Status(ErrorCode::kUnprepared,
                    fmt::format("Prepared query with ID {} not found (either the query was not "
                                "prepared on this host (maybe the host has been restarted?) or "
                                "you have prepared too many queries and it got evicted from the "
                                "internal cache)",
                                Hex(id)),
                    UnpreparedDetail{std::string(id)});
    }
    const auto& table = entry->statement->table;
    if (!table) return entry;
    // issue 14: while the schema has not changed since this thread last checked the entry, its
    // table is still current (two map searches by name per EXECUTE otherwise).
    const uint64_t generation = schema_->generation();
    if (*checked == generation + 1) return entry;
    auto current = schema_->snapshot()->FindTable(table->keyspace, table->name);
    if (current == table) {
      *checked = generation + 1;  // no Find since: the word is still valid
      return entry;
    }
    Session session{entry->keyspace, nullptr};
    auto updated = std::make_shared<PreparedEntry>(*entry);
    ASSIGN_OR_RETURN(updated->statement, PrepareStatement(*entry->ast, session, context_));
    entry = std::move(updated);
    prepared_.Put(id, entry);
    return entry;
  }

  // Maps named values to marker positions, checks the count, and executes.
  Result<protocol::ResultMessage> Run(const CqlStatement& stmt, const parser::Statement& ast,
                                      Session& session, const protocol::QueryParameters& params) {
    const std::vector<protocol::BoundValue>* values = &params.values;
    std::vector<protocol::BoundValue> ordered;
    if (!params.value_names.empty()) {
      ordered.resize(stmt.bind_specs.size(), protocol::BoundValue::Unset());
      for (size_t i = 0; i < stmt.bind_specs.size(); ++i) {
        const std::string& marker_name =
            i < ast.bind_markers.size() && !ast.bind_markers[i].name.empty()
                ? ast.bind_markers[i].name
                : stmt.bind_specs[i].name;
        bool found = false;
        for (size_t v = 0; v < params.value_names.size() && v < params.values.size(); ++v) {
          if (params.value_names[v] == marker_name) {
            ordered[i] = params.values[v];
            found = true;
            break;
          }
        }
        if (!found) return InvalidRequest("No value has been provided for bind variable " + marker_name);
      }
      values = &ordered;
    }
    if (values->size() != stmt.bind_specs.size()) {
      return InvalidRequest(fmt::format("There were {} markers(?) in CQL but {} bound variables",
                                        stmt.bind_specs.size(), values->size()));
    }
    ExecutionParams exec{session, *values, params.consistency, params.page_size,
                         params.paging_state, params.skip_metadata, params.default_timestamp};
    exec.timeouts = options_.timeouts;
    exec.serial_consistency = params.serial_consistency;  // conditional writes (issue 12)
    if (CurrentTrace() != nullptr) {
      TraceEvent(stmt.table ? fmt::format("Executing statement on {}.{}", stmt.table->keyspace,
                                          stmt.table->name)
                            : std::string("Executing statement"));
    }
    functions::StatementClockScope clock;  // one now() per statement execution (issue 13)
    auto result = stmt.Execute(context_, exec);
    TraceExecution(stmt, ast, result);
    return result;
  }

  NodeInfo node_;
  const std::shared_ptr<TraceStore> traces_;  // also read by system_tables_
  const ProcessorOptions options_;
  std::unique_ptr<schema::SchemaStore> schema_;
  std::unique_ptr<SystemTables> system_tables_;
  QueryContext context_;

  std::mutex listener_mu_;
  std::vector<SchemaListener> listeners_;  // GUARDED_BY(listener_mu_)

  PreparedCache prepared_{kMaxPrepared};
};

}  // namespace

Result<std::unique_ptr<QueryProcessor>> OpenQueryProcessor(storage::Engine& engine,
                                                           const NodeInfo& node,
                                                           ProcessorOptions options) {
  std::string host_id = node.host_id;  // issue 15: per node on shared storage
  if (host_id.empty()) {
    ASSIGN_OR_RETURN(host_id, LoadHostId(engine));
  }
  ASSIGN_OR_RETURN(auto schema, schema::SchemaStore::Open(engine, SystemTables::Keyspaces()));
  auto traces = std::make_shared<TraceStore>();
  auto system_tables = std::make_unique<SystemTables>(node, host_id, options.clients, traces);
  system_tables->SetCoordinator(options.coordinator);  // issue 15
  storage::Coordinator* coordinator = options.coordinator;
  auto processor = std::make_unique<QueryProcessorImpl>(engine, node, std::move(options),
                                                        std::move(schema),
                                                        std::move(system_tables), std::move(traces));
  if (coordinator != nullptr) processor->FollowClusterSchema(*coordinator);  // issue 15
  return std::unique_ptr<QueryProcessor>(std::move(processor));
}

}  // namespace sibyl::query
