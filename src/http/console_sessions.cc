#include "http/console_sessions.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/clock.h"
#include "http/console_session_record.h"
#include "storage/engine.h"

namespace sibyl::http {
namespace {

constexpr const char* kDocCell = "doc";
constexpr const char* kUsedCell = "used";
const std::optional<ConsoleSession> kNoSession;

// The newest write timestamp in a stored row.
int64_t NewestTimestamp(const storage::Row& row) {
  int64_t newest = row.marker.timestamp;
  for (const auto& [name, cell] : row.cells) newest = std::max(newest, cell.timestamp);
  return newest;
}

// A write timestamp above `floor` (the newest write it must win over; the clocks of nodes
// differ).
int64_t WriteTimestamp(int64_t floor) { return std::max(NowMicros(), floor + 1); }

// A cell that expires with the session: `absolute` seconds after `created`.
storage::Cell ExpiringCell(int64_t timestamp, int64_t now, int64_t expires_at, std::string value) {
  const auto ttl = static_cast<int32_t>(std::max<int64_t>(1, expires_at - now));
  return storage::Cell{timestamp, ttl, expires_at, false, std::move(value)};
}

storage::PartitionMutation MutationOf(const std::string& user_id) {
  storage::PartitionMutation m;
  m.partition_key = user_id;
  m.token = SessionPartitionToken(user_id);
  return m;
}

storage::Row Deleted(std::string clustering, int64_t timestamp) {
  storage::Row row;
  row.clustering = std::move(clustering);
  row.deletion = {timestamp, NowSeconds()};
  return row;
}

}  // namespace

Result<std::unique_ptr<ConsoleSessions>> ConsoleSessions::Open(storage::Engine& engine,
                                                               ConsoleSessionLimits limits) {
  RETURN_IF_ERROR(engine.CreateTable(kConsoleSessionTableId));
  return std::unique_ptr<ConsoleSessions>(new ConsoleSessions(engine, limits));
}

Result<ConsoleSession> ConsoleSessions::Create(const iam::Principal& principal, int64_t now) {
  SessionKey key{principal.user_id, now, NewSessionToken()};
  if (!ParseSessionCookie(key.Cookie())) {
    return Status(ErrorCode::kInternal, "a console session for a principal without a user id");
  }
  // The principal's sessions still inside the absolute limit, oldest first (the clustering
  // starts with the sign-in time); older rows are not read at all. Bounded: a few races past
  // the limit on several nodes at once are tolerated, not an unbounded read.
  storage::SliceQuery q;
  q.now_seconds = now;
  q.want_static = false;
  q.ranges = {{{SessionCreatedPrefix(std::max<int64_t>(0, now - limits_.absolute_seconds)), true},
               {}}};
  q.row_limit = static_cast<uint64_t>(limits_.max_per_principal) * 4 + 1;
  ASSIGN_OR_RETURN(auto existing, engine_.ReadPartition(kConsoleSessionTableId, key.user_id,
                                                        SessionPartitionToken(key.user_id), q));
  std::vector<const storage::Row*> live;
  int64_t newest = 0;
  for (const auto& row : existing.rows) {
    if (row.cells.count(kDocCell) == 0) continue;  // ended (a late touch left a "used" cell)
    live.push_back(&row);
    newest = std::max(newest, NewestTimestamp(row));
  }

  ConsoleSession s;
  s.id = key.Cookie();
  s.csrf_token = NewSessionToken();
  s.principal = principal;
  s.created = s.last_used = now;
  s.stored_timestamp = WriteTimestamp(newest);
  const int64_t expires_at = now + limits_.absolute_seconds;
  storage::PartitionMutation m = MutationOf(key.user_id);
  storage::Row row;
  row.clustering = key.Clustering();
  row.marker = {s.stored_timestamp, static_cast<int32_t>(limits_.absolute_seconds), expires_at};
  row.cells[kDocCell] = ExpiringCell(s.stored_timestamp, now, expires_at,
                                     EncodeSessionDoc({principal, s.csrf_token}));
  row.cells[kUsedCell] = ExpiringCell(s.stored_timestamp, now, expires_at, EncodeLastUsed(now));
  m.rows.push_back(std::move(row));
  // One sign-in past the limit ends the oldest sessions, in the same atomic write.
  const size_t limit = static_cast<size_t>(std::max(1, limits_.max_per_principal));
  for (size_t i = 0; i + limit <= live.size(); ++i) {
    m.rows.push_back(Deleted(live[i]->clustering, s.stored_timestamp));
  }
  RETURN_IF_ERROR(engine_.Apply({{kConsoleSessionTableId, std::move(m)}}));
  return s;
}

Result<std::optional<ConsoleSession>> ConsoleSessions::Find(const std::string& id, int64_t now) {
  auto key = ParseSessionCookie(id);
  if (!key || now - key->created > limits_.absolute_seconds) return kNoSession;
  const std::string clustering = key->Clustering();
  storage::SliceQuery q;
  q.now_seconds = now;
  q.want_static = false;
  q.ranges = {{{clustering, true}, {clustering, true}}};
  q.row_limit = 1;
  ASSIGN_OR_RETURN(auto partition, engine_.ReadPartition(kConsoleSessionTableId, key->user_id,
                                                         SessionPartitionToken(key->user_id), q));
  if (partition.rows.empty() || partition.rows[0].clustering != clustering) return kNoSession;
  const storage::Row& row = partition.rows[0];
  auto doc_cell = row.cells.find(kDocCell);
  if (doc_cell == row.cells.end()) return kNoSession;  // ended
  auto doc = DecodeSessionDoc(doc_cell->second.value, key->user_id);
  if (!doc.ok()) {
    spdlog::warn("console: session of user id {} refused: {}", key->user_id,
                 doc.status().ToString());
    return kNoSession;
  }
  ConsoleSession s;
  s.id = id;
  s.csrf_token = doc->csrf_token;
  s.principal = doc->principal;
  s.created = s.last_used = key->created;
  s.stored_timestamp = NewestTimestamp(row);
  if (auto used = row.cells.find(kUsedCell); used != row.cells.end()) {
    auto seconds = DecodeLastUsed(used->second.value);
    if (!seconds.ok()) {
      spdlog::warn("console: session of user id {} refused: {}", key->user_id,
                   seconds.status().ToString());
      return kNoSession;
    }
    s.last_used = std::max(s.last_used, *seconds);
  }
  if (now - s.last_used > limits_.idle_seconds) return kNoSession;
  if (now - s.last_used >= limits_.touch_seconds) {
    // Restart the idle clock for every node. A lost touch only makes the session end earlier.
    storage::PartitionMutation m = MutationOf(key->user_id);
    storage::Row touched;
    touched.clustering = clustering;
    touched.cells[kUsedCell] = ExpiringCell(WriteTimestamp(s.stored_timestamp), now,
                                            key->created + limits_.absolute_seconds,
                                            EncodeLastUsed(now));
    s.stored_timestamp = touched.cells[kUsedCell].timestamp;
    m.rows.push_back(std::move(touched));
    Status status = engine_.Apply({{kConsoleSessionTableId, std::move(m)}});
    if (!status.ok()) {
      spdlog::warn("console: recording a session's use failed: {}", status.ToString());
    }
    s.last_used = now;
  }
  return std::optional<ConsoleSession>(std::move(s));
}

Status ConsoleSessions::Delete(const ConsoleSession& session) {
  auto key = ParseSessionCookie(session.id);
  if (!key) return Status(ErrorCode::kInternal, "not a console session id");
  storage::PartitionMutation m = MutationOf(key->user_id);
  m.rows.push_back(Deleted(key->Clustering(), WriteTimestamp(session.stored_timestamp)));
  return engine_.Apply({{kConsoleSessionTableId, std::move(m)}});
}

}  // namespace sibyl::http
