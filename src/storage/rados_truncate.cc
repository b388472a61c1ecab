#include "storage/rados_truncate.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <map>

#include "storage/rados_connection.h"
#include "storage/rados_fragments.h"

namespace sibyl::storage::rados {
namespace {

constexpr uint64_t kMaxPage = 1024;  // osd_max_omap_entries_per_request
// A partition object whose version keeps changing under the check is being written by a
// node that indexes first: after this many attempts it is left (it will be indexed).
constexpr int kMaxAttempts = 8;

// The token of partition object name "p.<flipped token hex16>.<hash hex32>".
bool TokenOfObject(const std::string& oid, int64_t* token) {
  if (oid.size() != 2 + 16 + 1 + 32 || oid.compare(0, 2, "p.") != 0 || oid[18] != '.') {
    return false;
  }
  std::string flipped;
  for (size_t i = 2; i < 18; i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = nibble(oid[i]), lo = nibble(oid[i + 1]);
    if (hi < 0 || lo < 0) return false;
    flipped.push_back(static_cast<char>(hi * 16 + lo));
  }
  *token = UnflipToken(flipped);
  return true;
}

// Whether shard `IndexShardOf(token)` holds an entry of `token` whose partition is `oid`.
Result<bool> Indexed(librados::IoCtx& io, int64_t token, const std::string& oid) {
  const std::string prefix = FlipToken(token);
  std::string start_after = prefix;  // every entry of the token is longer
  while (true) {
    std::map<std::string, librados::bufferlist> page;
    bool more = false;
    int rval = 0;
    librados::ObjectReadOperation op;
    op.omap_get_vals2(start_after, prefix, kMaxPage, &page, &more, &rval);
    int rc = io.operate(IndexShardName(IndexShardOf(token)), &op, nullptr);
    if (rc == -ENOENT) return false;
    RETURN_IF_ERROR(FromRados(rc, "reading the partition index"));
    for (const auto& [key, value] : page) {
      PartitionPosition p;
      if (ParseIndexKey(key, &p) && PartitionObjectName(p.token, p.partition_key) == oid) {
        return true;
      }
      start_after = key;
    }
    if (!more || page.empty()) return false;
  }
}

// Removes `oid` unless it is indexed; the version read first guards the removal.
Status RemoveIfUnindexed(librados::IoCtx& io, const std::string& oid, int64_t token) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    librados::ObjectReadOperation stat;
    uint64_t size = 0;
    int stat_rval = 0;
    stat.stat(&size, nullptr, &stat_rval);
    int rc = io.operate(oid, &stat, nullptr);
    if (rc == -ENOENT) return Status::OK();
    RETURN_IF_ERROR(FromRados(rc, "reading " + oid));
    const uint64_t version = io.get_last_version();
    ASSIGN_OR_RETURN(bool indexed, Indexed(io, token, oid));
    if (indexed) return Status::OK();
    librados::ObjectWriteOperation remove;
    remove.assert_version(version);
    remove.remove();
    rc = io.operate(oid, &remove);
    if (rc == 0 || rc == -ENOENT) return Status::OK();
    if (rc != -ERANGE && rc != -EOVERFLOW) return FromRados(rc, "removing " + oid);
    // Written since the version was read: check again.
  }
  return Status::OK();
}

}  // namespace

Status RemoveUnindexedPartitions(librados::IoCtx& io, const std::string& table_id) {
  int removed_or_checked = 0;
  try {
    for (auto it = io.nobjects_begin(); it != io.nobjects_end(); ++it) {
      const std::string oid = it->get_oid();
      int64_t token = 0;
      // Only partition objects: the marker, index shards (and any other kind of object) are
      // not what a racing write re-creates without an entry.
      if (!TokenOfObject(oid, &token)) continue;
      RETURN_IF_ERROR(RemoveIfUnindexed(io, oid, token));
      ++removed_or_checked;
    }
  } catch (const std::exception& e) {
    return Status(ErrorCode::kIOError, "listing table storage " + table_id + ": " + e.what());
  }
  if (removed_or_checked > 0) {
    spdlog::info("TRUNCATE of {}: checked {} partitions written during it", table_id,
                 removed_or_checked);
  }
  return Status::OK();
}

}  // namespace sibyl::storage::rados
