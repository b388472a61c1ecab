#include "storage/rados_pieces.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <random>

namespace sibyl::storage::rados {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kRangeFormat = 1;

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
bool IsDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
std::string Hex(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    out.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kHex[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}
int HexDigit(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }
std::string Unhex(std::string_view hex) {  // REQUIRES: IsHex, even size
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(HexDigit(hex[i]) * 16 + HexDigit(hex[i + 1])));
  }
  return out;
}
// Decimal digits as a uint64_t; nullopt for an empty string, anything but digits, or a value
// past 2^64 - 1 (20 digits can hold more).
std::optional<uint64_t> ParseDigits(std::string_view s) {
  uint64_t n = 0;
  if (s.empty() || !IsDigits(s)) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

std::string Digits20(uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%020llu", static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace

std::string PieceMapKey(std::string_view start) {
  std::string out(1, kPieceMapEntry);
  out.append(start);
  return out;
}

std::string PieceObjectName(std::string_view head_oid, std::string_view id) {
  std::string out(head_oid);
  out.push_back('.');
  out.append(id);
  return out;
}

std::string NewPieceId() {
  std::random_device rd;
  std::string bytes;
  for (int i = 0; i < 2; ++i) {
    uint32_t r = rd();
    for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<char>(r >> (8 * b)));
  }
  return Hex(bytes);
}

Result<PieceRef> ParsePieceMapEntry(std::string_view key, std::string_view value) {
  if (key.empty() || key[0] != kPieceMapEntry || value.size() != kPieceIdSize || !IsHex(value)) {
    return Status(ErrorCode::kCorruption, "malformed piece map entry in a RADOS partition head");
  }
  return PieceRef{std::string(key.substr(1)), std::string(value)};
}

size_t PieceOf(const std::vector<PieceRef>& map, std::string_view clustering) {
  // The last piece whose start is <= clustering.
  auto it = std::upper_bound(map.begin(), map.end(), clustering,
                             [](std::string_view c, const PieceRef& p) { return c < p.start; });
  return it == map.begin() ? 0 : static_cast<size_t>(it - map.begin()) - 1;
}

std::string FormatSpill(const SpillState& s) {
  std::string out = Digits20(s.version);
  if (!s.busy) return out;
  out += ":" + Digits20(static_cast<uint64_t>(s.deadline_micros)) + ":" + s.owner + ":" +
         Hex(s.last_key);
  return out;
}

Result<SpillState> ParseSpill(std::string_view b) {
  const Status corrupt(ErrorCode::kCorruption, "malformed spill xattr of a RADOS partition head");
  SpillState s;
  if (b.empty()) return s;
  if (b.size() > kMaxSpillXattr || b.size() < 20) return corrupt;
  std::optional<uint64_t> version = ParseDigits(b.substr(0, 20));
  if (!version) return corrupt;
  s.version = *version;
  if (b.size() == 20) return s;
  // :<deadline 20>:<owner 16>:<hex>
  if (b.size() < 20 + 1 + 20 + 1 + 16 + 1 || b[20] != ':' || b[41] != ':' || b[58] != ':') {
    return corrupt;
  }
  std::string_view deadline = b.substr(21, 20), owner = b.substr(42, 16), last = b.substr(59);
  std::optional<uint64_t> deadline_micros = ParseDigits(deadline);
  if (!deadline_micros || !IsHex(owner) || !IsHex(last) || last.size() % 2 != 0) {
    return corrupt;
  }
  s.busy = true;
  s.deadline_micros = static_cast<int64_t>(*deadline_micros);
  s.owner = std::string(owner);
  s.last_key = Unhex(last);
  return s;
}

bool PieceRange::Covers(const PieceRange& inner) const {
  if (inner.start < start) return false;
  if (!end) return true;
  return inner.end && *inner.end <= *end;
}

std::string EncodePieceRange(const PieceRange& r) {
  std::string out(1, kRangeFormat);
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(r.start.size() >> (8 * i)));
  out.append(r.start);
  out.push_back(r.end ? 1 : 0);
  if (r.end) out.append(*r.end);
  return out;
}

Result<PieceRange> DecodePieceRange(std::string_view b) {
  const Status corrupt(ErrorCode::kCorruption, "malformed range xattr of a RADOS partition piece");
  if (b.size() < 6 || b[0] != kRangeFormat) return corrupt;
  uint64_t n = 0;
  for (int i = 1; i <= 4; ++i) n = (n << 8) | static_cast<uint8_t>(b[i]);
  if (n > b.size() - 6) return corrupt;
  PieceRange r;
  r.start = std::string(b.substr(5, n));
  const char has_end = b[5 + n];
  if (has_end == 1) {
    r.end = std::string(b.substr(6 + n));
  } else if (has_end != 0 || b.size() != 6 + n) {
    return corrupt;
  }
  return r;
}

std::string FormatNumber(uint64_t n) { return std::to_string(n); }

Result<uint64_t> ParseNumber(std::string_view b, std::string_view what) {
  if (b.empty()) return uint64_t{0};
  std::optional<uint64_t> n = b.size() > 19 ? std::nullopt : ParseDigits(b);
  if (!n) {
    return Status(ErrorCode::kCorruption,
                  "malformed " + std::string(what) + " xattr of a RADOS partition piece");
  }
  return *n;
}

}  // namespace sibyl::storage::rados
