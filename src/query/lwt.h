#pragma once
// Lightweight transactions (issue 12): a conditional INSERT/UPDATE/DELETE, or a BATCH with
// conditions, runs as one Engine::CompareAndApply on its partition: the rows the conditions
// name are read, the conditions evaluated, and the statements' mutations (with the timestamp
// the engine chose) applied, all while the partition is held. The result is Cassandra 4.1's
// (ModificationStatement.buildCasResultSet): one row, `[applied]` boolean first and, when not
// applied, the current values of the columns the conditions name (all columns for IF EXISTS /
// IF NOT EXISTS; the primary key first in a batch), one row per row read.

#include <vector>

#include "common/status.h"
#include "cql/protocol/messages.h"
#include "query/statement.h"
#include "query/term.h"

#include "query/namespaces.h"

namespace sibyl::query {

struct WhereClause;  // query/where_clause.h

// One statement of a conditional write, with the values it runs with (a BATCH message's
// entries each have their own). The statement may be unconditional inside a batch.
struct CasEntry {
  const ModificationStatement* statement = nullptr;
  const ExecutionParams* params = nullptr;
};

// Runs `entries` (one statement, or a batch when `is_batch`) as one compare-and-apply.
// `params` are the request's (consistency, serial consistency, deadline). kInvalid with
// Cassandra's texts for a bad consistency, IN on the key, several partitions or tables;
// WriteTimeout (write type CAS) past the deadline.
Result<protocol::ResultMessage> ExecuteConditional(QueryContext& context,
                                                   const ExecutionParams& params,
                                                   const std::vector<CasEntry>& entries,
                                                   bool is_batch);

// Cassandra 4.1 ConsistencyLevel.validateForWrite: SERIAL and LOCAL_SERIAL are for conditional
// writes only ("You must use conditional updates for serializable writes").
Status CheckWriteConsistency(protocol::Consistency consistency);

// A SELECT at SERIAL / LOCAL_SERIAL reads one partition (Cassandra 4.1 StorageProxy.read:
// "SERIAL/LOCAL_SERIAL consistency may only be requested for one partition at a time"); call it
// for a read of several partitions or a range. On one partition such a read is linearizable
// without more work (docs/dev/lwt.md).
Status CheckSerialRead(protocol::Consistency consistency);

// Conditions prepared for `statement` from its IF clause (null when there is none), with the
// refusals Cassandra makes at prepare: a custom timestamp, IN on the key (recorded for
// execution), conditions a range deletion cannot check. `where` is null for INSERT.
Status AttachConditions(ModificationStatement& statement, const parser::Conditions& raw,
                        bool has_custom_timestamp, const WhereClause* where,
                        bool is_delete, BindSpecs& specs);

}  // namespace sibyl::query
