#include "query/complex_columns.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>

#include "storage/complex_cells.h"

namespace sibyl::query {
namespace {

using types::Kind;

// 100 ns intervals between the UUID epoch (1582-10-15) and the Unix epoch.
constexpr uint64_t kUuidEpochOffset = 0x01B21DD213814000ULL;
// Cassandra's Lists.PrecisionTime.REFERENCE_TIME: 2010-01-01T00:00:00Z in milliseconds.
constexpr int64_t kPrependReferenceMillis = 1262304000000LL;

struct ListIdClock {
  std::mutex mu;
  uint64_t last_append = 0;
  uint64_t last_prepend = UINT64_MAX;
  char node[8];
  ListIdClock() {
    std::random_device rd;
    for (char& c : node) c = static_cast<char>(rd());
  }
};

ListIdClock& Clock() {
  static ListIdClock clock;
  return clock;
}

std::string MakeId(uint64_t ticks, const char* node) {
  std::string id(16, '\0');
  for (int i = 0; i < 8; ++i) id[i] = static_cast<char>(ticks >> (56 - 8 * i));
  std::copy(node, node + 8, id.begin() + 8);
  return id;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ReadInt(std::string_view bytes, size_t* pos, int32_t* out) {
  if (bytes.size() - *pos < 4) return false;
  uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<uint8_t>(bytes[*pos + i]);
  *out = static_cast<int32_t>(u);
  *pos += 4;
  return true;
}

void AppendBytes(std::string* out, std::string_view bytes) {
  const uint32_t n = static_cast<uint32_t>(bytes.size());
  const char b[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
  out->append(b, 4);
  out->append(bytes);
}

}  // namespace

bool IsMultiCellCollection(const types::Type& type) {
  return type.IsCollection() && !type.frozen();
}

std::vector<std::string> AppendListElementIds(size_t count) {
  ListIdClock& clock = Clock();
  const uint64_t now = static_cast<uint64_t>(NowMillis()) * 10000 + kUuidEpochOffset;
  std::lock_guard<std::mutex> lock(clock.mu);
  uint64_t start = std::max(now, clock.last_append + 1);
  clock.last_append = start + (count == 0 ? 0 : count - 1);
  std::vector<std::string> ids;
  ids.reserve(count);
  for (size_t i = 0; i < count; ++i) ids.push_back(MakeId(start + i, clock.node));
  return ids;
}

std::vector<std::string> PrependListElementIds(size_t count) {
  ListIdClock& clock = Clock();
  // Lists.Prepender: REFERENCE_TIME - (now - REFERENCE_TIME), so each later prepend goes first.
  const int64_t mirrored = kPrependReferenceMillis - (NowMillis() - kPrependReferenceMillis);
  const uint64_t ticks = static_cast<uint64_t>(mirrored) * 10000 + kUuidEpochOffset;
  std::lock_guard<std::mutex> lock(clock.mu);
  uint64_t base = std::min(ticks, clock.last_prepend - count);
  clock.last_prepend = base;
  std::vector<std::string> ids;
  ids.reserve(count);
  for (size_t i = 0; i < count; ++i) ids.push_back(MakeId(base + i, clock.node));
  return ids;
}

Result<std::vector<std::string>> CollectionElements(const types::Type& type,
                                                    std::string_view serialized) {
  const size_t per_entry = type.kind() == Kind::kMap ? 2 : 1;
  size_t pos = 0;
  int32_t n = 0;
  if (!ReadInt(serialized, &pos, &n) || n < 0) {
    return InvalidRequest("Invalid collection value: bad element count");
  }
  std::vector<std::string> out;
  // Each element takes at least 4 bytes: a count beyond the bytes is malformed, and nothing is
  // reserved from it unchecked.
  if (static_cast<uint64_t>(n) * per_entry * 4 > serialized.size()) {
    return InvalidRequest("Invalid collection value: truncated");
  }
  out.reserve(static_cast<size_t>(n) * per_entry);
  for (size_t i = 0; i < static_cast<size_t>(n) * per_entry; ++i) {
    int32_t len = 0;
    if (!ReadInt(serialized, &pos, &len) || len < 0 ||
        serialized.size() - pos < static_cast<size_t>(len)) {
      return InvalidRequest("Invalid collection value: truncated element");
    }
    out.emplace_back(serialized.substr(pos, len));
    pos += len;
  }
  if (pos != serialized.size()) return InvalidRequest("Invalid collection value: trailing bytes");
  return out;
}

Status AddElementCells(const types::Type& type, std::string_view column, std::string_view value,
                       const storage::Cell& proto, const std::vector<std::string>& list_ids,
                       std::map<std::string, storage::Cell>* cells) {
  ASSIGN_OR_RETURN(auto elements, CollectionElements(type, value));
  switch (type.kind()) {
    case Kind::kList:
      if (list_ids.size() != elements.size()) return InternalError("list element ids mismatch");
      for (size_t i = 0; i < elements.size(); ++i) {
        storage::Cell cell = proto;
        cell.value = std::move(elements[i]);
        (*cells)[storage::ElementCellName(column, list_ids[i])] = std::move(cell);
      }
      break;
    case Kind::kSet:
      for (const auto& e : elements) {
        storage::Cell cell = proto;
        cell.value.clear();
        (*cells)[storage::ElementCellName(column, e)] = std::move(cell);
      }
      break;
    case Kind::kMap:
      for (size_t i = 0; i + 1 < elements.size(); i += 2) {
        storage::Cell cell = proto;
        cell.value = std::move(elements[i + 1]);
        (*cells)[storage::ElementCellName(column, elements[i])] = std::move(cell);
      }
      break;
    default:
      return InternalError("not a collection type: " + type.ToCql());
  }
  return Status::OK();
}

std::vector<CollectionElement> LiveElements(const types::Type& type, std::string_view column,
                                            const std::map<std::string, storage::Cell>& cells) {
  std::vector<CollectionElement> out;
  const auto end = storage::ComplexCellsEnd(cells, column);
  for (auto it = storage::ComplexCellsBegin(cells, column); it != end; ++it) {
    if (it->second.tombstone) continue;
    const storage::CellNameParts parts = storage::SplitCellName(it->first);
    if (parts.kind != storage::CellNameKind::kElement) continue;
    out.push_back({parts.path, it->second.value});
  }
  if (type.kind() != Kind::kList && !type.params().empty()) {
    // Paths are serializations: their byte order is not the type's (-1 > 1 as bytes).
    const types::Type& key_type = type.params()[0];
    auto less = [&](const CollectionElement& a, const CollectionElement& b) {
      return types::Compare(key_type, a.path, b.path) < 0;
    };
    // Often already in order (text keys, non-negative numbers): one pass checks it.
    if (!std::is_sorted(out.begin(), out.end(), less)) std::stable_sort(out.begin(), out.end(), less);
  }
  return out;
}

types::Value AssembleCollection(const types::Type& type, std::string_view column,
                                const std::map<std::string, storage::Cell>& cells) {
  const std::vector<CollectionElement> elements = LiveElements(type, column, cells);
  if (elements.empty()) return std::nullopt;
  std::string out;
  const uint32_t n = static_cast<uint32_t>(elements.size());
  const char b[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
  out.append(b, 4);
  for (const auto& e : elements) {
    switch (type.kind()) {
      case Kind::kList:
        AppendBytes(&out, e.value);
        break;
      case Kind::kSet:
        AppendBytes(&out, e.path);
        break;
      default:
        AppendBytes(&out, e.path);
        AppendBytes(&out, e.value);
        break;
    }
  }
  return out;
}

const storage::Cell* FindLiveElementCell(const types::Type& type, std::string_view column,
                                         std::string_view key,
                                         const std::map<std::string, storage::Cell>& cells) {
  if (type.kind() == Kind::kList || type.params().empty()) return nullptr;
  const types::Type& key_type = type.params()[0];
  const auto end = storage::ComplexCellsEnd(cells, column);
  for (auto it = storage::ComplexCellsBegin(cells, column); it != end; ++it) {
    if (it->second.tombstone) continue;
    const storage::CellNameParts parts = storage::SplitCellName(it->first);
    if (parts.kind != storage::CellNameKind::kElement) continue;
    if (types::Compare(key_type, parts.path, key) == 0) return &it->second;
  }
  return nullptr;
}

}  // namespace sibyl::query
