#include "query/statement.h"

#include <fmt/format.h>

#include <atomic>

#include "common/clock.h"
#include "query/user_types.h"
#include "schema/schema_store.h"

namespace sibyl::query {

int64_t NextWriteTimestamp() {
  // Strictly increasing across threads, so two writes from one client never tie.
  static std::atomic<int64_t> last{0};
  int64_t now = NowMicros();
  int64_t prev = last.load(std::memory_order_relaxed);
  while (true) {
    int64_t next = now > prev ? now : prev + 1;
    if (last.compare_exchange_weak(prev, next, std::memory_order_relaxed)) return next;
  }
}

Result<std::shared_ptr<const schema::TableMetadata>> ResolveTable(
    const schema::SchemaSnapshot& snapshot, const parser::QualifiedName& name,
    const Session& session) {
  const std::string& keyspace = name.keyspace.empty() ? session.keyspace : name.keyspace;
  if (keyspace.empty()) {
    return InvalidRequest(
        "No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename");
  }
  if (snapshot.FindKeyspace(keyspace) == nullptr) {
    return InvalidRequest(fmt::format("Keyspace {} does not exist", keyspace));
  }
  auto table = snapshot.FindTable(keyspace, name.name);
  if (table == nullptr) {
    return InvalidRequest(fmt::format("unconfigured table {}", name.name));
  }
  return table;
}

Result<std::shared_ptr<const CqlStatement>> PrepareStatement(const parser::Statement& statement,
                                                             const Session& session,
                                                             QueryContext& context) {
  size_t binds = statement.bind_markers.size();
  const auto& body = statement.body;
  if (const auto* s = std::get_if<parser::SelectStatement>(&body)) {
    return PrepareSelect(*s, binds, session, context);
  }
  if (const auto* s = std::get_if<parser::InsertStatement>(&body)) {
    return PrepareInsert(*s, binds, session, context);
  }
  if (const auto* s = std::get_if<parser::UpdateStatement>(&body)) {
    return PrepareUpdate(*s, binds, session, context);
  }
  if (const auto* s = std::get_if<parser::DeleteStatement>(&body)) {
    return PrepareDelete(*s, binds, session, context);
  }
  if (const auto* s = std::get_if<parser::BatchStatement>(&body)) {
    return PrepareBatch(*s, binds, session, context);
  }
  if (const auto* s = std::get_if<parser::DescribeStatement>(&body)) {
    return PrepareDescribe(*s);
  }
  if (const auto* s = std::get_if<parser::UnsupportedStatement>(&body)) {
    return Unsupported(s->what);
  }
  // User-defined type DDL (issue 11).
  if (std::holds_alternative<parser::CreateTypeStatement>(body) ||
      std::holds_alternative<parser::AlterTypeStatement>(body) ||
      std::holds_alternative<parser::DropTypeStatement>(body)) {
    return PrepareTypeStatement(statement);
  }
  if (binds > 0) {
    return InvalidRequest("Bind variables are not supported in schema statements or USE");
  }
  return PrepareSchemaStatement(statement, session, context);
}

}  // namespace sibyl::query
