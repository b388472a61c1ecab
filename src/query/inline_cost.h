#pragma once
// The cost class of a prepared statement (issue 14, docs/dev/performance.md "Inline execution"):
// whether an EXECUTE of it may run on the connection's event-loop thread instead of hopping to
// the worker pool and back. Decided once, at PREPARE time, from the statement's text and table.
//
// Inline: work that is bounded and never waits — a write to one partition given by equality on
// its whole partition key, without IF (no partition lock, no read before write: only plain
// `c = v` assignments, no list element operations), to a table without counters; a read of one
// row given by its full primary key (or of one partition of a table without clustering
// columns), selecting plain columns. Everything else (LWT, counters, scans, IN, slices,
// aggregates, functions, JSON, batches, DDL, system tables) stays on the pool, as does any
// execution at SERIAL consistency or with tracing (the connection checks those per request).
// Under sync durability an inline write still waits for the group commit's fsync before its
// answer; it never waits on the event-loop thread (storage/deferred_sync.h).
//
// kWrite statements call the engine exactly once, with one Apply and no read, so that the
// connection may collect their writes and write those of one event-loop turn together
// (storage/write_collect.h); kRead statements never write.

namespace sibyl::cql::parser {
struct Statement;
}

namespace sibyl::query {

class CqlStatement;

enum class InlineRun {
  kNo,     // the worker pool runs it
  kRead,   // a point read, inline
  kWrite,  // a blind point write, inline; its one Apply may be collected
};

InlineRun InlineRunOf(const cql::parser::Statement& ast, const CqlStatement& statement);

}  // namespace sibyl::query
