#include "cql/types/normalize.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "cql/types/validate.h"
#include "cql/types/value.h"

namespace sibyl::cql::types {
namespace {

uint32_t ReadU32(std::string_view b, size_t pos) {  // REQUIRES: pos + 4 <= b.size()
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(b[pos + i]);
  return v;
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// One element of a serialization: nullopt for a null (negative length).
using Element = std::optional<std::string_view>;

// Reads `count` length-prefixed elements from `b` at `pos`; missing trailing elements (tuple and
// UDT fields) are null. The value is valid (REQUIRES of NormalizeValue), but every length is
// still checked so that a broken caller cannot make this read outside `b`.
std::vector<Element> ReadElements(std::string_view b, size_t pos, size_t count) {
  std::vector<Element> out;
  out.reserve(std::min<size_t>(count, b.size() / 4 + 1));
  for (size_t i = 0; i < count; ++i) {
    if (b.size() - pos < 4) {
      out.emplace_back(std::nullopt);
      continue;
    }
    const int32_t len = static_cast<int32_t>(ReadU32(b, pos));
    pos += 4;
    if (len < 0 || b.size() - pos < static_cast<size_t>(len)) {
      out.emplace_back(std::nullopt);
      continue;
    }
    out.emplace_back(b.substr(pos, static_cast<size_t>(len)));
    pos += static_cast<size_t>(len);
  }
  return out;
}

void AppendElement(const std::optional<std::string>& e, std::string* out) {
  if (!e) {
    PutU32(out, 0xffffffffu);
    return;
  }
  PutU32(out, static_cast<uint32_t>(e->size()));
  out->append(*e);
}

std::string Normalize(const Type& type, std::string_view v, int depth);

std::optional<std::string> NormalizeElement(const Type& type, const Element& e, int depth) {
  if (!e) return std::nullopt;
  return Normalize(type, *e, depth);
}

std::string Normalize(const Type& type, std::string_view v, int depth) {
  // Empty values (Cassandra's "empty" of a type) stay as they are; scalars fall to `default`.
  // (Whether the type holds a set or map at all is checked once, in NormalizeValue: checking it
  // here again for every element would cost the type's size per element.)
  if (v.empty() || depth > kMaxValueNestingDepth) return std::string(v);
  switch (type.kind()) {
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap: {
      const bool map = type.kind() == Kind::kMap;
      if (v.size() < 4 || type.params().size() != (map ? 2u : 1u)) return std::string(v);
      const int32_t n = static_cast<int32_t>(ReadU32(v, 0));
      if (n < 0) return std::string(v);
      const size_t per_entry = map ? 2 : 1;
      const std::vector<Element> raw = ReadElements(v, 4, static_cast<size_t>(n) * per_entry);
      struct Entry {
        std::optional<std::string> key, value;
      };
      std::vector<Entry> entries;
      entries.reserve(raw.size() / per_entry);
      for (size_t i = 0; i < raw.size(); i += per_entry) {
        Entry e;
        e.key = NormalizeElement(type.params()[0], raw[i], depth + 1);
        if (map) e.value = NormalizeElement(type.params()[1], raw[i + 1], depth + 1);
        entries.push_back(std::move(e));
      }
      if (type.kind() != Kind::kList) {
        const Type& key_type = type.params()[0];
        // Nulls cannot be in a valid set or map; should one be there, it sorts first.
        auto compare = [&](const Entry& a, const Entry& b) {
          if (!a.key || !b.key) return static_cast<int>(a.key.has_value()) - b.key.has_value();
          return Compare(key_type, *a.key, *b.key);
        };
        std::stable_sort(entries.begin(), entries.end(),
                         [&](const Entry& a, const Entry& b) { return compare(a, b) < 0; });
        std::vector<Entry> unique;
        unique.reserve(entries.size());
        for (auto& e : entries) {
          if (!unique.empty() && compare(unique.back(), e) == 0) {
            if (map) unique.back().value = std::move(e.value);  // first key, last value
            continue;
          }
          unique.push_back(std::move(e));
        }
        entries = std::move(unique);
      }
      std::string out;
      out.reserve(v.size());
      PutU32(&out, static_cast<uint32_t>(entries.size()));
      for (const auto& e : entries) {
        AppendElement(e.key, &out);
        if (map) AppendElement(e.value, &out);
      }
      return out;
    }
    case Kind::kTuple:
    case Kind::kUdt: {
      // Fields after the last one sent stay absent (a shorter serialization is valid).
      std::string out;
      out.reserve(v.size());
      size_t pos = 0;
      for (const auto& field : type.params()) {
        if (pos >= v.size() || v.size() - pos < 4) break;
        const int32_t len = static_cast<int32_t>(ReadU32(v, pos));
        pos += 4;
        if (len < 0) {
          PutU32(&out, 0xffffffffu);
          continue;
        }
        if (v.size() - pos < static_cast<size_t>(len)) return std::string(v);
        AppendElement(Normalize(field, v.substr(pos, static_cast<size_t>(len)), depth + 1), &out);
        pos += static_cast<size_t>(len);
      }
      if (pos != v.size()) return std::string(v);
      return out;
    }
    default:
      return std::string(v);
  }
}

bool HasSetOrMapAt(const Type& type, int depth) {
  if (type.kind() == Kind::kSet || type.kind() == Kind::kMap) return true;
  if (depth > kMaxValueNestingDepth) return false;
  if (type.kind() != Kind::kList && type.kind() != Kind::kTuple && type.kind() != Kind::kUdt) {
    return false;
  }
  for (const auto& p : type.params()) {
    if (HasSetOrMapAt(p, depth + 1)) return true;
  }
  return false;
}

}  // namespace

bool HasSetOrMap(const Type& type) { return HasSetOrMapAt(type, 0); }

std::string NormalizeValue(const Type& type, std::string_view bytes) {
  if (!HasSetOrMap(type)) return std::string(bytes);
  return Normalize(type, bytes, 0);
}

}  // namespace sibyl::cql::types
