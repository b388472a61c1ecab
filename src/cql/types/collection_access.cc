#include "cql/types/collection_access.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sibyl::cql::types {
namespace {

struct Entry {
  std::string_view key;    // the element of a list or set, the key of a map
  std::string_view value;  // the value of a map entry; empty otherwise
  size_t begin = 0;        // where the entry's bytes start in the serialization
  size_t end = 0;          // one past its last byte
};

bool ReadLength(std::string_view b, size_t* pos, int32_t* out) {
  if (b.size() - *pos < 4) return false;
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(b[*pos + i]);
  *pos += 4;
  *out = static_cast<int32_t>(v);
  return true;
}

bool ReadBytes(std::string_view b, size_t* pos, std::string_view* out) {
  int32_t len = 0;
  if (!ReadLength(b, pos, &len) || len < 0 || b.size() - *pos < static_cast<size_t>(len)) {
    return false;
  }
  *out = b.substr(*pos, static_cast<size_t>(len));
  *pos += static_cast<size_t>(len);
  return true;
}

// The entries of a list, set or map serialization, as far as they can be read.
std::vector<Entry> Entries(const Type& type, std::string_view b) {
  std::vector<Entry> out;
  size_t pos = 0;
  int32_t count = 0;
  if (!ReadLength(b, &pos, &count) || count < 0) return out;
  const bool map = type.kind() == Kind::kMap;
  // Each entry takes at least 4 (8 for a map) bytes: never reserve more than the bytes allow.
  out.reserve(std::min<size_t>(static_cast<size_t>(count), b.size() / (map ? 8 : 4)));
  for (int32_t i = 0; i < count; ++i) {
    Entry e;
    e.begin = pos;
    if (!ReadBytes(b, &pos, &e.key)) break;
    if (map && !ReadBytes(b, &pos, &e.value)) break;
    e.end = pos;
    out.push_back(e);
  }
  return out;
}

bool IsSetOrMap(const Type& type) {
  return (type.kind() == Kind::kSet && type.params().size() == 1) ||
         (type.kind() == Kind::kMap && type.params().size() == 2);
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

std::optional<std::string> SelectCollectionElement(const Type& type, std::string_view collection,
                                                   std::string_view key) {
  if (!IsSetOrMap(type)) return std::nullopt;
  const Type& key_type = type.params()[0];
  for (const Entry& e : Entries(type, collection)) {
    const int c = Compare(key_type, e.key, key);
    if (c == 0) return std::string(type.kind() == Kind::kMap ? e.value : e.key);
    if (c > 0) break;  // sorted: gone past it
  }
  return std::nullopt;
}

Value SelectCollectionSlice(const Type& type, std::string_view collection,
                            const std::optional<std::string>& from,
                            const std::optional<std::string>& to, bool frozen) {
  if (!from && !to) return std::string(collection);
  if (!IsSetOrMap(type)) return std::nullopt;
  const Type& key_type = type.params()[0];
  std::string body;
  int32_t count = 0;
  for (const Entry& e : Entries(type, collection)) {
    if (from && Compare(key_type, *from, e.key) > 0) continue;
    if (to && Compare(key_type, e.key, *to) > 0) break;
    body.append(collection.substr(e.begin, e.end - e.begin));
    ++count;
  }
  if (count == 0 && !frozen) return std::nullopt;
  std::string out;
  out.reserve(4 + body.size());
  PutU32(&out, static_cast<uint32_t>(count));
  out += body;
  return out;
}

bool CollectionContains(const Type& type, std::string_view collection, std::string_view value) {
  const bool map = type.kind() == Kind::kMap && type.params().size() == 2;
  const bool list_or_set =
      (type.kind() == Kind::kList || type.kind() == Kind::kSet) && type.params().size() == 1;
  if (!map && !list_or_set) return false;
  const Type& element_type = map ? type.params()[1] : type.params()[0];
  for (const Entry& e : Entries(type, collection)) {
    if (Compare(element_type, map ? e.value : e.key, value) == 0) return true;
  }
  return false;
}

bool MapContainsKey(const Type& type, std::string_view collection, std::string_view key) {
  if (type.kind() != Kind::kMap) return false;
  return SelectCollectionElement(type, collection, key).has_value();
}

}  // namespace sibyl::cql::types
