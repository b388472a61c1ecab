#pragma once
// QueryProcessor: the entry point of query/ for one CQL request. It reads as a short list of
// stages: parse -> prepare (bind to the schema, validate) -> execute (storage) -> result.
// Thread-safe: any event-loop thread may call it for any connection.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/request_context.h"
#include "common/status.h"
#include "cql/protocol/messages.h"

#include "query/authorizer.h"
#include "query/inline_cost.h"
#include "query/namespaces.h"

namespace sibyl::storage {
class Coordinator;
class Engine;
}

namespace sibyl::query {

class ClientDirectory;

// What system.local and system.peers say about this node.
struct NodeInfo {
  std::string listen_address = "127.0.0.1";  // broadcast/listen/rpc address
  int cql_port = 9042;
  std::string cluster_name = "Sibyl Cluster";
  std::string data_center = "datacenter1";
  std::string rack = "rack1";
  // For Amazon Keyspaces' ARNs (system_schema_mcs.tags): arn:aws:cassandra:<region>:<account>:.
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // This node's host id (UUID text). Empty: made once and kept in the engine's internal table
  // (one node); on shared storage every node must bring its own (issue 15).
  std::string host_id;
};

// How long a request may run before the client gets ReadTimeout/WriteTimeout (issue 9 item 4),
// as Cassandra's read_request_timeout, write_request_timeout and range_request_timeout.
struct RequestTimeouts {
  // SELECT of given partitions. Default: 5000 ms.
  std::chrono::milliseconds read{5000};
  // INSERT, UPDATE, DELETE, BATCH. Default: 2000 ms.
  std::chrono::milliseconds write{2000};
  // SELECT over a token range or the whole table. Default: 10000 ms.
  std::chrono::milliseconds range{10000};
};

// Per-connection state a statement may read or change.
struct Session {
  std::string keyspace;  // set by USE; empty when none
  // Decides whether the connection's principal may run each statement; null: everything is
  // allowed (authentication off).
  std::shared_ptr<Authorizer> authorizer;
  // Per request, set by the connection (issue 9 item 4). `cancel` is raised when the client
  // disconnects or the server stops: the statement stops at its next check. Null: never.
  std::shared_ptr<const CancelToken> cancel{};
  // When the request arrived; its deadline counts from here. Default: when it starts to run.
  RequestContext::Clock::time_point received{};
  // Tracing (issue 10 item 23), per request: `trace` asks for it (the frame's tracing flag); the
  // processor then sets `trace_id` to the session's id (16 bytes), which the response carries.
  // `client_address` is recorded as the session's client.
  bool trace = false;
  std::optional<std::string> trace_id{};
  std::string client_address{};
  // Client warnings of this request (native_protocol_v4.spec §2.2 flag 0x08), e.g. a batch over
  // batch_size_warn_threshold (issue 12); the connection sends them with the response.
  std::vector<std::string> warnings{};
};

struct ProcessorOptions {
  RequestTimeouts timeouts;
  // Cassandra's max_mutation_size: the largest write to one partition key of one keyspace, in
  // bytes (query/mutation_size.h); a larger statement or batch is refused with InvalidRequest
  // before anything is written (issue 9 item 10). Default: 16 MiB.
  uint64_t max_mutation_bytes = 16ull << 20;
  // Cassandra's batch_size_warn_threshold and batch_size_fail_threshold (issue 12): a batch of
  // several partitions larger than these gets a client warning / InvalidRequest "Batch too
  // large". Defaults: 5 KiB and 50 KiB.
  uint64_t batch_size_warn_bytes = 5 << 10;
  uint64_t batch_size_fail_bytes = 50 << 10;
  // The live connections system_views.clients lists (issue 10 item 21). Default: null, the
  // table is empty.
  std::shared_ptr<const ClientDirectory> clients;
  // Many nodes (issue 15): DDL is cluster-wide, another node's DDL is reloaded (with its
  // SCHEMA_CHANGE events sent to this node's clients), system.peers(_v2) list the other live
  // nodes and system.local this node's tokens. Null: one node. Not owned; outlives the processor.
  storage::Coordinator* coordinator = nullptr;
};

class QueryProcessor {
 public:
  virtual ~QueryProcessor() = default;

  // QUERY: parse and run `cql` with `params`. Errors carry exact CQL codes (SyntaxError with
  // position, Invalid, AlreadyExists with detail, ConfigError...).
  virtual Result<protocol::ResultMessage> Query(Session& session, std::string_view cql,
                                                const protocol::QueryParameters& params) = 0;

  // PREPARE: returns a PreparedResult whose id is stable for the same text and keyspace.
  virtual Result<protocol::ResultMessage> Prepare(Session& session, std::string_view cql) = 0;

  // EXECUTE: kUnprepared (with UnpreparedDetail) when the id is unknown.
  virtual Result<protocol::ResultMessage> Execute(Session& session, std::string_view id,
                                                  const protocol::QueryParameters& params) = 0;

  // BATCH of INSERT/UPDATE/DELETE, queried or prepared.
  virtual Result<protocol::ResultMessage> Batch(Session& session,
                                                const protocol::BatchRequest& batch) = 0;

  // Called after every successful schema change (on the thread that made it), so the servers
  // (plain and TLS listeners) can send SCHEMA_CHANGE events to registered connections. Add
  // before serving; every listener added is called.
  using SchemaListener = std::function<void(const protocol::SchemaChangeResult&)>;
  virtual void AddSchemaListener(SchemaListener listener) = 0;

  // Group commit (issue 14): runs `done` once the writes of every request that returned before
  // this call are durable (storage::Engine::WhenDurable), possibly on another thread. A request
  // run inside a storage::DeferredSyncScope whose scope became pending must not be answered
  // before. Default: at once.
  virtual void WhenDurable(std::function<void(const Status&)> done) { done(Status::OK()); }

  // Inline execution (issue 14): whether an EXECUTE of prepared statement `id` is cheap and never
  // waits (query/inline_cost.h), so that the connection may run it on its event-loop thread, and
  // whether it is a read or a blind write whose storage write may be collected
  // (storage/write_collect.h). kNo for an unknown id (the pool answers UNPREPARED). Thread-safe.
  // Default: kNo.
  virtual InlineRun RunsInline(std::string_view id) { return InlineRun::kNo; }

  // The stored tables of the current schema (every keyspace but the virtual ones) with their
  // gc_grace_seconds: what the RADOS engine's background sweeper walks (issue 15,
  // storage/rados_sweeper.h). Thread-safe. Default: none.
  struct StoredTable {
    std::string id;
    int64_t gc_grace_seconds = 0;
  };
  virtual std::vector<StoredTable> StoredTables() { return {}; }
};

// Opens the processor over `engine`: loads (or creates on first start) the schema, including the
// system keyspaces. `engine` must outlive the processor.
Result<std::unique_ptr<QueryProcessor>> OpenQueryProcessor(storage::Engine& engine,
                                                           const NodeInfo& node,
                                                           ProcessorOptions options = {});

}  // namespace sibyl::query
